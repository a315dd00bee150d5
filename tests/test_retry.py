"""The retry policy as a table: one row per row of the "Retries" table of docs/errors.md.

``decide()`` is a plain function: no HTTP, no clock, no sleeping. Each row gives
what an attempt came back with, for a route of each retry class, and what the
call must do next: retry (with the wait), re-log on, return, or raise which error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Final

import httpx
import pytest

from agentchat import (
    AgentChatError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    LogonError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from agentchat import _routes as routes
from agentchat._retry import (
    BACKOFF_MAX,
    RETRY_AFTER_MAX,
    Outcome,
    Raise,
    Relogon,
    Retry,
    Return,
    backoff,
    decide,
)
from agentchat._routes import Route
from agentchat._wire import BodyTooLarge, Reply

pytestmark = pytest.mark.httpx_only  # no wire: the decision table, the same on every transport

#: One route of each retry class, all taking a session.
READ: Final = routes.GET_CHAT_LIST
IDEMPOTENT: Final = routes.CLOSE_CHAT
UNSAFE: Final = routes.SEND_MESSAGE
NOW: Final = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def reply(status: int, body: bytes = b"", **headers: str) -> Reply:
    return Reply(status, "", {k.replace("_", "-"): v for k, v in headers.items()}, body)


def expired(status: int) -> Reply:
    return reply(status, b'{"Message": "Session token expired"}')


# (row of the docs/errors.md table, outcome, decision for read and idempotent, decision for unsafe)
# A decision is ("retry", wait), ("relogon",), ("return",) or ("raise", error class).
Expected = tuple[Any, ...]
ROWS: Final[list[tuple[str, Callable[[], Outcome], Expected, Expected]]] = [
    ("connect error", lambda: httpx.ConnectError("refused"),
     ("retry", 0.25), ("retry", 0.25)),
    ("connect timeout", lambda: httpx.ConnectTimeout("slow"),
     ("retry", 0.25), ("retry", 0.25)),
    ("pool timeout", lambda: httpx.PoolTimeout("full"),
     ("retry", 0.25), ("retry", 0.25)),
    ("proxy refused the tunnel", lambda: httpx.ProxyError("407 Proxy Authentication Required"),
     ("retry", 0.25), ("retry", 0.25)),
    ("read timeout", lambda: httpx.ReadTimeout("slow"),
     ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("write timeout", lambda: httpx.WriteTimeout("slow"),
     ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("the attempt's whole bound", lambda: httpx.ReadTimeout("no complete answer within 5s"),
     ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("connection dropped (network)", lambda: httpx.ReadError("reset"),
     ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("connection dropped (protocol)", lambda: httpx.RemoteProtocolError("cut"),
     ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("other transport error", lambda: httpx.UnsupportedProtocol("ftp"),
     ("raise", APIConnectionError), ("raise", APIConnectionError)),
    ("429", lambda: reply(429), ("retry", 0.25), ("retry", 0.25)),
    ("503", lambda: reply(503), ("retry", 0.25), ("retry", 0.25)),
    ("502", lambda: reply(502), ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("504", lambda: reply(504), ("retry", 0.25), ("raise", OutcomeUnknownError)),
    ("500", lambda: reply(500), ("raise", ServerError), ("raise", ServerError)),
    ("501", lambda: reply(501), ("raise", ServerError), ("raise", ServerError)),
    ("400", lambda: reply(400), ("raise", BadRequestError), ("raise", BadRequestError)),
    ("404", lambda: reply(404), ("raise", NotFoundError), ("raise", NotFoundError)),
    ("422", lambda: reply(422), ("raise", APIStatusError), ("raise", APIStatusError)),
    ("302", lambda: reply(302, Location="https://elsewhere.test/"),
     ("raise", APIStatusError), ("raise", APIStatusError)),
    ("307", lambda: reply(307), ("raise", APIStatusError), ("raise", APIStatusError)),
    ("over max_response_bytes", lambda: BodyTooLarge(200, 64),
     ("raise", ResponseFormatError), ("raise", ResponseFormatError)),
    ("over max_response_bytes, inflated", lambda: BodyTooLarge(200, 64, decoded=True),
     ("raise", ResponseFormatError), ("raise", ResponseFormatError)),
    ("401", lambda: reply(401), ("relogon",), ("relogon",)),
    ("400 saying the session expired", lambda: expired(400), ("relogon",), ("relogon",)),
    ("403 saying the session expired", lambda: expired(403), ("relogon",), ("relogon",)),
    ("440 saying the session expired", lambda: expired(440), ("relogon",), ("relogon",)),
    ("200", lambda: reply(200, b"[]"), ("return",), ("return",)),
    ("204", lambda: reply(204), ("return",), ("return",)),
    ("200 not matching its Content-Encoding",
     lambda: Reply(200, "OK", {}, b"x", undecodable=True),
     ("raise", ResponseFormatError), ("raise", ResponseFormatError)),
]  # fmt: skip


def check(decision: object, expected: Expected) -> None:
    kind = expected[0]
    if kind == "retry":
        assert isinstance(decision, Retry), decision
        assert decision.delay == expected[1]
        assert isinstance(decision.error, AgentChatError)
    elif kind == "relogon":
        assert isinstance(decision, Relogon), decision
    elif kind == "return":
        assert isinstance(decision, Return), decision
    else:
        assert isinstance(decision, Raise), decision
        assert type(decision.error) is expected[1], decision.error


@pytest.mark.parametrize("route", [READ, IDEMPOTENT, UNSAFE], ids=lambda r: r.retry.value)
@pytest.mark.parametrize(("row", "outcome", "safe", "unsafe"), ROWS, ids=[r[0] for r in ROWS])
def test_the_first_attempt(
    route: Route, row: str, outcome: Callable[[], Outcome], safe: Expected, unsafe: Expected
) -> None:
    decision = decide(
        route, outcome(), attempt=0, max_retries=2, relogon=True, relogged=False, now=NOW
    )
    check(decision, safe if route.safe else unsafe)


@pytest.mark.parametrize("route", [READ, UNSAFE], ids=lambda r: r.retry.value)
@pytest.mark.parametrize(("row", "outcome", "safe", "unsafe"), ROWS, ids=[r[0] for r in ROWS])
def test_with_no_retry_left_the_error_is_raised(
    route: Route, row: str, outcome: Callable[[], Outcome], safe: Expected, unsafe: Expected
) -> None:
    decision = decide(
        route, outcome(), attempt=2, max_retries=2, relogon=True, relogged=False, now=NOW
    )
    expected = safe if route.safe else unsafe
    if expected[0] != "retry":
        check(decision, expected)  # unchanged: only retries run out
        return
    assert isinstance(decision, Raise)
    assert isinstance(decision.error, APIConnectionError | APITimeoutError | APIStatusError)
    if isinstance(decision.error, APIStatusError):
        assert decision.cause is None
    else:  # the redacted httpx error it stands for
        assert isinstance(decision.cause, httpx.TransportError)


def test_the_translated_errors_name_what_happened() -> None:
    cases = [
        (httpx.ReadTimeout("slow"), READ, APITimeoutError),
        (httpx.ReadError("reset"), READ, APIConnectionError),
        (httpx.ConnectError("refused"), UNSAFE, APIConnectionError),
    ]
    for outcome, route, error in cases:
        decision = decide(route, outcome, attempt=2, max_retries=2, relogon=True, relogged=False)
        assert isinstance(decision, Raise)
        assert type(decision.error) is error
        assert isinstance(decision.error, APIConnectionError | APITimeoutError)
        assert decision.error.endpoint == route.name


def test_a_second_rejection_right_after_a_relogon_is_a_logon_error() -> None:
    for route in (READ, UNSAFE):
        decision = decide(route, reply(401), attempt=0, max_retries=2, relogon=True, relogged=True)
        assert isinstance(decision, Raise)
        assert type(decision.error) is LogonError
        assert isinstance(decision.cause, AuthenticationError)


def test_no_relogon_where_the_call_does_not_allow_it() -> None:
    # AgentLogoff (relogon off) and a call without a session (SetPassword).
    logoff = decide(
        routes.AGENT_LOGOFF, reply(401), attempt=0, max_retries=0, relogon=False, relogged=False
    )
    password = decide(
        routes.SET_PASSWORD, reply(401), attempt=0, max_retries=2, relogon=True, relogged=False
    )
    for decision in (logoff, password):
        assert isinstance(decision, Raise)
        assert type(decision.error) is AuthenticationError


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        ("0", ("retry", 0.0)),
        ("7", ("retry", 7.0)),
        ("2.5", ("retry", 2.5)),
        ("-3", ("retry", 0.0)),
        (str(RETRY_AFTER_MAX), ("retry", RETRY_AFTER_MAX)),
        (str(RETRY_AFTER_MAX + 1), ("raise", RateLimitError)),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), ("retry", 30.0)),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), ("retry", 0.0)),
        (format_datetime(NOW + timedelta(hours=1), usegmt=True), ("raise", RateLimitError)),
        ("soon", ("retry", 0.25)),  # unreadable: the backoff
        ("Fri, 31 Dec 99999 23:59:59 GMT", ("retry", 0.25)),
    ],
)
def test_retry_after_replaces_the_backoff(retry_after: str, expected: Expected) -> None:
    for route in (READ, UNSAFE):  # 429 is a refusal: unsafe calls too
        outcome = reply(429, Retry_After=retry_after)
        decision = decide(
            route, outcome, attempt=0, max_retries=2, relogon=True, relogged=False, now=NOW
        )
        check(decision, expected)


def test_backoff_doubles_from_a_quarter_second_up_to_eight_scaled_by_the_jitter() -> None:
    assert [backoff(n) for n in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert backoff(3, jitter=0.5) == 1.0
    assert all(backoff(n, 0.5) <= backoff(n, 0.75) <= backoff(n) <= BACKOFF_MAX for n in range(60))
    decision = decide(
        READ, reply(503), attempt=4, max_retries=9, relogon=True, relogged=False, jitter=0.5
    )
    assert isinstance(decision, Retry)
    assert decision.delay == 2.0  # the fifth attempt's step, 4 s, at half
