"""What a client is configured with: its arguments and the environment, checked once.

``configure()`` turns ``AsyncAgentChat(...)``'s arguments into one frozen
``Config``: each argument falls back to its environment variable, then to its
default, and is checked; a bad one raises ``InvalidRequestError`` naming it.
Everything after that (the session, the pipeline, the wire) reads the ``Config``.
The calls' own defaults (``max_retries`` and the timeouts) are its ``options``,
which ``with_options()`` views evolve.
"""

from __future__ import annotations

import inspect
import ipaddress
import os
from collections.abc import Callable
from typing import Final, Literal

import attrs
import httpx

from . import _validation as check
from ._exceptions import InvalidRequestError, LogonError
from ._pipeline import DEFAULT_TIMEOUT, RequestOptions, Timeouts
from ._redaction import Secret
from ._session import check_password

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_LOGOFF_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "Config",
    "TransportName",
    "configure",
    "timeouts",
]

#: The documented host, over HTTPS.
DEFAULT_BASE_URL: Final = "https://agentchat.abcsoftware.dnsalias.com"
#: Sent as ``Version`` when neither ``version=`` nor ``AGENTCHAT_VERSION`` is set.
DEFAULT_VERSION: Final = "1"
#: The largest answer read (as sent, and once decoded): a generous bound for
#: real chat exports, so that no server can exhaust the process's memory.
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: Connections in a pool the client creates itself (and so its concurrency).
DEFAULT_MAX_CONNECTIONS: Final = 100
#: How long leaving the ``async with`` block may spend on AgentLogoff.
DEFAULT_LOGOFF_TIMEOUT: Final = 2.0
#: Seconds between KeepAlive calls when the session is otherwise idle.
DEFAULT_KEEP_ALIVE_INTERVAL: Final = 60.0

TransportName = Literal["httpx", "aiohttp"]
_TRANSPORTS: Final = ("httpx", "aiohttp")


@attrs.frozen(kw_only=True)
class Config:
    """One client's configuration, checked (see ``AsyncAgentChat`` for each field)."""

    email_address: str
    password: Secret
    base_url: str
    version: str
    api_key: Secret | None
    http_client: httpx.AsyncClient | None
    transport: httpx.AsyncBaseTransport | TransportName | None
    #: The calls' defaults: ``max_retries`` and the timeouts.
    options: RequestOptions
    max_response_bytes: int
    max_concurrency: int | None
    keep_alive_interval: float | None
    logoff_timeout: float
    on_logon_error: Callable[[LogonError], object] | None
    strict: bool


def configure(
    email_address: object,
    password: object,
    *,
    base_url: object,
    version: object,
    api_key: object,
    http_client: object,
    transport: object,
    timeout: object,
    max_retries: object,
    max_concurrency: object,
    max_response_bytes: object,
    keep_alive_interval: object,
    logoff_timeout: object,
    on_logon_error: object,
    allow_insecure_http: object,
    strict: object,
) -> Config:
    """A checked ``Config`` from ``AsyncAgentChat``'s arguments and the environment.

    ``password`` and ``api_key`` come wrapped (``_redaction.wrap``) by the caller,
    so that no frame of a traceback from here holds them in the clear.
    """
    # Checked in this order, so that the first problem named is the likeliest.
    email = _email(email_address)
    secret = _password(password)
    logoff = check.positive_number(logoff_timeout, "logoff_timeout")
    # A security switch: a truthy "no" must not turn it on.
    insecure = check.boolean(allow_insecure_http, "allow_insecure_http")
    strict = check.boolean(strict, "strict")
    url = _base_url(base_url, allow_insecure_http=insecure)
    version = check.text(
        version or os.environ.get("AGENTCHAT_VERSION") or DEFAULT_VERSION, "version"
    )
    key = _api_key(api_key)
    options = RequestOptions(
        max_retries=check.retries(max_retries, "max_retries"), timeout=timeouts(timeout)
    )
    concurrency = check.optional(_at_least_one, max_concurrency, "max_concurrency")
    # At most int32: 2 GiB, and bodies are held in memory.
    max_bytes = check.integer(max_response_bytes, "max_response_bytes", minimum=1)
    interval = check.optional(check.positive_number, keep_alive_interval, "keep_alive_interval")
    callback = _callback(on_logon_error)
    http, chosen = _transport(http_client, transport)
    return Config(
        email_address=email,
        password=secret,
        base_url=url,
        version=version,
        api_key=key,
        http_client=http,
        transport=chosen,
        options=options,
        max_response_bytes=max_bytes,
        max_concurrency=concurrency,
        keep_alive_interval=interval,
        logoff_timeout=logoff,
        on_logon_error=callback,
        strict=strict,
    )


