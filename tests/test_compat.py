"""Each private touch of ``_compat.py`` still holds on the installed releases.

These fail loudly when a dependency changes what the library relies on; ``make
test-latest`` runs them on the newest release of every dependency. The behaviour
each touch exists for is tested elsewhere too (``test_httpx_pool.py``, the aiohttp
and pyreqwest wires' "an unsafe GET dropped after it was read is sent once" in
``test_wires.py``, the secrets canary).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import re
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import attrs
import cattrs
import httpcore
import httpx
import pytest

from agentchat import Chat, ChatList, LogonResult, _redaction
from agentchat._compat import (
    HTTP_LOGGERS,
    cattrs_optional_inner,
    disable_aiohttp_resend,
    has_attrs_generated_init,
    install_pool,
    lazy_aiohttp_read_timer,
    pool_limit,
    pyreqwest_connect_failed,
    suppression_keys,
    transport_pool,
)
from agentchat._converters import default_converter

from .loopback import serve
from .test_wires import unanswered_port

pytestmark = pytest.mark.anyio


class RecordingPool:
    """An httpcore-style pool that answers every request 204 and notes what it was asked."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        self.calls.append(f"request {request.url.target.decode()}")
        return httpcore.Response(204)

    async def __aenter__(self) -> RecordingPool:
        self.calls.append("enter")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.calls.append("exit")

    async def aclose(self) -> None:
        self.calls.append("aclose")


async def test_an_httpx_transport_sends_everything_through_the_pool_installed() -> None:
    transport = httpx.AsyncHTTPTransport()
    assert isinstance(transport_pool(transport), httpcore.AsyncConnectionPool)
    pool = RecordingPool()
    install_pool(transport, pool)
    assert transport_pool(transport) is pool
    async with transport:
        response = await transport.handle_async_request(
            httpx.Request("GET", "http://127.0.0.1:9/api/KeepAlive")
        )
        assert response.status_code == 204
    await transport.aclose()
    assert pool.calls == ["enter", "request /api/KeepAlive", "exit", "aclose"]
    async with httpx.AsyncClient(transport=transport) as client:  # through a client too
        assert (await client.get("http://127.0.0.1:9/api/GetChatList")).status_code == 204
    assert pool.calls[-2] == "request /api/GetChatList"


async def test_the_limit_of_an_httpx_clients_pool_is_read() -> None:
    async with (
        httpx.AsyncClient(limits=httpx.Limits(max_connections=7)) as seven,
        httpx.AsyncClient() as default,
        httpx.AsyncClient(limits=httpx.Limits(max_connections=None)) as unbounded,
        httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as mock,
    ):
        assert pool_limit(seven) == 7
        assert pool_limit(default) == 100  # httpx's default limits
        assert pool_limit(unbounded) is None
        assert pool_limit(mock) is None


def _logger_names(package: Any) -> set[str]:
    root = Path(package.__file__).parent
    found: set[str] = set()
    for path in root.rglob("*.py"):
        found |= set(re.findall(r"getLogger\(\s*[\"']([\w.]+)[\"']", path.read_text("utf-8")))
    return found


def test_every_logger_of_httpx_and_httpcore_is_filtered() -> None:
    # A filter on a logger applies only to records made on that very logger: a
    # new module logger in httpcore would log URLs (tokens) unredacted.
    names = _logger_names(httpcore) | _logger_names(httpx)
    assert "httpcore.http11" in names  # the scan works
    assert names <= set(HTTP_LOGGERS), names - set(HTTP_LOGGERS)
    assert set(HTTP_LOGGERS) <= set(_redaction.LOGGER_NAMES)


async def test_an_aiohttp_session_resends_by_itself_until_told_not_to() -> None:
    async with aiohttp.ClientSession() as session:
        assert session._retry_connection is True  # what aiohttp does unless told
        disable_aiohttp_resend(session)
        assert session._retry_connection is False


