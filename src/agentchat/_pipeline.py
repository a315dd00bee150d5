"""The request pipeline: where every AgentChat request goes.

``Pipeline.call()`` is the one path from a client method to the wire and back.
Each attempt (``_attempt``):

1. waits for one of the connection pool's slots (``_slots.py``), so thousands of
   concurrent callers queue cheaply (first come, first served) instead of failing
   with a pool timeout; AgentLogon does not queue (the callers queued may be
   waiting for it);
2. takes the session token once it holds the slot (a token rejected meanwhile is
   never sent) and adds ``Version``, ``SessionToken`` and the ``apikey`` header,
   all still wrapped as ``Secret``: the wire unwraps them;
3. sends once through the wire (``_httpx.py``, ``_aiohttp.py`` or
   ``_pyreqwest.py``), within the attempt's whole bound (the aiohttp and
   pyreqwest wires bound it natively; on httpx an anyio scope does), and
   returns what came back: an answer, a network failure or an answer over
   ``max_response_bytes``, never raising for them.

Then ``_retry.decide()``, a plain function, says what the outcome means (a
whole 2xx answer is returned without asking it: the common case, kept short):
return, retry after a delay, re-log on and resend, or raise a typed error
(``_response.py`` builds the errors of an answer). The waits between attempts
go through one ``Clock``, which tests replace so that they never sleep.

With OpenTelemetry installed, ``call()`` makes one span, current for the whole
call; its retries and re-logon are events of it (``_telemetry.py``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Protocol

import anyio
import attrs
import httpx

from ._exceptions import APITimeoutError, OutcomeUnknownError
from ._redaction import Secret, redact
from ._retry import Outcome, Raise, Relogon, Retry, Return, decide, succeeded
from ._routes import Route
from ._slots import Slots
from ._telemetry import CallTrace, Telemetry
from ._wire import BodyTooLarge, Reply, Wire, accept_encoding, no_answer_within

__all__ = [
    "ACCEPT_ENCODING",
    "DEFAULT_TIMEOUT",
    "Authenticator",
    "Clock",
    "Pipeline",
    "RequestOptions",
    "Timeouts",
]

logger: Final = logging.getLogger("agentchat")

#: The codings asked for: those the wires decode in bounded steps.
ACCEPT_ENCODING: Final = accept_encoding()


class Clock:
    """Where the pipeline's waits and their jitter come from.

    One instance (``CLOCK``) serves every pipeline; the test suite puts a fake
    in its place, which records the waits instead of sleeping through them.
    """

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def jitter(self) -> float:
        """A random factor in [0.5, 1] for the next backoff."""
        return random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


#: The clock every pipeline uses (replaced by the tests' fake).
CLOCK = Clock()


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


DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
"""The default ``timeout``: 10 s to connect, 30 s to read, to write and to wait
for a pooled connection. Per request, once it holds a concurrency slot; an
attempt as a whole is bounded by the sum of connect, write and read: 70 s."""
_DEFAULT_TIMEOUTS: Final = Timeouts.of(DEFAULT_TIMEOUT)


@attrs.frozen
class RequestOptions:
    """Per-call settings: the client's (``Config.options``), or a view's
    (``AsyncAgentChat.with_options()``), or the session's own calls'."""

    max_retries: int = 2
    #: Bound on the whole call (queueing, retries, re-logon) in seconds.
    deadline: float | None = None
    timeout: Timeouts = _DEFAULT_TIMEOUTS
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

    def current(self) -> tuple[Secret, int] | None:
        """What ``token()`` would hand out at once, or ``None`` if it would wait
        (no token, or one rejected) or raise: then ``token()`` is awaited."""

    async def relogon(self, generation: int) -> None:
        """Log on again unless the token of ``generation`` was already replaced."""

    def touch(self) -> None:
        """Record that a session request just succeeded."""


@attrs.define(eq=False, repr=False)
class Pipeline:
    """Sends requests for one client; shared by its session and its methods."""

    http: Wire
    base_url: str
    version: str
    #: The pool's slots (``_slots.py``): one per request on the wire.
    slots: Slots
    max_response_bytes: int
    api_key: Secret | None = None
    auth: Authenticator | None = None
    #: Spans and metrics (``_telemetry.py``); ``None`` without OpenTelemetry.
    telemetry: Telemetry | None = None
    #: ``rate_limit``: awaited before each attempt (``_store.Throttle``); ``None``: no limit.
    throttle: Callable[[], Awaitable[None]] | None = None
    #: Counters, read by tests and by ``AsyncAgentChat.stats``.
    retries: int = 0
    #: The request headers without a body and with a JSON body (``__attrs_post_init__``).
    _plain_headers: Mapping[str, str | Secret] = attrs.field(init=False)
    _json_headers: Mapping[str, str | Secret] = attrs.field(init=False)
    #: Each route's URL, made once (the routes are the reference's, a fixed few).
    _urls: dict[str, str] = attrs.field(init=False, factory=dict)
    #: The query of a call without parameters, and of a session call without
    #: them (``_query``).
    _version_query: Mapping[str, str] = attrs.field(init=False)
    _token_query: Mapping[str, str | Secret] | None = attrs.field(init=False, default=None)

    def call(
        self,
        route: Route,
        options: RequestOptions,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Awaitable[Reply]:
        """Send one API call; return its 2xx response or raise an ``AgentChatError``.

        ``body`` is a JSON value (or ``None``); it and ``params`` may hold
        ``Secret`` values, unwrapped only inside the wire. Await what it returns
        at once: with nothing to record, the call itself (one coroutine frame
        less for every call, and for every call waiting for a slot).
        """
        url = self._urls.get(route.path)
        if url is None:
            url = self._urls[route.path] = self.base_url + route.path
        headers = self._plain_headers if body is None else self._json_headers
        call = _Call(route, url, params, body, headers)
        send = self._call if options.deadline is None else self._within_deadline
        if self.telemetry is None or not self.telemetry.recording():
            # No span, no metric: generic instrumentation is kept out of the
            # requests themselves, if it could see them (``_attempt``).
            return send(call, options)
        return self._traced(self.telemetry, send, call, options)

    async def _traced(
        self,
        telemetry: Telemetry,
        send: Callable[[_Call, RequestOptions], Awaitable[Reply]],
        call: _Call,
        options: RequestOptions,
    ) -> Reply:
        """One span around the whole call; generic HTTP instrumentation is off
        within it (its spans would record the URL, so the token)."""
        trace = telemetry.start(call.route)
        call.trace = trace
        try:
            reply = await send(call, options)
        except BaseException as exc:
            trace.end(None, exc)
            raise
        trace.end(reply)
        return reply

    async def _within_deadline(self, call: _Call, options: RequestOptions) -> Reply:
        assert options.deadline is not None
        with anyio.move_on_after(options.deadline):
            return await self._call(call, options)
        # Raised here, with no context: the cancellation that ended the call
        # went through the wire, whose callees hold the URL (and the token).
        name = call.route.name
        message = f"{name} did not complete within its {options.deadline:g}s deadline"
        if call.in_flight:
            raise OutcomeUnknownError(
                f"{message}; the server may have processed it, so it was not resent",
                endpoint=name,
            )
        raise APITimeoutError(message, endpoint=name)

    async def _call(self, call: _Call, options: RequestOptions) -> Reply:
        route = call.route
        timeouts = options.timeout
        attempt = 0
        relogged = False
        while True:
            outcome, generation = await self._attempt(call, options, timeouts)
            if succeeded(outcome):  # the common case, without the rest of decide()
                if route.session:
                    assert self.auth is not None
                    self.auth.touch()
                return outcome
            decision = decide(
                route,
                outcome,
                attempt=attempt,
                max_retries=options.max_retries,
                relogon=options.relogon,
                relogged=relogged,
                jitter=CLOCK.jitter(),
                url=call.url,
            )
            assert not isinstance(decision, Return)  # a success was returned above
            if isinstance(decision, Raise):
                raise decision.error from decision.cause
            if isinstance(decision, Relogon):
                assert self.auth is not None
                relogged = True
                if call.trace is not None:
                    call.trace.relogon_due(decision.status_code)
                logger.info(
                    "%s: session rejected (%d); logging on again", route.name, decision.status_code
                )
                await self.auth.relogon(generation)
                continue
            attempt += 1
            relogged = False  # a new attempt may re-log on once more
            await self._wait_retry(route, decision, attempt, call.trace)

    def __attrs_post_init__(self) -> None:
        # The request headers, the same for every call: "*/*" as the
        # reference's requests do (ExportChat is CSV); only the codings the
        # wires can undo in bounded steps. The wires never change them.
        headers: dict[str, str | Secret] = {"Accept": "*/*", "Accept-Encoding": ACCEPT_ENCODING}
        if self.api_key is not None:
            headers["apikey"] = self.api_key
        self._plain_headers = headers
        self._version_query = {"Version": self.version}
        self._json_headers = {
            **headers,
            "Content-Type": "application/json",
        }

    async def _attempt(
        self, call: _Call, options: RequestOptions, timeouts: Timeouts
    ) -> tuple[Outcome, int]:
        """One attempt: a slot, the token, the wire; what came back, and the token's generation.

        A failure is returned, not raised: a fresh copy, redacted, that was
        never raised (no traceback: the wire's frames hold the URL, so the
        token; no context: the wire's own exception can quote what the server
        sent). Anything else that comes out of the wire is raised on without
        those frames: this is the one place they are cut, whatever the wire.
        """
        route = call.route
        token: Secret | None = None
        generation = 0
        if self.throttle is not None:
            await self.throttle()  # before the slot: a call waiting here holds none
        # A free slot is taken without a trip through the event loop; with
        # none free, the call queues first come, first served (``_slots.py``).
        if options.queue and not self.slots.try_acquire():
            if self.telemetry is not None:
                self.telemetry.queued(route)
            await self.slots.acquire()
        try:
            if route.session:
                assert self.auth is not None
                # Taken once the slot is held, not before queueing: a token
                # rejected while this call waited is never sent.
                ready = self.auth.current()
                token, generation = await self.auth.token() if ready is None else ready
            call.in_flight = not route.safe
            muted = self._mute(call)
            try:
                outcome: Outcome = await self._put(call, token, timeouts)
            except httpx.TransportError as exc:
                outcome = type(exc)(redact(str(exc)))
            except BodyTooLarge as exc:
                outcome = BodyTooLarge(exc.status_code, exc.limit, decoded=exc.decoded)
            except BaseException as exc:  # noqa: BLE001 - re-raised, its frames cut
                # A cancellation, mostly (a caller's own fail_after chains it to
                # its TimeoutError): the frames it went through below here hold
                # the request, its URL and body, so the token and the password.
                raise _without_frames(exc) from None
            finally:
                if muted is not None:
                    Telemetry.unsuppress(muted)
            call.in_flight = False  # from here on, nothing of this call is on the wire
        finally:
            if options.queue:
                self.slots.release()
        return outcome, generation

    def _mute(self, call: _Call) -> object | None:
        """Generic instrumentation switched off around one request, when no
        span of the call's does it (``_traced``) and it could see the wire's
        requests (``Wire.instrumentable``): its spans would record the URL, so
        the token. The token to give ``Telemetry.unsuppress``, or ``None``."""
        telemetry = self.telemetry
        if telemetry is None or call.trace is not None:
            return None
        if not getattr(self.http, "instrumentable", True):
            return None
        return telemetry.suppress()

    def _put(self, call: _Call, token: Secret | None, timeouts: Timeouts) -> Awaitable[Outcome]:
        """The request on the wire, for ``_attempt`` to await (no frame of its own)."""
        sent = self.http.send(
            call.route.method, call.url, self._query(call.params, token), call.headers, call.body,
            timeouts, self.max_response_bytes,
        )  # fmt: skip
        if timeouts.attempt is None or getattr(self.http, "bounds_attempt", False):
            # The wire bounds the attempt as a whole by itself
            # (``Wire.bounds_attempt``): no cancel scope per attempt.
            return sent
        return _bounded(sent, timeouts.attempt)

    def _query(
        self, params: Mapping[str, str] | None, token: Secret | None
    ) -> Mapping[str, str | Secret]:
        """A request's query: ``Version``, the call's parameters, and the token
        of a session call. Made once the call holds its slot (a call waiting for
        one holds no query), and without parameters the same mapping for as
        long as the token is the same (the wires only read it)."""
        if params:
            query: dict[str, str | Secret] = {"Version": self.version, **params}
            if token is not None:
                query["SessionToken"] = token
            return query
        if token is None:
            return self._version_query
        known = self._token_query
        if known is None or known["SessionToken"] is not token:
            known = self._token_query = {"Version": self.version, "SessionToken": token}
        return known

    async def _wait_retry(
        self, route: Route, retry: Retry, attempt: int, trace: CallTrace | None
    ) -> None:
        self.retries += 1
        if trace is not None:
            trace.retry(retry, attempt)
        logger.info("%s: retry %d in %.2fs after %s", route.name, attempt, retry.delay, retry.error)
        await CLOCK.sleep(retry.delay)


class _Call:
    """One call: what it sends, the same for each attempt, and where it stands.

    One object per call, and one per call waiting for a slot: a plain class,
    its fields set once each (a frozen attrs class sets them through
    ``object.__setattr__``). Its repr shows none of them.
    """

    __slots__ = ("body", "headers", "in_flight", "params", "route", "trace", "url")

    def __init__(
        self,
        route: Route,
        url: str,
        params: Mapping[str, str] | None,
        body: Any,
        headers: Mapping[str, str | Secret],
    ) -> None:
        self.route = route
        self.url = url
        self.params = params
        self.body = body
        self.headers = headers
        #: An unsafe request is on the wire with no definitive answer yet.
        self.in_flight = False
        #: The call's span (with a provider set: ``_traced``).
        self.trace: CallTrace | None = None


async def _bounded(sent: Awaitable[Outcome], attempt: float) -> Outcome:
    """``sent`` within the attempt's bound, on a wire that does not bound it by
    itself; past it, a ``ReadTimeout`` is returned."""
    with anyio.move_on_after(attempt):
        return await sent
    return httpx.ReadTimeout(no_answer_within(attempt))


def _without_frames(exc: BaseException) -> BaseException:
    """``exc`` (a cancellation, mostly) without the frames it went through in a wire.

    Those frames hold the request, its URL and body, and so the token and the
    password, in the clear; crash reporters record every frame's locals, and a
    caller's own ``fail_after`` chains the cancellation to its ``TimeoutError``.
    The exception itself is kept: its type is what cancellation runs on.
    """
    exc.__context__ = None
    return exc.with_traceback(None)
