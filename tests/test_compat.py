"""Each private touch of ``_compat.py`` still holds on the installed releases.

These fail loudly when a dependency changes what the library relies on; ``make
test-latest`` runs them on the newest release of every dependency. The behaviour
each touch exists for is tested elsewhere too (``test_httpx_pool.py``, the aiohttp
wire's "an unsafe GET dropped after it was read is sent once" in ``test_wires.py``,
the secrets canary).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
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
    pool_limit,
    suppression_keys,
    transport_pool,
)
from agentchat._converters import default_converter

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
