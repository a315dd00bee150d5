"""A real forward proxy and a TLS AgentChat server on loopback, for the proxy tests.

``forward_proxy()`` runs pproxy (a pure-Python proxy server) in a subprocess on
a free port of 127.0.0.1: an HTTP proxy that relays absolute-URI requests
(``GET http://host/path``) and tunnels ``CONNECT host:port``, optionally asking
for Basic credentials (answering 407 without them, on every connection:
``--auth 0`` turns off pproxy's "this IP authenticated once" memory). It runs
verbose: each connection it relays is a line ``http CLIENT -> HOST:PORT`` in
its output, which ``ForwardProxy.relayed_to()`` counts, and each one it refuses
a line ``Unauthorized HTTP``; ``forget()`` starts the counts afresh (one proxy
serves a module's tests, and a port of a test's server may be an earlier one's).

``serve_tls()`` is ``loopback.serve()`` behind TLS, with a certificate for
127.0.0.1 from a test CA (trustme).
"""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Final, cast

import anyio
from anyio.abc import SocketAttribute
from anyio.streams.tls import TLSListener, TLSStream

from .loopback import LoopbackServer

__all__ = ["ForwardProxy", "forward_proxy", "port_of", "serve_tls"]

#: How long pproxy may take to start (a cold interpreter on a busy CI machine).
START_TIMEOUT: Final = 20.0
_SERVING: Final = re.compile(r"Serving on .*127\.0\.0\.1:(\d+)")
# pproxy's main() calls asyncio.get_event_loop() with no loop running, which
# Python 3.14 no longer allows: give it a loop first. And pproxy reads the
# Proxy-Authorization header of an HTTP/1 request by its exact case, where field
# names are case-insensitive (RFC 9110): reqwest (the pyreqwest wire) writes
# ``proxy-authorization`` on CONNECT. Its header block is read with the name as
# pproxy spells it.
_LAUNCHER: Final = """
import asyncio, re, sys
import pproxy.proto

accept = pproxy.proto.HTTP.accept

async def accept_any_case(self, reader, user, writer, **kw):
    read_until = reader.read_until
    async def head(separator):
        reader.read_until = read_until
        data = await read_until(separator)
        return re.sub(rb"(?im)^proxy-authorization:", b"Proxy-Authorization:", data)
    reader.read_until = head
    return await accept(self, reader, user, writer, **kw)

pproxy.proto.HTTP.accept = accept_any_case
asyncio.set_event_loop(asyncio.new_event_loop())
from pproxy.server import main
sys.exit(main(sys.argv[1:]))
"""


class ForwardProxy:
    """A running pproxy: where it listens and what it relayed."""

    def __init__(self, port: int, log: Path, credentials: tuple[str, str] | None) -> None:
        self.port = port
        self._log = log
        self.credentials = credentials
        self._seen = 0

    def url(self, credentials: tuple[str, str] | None = None) -> str:
        """Its URL, with ``credentials`` (default: its own) as the URL's user info."""
        user, password = credentials or self.credentials or ("", "")
        userinfo = f"{user}:{password}@" if user else ""
        return f"http://{userinfo}127.0.0.1:{self.port}"

    def output(self) -> str:
        """What it printed since ``forget()``."""
        return self._log.read_bytes()[self._seen :].decode(errors="replace")

    def forget(self) -> None:
        """Count from now on only."""
        self._seen = len(self._log.read_bytes())

    def relayed_to(self, port: int) -> int:
        """Connections it relayed (or tunnelled) to 127.0.0.1:``port``."""
        return len(re.findall(rf"-> 127\.0\.0\.1:{port}\b", self.output()))

    def refused(self) -> int:
        """Connections it answered 407."""
        return self.output().count("Unauthorized HTTP")


@contextmanager
def forward_proxy(
    directory: Path, *, credentials: tuple[str, str] | None = None
) -> Iterator[ForwardProxy]:
    """Run pproxy on 127.0.0.1 (a free port) until the block ends."""
    listen = "http://127.0.0.1:0"
    if credentials is not None:
        listen += f"#{credentials[0]}:{credentials[1]}"
    log = directory / "pproxy.log"
    command = [sys.executable, "-u", "-c", _LAUNCHER, "-l", listen, "--auth", "0", "-v"]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            yield ForwardProxy(_started(process, log), log, credentials)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _started(process: subprocess.Popen[bytes], log: Path) -> int:
    """The port pproxy says it serves on, once it says so."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = _SERVING.search(log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"pproxy did not start: {log.read_text(errors='replace')[-2000:]}")


def port_of(base_url: str) -> int:
    return int(base_url.rsplit(":", 1)[1])


@asynccontextmanager
async def serve_tls(context: ssl.SSLContext) -> AsyncIterator[LoopbackServer]:
    """``loopback.serve()`` over TLS (``context``: the server's certificate), on 127.0.0.1."""
    tcp = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    listener = TLSListener(tcp, context, standard_compatible=False, handshake_timeout=10)
    async with listener, anyio.create_task_group() as tg:
        port = tcp.extra(SocketAttribute.local_port)  # noqa: S610 - anyio, not Django
        server = LoopbackServer(port, 0.0)
        server.base_url = f"https://127.0.0.1:{port}"
        # The server reads and writes the TLS stream as it would a socket.
        handle = cast(Callable[[TLSStream], Awaitable[None]], server.handle)
        tg.start_soon(listener.serve, handle, tg)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()
