"""The journal holds exactly the unsafe operations processed; customers keep coming."""

from __future__ import annotations

import anyio
import pytest

from agentchat import BadRequestError, NotFoundError, PermissionDeniedError, Role
from agentchat.simulator import Faults, Simulator, SimulatorConfig
from agentchat.simulator._state import OPEN, UNASSIGNED

from .helpers import START, FakeClock, client, make_sim

pytestmark = pytest.mark.anyio


async def test_the_journal_records_exactly_the_processed_unsafe_operations() -> None:
    sim, clock = make_sim()
    idle = next(c for c in sim.state.customers if not sim.state.active_chats_of(c))
    async with client(sim) as chat:
        grabbed = await chat.grab_chat()
        assert grabbed is not None
        assert grabbed.customer_id is not None
        await chat.get_chat_list()  # safe: not journaled
        await chat.send_message(grabbed.chat_id, "Hi")
        clock.advance(5)
        with pytest.raises(NotFoundError):
            await chat.send_message(99999, "to nowhere")  # refused: not journaled
        with pytest.raises(BadRequestError):
            await chat.add_comment(idle, "no active chat")  # refused: not journaled
        with pytest.raises(PermissionDeniedError):
            await chat.create_tag(1, "Nope", True)  # refused: not journaled
        await chat.add_comment(grabbed.customer_id, "Wants a call back")
        await chat.close_chat(grabbed.chat_id)  # idempotent: not journaled
    async with client(sim, manager=True) as boss:
        tag = await boss.create_tag(1, "Returns", True)
        assert tag is not None
        agent = await boss.create_agent("Ann", "ann@example.com", Role.AGENT, [3])
        assert agent is not None
    entries = [(e.endpoint, e.agent_id, dict(e.fields)) for e in sim.journal]
    assert entries == [
        ("GrabChat", 2, {"chat_id": grabbed.chat_id, "department_id": grabbed.department_id}),
        ("SendMessage", 2, {
            "chat_id": grabbed.chat_id, "message_id": entries[1][2]["message_id"],
            "message_text": "Hi", "attachment_name": None, "attachment_type": None,
            "attachment_size": None,
        }),
        ("AddComment", 2, {"customer_id": grabbed.customer_id, "comment": "Wants a call back"}),
        ("CreateTag", 1, {"created_id": tag.tag_id, "tag_group_id": 1, "name": "Returns"}),
        ("CreateAgent", 1, {
            "created_id": agent.agent_id, "name": "Ann", "email_address": "ann@example.com",
            "role_id": 1, "department_ids": (3,),
        }),
    ]  # fmt: skip
    assert [e.time for e in sim.journal] == [1000.0, 1000.0, 1005.0, 1005.0, 1005.0]
    assert sim.journal[0].at == START
    assert sim.journal[0].agent_email == sim.agent_email


async def test_grab_chat_with_nothing_waiting_is_not_journaled() -> None:
    sim, _ = make_sim()
    for record in sim.state.chats.values():
        if record.status == UNASSIGNED:
            record.status = OPEN
    async with client(sim) as chat:
        assert await chat.grab_chat() is None
    assert sim.journal == []


async def test_new_chats_join_the_back_of_the_queue() -> None:
    sim, clock = make_sim()
    clock.advance(1)
    chat_id = sim.new_chat(department_id=3, text="Is the shop open on Sunday?")
    record = sim.state.chats[chat_id]
    assert (record.status, record.department_id, record.agent_id) == (UNASSIGNED, 3, None)
    assert record.messages[-1].text == "Is the shop open on Sunday?"
    assert not [c for c in sim.state.active_chats_of(record.customer_id) if c is not record]
    async with client(sim, manager=True) as chat:
        waiting = [c.chat_id for c in await chat.get_chat_list(chat_type="unassigned")]
        grabbed = [await chat.grab_chat() for _ in waiting]
    assert [g.chat_id for g in grabbed if g][-1] == chat_id  # the newest is grabbed last


async def test_every_customer_busy_brings_a_new_customer() -> None:
    sim, _ = make_sim()
    customers = len(sim.state.customers)
    for _ in range(customers):
        sim.new_chat()
    assert len(sim.state.customers) > customers


async def test_run_life_brings_new_chats_until_cancelled() -> None:
    sim = Simulator(SimulatorConfig(start_time=START, new_chat_interval=0.005), clock=FakeClock())
    chats = len(sim.state.chats)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(sim.run_life)
            while len(sim.state.chats) < chats + 3:
                await anyio.sleep(0.005)
            tg.cancel_scope.cancel()
    assert sum(1 for c in sim.state.chats.values() if c.status == UNASSIGNED) >= 9 + 3


async def test_run_life_survives_every_department_being_disabled() -> None:
    sim = Simulator(SimulatorConfig(start_time=START, new_chat_interval=0.005), clock=FakeClock())
    for department in sim.state.departments.values():
        department.enabled = False
    with pytest.raises(LookupError):
        sim.new_chat()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            await tg.start(sim.run_life)
            await anyio.sleep(0.03)
            tg.cancel_scope.cancel()
    assert len(sim.state.chats) == 30


async def test_run_life_returns_at_once_without_an_interval() -> None:
    sim = Simulator(SimulatorConfig(faults=Faults()))
    with anyio.fail_after(1):
        async with anyio.create_task_group() as tg:
            await tg.start(sim.run_life)
    assert len(sim.state.chats) == 30


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    def snapshot(seed: int) -> list[tuple[object, ...]]:
        sim = Simulator(SimulatorConfig(seed=seed, start_time=START), clock=FakeClock())
        return [
            (c.chat_id, c.customer_id, c.status, c.created, len(c.messages))
            for c in sim.state.chats.values()
        ]

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)


def test_the_seed_has_every_kind_of_record() -> None:
    state = Simulator().state
    roles = [a.role_id for a in state.agents.values()]
    assert roles.count(2) >= 1
    assert roles.count(1) >= 3
    assert sum(1 for a in state.agents.values() if a.status_id == 4) >= 2
    assert len(state.departments) == 8
    assert all(d.welcome_new and d.welcome_returning for d in state.departments.values())
    menu = [d.department_id for d in state.departments.values() if d.include_in_welcome_menu]
    assert menu == [1, 2, 3]
    assert len(state.tag_groups) == 5
    assert len(state.tags) == 22
    assert len(state.canned_responses) >= 3
    assert len(state.customers) == 20
    assert len(state.chats) == 30
    for department in state.departments:
        waiting = any(
            c.status == UNASSIGNED and c.department_id == department for c in state.chats.values()
        )
        assert waiting == (department in menu)  # back-office queues start empty
    assert {c.status for c in state.chats.values()} == {"unassigned", "open", "closed"}
    messages = [m for c in state.chats.values() for m in c.messages]
    assert {m.sender for m in messages} == {"customer", "agent"}
    assert any(m.attachment for m in messages)
    assert [d.enabled for d in state.working_hours.values()] == [True] * 5 + [False] * 2
    assert (len(state.reports), len(state.recipients), len(state.schedules)) == (3, 2, 2)
    assert state.settings["CompanyName"] == "Channel Mobile Demo"
