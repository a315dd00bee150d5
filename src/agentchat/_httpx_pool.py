"""The httpx transport's connection pool (``transport="httpx"``): O(1) per request.

httpcore's ``AsyncConnectionPool`` walks every request and every connection it
holds on each request and on each response closed, and asks every idle
connection's socket whether it is readable. With 100 connections busy that is
thousands of calls per request: a client at concurrency 100 gets less done than
one at concurrency 10 (``benchmarks/README.md``). This pool keeps idle
connections on a stack per origin and touches only the one it hands out.

It serves HTTP/1.1 with httpcore's own ``AsyncHTTPConnection`` and is installed
in httpx's own ``AsyncHTTPTransport`` (``lean_transport()``), so httpx still maps
errors, streams bodies and applies timeouts. The pipeline's limiter never lets
more requests in than there are connections, so a request does not wait here;
if one must (a caller of the transport itself), it waits first come, first
served, then takes an idle connection to its own origin if there is one, and
``pool`` timeouts do not apply.

It connects directly only: behind a proxy the client the library creates uses
httpx's own pool, which tunnels (``_base_client._own_transport``).
"""

from __future__ import annotations

import collections
import ssl
import time
from collections.abc import AsyncIterator
from typing import Final, Protocol

import anyio
import httpcore
import httpx

from ._compat import install_pool, transport_pool

__all__ = ["LeanPool", "lean_transport", "pool_of"]

#: How long an idle connection is kept (httpx's default).
KEEPALIVE_EXPIRY: Final = 5.0
#: At most how often idle connections are checked for expiry.
SWEEP_INTERVAL: Final = 1.0

_Key = tuple[bytes, bytes, int]


class _Body(Protocol):
    """An HTTP/1.1 connection's response body, as httpcore streams it."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


def lean_transport(
    *,
    max_connections: int,
    ssl_context: ssl.SSLContext,
    keepalive_expiry: float = KEEPALIVE_EXPIRY,
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with its connection pool replaced by a ``LeanPool``."""
    transport = httpx.AsyncHTTPTransport(verify=ssl_context)
    pool = LeanPool(
        max_connections=max_connections, ssl_context=ssl_context, keepalive_expiry=keepalive_expiry
    )
    install_pool(transport, pool)  # httpx has no public hook for it
    return transport


def pool_of(transport: httpx.AsyncBaseTransport) -> LeanPool | None:
    """The ``LeanPool`` of a transport ``lean_transport()`` made, else ``None``."""
    pool = transport_pool(transport)
    return pool if isinstance(pool, LeanPool) else None


