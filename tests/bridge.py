"""A loopback HTTP server in front of a respx router, for the aiohttp and pyreqwest wires.

respx intercepts httpx only. When the suite runs on the aiohttp or pyreqwest
transport (``AGENTCHAT_TRANSPORT=aiohttp`` or ``pyreqwest``), ``make_client()``
points the client at this server instead: it turns each request that arrives
over a real socket back into an ``httpx.Request`` for the original base URL,
lets the router answer it, and writes the answer back byte for byte
(``Content-Encoding`` untouched). A side effect that raises an httpx network
error drops the connection, which is what the client on the other end would see.

It runs in the test's own event loop, so async side effects that wait on the
test's events work as they do under respx.
"""

from __future__ import annotations

import httpx
import respx
from aiohttp import web

# Hop-by-hop and length headers are the server's to write.
_SKIP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class Bridge:
    def __init__(self, router: respx.MockRouter, base_url: str) -> None:
        self.router = router
        self.base_url = base_url
        self.url = ""
        # No access log: its request lines hold session tokens.
        server = web.Server(self._handle, access_log=None)
        self._runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=0.1)

    async def __aenter__(self) -> Bridge:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        forwarded = httpx.Request(
            request.method,
            self.base_url + request.raw_path,
            headers=[(k, v) for k, v in request.headers.items() if k.lower() != "host"],
            content=body,
        )
        try:
            answer = await self.router.async_handler(forwarded)
        except httpx.TransportError:
            assert request.transport is not None
            request.transport.abort()  # the client sees the connection drop
            return web.Response(status=599)  # written nowhere: the connection is gone
        raw = b"".join([chunk async for chunk in answer.stream])  # type: ignore[union-attr]
        headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in _SKIP]
        response = web.Response(status=answer.status_code, body=raw)
        response.headers.clear()
        for key, value in headers:
            response.headers.add(key, value)
        return response
