"""Hostile HTTP/1.1 servers on 127.0.0.1: what an attacker or a broken gateway sends.

A ``HostileServer`` is a plain ``socket`` server with one thread per connection,
for a client in another process (``tests/hostile_client.py``). It answers
``POST /api/AgentLogon`` properly (``200``, a new token, keep-alive),
``GET /api/AgentLogoff`` and ``GET /api/KeepAlive`` with ``200``, and every other
request with its scenario:

=====================  =========================================================
``huge``               a 500 MB body with a correct Content-Length
``huge-chunked``       an endless chunked body
``lying-length``       Content-Length 2**40, then an endless body
``length-and-chunked`` Content-Length 2 *and* Transfer-Encoding chunked, then an
                       endless chunked body (a client reading "2 bytes" at once
                       must not trust the length)
``gzip-bomb``          ``Content-Encoding: gzip``: ~1 MB that inflates to 1 GiB
``deflate-bomb``       the same with ``deflate`` (zlib format, RFC 9110)
``trickle-head``       a status line, then header lines, one byte a second, forever
``trickle-body``       the head at once (Content-Length 100000), then one body byte
                       a second
``processing``         ``HTTP/1.1 102 Processing`` every 0.5 s, forever
``redirect-cross-host``  ``302`` to the same path and query on the recorder
``redirect-307-logon``   AgentLogon itself (and everything else) ``307`` to the
                         recorder: a client that follows sends the password there
``redirect-loop``      ``302`` to itself, forever
=====================  =========================================================

``serve(name)`` starts the scenario's server and a *recorder* beside it (the
"other host" the redirects point to), which records every connection and request
it gets and answers 404. Endless answers stop when the client goes away (a send
fails) or the server is closed; every blocking call waits at most ``POLL``
seconds before looking at the stop flag, so ``close()`` joins every thread within
a second or two. Bodies are streamed from one reused chunk, never built whole;
the two bombs are compressed once per process and cached.

A new scenario is one decorated function::

    @scenario("my-case", kind="time")
    def _my_case(exchange: Exchange) -> bool:
        exchange.respond(200, {"Content-Length": "2"}, b"[]")
        return True  # keep the connection open
"""

from __future__ import annotations

import itertools
import json
import secrets
import socket
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "SCENARIOS",
    "Exchange",
    "Gone",
    "HostileServer",
    "Kind",
    "Request",
    "Scenario",
    "scenario",
    "serve",
]

#: "memory": answers too big to hold; "time": answers that never end in time;
#: "redirect": answers that point elsewhere; "recorder": the other host.
Kind = Literal["memory", "framing", "time", "redirect", "recorder"]
#: An answer to one request; returns whether the connection stays open.
Answer = Callable[["Exchange"], bool]

#: Seconds a blocked accept, recv or send waits before looking at the stop flag.
POLL: Final = 0.25
#: Seconds ``close()`` waits for each thread (all of them stop within ~POLL).
JOIN_TIMEOUT: Final = 10.0
MAX_HEAD: Final = 64 * 1024
MAX_BODY: Final = 1024 * 1024
#: Connections served at once; more are closed at once (a runaway client).
MAX_CONNECTIONS: Final = 32

HUGE_BYTES: Final = 500 * 2**20
LYING_LENGTH: Final = 2**40
TRICKLE_BODY_BYTES: Final = 100_000
BOMB_PIECE: Final = 2**20
BOMB_PIECES: Final = 1024  # 1 GiB once inflated
#: The piece every streamed body is made of (sent again and again, never grown).
CHUNK: Final = b"0" * 65536
CHUNKED_PIECE: Final = b"%x\r\n" % len(CHUNK) + CHUNK + b"\r\n"
PROCESSING: Final = b"HTTP/1.1 102 Processing\r\n\r\n"

LOGON: Final = "/api/AgentLogon"
QUIET_PATHS: Final = frozenset({"/api/AgentLogoff", "/api/KeepAlive"})
REASONS: Final = {
    200: "OK",
    302: "Found",
    307: "Temporary Redirect",
    400: "Bad Request",
    404: "Not Found",
    501: "Not Implemented",
}


