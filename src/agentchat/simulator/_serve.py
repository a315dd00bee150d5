"""Serving the simulator on a real socket (uvicorn), in this thread or a background one.

``serve_in_thread(sim)`` is what tests, the demo and users' fixtures use: it
binds 127.0.0.1 (a free port by default), runs uvicorn and the simulator's life
(new chats, forced expiry) on an asyncio loop of its own in a daemon thread, so
the caller can be asyncio, trio or plain synchronous code. ``serve(sim)`` runs
the same in the current asyncio loop until cancelled (``agentchat simulate``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Final

import anyio
import uvicorn

from .._redaction import RedactingFilter
from ._app import Simulator
from ._faults import DroppedConnectionFilter

__all__ = ["bind", "serve", "serve_in_thread"]

#: How long starting or stopping the server may take before it is an error.
STARTUP_TIMEOUT: Final = 10.0


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, so that asyncio sets TCP_NODELAY on accepted connections
    # (without it every answer with a body waits ~40 ms for a delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _quiet_drops() -> None:
    """Simulated drops are the point, not errors: keep them out of uvicorn's log."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DroppedConnectionFilter) for f in logger.filters):
        logger.addFilter(DroppedConnectionFilter())
    # Access lines carry ?SessionToken=...: redacted, should anyone turn them on.
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactingFilter) for f in access.filters):
        access.addFilter(RedactingFilter())


def _server(simulator: Simulator, *, log_level: str) -> uvicorn.Server:
    _quiet_drops()
    config = uvicorn.Config(
        simulator.app,
        lifespan="off",
        access_log=False,
        log_level=log_level,
        timeout_keep_alive=30,
    )
    return uvicorn.Server(config)


async def _run(server: uvicorn.Server, sock: socket.socket, simulator: Simulator) -> None:
    async with anyio.create_task_group() as tg:
        await tg.start(simulator.run_life)
        await server.serve(sockets=[sock])
        tg.cancel_scope.cancel()


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket for `serve(sock=...)`.

    Args:
        host: The IPv4 address to bind.
        port: The port; 0 takes a free one (read it with `sock.getsockname()`).

    Returns:
        A non-blocking socket, listening.

    Raises:
        OSError: The address cannot be bound (the port is taken, say).
    """
    return _bind(host, port)


async def serve(
    simulator: Simulator,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    sock: socket.socket | None = None,
) -> None:
    """Serve a simulator in this asyncio loop until cancelled or signalled.

    What `agentchat simulate` runs: uvicorn on `host:port` (or on `sock`),
    with the simulator's life (`Simulator.run_life()`: new chats every
    `new_chat_interval`) beside it. Ctrl+C (SIGINT) or SIGTERM stops it.

    Example:
        ```python
        asyncio.run(serve(Simulator(), port=8000))
        ```

    Args:
        simulator: The simulator to serve.
        host: The IPv4 address to bind, when `sock` is not given.
        port: The port to bind, when `sock` is not given.
        log_level: uvicorn's log level (`"info"`, `"warning"`...).
        sock: A listening socket to serve on instead (see `bind()`); it is
            closed at the end either way.

    Raises:
        OSError: `host:port` cannot be bound.
    """
    if sock is None:
        sock = _bind(host, port)
    try:
        await _run(_server(simulator, log_level=log_level), sock, simulator)
    finally:
        sock.close()


@contextlib.contextmanager
def serve_in_thread(
    simulator: Simulator, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning"
) -> Iterator[str]:
    """Serve a simulator from a background thread, for the length of a block.

    The server (uvicorn, and the simulator's life: `Simulator.run_life()`)
    runs on an asyncio loop of its own in a daemon thread, so the caller may be
    asyncio, trio or plain synchronous code. On exit the server stops (open
    connections are closed) and the thread is joined. Only loopback hosts are
    meant here: this is a test server.

    Example:
        ```python
        with serve_in_thread(sim) as url:
            async with AsyncAgentChat(sim.agent_email, sim.agent_password, base_url=url) as chat:
                ...
        ```

    Args:
        simulator: The simulator to serve.
        host: The IPv4 address to bind.
        port: The port; 0 (the default) takes a free one.
        log_level: uvicorn's log level.

    Yields:
        The base URL, such as `"http://127.0.0.1:50123"`; give it to
        `AsyncAgentChat(base_url=...)` or `Simulator.environment()`.

    Raises:
        OSError: `host:port` cannot be bound.
        RuntimeError: The server failed to start, or did not start within 10
            seconds.
    """
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    server = _server(simulator, log_level=log_level)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(_run(server, sock, simulator))
        except BaseException as exc:  # noqa: BLE001 - reported to the caller below
            failure.append(exc)

    thread = threading.Thread(target=run, name="agentchat-simulator", daemon=True)
    thread.start()
    try:
        waited = 0.0
        while not server.started:
            if failure or not thread.is_alive():
                raise RuntimeError("the simulator failed to start") from (
                    failure[0] if failure else None
                )
            if waited > STARTUP_TIMEOUT:
                raise RuntimeError(f"the simulator did not start in {STARTUP_TIMEOUT:g}s")
            threading.Event().wait(0.005)
            waited += 0.005
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()
        if thread.is_alive():  # pragma: no cover - a stuck server is a bug to see
            logging.getLogger("agentchat.simulator").error("the simulator thread did not stop")
