"""Session expiry on the simulator's clock, one session per agent, slow logons, and the
client's re-logon against them."""

from __future__ import annotations

import json
import time

import anyio
import httpx
import pytest

from agentchat import Role, Status
from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread

from .helpers import START, Raw, client, make_sim, message

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


async def test_one_session_per_agent_a_logon_ends_the_agents_earlier_sessions_only() -> None:
    sim, _ = make_sim(SimulatorConfig(start_time=START, one_session_per_agent=True))
    async with Raw(sim) as raw:
        first = await raw.logon()
        boss = await raw.logon(manager=True)
        second = await raw.logon()
        ended = await raw.call("GET", "KeepAlive", first)
        assert ended.status_code == 401
        assert message(ended) == "Session expired or invalid"  # as an expired session's
        assert (await raw.call("GET", "KeepAlive", second)).status_code == 200
        assert (await raw.call("GET", "KeepAlive", boss)).status_code == 200  # another agent
        refused = {"EmailAddress": sim.agent_email, "Password": "wrong"}
        assert (await raw.call("POST", "AgentLogon", json=refused)).status_code == 401
        assert (await raw.call("GET", "KeepAlive", second)).status_code == 200  # not a logon
    assert sim.logon_count(sim.agent_email) == 2
    assert sim.logon_count(sim.manager_email.upper()) == 1
    assert sim.logon_count() == 3
    assert sim.requests["AgentLogon"] == 4  # the refused one is a request, not a logon
    assert len(sim.state.sessions) == 2
    with pytest.raises(LookupError, match="no agent with EmailAddress nobody"):
        sim.logon_count("nobody@example.com")


async def test_two_clients_of_one_agent_evict_each_other_and_log_on_again() -> None:
    sim, _ = make_sim(SimulatorConfig(start_time=START, one_session_per_agent=True))
    async with client(sim) as first, client(sim) as second:
        assert sim.logon_count(sim.agent_email) == 2  # the second ended the first's session
        await first.get_chat_list()  # refused, logged on again (ending second's), resent
        assert (first.stats.relogons, second.stats.relogons) == (1, 0)
        assert sim.logon_count(sim.agent_email) == 3
        await second.keep_alive()
        assert (first.stats.relogons, second.stats.relogons) == (1, 1)
        assert sim.logon_count(sim.agent_email) == 4
        await second.keep_alive()  # the latest logon's session lives
        assert sim.logon_count(sim.agent_email) == 4
    assert sim.requests["GetChatList"] == 2
    assert sim.requests["KeepAlive"] == 3


async def test_without_one_session_per_agent_sessions_of_one_agent_live_side_by_side() -> None:
    sim, _ = make_sim()
    async with client(sim) as first, client(sim) as second:
        await first.get_chat_list()
        await second.keep_alive()
        await first.keep_alive()
        assert (first.stats.relogons, second.stats.relogons) == (0, 0)
        assert len(sim.state.sessions) == 2
    assert sim.logon_count(sim.agent_email) == 2


async def test_logon_latency_holds_the_logon_only_and_counts_it_once_processed() -> None:
    sim, _ = make_sim(SimulatorConfig(start_time=START, logon_latency=60))
    async with Raw(sim) as raw, anyio.create_task_group() as tg:
        tg.start_soon(raw.logon)
        with anyio.fail_after(5):
            while sim.requests["AgentLogon"] < 1:  # under way
                await anyio.sleep(0.005)
            # Other calls are not held.
            assert (await raw.call("GET", "KeepAlive")).status_code == 401
        assert sim.logon_count() == 0
        assert sim.state.sessions == {}
        tg.cancel_scope.cancel()
    assert sim.logon_count() == 0


async def test_a_logon_whose_caller_is_gone_mid_wait_still_ends_the_earlier_session() -> None:
    sim = Simulator(SimulatorConfig(logon_latency=0.2, one_session_per_agent=True))
    body = json.dumps({"EmailAddress": sim.agent_email, "Password": sim.agent_password})
    request = (
        "POST /api/AgentLogon?Version=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    with serve_in_thread(sim) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            started = time.monotonic()
            answer = await http.post("/api/AgentLogon", params={"Version": "1"}, content=body)
            assert time.monotonic() - started >= 0.2
            first = answer.json()["SessionToken"]
            port = int(url.rsplit(":", 1)[1])
            with anyio.fail_after(5):
                async with await anyio.connect_tcp("127.0.0.1", port) as caller:
                    await caller.send(request)
                    while sim.requests["AgentLogon"] < 2:  # under way: the caller goes
                        await anyio.sleep(0.005)
                while sim.logon_count() < 2:
                    await anyio.sleep(0.01)
            after = await http.get("/api/KeepAlive", params={"Version": "1", "SessionToken": first})
    assert after.status_code == 401
    assert len(sim.state.sessions) == 1
