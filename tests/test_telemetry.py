"""OpenTelemetry: a span per call, the metrics, and no secret in anything exported.

Every test runs with the SDK's in-memory exporter and reader, given to the client
as ``tracer_provider=`` / ``meter_provider=`` (the global providers are never
set in this process), against the loopback server on the suite's transport,
with both generic HTTP client instrumentations (httpx, aiohttp-client) on and
taken off again after the test (they patch the libraries globally). Without the
library's suppression, those instrumentations record every request's URL with
``SessionToken=<live token>``.

The behaviour without OpenTelemetry installed, and with a global provider set
only after the client was made, runs in subprocesses: the global providers can
be set once per process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import anyio
import attrs
import httpx
import pytest
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from agentchat import AsyncAgentChat, InvalidRequestError, NotFoundError
from agentchat._routes import GET_CHAT_LIST

from .fakes import TRANSPORT, FakeClock
from .loopback import LoopbackServer, serve

pytestmark = pytest.mark.anyio

EMAIL = "agent@example.com"
PASSWORD = "pw-canary-7f3e9c21d4"  # the canaries: never in a span or a metric
API_KEY = "key-canary-0b8d6a5e42"
INSTRUMENTATIONS = (
    "opentelemetry.instrumentation.httpx",
    "opentelemetry.instrumentation.aiohttp_client",
)
# The metrics, by the names docs/telemetry.md documents.
DURATION = "agentchat.client.operation.duration"
RETRIES = "agentchat.client.retries"
RELOGONS = "agentchat.client.relogons"
KEEP_ALIVES = "agentchat.client.keep_alives"
QUEUED = "agentchat.client.queued"


@attrs.define
class Otel:
    """The SDK's providers, wired to in-memory exporters."""

    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def spans(self) -> list[ReadableSpan]:
        """The library's spans, in the order they ended."""
        finished = self.exporter.get_finished_spans()
        return [s for s in finished if s.instrumentation_scope.name == "agentchat"]  # type: ignore[union-attr]

    def generic_spans(self) -> list[ReadableSpan]:
        """The spans of the generic HTTP client instrumentations."""
        finished = self.exporter.get_finished_spans()
        return [s for s in finished if s.instrumentation_scope.name in INSTRUMENTATIONS]  # type: ignore[union-attr]

    def span(self, name: str) -> ReadableSpan:
        (found,) = [s for s in self.spans() if s.name == name]
        return found

    def metrics(self) -> dict[str, Any]:
        """Every metric of the ``agentchat`` meter by name (read once, cumulative)."""
        data = self.reader.get_metrics_data()
        found: dict[str, Any] = {}
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                if scope.scope.name == "agentchat":
                    found.update({metric.name: metric for metric in scope.metrics})
        return found

    def exported(self) -> str:
        """Everything exported, as JSON: every span (name, attributes, events,
        links, status, resource) and every metric point, of every scope."""
        texts = [span.to_json() for span in self.exporter.get_finished_spans()]
        data = self.reader.get_metrics_data()
        if data is not None:
            texts.append(data.to_json())
        return "\n".join(texts)


@pytest.fixture
def otel() -> Iterator[Otel]:
    with instrumented() as found:
        yield found


@contextlib.contextmanager
def instrumented() -> Iterator[Otel]:
    """The SDK's providers, and the httpx and aiohttp-client instrumentations on."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider(shutdown_on_exit=False)
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    instrumentors = (HTTPXClientInstrumentor(), AioHttpClientInstrumentor())
    for instrumentor in instrumentors:
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
    try:
        yield Otel(exporter, reader, tracer_provider, meter_provider)
    finally:
        for instrumentor in instrumentors:
            instrumentor.uninstrument()
        tracer_provider.shutdown()
        meter_provider.shutdown()


def make_client(server: LoopbackServer, otel: Otel | None, **kwargs: Any) -> AsyncAgentChat:
    """A client of the loopback server, on the suite's transport, with the SDK's providers."""
    kwargs.setdefault("keep_alive_interval", None)
    if otel is not None:
        kwargs.setdefault("tracer_provider", otel.tracer_provider)
        kwargs.setdefault("meter_provider", otel.meter_provider)
    return AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, api_key=API_KEY, **kwargs)


async def plain_request(server: LoopbackServer) -> None:
    """One request outside the library, on the suite's HTTP library: the generic
    instrumentation makes a span of it (so it is on, and the tests are not vacuous).
    pyreqwest has no such instrumentation: on its run, httpx's is shown to be on."""
    url = server.base_url + "/api/KeepAlive"
    if TRANSPORT == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession() as session, session.get(url) as response:
            await response.read()
    else:
        async with httpx.AsyncClient() as http:
            await http.get(url)


