"""The httpx wire (``transport="httpx"``, the default, and a caller's ``http_client``).

Requests go through an ``httpx.AsyncClient``: the one the library creates (on
the lean pool of ``_httpx_pool.py``) or the caller's, whose headers, cookies,
auth, hooks and mounts all apply. Redirects are never followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._redaction import Secret
from ._wire import (
    BodyTooLarge,
    Reply,
    URLCache,
    declared_length,
    decoded_reply,
    json_body,
    plain,
    plain_headers,
)

if TYPE_CHECKING:
    from ._pipeline import Timeouts

__all__ = ["HttpxWire"]


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

    __slots__ = ("_urls", "client")

    #: httpx's instrumentation can patch any client, at any time (see ``Wire``).
    instrumentable = True

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._urls = URLCache(_httpx_url)

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
        client = self.client
        request = client.build_request(
            method,
            self._urls.get(url, query),
            content=json_body(body),
            headers=plain_headers(headers),
            timeout=timeout.phases,
        )
        # Streamed and read raw here, so that a body that does not match its
        # Content-Encoding is an answer we can name (with its status), not an
        # httpx.DecodingError from inside send(); and so that the body is
        # counted as it arrives, never read whole past ``max_bytes``.
        response = await client.send(request, stream=True, follow_redirects=False)
        status = response.status_code
        try:
            if response.is_stream_consumed:  # an event hook of the caller's read (and decoded) it
                if len(response.content) > max_bytes:
                    raise BodyTooLarge(status, max_bytes)
                return Reply(status, response.reason_phrase, response.headers, response.content)
            if declared_length(response.headers.get("Content-Length")) > max_bytes:
                raise BodyTooLarge(status, max_bytes)
            chunks: list[bytes] = []
            size = 0
            parts = response.aiter_raw()
            try:
                async for part in parts:
                    size += len(part)
                    if size > max_bytes:
                        # Closing a response whose body is not read to its end
                        # closes its connection: it never serves again.
                        raise BodyTooLarge(status, max_bytes)
                    chunks.append(part)
            finally:
                # A half-read body's generator is closed here, not by the GC.
                await parts.aclose()  # type: ignore[attr-defined]
        finally:
            await response.aclose()
        headers = response.headers  # several Content-Encoding lines come joined
        raw = b"".join(chunks)
        del chunks
        return decoded_reply(
            status, response.reason_phrase, headers, headers.get("Content-Encoding"), raw, max_bytes
        )
