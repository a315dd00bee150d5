"""The business rules of the reference, as the simulator enforces them."""

from __future__ import annotations

import re

import pytest

from agentchat import (
    BadRequestError,
    ChatType,
    ConflictError,
    LogonError,
    NotFoundError,
    PermissionDeniedError,
    Role,
    Status,
)
from agentchat.simulator import SimulatorConfig
from agentchat.simulator._context import MANAGER_ONLY
from agentchat.simulator._state import CLOSED, ONLINE, OPEN, UNASSIGNED

from .helpers import (
    JACK,
    MARIA,
    PRIYA,
    START,
    Raw,
    active_customer,
    chat_in,
    client,
    idle_customer,
    make_sim,
    message,
)

pytestmark = pytest.mark.anyio

# -- Version, sessions, logon -------------------------------------------------


async def test_version_is_required_on_every_endpoint() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon()
        for method, name, tok in (("GET", "GetChatList", token), ("POST", "AgentLogon", None)):
            response = await raw.call(method, name, tok, version=None)
            assert response.status_code == 400
            assert message(response) == "Version is required"


async def test_a_missing_or_unknown_session_token_is_401() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        for token in (None, "0" * 32):
            response = await raw.call("GET", "GetChatList", token)
            assert response.status_code == 401
            assert response.json() == {"Message": "Session expired or invalid"}


async def test_logon_answers_a_32_hex_token_and_the_agent() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        body = {"EmailAddress": sim.agent_email.upper(), "Password": sim.agent_password}
        response = await raw.call("POST", "AgentLogon", json=body)
    data = response.json()
    assert re.fullmatch(r"[0-9a-f]{32}", data.pop("SessionToken"))
    assert data == {
        "AgentID": JACK,
        "Name": "Jack Rabbit",
        "EmailAddress": sim.agent_email,
        "RoleID": 1,
    }


async def test_wrong_credentials_are_refused_with_401() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        body = {"EmailAddress": sim.agent_email, "Password": "wrong"}
        response = await raw.call("POST", "AgentLogon", json=body)
        assert response.status_code == 401
        assert message(response) == "Invalid email address or password"
        body = {"EmailAddress": "nobody@example.com", "Password": sim.agent_password}
        assert (await raw.call("POST", "AgentLogon", json=body)).status_code == 401
    with pytest.raises(LogonError):
        async with client(sim, password="wrong"):
            pass
    assert sim.state.sessions == {}


async def test_logoff_invalidates_the_token() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon()
        assert (await raw.call("GET", "KeepAlive", token)).status_code == 200
        assert (await raw.call("GET", "AgentLogoff", token)).status_code == 200
        assert (await raw.call("GET", "KeepAlive", token)).status_code == 401


async def test_the_api_key_is_checked_when_configured() -> None:
    sim, _ = make_sim(SimulatorConfig(api_key="k-123"))
    async with Raw(sim) as raw:
        response = await raw.call("POST", "AgentLogon", json={})
        assert response.status_code == 403
    async with client(sim, api_key="k-123") as chat:
        assert len(await chat.get_chat_list()) == 30


# -- chats ----------------------------------------------------------------------


async def test_grab_chat_takes_the_oldest_waiting_chat_of_my_departments_until_none() -> None:
    sim, _ = make_sim()
    mine = sorted(
        (
            c
            for c in sim.state.chats.values()
            if c.status == UNASSIGNED and c.department_id in (1, 2)
        ),
        key=lambda c: c.created,
    )
    assert mine
    async with client(sim) as chat:
        grabbed = [await chat.grab_chat() for _ in mine]
        assert [g.chat_id for g in grabbed if g] == [c.chat_id for c in mine]
        assert all(g and g.agent_id == JACK and g.status == OPEN for g in grabbed)
        assert await chat.grab_chat() is None
    assert all(c.status == OPEN and c.agent_id == JACK for c in mine)
    assert any(c.status == UNASSIGNED for c in sim.state.chats.values())  # department 3
    async with Raw(sim) as raw:
        response = await raw.call("GET", "GrabChat", await raw.logon())
    assert response.status_code == 404
    assert message(response) == "No unassigned chats waiting in your departments"


async def test_assign_chat_defaults_to_the_caller() -> None:
    sim, _ = make_sim()
    first, second = [c.chat_id for c in sim.state.chats.values() if c.status == UNASSIGNED][:2]
    async with client(sim) as chat:
        await chat.assign_chat(first)
        await chat.assign_chat(second, agent_id=MARIA)
        with pytest.raises(BadRequestError, match="closed"):
            await chat.assign_chat(chat_in(sim, CLOSED))
        with pytest.raises(NotFoundError, match="AgentID 99"):
            await chat.assign_chat(first, agent_id=99)
    assert (sim.state.chats[first].agent_id, sim.state.chats[first].status) == (JACK, OPEN)
    assert sim.state.chats[second].agent_id == MARIA


