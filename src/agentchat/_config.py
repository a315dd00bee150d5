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
import ssl
from collections.abc import Callable
from typing import Final

import attrs
import httpx

from . import _validation as check
from ._exceptions import InvalidRequestError, LogonError
from ._pipeline import DEFAULT_TIMEOUT, RequestOptions, Timeouts
from ._proxy import ProxyConfig, ca_certificates, choose_proxy, verify_context
from ._redaction import ENV_LOG_LEVELS, Secret, redact, wrap_url
from ._session import check_password
from ._store import SessionStore
from ._wire import TransportName

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_KEEP_ALIVE_INTERVAL",
    "DEFAULT_LOGOFF_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "Config",
    "ProxyConfig",
    "TransportName",
    "configure",
    "timeouts",
]

DEFAULT_BASE_URL: Final = "https://agentchat.abcsoftware.dnsalias.com"
"""The API's documented host, over HTTPS: ``base_url`` when neither it nor
``AGENTCHAT_BASE_URL`` is given."""

DEFAULT_VERSION: Final = "1"
"""Sent as the ``Version`` query parameter when neither ``version=`` nor
``AGENTCHAT_VERSION`` is given."""

DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""64 MiB: the default ``max_response_bytes``, the largest answer read (as sent,
and once decompressed). A generous bound for real chat exports, so that no
server can exhaust the process's memory; a larger answer raises
``ResponseFormatError``."""

#: Connections in a pool the client creates itself (and so its concurrency).
DEFAULT_MAX_CONNECTIONS: Final = 100
#: How long leaving the ``async with`` block may spend on AgentLogoff.
DEFAULT_LOGOFF_TIMEOUT: Final = 2.0
#: Seconds between KeepAlive calls when the session is otherwise idle.
DEFAULT_KEEP_ALIVE_INTERVAL: Final = 60.0

_TRANSPORTS: Final[dict[str, TransportName]] = {
    "httpx": "httpx",
    "aiohttp": "aiohttp",
    "pyreqwest": "pyreqwest",
}
_NAMES: Final = '"httpx", "aiohttp", "pyreqwest"'


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
    #: The proxy of the connections the client opens itself (``proxy=`` or the environment's).
    proxy: ProxyConfig | None = None
    #: ``verify=``: the SSL context of the connections it opens (``None``: the wire's default).
    ssl_context: ssl.SSLContext | None = None
    #: ``verify=``'s CA certificates (DER), for ``transport="pyreqwest"``, which
    #: takes certificates rather than an SSL context; ``None`` otherwise.
    ca_certificates: tuple[bytes, ...] | None = attrs.field(default=None, repr=False)
    #: The calls' defaults: ``max_retries`` and the timeouts.
    options: RequestOptions
    max_response_bytes: int
    max_concurrency: int | None
    keep_alive_interval: float | None
    logoff_timeout: float
    on_logon_error: Callable[[LogonError], object] | None
    strict: bool
    #: ``AGENTCHAT_LOG``: the level the ``agentchat`` logger is shown at on stderr.
    log_level: int | None = None
    #: ``session_store=`` or ``AGENTCHAT_SESSION_STORE``: a store object, or a
    #: ``redis://`` URL (a ``Secret`` when it holds a password); ``None``: this client alone.
    session_store: SessionStore | str | Secret | None = None
    #: ``rate_limit=``: requests a second for the client (the fleet, with a store).
    rate_limit: float | None = None


def configure(
    email_address: object,
    password: object,
    *,
    base_url: object,
    version: object,
    api_key: object,
    http_client: object,
    transport: object,
    proxy: object,
    trust_env: object,
    verify: object,
    timeout: object,
    max_retries: object,
    max_concurrency: object,
    max_response_bytes: object,
    keep_alive_interval: object,
    logoff_timeout: object,
    on_logon_error: object,
    allow_insecure_http: object,
    strict: object,
    session_store: object = None,
    rate_limit: object = None,
) -> Config:
    """A checked ``Config`` from ``AsyncAgentChat``'s arguments and the environment.

    ``password`` and ``api_key`` come wrapped (``_redaction.wrap``) by the caller,
    and ``proxy`` too if it holds credentials (``_redaction.wrap_url``), so that
    no frame of a traceback from here holds them in the clear.
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
    # A caller's http_client or httpx transport is used as it is, its proxy included.
    own = http is None and not isinstance(chosen, httpx.AsyncBaseTransport)
    wire: TransportName = chosen if isinstance(chosen, str) else "httpx"
    use_env = check.boolean(trust_env, "trust_env")
    proxy_config = choose_proxy(proxy, trust_env=use_env, base_url=url, own=own, wire=wire)
    ssl_context = verify_context(verify, own=own, wire=wire)
    return Config(
        email_address=email,
        password=secret,
        base_url=url,
        version=version,
        api_key=key,
        http_client=http,
        transport=chosen,
        proxy=proxy_config,
        ssl_context=ssl_context,
        ca_certificates=ca_certificates(verify, ssl_context) if wire == "pyreqwest" else None,
        options=options,
        max_response_bytes=max_bytes,
        max_concurrency=concurrency,
        keep_alive_interval=interval,
        logoff_timeout=logoff,
        on_logon_error=callback,
        strict=strict,
        log_level=_log_level(),
        session_store=_session_store(session_store),
        rate_limit=check.optional(check.positive_number, rate_limit, "rate_limit"),
    )


