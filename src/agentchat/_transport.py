"""The request pipeline: where every AgentChat request goes.

``Pipeline.call()`` is the one path from a client method to the wire and back:

1. the query gets ``Version`` and, for session endpoints, ``SessionToken``;
   the ``apikey`` header is added when configured;
2. the request waits for a slot in a limiter sized to the connection pool, so
   thousands of concurrent callers queue cheaply (first come, first served)
   instead of failing with httpx's ``PoolTimeout``; timeouts start once a slot is
   held;
3. httpx, httpcore and status errors are translated here and nowhere else into
   the hierarchy of ``_exceptions.py``, with redacted messages;
4. a rejected session (401, or an expired-session answer) triggers one shared
   re-logon and one resend, for every endpoint;
5. retries follow the route's retry class with jittered exponential backoff and
   ``Retry-After``; an unsafe call that may have been processed raises
   ``OutcomeUnknownError`` and is never resent.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, Final, Protocol, TypeVar

import anyio
import attrs
import cattrs
import httpx

from ._converters import structure
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    LogonError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from ._redaction import Secret, redact
from ._routes import Route
from ._wire import BodyTooLarge, Reply, Wire, accept_encoding

__all__ = [
    "Authenticator",
    "Pipeline",
    "RequestOptions",
    "Timeouts",
    "decode",
    "format_error",
    "parse",
]

T = TypeVar("T")

logger: Final = logging.getLogger("agentchat")

#: First retry waits up to this long (then doubling, with jitter) ...
BACKOFF_INITIAL: Final = 0.25
#: ... and no retry waits longer than this, unless the server's Retry-After says so.
BACKOFF_MAX: Final = 8.0
#: A Retry-After longer than this is not waited for: the error is raised instead.
RETRY_AFTER_MAX: Final = 60.0
#: The codings asked for: those the wires decode in bounded steps.
ACCEPT_ENCODING: Final = accept_encoding()
#: How much of an error body goes into an exception message.
EXCERPT_CHARS: Final = 200

_STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}
# Statuses that mean "refused before processing": every call may be resent.
_REFUSED: Final = frozenset({429, 503})
# Gateway errors: the upstream may have processed the request.
_GATEWAY: Final = frozenset({502, 504})
# Servers that do not answer an expired session with 401 say so in the body.
_EXPIRED_STATUSES: Final = frozenset({400, 403, 419, 440})
_EXPIRED_TEXT: Final = re.compile(
    r"(?i)(session|token)\W*(?:\w+\W+){0,3}?(expired|invalid|timed?\s*out|not\s+valid|unknown)"
    r"|(expired|invalid)\W+(?:\w+\W+){0,2}?(session|token)"
)


@attrs.frozen
class Timeouts:
    """How long one attempt may take: httpx's per-phase bounds, and one on the whole.

    ``attempt`` bounds an attempt from connecting to the last byte of the
    answer, so that a server trickling its answer (or sending ``102
    Processing`` forever) cannot hold a call however fast each read returns.
    """

    phases: httpx.Timeout
    attempt: float | None

    @classmethod
    def of(cls, value: float | httpx.Timeout) -> Timeouts:
        """A number bounds each phase and the attempt as a whole; an
        ``httpx.Timeout`` keeps its phases, and the attempt is bounded by the sum
        of its connect, write and read bounds (unbounded if one of them is)."""
        if not isinstance(value, httpx.Timeout):
            return cls(httpx.Timeout(value), float(value))
        parts = (value.connect, value.write, value.read)
        total = None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]
        return cls(value, total)


@attrs.frozen
class RequestOptions:
    """Per-call settings; ``AsyncAgentChat.with_options()`` makes new ones."""

    max_retries: int = 2
    #: Bound on the whole call (queueing, retries, re-logon) in seconds.
    deadline: float | None = None
    timeout: Timeouts | None = None
    #: Whether a rejected session triggers a re-logon (off for AgentLogoff).
    relogon: bool = True
    #: Whether the call waits for a slot (off for AgentLogon: every queued call
    #: may be waiting for it, so it must not queue behind them).
    queue: bool = True


class Authenticator(Protocol):
    """What the pipeline needs from the session (``_session.Session``)."""

    async def token(self) -> tuple[Secret, int]:
        """The current token and its generation, logging on first if needed.

        Waits for a re-logon in progress: a token known to be rejected is
        never handed out.
        """

    async def relogon(self, generation: int) -> None:
        """Log on again unless the token of ``generation`` was already replaced."""

    def touch(self) -> None:
        """Record that a session request just succeeded."""


@attrs.define(eq=False)
class _CallState:
    # An unsafe request is on the wire with no definitive answer yet.
    in_flight: bool = False


#: What one attempt comes back with: an answer, or why there is none.
_Outcome = Reply | httpx.TransportError | BodyTooLarge


@attrs.define(eq=False, repr=False)
class Pipeline:
    """Sends requests for one client; shared by its session and its methods."""

    http: Wire
    base_url: str
    version: str
    limiter: anyio.CapacityLimiter
    timeout: Timeouts
    max_response_bytes: int
    api_key: Secret | None = None
    auth: Authenticator | None = None
    #: Counters, read by tests and by ``AsyncAgentChat.stats``.
    retries: int = 0

    async def call(
        self,
        route: Route,
        options: RequestOptions,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Reply:
        """Send one API call; return its 2xx response or raise an ``AgentChatError``.

        ``body`` is a JSON value (or ``None``); it and ``params`` may hold
        ``Secret`` values, unwrapped only inside the wire.
        """
        state = _CallState()
        if options.deadline is None:
            return await self._call(route, options, params, body, state)
        with anyio.move_on_after(options.deadline):
            return await self._call(route, options, params, body, state)
        # Raised here, with no context: the cancellation that ended the call
        # went through the wire, whose callees hold the URL (and the token).
        message = f"{route.name} did not complete within its {options.deadline:g}s deadline"
        if state.in_flight:
            raise OutcomeUnknownError(
                f"{message}; the server may have processed it, so it was not resent",
                endpoint=route.name,
            )
        raise APITimeoutError(message, endpoint=route.name)

    async def _call(
        self,
        route: Route,
        options: RequestOptions,
        params: Mapping[str, str] | None,
        body: Any,
        state: _CallState,
    ) -> Reply:
        url = self.base_url + route.path
        # "*/*" as the reference's requests do (ExportChat is CSV); only the
        # codings the wires can undo in bounded steps.
        headers: dict[str, str | Secret] = {"Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key is not None:
            headers["apikey"] = self.api_key
        timeouts = options.timeout or self.timeout
        attempt = 0
        relogged = False
        error: Exception
        while True:
            query: dict[str, str | Secret] = {"Version": self.version}
            if params:
                query.update(params)
            generation = 0
            if options.queue:
                # A free slot is taken without a trip through the event loop
                # (anyio's acquire() always yields once); with none free, the
                # call queues first come, first served.
                try:
                    self.limiter.acquire_on_behalf_of_nowait(state)
                except anyio.WouldBlock:
                    await self.limiter.acquire_on_behalf_of(state)
            try:
                if route.session:
                    assert self.auth is not None
                    # Taken once the slot is held, not before queueing: a token
                    # rejected while this call waited is never sent.
                    token, generation = await self.auth.token()
                    query["SessionToken"] = token
                state.in_flight = not route.safe
                outcome = await self._attempt(route, url, query, headers, body, timeouts)
            finally:
                if options.queue:
                    self.limiter.release_on_behalf_of(state)
            if isinstance(outcome, BodyTooLarge):
                state.in_flight = False  # the server answered
                raise _too_large(route, outcome)
            if isinstance(outcome, httpx.TransportError):
                error, retryable = _transport_error(route, outcome)
                if not retryable or attempt >= options.max_retries:
                    raise error from outcome
                state.in_flight = False
                attempt += 1
                relogged = False  # a new attempt may re-log on once more
                await self._wait_retry(route, _backoff(attempt - 1), attempt, error)
                continue

            response = outcome
            status = response.status_code
            if 200 <= status < 300 and response.undecodable:
                raise format_error(route, response, "does not match its Content-Encoding")
            if 200 <= status < 300:
                if route.session:
                    assert self.auth is not None
                    self.auth.touch()
                return response
            state.in_flight = False  # the server answered: we know what happened
            error = _status_error(route, response)
            if route.session and _session_rejected(response):
                if relogged:
                    raise LogonError(
                        f"{route.name}: the session was rejected again right after a re-logon",
                        status_code=status,
                    ) from error
                if options.relogon:
                    assert self.auth is not None
                    relogged = True
                    logger.info("%s: session rejected (%d); logging on again", route.name, status)
                    await self.auth.relogon(generation)
                    continue
            if not route.safe and status in _GATEWAY:
                raise OutcomeUnknownError(
                    f"{route.name} got {status} from a gateway: the server may have "
                    "processed it; not resent",
                    endpoint=route.name,
                ) from error
            retryable = status in _REFUSED or (route.safe and status in _GATEWAY)
            if not retryable or attempt >= options.max_retries:
                raise error
            delay = _retry_after(response)
            if delay is None:
                delay = _backoff(attempt)
            elif delay > RETRY_AFTER_MAX:
                raise error
            attempt += 1
            relogged = False  # a new attempt may re-log on once more
            await self._wait_retry(route, delay, attempt, error)

    async def _attempt(
        self,
        route: Route,
        url: str,
        query: Mapping[str, str | Secret],
        headers: Mapping[str, str | Secret],
        body: Any,
        timeouts: Timeouts,
    ) -> _Outcome:
        """Send once, within the attempt's bound; a failure is returned, not raised.

        What is returned for a failure is a fresh copy, redacted, that was never
        raised: no traceback (the wire's frames hold the URL, so the token) and
        no context (the wire's own exception can quote what the server sent).
        """
        failure: httpx.TransportError | BodyTooLarge | None = None
        with anyio.move_on_after(timeouts.attempt):
            try:
                return await self.http.send(
                    route.method, url, query, headers, body, timeouts.phases,
                    self.max_response_bytes,
                )  # fmt: skip
            except httpx.TransportError as exc:
                failure = type(exc)(redact(str(exc)))
            except BodyTooLarge as exc:
                failure = BodyTooLarge(exc.status_code, exc.limit, decoded=exc.decoded)
        if failure is None:  # the attempt's bound passed
            return httpx.ReadTimeout(f"no complete answer within {timeouts.attempt:g}s")
        return failure

    async def _wait_retry(self, route: Route, delay: float, attempt: int, error: Exception) -> None:
        self.retries += 1
        logger.info("%s: retry %d in %.2fs after %s", route.name, attempt, delay, error)
        await anyio.sleep(delay)


def _backoff(attempt: int) -> float:
    """Exponential backoff with jitter in [50%, 100%] of the step."""
    step = min(BACKOFF_MAX, BACKOFF_INITIAL * 2.0**attempt)
    return step * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


def _retry_after(response: Reply) -> float | None:
    value = response.headers.get("Retry-After")
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
    seconds: float = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds)


def _excerpt(response: Reply) -> str:
    return _shown(response.content[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace"))


def _shown(text: str) -> str:
    """Text from the network as an error may show it: printable (aiohttp keeps
    bytes that are not UTF-8 as lone surrogates), redacted, then cut (so no
    part of a secret survives the cut)."""
    text = redact(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def _session_rejected(response: Reply) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code in _EXPIRED_STATUSES and bool(
        _EXPIRED_TEXT.search(response.content[:2000].decode("utf-8", errors="replace"))
    )


def _status_error(route: Route, response: Reply) -> APIStatusError:
    status = response.status_code
    cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else APIStatusError)
    excerpt = _excerpt(response)
    reason = _shown(response.reason_phrase or "")
    message = f"{route.name} returned {status} {reason}".rstrip()
    if 300 <= status < 400:
        # Never followed: it would carry the token, the API key or the password
        # to wherever the server points.
        location = _shown(response.headers.get("Location") or "nowhere")
        message += f", a redirect to {location} (not followed: check base_url)"
    elif excerpt:
        message += f": {excerpt}"
    return cls(message, status_code=status, endpoint=route.name, body=excerpt)


def _too_large(route: Route, failure: BodyTooLarge) -> ResponseFormatError:
    what = "decoded body" if failure.decoded else "body"
    return ResponseFormatError(
        f"{route.name} returned a {what} over the max_response_bytes limit of "
        f"{failure.limit:,} bytes; the rest was not read and the connection was closed",
        status_code=failure.status_code,
        endpoint=route.name,
        body="",
    )


def _transport_error(
    route: Route, exc: httpx.TransportError
) -> tuple[APIConnectionError | APITimeoutError | OutcomeUnknownError, bool]:
    """Translate an httpx error (its text already redacted); say whether the call may be resent."""
    detail = str(exc) or type(exc).__name__
    name = route.name
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        # Nothing reached the server: safe to resend whatever the call.
        return APIConnectionError(f"{name}: could not connect ({detail})", endpoint=name), True
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        # Sent, maybe processed: only safe calls may be resent.
        if not route.safe:
            return OutcomeUnknownError(
                f"{name}: {type(exc).__name__} after the request was sent ({detail}); "
                "the server may have processed it, so it was not resent",
                endpoint=name,
            ), False
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"{name} timed out ({type(exc).__name__})", endpoint=name), True
        return APIConnectionError(f"{name}: connection lost ({detail})", endpoint=name), True
    return APIConnectionError(f"{name}: {type(exc).__name__} ({detail})", endpoint=name), False


def format_error(route: Route, response: Reply, problem: str) -> ResponseFormatError:
    """A ``ResponseFormatError`` for a 2xx body: ``problem`` says what is wrong (redacted)."""
    return ResponseFormatError(
        f"{route.name} returned a body that {redact(problem)}",
        status_code=response.status_code,
        endpoint=route.name,
        body=_excerpt(response),
    )


def decode(route: Route, response: Reply) -> Any:
    """The decoded JSON body, or ``None`` for an empty body ("no content")."""
    # No local holds the body: this frame is in the traceback of the error below.
    if not response.content.strip():
        return None
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        pass
    # Raised here, outside the except clause: the JSON error's ``doc`` (and its
    # frames' locals) hold the whole body, and a logon body holds a token.
    raise format_error(route, response, f"is not JSON: {_excerpt(response)!r}")


def parse(
    converter: cattrs.Converter,
    route: Route,
    response: Reply,
    cls: type[T],
    *,
    data: Any = None,
) -> T:
    """Structure a response body (or ``data`` decoded from it) into ``cls``."""
    if data is None:
        data = decode(route, response)
    try:
        return structure(converter, data, cls)
    except (ValueError, RecursionError) as exc:
        problem = f"does not fit {cls.__name__}: {exc}"
    # Not chained: the structuring error's frames hold the decoded body; its
    # message, which says where the body does not fit, is in ours.
    raise format_error(route, response, problem)
