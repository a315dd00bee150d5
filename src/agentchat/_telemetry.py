"""OpenTelemetry: one span per call, the client's metrics, and no token in either.

With ``opentelemetry-api`` installed (the ``otel`` extra), every call through
``Pipeline.call`` makes one span of kind client, named after its endpoint
(``GetChatList``), and records its duration in a histogram; retries are events
of that span and counted, a re-logon is an event and its AgentLogon a child
span. Without a provider configured (the SDK's, globally or given as
``tracer_provider=`` / ``meter_provider=``), OpenTelemetry's proxies make all of
it no-ops, and a provider set later is picked up by them. Without the package,
``AVAILABLE`` is false (one import attempt, at import) and the pipeline never
calls in here: its only cost is one ``is None`` test per call.

The session token travels in the query string, so nothing here records a URL
with its query: ``url.full`` is the base URL (no user info) and the path. And
while a call's span is current, OpenTelemetry's generic HTTP client
instrumentations (httpx, aiohttp-client, ...) are told to stay out of its
requests (OpenTelemetry's suppress-instrumentation context keys, HTTP's and
the general one that aiohttp-client instrumentations before 0.60 read; see
``_compat.py``): their spans would record the URL with ``SessionToken=...``.
The keys are set whether or not a provider is configured here, since an
instrumentation can be given a provider of its own.

Attribute names follow OpenTelemetry's HTTP semantic conventions where they
have one: ``http.request.method``, ``server.address``, ``server.port``,
``url.full``, ``http.response.status_code`` and ``error.type`` (the status code
of an error answer, else the exception's class name).
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Final

import httpx

from ._compat import otel_providers_set, suppression_keys
from ._exceptions import APIStatusError, InvalidRequestError
from ._redaction import redact
from ._routes import Route

try:
    from opentelemetry import context as otel_context
    from opentelemetry import metrics, trace

    _IMPORTED = True
except ImportError:  # pragma: no cover - exercised in a subprocess without the package
    _IMPORTED = False

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Histogram, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider
    from opentelemetry.util.types import AttributeValue

    from ._retry import Retry
    from ._wire import Reply

__all__ = [
    "AVAILABLE",
    "DURATION",
    "KEEP_ALIVES",
    "QUEUED",
    "RELOGONS",
    "RETRIES",
    "CallTrace",
    "Telemetry",
    "error_type",
    "make_telemetry",
]

#: Whether ``opentelemetry-api`` could be imported (tried once, at import).
AVAILABLE: Final = _IMPORTED

#: The instrumentation scope: spans and metrics come from the tracer and meter so named.
SCOPE: Final = "agentchat"

#: The instruments' names.
DURATION: Final = "agentchat.client.operation.duration"
RETRIES: Final = "agentchat.client.retries"
RELOGONS: Final = "agentchat.client.relogons"
KEEP_ALIVES: Final = "agentchat.client.keep_alives"
QUEUED: Final = "agentchat.client.queued"

#: Histogram buckets in seconds (OpenTelemetry's advice for HTTP client durations).
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
#: A span status description is cut to this many characters.
_DESCRIPTION_MAX: Final = 300

if _IMPORTED:
    # Set in a call's context: generic HTTP client instrumentation stays out.
    _SUPPRESSED: Final = dict.fromkeys(suppression_keys(otel_context), True)
    _CLIENT: Final = trace.SpanKind.CLIENT
    _INVALID_SPAN: Final = trace.INVALID_SPAN


class _Instruments:
    """A meter's five instruments."""

    __slots__ = ("duration", "keep_alives", "queued", "relogons", "retries")

    def __init__(self, meter: metrics.Meter) -> None:
        self.duration: Histogram = meter.create_histogram(
            DURATION,
            unit="s",
            description="Duration of AgentChat calls: queueing, attempts, waits and re-logon",
            explicit_bucket_boundaries_advisory=_BUCKETS,
        )
        self.retries: Counter = meter.create_counter(
            RETRIES, unit="{retry}", description="Attempts sent again after a failure"
        )
        self.relogons: Counter = meter.create_counter(
            RELOGONS, unit="{logon}", description="Sessions re-established after a rejection"
        )
        self.keep_alives: Counter = meter.create_counter(
            KEEP_ALIVES, unit="{call}", description="KeepAlive calls that succeeded"
        )
        self.queued: Counter = meter.create_counter(
            QUEUED, unit="{call}", description="Calls that waited for a free connection slot"
        )


@functools.cache
def _global_tracing() -> tuple[Tracer, _Instruments]:
    """The global providers' tracer and instruments, made once.

    OpenTelemetry's proxies forward to a provider set at any time, later
    included; and its proxy meter provider keeps every meter it hands out, so
    one per client would grow without bound.
    """
    return trace.get_tracer(SCOPE, _version()), _Instruments(metrics.get_meter(SCOPE, _version()))


