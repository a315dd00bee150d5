"""Pytest fixtures for testing your own bots against the local simulator.

Enable them in a ``conftest.py``::

    pytest_plugins = ["agentchat.simulator.pytest_plugin"]

Then, with anyio's pytest plugin (or pytest-asyncio)::

    @pytest.mark.anyio
    async def test_my_bot_answers(agentchat_simulator: Simulator) -> None:
        sim = agentchat_simulator
        async with AsyncAgentChat(
            sim.agent_email, sim.agent_password,
            base_url="http://127.0.0.1", transport=sim.transport(),
        ) as chat:
            await my_bot.answer_one(chat)
        assert [entry.endpoint for entry in sim.journal] == ["GrabChat", "SendMessage"]

``agentchat_simulator`` runs in process (no port); ``agentchat_server`` serves
the same simulator on a free 127.0.0.1 port and gives its base URL, for tests
that need real sockets. Override ``agentchat_simulator_config`` to change
casing, faults or timing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import Simulator, SimulatorConfig
from ._serve import serve_in_thread

__all__ = ["agentchat_server", "agentchat_simulator", "agentchat_simulator_config"]


@pytest.fixture
def agentchat_simulator_config() -> SimulatorConfig:
    """The configuration of ``agentchat_simulator``; override it in your conftest."""
    return SimulatorConfig()


@pytest.fixture
def agentchat_simulator(agentchat_simulator_config: SimulatorConfig) -> Simulator:
    """A fresh simulator with seeded data, for in-process use via ``transport()``."""
    return Simulator(agentchat_simulator_config)


@pytest.fixture
def agentchat_server(agentchat_simulator: Simulator) -> Iterator[str]:
    """``agentchat_simulator`` served on a free 127.0.0.1 port; its base URL."""
    with serve_in_thread(agentchat_simulator) as url:
        yield url
