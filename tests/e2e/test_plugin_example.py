"""This is how you test your own bot: against the local simulator, with its pytest fixtures.

Enable the fixtures once, in your ``conftest.py``::

    pytest_plugins = ["agentchat.simulator.pytest_plugin"]

``agentchat_simulator`` is a fresh simulator with seeded data, reached in
process through ``sim.transport()``; ``agentchat_server`` serves it on a free
127.0.0.1 port for tests that want real sockets. Everything your bot changed is
in ``sim.journal``, so a test can check that each message went out exactly once.
"""

from __future__ import annotations

from collections import Counter

import pytest

from agentchat import AsyncAgentChat
from agentchat.simulator import Faults, Simulator, SimulatorConfig

pytestmark = pytest.mark.anyio


async def answer_waiting_chats(chat: AsyncAgentChat) -> list[int]:
    """The bot under test: take every waiting chat and greet its customer."""
    answered = []
    while (waiting := await chat.grab_chat()) is not None:
        name = waiting.customer_name or "there"
        await chat.send_message(waiting.chat_id, f"Hi {name}, how can I help?")
        answered.append(waiting.chat_id)
    return answered


def greetings_per_chat(sim: Simulator) -> Counter[int]:
    return Counter(e.fields["chat_id"] for e in sim.journal if e.endpoint == "SendMessage")


async def test_each_waiting_chat_gets_one_greeting(agentchat_simulator: Simulator) -> None:
    sim = agentchat_simulator
    async with AsyncAgentChat(
        sim.agent_email, sim.agent_password,
        base_url="http://127.0.0.1", transport=sim.transport(),
    ) as chat:  # fmt: skip
        answered = await answer_waiting_chats(chat)

    grabbed = [e.fields["chat_id"] for e in sim.journal if e.endpoint == "GrabChat"]
    assert answered == grabbed != []
    assert greetings_per_chat(sim) == Counter(grabbed)  # exactly one greeting each


class TestOnAFlakyServer:
    """Overriding ``agentchat_simulator_config`` changes the simulator of the tests
    in its scope (here a class; in a module or conftest it applies to all of them)."""

    @pytest.fixture
    def agentchat_simulator_config(self) -> SimulatorConfig:
        # camelCase answers, and one request in five refused with 503.
        return SimulatorConfig(casing="camel", faults=Faults(error_rates={"*": {503: 0.2}}))

    async def test_the_bot_copes_over_real_sockets(
        self, agentchat_simulator: Simulator, agentchat_server: str
    ) -> None:
        sim = agentchat_simulator
        async with AsyncAgentChat(
            sim.agent_email, sim.agent_password, base_url=agentchat_server, max_retries=5
        ) as chat:
            answered = await answer_waiting_chats(chat)

        assert sim.faults_injected["error_503"] > 0  # the refusals were retried
        assert greetings_per_chat(sim) == Counter(answered)
        assert len(answered) == len(set(answered)) > 0