async def test_aiohttp_keeps_its_read_bound_where_the_lazy_timer_takes_it_over() -> None:
    from aiohttp.client_proto import ResponseHandler

    loop = asyncio.get_running_loop()
    protocol = ResponseHandler(loop)
    # What _LazyReadTimer reads and sets on aiohttp's protocol.
    assert protocol._read_timeout is None
    assert protocol._read_timeout_handle is None
    assert protocol._loop is loop
    async with aiohttp.ClientSession() as session:
        connector = session.connector
        assert connector is not None
        made = connector._factory
        assert made.func is ResponseHandler
        assert lazy_aiohttp_read_timer(connector)
        lazy = connector._factory()
        assert isinstance(lazy, ResponseHandler)
        assert type(lazy) is not ResponseHandler
        # Its read bound as aiohttp's own code drives it: armed once a request
        # is sent, moved by a read, ended by the timer.
        lazy._read_timeout = 0.05
        lazy.start_timeout()
        handle = lazy._read_timeout_handle
        lazy.data_received(b"")  # no bytes: aiohttp does not move the bound
        assert lazy._read_timeout_handle is handle is not None
        with anyio.fail_after(5):
            while lazy.exception() is None:  # bounded by fail_after
                await anyio.sleep(0.01)
        assert isinstance(lazy.exception(), aiohttp.SocketTimeoutError)
        assert not lazy_aiohttp_read_timer(connector)  # once only: not aiohttp's factory now


# -- pyreqwest (Python 3.11+) ---------------------------------------------------------------

NO_PYREQWEST = pytest.mark.skipif(
    importlib.util.find_spec("pyreqwest") is None, reason="pyreqwest is not installed"
)


async def _pyreqwest_failure(url: str, connect: float = 5.0, read: float = 5.0) -> Any:
    """The pyreqwest exception of one GET to ``url`` (a plain client, as the wire's)."""
    from pyreqwest.client import ClientBuilder
    from pyreqwest.exceptions import RequestError

    builder = ClientBuilder().no_proxy().follow_redirects(False)
    builder = builder.connect_timeout(timedelta(seconds=connect))
    async with builder.read_timeout(timedelta(seconds=read)).build() as client:
        with pytest.raises(RequestError) as caught:
            await client.request("GET", url).build().send()
    return caught.value


@NO_PYREQWEST
async def test_pyreqwest_names_a_connector_failure_among_its_causes() -> None:
    from pyreqwest.exceptions import ConnectError, ConnectTimeoutError

    with socket.socket() as probe:  # nothing listens: refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = await _pyreqwest_failure(f"http://127.0.0.1:{port}/")
    assert isinstance(refused, ConnectError)
    assert pyreqwest_connect_failed(refused)
    with unanswered_port() as port:  # reqwest's own connect timeout, within the connector
        timed_out = await _pyreqwest_failure(f"http://127.0.0.1:{port}/", connect=0.2)
    assert isinstance(timed_out, ConnectTimeoutError)
    assert pyreqwest_connect_failed(timed_out)


@NO_PYREQWEST
async def test_pyreqwest_gives_failures_after_sending_the_classes_of_connect_failures() -> None:
    # Why the wire reads the causes: by its class, each of these would be resent.
    from pyreqwest.exceptions import ConnectError, ConnectTimeoutError

    async with serve() as server:
        server.faults["/api/GetChatList"] = "drop"  # read, then closed unanswered
        dropped = await _pyreqwest_failure(f"{server.base_url}/api/GetChatList")
        server.faults["/api/GetChatList"] = "hang"  # read, never answered
        waited = await _pyreqwest_failure(f"{server.base_url}/api/GetChatList", read=0.2)
        assert server.requests["/api/GetChatList"] == 2
    assert isinstance(dropped, ConnectError)
    assert isinstance(waited, ConnectTimeoutError)
    assert not pyreqwest_connect_failed(dropped)
    assert not pyreqwest_connect_failed(waited)


@NO_PYREQWEST
async def test_pyreqwest_replaces_a_cancellation_with_a_cancelled_error_of_its_own() -> None:
    # What PyreqwestWire takes the scope's cancellation again for: anyio reads
    # the message to tell its own cancellation from another.
    from pyreqwest.client import ClientBuilder

    async def cancelled_request(url: str) -> tuple[object, ...]:
        async with ClientBuilder().no_proxy().build() as client:
            try:
                with anyio.move_on_after(0.1):
                    await client.request("GET", url).build().send()
            except asyncio.CancelledError as exc:  # through the scope: not anyio's
                return exc.args
        return ()

    async with serve() as server:
        server.faults["/api/GetChatList"] = "hang"
        task = asyncio.get_running_loop().create_task(
            cancelled_request(f"{server.base_url}/api/GetChatList")
        )
        assert await task == ("Request was cancelled",)


