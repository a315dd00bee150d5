"""The real client against the simulator: keep-alive, concurrency, single re-logon, drops."""

from __future__ import annotations

import logging

import anyio
import pytest

from agentchat import AsyncAgentChat, Chat, ResponseFormatError
from agentchat.simulator import Faults, Simulator, SimulatorConfig
from agentchat.simulator._faults import ConnectionDropped, DroppedConnectionFilter

from .helpers import BASE_URL, START, client, make_sim

pytestmark = pytest.mark.anyio


async def test_keep_alive_outlives_a_short_idle_timeout() -> None:
    sim = Simulator(SimulatorConfig(session_idle_timeout=0.06, start_time=START))
    async with client(sim, keep_alive_interval=0.02) as chat:
        with anyio.fail_after(5):
            while sim.requests["KeepAlive"] < 5:
                await anyio.sleep(0.01)
        await chat.get_chat_list()
        assert chat.stats.relogons == 0
    assert sim.requests["AgentLogon"] == 1


async def test_concurrent_agents_never_grab_the_same_chat() -> None:
    sim, _ = make_sim()
    agents = [
        AsyncAgentChat(
            email, password, base_url=BASE_URL, transport=sim.transport(), keep_alive_interval=None
        )
        for email, password in (
            (sim.agent_email, sim.agent_password),
            (sim.manager_email, sim.manager_password),
            ("priya.naidoo@example.com", "agent-password-2"),
        )
    ]
    grabbed: list[Chat | None] = []

    async def grab(chat: AsyncAgentChat) -> None:
        grabbed.append(await chat.grab_chat())

    async with agents[0] as a, agents[1] as b, agents[2] as c, anyio.create_task_group() as tg:
        for chat in [a, b, c] * 5:
            tg.start_soon(grab, chat)
    ids = [g.chat_id for g in grabbed if g is not None]
    assert len(ids) == 9  # every waiting chat, once
    assert len(set(ids)) == len(ids)
    assert sorted(e.fields["chat_id"] for e in sim.journal) == sorted(ids)


async def test_concurrent_callers_share_one_relogon_after_expiry() -> None:
    sim, _ = make_sim()
    async with client(sim) as chat:
        sim.expire_sessions()
        async with anyio.create_task_group() as tg:
            for _ in range(20):
                tg.start_soon(chat.get_department_list)
        assert chat.stats.relogons == 1
    assert sim.requests["AgentLogon"] == 2


def test_the_log_filter_hides_simulated_drops_only() -> None:
    log_filter = DroppedConnectionFilter()

    def record(exc: BaseException | None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "boom", (), info)

    assert not log_filter.filter(record(ConnectionDropped("simulated")))
    assert log_filter.filter(record(RuntimeError("real")))
    assert log_filter.filter(record(None))


async def test_a_truncated_logon_answer_is_a_format_error() -> None:
    sim, _ = make_sim(SimulatorConfig(start_time=START, faults=Faults(malformed={"AgentLogon": 1})))
    with pytest.raises(ResponseFormatError):
        async with client(sim, max_retries=0):
            pass
