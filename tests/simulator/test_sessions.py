"""Session expiry on the simulator's clock, and the client's re-logon against it."""

from __future__ import annotations

import pytest

from agentchat import Role, Status
from agentchat.simulator import SimulatorConfig

from .helpers import START, Raw, client, make_sim

pytestmark = pytest.mark.anyio


async def test_a_session_expires_after_the_idle_timeout_and_any_call_refreshes_it() -> None:
    sim, clock = make_sim(SimulatorConfig(session_idle_timeout=100, start_time=START))
    async with Raw(sim) as raw:
        token = await raw.logon()
        clock.advance(100)  # exactly the timeout: still alive
        assert (await raw.call("GET", "KeepAlive", token)).status_code == 200
        clock.advance(99)
        assert (await raw.call("GET", "GetChatList", token)).status_code == 200
        clock.advance(99)
        # A refused call still refreshes: the session was valid.
        assert (await raw.call("GET", "ExportChat", token, params={"ChatID": 1})).status_code == 404
        clock.advance(100.5)
        response = await raw.call("GET", "KeepAlive", token)
        assert response.status_code == 401
        assert response.json() == {"Message": "Session expired or invalid"}
        clock.advance(-50)  # an expired session stays expired
        assert (await raw.call("GET", "KeepAlive", token)).status_code == 401
    assert sim.state.sessions == {}


async def test_the_client_logs_on_again_after_idle_expiry() -> None:
    sim, clock = make_sim()
    async with client(sim) as chat:
        await chat.get_chat_list()
        clock.advance(1801)
        assert len(await chat.get_chat_list(chat_type="open")) > 0
        assert chat.stats.relogons == 1
    assert sim.requests["AgentLogon"] == 2
    assert sim.requests["GetChatList"] == 3  # one refused, resent once


async def test_expire_sessions_forces_a_relogon_for_every_client() -> None:
    sim, _ = make_sim()
    async with client(sim) as agent, client(sim, manager=True) as manager:
        sim.expire_sessions()
        await agent.keep_alive()
        await manager.get_settings()
        assert (agent.stats.relogons, manager.stats.relogons) == (1, 1)
    assert sim.requests["AgentLogon"] == 4


async def test_disabling_an_agent_ends_their_sessions_and_refuses_logon() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon()
        async with client(sim, manager=True) as boss:
            me = sim.state.agents[2]
            await boss.update_agent(
                2, me.name, me.email_address, Role.AGENT, Status.ONLINE, enabled=False
            )
        assert (await raw.call("GET", "KeepAlive", token)).status_code == 401
        body = {"EmailAddress": sim.agent_email, "Password": sim.agent_password}
        assert (await raw.call("POST", "AgentLogon", json=body)).status_code == 401