def _version() -> str:
    from . import __version__  # the package is imported by the time a client is made

    return __version__


def make_telemetry(
    base_url: str, tracer_provider: object, meter_provider: object
) -> Telemetry | None:
    """A client's telemetry: ``None`` without ``opentelemetry-api``.

    ``tracer_provider`` and ``meter_provider`` are the client's arguments: an
    OpenTelemetry provider, or ``None`` for the global one.
    """
    if not AVAILABLE:
        if tracer_provider is not None or meter_provider is not None:
            raise InvalidRequestError(
                "tracer_provider and meter_provider need opentelemetry-api: install the "
                "otel extra (pip install 'agentchat-client[otel]')"
            )
        return None
    if tracer_provider is not None and not isinstance(tracer_provider, trace.TracerProvider):
        raise InvalidRequestError(
            "tracer_provider must be an opentelemetry TracerProvider or None, "
            f"got {type(tracer_provider).__name__}"
        )
    if meter_provider is not None and not isinstance(meter_provider, metrics.MeterProvider):
        raise InvalidRequestError(
            "meter_provider must be an opentelemetry MeterProvider or None, "
            f"got {type(meter_provider).__name__}"
        )
    tracer, instruments = _tracing(tracer_provider, meter_provider)
    return Telemetry(
        tracer,
        instruments,
        base_url,
        global_tracer=tracer_provider is None,
        global_meter=meter_provider is None,
    )


def _tracing(
    tracer_provider: TracerProvider | None, meter_provider: MeterProvider | None
) -> tuple[Tracer, _Instruments]:
    if tracer_provider is None:
        tracer = _global_tracing()[0]
    else:
        tracer = tracer_provider.get_tracer(SCOPE, _version())
    if meter_provider is None:
        instruments = _global_tracing()[1]
    else:
        instruments = _Instruments(meter_provider.get_meter(SCOPE, _version()))
    return tracer, instruments


class Telemetry:
    """One client's tracer, instruments, and the attributes naming its server."""

    __slots__ = (
        "_attributes",
        "_global_meter",
        "_global_tracer",
        "_parent",
        "_providers_set",
        "_suppressed",
        "_tracer",
        "_url",
        "instruments",
        "server",
    )

    def __init__(
        self,
        tracer: Tracer,
        instruments: _Instruments,
        base_url: str,
        *,
        global_tracer: bool = False,
        global_meter: bool = False,
    ) -> None:
        self._tracer = tracer
        # The global providers' tracer and instruments: no-ops until one is set.
        self._global_tracer = global_tracer
        self._global_meter = global_meter
        # Whether the global providers are set, read quickly (None: ask the getters).
        self._providers_set = otel_providers_set()
        self.instruments = instruments
        url = httpx.URL(base_url)
        port = url.port or (443 if url.scheme == "https" else 80)
        #: ``server.address`` and ``server.port``, as semantic conventions name them.
        self.server: dict[str, AttributeValue] = {"server.address": url.host, "server.port": port}
        # No user info (``netloc`` has none) and no query: the pipeline adds the
        # token to the query of each request, never to the base URL.
        self._url = redact(f"{url.scheme}://{url.netloc.decode('ascii')}{url.path.rstrip('/')}")
        #: Per endpoint: a span's starting attributes, and a metric point's.
        self._attributes: dict[str, tuple[dict[str, AttributeValue], dict[str, str]]] = {}
        # The last context a call started in, and it with instrumentation
        # suppressed: a task's calls start in the same one, over and over.
        self._parent: object = None
        self._suppressed: otel_context.Context | None = None

    def recording(self) -> bool:
        """Whether a call's span or its metric goes to a provider: ``start`` is due.

        Without one, a call on a wire that generic instrumentation can see
        (``Wire.instrumentable``) still switches it off, around each request
        only (``suppress``): a call waiting for a slot holds no context.
        """
        tracing, metering = self._providers()
        return tracing or metering

    def start(self, route: Route) -> CallTrace:
        """Start a call's span and make it current, with generic HTTP instrumentation off.

        ``CallTrace.end`` must follow, in the same task. Without a tracer
        provider the span is the no-op one and nothing looks it up.
        """
        tracing, _ = self._providers()
        attributes = self._attributes.get(route.name)
        if attributes is None:
            attributes = self._attributes[route.name] = self._route_attributes(route)
        if tracing:
            span = self._tracer.start_span(route.name, kind=_CLIENT, attributes=attributes[0])
        else:
            # No provider is set: the proxy's no-op tracer would make a span
            # that records nothing (looking up the current one to say so).
            span = _INVALID_SPAN
        context = self._suppressed_context()
        if span is not _INVALID_SPAN:  # the no-op tracer's, when no provider is set
            context = trace.set_span_in_context(span, context)
        token = otel_context.attach(context)
        return CallTrace(self, attributes[1], span, token)

    def suppress(self) -> object:
        """Switch generic HTTP instrumentation off in the current context, with
        no span, until ``unsuppress`` of what this returns (in the same task)."""
        return otel_context.attach(self._suppressed_context())

    @staticmethod
    def unsuppress(token: object) -> None:
        otel_context.detach(token)  # type: ignore[arg-type]

    def _suppressed_context(self) -> otel_context.Context:
        """The current context with generic instrumentation suppressed."""
        parent = otel_context.get_current()
        if parent is self._parent and self._suppressed is not None:
            return self._suppressed  # contexts are immutable: the same one serves
        context = otel_context.Context({**parent, **_SUPPRESSED})
        self._parent, self._suppressed = parent, context
        return context

    def _providers(self) -> tuple[bool, bool]:
        """Whether this client's spans, and its metrics, go to a provider."""
        if self._providers_set is not None:
            tracer_set, meter_set = self._providers_set()
        else:
            tracer_set = type(trace.get_tracer_provider()) is not trace.ProxyTracerProvider
            meter_set = True  # cannot tell: record
        return tracer_set or not self._global_tracer, meter_set or not self._global_meter

    def _route_attributes(self, route: Route) -> tuple[dict[str, AttributeValue], dict[str, str]]:
        span: dict[str, AttributeValue] = {
            "agentchat.endpoint": route.name,
            "http.request.method": route.method,
            **self.server,
            "url.full": self._url + route.path,
        }
        return span, {"agentchat.endpoint": route.name}

    def queued(self, route: Route) -> None:
        """A call waits for a slot."""
        self.instruments.queued.add(1, {"agentchat.endpoint": route.name})

    def relogged(self) -> None:
        """The session logged on again after a rejection."""
        self.instruments.relogons.add(1)

    def kept_alive(self) -> None:
        """A KeepAlive call succeeded."""
        self.instruments.keep_alives.add(1)

    @staticmethod
    def new_trace() -> None:
        """Calls from this task on start traces of their own (for the keep-alive task).

        A task inherits the context it was started in: without this, every
        keep-alive tick would be a child of whatever span was current when the
        client was entered. Only for a task of the library's own, which ends
        with the context it changed.
        """
        otel_context.attach(otel_context.Context())