def issued_tokens(server: LoopbackServer) -> list[str]:
    """Every token the loopback server issued (it numbers them from 1)."""
    return [f"tok-{n:08d}" for n in range(1, server.requests["/api/AgentLogon"] + 1)]


def assert_no_secret(otel: Otel, server: LoopbackServer) -> None:
    exported = otel.exported()
    assert "AgentLogon" in exported  # something was exported
    assert issued_tokens(server)
    for secret in (PASSWORD, API_KEY, "SessionToken", "tok-", *issued_tokens(server)):
        assert secret not in exported, f"{secret!r} was exported"


def once(server: LoopbackServer, path: str, status: int) -> None:
    """The next request for ``path`` that reaches the router is answered ``status``."""
    route = server._route
    pending = [status]

    def first_then_normal(method: str, at: str, body: bytes) -> tuple[int, bytes]:
        if at == path and pending:
            return pending.pop(), b'{"Message": "not now"}'
        return route(method, at, body)

    server._route = first_then_normal  # type: ignore[method-assign, assignment]


def points(metric: Any) -> list[Any]:
    return list(metric.data.data_points)


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


# -- spans ---------------------------------------------------------------------------------


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_each_call_is_one_client_span_named_after_its_endpoint(otel: Otel) -> None:
    async with serve() as server:
        async with make_client(server, otel) as chat:
            await chat.get_chat_list()
        assert [s.name for s in otel.spans()] == ["AgentLogon", "GetChatList", "AgentLogoff"]
        span = otel.span("GetChatList")
        assert span.kind is SpanKind.CLIENT
        port = int(server.base_url.rpartition(":")[2])
        assert attributes(span) == {
            "agentchat.endpoint": "GetChatList",
            "http.request.method": "GET",
            "server.address": "127.0.0.1",
            "server.port": port,
            "url.full": f"{server.base_url}/api/GetChatList",
            "http.response.status_code": 200,
            "agentchat.retries": 0,
            "agentchat.relogon": False,
        }
        assert span.status.status_code is StatusCode.UNSET
        assert not span.events
        assert attributes(otel.span("AgentLogon"))["http.request.method"] == "POST"
        assert all(s.parent is None for s in otel.spans())  # no span was current around them
        assert otel.generic_spans() == []
        assert_no_secret(otel, server)


async def test_a_span_is_a_child_of_the_callers_span(otel: Otel) -> None:
    tracer = otel.tracer_provider.get_tracer("the application")
    async with serve() as server, make_client(server, otel) as chat:
        with tracer.start_as_current_span("handle a chat") as parent:
            await chat.get_chat_list()
    span = otel.span("GetChatList")
    assert span.parent is not None
    assert span.parent.span_id == parent.get_span_context().span_id


async def test_a_relogon_is_an_event_and_a_child_span_and_a_retry_an_event(
    otel: Otel, fake_clock: FakeClock
) -> None:
    async with serve() as server:
        server.check_sessions = True
        async with make_client(server, otel) as chat:
            server.expire()  # the next call is answered 401 and logs on again ...
            once(server, "/api/GetChatList", 503)  # ... then its resend is refused once
            await chat.get_chat_list()
        call = otel.span("GetChatList")
        assert attributes(call)["agentchat.retries"] == 1
        assert attributes(call)["agentchat.relogon"] is True
        assert attributes(call)["http.response.status_code"] == 200
        assert "error.type" not in attributes(call)
        assert [e.name for e in call.events] == ["agentchat.relogon", "agentchat.retry"]
        relogon, retry = call.events
        assert dict(relogon.attributes or {}) == {"http.response.status_code": 401}
        assert dict(retry.attributes or {}) == {
            "agentchat.attempt": 1,
            "agentchat.delay": fake_clock.waits[0],
            "error.type": "503",
        }
        logons = [s for s in otel.spans() if s.name == "AgentLogon"]
        assert len(logons) == 2  # entering, then the re-logon: a child of the call
        assert logons[0].parent is None
        assert logons[1].parent is not None
        assert logons[1].parent.span_id == call.context.span_id
        metrics = otel.metrics()
        (retried,) = points(metrics[RETRIES])
        assert (retried.value, dict(retried.attributes)) == (
            1,
            {"agentchat.endpoint": "GetChatList", "error.type": "503"},
        )
        (relogged,) = points(metrics[RELOGONS])
        assert relogged.value == 1
        assert otel.generic_spans() == []
        assert_no_secret(otel, server)


