"""A session store shared by several clients of one agent (``MemoryStore``, in process).

Against a simulator that keeps one session per agent, two clients that log on
for themselves evict each other's token in a loop of re-logons; sharing a store,
they use one session, make one logon, one keep-alive per interval, and the last
one to leave logs off.
"""

from __future__ import annotations

import anyio
import pytest

from agentchat import AsyncAgentChat, MemoryStore
from agentchat.simulator import Simulator, SimulatorConfig

pytestmark = pytest.mark.anyio


def client(sim: Simulator, **options: object) -> AsyncAgentChat:
    return AsyncAgentChat(
        sim.agent_email,
        sim.agent_password,
        base_url="http://127.0.0.1",
        transport=sim.transport(),
        **options,  # type: ignore[arg-type]
    )


async def interleave(first: AsyncAgentChat, second: AsyncAgentChat, rounds: int) -> None:
    for _ in range(rounds):
        await first.get_chat_list(chat_type="open")
        await second.get_chat_list(chat_type="open")


@pytest.fixture
def sim() -> Simulator:
    return Simulator(SimulatorConfig(one_session_per_agent=True))


async def test_without_a_store_two_clients_evict_each_other(sim: Simulator) -> None:
    async with client(sim) as first, client(sim) as second:
        await interleave(first, second, 5)
        relogons = first.stats.relogons + second.stats.relogons
    assert relogons >= 9  # every call after the first meets an evicted token
    assert sim.logon_count(sim.agent_email) >= 11


async def test_a_shared_store_makes_one_session(sim: Simulator) -> None:
    store = MemoryStore()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 5)
        assert first.agent == b.agent is not None
        stats = first.stats, b.stats
    assert sim.logon_count(sim.agent_email) == 1
    assert [s.logons for s in stats] == [1, 0]  # the second adopted the first's session
    assert [s.relogons for s in stats] == [0, 0]


async def test_an_expired_session_is_renewed_once_for_every_member(sim: Simulator) -> None:
    store = MemoryStore()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 1)
        sim.expire_sessions()
        async with anyio.create_task_group() as group:
            for member in (first, b) * 10:
                group.start_soon(member.get_chat_list)
    assert sim.logon_count(sim.agent_email) == 2  # entering, and one renewal


async def test_only_the_last_member_logs_off(sim: Simulator) -> None:
    store = MemoryStore()
    async with client(sim, session_store=store) as first:
        async with client(sim, session_store=store) as second:
            await second.get_chat_list()
        assert sim.requests["AgentLogoff"] == 0  # the first still uses the session
        await first.get_chat_list()  # and it is still alive
    assert sim.requests["AgentLogoff"] == 1
    assert await store.current(_key(sim)) is None  # forgotten once logged off


async def test_keep_alive_runs_once_for_the_fleet(sim: Simulator) -> None:
    store = MemoryStore()
    interval = 0.2
    members = [client(sim, session_store=store, keep_alive_interval=interval) for _ in range(3)]
    async with members[0], members[1], members[2]:
        await anyio.sleep(interval * 6)
        sent = sum(member.stats.keep_alives for member in members)
    # Three clients alone would send about 3 x 6; the fleet sends one per interval.
    assert 2 <= sent <= 7, sent
    assert sim.requests["KeepAlive"] == sent


async def test_another_agent_is_another_session() -> None:
    sim = Simulator(SimulatorConfig(one_session_per_agent=True))
    store = MemoryStore()
    agent = client(sim, session_store=store)
    manager = AsyncAgentChat(
        sim.manager_email,
        sim.manager_password,
        base_url="http://127.0.0.1",
        transport=sim.transport(),
        session_store=store,
    )
    async with agent, manager:
        await interleave(agent, manager, 3)
    assert sim.logon_count(sim.agent_email) == sim.logon_count(sim.manager_email) == 1


def _key(sim: Simulator) -> str:
    from agentchat._store import session_key

    return session_key("http://127.0.0.1", sim.agent_email)
