"""The wire: one request out, one whole answer back, on httpx, aiohttp or pyreqwest.

The pipeline (``_pipeline.py``) decides what to send and what an answer means;
a wire only moves bytes. One module per ``transport=``:

- ``HttpxWire`` (``_httpx.py``) on an ``httpx.AsyncClient`` (the default, and the
  one a caller's own ``http_client`` uses: its headers, cookies, auth, hooks and
  mounts all apply; its pool is ``_httpx_pool.py``);
- ``AiohttpWire`` (``_aiohttp.py``, the ``aiohttp`` extra) on an
  ``aiohttp.ClientSession``: asyncio only, and several times faster per request
  than httpx under load;
- ``PyreqwestWire`` (``_pyreqwest.py``, the ``pyreqwest`` extra) on a
  ``pyreqwest.client.Client`` (reqwest, in Rust): asyncio only, Python 3.11+.

This module holds what they share: the ``Wire`` protocol, the ``Reply``,
unwrapping secrets as a request is written, and the one body decoder, which
inflates in bounded steps. Every wire raises httpx's exception classes for
network failures, so the pipeline translates them in one place whatever the wire.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import AsyncIterable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Literal, Protocol, TypeVar

from ._redaction import Secret

if TYPE_CHECKING:
    from ._pipeline import Timeouts

__all__ = [
    "TransportName",
    "BodyTooLarge",
    "HeaderCache",
    "Reply",
    "URLCache",
    "Wire",
    "accept_encoding",
    "declared_length",
    "decode_content",
    "decoded_reply",
    "json_body",
    "no_answer_within",
    "one_step_length",
    "plain",
    "read_counted",
    "plain_headers",
]

#: The wires a client can send through (``transport=``).
TransportName = Literal["httpx", "aiohttp", "pyreqwest"]

U = TypeVar("U")

#: Parsed URLs a wire keeps: a poller sends the same few URLs again and again.
URL_CACHE_SIZE: Final = 256
#: Header mappings a wire keeps converted: the pipeline passes two.
HEADER_CACHE_SIZE: Final = 8


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


class BodyTooLarge(Exception):
    """An answer's body (as sent, or once decoded) is over the wire's byte limit.

    Raised by a wire, before the rest of the body is read or inflated; the
    pipeline turns it into a ``ResponseFormatError`` naming the limit.
    """

    def __init__(self, status_code: int, limit: int, *, decoded: bool = False) -> None:
        super().__init__(status_code, limit, decoded)
        self.status_code = status_code
        self.limit = limit
        self.decoded = decoded


class Wire(Protocol):
    """What the pipeline needs to put a request on the wire.

    A wire whose library bounds a whole request natively (aiohttp's ``total``,
    reqwest's ``timeout``) sets ``bounds_attempt = True`` and bounds each
    attempt by ``timeout.attempt`` itself; past it, it raises
    ``httpx.ReadTimeout(no_answer_within(timeout.attempt))`` (or
    ``ConnectTimeout`` when nothing was sent). For any other wire the
    pipeline bounds the attempt with a cancel scope.

    A wire whose requests no generic OpenTelemetry instrumentation can see
    sets ``instrumentable`` false (pyreqwest; an aiohttp session without
    trace configs): with no provider set either, a call then skips telemetry
    altogether. Without the attribute a wire counts as instrumentable, and
    each call keeps generic instrumentation out of its requests.
    """

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
        """Send one request and read its whole answer, never following a redirect.

        ``query``, ``headers`` and ``body`` (a JSON value, or ``None`` for no
        body) may hold ``Secret`` values: they are unwrapped here, inside the
        wire call, so that no frame outside it holds a password or token in
        the clear. ``timeout.phases`` bound the phases; the pipeline bounds
        the attempt as a whole (``timeout.attempt``), which a wire whose
        library goes on once cancelled gives it too. Raises an
        ``httpx.TransportError`` subclass when no answer arrives, and
        ``BodyTooLarge`` past ``max_bytes`` (read or decoded).
        """


def no_answer_within(seconds: float) -> str:
    """What a failure past the attempt's bound says, whichever bounds it."""
    return f"no complete answer within {seconds:g}s"


def plain(value: str | Secret) -> str:
    """A query or header value as it goes on the wire."""
    return value.get() if isinstance(value, Secret) else value


def plain_headers(headers: Mapping[str, str | Secret]) -> dict[str, str]:
    return {name: plain(value) for name, value in headers.items()}


def _unwrap(value: object) -> str:
    if isinstance(value, Secret):
        return value.get()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


#: Compact JSON, ``Secret`` values unwrapped (one encoder: ``json.dumps`` with
#: options makes a new one per call).
_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), default=_unwrap)


