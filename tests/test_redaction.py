"""Secrets canary: the password and every session token stay out of logs, errors and reprs."""

from __future__ import annotations

import gc
import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from agentchat import (
    AgentChatError,
    LogonError,
    OutcomeUnknownError,
    ServerError,
    _redaction,
)
from agentchat._redaction import MASK, Secret, redact, remember

from . import fakes
from .fakes import PASSWORD, FakeAgentChat, make_client

pytestmark = pytest.mark.anyio


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


async def test_no_secret_reaches_logs_errors_or_reprs_at_debug(
    api: FakeAgentChat, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    shown: list[str] = []

    def echo_error(request: httpx.Request) -> httpx.Response:
        # A server that echoes what it was sent, token and all.
        return httpx.Response(500, text=f"failed {request.url} {request.content.decode()}")

    def connect_error(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    listed: list[Any] = [
        echo_error,
        api.session_ok(lambda r: httpx.Response(200, json=[{"ChatID": 1}])),
        api.session_ok(lambda r: httpx.Response(200, json=[{"ChatID": 1}])),
    ]
    api.router.get("/api/GetChatList").mock(side_effect=listed)
    sent: list[Any] = [connect_error, httpx.ReadTimeout("timed out")]
    api.router.post("/api/SendMessage").mock(side_effect=sent)
    ticks: list[Any] = [httpx.Response(503), api.session_ok()] * 50
    api.keep_alive.mock(side_effect=ticks)

    async with make_client(keep_alive_interval=0.02, max_retries=0) as chat:
        shown.append(repr(chat))
        with pytest.raises(ServerError) as server_error:
            await chat.get_chat_list()
        errors.append(server_error.value)
        api.expire_all()  # the next call re-logs on: a second token is issued
        chat_list = await chat.get_chat_list()
        shown += [repr(chat_list), repr(list(chat_list)), str(chat_list.raw)]
        with pytest.raises(OutcomeUnknownError) as unknown:
            await chat.with_options(max_retries=1).send_message(1, "hello")
        errors.append(unknown.value)
        with anyio.fail_after(5):
            while chat.stats.keep_alive_failures < 1:
                await anyio.sleep(0.01)
        result = await chat.agent_logon()
        shown += [repr(result), str(result.raw), str(dict(result.extra))]
        shown.append(repr(chat.stats))

    # Refused credentials whose error body echoes the password.
    api.password = "something else"
    api.logon.mock(side_effect=lambda r: httpx.Response(401, text=f"bad: {r.content.decode()}"))
    with pytest.raises(LogonError) as refused:
        async with make_client():
            pass
    errors.append(refused.value)

    assert len(api.issued) >= 3
    secrets = [PASSWORD, *api.issued]
    texts = list(shown)
    for error in errors:
        for link in _chain(error):
            texts += [str(link), repr(link), repr(link.args)]
            if isinstance(link, AgentChatError):
                texts.append(json.dumps({k: str(v) for k, v in vars(link).items()}))
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        texts.append(formatter.format(record))
        texts.append(record.getMessage())
    http_lines = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("HTTP Request:")
    ]
    if fakes.TRANSPORT == "httpx":  # aiohttp and pyreqwest do not log requests
        assert http_lines, "httpx's INFO lines were not captured"
        # (Not ``SessionToken={MASK}``: an earlier test's server may have issued a
        # token such as "Token=", and then the key is masked along with the value.)
        assert any(MASK in line for line in http_lines)
    leaks = [(secret, text) for text in texts for secret in secrets if secret in text]
    assert not leaks, leaks[:3]


def test_secret_never_shows_itself() -> None:
    secret = Secret("hunter2-hunter2")
    for shown in (repr(secret), str(secret), f"{secret}", f"{secret!r}", f"{secret:>40}"):
        assert "hunter2" not in shown
    assert secret.get() == "hunter2-hunter2"
    with pytest.raises(TypeError):
        pickle.dumps(secret)


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("GET /api/X?Version=1&SessionToken=abc123&ChatID=4", "abc123"),
        ('{"Password": "p@ss word"}', "p@ss"),
        ('{"sessionToken":"zzz999"}', "zzz999"),
        ("token=qqq777 rest", "qqq777"),
    ],
)
def test_redact_masks_secret_shaped_values(text: str, hidden: str) -> None:
    cleaned = redact(text)
    assert hidden not in cleaned
    assert MASK in cleaned


@pytest.mark.parametrize("issued", ["SessionToken=", "Token=", "n=abc", "ken=abc123&Ch", "1&Se"])
def test_a_remembered_secret_overlapping_a_key_does_not_unmask_its_value(issued: str) -> None:
    # Found by CI: a fuzzed logon answer issued the token "SessionToken=" (any
    # string is a valid token), which was masked first and left the pattern for
    # ``SessionToken=<value>`` nothing to match, so the value showed.
    remember(issued)
    cleaned = redact("GET /api/X?Version=1&SessionToken=abc123&ChatID=4")
    assert "abc123" not in cleaned
    assert issued not in cleaned
    assert cleaned.startswith("GET /api/X?Version=")
    assert cleaned.endswith("ID=4")


def test_overlapping_and_nested_secrets_are_masked_whole() -> None:
    remember("alpha-beta")
    remember("beta-gamma")
    remember("pha-b")
    assert redact("x alpha-beta-gamma y") == f"x {MASK} y"
    assert redact("alpha-beta and beta-gamma") == f"{MASK} and {MASK}"
    assert redact("beta-gammabeta-gamma") == MASK


def test_redact_masks_remembered_secrets_anywhere() -> None:
    remember("a-remembered-secret-value")
    assert redact("x a-remembered-secret-value y") == f"x {MASK} y"
    assert redact("nothing to hide") == "nothing to hide"


def test_log_filter_redacts_arguments_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    remember("tb-secret-0123456789")
    logger = logging.getLogger("httpx")
    with caplog.at_level(logging.DEBUG, logger="httpx"):
        try:
            raise ValueError("tb-secret-0123456789 in a traceback")
        except ValueError:
            logger.exception("failed for %s", "tb-secret-0123456789")
    [record] = caplog.records
    assert "tb-secret" not in record.getMessage()
    assert record.exc_text is not None
    assert "tb-secret" not in record.exc_text


def test_only_live_and_recent_secrets_are_scanned() -> None:
    password = Secret("a-password-held-all-along")  # held, like a client's password
    replaced = "token-replaced-long-ago-0001"
    remember(replaced)
    for number in range(_redaction.RECENT_SECRETS):
        remember(f"token-issued-later-{number:06d}")
    # Bounded: the live ones and the last RECENT_SECRETS, not every one ever seen.
    assert len(_redaction._ordered) <= _redaction.RECENT_SECRETS + len(_redaction._live)
    assert redact(f"x {replaced} y") == f"x {replaced} y"  # forgotten: long gone
    assert redact("x token-issued-later-000999 y") == f"x {MASK} y"
    assert redact(f"x {password.get()} y") == f"x {MASK} y"  # live: never forgotten


def test_a_secret_no_longer_held_is_still_masked_while_recent() -> None:
    token = Secret("a-token-about-to-be-replaced")
    value = token.get()
    del token
    gc.collect()
    remember("a-newer-token-0002")
    assert value not in [secret.get() for secret in _redaction._live.values()]
    assert redact(f"x {value} y") == f"x {MASK} y"
