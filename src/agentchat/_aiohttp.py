"""The aiohttp wire (``transport="aiohttp"``; the ``aiohttp`` extra).

It sends the pipeline's requests straight through an ``aiohttp.ClientSession``
with no httpx objects in between, which is where httpx spends most of its time
per request. What differs from the httpx wire, on purpose and documented:

- asyncio only (aiohttp does not run on trio);
- bodies are decompressed by the wires' one decoder (``_wire.decode_content``),
  so a body that does not match its ``Content-Encoding`` is an answer with a
  status, as on httpx;
- no write timeout (aiohttp has none); the attempt's whole bound
  (``timeout.attempt``) is aiohttp's own ``total`` timeout, which covers
  waiting for a connection, sending and reading the whole answer, so the
  pipeline adds no cancel scope per attempt (``bounds_attempt``);
- the proxy (``proxy=`` or the environment's, chosen once in ``_config.py`` as
  httpx reads it) is passed with each request, its credentials in its URL
  (aiohttp sends them as ``Proxy-Authorization``, on ``CONNECT`` for https://);
  aiohttp's own ``trust_env`` stays off: it would also read ``.netrc``;
- failures come out as httpx's exception classes with redacted messages and no
  aiohttp exception chained (an aiohttp error's text can hold the request URL,
  and so the session token).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import math
import ssl
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import anyio
import httpx

from ._compat import disable_aiohttp_resend, lazy_aiohttp_read_timer
from ._exceptions import InvalidRequestError
from ._redaction import Secret, redact
from ._wire import (
    BodyTooLarge,
    HeaderCache,
    Reply,
    URLCache,
    decoded_reply,
    json_body,
    no_answer_within,
    one_step_length,
    plain,
    read_counted,
)

try:
    import aiohttp
    import yarl
except ImportError:  # pragma: no cover - exercised without the extra installed
    aiohttp = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from ._pipeline import Timeouts
    from ._proxy import ProxyConfig

__all__ = ["AiohttpWire", "close_session", "open_aiohttp_wire"]

#: How long an idle connection is kept (aiohttp's default).
KEEPALIVE_EXPIRY: Final = 15.0
#: h11 (the httpx wire) takes an answer's head up to 100 KB with any number of
#: headers; aiohttp's defaults (8190-byte lines, 128 headers) would refuse
#: answers the httpx wire accepts, and an unsafe call answered 200 would then
#: end in OutcomeUnknownError.
_MAX_HEAD: Final = 100 * 1024
_MAX_HEADERS: Final = 4096


class AiohttpWire:
    """Requests through an ``aiohttp.ClientSession`` this client owns."""

    __slots__ = ("_headers", "_proxy", "_timeouts", "_urls", "session")

    #: The attempt's whole bound is aiohttp's ``total`` timeout (see ``Wire``).
    bounds_attempt = True

    @property
    def instrumentable(self) -> bool:
        """Whether a generic instrumentation sees this wire's requests (see ``Wire``):
        aiohttp-client's adds its trace config to each session made while it is on."""
        return bool(self.session.trace_configs)

    def __init__(self, session: aiohttp.ClientSession, proxy: yarl.URL | None = None) -> None:
        self.session = session
        self._proxy = proxy
        self._urls = URLCache(_yarl_url)
        self._headers = HeaderCache(dict)
        self._timeouts: dict[
            tuple[float | None, float | None, float | None], aiohttp.ClientTimeout
        ] = {}

    async def send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str | Secret],
        headers: Mapping[str, str | Secret],
        body: Any,
        timeout: Timeouts,  # noqa: ASYNC109 - per-request socket timeouts, as httpx's
        max_bytes: int,
    ) -> Reply:
        try:
            async with self.session.request(
                method,
                self._urls.get(url, query),
                data=json_body(body),
                headers=self._headers.get(headers),
                timeout=self._timeout(timeout),
                allow_redirects=False,
                proxy=self._proxy,
            ) as response:
                status = response.status
                reason = response.reason or ""
                answer_headers = response.headers
                raw = await _read(response, max_bytes)
        except (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError) as exc:
            # asyncio.TimeoutError is not the built-in TimeoutError before 3.11.
            failure = _translate(exc, timeout.attempt)
        else:
            codings = answer_headers.getall("Content-Encoding", ())  # every line, as httpx
            encoding = ", ".join(codings) if codings else None
            return decoded_reply(status, reason, answer_headers, encoding, raw, max_bytes)
        # Raised outside the except clause: the aiohttp error (its text holds
        # the URL, so the token) is neither the cause nor the context.
        raise failure

    def _timeout(self, timeout: Timeouts) -> aiohttp.ClientTimeout:
        attempt, read = timeout.attempt, timeout.phases.read
        if attempt is not None and read is not None and read >= attempt:
            # A read bound no tighter than the whole one (``timeout=5``) would
            # only add a timer per read: the whole bound ends such a read too.
            read = None
        key = (attempt, timeout.phases.connect, read)
        converted = self._timeouts.get(key)
        if converted is None:
            converted = aiohttp.ClientTimeout(
                total=key[0],
                sock_connect=key[1],
                sock_read=key[2],
                # Exact: aiohttp rounds a bound of 5 s or more up to a whole
                # second of the loop's clock, and the attempt's is documented.
                ceil_threshold=math.inf,
            )
            if len(self._timeouts) < 64:  # per-call timeouts are few; never grow unbounded
                self._timeouts[key] = converted
        return converted