async def test_reassign_needs_an_assigned_chat_and_an_online_agent() -> None:
    sim, _ = make_sim()
    assert sim.state.agents[PRIYA].status_id == ONLINE
    open_chat = next(c for c in sim.state.chats.values() if c.status == OPEN and c.agent_id == JACK)
    async with client(sim) as chat:
        with pytest.raises(BadRequestError, match="not assigned"):
            await chat.reassign_chat(PRIYA, chat_id=chat_in(sim, UNASSIGNED))
        with pytest.raises(BadRequestError, match="not online"):
            await chat.reassign_chat(MARIA, chat_id=open_chat.chat_id)
        assert open_chat.agent_id == JACK
        await chat.reassign_chat(PRIYA, chat_id=open_chat.chat_id)
        assert open_chat.agent_id == PRIYA
        # Without ChatID: every open chat of the caller.
        await chat.reassign_chat(PRIYA)
    assert not [c for c in sim.state.chats.values() if c.status == OPEN and c.agent_id == JACK]


async def test_transfer_puts_the_chat_in_the_department_queue() -> None:
    sim, _ = make_sim()
    chat_record = next(c for c in sim.state.chats.values() if c.status == OPEN)
    target = sim.other_department_id(chat_record.department_id)
    async with client(sim) as chat:
        await chat.transfer_chat(chat_record.chat_id, target)
        with pytest.raises(NotFoundError, match="DepartmentID 42"):
            await chat.transfer_chat(chat_record.chat_id, 42)
        with pytest.raises(BadRequestError, match="closed"):
            await chat.transfer_chat(chat_in(sim, CLOSED), target)
    assert (chat_record.status, chat_record.department_id, chat_record.agent_id) == (
        UNASSIGNED,
        target,
        None,
    )


async def test_close_chat_closes_and_a_closed_chat_takes_no_messages() -> None:
    sim, _ = make_sim()
    chat_id = chat_in(sim, OPEN)
    async with client(sim) as chat:
        await chat.close_chat(chat_id)
        await chat.close_chat(chat_id)  # idempotent
        with pytest.raises(BadRequestError, match="closed"):
            await chat.send_message(chat_id, "Still there?")
    assert sim.state.chats[chat_id].status == CLOSED
    assert sim.state.chats[chat_id].closed_at == START
    assert [e.endpoint for e in sim.journal] == []


async def test_get_chat_list_filters_by_chat_type() -> None:
    sim, _ = make_sim()
    async with client(sim) as chat:
        everything = await chat.get_chat_list()
        by_type = {t: await chat.get_chat_list(chat_type=t) for t in ChatType}
    assert len(everything) == len(sim.state.chats) == 30
    for chat_type, chats in by_type.items():
        assert len(chats) > 0
        assert {c.status for c in chats} == {chat_type.value}
    assert sum(len(c) for c in by_type.values()) == 30
    async with Raw(sim) as raw:
        response = await raw.call("GET", "GetChatList", await raw.logon(), params={"ChatType": "x"})
    assert response.status_code == 400
    assert "ChatType" in message(response)


# -- tags and customers --------------------------------------------------------


async def test_add_tag_needs_a_chat_or_a_customer_with_an_active_chat() -> None:
    sim, _ = make_sim()
    active, idle = active_customer(sim), idle_customer(sim)
    async with Raw(sim) as raw:
        token = await raw.logon()
        response = await raw.call("POST", "AddTag", token, json={"TagID": 1})
        assert response.status_code == 400
        assert "ChatID or CustomerID" in message(response)
        response = await raw.call("POST", "AddTag", token, json={"CustomrID": idle, "TagID": 3})
        assert response.status_code == 400
        assert "no active chat" in message(response)
        # The documented spelling alone, with the reference's quoted numbers.
        response = await raw.call(
            "POST", "AddTag", token, json={"CustomrID": str(active), "TagID": "3"}
        )
        assert response.status_code == 200
    [active_chat] = sim.state.active_chats_of(active)
    assert 3 in active_chat.tag_ids
    async with client(sim) as chat:
        await chat.add_tag(customer_id=active, tag_id=1)
        with pytest.raises(BadRequestError, match="disabled"):
            await chat.add_tag(chat_id=active_chat.chat_id, tag_id=7)  # in the disabled group
        with pytest.raises(NotFoundError, match="TagID 99"):
            await chat.add_tag(chat_id=active_chat.chat_id, tag_id=99)
        await chat.remove_tag(active_chat.chat_id, 3)
        await chat.remove_tag(active_chat.chat_id, 3)  # idempotent
        [customer] = await chat.find_customer(sim.state.customers[active].mobile_number, False)
    assert 1 in active_chat.tag_ids
    assert 3 not in active_chat.tag_ids
    assert set(customer.tag_ids) == set(active_chat.tag_ids)


async def test_add_comment_needs_an_active_chat() -> None:
    sim, _ = make_sim()
    active, idle = active_customer(sim), idle_customer(sim)
    async with client(sim) as chat:
        with pytest.raises(BadRequestError, match="no active chat"):
            await chat.add_comment(idle, "Called back")
        with pytest.raises(NotFoundError, match="CustomerID 999"):
            await chat.add_comment(999, "Called back")
        await chat.add_comment(active, "Called back")
    assert sim.state.customers[active].comment == "Called back"
    assert [(e.endpoint, e.fields["customer_id"]) for e in sim.journal] == [("AddComment", active)]


