"""The proxy and the certificates of the connections a client opens itself.

``proxy=`` or, with ``trust_env``, the environment's proxy for the base URL, read
as httpx reads ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` (plus IP
blocks), its credentials kept as a ``Secret``; and ``verify=``: an SSL context or
a CA file or directory, checked once for every wire.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import re
import ssl
import urllib.request
from typing import Final

import attrs
import httpx

from ._exceptions import InvalidRequestError
from ._redaction import Secret, redact, wrap_url
from ._wire import TransportName

__all__ = ["ProxyConfig", "ca_certificates", "choose_proxy", "verify_context"]

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


def choose_proxy(
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


def verify_context(value: object, *, own: bool, wire: TransportName) -> ssl.SSLContext | None:
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


def ca_certificates(value: object, context: ssl.SSLContext | None) -> tuple[bytes, ...] | None:
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
