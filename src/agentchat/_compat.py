"""Every use of another library's private attribute or undocumented behaviour.

Each is one small function or constant here, with the versions it was checked
against; nothing else in the package reaches into another library's privates.
``tests/test_compat.py`` checks each against the installed release and fails
loudly when it changed (the code here may fall back; the tests never do), and
``make test-latest`` runs those tests on the newest release of every dependency,
so that a new release is met by a red test, not by a user. The upper bounds in
``pyproject.toml`` stop below the next release that could break one of them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, Final, get_args

import cattrs
import httpx

__all__ = [
    "HTTP_LOGGERS",
    "cattrs_optional_inner",
    "disable_aiohttp_resend",
    "has_attrs_generated_init",
    "install_pool",
    "lazy_aiohttp_read_timer",
    "otel_providers_set",
    "pool_limit",
    "pyreqwest_connect_failed",
    "suppression_keys",
    "transport_pool",
]

# -- httpx 0.27-0.29, httpcore 1.0.x -------------------------------------------------------
#
# ``httpx.AsyncHTTPTransport`` keeps its httpcore connection pool in ``_pool`` and
# hands it every request (``handle_async_request``), ``__aenter__``, ``__aexit__``
# and ``aclose``; httpx has no public hook to give it another pool. httpcore's
# ``AsyncConnectionPool`` keeps its limit in ``_max_connections``. Checked against
# httpx 0.29.0 and httpcore 1.0.9.


def install_pool(transport: httpx.AsyncHTTPTransport, pool: object) -> None:
    """Make ``transport`` send through ``pool`` (an httpcore-style connection pool)."""
    transport._pool = pool  # type: ignore[assignment]


def transport_pool(transport: object) -> object | None:
    """The connection pool of an ``httpx.AsyncHTTPTransport``, else ``None``."""
    return getattr(transport, "_pool", None)


def pool_limit(client: httpx.AsyncClient) -> int | None:
    """The connection limit of an httpx client's default transport, when it can be read."""
    pool = transport_pool(getattr(client, "_transport", None))
    size = getattr(pool, "_max_connections", None)
    if isinstance(size, int) and 0 < size <= 100_000:
        return size
    return None


#: Loggers whose records may carry a URL, headers or a body: httpx's request
#: lines, httpcore's traces (one logger per module: checked against httpcore
#: 1.0.9), and hpack's (HTTP/2 headers).
HTTP_LOGGERS: Final = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
)

# -- aiohttp 3.10-3.14 ---------------------------------------------------------------------
#
# A ``ClientSession`` resends a GET, PUT or DELETE by itself when a reused
# connection drops (``_retry_connection``, on by default; aiohttp's own test
# client turns it off the same way). AgentChat has GET calls that are not safe to
# repeat (GrabChat, RequestPasswordReset), so the pipeline alone decides what is
# resent. There is no public switch. Checked against aiohttp 3.14.5.


def disable_aiohttp_resend(session: Any) -> None:
    """Turn off a ``ClientSession``'s own resend of a dropped request."""
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False


# ``sock_read`` (the read bound of the aiohttp wire) is kept by the connection's
# protocol, ``aiohttp.client_proto.ResponseHandler``: ``_reschedule_timeout``
# cancels its timer (``_read_timeout_handle``) and arms a new one for
# ``_read_timeout`` seconds when a request has been sent and on every read, and
# ``_drop_timeout`` cancels it when the answer has been read; ``_on_read_timeout``
# ends the read. That is two timers pushed on the event loop's heap and two
# cancelled per request: 3-4% of the wire's throughput at 100 callers. The
# connector makes its protocols with ``_factory``, ``partial(ResponseHandler,
# loop=loop)``. Checked against aiohttp 3.14.5.


def lazy_aiohttp_read_timer(connector: Any) -> bool:
    """Make ``connector``'s new connections keep their read bound with one timer
    that is moved, not replaced (``_LazyReadTimer``); whether it could.

    Without it (another aiohttp, another factory) aiohttp keeps the same bound
    its own way.
    """
    handler = _lazy_read_timer_class()
    factory = getattr(connector, "_factory", None)
    if (
        handler is None
        or not isinstance(factory, functools.partial)
        or factory.func is not handler.__bases__[0]
        or factory.args
        or set(factory.keywords) != {"loop"}
    ):
        return False
    connector._factory = functools.partial(handler, **factory.keywords)
    return True


