"""What a client is configured with: its arguments and the environment, checked once.

``configure()`` turns ``AsyncAgentChat(...)``'s arguments into one frozen
``Config``: each argument falls back to its environment variable, then to its
default, and is checked; a bad one raises ``InvalidRequestError`` naming it.
Everything after that (the session, the pipeline, the wire) reads the ``Config``.
The calls' own defaults (``max_retries`` and the timeouts) are its ``options``,
which ``with_options()`` views evolve.
"""

from __future__ import annotations

import importlib.util
import inspect
import ipaddress
import os
import re
import ssl
import urllib.request
from collections.abc import Callable
from typing import Final, Literal

import attrs
import httpx

from . import _validation as check
from ._exceptions import InvalidRequestError, LogonError
from ._pipeline import DEFAULT_TIMEOUT, RequestOptions, Timeouts
from ._redaction import ENV_LOG_LEVELS, Secret, redact, wrap_url
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
    "ProxyConfig",
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

TransportName = Literal["httpx", "aiohttp", "pyreqwest"]
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
    proxy_config = _proxy(proxy, trust_env=use_env, base_url=url, own=own, wire=wire)
    ssl_context = _verify(verify, own=own, wire=wire)
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
        ca_certificates=_ca_certificates(verify, ssl_context) if wire == "pyreqwest" else None,
        options=options,
        max_response_bytes=max_bytes,
        max_concurrency=concurrency,
        keep_alive_interval=interval,
        logoff_timeout=logoff,
        on_logon_error=callback,
        strict=strict,
        log_level=_log_level(),
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


# -- the proxy and the certificates trusted ------------------------------------------------

#: The proxy URL schemes each wire can use. socks5 on httpx needs the socksio
#: package (``pip install "httpx[socks]"``); aiohttp has no SOCKS support of its
#: own; pyreqwest's (reqwest's) is not tested here, so not offered.
_PROXY_SCHEMES: Final = {
    "httpx": ("http", "https", "socks5", "socks5h"),
    "aiohttp": ("http", "https"),
    "pyreqwest": ("http", "https"),
}


@attrs.frozen(kw_only=True)
class ProxyConfig:
    """The proxy a client's own connections go through; its credentials never show.

    ``url`` holds no credentials; the user name is left out of the repr and the
    password is a ``Secret`` (so ``redact()`` masks it in every text). The wires
    unwrap them (``credentials()``) as they build their connections.
    """

    url: httpx.URL
    username: str = attrs.field(default="", repr=False)
    password: Secret | None = attrs.field(default=None, repr=False)
    #: ``"proxy"`` or the environment variable it was read from, for errors.
    source: str = "proxy"

    def credentials(self) -> tuple[str, str] | None:
        """``(user name, password)`` in the clear, for a wire; ``None`` without."""
        if not self.username and self.password is None:
            return None
        return self.username, "" if self.password is None else self.password.get()


def _proxy(
    value: object, *, trust_env: bool, base_url: str, own: bool, wire: TransportName
) -> ProxyConfig | None:
    """``proxy=``, else (with ``trust_env``) the environment's proxy for ``base_url``.

    Decided once: the client talks to one base URL. It applies to the connections
    the client opens itself; a caller's ``http_client`` or httpx transport is used
    as it is, with its own proxy settings.
    """
    if value is not None:
        if not own:
            raise InvalidRequestError(
                "proxy applies to the connections this client opens: configure it on your "
                "http_client (or transport) instead"
            )
        return _proxy_config(value, "proxy", wire)
    if not trust_env or not own:
        return None
    name, found = _environment_proxy(httpx.URL(base_url))
    return None if found is None else _proxy_config(found, name, wire)


