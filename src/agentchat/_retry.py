"""The retry policy: after one attempt, what the call does next.

``decide()`` is a plain function of what one attempt came back with (an answer,
a network failure, an answer over the size limit), the attempt's number, the
route's retry class and the call's options. It says *return* the answer,
*retry* after so many seconds, *re-log on* and resend, or *raise* this error.
It does no I/O and never sleeps: its randomness (the backoff's jitter) and its
clock (for a ``Retry-After`` date) are arguments, so the whole table of the
The "Retries" table of docs/errors.md is tested as a table (``tests/test_retry.py``).

Retry classes (``Route.safe`` is false only for ``unsafe`` routes):

- a connect error, connect timeout or pool timeout reached no server: every
  call is retried;
- a read or write timeout, or a connection lost after sending: safe calls are
  retried, an unsafe one raises ``OutcomeUnknownError`` and is never resent;
- 429 and 503 are refusals before processing: every call is retried, after
  ``Retry-After`` when it says so (one over ``RETRY_AFTER_MAX`` is not waited for);
- 502 and 504 come from a gateway that may have passed the request on: safe
  calls are retried, an unsafe one raises ``OutcomeUnknownError``;
- a rejected session (401, or an expired-session answer) re-logs on once per
  attempt and resends, for every call that takes a session;
- anything else raises at once.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone
from typing import Final, TypeGuard

import attrs
import httpx

from ._exceptions import (
    AgentChatError,
    APIConnectionError,
    APITimeoutError,
    LogonError,
    OutcomeUnknownError,
)
from ._redaction import redact
from ._response import format_error, session_rejected, status_error, too_large, where
from ._routes import Route
from ._wire import BodyTooLarge, Reply

__all__ = [
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
    "RETRY_AFTER_MAX",
    "Decision",
    "Outcome",
    "Raise",
    "Relogon",
    "Retry",
    "Return",
    "backoff",
    "decide",
    "retry_after",
    "succeeded",
    "transport_error",
]

#: First retry waits up to this long (then doubling, with jitter) ...
BACKOFF_INITIAL: Final = 0.25
#: ... and no retry waits longer than this, unless the server's Retry-After says so.
BACKOFF_MAX: Final = 8.0
#: A Retry-After longer than this is not waited for: the error is raised instead.
RETRY_AFTER_MAX: Final = 60.0

# Statuses that mean "refused before processing": every call may be resent.
_REFUSED: Final = frozenset({429, 503})
# Gateway errors: the upstream may have processed the request.
_GATEWAY: Final = frozenset({502, 504})

#: What one attempt comes back with: an answer, or why there is none.
Outcome = Reply | httpx.TransportError | BodyTooLarge


@attrs.frozen
class Return:
    """The call succeeded: this is its answer."""

    reply: Reply


@attrs.frozen
class Retry:
    """Send again after ``delay`` seconds; ``error`` is why (for the log)."""

    delay: float
    error: AgentChatError


@attrs.frozen
class Relogon:
    """The session was rejected: log on again and resend."""

    status_code: int


@attrs.frozen
class Raise:
    """The call fails with ``error`` (chained to ``cause`` when there is one)."""

    error: AgentChatError
    cause: BaseException | None = None


Decision = Return | Retry | Relogon | Raise


def succeeded(outcome: Outcome) -> TypeGuard[Reply]:
    """Whether ``outcome`` is the call's result: a whole 2xx answer, its body
    decoded. The pipeline returns it at once; ``decide`` says ``Return``."""
    return type(outcome) is Reply and 200 <= outcome.status_code < 300 and not outcome.undecodable


def decide(
    route: Route,
    outcome: Outcome,
    *,
    attempt: int,
    max_retries: int,
    relogon: bool,
    relogged: bool,
    jitter: float = 1.0,
    now: datetime | None = None,
    url: str | None = None,
) -> Decision:
    """What to do after ``attempt`` (0 for the first) came back with ``outcome``.

    ``relogon`` says whether a rejected session may be re-established (the
    route takes a session and the options allow it); ``relogged`` whether this
    attempt was already the resend after a re-logon. ``jitter`` (in 0.5..1) scales
    the backoff; ``now`` reads a ``Retry-After`` date (the current time if not given);
    ``url`` (no query) is named in the errors, with the method.
    """
    if isinstance(outcome, BodyTooLarge):
        return Raise(too_large(route, outcome, url))
    retries_left = attempt < max_retries
    if isinstance(outcome, httpx.TransportError):
        error, retryable = transport_error(route, outcome, url)
        if retryable and retries_left:
            return Retry(backoff(attempt, jitter), error)
        return Raise(error, outcome)
    if succeeded(outcome):
        return Return(outcome)
    if 200 <= outcome.status_code < 300:  # undecodable
        problem = "does not match its Content-Encoding"
        return Raise(format_error(route, outcome, problem, url))
    if route.session and session_rejected(outcome):
        if relogged:
            message = f"{route.name}: the session was rejected again right after a re-logon"
            rejected = status_error(route, outcome, url)
            return Raise(LogonError(message, status_code=outcome.status_code), rejected)
        if relogon:
            return Relogon(outcome.status_code)
    return _refused(route, outcome, url, retries_left, backoff(attempt, jitter), now)


def _refused(
    route: Route,
    reply: Reply,
    url: str | None,
    retries_left: bool,
    backoff_delay: float,
    now: datetime | None,
) -> Raise | Retry:
    """A status that is neither success nor a rejected session: retry or raise."""
    status = reply.status_code
    error = status_error(route, reply, url)
    if not route.safe and status in _GATEWAY:
        message = (
            f"{route.name} got {status} from a gateway{where(route, url)}: the server may "
            "have processed it; not resent"
        )
        return Raise(OutcomeUnknownError(message, endpoint=route.name, request_url=url), error)
    retryable = status in _REFUSED or (route.safe and status in _GATEWAY)
    if not retryable or not retries_left:
        return Raise(error)
    delay = retry_after(reply, now)
    if delay is None:
        return Retry(backoff_delay, error)
    if delay > RETRY_AFTER_MAX:
        return Raise(error)
    return Retry(delay, error)


def backoff(attempt: int, jitter: float = 1.0) -> float:
    """The wait before retry ``attempt + 1``: exponential, scaled by ``jitter`` (0.5..1)."""
    return min(BACKOFF_MAX, BACKOFF_INITIAL * 2.0**attempt) * jitter


def retry_after(reply: Reply, now: datetime | None = None) -> float | None:
    """The answer's ``Retry-After`` in seconds (a number or an HTTP date), if readable."""
    value = reply.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds: float = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(0.0, seconds)