#: What ``_LazyReadTimer`` takes over or calls in aiohttp's protocol.
AIOHTTP_READ_TIMER_METHODS: Final = (
    "_reschedule_timeout",
    "_drop_timeout",
    "_on_read_timeout",
    "connection_lost",
    "close",
    "abort",
)


@functools.cache
def _lazy_read_timer_class() -> type | None:
    try:
        from aiohttp.client_proto import ResponseHandler
    except ImportError:  # pragma: no cover - without the extra, or another aiohttp
        return None
    methods = (getattr(ResponseHandler, name, None) for name in AIOHTTP_READ_TIMER_METHODS)
    if not all(callable(method) for method in methods):
        return None  # pragma: no cover - another aiohttp (tests/test_compat.py fails)

    class _LazyReadTimer(ResponseHandler):
        """aiohttp's protocol, with the same read bound kept by one timer.

        A read only moves the bound's end (``_read_deadline``); the timer stays
        armed for the old end, and when it fires before the new one it is armed
        again for it. A drop (the answer read) only clears the end: the timer
        then finds nothing to do and is not armed again. So a connection in
        steady use arms about one timer per read bound instead of two per
        request. A bound that ends sooner than the armed timer (a call with a
        shorter timeout) re-arms it at once; a closed connection cancels it.
        """

        def __init__(self, loop: Any) -> None:
            super().__init__(loop)
            self._read_deadline: float | None = None

        def _reschedule_timeout(self) -> None:
            timeout = self._read_timeout
            if not timeout:
                self._read_deadline = None
                return
            self._read_deadline = deadline = self._loop.time() + timeout
            armed = self._read_timeout_handle
            if armed is None or deadline < armed.when():
                self._arm_read_timer(deadline)

        def _drop_timeout(self) -> None:
            self._read_deadline = None

        def _arm_read_timer(self, deadline: float) -> None:
            self._cancel_read_timer()
            self._read_timeout_handle = self._loop.call_at(deadline, self._read_timer_fired)

        def _cancel_read_timer(self) -> None:
            if self._read_timeout_handle is not None:
                self._read_timeout_handle.cancel()
                self._read_timeout_handle = None

        def _read_timer_fired(self) -> None:
            self._read_timeout_handle = None
            deadline = self._read_deadline
            if deadline is None:
                return
            if self._loop.time() < deadline:  # read from since the timer was armed
                self._arm_read_timer(deadline)
                return
            self._read_deadline = None
            self._on_read_timeout()

        def _stop_read_timer(self) -> None:
            self._cancel_read_timer()
            self._read_deadline = None

        def connection_lost(self, exc: BaseException | None) -> None:
            super().connection_lost(exc)
            self._stop_read_timer()

        def close(self) -> None:
            super().close()
            self._stop_read_timer()

        def abort(self) -> None:
            super().abort()
            self._stop_read_timer()

    return _LazyReadTimer


# -- pyreqwest 0.15 (reqwest 0.13, hyper-util 0.1): the pyreqwest wire ---------------------
#
# pyreqwest's exception classes do not say whether a request was sent: a connection
# the server closed after reading the request comes out as ``ConnectError``, and a
# timeout waiting for the answer's head as ``ConnectTimeoutError`` ("connection
# timeout"). What does say it is reqwest's chain of causes (``details["causes"]``,
# each one's ``Display``): hyper-util's client names a failure of its connector
# (TCP, TLS, a proxy's tunnel, DNS; reqwest's own connect timeout included)
# "client error (Connect)", and one on a connection already made "client error
# (SendRequest)". Undocumented text; checked against pyreqwest 0.15.1 (reqwest
# 0.13.5, hyper-util 0.1.21). If a release words it otherwise, no failure reads as
# a connect failure: nothing unsafe is resent, and connect failures are taken as
# "after sending" (tests/test_compat.py fails on it).

PYREQWEST_CONNECT_CAUSE: Final = "client error (Connect)"


def pyreqwest_connect_failed(exc: Any) -> bool:
    """Whether a pyreqwest ``RequestError`` failed in the connector: nothing was sent."""
    details = getattr(exc, "details", None)
    causes = details.get("causes") if isinstance(details, dict) else None
    return any(
        isinstance(cause, dict) and cause.get("message") == PYREQWEST_CONNECT_CAUSE
        for cause in causes or ()
    )


# -- cattrs 24.1-26.2: the structuring fast path (_fastpath.py) ----------------------------


