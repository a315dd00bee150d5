"""Many agents in one process: 50 sessions sharing one connection pool, over real sockets.

A manager creates 49 agents; the manager and the 49 each open their own
``AsyncAgentChat`` on one shared ``httpx.AsyncClient`` (20 connections). Each
session has its own token and keep-alive task; together they empty the shared
queue with no chat grabbed twice, then log off, leaving the pool open.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

import anyio
import httpx
import pytest

from agentchat import AsyncAgentChat, ClientStats
from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread

from ..simulator.helpers import START

pytestmark = pytest.mark.anyio

AGENTS = 49
SESSIONS = AGENTS + 1  # and the manager
CHATS = 100


async def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds; the test's ``fail_after`` bounds it."""
    while not condition():
        await anyio.sleep(0.005)


async def test_fifty_sessions_share_one_pool_and_the_queue() -> None:
    sim = Simulator(SimulatorConfig(start_time=START))
    departments = sorted(sim.state.departments)
    for _ in range(CHATS):
        sim.new_chat()
    waiting = {c.chat_id for c in sim.state.chats.values() if c.status == "unassigned"}
    grabbed: collections.Counter[int] = collections.Counter()
    stats: dict[str, ClientStats] = {}
    logged_on = 0
    all_on = anyio.Event()
    queue_empty = anyio.Event()
    finished = 0
    all_done = anyio.Event()

    with serve_in_thread(sim) as url, anyio.fail_after(30):
        limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
        async with httpx.AsyncClient(limits=limits) as http:

            def session(email: str, password: str) -> AsyncAgentChat:
                return AsyncAgentChat(
                    email, password, base_url=url, http_client=http, keep_alive_interval=0.05
                )

            async with session(sim.manager_email, sim.manager_password) as manager:
                credentials = [(sim.manager_email, sim.manager_password)]
                for index in range(AGENTS):
                    agent = await manager.create_agent(
                        f"Bot {index}", f"bot{index}@example.com", 1, departments
                    )
                    assert agent is not None
                    assert agent.email_address is not None
                    # The simulator's rule for agents made by CreateAgent.
                    credentials.append((agent.email_address, f"welcome-{agent.agent_id}"))

            async def work(email: str, password: str) -> None:
                nonlocal logged_on, finished
                async with session(email, password) as chat:
                    logged_on += 1
                    if logged_on == SESSIONS:
                        all_on.set()
                    await all_on.wait()  # every session is open at once
                    while (item := await chat.grab_chat()) is not None:
                        grabbed[item.chat_id] += 1
                    queue_empty.set()
                    # Idle now: the session's own keep-alive task must tick.
                    await wait_for(lambda: chat.stats.keep_alives >= 1)
                    finished += 1
                    if finished == SESSIONS:
                        all_done.set()
                    await all_done.wait()
                    stats[email] = chat.stats

            async with anyio.create_task_group() as tg:
                for email, password in credentials:
                    tg.start_soon(work, email, password)
                await all_on.wait()
                sessions = list(sim.state.sessions.values())

            # Nobody closed the shared pool: it still works.
            assert not http.is_closed
            response = await http.get(f"{url}/api/KeepAlive", params={"Version": "1"})
            assert response.status_code == 401  # no token: but the pool answered

    # 50 sessions at once, one per agent, each with its own token.
    assert len(sessions) == SESSIONS
    assert len({s.agent_id for s in sessions}) == SESSIONS
    assert len({s.token for s in sessions}) == SESSIONS
    # The shared queue was emptied, no chat grabbed twice (client and journal agree).
    journal = [e for e in sim.journal if e.endpoint == "GrabChat"]
    assert sorted(e.fields["chat_id"] for e in journal) == sorted(waiting)
    assert set(grabbed) == waiting
    assert set(grabbed.values()) == {1}
    assert len({e.agent_id for e in journal}) > 1  # the work was shared
    # Each session logged on once and kept itself alive; all logged off.
    assert len(stats) == SESSIONS
    assert {(s.logons, s.relogons) for s in stats.values()} == {(1, 0)}
    assert min(s.keep_alives for s in stats.values()) >= 1
    assert sim.requests["AgentLogon"] == SESSIONS + 1  # the manager logged on twice
    assert sim.requests["AgentLogoff"] == SESSIONS + 1
    assert sim.state.sessions == {}