def json_body(body: Any) -> bytes | None:
    """The request body: compact JSON, ``Secret`` values unwrapped; ``None`` for none."""
    if body is None:
        return None
    return _ENCODER.encode(body).encode()


class URLCache(Generic[U]):
    """Parsed request URLs by URL and query items, the oldest dropped first once full.

    Parsing a URL is most of what building a request costs in httpx (about
    four-fifths of ``build_request``), and a client sends the same few URLs
    over and over: the same route, token and parameters while it polls.
    """

    __slots__ = ("_build", "_urls")

    def __init__(self, build: Callable[[str, Mapping[str, str | Secret]], U]) -> None:
        self._build = build
        self._urls: dict[tuple[object, ...], U] = {}

    def get(self, url: str, query: Mapping[str, str | Secret]) -> U:
        key = (url, *query.items())
        parsed = self._urls.get(key)
        if parsed is None:
            parsed = self._build(url, query)
            if len(self._urls) >= URL_CACHE_SIZE:
                del self._urls[next(iter(self._urls))]
            self._urls[key] = parsed
        return parsed


class HeaderCache(Generic[U]):
    """Request headers as a wire sends them, built once per mapping the pipeline passes.

    The pipeline passes one of two mappings, built once per client (without a
    body, and with JSON): each is unwrapped and converted once, kept by
    identity along with the mapping itself (so its ``id`` is never reused).
    """

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[dict[str, str]], U]) -> None:
        self._build = build
        self._built: dict[int, tuple[Mapping[str, str | Secret], U]] = {}

    def get(self, headers: Mapping[str, str | Secret]) -> U:
        known = self._built.get(id(headers))
        if known is not None and known[0] is headers:
            return known[1]
        built = self._build(plain_headers(headers))
        if len(self._built) >= HEADER_CACHE_SIZE:  # not the pipeline's: not worth keeping
            self._built.clear()
        self._built[id(headers)] = (headers, built)
        return built


def _plain_number(text: str) -> int | None:
    """``text`` as a Content-Length: plain ASCII digits (fewer than 20), else ``None``."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None


def declared_length(value: str | None) -> int:
    """A Content-Length as a number (0 when absent or unreadable: the reading counts)."""
    if value is None:
        return 0
    return _plain_number(value.split(",")[0].strip()) or 0


def one_step_length(content_length: str | None, transfer_encoding: str | None) -> int | None:
    """The length of a body a wire may read in one step, or ``None``: count it
    as it arrives.

    Only a ``Content-Length`` of one plain number, with no ``Transfer-Encoding``:
    a coding frames the body instead of a length (RFC 9112, 6.3), and a wire
    that trusted a small length beside an endless chunked body would read all of
    it (the hostile server ``length-and-chunked``).
    """
    if content_length is None or transfer_encoding is not None:
        return None
    return _plain_number(content_length.strip())


async def read_counted(parts: AsyncIterable[bytes], status: int, max_bytes: int) -> bytes:
    """A body's bytes as sent, counted as they arrive: past ``max_bytes``,
    ``BodyTooLarge`` (the wire then closes the response, so its connection: a
    connection whose answer was not read to its end never serves again)."""
    chunks: list[bytes] = []
    size = 0
    async for part in parts:
        size += len(part)
        if size > max_bytes:
            raise BodyTooLarge(status, max_bytes)
        chunks.append(part)
    return b"".join(chunks)


def decoded_reply(
    status: int,
    reason: str,
    headers: Mapping[str, str],
    encoding: str | None,
    raw: bytes,
    max_bytes: int,
) -> Reply:
    """The Reply of a raw body: decoded by ``encoding``, or kept raw and marked undecodable.

    Raises ``BodyTooLarge`` when the decoded body would be over ``max_bytes``.
    """
    try:
        body = decode_content(encoding, raw, max_bytes)
    except _TooLarge:
        raise BodyTooLarge(status, max_bytes, decoded=True) from None
    if body is None:
        return Reply(status, reason, headers, raw, undecodable=True)
    return Reply(status, reason, headers, body)


class _TooLarge(Exception):
    """A decoder's output reached its limit."""


_IDENTITY: Final = frozenset({"", "identity"})

