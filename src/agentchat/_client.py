"""``AsyncAgentChat``: the AgentChat client, one coroutine method per endpoint.

The endpoint methods live in ``_endpoints/``, one mixin per group of the
reference; configuration, lifecycle, ``with_options()`` and ``stats`` in
``_base_client.py``. This module composes them and adds what is built on the
endpoints: ``watch_chats()`` and ``chat_worker()``.
"""

from __future__ import annotations

import inspect

from . import _validation as check
from ._base_client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_VERSION,
    ClientStats,
)
from ._endpoints import (
    AgentEndpoints,
    AuthEndpoints,
    CannedResponseEndpoints,
    ChatEndpoints,
    CustomerEndpoints,
    DepartmentEndpoints,
    RecipientEndpoints,
    ReportEndpoints,
    SettingsEndpoints,
    TagEndpoints,
    WorkingHoursEndpoints,
    chat_type_value,
)
from ._exceptions import InvalidRequestError
from ._watch import ChatWatcher
from ._worker import ChatHandler, ChatWorker
from .models import ChatType

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "AsyncAgentChat",
    "ClientStats",
]


class AsyncAgentChat(
    AuthEndpoints,
    ChatEndpoints,
    AgentEndpoints,
    DepartmentEndpoints,
    CustomerEndpoints,
    TagEndpoints,
    CannedResponseEndpoints,
    WorkingHoursEndpoints,
    ReportEndpoints,
    RecipientEndpoints,
    SettingsEndpoints,
):
    """An AgentChat session for one agent, as an async context manager.

    ```python
    async with AsyncAgentChat("agent@example.com", "secret") as chat:
        for item in await chat.get_chat_list(chat_type="unassigned"):
            print(item.chat_id, item.customer_name)
    ```

    **Entering** the block opens the HTTP client (or adopts `http_client`), logs
    on (AgentLogon) and starts the keep-alive task; if the logon fails, what was
    opened is closed again and the error propagates. **Leaving** it, however the
    block ends (cancellation included), stops the keep-alive, logs off (best
    effort, within `logoff_timeout` seconds) and closes the HTTP client if this
    object created it; the block's own exception comes out as raised. An object
    is entered once; its methods raise `RuntimeError` outside the block.

    Every endpoint method checks its arguments before anything is sent
    (`InvalidRequestError`), and each docstring names its HTTP call and its
    retry class: **read** and **idempotent** calls are retried after connection
    failures, timeouts, 429 and 502-504; **unsafe** ones are never resent once
    they may have reached the server (a lost answer raises
    `OutcomeUnknownError`). A rejected or expired session is logged on again
    and the call resent once, whatever its class. Optional parameters are
    keyword-only and, when not given, not sent at all (never sent as `null`).
    IDs are ints from 1 to 2147483647; a str is refused, even of digits.

    Args:
        email_address: The agent's log-on name; else `AGENTCHAT_EMAIL`. Required
            one way or the other.
        password: Its password, kept masked; else `AGENTCHAT_PASSWORD`. Required
            one way or the other.
        base_url: The server root; else `AGENTCHAT_BASE_URL`, else the
            documented host over HTTPS (`DEFAULT_BASE_URL`). `http://` only to
            loopback, unless `allow_insecure_http`.
        version: The `Version` query parameter of every request; else
            `AGENTCHAT_VERSION`, else `"1"` (`DEFAULT_VERSION`).
        api_key: Sent as the `apikey` header of every request; else
            `AGENTCHAT_API_KEY`, else no header.
        http_client: An `httpx.AsyncClient` of yours, used as it is (its proxy
            and certificates) and never closed here; several clients (one per
            agent) can share it. Requests in flight are limited to its pool size
            (or `max_concurrency`), so concurrent callers queue instead of timing
            out on the pool.
        transport: How requests go out: `"httpx"` (an httpx client this object
            creates, with a lean connection pool), `"aiohttp"` (the `aiohttp`
            extra; asyncio only), `"pyreqwest"` (a pyreqwest client, reqwest in
            Rust; the `pyreqwest` extra; asyncio only, Python 3.11+), or an
            `httpx.AsyncBaseTransport`
            for the httpx client this object creates (e.g. `httpx.ASGITransport`
            for an in-process server). Without it and `http_client`,
            `AGENTCHAT_TRANSPORT`, else `"httpx"`.
        proxy: The proxy of the connections this object opens (any
            transport): an http://, https:// or (httpx, with `httpx[socks]`)
            socks5:// URL, its credentials as `user:password@`; or an
            `httpx.URL` or `httpx.Proxy`. Refused with `http_client` or an httpx
            transport of yours.
        trust_env: Without `proxy`, use the environment's proxy for `base_url`,
            read as httpx reads it (`HTTPS_PROXY`, `HTTP_PROXY` for http://,
            `ALL_PROXY`, unless `NO_PROXY` holds the host). Default `True`.
        verify: The certificates trusted: an `ssl.SSLContext` (not on
            pyreqwest), or a CA file or directory (pyreqwest trusts it besides
            the system's). Default: `SSL_CERT_FILE`/`SSL_CERT_DIR` if set when
            the first client opens, else certifi's (httpx) or the system's
            (aiohttp, pyreqwest). Certificates are always verified.
        timeout: Seconds, or an `httpx.Timeout`, for every attempt (default
            `httpx.Timeout(30.0, connect=10.0)`, `DEFAULT_TIMEOUT`); a number
            bounds each phase and the attempt as a whole.
        max_retries: Retries of a call after its first attempt (default 2).
        max_concurrency: Requests in flight; default the pool's size (100 for
            the pool this object creates).
        max_response_bytes: The largest answer read, before and after
            decompression (default 64 MiB, `DEFAULT_MAX_RESPONSE_BYTES`); past
            it a call raises `ResponseFormatError`.
        keep_alive_interval: Seconds of idleness before a KeepAlive (default
            60); `None` disables the keep-alive task.
        logoff_timeout: The most seconds leaving the block spends logging off
            (default 2).
        on_logon_error: A plain callable, called with the `LogonError` whenever
            AgentLogon refuses the credentials (on entering, too).
        allow_insecure_http: Allow `http://` to a host that is not loopback.
        strict: Refuse unknown keys in answers (`ResponseFormatError`) instead
            of keeping them in each model's `extra`.
        tracer_provider: The OpenTelemetry `TracerProvider` of this client's
            spans (the `otel` extra); default the global one. OpenTelemetry's
            generic HTTP client instrumentations stay out of the client's
            requests, whose URLs hold the session token.
        meter_provider: The OpenTelemetry `MeterProvider` of this client's
            metrics; default the global one.
        session_store: Share the session with the other clients of this agent
            at this server: a `MemoryStore` (clients of this process), a
            `RedisStore`, or a `redis://`/`rediss://` URL for one (the `redis`
            extra; asyncio only); default `AGENTCHAT_SESSION_STORE`, else none
            (this client's own session). Through a store the fleet makes one
            logon, one re-logon per expiry and one keep-alive per interval, and
            the last client to leave logs off (see docs/fleet.md).
        rate_limit: At most this many requests a second (a number > 0), in
            bursts of at most `max(1, rate_limit)`; a call waits its turn before
            it takes a connection slot. With a `session_store` the limit is the
            fleet's: every client of this server sharing the store takes from one
            bucket (in Redis: for servers that answer 429 to the fleet as a
            whole). Default `None`: no limit.

    Raises:
        InvalidRequestError: From the constructor, an invalid argument or
            environment variable; on entering, `transport="aiohttp"` without
            aiohttp or under trio.
        LogonError: On entering, AgentLogon refused the credentials.
        RuntimeError: On entering, the object was entered before.
    """

    def watch_chats(
        self,
        chat_type: ChatType | str | None = None,
        *,
        interval: float = 5.0,
        skip_backlog: bool = False,
        claim: bool = False,
    ) -> ChatWatcher:
        """Poll `get_chat_list()` every `interval` seconds; iterate over what changed.

        ```python
        async for event in chat.watch_chats("unassigned", interval=2):
            if event.kind == "new":
                ...
        ```

        Each chat is reported `"new"` once (on the first poll, every listed
        chat, unless `skip_backlog`); later differences are `"changed"` and
        disappearances `"gone"`. Transient failures (connection errors,
        timeouts, 429, 5xx, unreadable answers) back off and are never yielded.
        The iteration ends when the client's block is left; nothing runs
        between two steps of the iteration.

        Args:
            chat_type: Which chats to watch, as `get_chat_list()` takes it: a
                `ChatType`, or `"open"`, `"unassigned"` or `"closed"` (any case).
                `None` (the default) watches every chat.
            interval: Seconds between polls: a number > 0 (default 5).
            skip_backlog: `True` to report only the chats that appear after the
                first poll (default `False`).
            claim: `True` to share the chats among the watchers of a fleet (a
                `session_store` is needed): a `"new"` chat is reported only to
                the watcher that claims it first, across processes, and its
                later events only to that watcher. For the watch-then-assign
                path: each chat is handled once. Default `False`: every event.

        Returns:
            A `ChatWatcher`: an async iterator of `ChatEvent`, also an async
            context manager for code that wants its end explicit.

        Raises:
            InvalidRequestError: A bad `chat_type`, `interval`, `skip_backlog`
                or `claim` (`True` without a `session_store`); nothing was polled.
            RuntimeError: The client's block is not open.
            LogonError: While iterating, the session ended and could not be
                re-established; the iteration ends.
            APIStatusError: While iterating, a 4xx other than 429; the
                iteration ends.
        """
        checked = check.optional(chat_type_value, chat_type, "chat_type")
        _, session = self._open_core()
        if check.boolean(claim, "claim") and session.store is None:
            raise InvalidRequestError("watch_chats(claim=True) needs a session_store to share")
        return ChatWatcher(
            lambda: self.get_chat_list(chat_type=checked),
            self._closed,
            self._wait_closed,
            interval=check.positive_number(interval, "interval"),
            skip_backlog=check.boolean(skip_backlog, "skip_backlog"),
            claim=self._claim if claim else None,
        )

    def chat_worker(
        self,
        handler: ChatHandler,
        *,
        max_concurrent: int = 4,
        poll_interval: float = 2.0,
        drain_timeout: float = 30.0,
    ) -> ChatWorker:
        """Grab chats and run `await handler(chat, item)` for each, at most N at once.

        ```python
        async with chat.chat_worker(answer, max_concurrent=8) as worker:
            await shutdown_requested.wait()
        print(worker.report)
        ```

        Inside the block a task grabs chats (`grab_chat()`) whenever a handler
        slot is free; each chat is handled at most once per worker, and one a
        lost GrabChat answer may have assigned is found among your open chats.
        Leaving the block stops taking chats and waits up to `drain_timeout`
        seconds for running handlers, then cancels the rest.

        Args:
            handler: `async def handler(chat: AsyncAgentChat, item: Chat)`,
                called with this client and each grabbed chat; what it raises is
                logged and recorded in the report, never raised.
            max_concurrent: Handlers running at once: an int, 1 to 2147483647
                (default 4).
            poll_interval: Seconds to wait when there was no chat to grab: a
                number > 0 (default 2); transient failures back off from it.
            drain_timeout: Seconds leaving the block waits for running
                handlers: a number > 0 (default 30).

        Returns:
            A `ChatWorker`, an async context manager; once its block is left,
            its `report` (a `WorkerReport`) says what was handled, what failed
            and what was left unfinished, and `error` the fatal error (e.g.
            `LogonError`) that stopped it taking chats, if one did.

        Raises:
            InvalidRequestError: A `handler` that is not an async function, or
                a bad `max_concurrent`, `poll_interval` or `drain_timeout`;
                nothing was started (no chat grabbed).
            RuntimeError: The client's block is not open.
        """
        self._open_core()
        return ChatWorker(
            self,
            _async_handler(handler),
            max_concurrent=check.integer(max_concurrent, "max_concurrent", minimum=1),
            poll_interval=check.positive_number(poll_interval, "poll_interval"),
            drain_timeout=check.positive_number(drain_timeout, "drain_timeout"),
        )


def _async_handler(handler: ChatHandler) -> ChatHandler:
    """``handler`` if it is an async function (or a callable whose ``__call__`` is one).

    Checked before the worker starts: a plain function would fail for every chat
    it grabbed, leaving those chats assigned and unanswered.
    """
    call = getattr(handler, "__call__", None)  # noqa: B004 - the method itself is checked
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call):
        return handler
    raise InvalidRequestError(
        "chat_worker's handler must be an async function, "
        f"async def handler(chat, item), got {check.got(handler)}"
    )