class LeanPool:
    """Idle HTTP/1.1 connections per origin, newest first; at most ``max_connections`` open."""

    def __init__(
        self,
        *,
        max_connections: int,
        ssl_context: ssl.SSLContext,
        keepalive_expiry: float = KEEPALIVE_EXPIRY,
    ) -> None:
        self._max_connections = max_connections
        self._ssl_context = ssl_context
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[_Key, collections.deque[httpcore.AsyncHTTPConnection]] = {}
        self._open = 0
        self._waiters: collections.deque[anyio.Event] = collections.deque()
        self._closed = False
        self._next_sweep = 0.0

    @property
    def connections(self) -> int:
        """Connections open now, idle or busy."""
        return self._open

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if self._closed:
            raise httpcore.ConnectionNotAvailable("the connection pool is closed")
        origin = request.url.origin
        key = (origin.scheme, origin.host, origin.port)
        # An idle connection can turn out closed by the server as it is taken
        # (httpcore then says ConnectionNotAvailable before sending anything):
        # take the next one, then a new one.
        for _ in range(self._max_connections + 1):
            connection = await self._take(key, origin)
            try:
                response = await connection.handle_async_request(request)
            except httpcore.ConnectionNotAvailable:
                await self._discard(connection)
                continue
            except BaseException:
                await self._discard(connection)
                raise
            stream = _ReleasingStream(response.stream, self, key, connection)  # type: ignore[arg-type]
            return httpcore.Response(
                status=response.status,
                headers=response.headers,
                content=stream,
                extensions=response.extensions,
            )
        raise httpcore.ConnectionNotAvailable("no connection could take the request")

    async def _take(self, key: _Key, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        """The newest live idle connection to ``origin``, else a new one once there is room.

        At the limit, an idle connection to another origin is closed and its
        place taken; with none, the request waits its turn. A woken request looks
        again from the top: what freed up may be a connection to its own origin
        (reused, not closed and reopened), or another task may have taken it
        first (then it waits again, still first in line).
        """
        woken = False
        while True:
            idle = self._idle.get(key)
            while idle:
                connection = idle.pop()
                if connection.is_idle() and not connection.has_expired():
                    return connection
                await self._discard(connection)
            if self._closed:
                raise httpcore.ConnectionNotAvailable("the connection pool is closed")
            if self._open < self._max_connections:
                self._open += 1
                break
            evicted = self._idle_elsewhere()
            if evicted is not None:  # closed, and its place is this request's: no one is woken
                try:
                    with anyio.CancelScope(shield=True):
                        await evicted.aclose()
                except BaseException:
                    self._open -= 1
                    self._wake_one()
                    raise
                break
            await self._wait(first=woken)
            woken = True
        return httpcore.AsyncHTTPConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            http1=True,
            http2=False,
        )

    async def _wait(self, *, first: bool) -> None:
        """Wait to be woken: at the back of the line, or at its head if woken before."""
        event = anyio.Event()
        if first:
            self._waiters.appendleft(event)
        else:
            self._waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            if event.is_set():  # woken, then cancelled: the room is the next waiter's
                self._wake_one()
            else:
                self._waiters.remove(event)
            raise

    async def _release(self, key: _Key, connection: httpcore.AsyncHTTPConnection) -> None:
        """A response was closed: keep its connection if it can serve again."""
        if self._closed or not connection.is_idle():
            await self._discard(connection)
            return
        idle = self._idle.get(key)
        if idle is None:  # not setdefault: no new deque per response on this hot path
            idle = self._idle[key] = collections.deque()
        idle.append(connection)
        self._wake_one()
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL
            await self._sweep()

    async def _sweep(self) -> None:
        """Close connections idle past their keep-alive (the oldest are at the left)."""
        for idle in self._idle.values():
            while idle and idle[0].has_expired():
                await self._discard(idle.popleft())

    def _idle_elsewhere(self) -> httpcore.AsyncHTTPConnection | None:
        """At the limit, an idle connection to close to make room (the caller's origin has none)."""
        for idle in self._idle.values():
            if idle:
                return idle.popleft()
        return None

    async def _discard(self, connection: httpcore.AsyncHTTPConnection) -> None:
        self._open -= 1
        self._wake_one()
        with anyio.CancelScope(shield=True):
            await connection.aclose()

    def _wake_one(self) -> None:
        if self._waiters:
            self._waiters.popleft().set()

    async def aclose(self) -> None:
        self._closed = True
        idle = [c for connections in self._idle.values() for c in connections]
        self._idle.clear()
        for connection in idle:
            await self._discard(connection)
        while self._waiters:
            self._waiters.popleft().set()

    async def __aenter__(self) -> LeanPool:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class _ReleasingStream:
    """A response body that hands its connection back to the pool when closed."""

    __slots__ = ("_closed", "_connection", "_key", "_pool", "_stream")

    def __init__(
        self,
        stream: _Body,
        pool: LeanPool,
        key: _Key,
        connection: httpcore.AsyncHTTPConnection,
    ) -> None:
        self._stream = stream
        self._pool = pool
        self._key = key
        self._connection = connection
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._stream.aclose()
        finally:
            await self._pool._release(self._key, self._connection)
