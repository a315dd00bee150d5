"""Proxies: ``proxy=``, ``trust_env`` and the environment's, through a real forward proxy.

The proxy is pproxy in a subprocess on 127.0.0.1 (``tests/proxy.py``): it relays
plain http:// requests and tunnels https:// ones with ``CONNECT`` to a loopback
server behind TLS (a certificate from a test CA, trusted with ``verify=``). Every
connection the server accepted must have come through the proxy (or none of
them, where the proxy is bypassed). The socket tests run on the suite's
transport (``AGENTCHAT_TRANSPORT``), so each suite run covers one wire.
"""

from __future__ import annotations

import base64
import importlib.util
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import anyio
import httpx
import pytest
import trustme

from agentchat import (
    AgentChatError,
    APIConnectionError,
    APIStatusError,
    AsyncAgentChat,
    InvalidRequestError,
)
from agentchat._redaction import MASK, redact

from .fakes import EMAIL, PASSWORD, TRANSPORT
from .loopback import serve
from .proxy import ForwardProxy, forward_proxy, port_of, serve_tls
from .reliability.test_canary import (
    debug_everything,  # noqa: F401 - a fixture, used by name
    exception_texts,
    leaks,
    record_texts,
)

pytestmark = pytest.mark.anyio

#: The proxy's credentials: the canary, they must never show.
PROXY_USER: Final = "proxy-user-7d1e"
PROXY_PASSWORD: Final = "proxy-pass-4b9a0c"
WRONG_PASSWORD: Final = "wrong-proxy-pass-55e1"
BOUND: Final = 20.0


@pytest.fixture(scope="module")
def open_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForwardProxy]:
    with forward_proxy(tmp_path_factory.mktemp("proxy")) as running:
        yield running


@pytest.fixture(scope="module")
def closed_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForwardProxy]:
    directory = tmp_path_factory.mktemp("auth-proxy")
    with forward_proxy(directory, credentials=(PROXY_USER, PROXY_PASSWORD)) as running:
        yield running


@pytest.fixture
def proxy(open_proxy: ForwardProxy) -> ForwardProxy:
    """A proxy that asks for no credentials, counting from this test on."""
    open_proxy.forget()
    return open_proxy


@pytest.fixture
def auth_proxy(closed_proxy: ForwardProxy) -> ForwardProxy:
    """A proxy that asks for ``PROXY_USER`` and ``PROXY_PASSWORD``, counting from this test on."""
    closed_proxy.forget()
    return closed_proxy


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test CA's certificate as a PEM file: what ``verify=`` is given."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture(scope="module")
def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def dead_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client(base_url: str, **kwargs: Any) -> AsyncAgentChat:
    kwargs.setdefault("keep_alive_interval", None)
    kwargs.setdefault("max_retries", 0)
    return AsyncAgentChat(EMAIL, PASSWORD, base_url=base_url, **kwargs)


async def fetch_chats(base_url: str, **kwargs: Any) -> None:
    with anyio.fail_after(BOUND):
        async with client(base_url, **kwargs) as chat:
            assert [c.chat_id for c in await chat.get_chat_list()] == [101, 102]


# -- which proxy: the environment as httpx reads it ------------------------------------------

P1: Final = "http://proxy-one.test:3128"
P2: Final = "http://proxy-two.test:3128"
P3: Final = "http://proxy-three.test:3128"

