"""Every call ends and no answer is read past its limit, over a real socket.

The loopback server trickles a body (each byte well within a read timeout), sends
more than ``max_response_bytes`` (as sent or once inflated) or redirects. The
hostile-server suite (``reliability/test_hostile.py``) does the same at full
scale in a separate process, measuring time and peak memory; these are the quick
checks of each rule, on the suite's transport.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest

from agentchat import (
    APIStatusError,
    APITimeoutError,
    AsyncAgentChat,
    InvalidRequestError,
    OutcomeUnknownError,
    ResponseFormatError,
)

from .fakes import EMAIL, PASSWORD
from .hostile import serve as serve_hostile
from .loopback import BIG_BODY, LoopbackServer, serve

pytestmark = pytest.mark.anyio


def client(server: LoopbackServer, **kwargs: Any) -> AsyncAgentChat:
    kwargs.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, **kwargs)


def answer(body: bytes, *head: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", f"Content-Length: {len(body)}", *head]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def constant(raw: bytes) -> Callable[[str], bytes]:
    return lambda target: raw


# -- time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bound", [0.4, httpx.Timeout(0.4, connect=0.1, write=0.1)], ids=["number", "httpx.Timeout"]
)
async def test_a_trickling_answer_ends_at_the_attempts_bound(bound: float | httpx.Timeout) -> None:
    # Each byte comes within 0.05 s, far within the 0.4 s read timeout: only the
    # bound on the attempt as a whole (0.4 s, or 0.1 + 0.1 + 0.4) ends it.
    async with serve() as server, client(server, timeout=bound, max_retries=1) as chat:
        server.faults["/api/GetChatList"] = server.faults["/api/SendMessage"] = "trickle"
        with anyio.fail_after(10):
            start = anyio.current_time()
            with pytest.raises(APITimeoutError):
                await chat.get_chat_list()
            safe = anyio.current_time() - start
            start = anyio.current_time()
            with pytest.raises(OutcomeUnknownError, match="not resent"):
                await chat.send_message(101, "hello")
            unsafe = anyio.current_time() - start
    assert server.requests["/api/GetChatList"] == 2  # retried once, as a read timeout is
    assert server.requests["/api/SendMessage"] == 1
    assert 0.4 <= unsafe < 1.5
    assert 0.8 <= safe < 3.0


async def test_a_stalled_body_ends_at_the_read_bound_not_the_attempts() -> None:
    # A raw-socket server (``tests/hostile.py``'s ``trickle-body``) sends the
    # head and one body byte, then one byte a second: each read waits 1 s,
    # past the 0.4 s read bound, well within the attempt's 3 + 3 + 0.4 s. On the
    # suite's transport (aiohttp's bound is ``_compat.lazy_aiohttp_read_timer``'s).
    bound = httpx.Timeout(3.0, read=0.4)
    with serve_hostile("trickle-body") as server:
        async with AsyncAgentChat(
            EMAIL,
            PASSWORD,
            base_url=server.base_url,
            timeout=bound,
            max_retries=0,
            keep_alive_interval=None,
        ) as chat:
            with anyio.fail_after(10):
                start = anyio.current_time()
                with pytest.raises(APITimeoutError):
                    await chat.get_chat_list()
                elapsed = anyio.current_time() - start
    assert 0.4 <= elapsed < 2.0, elapsed
    assert server.errors == []


async def test_the_keep_alive_inherits_the_bound() -> None:
    async with serve() as server:
        server.faults["/api/KeepAlive"] = "trickle"
        with anyio.fail_after(10):
            async with client(server, timeout=0.2, keep_alive_interval=0.05) as chat:
                while chat.stats.keep_alive_failures < 2:  # bounded by fail_after
                    await anyio.sleep(0.05)
    assert server.requests["/api/KeepAlive"] >= 2


async def test_the_watcher_inherits_the_bound() -> None:
    async with serve() as server, client(server, timeout=0.2, max_retries=0) as chat:
        server.faults["/api/GetChatList"] = "trickle"

        async def let_the_next_poll_through() -> None:
            while not server.requests["/api/GetChatList"]:  # bounded by fail_after
                await anyio.sleep(0.01)
            del server.faults["/api/GetChatList"]  # the first poll trickles on

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(let_the_next_poll_through)
                async with chat.watch_chats(interval=0.05) as events:
                    first = await events.__anext__()
    assert first.kind == "new"
    assert server.requests["/api/GetChatList"] >= 2  # the trickling poll was given up


# -- memory --------------------------------------------------------------------


async def test_an_answer_over_the_limit_is_refused_and_its_connection_closed() -> None:
    body = b"[" + b"1," * 3000 + b"1]"
    async with serve() as server, client(server, max_response_bytes=5000) as chat:
        declared, undeclared = answer(body), answer(body).replace(b"Content-Length", b"X-Len")
        for raw in (declared, undeclared):  # refused before reading; while reading
            server.raw["/api/GetChatList"] = constant(raw)
            accepted = server.accepted
            with anyio.fail_after(5), pytest.raises(ResponseFormatError) as caught:
                await chat.get_chat_list()
            message = str(caught.value)
            assert "max_response_bytes limit of 5,000 bytes" in message
            assert caught.value.status_code == 200
            del server.raw["/api/GetChatList"]
            assert len(await chat.get_chat_list()) == 2  # on a new connection
            assert server.accepted == accepted + 1
    assert server.requests["/api/GetChatList"] == 4  # not retried: the answer came


async def test_a_connection_whose_answer_was_cut_short_never_serves_again() -> None:
    # The server would send the rest of the body on that connection, then take
    # the next request: a reused connection would read the rest as an answer.
    # (The body is larger than socket buffers hold: aiohttp hands a connection
    # back by itself once a body has arrived whole, unread or not.)
    async with serve() as server, client(server, max_response_bytes=BIG_BODY - 1) as chat:
        server.faults["/api/GetChatList"] = "big"
        with anyio.fail_after(5):
            for _ in range(3):
                with pytest.raises(ResponseFormatError, match="max_response_bytes"):
                    await chat.get_chat_list()
            del server.faults["/api/GetChatList"]
            assert len(await chat.get_chat_list()) == 2
    assert server.accepted == 4  # the logon's connection was cut, then each one after


async def test_an_answer_that_inflates_past_the_limit_is_refused() -> None:
    body = gzip.compress(b"[" + b"1," * 30_000 + b"1]")
    async with serve() as server, client(server, max_response_bytes=10_000) as chat:
        server.raw["/api/GetChatList"] = lambda target: answer(body, "Content-Encoding: gzip")
        assert len(body) < 1_000
        with anyio.fail_after(5), pytest.raises(ResponseFormatError, match="decoded body over"):
            await chat.get_chat_list()


async def test_an_answer_at_the_limit_is_read() -> None:
    body = b"[" + b" " * 100 + b"]"
    async with serve() as server, client(server, max_response_bytes=len(body)) as chat:
        server.raw["/api/GetChatList"] = lambda target: answer(body)
        assert list(await chat.get_chat_list()) == []


@pytest.mark.parametrize("value", [0, -1, 2**31, 1.5, "64MiB", True])
def test_a_bad_max_response_bytes_is_refused(value: object) -> None:
    with pytest.raises(InvalidRequestError, match="max_response_bytes"):
        AsyncAgentChat(EMAIL, PASSWORD, max_response_bytes=value)  # type: ignore[arg-type]


# -- redirects -----------------------------------------------------------------


def redirect(server: LoopbackServer) -> None:
    """GetChatList answers 302 to another path, with the same query (the token)."""
    server.raw["/api/GetChatList"] = lambda target: (
        b"HTTP/1.1 302 Found\r\nContent-Length: 0\r\nLocation: "
        + server.base_url.encode()
        + target.replace("/api/GetChatList", "/api/Elsewhere").encode()
        + b"\r\n\r\n"
    )


def check_not_followed(server: LoopbackServer, error: APIStatusError) -> None:
    assert error.status_code == 302
    message = str(error)
    assert "a redirect to http://127.0.0.1" in message
    assert "not followed" in message
    assert "tok-" not in message
    assert server.requests["/api/Elsewhere"] == 0
    assert server.requests["/api/GetChatList"] == 1


async def test_a_redirect_is_a_typed_error_and_never_followed() -> None:
    async with serve() as server, client(server) as chat:
        redirect(server)
        with anyio.fail_after(5), pytest.raises(APIStatusError) as caught:
            await chat.get_chat_list()
    check_not_followed(server, caught.value)


@pytest.mark.httpx_only
async def test_a_callers_client_that_follows_redirects_does_not_follow_ours() -> None:
    async with (
        serve() as server,
        httpx.AsyncClient(follow_redirects=True) as http,
        client(server, http_client=http, api_key="key-5e1f0c2d") as chat,
    ):
        redirect(server)
        with anyio.fail_after(5), pytest.raises(APIStatusError) as caught:
            await chat.get_chat_list()
    check_not_followed(server, caught.value)