async def test_an_error_answer_sets_error_type_to_its_status_and_the_span_status(
    otel: Otel,
) -> None:
    async with serve() as server, make_client(server, otel) as chat:
        with pytest.raises(NotFoundError):
            await chat.get_settings()  # the loopback server has no such endpoint
    span = otel.span("GetSettings")
    assert attributes(span)["error.type"] == "404"
    assert attributes(span)["http.response.status_code"] == 404
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description
    by_endpoint = {
        p.attributes["agentchat.endpoint"]: dict(p.attributes)
        for p in points(otel.metrics()[DURATION])
    }
    assert by_endpoint["GetSettings"] == {"agentchat.endpoint": "GetSettings", "error.type": "404"}
    assert by_endpoint["AgentLogon"] == {"agentchat.endpoint": "AgentLogon"}


async def test_a_network_failure_sets_error_type_to_the_exception_class(otel: Otel) -> None:
    async with serve() as server, make_client(server, otel) as chat:
        server.faults["/api/GetChatList"] = "drop"  # read, then closed with no answer
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the class is what is checked
            await chat.with_options(max_retries=0).get_chat_list()
    span = otel.span("GetChatList")
    assert attributes(span)["error.type"] == type(raised.value).__name__
    assert "http.response.status_code" not in attributes(span)
    assert span.status.status_code is StatusCode.ERROR
    (point,) = [
        p
        for p in points(otel.metrics()[DURATION])
        if p.attributes["agentchat.endpoint"] == "GetChatList"
    ]
    assert point.attributes["error.type"] == type(raised.value).__name__
    assert otel.generic_spans() == []
    assert_no_secret(otel, server)


async def test_a_call_past_its_deadline_ends_its_span_with_the_timeout(otel: Otel) -> None:
    async with serve() as server, make_client(server, otel) as chat:
        server.faults["/api/GetChatList"] = "hang"
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the class is what is checked
            await chat.with_options(deadline=0.2).get_chat_list()
    assert type(raised.value).__name__ == "APITimeoutError"
    assert attributes(otel.span("GetChatList"))["error.type"] == "APITimeoutError"


def test_the_url_recorded_has_no_user_info_and_no_query(otel: Otel) -> None:
    from agentchat._telemetry import make_telemetry

    made = make_telemetry(
        "https://someone:hunter2@agentchat.example:8443/base", otel.tracer_provider, None
    )
    assert made is not None
    assert made.recording()  # a provider is given: a span is made
    made.start(GET_CHAT_LIST).end(None)
    assert attributes(otel.span("GetChatList"))["url.full"] == (
        "https://agentchat.example:8443/base/api/GetChatList"
    )
    assert attributes(otel.span("GetChatList"))["server.port"] == 8443
    assert "hunter2" not in otel.exported()


def test_providers_that_are_not_opentelemetry_providers_are_refused() -> None:
    with pytest.raises(InvalidRequestError, match="tracer_provider must be"):
        AsyncAgentChat(EMAIL, PASSWORD, tracer_provider="console")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequestError, match="meter_provider must be"):
        AsyncAgentChat(EMAIL, PASSWORD, meter_provider=object())  # type: ignore[arg-type]


# -- metrics -------------------------------------------------------------------------------


async def test_the_duration_histogram_has_a_point_per_endpoint(otel: Otel) -> None:
    async with serve() as server, make_client(server, otel) as chat:
        for _ in range(3):
            await chat.get_chat_list()
    duration = otel.metrics()[DURATION]
    assert duration.unit == "s"
    by_endpoint = {p.attributes["agentchat.endpoint"]: p for p in points(duration)}
    assert set(by_endpoint) == {"AgentLogon", "GetChatList", "AgentLogoff"}
    assert by_endpoint["GetChatList"].count == 3
    assert 0 < by_endpoint["GetChatList"].sum < 10
    assert dict(by_endpoint["GetChatList"].attributes) == {"agentchat.endpoint": "GetChatList"}
    assert by_endpoint["GetChatList"].explicit_bounds[0] == 0.005  # seconds, not milliseconds