#: The URL schemes ``session_store`` takes (redis-py's).
_STORE_SCHEMES: Final = ("redis://", "rediss://", "unix://")


def _session_store(value: object) -> SessionStore | str | Secret | None:
    """``session_store=``, else ``AGENTCHAT_SESSION_STORE``: a store, a Redis URL, or None."""
    source = "session_store"
    if value is None:
        value = os.environ.get("AGENTCHAT_SESSION_STORE") or None
        source = "AGENTCHAT_SESSION_STORE"
    if value is None or isinstance(value, SessionStore):
        return value
    text = value.get() if isinstance(value, Secret) else value
    if not isinstance(text, str) or not text.startswith(_STORE_SCHEMES):
        shown = redact(text) if isinstance(text, str) else type(text).__name__
        what = (
            "a"
            if source == "AGENTCHAT_SESSION_STORE"
            else "a session store (MemoryStore, RedisStore) or a"
        )
        raise InvalidRequestError(
            f"{source} must be {what} redis://, rediss:// or unix:// URL, got {shown!r}"
        )
    return wrap_url(text)


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
            f"transport must be {_NAMES} or an httpx transport, got {transport!r}"
        )
    if transport is not None and not isinstance(transport, str | httpx.AsyncBaseTransport):
        raise InvalidRequestError(
            f"transport must be {_NAMES} or an httpx.AsyncBaseTransport, "
            f"got {type(transport).__name__}"
        )
    if http_client is not None and transport not in (None, "httpx"):
        raise InvalidRequestError("give either http_client or transport, not both")
    chosen = _TRANSPORTS[transport] if isinstance(transport, str) else transport
    return http_client, chosen


def _transport_from_env() -> TransportName | None:
    value = os.environ.get("AGENTCHAT_TRANSPORT", "").strip().lower()
    if not value:
        return None
    if value not in _TRANSPORTS:
        raise InvalidRequestError(f"AGENTCHAT_TRANSPORT must be {_NAMES}, got {value!r}")
    return _TRANSPORTS[value]


def _log_level() -> int | None:
    value = os.environ.get("AGENTCHAT_LOG", "").strip().lower()
    if not value:
        return None
    if value not in ENV_LOG_LEVELS:
        allowed = " or ".join(repr(name) for name in ENV_LOG_LEVELS)
        raise InvalidRequestError(f"AGENTCHAT_LOG must be {allowed}, got {value!r}")
    return ENV_LOG_LEVELS[value]


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
