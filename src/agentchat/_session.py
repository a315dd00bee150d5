"""How the session stays alive: the token, logon and logoff, keep-alive, re-logon.

One ``Session`` per client. It holds the session token (as a ``Secret``) and a
generation number that grows with every logon. The pipeline asks it for the
token before each session request and, when the server rejects the session,
calls ``relogon(generation)``: the first caller takes the lock and logs on; every
caller that queued behind it with the same, now stale, generation finds the token
already replaced and simply resends. A hundred callers meeting an expired session
together cause exactly one AgentLogon.

With a session store (``_store.py``) the token is the fleet's: entering adopts
the store's session (or makes it), a re-logon asks the store to renew the
generation that was rejected (one AgentLogon for the fleet), the keep-alive
ticks only when the whole fleet is idle, and leaving logs off only the last
member. A store that does not answer is worked around: the session logs on by
itself until the store is back.

Credentials that are refused make the session *failed*: every later call raises
``LogonError`` at once (no spinning against a server that said no), the
keep-alive task stops, and the optional ``on_logon_error`` callback is told.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any, Final

import anyio
import attrs
import cattrs
from anyio.abc import TaskStatus

from . import _routes as routes
from . import _validation as check
from ._converters import norm_key, structure
from ._exceptions import (
    AgentChatError,
    APIStatusError,
    APITimeoutError,
    InvalidRequestError,
    LogonError,
    ResponseFormatError,
)
from ._pipeline import Pipeline, RequestOptions
from ._redaction import MASK, Secret, redact
from ._response import decode, format_error
from ._store import STORE_RETRY, SessionStore, Shared, store_failed
from ._wire import Reply
from .models import LogonResult

__all__ = ["Session"]

logger: Final = logging.getLogger("agentchat")

_TOKEN_KEYS: Final = ("sessiontoken", "token", "session")
_WRAPPER_KEYS: Final = ("data", "result", "response")
_PLAIN_TOKEN: Final = re.compile(r"[A-Za-z0-9._~+/=-]{8,1024}")
_TOKEN_SHAPE: Final = re.compile(r"[\x21-\x7e]{1,4096}")
#: How long a chat stays claimed by the fleet member that took it (a day).
CLAIM_TTL: Final = 24 * 3600.0
# AgentLogon statuses that mean "these credentials are refused".
_REFUSED_CREDENTIALS: Final = frozenset({400, 401, 403})


def check_password(password: object, name: str) -> Secret:
    """A password given as a ``Secret`` (see ``wrap``): a non-empty string of UTF-8 text.

    The clear text is read only in ``_validation.text_problem``, whose frame is
    gone when the error is raised: no frame of the error's traceback holds it.
    """
    if not isinstance(password, Secret):
        raise InvalidRequestError(f"{name} must be a string, got {type(password).__name__}")
    problem = check.text_problem(password.get())
    if problem is not None:
        raise InvalidRequestError(f"{name} {problem}")
    return password


@attrs.define(eq=False, repr=False)
class Credentials:
    """Who logs on: one object, held by the client and read by its session."""

    email_address: str
    password: Secret


@attrs.define(eq=False, repr=False)
class Session:
    pipeline: Pipeline
    converter: cattrs.Converter
    credentials: Credentials
    on_logon_error: Callable[[LogonError], object] | None = None
    #: The client's options: AgentLogon uses them (its retries, its timeouts);
    #: KeepAlive and AgentLogoff their timeouts, with no retry.
    options: RequestOptions = attrs.field(factory=RequestOptions)
    _token: Secret | None = None
    #: The last AgentLogon's answer: who this session is.
    agent: LogonResult | None = None
    _generation: int = 0
    #: The generation whose token the server rejected (a re-logon is due).
    _rejected: int = -1
    _failed: LogonError | None = None
    _lock: anyio.Lock | None = None
    #: ``anyio.current_time()`` of the last successful session request.
    last_success: float = -math.inf
    #: Counters, for ``AsyncAgentChat.stats`` and the tests.
    logons: int = 0
    relogons: int = 0
    keep_alives: int = 0
    keep_alives_skipped: int = 0
    keep_alive_failures: int = 0
    #: The fleet's session store, the agent's key in it and this client's name.
    store: SessionStore | None = None
    store_key: str = ""
    #: The store's name for the server's chats: claims are shared by every agent.
    claims_key: str = ""
    member: str = attrs.field(factory=lambda: secrets.token_hex(8))
    #: The store's generation of the token held; 0 when it is not the store's.
    _shared: int = 0
    #: How long a member counts as live after its last keep-alive tick.
    member_ttl: float = 3600.0
    #: This member's own logon for the fleet, until the store has answered.
    _pending: tuple[Secret, LogonResult] | None = None
    #: ``anyio.current_time()`` before which a store that failed is not asked again.
    _store_back: float = -math.inf
    #: The event loop's clock, looked up once (``touch`` runs on every call).
    _clock: Callable[[], float] | None = None

    @property
    def logged_on(self) -> bool:
        return self._token is not None

    # -- what the pipeline calls ---------------------------------------------

    def current(self) -> tuple[Secret, int] | None:
        if self._failed is None and self._token is not None and self._rejected != self._generation:
            return self._token, self._generation
        return None

    async def token(self) -> tuple[Secret, int]:
        ready = self.current()
        if ready is not None:
            return ready
        if self._failed is not None:
            raise LogonError(
                f"the session has ended: {self._failed} (agent_logon() logs on again)"
            ) from self._failed
        # No token, or one the server rejected: wait for the re-logon in
        # progress (or make it), never send the dead one.
        await self.relogon(self._generation)
        assert self._token is not None
        return self._token, self._generation

    async def relogon(self, generation: int) -> None:
        if generation == self._generation:
            self._rejected = generation  # from now on no caller is handed this token
        if self._lock is None:
            self._lock = anyio.Lock()
        async with self._lock:
            if self._failed is not None:
                raise LogonError(f"the session has ended: {self._failed}") from self._failed
            if generation != self._generation and self._token is not None:
                return  # another caller already logged on again
            # Shielded, within one attempt's bound: a caller cancelled while
            # the server creates the session must not lose it (the session
            # would live on, unused, on the server; the next caller would make
            # another). The token is adopted and used by the next call.
            with anyio.CancelScope(shield=True) as scope:
                bound = self.options.timeout.attempt
                if bound is not None:
                    scope.deadline = anyio.current_time() + bound
                await self._renew()
            if scope.cancelled_caught:
                raise APITimeoutError(
                    f"AgentLogon did not complete within {bound:g}s", endpoint="AgentLogon"
                )
            self.relogons += 1
            if self.pipeline.telemetry is not None:
                self.pipeline.telemetry.relogged()

    def touch(self) -> None:
        clock = self._clock
        if clock is None:
            clock = self._clock = _loop_clock()
        self.last_success = clock()

    # -- the fleet's session (a store) ---------------------------------------

    async def start(self) -> None:
        """Log on as the client's block is entered: the store's session, or a new one."""
        if self.store is None:
            await self.logon()
            return
        try:
            await self.store.join(self.store_key, self.member)
            shared = await self.store.current(self.store_key)
        except Exception as exc:  # noqa: BLE001 - any store failure: go on without it
            self._store_failed(exc)
            await self._logon_alone()
            return
        if shared is None:
            await self._renew()
        else:
            self._adopt(shared)

    async def _renew(self) -> None:
        """A new session: through the store (one logon for the fleet), or by ourselves."""
        if self.store is None or anyio.current_time() < self._store_back:
            await self._logon_alone()  # no store, or it failed a moment ago
            return
        self._pending = None
        try:
            shared = await self.store.renew(self.store_key, self._shared, self._store_logon)
        except AgentChatError:
            raise  # the logon's own failure (refused credentials, the network...)
        except Exception as exc:  # noqa: BLE001 - the store failed, not the logon
            self._store_failed(exc)
            pending = self._own_logon()
            if pending is None:
                await self._logon_alone()
            else:  # this member logged on, and the store lost it: keep it to ourselves
                self._take(*pending)
                self._shared = 0
            return
        self._adopt(shared)

    async def _store_logon(self) -> tuple[Secret, Mapping[str, Any]]:
        """The logon the store asks for when this member logs on for the fleet."""
        token, result = await self._agent_logon(self.credentials)
        self._pending = token, result
        return token, result.raw if isinstance(result.raw, Mapping) else {}

    def _own_logon(self) -> tuple[Secret, LogonResult] | None:
        """This member's logon for the fleet, if it made one (taken once)."""
        pending, self._pending = self._pending, None
        return pending

    def _adopt(self, shared: Shared) -> None:
        """Use the fleet's session: ours if this member logged on, else another's."""
        pending = self._own_logon()
        if pending is not None and pending[0] == shared.token:
            result = pending[1]
        else:
            result = _describe(self.converter, shared.agent)
        self._take(shared.token, result)
        self._shared = shared.generation

    async def claim(self, chat_id: int) -> bool:
        """Claim a chat for this client across the fleet; False if another member holds it.

        Without a store every chat is this client's. A store that fails does not
        stop the work: the chat is taken (a WARNING says the claim was not made).
        """
        if self.store is None:
            return True
        try:
            return await self.store.claim(self.claims_key, str(chat_id), self.member, CLAIM_TTL)
        except Exception as exc:  # noqa: BLE001 - the work goes on without the store
            store_failed(exc, f"chat {chat_id} taken without a claim")
            return True

    def _store_failed(self, exc: BaseException) -> None:
        """Go on without the store for ``STORE_RETRY`` seconds (then try it again)."""
        self._store_back = anyio.current_time() + STORE_RETRY
        store_failed(exc, "logging on without it")

    async def finish(self) -> None:
        """Leave as the client's block ends: log off, unless other members use the session."""
        if self.store is None or not self._shared or self._token is None:
            await self.logoff()
            return
        try:
            last = await self.store.leave(self.store_key, self.member, self.member_ttl)
        except Exception as exc:  # noqa: BLE001 - leaving: never raise for the store
            store_failed(exc, "not logging off")
            last = False
        if last:
            await self.logoff()  # which forgets the session in the store
        else:
            self._token = None  # the fleet's session lives on; this client is done

    # -- logon and logoff ----------------------------------------------------

    async def logon(self, switch_to: Credentials | None = None) -> LogonResult:
        """Call AgentLogon and adopt the token it returns.

        With ``switch_to``, log on as those credentials and keep them only if
        AgentLogon accepts them: a refused switch leaves the session as it was.
        """
        if switch_to is not None and self.store is not None:
            # Another agent's session is not the fleet's: this client leaves the store.
            logger.info("agent_logon() as other credentials: this client leaves the session store")
            self.store, self._shared = None, 0
        if self.store is not None:
            await self._renew()  # a fresh session for the fleet
            assert self.agent is not None
            return self.agent
        return await self._logon_alone(switch_to)

    async def _logon_alone(self, switch_to: Credentials | None = None) -> LogonResult:
        """AgentLogon for this client only (no store, or the store failed)."""
        who = switch_to or self.credentials
        token, result = await self._agent_logon(who, switch=switch_to is not None)
        if switch_to is not None:
            self.credentials.email_address = switch_to.email_address
            self.credentials.password = switch_to.password
        self._take(token, result)
        self._shared = 0
        return result

    async def _agent_logon(
        self, who: Credentials, *, switch: bool = False
    ) -> tuple[Secret, LogonResult]:
        """Call AgentLogon: the new token and who it is (not adopted yet)."""
        # The password stays a Secret: the wire unwraps it as it writes the body.
        body = {"EmailAddress": who.email_address, "Password": who.password}
        options = attrs.evolve(self.options, queue=False)
        try:
            response = await self.pipeline.call(routes.AGENT_LOGON, options, body=body)
        except APIStatusError as exc:
            if exc.status_code not in _REFUSED_CREDENTIALS:
                raise  # a server or proxy problem, not a verdict on the credentials
            error = LogonError(
                f"AgentLogon refused the credentials of {who.email_address!r} "
                f"({exc.status_code}): {exc.body}",
                status_code=exc.status_code,
            )
            if not switch:
                self._fail(error)
            raise error from exc
        token, result = _parse_logon(self.converter, response)
        self.logons += 1
        logger.info("logged on as %s", who.email_address)
        return token, result

    def _take(self, token: Secret, result: LogonResult) -> None:
        """Use this session from now on (a new generation: the old token is not sent again)."""
        self.agent = result
        self._token = token
        self._generation += 1
        self._failed = None
        self.touch()

    async def logoff(self) -> None:
        """Call AgentLogoff and forget the token (the next call logs on again)."""
        if self._token is None:
            return
        shared, self._shared = self._shared, 0
        try:
            logoff = attrs.evolve(self.options, max_retries=0, relogon=False)
            await self.pipeline.call(routes.AGENT_LOGOFF, logoff)
        finally:
            self._token = None
            if shared and self.store is not None:
                with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                    await _quietly(self.store.forget(self.store_key, shared))
        logger.info("logged off %s", self.credentials.email_address)

    def _fail(self, error: LogonError) -> None:
        self._failed = error
        self._token = None
        # INFO, not WARNING: the caller gets this very error raised (the
        # keep-alive, which nobody awaits, warns about its own failures).
        logger.info("%s", error)
        if self.on_logon_error is not None:
            try:
                self.on_logon_error(error)
            except Exception:
                logger.exception("on_logon_error callback raised")

    # -- keep-alive ----------------------------------------------------------

    async def keep_alive(self) -> None:
        await self.pipeline.call(routes.KEEP_ALIVE, attrs.evolve(self.options, max_retries=0))
        self.keep_alives += 1
        if self.pipeline.telemetry is not None:
            self.pipeline.telemetry.kept_alive()

    async def _fleet_tick(self, now: float, interval: float) -> bool | None:
        """Whether this member sends the fleet's KeepAlive now; ``None`` without a fleet."""
        if self.store is None or not self._shared or now < self._store_back:
            return None
        try:
            return await self.store.keep_alive_due(
                self.store_key, self.member, now - self.last_success, interval
            )
        except Exception as exc:  # noqa: BLE001 - the store failed: decide alone
            store_failed(exc, "keeping the session alive by this client's own use")
            return None

    async def run_keep_alive(
        self, interval: float, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Call KeepAlive whenever no session request succeeded for ``interval`` s.

        Never raises: failures back off (at most ``interval``) and try again.
        While the credentials are refused (the next call raises ``LogonError``)
        or the agent logged off, ticks are skipped; they resume once a call or
        ``agent_logon()`` logs on again. Cancellation, at exit, ends it at once.
        """
        if self.pipeline.telemetry is not None:
            # Each tick a trace of its own, not a child of the span that was
            # current when the client was entered (this task's context).
            self.pipeline.telemetry.new_trace()
        task_status.started()
        failures = 0
        next_tick = anyio.current_time() + interval
        while True:
            await anyio.sleep_until(next_tick)
            now = anyio.current_time()
            if self._failed is not None or self._token is None:
                # Credentials refused, or logged off: nothing to keep alive until
                # a call (or agent_logon) logs on again.
                self.keep_alives_skipped += 1
                next_tick = now + interval
                continue
            fleet = await self._fleet_tick(now, interval)
            if fleet is False:
                # Another member of the fleet used the session, or keeps it alive.
                self.keep_alives_skipped += 1
                next_tick = now + interval / 2
                continue
            if fleet is None and now - self.last_success < interval:
                # Another request kept the session alive: skip this tick.
                self.keep_alives_skipped += 1
                next_tick = self.last_success + interval
                continue
            try:
                await self.keep_alive()
            except Exception as exc:  # noqa: BLE001 - nothing may end this task or the block
                failures += 1
                self.keep_alive_failures += 1
                delay = min(interval, 0.5 * 2.0 ** min(failures, 10))
                logger.warning("keep-alive failed (%s); trying again in %.2fs", exc, delay)
                next_tick = anyio.current_time() + delay
            else:
                failures = 0
                next_tick = anyio.current_time() + interval


def _key(key: object) -> str:
    return norm_key(key) if isinstance(key, str) else ""


def _find_token(data: Any, depth: int = 0) -> tuple[str, Any] | None:
    """The token in a logon body, and the body with it masked."""
    if depth > 4:  # wrappers go one or two levels deep, not a thousand
        return None
    if isinstance(data, str) and data.strip():
        return data.strip(), MASK
    if isinstance(data, int) and not isinstance(data, bool):  # a token of digits only
        return str(data), MASK
    if not isinstance(data, Mapping):
        return None
    for key, value in data.items():
        if (
            _key(key) in _TOKEN_KEYS
            and isinstance(value, str | int)
            and not isinstance(value, bool)
        ):
            token = str(value).strip()
            if token:
                return token, {**data, key: MASK}
    for key, value in data.items():
        if _key(key) in _WRAPPER_KEYS:
            found = _find_token(value, depth + 1)
            if found is not None:
                return found[0], {**data, key: found[1]}
    return None


def _loop_clock() -> Callable[[], float]:
    """``anyio.current_time``, without finding the event loop on every reading.

    On asyncio it is the running loop's ``time`` (what anyio reads); a client
    lives on one event loop, so the bound method stays right.
    """
    try:
        return asyncio.get_running_loop().time
    except RuntimeError:  # trio
        return anyio.current_time


def _parse_logon(converter: cattrs.Converter, response: Reply) -> tuple[Secret, LogonResult]:
    """The token (wrapped at once) and who logged on.

    No frame that outlives this function's first step holds the token in the
    clear: a crash reporter records the local variables of every frame in a
    traceback, so the body is read and masked in ``_take_token`` and only the
    masked copy stays here.
    """
    token, masked = _take_token(response)
    return token, _describe(converter, masked, response.status_code)


def _describe(converter: cattrs.Converter, masked: Any, status_code: int = 200) -> LogonResult:
    """Who a logon answer (its token masked) says the session is."""
    payload = masked if isinstance(masked, Mapping) else {}
    # Wrapped answers ({"Data": {...}}) describe the agent one level down.
    for key, value in payload.items():
        if _key(key) in _WRAPPER_KEYS and isinstance(value, Mapping):
            payload = value
            break
    # The token is the client's business, not a field: strict mode must not see it.
    described = {k: v for k, v in payload.items() if _key(k) not in _TOKEN_KEYS}
    problem = None
    try:
        result = structure(converter, described, LogonResult)
    except ValueError as exc:
        problem = redact(str(exc))
    if problem is not None:
        # No excerpt (this body holds the token), and not chained: the
        # structuring error's frames hold the body.
        raise ResponseFormatError(
            f"AgentLogon returned a body that does not fit LogonResult: {problem}",
            status_code=status_code,
            endpoint=routes.AGENT_LOGON.name,
            body="",
        )
    return attrs.evolve(result, raw=masked)


def _take_token(response: Reply) -> tuple[Secret, Any]:
    """The token in a logon answer, as a ``Secret``, and the body with it masked."""
    route = routes.AGENT_LOGON
    try:
        data = decode(route, response)
    except ResponseFormatError:
        # Some servers answer with the bare token as text (not a truncated JSON body).
        if not _PLAIN_TOKEN.fullmatch(_text(response)):
            raise
        data = _text(response)
    found = _find_token(data)
    del data
    if found is None:
        raise format_error(route, response, "holds no session token")
    token, masked = Secret(found[0]), found[1]
    del found
    if not _TOKEN_SHAPE.fullmatch(token.get()):
        # It could not travel back in a URL: every later call would fail.
        raise ResponseFormatError(
            "AgentLogon returned a session token that cannot be sent back "
            f"({len(token.get())} characters, not all printable ASCII)",
            status_code=response.status_code,
            endpoint=route.name,
            body="",
        )
    return token, masked


async def _quietly(step: Any) -> None:
    """Await a store's step whose failure must not end anything (it is logged)."""
    try:
        await step
    except Exception as exc:  # noqa: BLE001 - logged; the caller goes on
        store_failed(exc, "going on without it")


def _text(response: Reply) -> str:
    return response.content.decode("utf-8", errors="replace").strip()
