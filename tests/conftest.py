from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from .fakes import BASE_URL, FakeAgentChat

pytest_plugins = ["agentchat.simulator.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    """Most tests run on asyncio; lifecycle tests parametrize trio too."""
    return "asyncio"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE_URL, assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def api(router: respx.MockRouter) -> FakeAgentChat:
    return FakeAgentChat(router)