#: (environment, base URL, the proxy chosen). Each agrees with httpx's own
#: ``trust_env`` (checked below), but for the IP blocks in NO_PROXY (marked).
CHOICES: Final[list[tuple[dict[str, str], str, str | None]]] = [
    ({"HTTP_PROXY": P1}, "http://agentchat.test", P1),
    ({"HTTP_PROXY": P1}, "https://agentchat.test", None),
    ({"HTTPS_PROXY": P2}, "https://agentchat.test", P2),
    ({"ALL_PROXY": P3}, "https://agentchat.test", P3),
    ({"ALL_PROXY": P3}, "http://agentchat.test", P3),
    ({"HTTPS_PROXY": P2, "ALL_PROXY": P3}, "https://agentchat.test", P2),
    ({"https_proxy": P2, "HTTPS_PROXY": P3}, "https://agentchat.test", P2),
    ({"HTTP_PROXY": "proxy-one.test:3128"}, "http://agentchat.test", P1),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "*"}, "https://agentchat.test", None),
    ({"HTTPS_PROXY": P2, "no_proxy": "other.test,*"}, "https://agentchat.test", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "agentchat.test"}, "https://agentchat.test", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "agentchat.test"}, "https://eu.agentchat.test", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "agentchat.test"}, "https://notagentchat.test", P2),
    ({"HTTPS_PROXY": P2, "NO_PROXY": ".agentchat.test"}, "https://agentchat.test", P2),
    ({"HTTPS_PROXY": P2, "NO_PROXY": ".agentchat.test"}, "https://eu.agentchat.test", None),
    (
        {"HTTPS_PROXY": P2, "NO_PROXY": " other.test , AgentChat.TEST "},
        "https://agentchat.test",
        None,
    ),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "agentchat.test:8443"}, "https://agentchat.test:8443", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "agentchat.test:8443"}, "https://agentchat.test", P2),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "http://agentchat.test"}, "https://agentchat.test", P2),
    ({"HTTP_PROXY": P1, "NO_PROXY": "http://agentchat.test"}, "http://agentchat.test", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "localhost"}, "https://localhost:8443", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "localhost"}, "https://www.localhost", P2),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "127.0.0.1"}, "https://127.0.0.1:8443", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "127.0.0.1"}, "https://127.0.0.2:8443", P2),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "::1"}, "https://[::1]:8443", None),
    ({"HTTPS_PROXY": P2, "NO_PROXY": "10.0.0.0/8"}, "https://10.1.2.3", None),  # IP block
    ({"HTTPS_PROXY": P2, "NO_PROXY": "10.0.0.0/8"}, "https://11.1.2.3", P2),
]
IP_BLOCKS: Final = {"10.0.0.0/8"}
CHOICE_IDS: Final = [
    f"{url}-{'-'.join(f'{k}={v}' for k, v in env.items())}" for env, url, _ in CHOICES
]


def chosen_proxy(base_url: str, **kwargs: Any) -> str | None:
    config = client(base_url, allow_insecure_http=True, **kwargs)._core.config
    return None if config.proxy is None else str(config.proxy.url)


def httpxs_choice(base_url: str) -> str | None:
    """The proxy httpx's ``AsyncClient(trust_env=True)`` (no transport given) picks.

    Reads httpx's private ``_transport_for_url`` and httpcore's ``_proxy_url``: in
    a test only, so that a change of httpx's reading shows here.
    """
    http = httpx.AsyncClient()
    transport = http._transport_for_url(httpx.URL(base_url))
    if transport is http._transport:
        return None
    url = transport._pool._proxy_url  # type: ignore[attr-defined]
    return f"{url.scheme.decode()}://{url.host.decode()}:{url.port}"


