"""The library's own httpx client sends straight to its transport, as ``AsyncAgentChat``'s
client would: compared with httpx's own ``AsyncClient.send`` of the same calls.

The same calls go once through a client the library creates around a
``MockTransport`` (the direct path, ``HttpxWire(direct=...)``) and once through
a caller's ``http_client`` on an identical transport (httpx's ``build_request``
and ``send``): what reaches the transport must be the same, cookies included,
and httpx's ``HTTP Request:`` line is logged either way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from agentchat import AsyncAgentChat

from .fakes import EMAIL, PASSWORD

pytestmark = [pytest.mark.anyio, pytest.mark.httpx_only]

BASE_URL = "https://agentchat.test"
TOKEN = "tok-direct-0123456789abcdef"


def server(seen: list[httpx.Request]) -> Callable[[httpx.Request], httpx.Response]:
    """Log on, then GetChatList (setting a cookie the first time) and SendMessage."""

    def handle(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        path = request.url.path
        if path == "/api/AgentLogon":
            return httpx.Response(
                200,
                json={"SessionToken": TOKEN, "AgentID": 7},
                headers={"Set-Cookie": "affinity=node-2; Path=/"},
            )
        if path == "/api/GetChatList":
            return httpx.Response(200, json=[{"ChatID": 5}])
        if path == "/api/SendMessage":
            return httpx.Response(200, json={})
        return httpx.Response(200)

    return handle


def own_client(seen: list[httpx.Request]) -> AsyncAgentChat:
    """A client on an httpx client the library creates (around a transport of ours)."""
    return AsyncAgentChat(
        EMAIL,
        PASSWORD,
        base_url=BASE_URL,
        transport=httpx.MockTransport(server(seen)),
        keep_alive_interval=None,
    )


async def calls(chat: AsyncAgentChat) -> None:
    async with chat:
        await chat.get_chat_list()
        await chat.send_message(5, "hello")


def wire_view(request: httpx.Request) -> tuple[object, ...]:
    """What a transport is handed: all of it that reaches the server, and the timeouts."""
    return (
        request.method,
        str(request.url),
        request.headers.multi_items(),
        request.content,
        request.extensions.get("timeout"),
    )


async def test_the_direct_path_hands_the_transport_what_httpx_s_client_would() -> None:
    direct: list[httpx.Request] = []
    through_client: list[httpx.Request] = []
    await calls(own_client(direct))
    async with httpx.AsyncClient(transport=httpx.MockTransport(server(through_client))) as http:
        await calls(
            AsyncAgentChat(
                EMAIL, PASSWORD, base_url=BASE_URL, http_client=http, keep_alive_interval=None
            )
        )
    paths = [request.url.path for request in direct]
    assert paths == [
        "/api/AgentLogon",
        "/api/GetChatList",
        "/api/SendMessage",
        "/api/AgentLogoff",
    ]
    assert [wire_view(r) for r in direct] == [wire_view(r) for r in through_client]
    # What that means: the client's defaults under the library's own headers,
    # the cookie set at logon sent back, the body as JSON.
    get_chats = direct[1]
    assert get_chats.headers["User-Agent"].startswith("python-httpx/")
    assert get_chats.headers["Cookie"] == "affinity=node-2"
    assert json.loads(direct[2].content) == {"ChatID": "5", "MessageText": "hello"}


async def test_the_direct_path_logs_httpx_s_request_line(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    with caplog.at_level(logging.INFO, logger="httpx"):
        await calls(own_client(seen))
    lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert len(lines) == len(seen) == 4
    assert lines[1].startswith("HTTP Request: GET https://agentchat.test/api/GetChatList?")
    assert lines[1].endswith('"HTTP/1.1 200 OK"')
    assert all(TOKEN not in line for line in lines)  # the library's filter masks it