class Gone(Exception):
    """The client went away, or the server is closing: this connection is over."""


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def text(self) -> str:
        """The whole request as received (latin-1), for searching it for secrets."""
        head = [f"{self.method} {self.target} {self.version}"]
        head += [f"{name}: {value}" for name, value in self.headers]
        return "\r\n".join(head) + "\r\n\r\n" + self.body.decode("latin-1")


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: Kind
    answer: Answer
    #: Whether the scenario answers AgentLogon too (else it gets a proper 200).
    answers_logon: bool = False
    #: Run once before the server starts (e.g. build a bomb): not on the clock.
    prepare: Callable[[], object] | None = None


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str,
    *,
    kind: Kind,
    answers_logon: bool = False,
    prepare: Callable[[], object] | None = None,
) -> Callable[[Answer], Answer]:
    """Register an answer as the scenario ``name`` (see the module's docstring)."""

    def register(answer: Answer) -> Answer:
        assert name not in SCENARIOS, f"scenario {name!r} registered twice"
        SCENARIOS[name] = Scenario(name, kind, answer, answers_logon, prepare)
        return answer

    return register


class Exchange:
    """One request on one connection, and the means to answer it (or not)."""

    def __init__(self, server: HostileServer, conn: socket.socket, request: Request) -> None:
        self.server = server
        self.request = request
        self._conn = conn

    def send(self, data: bytes) -> None:
        """Send all of ``data``; ``Gone`` if the client left or the server is closing."""
        view = memoryview(data)
        while view:
            if self.server.stopping:
                raise Gone
            try:
                sent = self._conn.send(view)
            except TimeoutError:
                continue  # the client is not reading right now: look at the flag again
            except OSError as exc:
                raise Gone from exc
            view = view[sent:]

    def send_forever(self, data: bytes) -> None:
        """Send ``data`` again and again, until the client leaves or the server closes."""
        while True:
            self.send(data)

    def trickle(self, data: Iterable[int], interval: float = 1.0) -> None:
        """Send one byte every ``interval`` seconds."""
        for byte in data:
            self.send(bytes((byte,)))
            self.pause(interval)

    def pause(self, seconds: float) -> None:
        if self.server.wait_stop(seconds):
            raise Gone

    def head(self, status: int, headers: dict[str, str]) -> bytes:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Whatever')}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def respond(
        self, status: int, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        """A whole answer; Content-Length is set unless ``headers`` has one."""
        headers = dict(headers or {})
        headers.setdefault("Content-Length", str(len(body)))
        self.send(self.head(status, headers) + body)

    def redirect(self, status: int, location: str) -> bool:
        self.respond(status, {"Location": location, "Connection": "keep-alive"})
        return True


class _Reader:
    """Reads requests off one connection (Content-Length bodies; no chunked requests)."""

    def __init__(self, server: HostileServer, conn: socket.socket) -> None:
        self._server = server
        self._conn = conn
        self._buffer = bytearray()

    def _fill(self) -> bool:
        """Read more; False when the client closed (or the server is closing)."""
        while not self._server.stopping:
            try:
                data = self._conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return False
            if data:
                self._buffer += data
                return True
            return False
        return False

    def request(self) -> Request | None:
        """The next request; None when the connection is over or the request is bad."""
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            if len(self._buffer) > MAX_HEAD or not self._fill():
                return None
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        request_line, *lines = head.split("\r\n")
        try:
            method, target, version = request_line.split(" ", 2)
        except ValueError:
            return None
        headers = tuple(
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in lines)
        )
        partial = Request(method, target, version, headers, b"")
        if partial.header("Transfer-Encoding") is not None:
            return None  # no client of ours sends chunked requests
        try:
            length = int(partial.header("Content-Length") or "0")
        except ValueError:
            return None
        if not 0 <= length <= MAX_BODY:
            return None
        while len(self._buffer) < length:
            if not self._fill():
                return None
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return Request(method, target, version, headers, body)


