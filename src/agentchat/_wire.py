"""The wire: one request out, one whole answer back, on httpx or on aiohttp.

The pipeline (``_transport.py``) decides what to send and what an answer means;
a wire only moves bytes. Two implement it:

- ``HttpxWire`` on an ``httpx.AsyncClient`` (the default, and the one a
  caller's own ``http_client`` uses: its headers, cookies, auth, hooks and
  mounts all apply);
- ``AiohttpWire`` (``_aiohttp.py``, the ``aiohttp`` extra) on an
  ``aiohttp.ClientSession``: asyncio only, and several times faster per request
  than httpx under load.

Both raise httpx's exception classes for network failures, so the pipeline
translates them in one place whatever the wire.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from typing import Final, Generic, Protocol, TypeVar

import httpx

__all__ = ["HttpxWire", "Reply", "URLCache", "Wire", "decode_content", "decoded_reply"]

U = TypeVar("U")

#: Parsed URLs a wire keeps: a poller sends the same few URLs again and again.
URL_CACHE_SIZE: Final = 256


class Reply:
    """A whole answer: status, headers (case-insensitive ``get``) and the decoded body.

    ``undecodable`` is set when the body did not match its ``Content-Encoding``;
    ``content`` then holds the raw bytes.
    """

    __slots__ = ("content", "headers", "reason_phrase", "status_code", "undecodable")

    def __init__(
        self,
        status_code: int,
        reason_phrase: str,
        headers: Mapping[str, str],
        content: bytes,
        *,
        undecodable: bool = False,
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase
        self.headers = headers
        self.content = content
        self.undecodable = undecodable

    def __repr__(self) -> str:  # never the body: a logon answer holds a token
        return f"<Reply {self.status_code} ({len(self.content)} bytes)>"


class Wire(Protocol):
    """What the pipeline needs to put a request on the wire."""

    async def send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: httpx.Timeout,
    ) -> Reply:
        """Send one request and read its whole answer.

        Raises an ``httpx.TransportError`` subclass when no answer arrives.
        """


class URLCache(Generic[U]):
    """Parsed request URLs by URL and query items, the oldest dropped first once full.

    Parsing a URL is most of what building a request costs in httpx (about
    four-fifths of ``build_request``), and a client sends the same few URLs
    over and over: the same route, token and parameters while it polls.
    """

    __slots__ = ("_build", "_urls")

    def __init__(self, build: Callable[[str, Mapping[str, str]], U]) -> None:
        self._build = build
        self._urls: dict[tuple[object, ...], U] = {}

    def get(self, url: str, query: Mapping[str, str]) -> U:
        key = (url, *query.items())
        parsed = self._urls.get(key)
        if parsed is None:
            parsed = self._build(url, query)
            if len(self._urls) >= URL_CACHE_SIZE:
                del self._urls[next(iter(self._urls))]
            self._urls[key] = parsed
        return parsed


def _httpx_url(url: str, query: Mapping[str, str]) -> httpx.URL:
    return httpx.URL(url, params=query)


class HttpxWire:
    """Requests through an ``httpx.AsyncClient`` (``build_request`` then ``send``).

    The URL is handed to ``build_request`` parsed, with its query, from a
    ``URLCache``; everything else of the client applies as for any request.
    """

    __slots__ = ("_urls", "client")

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._urls = URLCache(_httpx_url)

    async def send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: httpx.Timeout,
    ) -> Reply:
        client = self.client
        request = client.build_request(
            method, self._urls.get(url, query), content=content, headers=headers, timeout=timeout
        )
        # Streamed and read raw here, so that a body that does not match its
        # Content-Encoding is an answer we can name (with its status), not an
        # httpx.DecodingError from inside send().
        response = await client.send(request, stream=True)
        try:
            if response.is_stream_consumed:  # an event hook of the caller's read (and decoded) it
                return Reply(
                    response.status_code, response.reason_phrase, response.headers, response.content
                )
            chunks: list[bytes] = []
            parts = response.aiter_raw()
            try:
                async for part in parts:
                    chunks.append(part)
            finally:
                # A half-read body's generator is closed here, not by the GC.
                await parts.aclose()  # type: ignore[attr-defined]
        finally:
            await response.aclose()
        headers = response.headers  # several Content-Encoding lines come joined
        encoding = headers.get("Content-Encoding")
        return decoded_reply(
            response.status_code, response.reason_phrase, headers, encoding, b"".join(chunks)
        )


def decoded_reply(
    status: int, reason: str, headers: Mapping[str, str], encoding: str | None, raw: bytes
) -> Reply:
    """The Reply of a raw body: decoded by ``encoding``, or kept raw and marked undecodable."""
    body = decode_content(encoding, raw)
    if body is None:
        return Reply(status, reason, headers, raw, undecodable=True)
    return Reply(status, reason, headers, body)


_IDENTITY: Final = frozenset({"", "identity"})


def decode_content(encoding: str | None, raw: bytes) -> bytes | None:
    """``raw`` decoded by its ``Content-Encoding``, or ``None`` if it cannot be.

    The one decoder of both wires. Encodings are undone last-applied first. gzip
    and deflate are ours and must end where the body ends: httpx's own decoders
    read a truncated stream (even a lone ``{``) as an empty or partial body,
    which would then pass for "no content" or a shorter list. Other codings go
    to httpx's decoders: br and zstd when their packages are installed, and,
    as in httpx, an unknown coding is taken as identity. An empty body is empty.
    """
    if encoding is None or not raw:
        return raw
    body = raw
    for coding in reversed([c.strip().lower() for c in encoding.split(",")]):
        try:
            if coding in _IDENTITY:
                continue
            if coding in ("gzip", "x-gzip"):
                body = _inflate(body, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    body = _inflate(body, zlib.MAX_WBITS)
                except zlib.error:  # "deflate" sent as a raw stream, as some servers do
                    body = _inflate(body, -zlib.MAX_WBITS)
            elif not coding.isascii():
                continue  # no decoder has such a name: unknown, so identity
            else:
                answer = httpx.Response(200, headers={"Content-Encoding": coding}, content=body)
                body = answer.content
        except (zlib.error, httpx.DecodingError):
            return None
    return body


def _inflate(data: bytes, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    body = decompressor.decompress(data) + decompressor.flush()
    if not decompressor.eof:
        raise zlib.error("truncated stream")
    return body
