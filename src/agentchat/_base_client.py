"""The client's machinery: configuration, lifecycle, options, and the call path.

``AsyncAgentChat`` (``_client.py``) composes the endpoint mixins of
``_endpoints/``, which add one method per endpoint on top of
``ClientBase._send`` / ``ClientBase._request``.
"""

from __future__ import annotations

import copy
import enum
import functools
import logging
import os
import ssl
import weakref
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar

import anyio
import attrs
import cattrs
import httpx

from . import _validation as check
from ._compat import pool_limit
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_KEEP_ALIVE_INTERVAL,
    DEFAULT_LOGOFF_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_VERSION,
    Config,
    TransportName,
    configure,
    timeouts,
)
from ._converters import default_converter
from ._exceptions import AgentChatError, LogonError
from ._httpx import HttpxWire
from ._httpx_pool import KEEPALIVE_EXPIRY, LeanPool, lean_transport, pool_of
from ._pipeline import Pipeline
from ._redaction import install_log_filter, log_to_stderr, wrap, wrap_url
from ._response import decode, parse
from ._routes import Route
from ._session import Credentials, Session
from ._slots import Slots, new_slots
from ._store import SessionStore, Throttle, open_store, session_key
from ._telemetry import Telemetry, make_telemetry
from ._wire import Reply, Wire
from .models import LogonResult

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "ClientBase",
    "ClientStats",
]

T = TypeVar("T")
C = TypeVar("C", bound="ClientBase")

logger: Final = logging.getLogger("agentchat")

#: Seconds an idle connection outlives the keep-alive interval.
KEEPALIVE_EXPIRY_MARGIN: Final = 15.0

# One set of slots per connection pool, so sessions sharing a pool share them.
_POOL_SLOTS: weakref.WeakKeyDictionary[httpx.AsyncClient, Slots] = weakref.WeakKeyDictionary()

install_log_filter()


class _State(enum.Enum):
    UNOPENED = "unopened"
    OPENED = "opened"
    CLOSED = "closed"


@attrs.frozen(kw_only=True)
class ClientStats:
    """What the client has done so far (for dashboards and tests).

    Attributes:
        logons: Successful AgentLogon calls made by this client: entering the
            block, ``agent_logon()`` and re-logons (with a session store, only the
            logons this client made for the fleet).
        relogons: Sessions re-established after the session expired or was rejected.
        retries: Retries made after a retryable failure.
        keep_alives: Successful KeepAlive calls (the background task's and ``keep_alive()``).
        keep_alives_skipped: Keep-alive ticks skipped: another call had kept the
            session alive, another client sharing it did, or there was no session.
        keep_alive_failures: Keep-alive ticks whose KeepAlive failed.
        connections: Connections open now (idle or busy) in the pool of the httpx
            client the library created; ``None`` on a caller's ``http_client``, a
            transport of the caller's, ``transport="aiohttp"`` or
            ``"pyreqwest"``, or behind a proxy (httpx's own pool).
    """

    logons: int
    relogons: int
    retries: int
    keep_alives: int
    keep_alives_skipped: int
    keep_alive_failures: int
    connections: int | None = None


@attrs.define(eq=False, repr=False)
class _Core:
    """The state a client and its ``with_options()`` views share."""

    config: Config
    credentials: Credentials
    converter: cattrs.Converter
    state: _State = _State.UNOPENED
    pipeline: Pipeline | None = None
    session: Session | None = None
    exit_stack: AsyncExitStack | None = None
    closed_event: anyio.Event | None = None
    #: The pool of the httpx client the library created, if it did.
    pool: LeanPool | None = None
    #: Spans and metrics; ``None`` without OpenTelemetry installed.
    telemetry: Telemetry | None = None


