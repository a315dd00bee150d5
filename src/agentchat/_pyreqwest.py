"""The pyreqwest wire (``transport="pyreqwest"``; the ``pyreqwest`` extra, Python 3.11+).

It sends the pipeline's requests straight through a ``pyreqwest.client.Client``
(reqwest and hyper, in Rust), not through pyreqwest's httpx transport adapter:
no httpx objects per request. What differs from the httpx wire, on purpose and
documented:

- asyncio only, and Python 3.11 or newer (pyreqwest's wheels);
- bodies arrive as sent: reqwest's own gzip, deflate, br and zstd decoding is
  off (it inflates without a bound), and the wires' one decoder
  (``_wire.decode_content``) inflates them in bounded steps;
- the phase bounds are the client's (``timeout=``): connect, and read (reqwest
  counts it from the start of the request, then per read of the body); no write
  timeout (reqwest has none). A call's own ``timeout`` (``with_options``) bounds
  its attempt as a whole, in the pipeline as on every wire, and in reqwest too:
  pyreqwest does not stop a request whose call was cancelled, which would hold
  its connection and its slot until the answer ended (a trickle: for ever). A
  call cancelled sooner (its ``deadline``, the caller's own) still goes on in
  reqwest until its attempt's bound, or until the client is closed;
- hyper does not hand over the answer's reason phrase: a ``Reply`` has the
  standard phrase of its status; a header value that is not visible ASCII
  cannot be read (reqwest's ``HeaderValue::to_str``): such a ``Content-Encoding``
  is an unknown coding (the body as sent), such a ``Location`` is absent;
- ``verify=`` takes CA certificates (``Config.ca_certificates``), trusted in
  addition to the system's (rustls-platform-verifier); an ``ssl.SSLContext`` is
  refused in ``_config.py``;
- the proxy (``proxy=`` or the environment's, chosen once in ``_config.py`` as
  httpx reads it) is given to reqwest explicitly, with its credentials as basic
  auth; reqwest's own reading of the environment is off;
- failures come out as httpx's exception classes, with messages rebuilt from
  reqwest's causes without the URL (which holds the token), redacted, and no
  pyreqwest exception chained. pyreqwest's classes do not say whether the
  request was sent, so only a failure of the connector reads as a connect
  failure (``_compat.pyreqwest_connect_failed``); anything else may have been
  sent. reqwest resends nothing on HTTP/1 (its default policy resends only
  HTTP/2 refusals, and HTTP/2 is off), and hyper resends on a new connection
  only a request that never started on a reused one: nothing was sent.
"""

from __future__ import annotations

import asyncio
import functools
import http
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

import anyio
import httpx

from ._compat import pyreqwest_connect_failed
from ._exceptions import InvalidRequestError
from ._redaction import Secret, redact
from ._wire import (
    BodyTooLarge,
    HeaderCache,
    Reply,
    URLCache,
    declared_length,
    decoded_reply,
    json_body,
    one_step_length,
    plain,
)

try:
    import pyreqwest.exceptions
    from pyreqwest.client import Client, ClientBuilder
    from pyreqwest.http import HeaderMap, Url
    from pyreqwest.proxy import ProxyBuilder
    from pyreqwest.response import Response
except ImportError:  # pragma: no cover - without the extra, or on Python 3.10
    pyreqwest = None  # type: ignore[assignment,unused-ignore]

if TYPE_CHECKING:
    from ._pipeline import Timeouts
    from ._proxy import ProxyConfig

__all__ = ["KEEPALIVE_EXPIRY", "PyreqwestWire", "close_client", "open_pyreqwest_wire"]

#: How long an idle connection is kept (aiohttp's default; reqwest's is 90 s,
#: past many servers' own keep-alive, which then close connections in use).
KEEPALIVE_EXPIRY: Final = 15.0
#: How long leaving waits once the client is closed, for pyreqwest's runtime
#: thread to be done with it. A process that ends just after closing a pyreqwest
#: client can abort while finalizing: that thread takes the GIL of the finalizing
#: interpreter ("Fatal Python error: PyGILState_Release: thread state ... must be
#: current when releasing"; pyreqwest 0.15.1 on Python 3.11 and 3.13, in up to one
#: exit in two of a small script). Waiting 10 ms after closing ended it there; it
#: was not seen through this library, whose exits are slower. A precaution.
SETTLE_AFTER_CLOSE: Final = 0.02

#: The standard reason phrases: hyper does not hand over the one received.
_REASONS: Final = {status.value: status.phrase for status in http.HTTPStatus}
#: The ``Content-Encoding`` of an answer whose coding cannot be read: unknown, so
#: the body is taken as sent (as for any coding without a decoder).
_UNREADABLE: Final = "unreadable"