def cattrs_optional_inner(hook: Callable[[Any, Any], Any], type_: Any) -> Any:
    """``X`` when ``hook`` is cattrs' own hook for ``type_`` = ``X | None``, else ``None``.

    Private cattrs behaviour, checked against cattrs 26.2.1: ``Converter``
    structures an optional type with the bound method
    ``BaseConverter._structure_optional``, which returns ``None`` for ``None``
    and otherwise calls the hook of the union's other member, ``args[0]``
    unless ``args[1]`` is ``NoneType``. If a cattrs release renames or changes
    it, this gives ``None`` and builders call the optional hook itself (slower,
    the same results).
    """
    optional = getattr(cattrs.BaseConverter, "_structure_optional", None)
    if optional is None or getattr(hook, "__func__", None) is not optional:
        return None
    args = get_args(type_)
    if len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


# -- attrs 24.1-26.1: the structuring fast path's twins ----------------------------------


def has_attrs_generated_init(cls: type) -> bool:
    """``cls`` has its own ``__init__``, written by attrs (not by hand).

    Private attrs behaviour, checked against attrs 26.1.0: attrs compiles the
    methods it writes with a file name that starts ``<attrs generated``
    (``attr._make._generate_unique_filename``). If a release names them
    otherwise, this gives ``False``, no class gets a twin, and builders call
    the class (slower, the same results; tests/test_converters.py fails on it).
    """
    init = cls.__dict__.get("__init__")
    filename: str = getattr(getattr(init, "__code__", None), "co_filename", "")
    return filename.startswith("<attrs generated")


# -- opentelemetry-api 1.30-1.x: the otel extra (_telemetry.py) ----------------------------


def suppression_keys(context_module: Any) -> tuple[str, ...]:
    """The context keys under which ``True`` keeps OpenTelemetry's HTTP client
    instrumentations out (given the ``opentelemetry.context`` module).

    Private OpenTelemetry behaviour, checked against opentelemetry-api 1.45.1,
    opentelemetry-instrumentation 0.66b1 and, for the second key, the
    aiohttp-client instrumentation 0.51b0. The httpx (0.47b0 on), aiohttp-client
    (0.60b0 on), requests, urllib and urllib3 instrumentations skip a request
    while ``opentelemetry.instrumentation.utils.is_http_instrumentation_enabled()``
    is false: it reads ``opentelemetry.context._SUPPRESS_HTTP_INSTRUMENTATION_KEY``
    (in the API since 1.12, "a temporary location"; its public setter,
    ``suppress_http_instrumentation()``, is in opentelemetry-instrumentation,
    not a dependency). Earlier aiohttp-client instrumentations read only
    ``is_instrumentation_enabled()``, whose key is ``_SUPPRESS_INSTRUMENTATION_KEY``:
    both are set (within a call, every instrumentation is off). If a release
    moves them, this gives the plain ``"suppress_instrumentation"`` key that
    ``is_instrumentation_enabled()`` also reads, and tests/test_compat.py fails.
    """
    names = ("_SUPPRESS_HTTP_INSTRUMENTATION_KEY", "_SUPPRESS_INSTRUMENTATION_KEY")
    keys = tuple(
        key for key in (getattr(context_module, n, None) for n in names) if isinstance(key, str)
    )
    return keys if len(keys) == len(names) else ("suppress_instrumentation", *keys)


def otel_providers_set() -> Callable[[], tuple[bool, bool]] | None:
    """A quick test of whether a global tracer provider and a global meter
    provider are set, or ``None`` if it cannot be made (then ask OpenTelemetry's
    getters, whose environment lookups cost more than the rest of a call's
    telemetry).

    Private OpenTelemetry behaviour, checked against opentelemetry-api 1.45.1:
    the getters return a proxy while their module's ``_TRACER_PROVIDER`` /
    ``_METER_PROVIDER`` is ``None`` and no ``OTEL_PYTHON_*_PROVIDER`` variable
    names one to load. With such a variable set, this gives ``None`` too.
    tests/test_compat.py fails if the globals move.
    """
    try:
        from opentelemetry import trace
        from opentelemetry.metrics import _internal as metrics
    except ImportError:  # pragma: no cover - without opentelemetry-api
        return None
    names = ("OTEL_PYTHON_TRACER_PROVIDER", "OTEL_PYTHON_METER_PROVIDER")
    if any(name in os.environ for name in names):
        return None
    if not (hasattr(trace, "_TRACER_PROVIDER") and hasattr(metrics, "_METER_PROVIDER")):
        return None

    def providers_set() -> tuple[bool, bool]:
        return trace._TRACER_PROVIDER is not None, metrics._METER_PROVIDER is not None

    return providers_set
