"""A small HTTP/1.1 keep-alive AgentChat server on 127.0.0.1, for tests over real sockets.

It runs in the test's own event loop (anyio streams, so asyncio or trio) and
answers AgentLogon, AgentLogoff, KeepAlive, GetChatList (after an optional
``delay`` per request), GrabChat and SendMessage. It counts requests per path,
connections accepted, and the most connections open and requests in progress at
once. ``faults`` makes a path misbehave: ``"drop"`` (read the request, close
without answering), ``"hang"`` (never answer), ``"trickle"`` (a 1,000-byte body,
a byte every ``TRICKLE_INTERVAL`` s), ``"big"`` (the answer padded to
``BIG_BODY`` bytes, the connection kept open), ``"close"`` (answer, say
keep-alive, then close the connection anyway), ``"gzip"`` (a gzip-encoded
answer), ``"bad-gzip"`` (an answer that claims gzip and is not), ``"cut-gzip"``
(the first half of a gzip-encoded answer) or ``"x-unknown"`` (a plain answer
that names an encoding nobody knows). ``raw`` answers a path with bytes made
from the request target (which holds the token), then closes the connection:
for malformed answers. With ``check_sessions`` on, a session request whose
``SessionToken`` is not live is answered 401 (counted in ``rejected``);
``expire()`` ends every live session; ``logon_delay`` slows AgentLogon.
"""

from __future__ import annotations

import collections
import gzip
import itertools
import json
import urllib.parse
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
from anyio.abc import SocketAttribute, SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream

__all__ = ["LoopbackServer", "serve"]

MAX_HEAD = 16 * 1024  # request line and headers
MAX_BODY = 64 * 1024
MAX_REQUESTS_PER_CONNECTION = 100_000
TRICKLE_INTERVAL = 0.05
BIG_BODY = 4 * 1024 * 1024  # more than any socket buffer holds
CHATS = [{"ChatID": "101", "CustomerName": "A"}, {"ChatID": "102", "CustomerName": "B"}]
_ENCODED: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bad-gzip": lambda payload: b"not gzip at all",
    "cut-gzip": lambda payload: gzip.compress(payload)[: len(gzip.compress(payload)) // 2],
    "x-unknown": lambda payload: payload,
}
_DISCONNECTED = (
    anyio.EndOfStream,
    anyio.IncompleteRead,
    anyio.BrokenResourceError,
    anyio.ClosedResourceError,
    anyio.DelimiterNotFound,
)