class PyreqwestWire:
    """Requests through a ``pyreqwest.client.Client`` this client owns."""

    __slots__ = ("_headers", "_urls", "client")

    #: The attempt's whole bound is reqwest's own request timeout (see ``Wire``).
    bounds_attempt = True
    #: No generic instrumentation sees its requests: OpenTelemetry has none for
    #: pyreqwest, and this client is built with no middleware (see ``Wire``).
    instrumentable = False

    def __init__(self, client: Client) -> None:
        self.client = client
        self._urls = URLCache(_url)
        self._headers = HeaderCache(HeaderMap)

    async def send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str | Secret],
        headers: Mapping[str, str | Secret],
        body: Any,
        timeout: Timeouts,  # noqa: ASYNC109 - the client's phases, and the attempt's bound
        max_bytes: int,
    ) -> Reply:
        builder = self.client.request(method, self._urls.get(url, query))
        builder = builder.headers(self._headers.get(headers))
        if timeout.attempt is not None:
            # reqwest goes on with a request whose call was cancelled (by the
            # pipeline's bound on the attempt, or a deadline) until it ends or
            # a read timeout fires, holding its connection: a server trickling
            # its answer would hold it for ever. Its own bound on the whole
            # request ends it with the attempt.
            builder = builder.timeout(_seconds(timeout.attempt))
        content = json_body(body)
        if content is not None:
            builder = builder.body_bytes(content)
        try:
            async with builder.build_streamed() as response:
                status = response.status
                answer_headers = response.headers
                raw = await _read(response, max_bytes)
        except pyreqwest.exceptions.PyreqwestError as exc:
            failure = _translate(exc)
        except asyncio.CancelledError:
            await _cancellation_again()
            raise
        else:
            return decoded_reply(
                status,
                _REASONS.get(status, ""),
                _Headers(answer_headers),
                _content_encoding(answer_headers),
                raw,
                max_bytes,
            )
        # Raised outside the except clause: pyreqwest's error (its causes hold
        # the URL, so the token) is neither the cause nor the context.
        raise failure


async def _cancellation_again() -> None:
    """Take the cancellation that pyreqwest's own ``CancelledError`` stands for.

    Cancelled while it waits, pyreqwest raises a ``CancelledError("Request was
    cancelled")`` of its own in place of the one delivered, which anyio's cancel
    scopes do not recognize as theirs (they read the message): a ``move_on_after``
    around the call would let it through and cancel the caller's task. A scope
    delivers its cancellation again at the next checkpoint, its own this time
    (and a plain asyncio cancellation, which reads no message, passes the
    checkpoint and takes pyreqwest's).
    """
    await anyio.lowlevel.checkpoint()


@functools.lru_cache(maxsize=64)
def _seconds(seconds: float) -> timedelta:
    """An attempt's bound as reqwest takes it (the same few bounds, over and over)."""
    return timedelta(seconds=seconds)


def _url(url: str, query: Mapping[str, str | Secret]) -> Url:
    return Url.parse_with_params(url, {name: plain(value) for name, value in query.items()})


async def _read(response: Response, max_bytes: int) -> bytes:
    """The whole body, counted as it arrives: past ``max_bytes`` the connection is closed.

    A body of a length that fits (``one_step_length``) is read in one step:
    hyper hands over no more than that length. Any other is read chunk by chunk
    (``read(n)`` would allocate ``n`` bytes at once, each time). Leaving the
    streamed response unread closes its connection (hyper never hands back a
    connection whose answer was not read to its end).
    """
    try:
        length = response.get_header("Content-Length")
        coding = response.get_header("Transfer-Encoding")
    except ValueError:  # not visible ASCII: read as unsized
        length = coding = None
    if declared_length(length) > max_bytes:
        raise BodyTooLarge(response.status, max_bytes)
    if one_step_length(length, coding) is not None:
        return bytes(await response.bytes())
    reader = response.body_reader
    chunks: list[Any] = []
    size = 0
    while (chunk := await reader.read_chunk()) is not None:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(response.status, max_bytes)
        chunks.append(chunk)
    if len(chunks) == 1:
        return bytes(chunks[0])
    return b"".join(chunks)


def _content_encoding(headers: HeaderMap) -> str | None:
    """Every ``Content-Encoding`` line, joined as httpx joins them."""
    try:
        codings = headers.getall("Content-Encoding")
    except ValueError:  # not visible ASCII: no coding anyone knows
        return _UNREADABLE
    return ", ".join(codings) if codings else None


class _Headers(Mapping[str, str]):
    """An answer's headers for a ``Reply``: a value that cannot be read is absent."""

    __slots__ = ("_headers",)

    def __init__(self, headers: HeaderMap) -> None:
        self._headers = headers

    def __getitem__(self, name: str) -> str:
        try:
            value: str = self._headers[name]
        except ValueError:  # not visible ASCII
            raise KeyError(name) from None
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)


