"""The httpx wire (``transport="httpx"``, the default, and a caller's ``http_client``).

Requests go through an ``httpx.AsyncClient``: the one the library creates (on
the lean pool of ``_httpx_pool.py``) or the caller's, whose headers, cookies,
auth, hooks and mounts all apply. Redirects are never followed.

On the client the library creates, nobody else's hooks, auth or mounts can
apply, so a request goes straight to its transport (``direct``), as the client
would send it: the client's default headers under the request's, its cookies
kept and sent back, the phase timeouts in the request's extensions. This skips
``AsyncClient.send``'s per-request machinery (auth flow, hooks, redirect
bookkeeping, its response wrapper and its log line).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import httpx

from ._redaction import Secret
from ._wire import (
    BodyTooLarge,
    HeaderCache,
    Reply,
    URLCache,
    declared_length,
    decoded_reply,
    json_body,
    plain,
    plain_headers,
    read_counted,
)

if TYPE_CHECKING:
    from ._pipeline import Timeouts

__all__ = ["HttpxWire"]

#: httpx's own logger: the direct path logs the line its client would.
_HTTPX_LOGGER: Final = logging.getLogger("httpx")


def _httpx_url(url: str, query: Mapping[str, str | Secret]) -> httpx.URL:
    return httpx.URL(url, params={name: plain(value) for name, value in query.items()})


class HttpxWire:
    """Requests through an ``httpx.AsyncClient`` (``build_request`` then ``send``).

    The URL is handed to ``build_request`` parsed, with its query, from a
    ``URLCache``; everything else of the client applies as for any request,
    except redirects: they are never followed, whatever the client's
    ``follow_redirects`` (a redirect would carry the token, the API key or the
    password to wherever the server points).
    """

    __slots__ = ("_direct", "_headers", "_urls", "client")

    #: httpx's instrumentation can patch any client, at any time (see ``Wire``).
    instrumentable = True

    def __init__(
        self, client: httpx.AsyncClient, *, direct: httpx.AsyncBaseTransport | None = None
    ) -> None:
        """``direct``: the transport of ``client``, which the library created
        (nothing of a caller's applies to it): requests are sent to it straight."""
        self.client = client
        self._direct = direct
        self._urls = URLCache(_httpx_url)
        # The client's default headers under the request's (as ``build_request``
        # merges them), for the direct path.
        self._headers = HeaderCache(self._under_defaults)

    def _under_defaults(self, headers: dict[str, str]) -> httpx.Headers:
        merged = httpx.Headers(self.client.headers)
        merged.update(headers)
        return merged

    async def send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str | Secret],
        headers: Mapping[str, str | Secret],
        body: Any,
        timeout: Timeouts,
        max_bytes: int,
    ) -> Reply:
        target = self._urls.get(url, query)
        content = json_body(body)
        if self._direct is not None:
            cookies = self.client.cookies
            request = httpx.Request(
                method,
                target,
                headers=self._headers.get(headers),
                content=content,
                cookies=cookies if cookies else None,
                extensions={"timeout": timeout.phases.as_dict()},
            )
            return await self._to_transport(self._direct, request, max_bytes)
        request = self.client.build_request(
            method, target, content=content, headers=plain_headers(headers), timeout=timeout.phases
        )
        return await self._through_client(request, max_bytes)

    async def _through_client(self, request: httpx.Request, max_bytes: int) -> Reply:
        """``request`` through the client's ``send()``: its hooks, auth and mounts apply."""
        # Streamed and read raw here, so that a body that does not match its
        # Content-Encoding is an answer we can name (with its status), not an
        # httpx.DecodingError from inside send(); and so that the body is
        # counted as it arrives, never read whole past ``max_bytes``.
        response = await self.client.send(request, stream=True, follow_redirects=False)
        status = response.status_code
        try:
            if response.is_stream_consumed:  # an event hook of the caller's read (and decoded) it
                if len(response.content) > max_bytes:
                    raise BodyTooLarge(status, max_bytes)
                return Reply(status, response.reason_phrase, response.headers, response.content)
            parts = response.aiter_raw()
            try:
                raw = await _body(response, parts, max_bytes)
            finally:
                # A half-read body's generator is closed here, not by the GC.
                await parts.aclose()  # type: ignore[attr-defined]
        finally:
            await response.aclose()
        return _reply(response, raw, max_bytes)

    async def _to_transport(
        self, transport: httpx.AsyncBaseTransport, request: httpx.Request, max_bytes: int
    ) -> Reply:
        """``request`` straight to the transport of the library's own client, as
        its ``send()`` would hand it over (the cookies kept, the line logged)."""
        response = await transport.handle_async_request(request)
        if _HTTPX_LOGGER.isEnabledFor(logging.INFO):  # the line httpx's client logs
            _HTTPX_LOGGER.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        try:
            raw = await _body(response, stream, max_bytes)
        finally:
            await stream.aclose()
        if "set-cookie" in response.headers:
            response.request = request
            self.client.cookies.extract_cookies(response)
        return _reply(response, raw, max_bytes)


async def _body(response: httpx.Response, parts: AsyncIterable[bytes], max_bytes: int) -> bytes:
    """The body of ``response`` from ``parts``: refused by its declared length
    first, then counted as it arrives (``read_counted``)."""
    if declared_length(response.headers.get("Content-Length")) > max_bytes:
        raise BodyTooLarge(response.status_code, max_bytes)
    return await read_counted(parts, response.status_code, max_bytes)


def _reply(response: httpx.Response, raw: bytes, max_bytes: int) -> Reply:
    headers = response.headers  # several Content-Encoding lines come joined
    return decoded_reply(
        response.status_code,
        response.reason_phrase,
        headers,
        headers.get("Content-Encoding"),
        raw,
        max_bytes,
    )