async def test_update_customer_tags_need_an_active_chat_and_nothing_changes_on_refusal() -> None:
    sim, _ = make_sim()
    idle = idle_customer(sim)
    before = sim.state.customers[idle].full_name
    async with client(sim) as chat:
        with pytest.raises(BadRequestError, match="no active chat"):
            await chat.update_customer(idle, full_name="Changed", tag_ids=[1])
        assert sim.state.customers[idle].full_name == before
        await chat.update_customer(idle, full_name="Changed", email_address="c@example.com")
        with pytest.raises(BadRequestError, match="EmailAddress"):
            await chat.update_customer(idle, email_address="not an address")
    assert sim.state.customers[idle].full_name == "Changed"


async def test_find_customer_by_mobile_number_with_and_without_chats() -> None:
    sim, _ = make_sim()
    customer = sim.state.customers[active_customer(sim)]
    digits = customer.mobile_number.lstrip("+")
    async with client(sim) as chat:
        [with_chats] = await chat.find_customer(customer.mobile_number, True)
        [without] = await chat.find_customer(digits, False)
        assert len(await chat.find_customer("+27000000000", True)) == 0
    assert with_chats.customer_id == without.customer_id == customer.customer_id
    assert {c.chat_id for c in with_chats.chats} == {
        c.chat_id for c in sim.state.chats_of(customer.customer_id)
    }
    assert without.chats == ()
    async with Raw(sim) as raw:
        params = {"MobileNumber": digits, "IncludeChats": "false"}
        response = await raw.call("GET", "FindCustomer", await raw.logon(), params=params)
    [data] = response.json()
    assert "Chats" not in data


# -- roles ----------------------------------------------------------------------


async def test_agents_are_refused_every_managers_only_call() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon()
        for name, words in MANAGER_ONLY.items():
            route_method = "DELETE" if name.startswith("Delete") else "POST"
            response = await raw.call(route_method, name, token, json=None)
            assert response.status_code == 403, name
            assert message(response) == f"Only managers may {words}"
    async with client(sim) as chat:
        with pytest.raises(PermissionDeniedError, match="Only managers may create tags"):
            await chat.create_tag(1, "Nope", True)
    assert sim.journal == []


async def test_an_agent_may_update_only_their_own_record_and_not_their_role() -> None:
    sim, _ = make_sim()
    me = sim.state.agents[JACK]
    async with client(sim) as chat:
        await chat.update_agent(JACK, "Jack R.", me.email_address, Role.AGENT, Status.BUSY)
        with pytest.raises(PermissionDeniedError, match="other agents"):
            await chat.update_agent(PRIYA, "P", "p@example.com", Role.AGENT, Status.BUSY)
        with pytest.raises(PermissionDeniedError, match="role"):
            await chat.update_agent(JACK, "Jack", me.email_address, Role.MANAGER, Status.BUSY)
    assert (me.name, me.status_id, me.role_id) == ("Jack R.", Status.BUSY, Role.AGENT)


async def test_a_new_agent_can_log_on_and_email_addresses_are_unique() -> None:
    sim, _ = make_sim()
    async with client(sim, manager=True) as boss:
        agent = await boss.create_agent("Ann", "ann.new@example.com", Role.AGENT, [3])
        assert agent is not None
        assert agent.status == Status.OFFLINE
        assert agent.enabled
        with pytest.raises(ConflictError):
            await boss.create_agent("Ann 2", "ANN.NEW@example.com", Role.AGENT, [3])
        with pytest.raises(NotFoundError, match="DepartmentID 9"):
            await boss.create_agent("Bob", "bob@example.com", Role.AGENT, [1, 9])
    async with client(
        sim, email="ann.new@example.com", password=f"welcome-{agent.agent_id}"
    ) as ann:
        assert (await ann.grab_chat()) is not None  # department 3 has chats waiting
    assert [e.endpoint for e in sim.journal] == ["CreateAgent", "GrabChat"]


async def test_password_reset_codes_are_single_use_and_agents_reset_only_their_own() -> None:
    sim, _ = make_sim()
    async with client(sim) as chat:
        with pytest.raises(PermissionDeniedError):
            await chat.request_password_reset("maria.santos@example.com")
        with pytest.raises(NotFoundError):
            await chat.request_password_reset("nobody@example.com")
        await chat.request_password_reset(sim.agent_email)
        code = sim.journal[-1].fields["reset_code"]
        await chat.set_password(code)
        with pytest.raises(BadRequestError, match="ResetCode"):
            await chat.set_password(code)
    new_password = sim.journal[-1].fields["new_password"]
    assert sim.state.agents[JACK].password == new_password
    async with client(sim, password=new_password) as chat:
        await chat.keep_alive()