async def test_callers_that_wait_for_a_slot_are_counted(otel: Otel) -> None:
    async with (
        serve(delay=0.05) as server,
        make_client(server, otel, max_concurrency=1) as chat,
        anyio.create_task_group() as tg,
    ):
        for _ in range(3):
            tg.start_soon(chat.get_chat_list)
    (queued,) = points(otel.metrics()[QUEUED])
    assert dict(queued.attributes) == {"agentchat.endpoint": "GetChatList"}
    assert queued.value == 2


async def test_keep_alives_are_counted_and_each_is_a_trace_of_its_own(otel: Otel) -> None:
    tracer = otel.tracer_provider.get_tracer("the application")
    async with serve() as server:
        with tracer.start_as_current_span("start the agent") as parent:
            async with make_client(server, otel, keep_alive_interval=0.05):
                with anyio.fail_after(5):
                    while not [s for s in otel.spans() if s.name == "KeepAlive"]:
                        await anyio.sleep(0.01)
        keep_alive = next(s for s in otel.spans() if s.name == "KeepAlive")
        assert keep_alive.parent is None  # not a child of the span current at entering
        logon = otel.span("AgentLogon")
        assert logon.parent is not None
        assert logon.parent.span_id == parent.get_span_context().span_id
        (kept,) = points(otel.metrics()[KEEP_ALIVES])
        assert kept.value >= 1
        assert otel.generic_spans() == []
        assert_no_secret(otel, server)


# -- the token canary ----------------------------------------------------------------------


async def test_no_password_api_key_or_token_is_exported_anywhere(
    otel: Otel, fake_clock: FakeClock
) -> None:
    """A session's whole life, with both generic instrumentations on: logon, calls,
    a re-logon, a retry, errors, keep-alives, logoff. Nothing exported (span
    names, attributes, events, links, status, resource; metric points) holds a
    secret, and no span of the generic instrumentations is made for it."""
    async with serve() as server:
        await plain_request(server)
        assert len(otel.generic_spans()) == 1  # the instrumentation is on
        server.check_sessions = True
        async with make_client(server, otel, keep_alive_interval=0.05) as chat:
            await chat.get_chat_list()
            server.expire()
            once(server, "/api/GetChatList", 503)
            await chat.get_chat_list()
            with pytest.raises(NotFoundError):
                await chat.get_settings()
            server.faults["/api/GrabChat"] = "drop"
            with pytest.raises(Exception):  # noqa: B017, PT011 - any error: only what is exported matters
                await chat.grab_chat()
            with anyio.fail_after(5):
                while server.requests["/api/KeepAlive"] < 2:  # the plain request, then a tick
                    await anyio.sleep(0.01)
        assert len(issued_tokens(server)) == 2
        assert len(otel.generic_spans()) == 1  # still only the plain request's
        assert {"AgentLogon", "GetChatList", "GetSettings", "GrabChat", "AgentLogoff"} <= {
            s.name for s in otel.spans()
        }
        assert_no_secret(otel, server)


async def test_generic_instrumentation_records_none_of_the_librarys_requests(
    otel: Otel,
) -> None:
    """The leak of the issue: instrumentations with a provider of their own, and
    the library given none (its spans are no-ops): still no span, anywhere,
    carries the token."""
    async with serve() as server:
        await plain_request(server)
        async with make_client(server, None) as chat:
            await chat.get_chat_list()
            await chat.keep_alive()
        generic = otel.generic_spans()
        assert len(generic) == 1, [attributes(s) for s in generic]
        exported = otel.exported()
        for secret in (PASSWORD, API_KEY, "SessionToken", *issued_tokens(server)):
            assert secret not in exported