class CallTrace:
    """One call's span, current until ``end``: its retries, re-logon and outcome."""

    __slots__ = ("_begun", "_metric", "_telemetry", "_token", "relogon", "retries", "span")

    def __init__(
        self, telemetry: Telemetry, metric: dict[str, str], span: Span, token: object
    ) -> None:
        self._telemetry = telemetry
        self._metric = metric
        self.span = span
        self._token = token
        self._begun = time.perf_counter()
        self.retries = 0
        self.relogon = False

    def retry(self, retry: Retry, attempt: int) -> None:
        """Attempt ``attempt`` is due after ``retry.delay`` seconds."""
        self.retries += 1
        kind = error_type(retry.error)
        self._telemetry.instruments.retries.add(1, {**self._metric, "error.type": kind})
        if self.span.is_recording():
            self.span.add_event(
                "agentchat.retry",
                {"agentchat.attempt": attempt, "agentchat.delay": retry.delay, "error.type": kind},
            )

    def relogon_due(self, status_code: int) -> None:
        """The server rejected the session: the call logs on again and resends."""
        self.relogon = True
        if self.span.is_recording():
            self.span.add_event("agentchat.relogon", {"http.response.status_code": status_code})

    def end(self, reply: Reply | None, error: BaseException | None = None) -> None:
        """End the span with the call's outcome, and record its duration."""
        otel_context.detach(self._token)  # type: ignore[arg-type]
        duration = time.perf_counter() - self._begun
        kind = None if error is None else error_type(error)
        span = self.span
        if span is not _INVALID_SPAN:  # the no-op tracer's span needs nothing
            if span.is_recording():
                span.set_attributes(_outcome(reply, error, kind, self.retries, self.relogon))
                if error is not None:
                    description = redact(str(error))[:_DESCRIPTION_MAX] or kind
                    span.set_status(trace.Status(trace.StatusCode.ERROR, description))
            span.end()
        metric = self._metric if kind is None else {**self._metric, "error.type": kind}
        self._telemetry.instruments.duration.record(duration, metric)


def _outcome(
    reply: Reply | None, error: BaseException | None, kind: str | None, retries: int, relogon: bool
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "agentchat.retries": retries,
        "agentchat.relogon": relogon,
    }
    status = reply.status_code if reply is not None else getattr(error, "status_code", None)
    if isinstance(status, int):
        attributes["http.response.status_code"] = status
    if kind is not None:
        attributes["error.type"] = kind
    return attributes


def error_type(error: BaseException) -> str:
    """``error.type``: an error answer's status code, else the exception's class name."""
    if isinstance(error, APIStatusError):
        return str(error.status_code)
    return type(error).__qualname__