@NO_PYREQWEST
async def test_pyreqwest_logs_nothing_of_a_request_unless_asked_to(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # reqwest's records (target names such as "reqwest::connect::verbose", not
    # filtered by the library) hold the URL and the body in the clear, but only
    # with connection_verbose, which the wire never turns on.
    from pyreqwest.client import ClientBuilder

    caplog.set_level(logging.DEBUG)
    async with serve() as server, ClientBuilder().no_proxy().build() as client:
        response = await client.request("GET", f"{server.base_url}/api/KeepAlive").build().send()
        assert response.status == 200
        server.faults["/api/GetChatList"] = "drop"
        with pytest.raises(Exception, match="connection"):
            await client.request("GET", f"{server.base_url}/api/GetChatList").build().send()
    from pyreqwest.logging import flush_logs

    flush_logs()
    assert [r.name for r in caplog.records if r.name not in ("asyncio",)] == []


def test_cattrs_structures_an_optional_with_its_own_hook_that_calls_the_inner_one() -> None:
    # The fast path calls the inner type's hook directly for a value that is not
    # None; that is only right while cattrs' optional hook does exactly that.
    for converter in (cattrs.Converter(), default_converter(strict=False)):
        for inner in (int, str, datetime):
            hook = converter.get_structure_hook(inner | None)
            assert cattrs_optional_inner(hook, inner | None) is inner
            assert hook(None, inner | None) is None
    plain = cattrs.Converter()
    assert cattrs_optional_inner(plain.get_structure_hook(int), int) is None
    assert plain.get_structure_hook(int | None)("7", int | None) == 7


def test_attrs_writes_the_init_of_a_class_as_its_own_code() -> None:
    @attrs.frozen
    class Written:
        value: int

    class ByHand:
        def __init__(self, value: int) -> None:
            self.value = value

    @attrs.frozen
    class Inheriting(Written):
        pass

    assert has_attrs_generated_init(Written)
    assert has_attrs_generated_init(Inheriting)  # attrs writes a new one
    assert not has_attrs_generated_init(ByHand)
    assert not has_attrs_generated_init(int)
    assert all(has_attrs_generated_init(cls) for cls in (Chat, ChatList, LogonResult))


def test_the_keys_the_library_sets_keep_http_client_instrumentation_out() -> None:
    # The generic HTTP client instrumentations ask is_http_instrumentation_enabled()
    # (httpx, aiohttp-client 0.60 on) or is_instrumentation_enabled() (aiohttp-client
    # before 0.60) before each request; under these keys the library's requests are
    # not traced by them (their spans would hold the token).
    from opentelemetry import context
    from opentelemetry.instrumentation.utils import (
        is_http_instrumentation_enabled,
        is_instrumentation_enabled,
    )

    keys = suppression_keys(context)
    assert keys == (  # not the fallback
        context._SUPPRESS_HTTP_INSTRUMENTATION_KEY,
        context._SUPPRESS_INSTRUMENTATION_KEY,
    )

    def enabled_under(*under: str) -> tuple[bool, bool]:
        token = context.attach(context.Context(dict.fromkeys(under, True)))
        try:
            return is_http_instrumentation_enabled(), is_instrumentation_enabled()
        finally:
            context.detach(token)

    assert enabled_under() == (True, True)
    assert enabled_under(keys[0]) == (False, True)  # HTTP client instrumentation only
    assert enabled_under(keys[1]) == (False, False)  # every instrumentation
    assert enabled_under(*keys) == (False, False)
    assert enabled_under(*suppression_keys(object())) == (False, False)  # the fallback


_PROVIDERS = """
import sys
from agentchat._compat import otel_providers_set
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import TracerProvider

check = otel_providers_set()
if check is None:
    print("none")
    sys.exit()
seen = [check()]
trace.set_tracer_provider(TracerProvider())
seen.append(check())
metrics.set_meter_provider(MeterProvider())
seen.append(check())
print(seen)
"""


def _providers_seen(**environment: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_PYTHON_")}
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-W", "error", "-c", _PROVIDERS],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, **environment},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_quick_provider_check_sees_providers_as_opentelemetry_does() -> None:
    # The client skips its span, its metric (and, on a wire no generic
    # instrumentation sees, the whole of its telemetry) while this says no
    # provider is set: it must see one as soon as OpenTelemetry's getters would.
    assert _providers_seen() == "[(False, False), (True, False), (True, True)]"


def test_a_provider_named_in_the_environment_takes_the_getters_path() -> None:
    # OTEL_PYTHON_TRACER_PROVIDER makes get_tracer_provider() load one on first
    # use: the quick check cannot see that, so it is not made.
    spec = "opentelemetry.sdk.trace:TracerProvider"
    assert _providers_seen(OTEL_PYTHON_TRACER_PROVIDER=spec) == "none"