async def test_instrumentation_switched_on_later_records_none_of_the_clients_requests() -> None:
    """With no provider set, a call on a wire no generic instrumentation can see
    (``Wire.instrumentable`` false: pyreqwest, or an aiohttp session made while
    aiohttp-client's instrumentation was off) skips the suppression context.
    The real instrumentations, switched on while such a client is open, must
    still see none of its requests: aiohttp-client's trace config is never added
    to the session, and httpx's wire, which any later patch reaches, keeps the
    suppression."""
    async with serve() as server:
        async with make_client(server, None) as chat:
            await chat.get_chat_list()  # the wire is made with every instrumentation off
            with instrumented() as otel:
                await plain_request(server)
                await chat.get_chat_list()
                await chat.keep_alive()
                generic = otel.generic_spans()
                exported = otel.exported()
        assert len(generic) == 1, [attributes(s) for s in generic]  # plain_request's
        for secret in (PASSWORD, API_KEY, "SessionToken", *issued_tokens(server)):
            assert secret not in exported


# -- without OpenTelemetry, and with a provider set later -----------------------------------


def run_python(*parts: str) -> str:
    """Run the source ``parts`` in a fresh interpreter (warnings are errors); its output."""
    source = "\n".join(textwrap.dedent(part) for part in parts)
    done = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-W", "error", "-c", source],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


_SERVER = """
import json, anyio, httpx

def handler(request):
    if request.url.path == "/api/AgentLogon":
        return httpx.Response(200, json={"SessionToken": "tok-subprocess-1"})
    if request.url.path == "/api/GetChatList":
        return httpx.Response(200, json=[{"ChatID": "1", "CustomerName": "A"}])
    return httpx.Response(200)

def client(**kwargs):
    from agentchat import AsyncAgentChat
    return AsyncAgentChat(
        "a@example.com", "pw", base_url="https://agentchat.test",
        transport=httpx.MockTransport(handler), keep_alive_interval=None, **kwargs,
    )
"""


def test_without_opentelemetry_the_client_works_and_imports_none_of_it() -> None:
    out = run_python(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if not installed: importing it fails
        """,
        _SERVER,
        """
        from agentchat import InvalidRequestError, _telemetry
        assert _telemetry.AVAILABLE is False

        async def main():
            async with client() as chat:
                assert chat._core.pipeline.telemetry is None
                assert len(await chat.get_chat_list()) == 1

        anyio.run(main)
        try:
            client(tracer_provider=object())
        except InvalidRequestError as exc:
            print("refused:", exc)
        loaded = [n for n, m in sys.modules.items() if n.startswith("opentelemetry") and m]
        print(json.dumps(loaded))
        """,
    )
    refused, loaded = out.strip().splitlines()
    assert "need opentelemetry-api" in refused
    assert json.loads(loaded) == []


@pytest.mark.parametrize("instrumentable", [True, False], ids=["httpx", "uninstrumentable"])
def test_a_global_provider_set_after_the_client_was_made_is_used(instrumentable: bool) -> None:
    """Also on a wire no generic instrumentation sees (pyreqwest's, an aiohttp
    session without trace configs), where a call with no provider set skips its
    telemetry altogether: the provider is seen from the next call on."""
    out = run_python(
        _SERVER,
        f"import agentchat._httpx; agentchat._httpx.HttpxWire.instrumentable = {instrumentable}",
        """
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        chat = client()  # no provider yet: OpenTelemetry's proxies stand in

        async def main():
            async with chat:
                await chat.get_chat_list()

        anyio.run(main)  # no-op spans
        exporter, reader = InMemorySpanExporter(), InMemoryMetricReader()
        provider = TracerProvider(shutdown_on_exit=False)
        provider.add_span_processor(SimpleSpanProcessor(exporter))

        async def later():
            async with client() as chat:
                await chat.get_chat_list()  # no provider yet
                trace.set_tracer_provider(provider)
                metrics.set_meter_provider(
                    MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
                )
                await chat.get_chat_list()  # the same client sees them

        anyio.run(later)
        print(json.dumps([s.name for s in exporter.get_finished_spans()]))
        names = [
            m.name
            for r in reader.get_metrics_data().resource_metrics
            for s in r.scope_metrics
            for m in s.metrics
        ]
        print(json.dumps(names))
        """,
    )
    spans, names = (json.loads(line) for line in out.strip().splitlines())
    assert spans == ["GetChatList", "AgentLogoff"]
    assert names == [DURATION]


# -- helpers' own checks -----------------------------------------------------------------


def test_error_type_is_the_status_of_an_error_answer_else_the_class_name() -> None:
    from agentchat._telemetry import error_type

    error = NotFoundError("no", status_code=404, endpoint="GetChat", body="")
    assert error_type(error) == "404"
    assert error_type(TimeoutError()) == "TimeoutError"