class ClientBase:
    """Configuration, lifecycle and the call path of ``AsyncAgentChat``; see there."""

    def __init__(
        self,
        email_address: str | None = None,
        password: str | None = None,
        *,
        base_url: str | None = None,
        version: str | None = None,
        api_key: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | TransportName | None = None,
        proxy: str | httpx.URL | httpx.Proxy | None = None,
        trust_env: bool = True,
        verify: ssl.SSLContext | str | os.PathLike[str] | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_concurrency: int | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        keep_alive_interval: float | None = DEFAULT_KEEP_ALIVE_INTERVAL,
        logoff_timeout: float = DEFAULT_LOGOFF_TIMEOUT,
        on_logon_error: Callable[[LogonError], object] | None = None,
        allow_insecure_http: bool = False,
        strict: bool = False,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        session_store: SessionStore | str | None = None,
        rate_limit: float | None = None,
    ) -> None:
        # The secrets are wrapped before anything can raise: a crash reporter
        # records the locals of every frame of a traceback, this one included.
        secret, key, proxy_url = wrap(password), wrap(api_key), wrap_url(proxy)
        store = wrap_url(session_store) if isinstance(session_store, str) else session_store
        del password, api_key, proxy, session_store
        config = configure(
            email_address,
            secret,
            base_url=base_url,
            version=version,
            api_key=key,
            http_client=http_client,
            transport=transport,
            proxy=proxy_url,
            trust_env=trust_env,
            verify=verify,
            timeout=timeout,
            max_retries=max_retries,
            max_concurrency=max_concurrency,
            max_response_bytes=max_response_bytes,
            keep_alive_interval=keep_alive_interval,
            logoff_timeout=logoff_timeout,
            on_logon_error=on_logon_error,
            allow_insecure_http=allow_insecure_http,
            strict=strict,
            session_store=store,
            rate_limit=rate_limit,
        )
        if config.log_level is not None:
            log_to_stderr(config.log_level)
        self._options = config.options
        self._core = _Core(
            config=config,
            credentials=Credentials(config.email_address, config.password),
            converter=default_converter(strict=config.strict),
            telemetry=make_telemetry(config.base_url, tracer_provider, meter_provider),
        )

    def __repr__(self) -> str:
        core: _Core | None = getattr(self, "_core", None)
        if core is None:  # a traceback of __init__ shows ``self`` before it is set
            return f"<{type(self).__name__} (not configured)>"
        return (
            f"<{type(self).__name__} email_address={core.credentials.email_address!r} "
            f"base_url={core.config.base_url!r} state={core.state.value}>"
        )

    # -- lifecycle -----------------------------------------------------------

    async def __aenter__(self: C) -> C:
        core = self._core
        if core.state is not _State.UNOPENED:
            raise RuntimeError(
                f"{type(self).__name__} can be entered once; it is already {core.state.value}"
            )
        core.state = _State.OPENED
        core.closed_event = anyio.Event()
        try:
            async with AsyncExitStack() as stack:
                wire, slots, core.pool = await _open_wire(core.config, stack)
                core.pipeline = Pipeline(
                    http=wire,
                    base_url=core.config.base_url,
                    version=core.config.version,
                    slots=slots,
                    max_response_bytes=core.config.max_response_bytes,
                    api_key=core.config.api_key,
                    telemetry=core.telemetry,
                )
                interval = core.config.keep_alive_interval
                store = await open_store(core.config.session_store, stack)
                # Claims and the rate limit's bucket are the server's, every agent's.
                server_key = session_key(core.config.base_url, "")
                if core.config.rate_limit is not None:
                    rate = core.config.rate_limit
                    core.pipeline.throttle = Throttle(rate, max(1.0, rate), store, server_key)
                core.session = Session(
                    pipeline=core.pipeline,
                    converter=core.converter,
                    credentials=core.credentials,
                    on_logon_error=core.config.on_logon_error,
                    options=self._options,
                    store=store,
                    store_key=session_key(core.config.base_url, core.credentials.email_address),
                    claims_key=server_key,
                    member_ttl=3600.0 if interval is None else 3 * interval,
                )
                core.pipeline.auth = core.session
                await core.session.start()
                stack.push_async_callback(self._logoff_shielded)
                if core.config.keep_alive_interval is not None:
                    await stack.enter_async_context(
                        _KeepAliveTask(core.session, core.config.keep_alive_interval)
                    )
                core.exit_stack = stack.pop_all()
        except BaseException:
            core.state = _State.CLOSED
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        core = self._core
        if core.state is not _State.OPENED:
            return
        core.state = _State.CLOSED
        if core.closed_event is not None:
            core.closed_event.set()  # wakes watchers waiting for their next poll
        stack, core.exit_stack = core.exit_stack, None
        if stack is not None:
            await stack.__aexit__(exc_type, exc, tb)

    async def _logoff_shielded(self) -> None:
        session = self._core.session
        if session is None:
            return
        with anyio.move_on_after(self._core.config.logoff_timeout, shield=True):
            try:
                await session.finish()
            except AgentChatError as exc:
                logger.info("AgentLogoff failed while leaving: %s", exc)

    def with_options(
        self: C,
        *,
        max_retries: int | None = None,
        deadline: float | None = None,
        timeout: float | httpx.Timeout | None = None,
    ) -> C:
        """A view of this client whose endpoint calls use other settings.

        ```python
        patient = chat.with_options(max_retries=5, deadline=30)
        chats = await patient.get_chat_list()
        ```

        The view shares the session, the connection pool and the lifecycle
        (it is not entered or left itself); the session's own calls
        (`agent_logon()`, `agent_logoff()`, `keep_alive()`) keep the client's
        settings. Nothing is sent.

        Args:
            max_retries: Retries of a call after its first attempt: an int >= 0.
                `None` keeps the current one.
            deadline: Seconds a whole call may take, queueing, retries and
                re-logon included: a number > 0. Past it a read or idempotent
                call raises `APITimeoutError`, an unsafe one that may be on the
                wire `OutcomeUnknownError`. `None` keeps the current one (none
                by default).
            timeout: Seconds, or an `httpx.Timeout`, for every attempt, as the
                constructor's `timeout`. `None` keeps the current one.

        Returns:
            A copy of this client with the settings given changed.

        Raises:
            InvalidRequestError: A bad `max_retries`, `deadline` or `timeout`.
        """
        changes: dict[str, Any] = {}
        if max_retries is not None:
            changes["max_retries"] = check.retries(max_retries, "max_retries")
        if deadline is not None:
            changes["deadline"] = check.positive_number(deadline, "deadline")
        if timeout is not None:
            changes["timeout"] = timeouts(timeout)
        view = copy.copy(self)
        view._options = attrs.evolve(self._options, **changes)
        return view

    @property
    def agent(self) -> LogonResult | None:
        """Who the session is logged on as.

        Returns:
            The last successful AgentLogon's answer, or `None` before the
            client's block is entered.
        """
        session = self._core.session
        return session.agent if session is not None else None

    def _closed(self) -> bool:
        return self._core.state is _State.CLOSED

    async def _wait_closed(self, seconds: float, stop: anyio.Event) -> bool:
        """Sleep up to ``seconds``, less if the client closes or ``stop`` is set.

        ``True`` if the client was closed meanwhile.
        """
        events = [e for e in (self._core.closed_event, stop) if e is not None]
        with anyio.move_on_after(seconds):
            async with anyio.create_task_group() as tg:

                async def wake_on(event: anyio.Event) -> None:
                    await event.wait()
                    tg.cancel_scope.cancel()

                for event in events:
                    tg.start_soon(wake_on, event)
        return self._closed()

    @property
    def stats(self) -> ClientStats:
        """What the client has done so far, for dashboards and tests.

        Returns:
            A frozen `ClientStats`: counts of logons, re-logons, retries and
            keep-alive ticks (made, skipped, failed), all zero before the block
            is entered, and the connections open in the library's own httpx
            pool (`None` when the library did not create the pool).
        """
        session, pipeline = self._core.session, self._core.pipeline
        if session is None or pipeline is None:
            return ClientStats(
                logons=0, relogons=0, retries=0, keep_alives=0, keep_alives_skipped=0,
                keep_alive_failures=0,
            )  # fmt: skip
        return ClientStats(
            logons=session.logons,
            relogons=session.relogons,
            retries=pipeline.retries,
            keep_alives=session.keep_alives,
            keep_alives_skipped=session.keep_alives_skipped,
            keep_alive_failures=session.keep_alive_failures,
            connections=None if self._core.pool is None else self._core.pool.connections,
        )

    # -- the pipeline, for the endpoint methods ------------------------------

    def _open_core(self) -> tuple[Pipeline, Session]:
        core = self._core
        if core.state is not _State.OPENED or core.pipeline is None or core.session is None:
            if core.state is _State.CLOSED:
                raise RuntimeError(f"{type(self).__name__} is closed")
            raise RuntimeError(
                f"{type(self).__name__} is not open: use `async with {type(self).__name__}(...)`"
            )
        return core.pipeline, core.session

    def _send(
        self,
        route: Route,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> Awaitable[Reply]:
        """The pipeline's call of ``route``, for the caller to await (no coroutine
        of its own in between: one frame less on every call)."""
        pipeline, _ = self._open_core()
        return pipeline.call(route, self._options, params=params, body=body)

    async def _request(
        self,
        route: Route,
        result: type[T],
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> T:
        response = await self._send(route, params=params, body=body)
        return parse(self._core.converter, route, response, result)

    async def _claim(self, chat_id: int) -> bool:
        """Claim a chat across the fleet (``Session.claim``); True without a session store."""
        _, session = self._open_core()
        return await session.claim(chat_id)

    async def _request_optional(
        self,
        route: Route,
        result: type[T],
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> T | None:
        """Like ``_request``, but an empty body ("no content") gives ``None``."""
        response = await self._send(route, params=params, body=body)
        data = decode(route, response)
        if data is None or data == {} or data == []:
            return None
        if not isinstance(data, dict | list):
            # A create call that answers with the bare new ID, ``true`` or
            # ``"OK"`` succeeded: never turn that into an error (it would not be
            # retried, and a caller might create a duplicate).
            data = _bare_id(result, data)
            if data is None:
                return None
        return parse(self._core.converter, route, response, result, data=data)


class _KeepAliveTask:
    """Runs ``Session.run_keep_alive`` in its own task group for the client's block.

    The task group is entered and left here, not around the user's block, so a
    user's exception reaches them as it was raised, never wrapped in an
    exception group, and a cancellation while stopping never hides it.
    """

    def __init__(self, session: Session, interval: float) -> None:
        self._session = session
        self._interval = interval
        self._task_group = anyio.create_task_group()

    async def __aenter__(self) -> None:
        await self._task_group.__aenter__()
        try:
            await self._task_group.start(
                self._session.run_keep_alive, self._interval, name="agentchat keep-alive"
            )
        except BaseException:
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
            raise

    async def __aexit__(self, *exc_info: object) -> None:
        self._task_group.cancel_scope.cancel()
        await self._task_group.__aexit__(None, None, None)


def _bare_id(result: type[Any], value: Any) -> dict[str, Any] | None:
    """``{id_field: value}`` when ``value`` looks like the new record's ID, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    if isinstance(value, str) and not value.strip().isdigit():
        return None
    required = [f.name for f in attrs.fields(result) if f.default is attrs.NOTHING]
    return {required[0]: value} if len(required) == 1 else None


def _keepalive_expiry(keep_alive_interval: float | None, default: float) -> float:
    """How long an idle pooled connection is kept: past the next keep-alive tick.

    The transports' defaults (httpx 5 s, aiohttp and pyreqwest 15 s) close it before
    every KeepAlive of an idle session, which then pays a new TCP (and TLS) connection.
    """
    if keep_alive_interval is None:
        return default
    return max(default, keep_alive_interval + KEEPALIVE_EXPIRY_MARGIN)


async def _open_wire(config: Config, stack: AsyncExitStack) -> tuple[Wire, Slots, LeanPool | None]:
    """The wire the client sends on, its pool's slots, and its
    ``LeanPool`` when it is an httpx client of the library's own.

    Closing what the client created is pushed on ``stack``; a caller's own
    ``http_client`` is never closed.
    """
    size = config.max_concurrency or DEFAULT_MAX_CONNECTIONS
    if config.transport == "aiohttp":
        from ._aiohttp import KEEPALIVE_EXPIRY as AIOHTTP_EXPIRY
        from ._aiohttp import close_session, open_aiohttp_wire

        aiohttp_wire, session = await open_aiohttp_wire(
            size,
            keepalive_expiry=_keepalive_expiry(config.keep_alive_interval, AIOHTTP_EXPIRY),
            proxy=config.proxy,
            ssl_context=config.ssl_context,
        )
        stack.push_async_callback(close_session, session)
        return aiohttp_wire, new_slots(size), None
    if config.transport == "pyreqwest":
        from ._pyreqwest import KEEPALIVE_EXPIRY as PYREQWEST_EXPIRY
        from ._pyreqwest import close_client, open_pyreqwest_wire

        pyreqwest_wire, client = await open_pyreqwest_wire(
            size,
            phases=config.options.timeout.phases,
            keepalive_expiry=_keepalive_expiry(config.keep_alive_interval, PYREQWEST_EXPIRY),
            proxy=config.proxy,
            ca_certificates=config.ca_certificates,
        )
        stack.push_async_callback(close_client, client)
        return pyreqwest_wire, new_slots(size), None
    http = config.http_client
    pool = None
    if http is None:
        transport = config.transport
        if transport is None or transport == "httpx":
            transport, pool = _own_transport(config, size)
        http = httpx.AsyncClient(transport=transport, timeout=config.options.timeout.phases)
        stack.push_async_callback(_close_shielded, http)
        # The library's own client: its requests go to its transport straight.
        wire = HttpxWire(http, direct=transport)
    else:
        wire = HttpxWire(http)
    if config.max_concurrency is not None:
        return wire, new_slots(config.max_concurrency), pool
    slots = _POOL_SLOTS.get(http)
    if slots is None:
        slots = new_slots(pool_limit(http) or DEFAULT_MAX_CONNECTIONS)
        _POOL_SLOTS[http] = slots
    return wire, slots, pool


def _own_transport(config: Config, size: int) -> tuple[httpx.AsyncHTTPTransport, LeanPool | None]:
    """The transport of the httpx client the library creates, and its ``LeanPool``.

    Behind a proxy it is httpx's own connection pool (httpcore's, which tunnels
    https:// through ``CONNECT``): the lean pool connects only directly.
    """
    ssl_context = config.ssl_context or _ssl_context()
    expiry = _keepalive_expiry(config.keep_alive_interval, KEEPALIVE_EXPIRY)
    if config.proxy is None:
        transport = lean_transport(
            max_connections=size, ssl_context=ssl_context, keepalive_expiry=expiry
        )
        return transport, pool_of(transport)
    proxy = httpx.Proxy(
        config.proxy.url,
        auth=config.proxy.credentials(),
        # An https:// proxy is verified as the server is (verify=, or the default).
        ssl_context=ssl_context if config.proxy.url.scheme == "https" else None,
    )
    limits = httpx.Limits(
        max_connections=size, max_keepalive_connections=size, keepalive_expiry=expiry
    )
    return httpx.AsyncHTTPTransport(verify=ssl_context, proxy=proxy, limits=limits), None


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """httpx's default SSL context, built once: each one costs ~1 MB and milliseconds."""
    return httpx.create_ssl_context()


async def _close_shielded(http: httpx.AsyncClient) -> None:
    with anyio.CancelScope(shield=True):
        await http.aclose()