@pytest.mark.parametrize(("env", "base_url", "expected"), CHOICES, ids=CHOICE_IDS)
def test_the_environment_picks_the_proxy_as_httpx_does(
    env: dict[str, str], base_url: str, expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert chosen_proxy(base_url) == expected
    assert chosen_proxy(base_url, trust_env=False) is None
    if not (env.get("NO_PROXY") in IP_BLOCKS and expected is None):  # beyond httpx's reading
        assert httpxs_choice(base_url) == expected


# -- checked arguments ------------------------------------------------------------------------


def answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


def test_bad_proxies_are_refused_by_name_and_without_their_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "https://127.0.0.1:8443"
    secret = f"{PROXY_USER}:{PROXY_PASSWORD}@"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"proxy": f"ftp://{secret}proxy.test:21"}, r"^proxy must be a proxy URL with a host"),
        ({"proxy": "http://"}, "proxy must be a proxy URL with a host"),
        ({"proxy": 3128}, "proxy must be a URL .* got int"),
        ({"proxy": "http://proxy.test:port"}, "proxy is not a valid URL"),
        ({"proxy": "http://proxy.test", "http_client": httpx.AsyncClient()}, "your http_client"),
        ({"proxy": "http://proxy.test", "transport": httpx.MockTransport(answer)}, "http_client"),
        ({"proxy": httpx.Proxy("http://p.test", headers={"X": "1"})}, "httpx.Proxy with headers"),
        ({"trust_env": "no"}, "trust_env must be True or False"),
        ({"verify": False}, "certificates are always verified; got False"),
        ({"verify": "/no/such/ca.pem"}, "no CA certificates could be read from '/no/such/ca.pem'"),
        ({"verify": ssl.create_default_context(), "http_client": httpx.AsyncClient()}, "verify"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidRequestError, match=message) as refused:
            client(url, **kwargs)
        assert PROXY_PASSWORD not in str(refused.value)
        assert PROXY_USER not in str(refused.value)
    monkeypatch.setenv("HTTPS_PROXY", f"ftp://{secret}proxy.test:21")
    with pytest.raises(InvalidRequestError, match=r"HTTPS_PROXY .* \(or pass trust_env=False\)"):
        client(url)
    assert chosen_proxy(url, trust_env=False) is None


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
def test_socks_proxies_only_on_httpx_and_with_socksio(
    scheme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy = "https://127.0.0.1:8443", f"{scheme}://127.0.0.1:1080"
    for wire in ("aiohttp", "pyreqwest"):
        with pytest.raises(InvalidRequestError, match=f"http://, https:// on transport='{wire}'"):
            client(url, transport=wire, proxy=proxy)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InvalidRequestError, match=r'socksio package: pip install "httpx\[socks\]"'):
        client(url, transport="httpx", proxy=proxy)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    assert chosen_proxy(url, transport="httpx", proxy=proxy) == proxy


def test_redact_masks_the_credentials_of_a_url() -> None:
    text = f"proxy http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:3128/ refused"
    assert redact(text) == f"proxy http://{MASK}@127.0.0.1:3128/ refused"
    assert redact(f"socks5://{PROXY_USER}@proxy.test") == f"socks5://{MASK}@proxy.test"
    for kept in ["https://agentchat.test/api?Email=ann@example.com", "ann@example.com"]:
        assert redact(kept) == kept