def timeouts(value: object) -> Timeouts:
    """``timeout=``: seconds (> 0) or an ``httpx.Timeout``."""
    if isinstance(value, httpx.Timeout):
        return Timeouts.of(value)
    return Timeouts.of(check.positive_number(value, "timeout"))


def _email(value: object) -> str:
    value = value or os.environ.get("AGENTCHAT_EMAIL")
    if not value:
        raise InvalidRequestError("email_address is required (or set AGENTCHAT_EMAIL)")
    if not isinstance(value, str):
        raise InvalidRequestError("email_address and password must be strings")
    return check.text(value, "email_address")


def _password(value: object) -> Secret:
    if value is None:
        value = os.environ.get("AGENTCHAT_PASSWORD")
        value = Secret(value) if value is not None else None
    if value is None or (isinstance(value, Secret) and not value.get()):
        raise InvalidRequestError("password is required (or set AGENTCHAT_PASSWORD)")
    if not isinstance(value, Secret):
        raise InvalidRequestError("email_address and password must be strings")
    return check_password(value, "password")


def _api_key(value: object) -> Secret | None:
    if value is None or (isinstance(value, Secret) and not value.get()):
        value = os.environ.get("AGENTCHAT_API_KEY") or None
        value = Secret(value) if value is not None else None
    if value is None:
        return None
    if not isinstance(value, Secret):
        raise InvalidRequestError(f"api_key must be a string, got {type(value).__name__}")
    return check_password(value, "api_key")


def _base_url(value: object, *, allow_insecure_http: bool) -> str:
    # Empty means not given, as for the credentials: the environment, then the default.
    given = value or os.environ.get("AGENTCHAT_BASE_URL") or DEFAULT_BASE_URL
    base_url = check.text(given, "base_url").rstrip("/")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise InvalidRequestError(f"base_url is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidRequestError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise InvalidRequestError(
            f"refusing to send credentials over plain http:// to {url.host!r}; use https:// "
            "or pass allow_insecure_http=True"
        )
    return base_url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _transport(
    http_client: object, transport: object
) -> tuple[httpx.AsyncClient | None, httpx.AsyncBaseTransport | TransportName | None]:
    if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
        raise InvalidRequestError(
            f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}"
        )
    if transport is None and http_client is None:
        transport = _transport_from_env()
    if isinstance(transport, str) and transport not in _TRANSPORTS:
        raise InvalidRequestError(
            f'transport must be "httpx", "aiohttp" or an httpx transport, got {transport!r}'
        )
    if transport is not None and not isinstance(transport, str | httpx.AsyncBaseTransport):
        raise InvalidRequestError(
            'transport must be "httpx", "aiohttp" or an httpx.AsyncBaseTransport, '
            f"got {type(transport).__name__}"
        )
    if http_client is not None and transport not in (None, "httpx"):
        raise InvalidRequestError("give either http_client or transport, not both")
    chosen: httpx.AsyncBaseTransport | TransportName | None
    if isinstance(transport, str):
        chosen = "aiohttp" if transport == "aiohttp" else "httpx"
    else:
        chosen = transport
    return http_client, chosen


def _transport_from_env() -> TransportName | None:
    value = os.environ.get("AGENTCHAT_TRANSPORT", "").strip().lower()
    if not value:
        return None
    if value not in _TRANSPORTS:
        raise InvalidRequestError(
            f'AGENTCHAT_TRANSPORT must be "httpx" or "aiohttp", got {value!r}'
        )
    return "aiohttp" if value == "aiohttp" else "httpx"


def _at_least_one(value: object, name: str) -> int:
    return check.integer(value, name, minimum=1)


def _callback(value: object) -> Callable[[LogonError], object] | None:
    if value is None:
        return None
    if not callable(value):
        raise InvalidRequestError(
            f"on_logon_error must be a function or None, got {type(value).__name__}"
        )
    if inspect.iscoroutinefunction(value):
        raise InvalidRequestError(
            "on_logon_error must be a plain function; it is called from the keep-alive "
            "task and is not awaited"
        )
    return value
