"""A minimal, fast HTTP/1.1 AgentChat server for the load benchmark (stdlib only).

It is not what is measured, so it does as little as it can per request: a raw
``asyncio.Protocol`` parses the request line, the headers and a
``Content-Length`` body (keep-alive, pipelined and partial data handled), checks
the session token and writes a response precomputed at start-up. It runs in a
process of its own, so the clients under test get the other core (``--cpu``
pins it to one CPU, as ``load.py`` does: ``split_cpus()``):

    python -m benchmarks.server [--host 127.0.0.1] [--port 0] [--cpu N]

prints ``PORT <n>`` once listening and exits cleanly on SIGTERM or SIGINT.
``start_server_process()`` does all that from Python and yields the base URL.

Routes, all ``application/json``: ``POST /api/AgentLogon`` (a fresh 32-hex token
per server), ``GET /api/GetChatList`` (three chats), ``POST /api/SendMessage``,
``GET /api/KeepAlive`` and ``GET /api/AgentLogoff``; the last four answer 401
without the server's ``SessionToken`` in the query. Anything else is a 404.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http import HTTPStatus
from importlib import metadata
from pathlib import Path
from typing import Any, Final

__all__ = [
    "TOKEN_BYTES",
    "Routes",
    "main",
    "package_version",
    "serve",
    "start_server_process",
    "stop_process",
]

ROOT: Final = Path(__file__).resolve().parent.parent
MAX_HEAD: Final = 16 * 1024  # request line and headers
MAX_BODY: Final = 1024 * 1024
TOKEN_BYTES: Final = 16  # 32 hex digits
CHATS: Final = [
    {"ChatID": str(100 + i), "CustomerName": f"Customer {i}", "Status": "unassigned"}
    for i in range(3)
]


def _response(status: int, body: bytes, *, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
    )
    if not keep_alive:
        head += "Connection: close\r\n"
    return (head + "\r\n").encode("latin-1") + body


def _message(text: str) -> bytes:
    return json.dumps({"Message": text}).encode()


class Routes:
    """Every response the server can give, encoded once: ``(keep-alive, close)`` pairs."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.token_param = b"SessionToken=" + token.encode("ascii")
        logon = {"SessionToken": token, "AgentID": 1, "Name": "Bench"}
        # (method, path) -> (needs the session token, status, body)
        table: dict[tuple[bytes, bytes], tuple[bool, int, bytes]] = {
            (b"POST", b"/api/AgentLogon"): (False, 200, json.dumps(logon).encode()),
            (b"GET", b"/api/GetChatList"): (True, 200, json.dumps(CHATS).encode()),
            (b"POST", b"/api/SendMessage"): (True, 200, b'{"MessageID": 1}'),
            (b"GET", b"/api/KeepAlive"): (True, 200, b"{}"),
            (b"GET", b"/api/AgentLogoff"): (True, 200, b"{}"),
        }
        self.answers = {
            key: (needs_token, *self.pair(status, body))
            for key, (needs_token, status, body) in table.items()
        }
        self.not_found = self.pair(404, _message("no such endpoint"))
        self.unauthorized = self.pair(401, _message("Session expired"))

    @staticmethod
    def pair(status: int, body: bytes) -> tuple[bytes, bytes]:
        return _response(status, body, keep_alive=True), _response(status, body, keep_alive=False)


_BAD_REQUEST: Final = _response(400, _message("malformed request"), keep_alive=False)
_TOO_LARGE: Final = _response(413, _message("body too large"), keep_alive=False)
_HEAD_TOO_LARGE: Final = _response(431, _message("headers too large"), keep_alive=False)
_NOT_IMPLEMENTED: Final = _response(
    501, _message("chunked bodies are not supported"), keep_alive=False
)


class _Malformed(Exception):
    """The request cannot be answered; the response says why, then the connection closes."""

    def __init__(self, response: bytes) -> None:
        super().__init__()
        self.response = response


class HTTPProtocol(asyncio.Protocol):
    """One connection: parse what arrived, answer every complete request in one write."""

    def __init__(self, routes: Routes, connections: set[asyncio.Transport]) -> None:
        self._routes = routes
        self._connections = connections
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._connections.discard(self._transport)
            self._transport = None

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        buffer = self._buffer
        buffer += data
        out: list[bytes] = []
        position = 0
        close = False
        try:
            while not close:
                end = buffer.find(b"\r\n\r\n", position)
                if end < 0:
                    if len(buffer) - position > MAX_HEAD:
                        raise _Malformed(_HEAD_TOO_LARGE)
                    break  # the rest of the head is still on its way
                if end - position > MAX_HEAD:
                    raise _Malformed(_HEAD_TOO_LARGE)
                method, target, length, keep_alive = _parse_head(bytes(buffer[position:end]))
                if len(buffer) < end + 4 + length:
                    break  # the rest of the body is still on its way; parsed again then
                position = end + 4 + length
                out.append(self._answer(method, target, keep_alive))
                close = not keep_alive
        except _Malformed as exc:
            out.append(exc.response)
            close = True
        if position:
            del buffer[:position]
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
        if close:
            buffer.clear()
            transport.close()

    def _answer(self, method: bytes, target: bytes, keep_alive: bool) -> bytes:
        routes = self._routes
        path, _, query = target.partition(b"?")
        answer = routes.answers.get((method, path))
        if answer is None:
            pair = routes.not_found
        elif answer[0] and routes.token_param not in query.split(b"&"):
            pair = routes.unauthorized
        else:
            pair = answer[1], answer[2]
        return pair[0] if keep_alive else pair[1]