async def open_pyreqwest_wire(
    max_connections: int,
    *,
    phases: httpx.Timeout,
    keepalive_expiry: float = KEEPALIVE_EXPIRY,
    proxy: ProxyConfig | None = None,
    ca_certificates: tuple[bytes, ...] | None = None,
) -> tuple[PyreqwestWire, Client]:
    """A wire on a new client (asyncio only); the caller closes the client.

    ``phases`` gives the client's connect and read bounds; ``ca_certificates``
    (DER, ``verify=``) are trusted besides the system's, for the server and for
    an https:// proxy.
    """
    if pyreqwest is None:
        raise InvalidRequestError(
            'transport="pyreqwest" needs pyreqwest (Python 3.11 or newer): install the '
            'pyreqwest extra (pip install ".[pyreqwest]" in a clone) or pyreqwest itself'
        )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise InvalidRequestError(
            'transport="pyreqwest" (the argument or AGENTCHAT_TRANSPORT) runs on asyncio '
            'only; on trio pass transport="httpx" or unset AGENTCHAT_TRANSPORT'
        ) from None
    builder = (
        ClientBuilder()
        .http1_only()
        .follow_redirects(False)
        .referer(False)
        # The body as sent: the wires' decoder bounds what it inflates.
        .gzip(False)
        .deflate(False)
        .brotli(False)
        .zstd(False)
        .max_connections(max_connections)
        .pool_max_idle_per_host(max_connections)
        .pool_idle_timeout(timedelta(seconds=keepalive_expiry))
        # reqwest reads the environment's proxies by its own rules; the proxy
        # is chosen once, in _config.py, as httpx reads it.
        .no_proxy()
    )
    if phases.connect is not None:
        builder = builder.connect_timeout(timedelta(seconds=phases.connect))
    if phases.read is not None:
        builder = builder.read_timeout(timedelta(seconds=phases.read))
    if proxy is not None:
        builder = builder.proxy(_proxy(proxy))
    for certificate in ca_certificates or ():
        builder = builder.add_root_certificate_der(certificate)
    client = builder.build()
    return PyreqwestWire(client), client


def _proxy(proxy: ProxyConfig) -> ProxyBuilder:
    """Every request through ``proxy`` (it was chosen for the one base URL)."""
    built = ProxyBuilder.all(str(proxy.url))
    credentials = proxy.credentials()
    if credentials is not None:
        built = built.basic_auth(*credentials)
    return built


async def close_client(client: Client) -> None:
    with anyio.CancelScope(shield=True):
        await client.close()
        await anyio.sleep(SETTLE_AFTER_CLOSE)


def _translate(exc: pyreqwest.exceptions.PyreqwestError) -> httpx.TransportError:
    """The httpx exception that says the same thing, with a redacted message."""
    errors = pyreqwest.exceptions
    cls: type[httpx.TransportError]
    if isinstance(exc, errors.PoolTimeoutError):  # no connection was had
        cls = httpx.PoolTimeout
    elif isinstance(exc, errors.BuilderError):  # refused before anything was sent
        cls = httpx.UnsupportedProtocol
    elif pyreqwest_connect_failed(exc):  # the connector failed: nothing was sent
        timed_out = isinstance(exc, errors.RequestTimeoutError)
        cls = httpx.ConnectTimeout if timed_out else httpx.ConnectError
    elif isinstance(exc, errors.WriteTimeoutError):
        cls = httpx.WriteTimeout
    elif isinstance(exc, errors.RequestTimeoutError):  # its class may say "connect": see above
        cls = httpx.ReadTimeout
    elif isinstance(exc, errors.WriteError):
        cls = httpx.WriteError
    elif isinstance(exc, errors.DecodeError):  # a malformed or cut answer
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, errors.NetworkError):  # its class may say "connect": see above
        cls = httpx.ReadError
    elif isinstance(exc, errors.TransportError):
        cls = httpx.RemoteProtocolError
    else:  # the client closed meanwhile, or a panic in pyreqwest
        cls = httpx.TransportError
    return cls(f"{type(exc).__name__}: {_detail(exc)}")


def _detail(exc: pyreqwest.exceptions.PyreqwestError) -> str:
    """The error's message and causes, without the request's URL, redacted."""
    details = getattr(exc, "details", None)
    causes = details.get("causes") if isinstance(details, dict) else None
    parts = [exc.message]
    for cause in causes or ():
        text = str(cause.get("message", "")) if isinstance(cause, dict) else ""
        if " for url (" in text:  # "error sending request for url (...)": the token
            text = text.split(" for url (", 1)[0]
        if text and text not in parts:
            parts.append(text)
    return redact(": ".join(parts))