class HostileServer:
    """One scenario on 127.0.0.1 (a free port), served from background threads.

    ``requests`` holds every request read, ``accepted`` counts connections,
    ``issued_tokens`` the session tokens handed out, ``errors`` anything that
    went wrong in the server itself (a bug of the test, not of the client).
    ``redirect_to`` is the base URL of the other host (the recorder).
    """

    def __init__(self, scenario: Scenario, *, redirect_to: str | None = None) -> None:
        self.scenario = scenario
        self.redirect_to = redirect_to
        #: The other host's server, when ``serve()`` started one.
        self.recorder: HostileServer | None = None
        self.requests: list[Request] = []
        self.issued_tokens: list[str] = []
        self.errors: list[str] = []
        self.accepted = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._ids = itertools.count(1)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(POLL)
        self.port: int = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._acceptor = threading.Thread(
            target=self._accept, name=f"hostile-{scenario.name}-accept", daemon=True
        )

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait_stop(self, seconds: float) -> bool:
        """Sleep ``seconds``, or less if the server closes; return whether it closes."""
        return self._stop.wait(seconds)

    def start(self) -> HostileServer:
        if self.scenario.prepare is not None:
            self.scenario.prepare()
        self._acceptor.start()
        return self

    def close(self) -> None:
        """Stop accepting, end every connection, join every thread; idempotent."""
        self._stop.set()
        if self._acceptor.is_alive():
            self._acceptor.join(JOIN_TIMEOUT)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        self._listener.close()
        alive = [t.name for t in [self._acceptor, *threads] if t.is_alive()]
        if alive:
            raise RuntimeError(f"hostile server threads did not stop: {alive}")

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- threads -------------------------------------------------------------

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if not self.stopping:
                    self.errors.append(f"accept: {exc!r}")
                return
            with self._lock:
                self.accepted += 1
                if len(self._threads) >= MAX_CONNECTIONS:
                    conn.close()
                    continue
                thread = threading.Thread(
                    target=self._serve_connection,
                    args=(conn,),
                    name=f"hostile-{self.scenario.name}-{next(self._ids)}",
                    daemon=True,
                )
                self._threads.add(thread)
            thread.start()

    def _serve_connection(self, conn: socket.socket) -> None:
        try:
            with conn:
                conn.settimeout(POLL)
                reader = _Reader(self, conn)
                while (request := reader.request()) is not None:
                    self.requests.append(request)
                    if not self._answer(Exchange(self, conn, request)):
                        break
        except Gone:
            pass  # the client left, or the server closes
        except Exception as exc:  # noqa: BLE001 - kept for the test to report, not raised in a thread
            self.errors.append(f"{self.scenario.name}: {exc!r}")
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def _answer(self, exchange: Exchange) -> bool:
        request = exchange.request
        if request.path == LOGON and not self.scenario.answers_logon:
            token = f"tok-hostile-{secrets.token_hex(12)}"
            self.issued_tokens.append(token)
            body = json.dumps({"SessionToken": token, "AgentID": 7, "Name": "Ann"}).encode()
            exchange.respond(200, {"Content-Type": "application/json"}, body)
            return True
        if request.path in QUIET_PATHS and self.scenario.kind != "recorder":
            exchange.respond(200)
            return True
        return self.scenario.answer(exchange)


# -- the scenarios ----------------------------------------------------------------

_bomb_lock = threading.Lock()
_bombs: dict[str, bytes] = {}


def bomb(encoding: str) -> bytes:
    """1 GiB of zeros compressed as ``gzip`` or ``deflate`` (~1 MB); built once, cached."""
    with _bomb_lock:
        if encoding not in _bombs:
            wbits = {"gzip": 31, "deflate": 15}[encoding]
            compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
            zeros = bytes(BOMB_PIECE)
            parts = [compressor.compress(zeros) for _ in range(BOMB_PIECES)]
            parts.append(compressor.flush())
            _bombs[encoding] = b"".join(parts)
        return _bombs[encoding]


def _json_head(exchange: Exchange, **headers: str) -> bytes:
    return exchange.head(200, {"Content-Type": "application/json", **headers})


@scenario("huge", kind="memory")
def _huge(exchange: Exchange) -> bool:
    exchange.send(_json_head(exchange, **{"Content-Length": str(HUGE_BYTES)}))
    left = HUGE_BYTES
    while left:
        piece = CHUNK if left >= len(CHUNK) else CHUNK[:left]
        exchange.send(piece)
        left -= len(piece)
    return True