# -- through a real proxy -------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_the_environments_proxy_relays_plain_http(
    variable: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, proxy.url())
    async with serve() as server:
        await fetch_chats(server.base_url)
    assert server.requests["/api/GetChatList"] == 1
    assert server.accepted == proxy.relayed_to(port_of(server.base_url)) >= 1


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
async def test_the_environments_proxy_tunnels_https(
    variable: str,
    proxy: ForwardProxy,
    server_context: ssl.SSLContext,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The proxy cannot read TLS: the server answering through it means a CONNECT tunnel.
    monkeypatch.setenv(variable, proxy.url())
    async with serve_tls(server_context) as server:
        await fetch_chats(server.base_url, verify=ca_file)
    assert server.requests["/api/GetChatList"] == 1
    assert server.accepted == proxy.relayed_to(port_of(server.base_url)) >= 1


@pytest.mark.parametrize(
    ("variable", "no_proxy"),
    [
        ("NO_PROXY", "127.0.0.1"),
        ("no_proxy", "localhost, 127.0.0.1"),
        ("NO_PROXY", "*"),
        ("NO_PROXY", "other.test,127.0.0.1:{port}"),
        ("NO_PROXY", "127.0.0.0/8"),
    ],
)
async def test_no_proxy_sends_direct(
    variable: str, no_proxy: str, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url())
    async with serve() as server:
        port = port_of(server.base_url)
        monkeypatch.setenv(variable, "other.test,127.0.0.1:1")  # another host: proxied
        await fetch_chats(server.base_url)
        assert server.accepted == proxy.relayed_to(port) >= 1
        relayed, accepted = proxy.relayed_to(port), server.accepted
        monkeypatch.setenv(variable, no_proxy.format(port=port))
        await fetch_chats(server.base_url)
        assert server.accepted > accepted
        assert proxy.relayed_to(port) == relayed


@pytest.mark.parametrize("form", ["str", "httpx.URL", "httpx.Proxy"])
@pytest.mark.parametrize("env", ["HTTP_PROXY", "NO_PROXY"])
async def test_an_explicit_proxy_overrides_the_environment(
    form: str, env: str, proxy: ForwardProxy, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in httpx, NO_PROXY does not apply to an explicit proxy either.
    monkeypatch.setenv(env, f"http://127.0.0.1:{dead_port}" if env == "HTTP_PROXY" else "*")
    forms: dict[str, str | httpx.URL | httpx.Proxy] = {
        "str": proxy.url(),
        "httpx.URL": httpx.URL(proxy.url()),
        "httpx.Proxy": httpx.Proxy(proxy.url()),
    }
    async with serve() as server:
        await fetch_chats(server.base_url, proxy=forms[form])
    assert server.accepted == proxy.relayed_to(port_of(server.base_url)) >= 1


async def test_trust_env_false_ignores_the_environment_but_not_proxy(
    proxy: ForwardProxy, dead_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{dead_port}")
    async with serve() as server:
        await fetch_chats(server.base_url, trust_env=False)
        assert proxy.relayed_to(port_of(server.base_url)) == 0
        await fetch_chats(server.base_url, trust_env=False, proxy=proxy.url())
    assert proxy.relayed_to(port_of(server.base_url)) >= 1


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_proxies_work_on_trio_too(
    anyio_backend: str,
    auth_proxy: ForwardProxy,
    server_context: ssl.SSLContext,
    ca_file: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", auth_proxy.url())
    async with serve_tls(server_context) as tls_server, serve() as server:
        await fetch_chats(tls_server.base_url, verify=ca_file)
        await fetch_chats(server.base_url, proxy=auth_proxy.url())
    for served in (tls_server, server):
        assert served.accepted == auth_proxy.relayed_to(port_of(served.base_url)) >= 1


async def test_verify_trusts_a_ca_file_or_an_ssl_context(
    ca: trustme.CA, ca_file: str, server_context: ssl.SSLContext
) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with serve_tls(server_context) as server:
        await fetch_chats(server.base_url, verify=ca_file)
        await fetch_chats(server.base_url, verify=Path(ca_file))
        if TRANSPORT == "pyreqwest":  # rustls takes certificates, not an OpenSSL context
            with pytest.raises(InvalidRequestError, match=r"cannot use an ssl\.SSLContext"):
                client(server.base_url, verify=trusting)
            # A directory's certificates are read by the library (OpenSSL reads
            # a directory only through its hashed names, which this one lacks).
            await fetch_chats(server.base_url, verify=Path(ca_file).parent)
        else:
            await fetch_chats(server.base_url, verify=trusting)
        with anyio.fail_after(BOUND), pytest.raises(APIConnectionError, match="certificate"):
            await fetch_chats(server.base_url)  # the default trust: not the test CA


# -- refusals, and the credentials ----------------------------------------------------------


#: What a 407 from the proxy raises. A CONNECT refused is a connection that never
#: reached the server. A plain http:// request the proxy answers itself, then
#: closes the connection with the request's body unread: the answer arrives, or
#: the close resets the connection first ("connection lost"), at random.
REFUSED: Final[dict[str, type[AgentChatError] | tuple[type[AgentChatError], ...]]] = {
    "http": (APIStatusError, APIConnectionError),
    "https": APIConnectionError,
}


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_a_proxy_that_refuses_gives_a_typed_error(
    scheme: str,
    auth_proxy: ForwardProxy,
    server_context: ssl.SSLContext,
    ca_file: str,
    dead_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variable = f"{scheme.upper()}_PROXY"
    serving = serve_tls(server_context) if scheme == "https" else serve()
    async with serving as server:
        # No credentials: 407.
        monkeypatch.setenv(variable, auth_proxy.url(("", "")))
        refused_before = auth_proxy.refused()
        with anyio.fail_after(BOUND), pytest.raises(REFUSED[scheme]) as refused:
            await fetch_chats(server.base_url, verify=ca_file)
        if isinstance(refused.value, APIStatusError):
            assert refused.value.status_code == 407
        else:
            # reqwest (pyreqwest) names a CONNECT answered 407 by what it means.
            said = ("407", "connection lost", "proxy authorization required")
            assert any(words in str(refused.value) for words in said)
        with anyio.fail_after(BOUND):  # pproxy notes it just after answering
            while auth_proxy.refused() == refused_before:
                await anyio.sleep(0.01)
        # No proxy there at all.
        monkeypatch.setenv(variable, f"http://127.0.0.1:{dead_port}")
        with anyio.fail_after(BOUND), pytest.raises(APIConnectionError, match="could not connect"):
            await fetch_chats(server.base_url, verify=ca_file, max_retries=1)
    assert server.accepted == 0


@pytest.mark.usefixtures("debug_everything")
@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_proxy_credentials_work_and_never_show(
    scheme: str,
    auth_proxy: ForwardProxy,
    server_context: ssl.SSLContext,
    ca_file: str,
    dead_port: int,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The secrets canary, for the proxy's credentials: every logger at DEBUG, the
    errors formatted with their frames' locals, the reprs of what a user can hold."""
    variable = f"{scheme.upper()}_PROXY"
    serving = serve_tls(server_context) if scheme == "https" else serve()
    shown: list[str] = []
    errors: list[BaseException] = []
    with anyio.fail_after(BOUND):
        async with serving as server:
            monkeypatch.setenv(variable, auth_proxy.url())
            async with client(server.base_url, verify=ca_file) as chat:
                shown.append(repr(await chat.get_chat_list()))
                pipeline = chat._core.pipeline
                shown += [repr(chat), repr(chat.stats), repr(chat._core.config)]
                shown += [repr(chat._core), repr(pipeline), repr(getattr(pipeline, "http", None))]
            assert server.accepted == auth_proxy.relayed_to(port_of(server.base_url)) >= 1
            attempts = [
                # The wrong password (407), in the environment and as proxy=.
                {"env": auth_proxy.url((PROXY_USER, WRONG_PASSWORD))},
                {"proxy": auth_proxy.url((PROXY_USER, WRONG_PASSWORD))},
                # The right credentials for a proxy that is not there.
                {"proxy": f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{dead_port}"},
                # And for a proxy URL that is refused before anything is sent.
                {"proxy": f"ftp://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{dead_port}"},
            ]
            for attempt in attempts:
                monkeypatch.setenv(variable, attempt.get("env", auth_proxy.url()))
                with pytest.raises(AgentChatError) as failed:
                    await fetch_chats(server.base_url, verify=ca_file, proxy=attempt.get("proxy"))
                errors.append(failed.value)
    texts = shown + [text for record in caplog.records for text in record_texts(record)]
    texts += [text for error in errors for text in exception_texts(error)]
    secrets = [PROXY_USER, PROXY_PASSWORD, WRONG_PASSWORD]
    secrets += [
        base64.b64encode(f"{PROXY_USER}:{password}".encode()).decode()
        for password in (PROXY_PASSWORD, WRONG_PASSWORD)
    ]
    assert caplog.records  # the loggers did record the run
    assert leaks(texts, secrets) == []
    expected = [REFUSED[scheme], REFUSED[scheme], APIConnectionError, InvalidRequestError]
    assert all(map(isinstance, errors, expected)), errors
