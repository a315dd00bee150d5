"""Fault injection: an ASGI middleware around the simulator's routes.

For each API request, in this order: the configured latency is waited;
sessions are force-expired if ``expire_every`` has passed; an error status may
be answered (nothing processed); the connection may be dropped before
processing; the request is processed (its answer buffered); the connection may
be dropped after processing (state changed, journal written, no answer); a 2xx
body may be replaced by garbage. Every fault injected is counted by kind in
``FaultInjector.counts`` (``Simulator.faults_injected``): ``"error_503"``,
``"drop_before"``, ``"drop_after"``, ``"malformed"``, ``"expired"``...

A dropped connection is an answer that starts (status and headers promising a
body) and then raises ``ConnectionDropped``: over a socket, uvicorn closes the
connection and the client sees it end mid-response; in process,
``Simulator.transport()`` turns it into ``httpx.RemoteProtocolError``.
"""

from __future__ import annotations

import collections
import json
import logging
import random
from collections.abc import Callable, MutableMapping
from typing import Any, Final

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._routes import ROUTES, Route
from ._config import Faults, Rate, SimulatorConfig
from ._render import recase

__all__ = ["ConnectionDropped", "DroppedConnectionFilter", "FaultInjector", "FaultMiddleware"]

_BY_PATH: Final = {route.path: route for route in ROUTES.values()}
_MESSAGES: Final = {
    429: "Too many requests, slow down (simulated)",
    500: "An unexpected error occurred (simulated)",
    502: "Bad gateway (simulated)",
    503: "The service is temporarily unavailable (simulated)",
    504: "Gateway timeout (simulated)",
}
#: Bytes that start no UTF-8 text: a CSV body made of them cannot be read.
_NOT_UTF8: Final = b"\x80\x81\xfe"


class ConnectionDropped(Exception):
    """Raised by the simulator's app to drop the connection mid-response.

    A client never sees it: over uvicorn it closes the socket (uvicorn logs it
    as an exception in the ASGI application; `serve()` and `serve_in_thread()`
    filter those records out of the `uvicorn.error` logger), and
    `Simulator.transport()` turns it into `httpx.RemoteProtocolError`. Code
    that runs `Simulator.app` under another ASGI server or transport meets it.
    """


class DroppedConnectionFilter(logging.Filter):
    """Hides the server's log records of simulated drops.

    uvicorn logs every exception escaping the app as an error with its
    traceback; a simulated drop is not one. Install on uvicorn's error logger::

        logging.getLogger("uvicorn.error").addFilter(DroppedConnectionFilter())
    """

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


class FaultInjector:
    """The dice and the counters behind ``FaultMiddleware``."""

    def __init__(
        self, config: SimulatorConfig, *, clock: Callable[[], float], expire: Callable[[], None]
    ) -> None:
        self.faults: Faults = config.faults
        self.latency = config.latency
        self.casing = config.casing
        self.rng = random.Random(f"{config.seed}:faults")  # noqa: S311 - simulation, not crypto
        self.counts: collections.Counter[str] = collections.Counter()
        self._clock = clock
        self._expire = expire
        self._last_expiry = clock()

    def check_expiry(self) -> None:
        """Expire every session if ``expire_every`` seconds passed since the last time."""
        every = self.faults.expire_every
        if every is None:
            return
        now = self._clock()
        if now - self._last_expiry >= every:
            self._expire()
            self.counts["expired"] += 1
            self._last_expiry = now

    def roll_error(self, endpoint: str) -> int | None:
        statuses = self.faults.error_statuses(endpoint)
        if not statuses:
            return None
        roll = self.rng.random()
        total = 0.0
        for status, probability in statuses:
            total += probability
            if roll < total:
                self.counts[f"error_{status}"] += 1
                return status
        return None

    def roll(self, kind: str, rate: Rate, endpoint: str) -> bool:
        probability = Faults.rate(rate, endpoint)
        if probability <= 0 or self.rng.random() >= probability:
            return False
        self.counts[kind] += 1
        return True


class _Buffered:
    """An answer held back until the faults after processing are decided."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    @property
    def status(self) -> int:
        return int(self.start["status"]) if self.start else 500

    def header(self, name: bytes) -> bytes:
        for key, value in self.start.get("headers", []) if self.start else []:
            if key.lower() == name:
                return bytes(value)
        return b""

    def garble(self) -> None:
        body = bytes(self.body)
        if b"json" in self.header(b"content-type"):
            # JSON cut in half: an object or array without its end.
            self.body = bytearray(body[: len(body) // 2] if len(body) > 1 else b'{"')
        else:
            self.body = bytearray(_NOT_UTF8 + body[: len(body) // 2])

    async def replay(self, send: Send) -> None:
        assert self.start is not None, "the app answered nothing"
        headers = [
            (k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"
        ]
        headers.append((b"content-length", str(len(self.body)).encode()))
        await send({**self.start, "headers": headers})
        await send({"type": "http.response.body", "body": bytes(self.body), "more_body": False})


async def _drop(send: Send, status: int, endpoint: str, when: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )
    raise ConnectionDropped(f"{endpoint}: connection dropped {when} processing (simulated)")


class FaultMiddleware:
    """Pure ASGI middleware applying a ``FaultInjector`` to API requests."""

    def __init__(self, app: ASGIApp, injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        injector = self.injector
        if injector.latency > 0:
            await anyio.sleep(injector.latency)
        injector.check_expiry()
        route = _BY_PATH.get(scope["path"])
        if route is None or route.method != scope["method"]:
            await self.app(scope, receive, send)
            return
        await self._call(route, scope, receive, send)

    async def _call(self, route: Route, scope: Scope, receive: Receive, send: Send) -> None:
        injector, faults, name = self.injector, self.injector.faults, route.name
        status = injector.roll_error(name)
        if status is not None:
            await _error(send, status, faults.retry_after, injector)
            return
        if injector.roll("drop_before", faults.drop_before, name):
            await _drop(send, 200, name, "before")
        buffered = _Buffered()
        await self.app(scope, receive, buffered.send)
        if injector.roll("drop_after", faults.drop_after, name):
            await _drop(send, buffered.status, name, "after")
        ok = 200 <= buffered.status < 300
        if ok and injector.roll("malformed", faults.malformed, name):
            buffered.garble()
        await buffered.replay(send)


async def _error(send: Send, status: int, retry_after: float, injector: FaultInjector) -> None:
    body = json.dumps(recase({"Message": _MESSAGES[status]}, injector.casing)).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status in (429, 503):
        headers.append((b"retry-after", f"{retry_after:g}".encode()))
    start: MutableMapping[str, Any] = {"type": "http.response.start", "status": status}
    start["headers"] = headers
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