#: Input handed to a brotli or zstd decoder at a time, so that its output is
#: checked against the limit in bounded steps.
_STEP: Final = 64 * 1024


def accept_encoding() -> str:
    """The ``Accept-Encoding`` every wire sends: the codings ``decode_content`` bounds."""
    codings = ["gzip", "deflate"]
    if _brotli_bounded():
        codings.append("br")
    if _zstandard() is not None:
        codings.append("zstd")
    return ", ".join(codings)


def decode_content(encoding: str | None, raw: bytes, max_bytes: int) -> bytes | None:
    """``raw`` decoded by its ``Content-Encoding``, or ``None`` if it cannot be.

    The one decoder of every wire. Encodings are undone last-applied first, each
    in bounded steps: past ``max_bytes`` of output it stops (``_TooLarge``), so a
    small body that inflates to gigabytes costs no more than the limit. gzip and
    deflate must end where the body ends: httpx's own decoders read a truncated
    stream (even a lone ``{``) as an empty or partial body, which would then
    pass for "no content" or a shorter list. br and zstd are decoded when their
    packages are installed (``brotli`` 1.2 or newer, ``zstandard``); as in httpx,
    a coding with no decoder is taken as identity. An empty body is empty.
    """
    if encoding is None or not raw:
        return raw
    body = raw
    for coding in reversed([c.strip().lower() for c in encoding.split(",")]):
        try:
            if coding in ("gzip", "x-gzip"):
                body = _inflate(body, 16 + zlib.MAX_WBITS, max_bytes)
            elif coding == "deflate":
                try:
                    body = _inflate(body, zlib.MAX_WBITS, max_bytes)
                except zlib.error:  # "deflate" sent as a raw stream, as some servers do
                    body = _inflate(body, -zlib.MAX_WBITS, max_bytes)
            elif coding == "br" and _brotli_bounded():
                body = _unbrotli(body, max_bytes)
            elif coding == "zstd" and _zstandard() is not None:
                body = _unzstd(body, max_bytes)
            # Anything else (identity, or no decoder has such a name): as sent.
        except (zlib.error, ValueError, _DecoderError):
            return None
    return body


class _DecoderError(Exception):
    """A brotli or zstd stream that is not valid."""


def _inflate(data: bytes, wbits: int, max_bytes: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    body = decompressor.decompress(data, max_bytes + 1)
    if len(body) > max_bytes or decompressor.unconsumed_tail:
        raise _TooLarge
    body += decompressor.flush()
    if len(body) > max_bytes:
        raise _TooLarge
    if not decompressor.eof:
        raise zlib.error("truncated stream")
    return body


@functools.cache
def _brotli_bounded() -> Any:
    """The ``brotli`` module when its decoder can bound its output (1.2+), else ``None``."""
    try:
        import brotli  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        decompressor = brotli.Decompressor()
        decompressor.process(b"", output_buffer_limit=1)
        decompressor.can_accept_more_data()
    except (AttributeError, TypeError, brotli.error):  # brotlicffi, or brotli before 1.2
        return None
    return brotli


def _unbrotli(data: bytes, max_bytes: int) -> bytes:
    brotli = _brotli_bounded()
    decompressor = brotli.Decompressor()
    out = bytearray()
    view = memoryview(data)
    try:
        for start in range(0, len(data), _STEP):
            piece = view[start : start + _STEP].tobytes()
            while True:
                out += decompressor.process(piece, output_buffer_limit=_STEP)
                if len(out) > max_bytes:
                    raise _TooLarge
                piece = b""
                if decompressor.can_accept_more_data():
                    break
        while not decompressor.is_finished():
            chunk = decompressor.process(b"", output_buffer_limit=_STEP)
            if not chunk:
                raise _DecoderError("truncated brotli stream")
            out += chunk
            if len(out) > max_bytes:
                raise _TooLarge
    except brotli.error as exc:
        raise _DecoderError(str(exc)) from None
    return bytes(out)


@functools.cache
def _zstandard() -> Any:
    try:
        import zstandard  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return None
    return zstandard


def _unzstd(data: bytes, max_bytes: int) -> bytes:
    zstandard = _zstandard()
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(
            data, read_size=_STEP, read_across_frames=True, closefd=False
        )
        with reader:
            body = reader.read(max_bytes + 1)
    except zstandard.ZstdError as exc:
        raise _DecoderError(str(exc)) from None
    if len(body) > max_bytes:
        raise _TooLarge
    if not body and data:
        raise _DecoderError("empty zstd stream")
    return bytes(body)
