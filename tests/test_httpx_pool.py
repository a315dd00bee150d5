"""The httpx transport's connection pool (``_httpx_pool.LeanPool``), over real sockets."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import httpcore
import httpx
import pytest

from agentchat import AsyncAgentChat
from agentchat._base_client import _keepalive_expiry, _ssl_context
from agentchat._httpx_pool import LeanPool, lean_transport

from .fakes import EMAIL, PASSWORD
from .loopback import serve

pytestmark = [pytest.mark.anyio, pytest.mark.httpx_only]

PATH = "/api/GetChatList"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def pool_of(http: httpx.AsyncClient) -> LeanPool:
    pool = http._transport._pool  # type: ignore[attr-defined]
    assert isinstance(pool, LeanPool)
    return pool


def client(max_connections: int = 10) -> httpx.AsyncClient:
    transport = lean_transport(max_connections=max_connections, ssl_context=_ssl_context())
    return httpx.AsyncClient(transport=transport)


async def queued(pool: LeanPool, waiters: int) -> None:
    """Until ``waiters`` requests wait in the pool (so they wait in the order started)."""
    with anyio.fail_after(5):
        while len(pool._waiters) < waiters:
            await anyio.lowlevel.checkpoint()


async def test_sequential_requests_reuse_one_connection() -> None:
    async with serve() as server, client() as http:
        for _ in range(20):
            response = await http.get(server.base_url + "/api/GetChatList")
            assert response.status_code == 200
        assert server.accepted == 1
        assert pool_of(http).connections == 1


async def test_a_burst_opens_at_most_max_connections_and_all_succeed() -> None:
    async with serve(delay=0.01) as server, client(max_connections=8) as http:
        statuses: list[int] = []

        async def one() -> None:
            statuses.append((await http.get(server.base_url + "/api/GetChatList")).status_code)

        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for _ in range(200):
                    tg.start_soon(one)
        assert statuses == [200] * 200
        assert server.max_open <= 8
        assert pool_of(http).connections <= 8


@pytest.mark.parametrize("max_connections", [1, 2])
async def test_requests_that_waited_reuse_the_connections_to_their_origin(
    max_connections: int,
) -> None:
    # Each request that waited used to close the connection just freed and open
    # another: 10 connections for 10 requests, one at a time.
    async with serve(delay=0.01) as server, client(max_connections=max_connections) as http:
        statuses: list[int] = []

        async def one() -> None:
            statuses.append((await http.get(server.base_url + PATH)).status_code)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                for _ in range(10):
                    tg.start_soon(one)
        assert statuses == [200] * 10
        assert server.accepted == max_connections
        assert pool_of(http).connections == max_connections


async def test_at_the_limit_a_request_to_another_origin_closes_an_idle_connection() -> None:
    async with serve() as a, serve() as b, client(max_connections=1) as http:
        pool = pool_of(http)
        urls = [a.base_url + PATH] * 5 + [b.base_url + PATH] * 5
        statuses: list[int] = []

        async def one(url: str) -> None:
            statuses.append((await http.get(url)).status_code)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                held = await http.send(http.build_request("GET", a.base_url + PATH), stream=True)
                for waiters, url in enumerate(urls, 1):
                    tg.start_soon(one, url)
                    await queued(pool, waiters)
                await held.aread()  # frees the one connection: a's requests reuse it, ...
        # ... then b's first closes it to open one to b, which the others reuse.
        assert statuses == [200] * 10
        assert (a.accepted, b.accepted) == (1, 1)
        assert pool.connections == 1
        with anyio.fail_after(5):
            while a.open:
                await anyio.sleep(0.005)


async def test_a_woken_request_whose_connection_was_taken_stays_first_in_line() -> None:
    async with serve() as server, client(max_connections=1) as http:
        pool = pool_of(http)
        url = server.base_url + PATH
        done: list[str] = []

        async def one(name: str) -> None:
            await http.get(url)
            done.append(name)

        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:
                held = await http.send(http.build_request("GET", url), stream=True)
                for waiters, name in enumerate(["first", "second"], 1):
                    tg.start_soon(one, name)
                    await queued(pool, waiters)
                await held.aread()  # wakes "first", and before it runs ...
                await http.get(url)  # ... this request takes the connection
                done.append("newcomer")
        assert done == ["newcomer", "first", "second"]
        assert server.accepted == 1


async def test_a_request_cancelled_as_its_turn_comes_passes_the_turn_on() -> None:
    pool = LeanPool(max_connections=1, ssl_context=_ssl_context())
    origin = httpcore.Origin(b"http", b"127.0.0.1", 9)
    key = (origin.scheme, origin.host, origin.port)
    taken: list[httpcore.AsyncHTTPConnection] = []
    # Connections are opened on their first request: none is made here.
    async with pool:
        busy = await pool._take(key, origin)
        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                scope = anyio.CancelScope()

                async def cancelled() -> None:
                    with scope:
                        taken.append(await pool._take(key, origin))

                async def waits() -> None:
                    taken.append(await pool._take(key, origin))

                tg.start_soon(cancelled)
                await queued(pool, 1)
                tg.start_soon(waits)
                await queued(pool, 2)
                scope.cancel()  # and before the task sees it, its turn comes
                await pool._discard(busy)
        assert len(taken) == 1
        assert pool.connections == 1
        await pool._discard(taken[0])


async def test_a_connection_the_server_closed_is_replaced_before_sending() -> None:
    async with serve() as server:
        chat = AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, keep_alive_interval=None)
        async with chat:
            server.faults["/api/SendMessage"] = "close"  # answers, then hangs up
            for _ in range(3):
                await chat.send_message(101, "hello")  # never OutcomeUnknownError
                with anyio.fail_after(5):
                    while server.open:  # the server's side is closed
                        await anyio.sleep(0.005)
                await anyio.sleep(0.02)  # and the client has seen it
        assert server.requests["/api/SendMessage"] == 3
        assert server.accepted >= 3


async def test_idle_connections_past_their_keep_alive_are_closed() -> None:
    transport = lean_transport(max_connections=4, ssl_context=_ssl_context())
    pool = pool_of(httpx.AsyncClient(transport=transport))
    pool._keepalive_expiry = 0.05
    async with serve() as server, httpx.AsyncClient(transport=transport) as http:
        await http.get(server.base_url + "/api/GetChatList")
        await anyio.sleep(0.1)
        await http.get(server.base_url + "/api/GetChatList")  # not on the expired one
        assert server.accepted == 2


async def test_closing_the_client_closes_every_connection() -> None:
    async with serve() as server:
        async with client() as http:
            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(http.get, server.base_url + "/api/GetChatList")
            assert pool_of(http).connections >= 1
        with anyio.fail_after(5):
            while server.open:
                await anyio.sleep(0.005)
        assert pool_of(http).connections == 0


@pytest.mark.parametrize(
    ("interval", "default", "expected"),
    [
        (60.0, 5.0, 75.0),
        (60.0, 15.0, 75.0),
        (1.0, 5.0, 16.0),
        (None, 5.0, 5.0),
        (200.0, 5.0, 215.0),
    ],
)
def test_idle_connections_outlive_the_keep_alive_interval(
    interval: float | None, default: float, expected: float
) -> None:
    # Else every KeepAlive of an idle session pays a new TCP (and TLS) connection.
    assert _keepalive_expiry(interval, default) == expected


async def test_an_idle_session_keeps_its_connection_across_keep_alives() -> None:
    async with serve() as server:
        chat = AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, keep_alive_interval=0.1)
        async with chat:
            with anyio.fail_after(5):
                while server.requests["/api/KeepAlive"] < 3:
                    await anyio.sleep(0.01)
            # Asserted here: leaving may cancel a tick on the wire, and the
            # AgentLogoff then needs a new connection.
            assert server.accepted == 1
            assert chat.stats.connections == 1  # kept 15.1 s: past the next tick
        assert chat.stats.connections == 0  # closed on leaving