def transport_error(
    route: Route, exc: httpx.TransportError, url: str | None = None
) -> tuple[APIConnectionError | APITimeoutError | OutcomeUnknownError, bool]:
    """Translate an httpx error (its text already redacted); say whether the call may be resent.

    The message names what was tried (method and URL, without the query), so a
    wrong ``base_url`` shows in the error alone.
    """
    name, kind = route.name, type(exc).__name__
    tried = f"; {route.method} {redact(url)}" if url else ""
    context = f"{str(exc) or kind}{tried}"
    if isinstance(
        exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError
    ):
        # Nothing reached the server (a proxy that refused the tunnel included):
        # safe to resend whatever the call.
        message = f"{name}: could not connect ({context})"
        return APIConnectionError(message, endpoint=name, request_url=url), True
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        # Sent, maybe processed: only safe calls may be resent.
        if not route.safe:
            message = (
                f"{name}: {kind} after the request was sent ({context}); "
                "the server may have processed it, so it was not resent"
            )
            return OutcomeUnknownError(message, endpoint=name, request_url=url), False
        if isinstance(exc, httpx.TimeoutException):
            message = f"{name} timed out ({kind}{tried})"
            return APITimeoutError(message, endpoint=name, request_url=url), True
        message = f"{name}: connection lost ({context})"
        return APIConnectionError(message, endpoint=name, request_url=url), True
    message = f"{name}: {kind} ({context})"
    return APIConnectionError(message, endpoint=name, request_url=url), False
