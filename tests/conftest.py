from __future__ import annotations

import os
import weakref
from collections.abc import AsyncIterator, Iterator

import pytest
import respx
from hypothesis import settings

from agentchat import _pipeline, _redaction

from . import fakes
from .fakes import BASE_URL, FakeAgentChat, FakeClock

pytest_plugins = ["agentchat.simulator.pytest_plugin", "tests.redis_server"]

# Property tests draw the same examples on every run (``make test`` and CI are
# deterministic); ``HYPOTHESIS_PROFILE=explore`` draws new ones each run, to hunt.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def anyio_backend() -> str:
    """Most tests run on asyncio; lifecycle tests parametrize trio too."""
    return "asyncio"


@pytest.fixture(autouse=True)
def forget_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets remembered during a test are forgotten after it.

    ``redact()`` masks the last ``RECENT_SECRETS`` secrets the process was given. A test
    whose server issues made-up tokens (fuzzing: "1234", "Token=", "Version")
    would otherwise leave every later test's texts masked in places.
    """
    monkeypatch.setattr(_redaction, "_recent", _redaction._recent.copy())
    monkeypatch.setattr(_redaction, "_live", weakref.WeakValueDictionary(_redaction._live))
    monkeypatch.setattr(_redaction, "_ordered", _redaction._ordered)


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proxy variables of the machine running the suite do not apply to it.

    The client reads ``HTTP_PROXY`` and the like, as httpx does: a developer's
    corporate proxy would otherwise carry the suite's loopback requests. The proxy
    tests set their own (``tests/test_proxies.py``).
    """
    for name in list(os.environ):
        if name.lower() in {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}:
            monkeypatch.delenv(name)


# On the aiohttp and pyreqwest transports (``AGENTCHAT_TRANSPORT=aiohttp`` or
# ``pyreqwest``; asyncio only) trio cases are deselected, as are the tests marked
# ``httpx_only`` (about httpx itself, or the same whatever the transport: run once,
# on the default run); respx answers them through a loopback bridge (``tests/bridge.py``).
TRANSPORT = fakes.TRANSPORT
BRIDGED = TRANSPORT in ("aiohttp", "pyreqwest")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "httpx_only: run on the default transport only: about httpx itself (its client, "
        "transports or exceptions), or the same on every transport (no wire is opened, "
        "or the test picks its transports itself)",
    )


def pytest_report_header() -> str:
    return f"agentchat transport: {TRANSPORT}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not BRIDGED:
        return
    kept, deselected = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_trio = callspec is not None and callspec.params.get("anyio_backend") == "trio"
        if on_trio or item.get_closest_marker("httpx_only") is not None:
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


if BRIDGED:
    from .bridge import Bridge

    @pytest.fixture
    async def router() -> AsyncIterator[respx.MockRouter]:
        with respx.mock(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True) as mock:
            async with Bridge(mock, BASE_URL) as bridge:
                fakes.BRIDGE_URL = bridge.url
                try:
                    yield mock
                finally:
                    fakes.BRIDGE_URL = None

else:

    @pytest.fixture
    def router() -> Iterator[respx.MockRouter]:
        with respx.mock(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True) as mock:
            yield mock


@pytest.fixture
def api(router: respx.MockRouter) -> FakeAgentChat:
    return FakeAgentChat(router)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The pipeline waits on a fake clock: backoff and Retry-After are recorded, not slept."""
    clock = FakeClock()
    monkeypatch.setattr(_pipeline, "CLOCK", clock)
    return clock