def _parse_head(head: bytes) -> tuple[bytes, bytes, int, bool]:
    """``(method, target, content length, keep-alive)`` of a request head."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise _Malformed(_BAD_REQUEST)
    method, target, version = parts
    keep_alive = version == b"HTTP/1.1"
    length = -1
    for line in lines[1:]:
        name, colon, raw = line.partition(b":")
        if not colon:
            raise _Malformed(_BAD_REQUEST)
        name = name.lower()
        if name == b"content-length":
            value = raw.strip()
            if not value.isdigit() or (length >= 0 and int(value) != length):
                raise _Malformed(_BAD_REQUEST)
            length = int(value)
            if length > MAX_BODY:
                raise _Malformed(_TOO_LARGE)
        elif name == b"connection":
            option = raw.strip().lower()
            if option == b"close":
                keep_alive = False
            elif option == b"keep-alive":
                keep_alive = True
        elif name == b"transfer-encoding":
            raise _Malformed(_NOT_IMPLEMENTED)
    return method, target, max(length, 0), keep_alive


class _EndOfInput(asyncio.Protocol):
    """Sets ``stop`` when the parent closes our stdin (or dies): no orphaned servers."""

    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop.set()


async def serve(host: str, port: int, *, stop_on_eof: bool = False) -> None:
    """Serve until SIGTERM or SIGINT (or, with ``stop_on_eof``, until stdin closes)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):  # Windows: Ctrl-C ends asyncio.run instead
            loop.add_signal_handler(signum, stop.set)
    routes = Routes(secrets.token_hex(TOKEN_BYTES))
    connections: set[asyncio.Transport] = set()
    server = await loop.create_server(
        lambda: HTTPProtocol(routes, connections), host, port, backlog=4096
    )
    watch: asyncio.BaseTransport | None = None
    if stop_on_eof:
        watch, _ = await loop.connect_read_pipe(lambda: _EndOfInput(stop), sys.stdin)
    try:
        bound = server.sockets[0].getsockname()[1]
        sys.stdout.write(f"PORT {bound}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        server.close()
        for transport in list(connections):
            transport.abort()
        if watch is not None:
            watch.close()
        await asyncio.wait_for(server.wait_closed(), 5.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--stop-on-eof", action="store_true", help="also stop when stdin reaches end of file"
    )
    parser.add_argument("--cpu", type=int, default=None, help="run on this CPU only (Linux)")
    args = parser.parse_args(argv)
    pin(args.cpu)
    asyncio.run(serve(args.host, args.port, stop_on_eof=args.stop_on_eof))
    return 0


def split_cpus() -> tuple[int, int] | None:
    """A CPU for the server and another for the client under test, or None
    where a process cannot be pinned (not Linux, or fewer than two CPUs allowed).

    Left to the scheduler, the server, the client's event loop and a client's
    own threads (pyreqwest's runtime) share the two cores of the machine the
    figures are recorded on as it sees fit, and a client's throughput moves by
    up to 2x from one placement to the next. Pinned, each side has a core of
    its own for the whole run, whatever the client.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None
    return allowed[0], allowed[1]


def pin(cpu: int | None) -> None:
    """Run this process (and the threads it starts from now on) on ``cpu`` only."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})


@contextmanager
def start_server_process(
    host: str = "127.0.0.1",
    *,
    start_timeout: float = 15.0,
    stop_timeout: float = 5.0,
    cpu: int | None = None,
) -> Iterator[str]:
    """Run ``python -m benchmarks.server`` in a child process; yield its base URL.

    Waits at most ``start_timeout`` seconds for it to listen; afterwards sends
    SIGTERM, waits at most ``stop_timeout`` seconds, then kills it. ``cpu``
    pins it to that CPU (``split_cpus``).
    """
    command = [sys.executable, "-m", "benchmarks.server", "--host", host, "--port", "0"]
    command.append("--stop-on-eof")
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        try:
            port = _read_port(process, start_timeout)
            yield f"http://{host}:{port}"
        finally:
            stop_process(process, stop_timeout)


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> int:
    assert process.stdout is not None
    stdout = process.stdout
    lines: queue.Queue[bytes] = queue.Queue()
    # readline() on a pipe cannot time out portably: a daemon thread reads it,
    # and ends when the process does.
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=timeout).decode("ascii", errors="replace").strip()
    except queue.Empty:
        raise RuntimeError(f"the benchmark server did not listen within {timeout} s") from None
    name, _, port = line.partition(" ")
    if name != "PORT" or not port.isdigit():
        raise RuntimeError(f"the benchmark server said {line!r} instead of 'PORT <n>'")
    return int(port)


def stop_process(process: subprocess.Popen[Any], timeout: float) -> None:
    """Terminate a child process, and kill it if it has not ended within ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


if __name__ == "__main__":
    sys.exit(main())


def package_version(distribution: str) -> str:
    """An installed distribution's version, for the records of a run."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"