class LoopbackServer:
    def __init__(self, port: int, delay: float) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.delay = delay
        self.requests: collections.Counter[str] = collections.Counter()
        self.accepted = 0
        self.open = 0
        self.max_open = 0
        self.in_progress = 0
        self.max_in_progress = 0
        self.faults: dict[str, str] = {}
        self.raw: dict[str, Callable[[str], bytes]] = {}
        self.check_sessions = False
        self.live: set[str] = set()
        self.rejected = 0
        self.logon_delay = 0.0
        self._tokens = itertools.count(1)

    def expire(self) -> None:
        """End every session: their tokens are answered 401 from now on."""
        self.live.clear()

    async def handle(self, stream: SocketStream) -> None:
        self.accepted += 1
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        try:
            async with stream:
                reader = BufferedByteReceiveStream(stream)
                for _ in range(MAX_REQUESTS_PER_CONNECTION):
                    if not await self._one_request(reader, stream):
                        break
        except _DISCONNECTED:
            pass  # the client went away: that ends the connection, nothing more
        finally:
            self.open -= 1

    async def _one_request(self, reader: BufferedByteReceiveStream, stream: SocketStream) -> bool:
        """Read one request and answer it; return whether the connection stays open."""
        head = (await reader.receive_until(b"\r\n\r\n", MAX_HEAD)).decode("latin-1")
        request_line, *header_lines = head.split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        try:
            method, target, version = request_line.split(" ", 2)
            length = int(headers.get("content-length", "0"))
        except ValueError:
            await self._respond(stream, 400, b"", keep_alive=False)
            return False
        if "transfer-encoding" in headers or not 0 <= length <= MAX_BODY:
            await self._respond(stream, 501, b"", keep_alive=False)  # chunked: not needed here
            return False
        keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        body = await reader.receive_exactly(length) if length else b""
        path = target.partition("?")[0]
        self.requests[path] += 1
        if path in self.raw:
            await stream.send(self.raw[path](target))
            return False
        self.in_progress += 1
        self.max_in_progress = max(self.max_in_progress, self.in_progress)
        fault = self.faults.get(path)
        try:
            if self.delay and path == "/api/GetChatList":
                await anyio.sleep(self.delay)
            if self.logon_delay and path == "/api/AgentLogon":
                await anyio.sleep(self.logon_delay)
            if fault == "hang":
                await anyio.sleep_forever()
            if self._session_rejected(path, target):
                self.rejected += 1
                status, payload = 401, b'{"Message": "Session expired"}'
            else:
                status, payload = self._route(method, path, body)
        finally:
            # Counted down before answering: the client sends its next request
            # only once it has this answer, so the count never overstates.
            self.in_progress -= 1
        if fault == "drop":
            return False  # closed with no answer, after the request was read
        if fault == "trickle":  # each byte well within a read timeout, the whole never
            await stream.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            for _ in range(1000):
                await stream.send(b" ")
                await anyio.sleep(TRICKLE_INTERVAL)
            return False
        extra: dict[str, str] = {}
        if fault == "big":  # a whole, valid answer of BIG_BODY bytes, keep-alive
            payload = payload[:-1] + b" " * (BIG_BODY - len(payload)) + payload[-1:]
        if fault in _ENCODED:
            extra["Content-Encoding"] = "x-unknown" if fault == "x-unknown" else "gzip"
            payload = _ENCODED[fault](payload)
        await self._respond(stream, status, payload, keep_alive=keep_alive, headers=extra)
        return keep_alive and fault != "close"

    def _session_rejected(self, path: str, target: str) -> bool:
        if not self.check_sessions or path == "/api/AgentLogon":
            return False
        query = urllib.parse.parse_qs(target.partition("?")[2])
        return query.get("SessionToken", [""])[0] not in self.live

    def _route(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if (method, path) == ("POST", "/api/AgentLogon"):
            try:
                credentials = json.loads(body)
            except ValueError:
                return 400, b'{"Message": "body is not JSON"}'
            if not isinstance(credentials, dict) or "EmailAddress" not in credentials:
                return 400, b'{"Message": "EmailAddress is required"}'
            token = f"tok-{next(self._tokens):08d}"
            self.live.add(token)
            return 200, json.dumps({"SessionToken": token}).encode()
        if (method, path) in {("GET", "/api/AgentLogoff"), ("GET", "/api/KeepAlive")}:
            return 200, b""
        if (method, path) == ("GET", "/api/GetChatList"):
            return 200, json.dumps(CHATS).encode()
        if (method, path) == ("GET", "/api/GrabChat"):
            return 200, json.dumps(CHATS[0]).encode()
        if (method, path) == ("POST", "/api/SendMessage"):
            return 200, b'{"MessageID": 1}'
        return 404, b'{"Message": "no such endpoint"}'

    @staticmethod
    async def _respond(
        stream: SocketStream,
        status: int,
        body: bytes,
        *,
        keep_alive: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}
        head = [
            f"HTTP/1.1 {status} {reason.get(status, 'Not Implemented')}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            f"Connection: {'keep-alive' if keep_alive else 'close'}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
        ]
        await stream.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


@asynccontextmanager
async def serve(*, delay: float = 0.0) -> AsyncIterator[LoopbackServer]:
    """Serve on 127.0.0.1 (a free port) until the block ends; then close everything."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    async with listener, anyio.create_task_group() as tg:
        port = listener.extra(SocketAttribute.local_port)  # noqa: S610 - anyio, not Django
        server = LoopbackServer(port, delay)
        tg.start_soon(listener.serve, server.handle, tg)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()  # stops accepting and closes every connection
