"""The connection pool of the httpx client the library creates (``_pool.LeanPool``)."""

from __future__ import annotations

import anyio
import httpx
import pytest

from agentchat import AsyncAgentChat
from agentchat._base_client import _keepalive_expiry, _ssl_context
from agentchat._pool import LeanPool, lean_transport

from .fakes import EMAIL, PASSWORD
from .loopback import serve

pytestmark = [pytest.mark.anyio, pytest.mark.httpx_only]


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
            pool = chat._core.pipeline.http.client._transport._pool  # type: ignore[union-attr]
            assert pool._keepalive_expiry == 15.1
            with anyio.fail_after(5):
                while server.requests["/api/KeepAlive"] < 3:
                    await anyio.sleep(0.01)
            # Asserted here: leaving may cancel a tick on the wire, and the
            # AgentLogoff then needs a new connection.
            assert server.accepted == 1