def _yarl_url(url: str, query: Mapping[str, str | Secret]) -> yarl.URL:
    return yarl.URL(url).with_query({name: plain(value) for name, value in query.items()})


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    """The whole body, counted as it arrives: past ``max_bytes`` the connection is closed.

    A body of a length that fits (``one_step_length``) is read in one step:
    aiohttp's parser hands over no more than that length. Any other is counted
    chunk by chunk.
    """
    if (response.content_length or 0) > max_bytes:
        response.close()
        raise BodyTooLarge(response.status, max_bytes)
    headers = response.headers
    if one_step_length(headers.get("Content-Length"), headers.get("Transfer-Encoding")) is not None:
        return await response.read()
    try:
        return await read_counted(response.content.iter_any(), response.status, max_bytes)
    except BodyTooLarge:
        response.close()  # not released: the rest of the body is never read
        raise


async def open_aiohttp_wire(
    max_connections: int,
    *,
    keepalive_expiry: float = KEEPALIVE_EXPIRY,
    proxy: ProxyConfig | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[AiohttpWire, aiohttp.ClientSession]:
    """A wire on a new session (asyncio only); the caller closes the session.

    ``ssl_context`` (``verify=``) replaces aiohttp's default one, for the server
    and for an https:// proxy.
    """
    if aiohttp is None:
        raise InvalidRequestError(
            'transport="aiohttp" needs aiohttp: install the aiohttp extra '
            '(pip install ".[aiohttp]" in a clone) or aiohttp itself'
        )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise InvalidRequestError(
            'transport="aiohttp" (the argument or AGENTCHAT_TRANSPORT) runs on asyncio '
            'only; on trio pass transport="httpx" or unset AGENTCHAT_TRANSPORT'
        ) from None
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            limit=max_connections,
            limit_per_host=0,
            keepalive_timeout=keepalive_expiry,
            ssl=True if ssl_context is None else ssl_context,
        ),
        auto_decompress=False,
        raise_for_status=False,
        **_head_limits(),
    )
    # aiohttp resends a GET, PUT or DELETE by itself when a reused connection
    # drops; here the pipeline alone decides what may be resent (AgentChat has
    # GET calls that are not safe to repeat).
    disable_aiohttp_resend(session)
    # The read bound (``sock_read``) kept by one timer per connection, moved as
    # bytes arrive, instead of two armed and cancelled per request.
    lazy_aiohttp_read_timer(session.connector)
    return AiohttpWire(session, None if proxy is None else _proxy_url(proxy)), session


def _proxy_url(proxy: ProxyConfig) -> yarl.URL:
    """The proxy's URL with its credentials, as aiohttp takes them (not ``proxy_auth``:
    deprecated in aiohttp 3.14)."""
    url = yarl.URL(str(proxy.url))
    credentials = proxy.credentials()
    if credentials is None:
        return url
    return url.with_user(credentials[0]).with_password(credentials[1] or None)


@functools.cache
def _head_limits() -> dict[str, Any]:
    limits: dict[str, Any] = {"max_line_size": _MAX_HEAD, "max_field_size": _MAX_HEAD}
    if "max_headers" in inspect.signature(aiohttp.ClientSession).parameters:  # 3.13.4+
        limits["max_headers"] = _MAX_HEADERS
    return limits


async def close_session(session: aiohttp.ClientSession) -> None:
    with anyio.CancelScope(shield=True):
        await session.close()


#: Sent, and the answer broke off or was malformed.
_PROTOCOL_ERRORS: Final = (
    (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError)
    if aiohttp is not None
    else ()
)


#: What aiohttp raises when its ``total`` timeout passes (its connect and
#: socket read timeouts have classes of their own): the bare class, which is
#: ``TimeoutError`` from Python 3.11 on.
_TOTAL_TIMEOUTS: Final = frozenset({asyncio.TimeoutError, TimeoutError})


def _translate(exc: BaseException, attempt: float | None) -> httpx.TransportError:
    """The httpx exception that says the same thing, with a redacted message."""
    if attempt is not None and type(exc) in _TOTAL_TIMEOUTS:  # the attempt's bound passed
        return httpx.ReadTimeout(no_answer_within(attempt))
    detail = redact(str(exc)) or type(exc).__name__
    cls: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        cls = httpx.ConnectTimeout
    elif isinstance(exc, aiohttp.ClientConnectorError):  # the proxy's too
        cls = httpx.ConnectError
    elif isinstance(exc, aiohttp.ClientHttpProxyError):  # CONNECT refused: nothing was sent
        cls = httpx.ProxyError
    elif isinstance(exc, asyncio.TimeoutError | TimeoutError):
        cls = httpx.ReadTimeout
    elif isinstance(exc, _PROTOCOL_ERRORS):
        cls = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientOSError | aiohttp.ClientConnectionError):
        cls = httpx.ReadError
    else:
        cls = httpx.TransportError
    return cls(f"{type(exc).__name__}: {detail}")