@scenario("huge-chunked", kind="memory")
def _huge_chunked(exchange: Exchange) -> bool:
    exchange.send(_json_head(exchange, **{"Transfer-Encoding": "chunked"}))
    exchange.send_forever(CHUNKED_PIECE)
    return False  # never reached


@scenario("lying-length", kind="memory")
def _lying_length(exchange: Exchange) -> bool:
    exchange.send(_json_head(exchange, **{"Content-Length": str(LYING_LENGTH)}))
    exchange.send_forever(CHUNK)
    return False  # never reached


@scenario("length-and-chunked", kind="framing")
def _length_and_chunked(exchange: Exchange) -> bool:
    # Two framings: chunked wins (RFC 9112 6.3), so the small length is a lie.
    head = _json_head(exchange, **{"Content-Length": "2", "Transfer-Encoding": "chunked"})
    exchange.send(head)
    exchange.send_forever(CHUNKED_PIECE)
    return False  # never reached


@scenario("huge-unsized", kind="memory")
def _huge_unsized(exchange: Exchange) -> bool:
    # No length and not chunked: the body ends when the connection does (never).
    exchange.send(_json_head(exchange, Connection="close"))
    exchange.send_forever(CHUNK)
    return False  # never reached


def _bomb_answer(encoding: str) -> Answer:
    def answer(exchange: Exchange) -> bool:
        body = bomb(encoding)
        headers = {"Content-Encoding": encoding, "Content-Length": str(len(body))}
        exchange.send(_json_head(exchange, **headers) + body)
        return True

    return answer


scenario("gzip-bomb", kind="memory", prepare=lambda: bomb("gzip"))(_bomb_answer("gzip"))
scenario("deflate-bomb", kind="memory", prepare=lambda: bomb("deflate"))(_bomb_answer("deflate"))


def _endless_head() -> Iterator[int]:
    yield from b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    for n in itertools.count(1):
        yield from b"X-Trickle-%d: 1\r\n" % n


@scenario("trickle-head", kind="time")
def _trickle_head(exchange: Exchange) -> bool:
    exchange.trickle(_endless_head())
    return False  # never reached


@scenario("trickle-body", kind="time")
def _trickle_body(exchange: Exchange) -> bool:
    exchange.send(_json_head(exchange, **{"Content-Length": str(TRICKLE_BODY_BYTES)}))
    exchange.trickle(b"[" + b" " * (TRICKLE_BODY_BYTES - 2) + b"]")
    return True


@scenario("processing", kind="time")
def _processing(exchange: Exchange) -> bool:
    while True:
        exchange.send(PROCESSING)
        exchange.pause(0.5)


def _other_host(exchange: Exchange) -> str:
    assert exchange.server.redirect_to is not None, "a redirect scenario needs a recorder"
    return exchange.server.redirect_to + exchange.request.target


@scenario("redirect-cross-host", kind="redirect")
def _redirect_cross_host(exchange: Exchange) -> bool:
    return exchange.redirect(302, _other_host(exchange))


@scenario("redirect-307-logon", kind="redirect", answers_logon=True)
def _redirect_307_logon(exchange: Exchange) -> bool:
    return exchange.redirect(307, _other_host(exchange))


@scenario("redirect-loop", kind="redirect")
def _redirect_loop(exchange: Exchange) -> bool:
    return exchange.redirect(302, exchange.server.base_url + exchange.request.target)


def _record(exchange: Exchange) -> bool:
    body = b'{"Message": "recorded"}'
    exchange.respond(404, {"Content-Type": "application/json", "Connection": "close"}, body)
    return False


#: The other host: records everything (``requests``, ``accepted``) and answers 404.
RECORDER: Final = Scenario("recorder", "recorder", _record, answers_logon=True)


@contextmanager
def serve(name: str) -> Iterator[HostileServer]:
    """The scenario ``name`` on a free port, with its recorder (``server.recorder``)."""
    with HostileServer(RECORDER) as recorder:
        server = HostileServer(SCENARIOS[name], redirect_to=recorder.base_url)
        server.recorder = recorder
        with server:
            yield server