def _environment_proxy(url: httpx.URL) -> tuple[str, str | Secret | None]:
    """The proxy variable that applies to ``url``, and its value, as httpx reads them.

    ``HTTPS_PROXY`` for an https:// URL (``HTTP_PROXY`` for http://), else
    ``ALL_PROXY``, each in lower case first; none when ``NO_PROXY`` holds the host
    (``_bypassed``). Only the environment is read (httpx also reads the system's
    settings on macOS and Windows). A value with credentials comes back as a
    ``Secret``. Never raises, so no traceback shows this frame's locals.
    """
    found = urllib.request.getproxies_environment()
    if _bypassed(url, found.get("no", "")):
        return "NO_PROXY", None
    for scheme in (url.scheme, "all"):
        value = found.get(scheme)
        if value:
            return f"{scheme.upper()}_PROXY", wrap_url(
                value if "://" in value else f"http://{value}"
            )
    return "", None


def _proxy_config(value: object, source: str, wire: TransportName) -> ProxyConfig:
    """A proxy (a URL string or ``Secret``, an ``httpx.URL`` or ``httpx.Proxy``), checked.

    The credentials are split off first, so that no frame of a traceback from a
    check holds them in the clear (nor the user name: ``ProxyConfig`` hides it).
    """
    proxy = _split_proxy(value, source)
    url, schemes = proxy.url, _PROXY_SCHEMES[wire]
    if url.scheme not in schemes or not url.host:
        allowed = ", ".join(f"{scheme}://" for scheme in schemes[:3])
        hint = "" if source == "proxy" else " (or pass trust_env=False)"
        raise InvalidRequestError(
            f"{source} must be a proxy URL with a host, {allowed} on transport={wire!r}, "
            f"got {str(url)!r}{hint}"
        )
    if url.scheme.startswith("socks5") and importlib.util.find_spec("socksio") is None:
        raise InvalidRequestError(
            f"{source}: a {url.scheme}:// proxy needs the socksio package: "
            'pip install "httpx[socks]"'
        )
    return proxy


def _split_proxy(value: object, source: str) -> ProxyConfig:
    """The URL without its credentials, and the credentials (raises only on no URL at all)."""
    if isinstance(value, httpx.Proxy):
        if value.headers or value.ssl_context is not None:
            raise InvalidRequestError(
                f"{source}: an httpx.Proxy with headers or an ssl_context needs an http_client "
                "built with it; give a URL here (the SSL context is verify=)"
            )
        url, (username, password) = value.url, value.auth or ("", "")
    else:
        url = _proxy_url(value, source)
        username, password = url.username, url.password
    return ProxyConfig(
        url=url.copy_with(username=None, password=None),
        username=username,
        password=Secret(password) if password else None,
        source=source,
    )


def _proxy_url(value: object, source: str) -> httpx.URL:
    if isinstance(value, httpx.URL):
        return value
    if not isinstance(value, str | Secret):
        raise InvalidRequestError(
            f"{source} must be a URL (a string or an httpx.URL) or an httpx.Proxy, "
            f"got {type(value).__name__}"
        )
    try:
        return httpx.URL(value.get() if isinstance(value, Secret) else value)
    except httpx.InvalidURL as exc:
        problem = redact(str(exc))
    # Raised outside the except clause: the httpx error is not its context.
    raise InvalidRequestError(f"{source} is not a valid URL: {problem}")


def _bypassed(url: httpx.URL, no_proxy: str) -> bool:
    """Whether ``NO_PROXY`` (comma-separated) sends ``url`` direct, read as httpx reads it.

    ``*`` is every host; ``example.com`` is it and its subdomains, ``.example.com``
    its subdomains only; ``localhost`` and IPv4 and IPv6 addresses are exact; an
    entry with a scheme (``http://example.com``) or a port (``example.com:8443``)
    holds that scheme or port only. One addition to httpx: an IP block
    (``10.0.0.0/8``) holds the addresses in it (httpx reads only its first one).
    """
    for entry in no_proxy.split(","):
        entry = entry.strip()
        if entry == "*":
            return True
        if entry and (_in_block(url.host, entry) or _no_proxy_matches(url, entry)):
            return True
    return False


def _in_block(host: str, entry: str) -> bool:
    if "/" not in entry or "://" in entry:
        return False
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def _no_proxy_matches(url: httpx.URL, entry: str) -> bool:
    """httpx's reading of one ``NO_PROXY`` entry (``_utils.get_environment_proxies``
    and ``URLPattern`` in httpx 0.28 and 0.29), applied to ``url``."""
    address = entry.split("/")[0]
    if "://" in entry:
        pattern = entry
    elif _is_ip(address, 4) or entry.lower() == "localhost":
        pattern = f"all://{entry}"
    elif _is_ip(address, 6):
        pattern = f"all://[{entry}]"
    else:
        pattern = f"all://*{entry}"
    try:
        target = httpx.URL(pattern)
    except httpx.InvalidURL:
        return False  # httpx would fail to start; here the entry is only ignored
    if target.scheme != "all" and target.scheme != url.scheme:
        return False
    if target.port is not None and target.port != url.port:
        return False
    host, want = url.host.lower(), target.host.lower()
    if want in ("", "*"):
        return True
    if want.startswith("*."):  # subdomains only
        return host.endswith(want[1:]) and len(host) > len(want) - 1
    if want.startswith("*"):  # the domain and its subdomains
        return host == want[1:] or host.endswith(f".{want[1:]}")
    return host == want


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _verify(value: object, *, own: bool, wire: TransportName) -> ssl.SSLContext | None:
    """``verify=``: an ``ssl.SSLContext``, or CA certificates to trust (a PEM file or a
    directory, as ``SSL_CERT_FILE``/``SSL_CERT_DIR``); ``None`` or ``True``: the default.

    pyreqwest (rustls) cannot take an SSL context: there it is refused, and a
    path is read as certificates (``_ca_certificates``).
    """
    if value is None or value is True:
        return None
    if not own:
        raise InvalidRequestError(
            "verify applies to the connections this client opens: configure it on your "
            "http_client (or transport) instead"
        )
    if isinstance(value, ssl.SSLContext):
        if wire == "pyreqwest":
            raise InvalidRequestError(
                'verify: transport="pyreqwest" cannot use an ssl.SSLContext (its TLS is '
                "rustls); give the path of CA certificates (a PEM file or a directory)"
            )
        return value
    if not isinstance(value, str | os.PathLike) or not value:
        got = repr(value) if isinstance(value, bool | str) else type(value).__name__
        raise InvalidRequestError(
            "verify must be an ssl.SSLContext or the path of CA certificates (a PEM file or "
            f"a directory): certificates are always verified; got {got}"
        )
    path = os.fspath(value)
    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        problem = str(exc)
    raise InvalidRequestError(f"verify: no CA certificates could be read from {path!r}: {problem}")


#: A PEM certificate, as ``ssl.PEM_cert_to_DER_cert`` takes it.
_PEM_CERTIFICATE: Final = re.compile(
    r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL
)


def _ca_certificates(value: object, context: ssl.SSLContext | None) -> tuple[bytes, ...] | None:
    """The CA certificates (DER) of ``verify=``'s path, for ``transport="pyreqwest"``.

    ``context`` is the one ``_verify`` built from it (``None``: the default trust).
    A file's certificates are those the context loaded; a directory's (loaded by
    OpenSSL only when a handshake looks one up) are read from its files here.
    """
    if context is None:
        return None
    assert isinstance(value, str | os.PathLike)
    path = os.fspath(value)
    if not os.path.isdir(path):
        return tuple(context.get_ca_certs(binary_form=True))
    found: list[bytes] = []
    for name in sorted(os.listdir(path)):
        try:
            with open(os.path.join(path, name), encoding="ascii", errors="replace") as file:
                text = file.read()
        except OSError:  # a subdirectory, or unreadable: OpenSSL would skip it too
            continue
        for pem in _PEM_CERTIFICATE.findall(text):
            try:
                found.append(ssl.PEM_cert_to_DER_cert(pem))
            except ValueError:
                continue
    if not found:
        raise InvalidRequestError(f"verify: no CA certificates could be read from {path!r}")
    return tuple(dict.fromkeys(found))  # OpenSSL's hashed links name the same file twice
