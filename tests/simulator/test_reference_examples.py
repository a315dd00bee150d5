"""The API reference's example calls, and the README's snippets, succeed against a fresh simulator.

Each endpoint's example values are read from ``tests/data/endpoints.json`` (the
reference, machine-readable) and sent through the public client: a seeded
record the examples name (chat 407, department 8, tag group 5, tag 22, schedule
2...) going missing makes its example fail with ``NotFoundError``. Values the
reference cannot give are filled in, each for a stated reason (``FILLED``,
``_email``, ``_attachment``).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import pytest

from agentchat import (
    AsyncAgentChat,
    Attachment,
    ChatType,
    Period,
    Role,
    Status,
    Weekday,
    WorkingDay,
)
from agentchat.simulator import Simulator
from agentchat.simulator._context import MANAGER_ONLY
from agentchat.simulator._state import CLOSED, ONLINE, OPEN, UNASSIGNED

from .helpers import JACK, PRIYA, client, make_sim

pytestmark = pytest.mark.anyio

ENDPOINTS: Final[list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent.parent / "data" / "endpoints.json").read_text("utf-8")
)
#: Parameters every call has, set by the client itself.
_CLIENT_PARAMETERS: Final = frozenset({"Version", "SessionToken"})
#: Values the reference leaves without an example (its TransferChat and
#: ReAssignChat give none), from the seed: the waiting chat 406 moves to the
#: back-office department 4; the agent's open chat 408 moves to Online agent 3.
FILLED: Final[dict[tuple[str, str], Any]] = {
    ("TransferChat", "ChatID"): 406,
    ("TransferChat", "DepartmentID"): 4,
    ("ReAssignChat", "AgentID"): 3,
    ("ReAssignChat", "ChatID"): 408,
}
#: Endpoints whose example only a Manager may send besides ``MANAGER_ONLY``:
#: UpdateAgent's example changes agent 3's role and departments.
_MANAGER_EXAMPLES: Final = frozenset({"UpdateAgent"})
#: The obfuscated address the published reference shows for every e-mail example.
_HIDDEN_EMAIL: Final = re.compile(r"\[email.protected\]")


def _endpoint(name: str) -> dict[str, Any]:
    return next(e for e in ENDPOINTS if e["name"] == name)


def _email(example: str, body: dict[str, Any], sim: Simulator, *, manager: bool) -> str:
    """An address for an example e-mail the reference hides or leaves as a placeholder.

    ``{{EmailAddress}}`` (RequestPasswordReset) is the caller's own. The hidden
    addresses belong to the record's ``Name``/``FullName``: "Jack Rabbit" is
    jack@example.com, as in the README. AgentLogon's are the seeded accounts'.
    """
    if example == "{{EmailAddress}}":
        return sim.manager_email if manager else sim.agent_email
    if _HIDDEN_EMAIL.fullmatch(example) is None:
        return example
    name = body.get("Name") or body.get("FullName")
    assert isinstance(name, str), body
    return f"{name.split()[0].lower()}@example.com"


def _account(sim: Simulator, *, manager: bool) -> dict[str, str]:
    if manager:
        return {"email_address": sim.manager_email, "password": sim.manager_password}
    return {"email_address": sim.agent_email, "password": sim.agent_password}


def _attachment(body: dict[str, Any]) -> Attachment:
    """SendMessage's example attachment. Its base64 is elided in the middle
    (``...............``): the JPEG's first bytes, decoded, are the data."""
    head = body["AttachmentData"].split(".")[0]
    data = base64.b64decode(head[: len(head) // 4 * 4])
    assert data.startswith(b"\xff\xd8\xff")  # a JPEG, as AttachmentType says
    return Attachment(name=body["AttachmentName"], content_type=body["AttachmentType"], data=data)


def _value(kind: str, value: Any) -> Any:
    """A reference example value (often a quoted number) as the client's parameter takes it."""
    if kind in ("integer", "integer/int32"):
        return int(value)
    if kind == "integer[]":
        return [int(item) for item in value]
    if kind == "boolean":
        return value if isinstance(value, bool) else value == "true"
    if kind == "WorkingDay[]":
        return [
            WorkingDay(
                day=day["Day"],
                enabled=day["Enabled"],
                start_time=day["StartTime"],
                end_time=day["EndTime"],
            )
            for day in value
        ]
    if kind == "object[]":  # UpdateSettings: [{"CompanyName": "Channel"}] as one mapping
        return {name: setting for item in value for name, setting in item.items()}
    if kind == "string/enum":  # DataInsight's example reads "weekPossible values:"
        return Period(value.removesuffix("Possible values:"))
    return value


def example_call(
    name: str, sim: Simulator, *, manager: bool
) -> tuple[str, dict[str, Any], Callable[[AsyncAgentChat], Awaitable[Any]]]:
    """The client method, keyword arguments and a call for endpoint ``name``'s example."""
    endpoint = _endpoint(name)
    body: dict[str, Any] = endpoint["example_body"] or {}
    kwargs: dict[str, Any] = {}
    for parameter in [*endpoint["query"], *endpoint["body"]]:
        wire, python = parameter["name"], parameter["python"]
        if wire in _CLIENT_PARAMETERS or python == "attachment":
            continue
        value = body.get(wire, parameter["example"])
        if value is None:
            value = FILLED.get((name, wire))
        if value is None:
            assert not parameter["required"], f"{name}: no example for the required {wire}"
            continue
        if name == "AgentLogon":  # the reference's own account cannot be ours
            value = _account(sim, manager=manager)[python]
        elif python == "email_address":
            value = _email(value, body, sim, manager=manager)
        elif python.endswith("_id") and isinstance(value, str):
            value = int(value)  # SendMessage's ChatID, CreateAgent's RoleID are strings
        kwargs[python] = _value(parameter["type"], value)
    if "AttachmentData" in body:
        kwargs["attachment"] = _attachment(body)
    method = endpoint["python"]

    async def call(chat: AsyncAgentChat) -> Any:
        return await getattr(chat, method)(**kwargs)

    return method, kwargs, call


def _cases() -> list[Any]:
    cases = []
    for endpoint in ENDPOINTS:
        name = endpoint["name"]
        manager_only = name in MANAGER_ONLY or name in _MANAGER_EXAMPLES
        for manager in (True,) if manager_only else (False, True):
            role = "manager" if manager else "agent"
            cases.append(pytest.param(name, manager, id=f"{name}-as-{role}"))
    return cases


def test_the_reference_has_42_endpoints_and_every_one_is_tried() -> None:
    assert len(ENDPOINTS) == 42
    assert {case.values[0] for case in _cases()} == {e["name"] for e in ENDPOINTS}
    for (name, wire), _ in FILLED.items():  # filled only where the reference gives nothing
        parameter = next(p for p in _endpoint(name)["query"] if p["name"] == wire)
        assert parameter["example"] is None, (name, wire)


@pytest.mark.parametrize(("name", "manager"), _cases())
async def test_the_reference_example_succeeds_against_a_fresh_simulator(
    name: str, manager: bool
) -> None:
    sim, _ = make_sim()
    method, kwargs, call = example_call(name, sim, manager=manager)
    async with client(sim, manager=manager) as chat:
        result = await call(chat)
    # The Create* calls, GrabChat and the lists answer with what they made or found.
    if method.startswith(("create_", "grab_", "find_", "get_")):
        assert result, (method, kwargs, result)
    if name == "SetPassword":  # the pending reset of the seed was used
        assert sim.state.reset_codes == {}


async def test_the_examples_name_the_seeded_records() -> None:
    """What the examples rely on, so a failure above says which record changed."""
    state = make_sim()[0].state
    assert {1, 4, 8} <= set(state.departments)
    assert {1, 5} <= set(state.tag_groups)
    assert {1, 2, 3, 22} <= set(state.tags)
    assert all(state.tags[t].enabled for t in (1, 2, 22))
    assert (state.chats[406].status, state.chats[406].department_id) == (UNASSIGNED, 3)
    assert (state.chats[407].status, state.chats[407].agent_id) == (OPEN, JACK)
    assert (state.chats[408].status, state.chats[408].agent_id) == (OPEN, JACK)
    assert state.chats[407].customer_id == 1
    assert state.agents[PRIYA].status_id == ONLINE
    joe = state.customers[1]
    assert (joe.full_name, joe.mobile_number) == ("Joe the Jester", "+27821231234")
    assert state.customers[2].mobile_number == "+112798647"
    assert {1, 2} <= set(state.canned_responses)
    assert {1, 2} <= set(state.recipients)
    assert {1, 2} <= set(state.schedules)
    assert 1 in state.reports
    assert state.reset_codes == {"76897132458762458761243": 5}
    # The chats the examples do not name keep the database's order: oldest first.
    others = [c for c in state.chats.values() if c.chat_id > 408]
    assert [c.chat_id for c in others] == list(range(409, 409 + 27))
    assert others == sorted(others, key=lambda c: c.created)


@pytest.mark.parametrize("seed", [1, 2, 12345])
async def test_the_reference_records_are_there_whatever_the_seed(seed: int) -> None:
    sim, _ = make_sim(seed=seed)
    for name in ("AssignChat", "AddTag", "UpdateCustomer", "FindCustomer", "DeleteTag"):
        manager = name in MANAGER_ONLY
        _, _, call = example_call(name, sim, manager=manager)
        async with client(sim, manager=manager) as chat:
            await call(chat)
    async with client(sim) as chat:
        assert await chat.find_customer("+27821231234", include_chats=True)


# -- the README's snippets ------------------------------------------------------


async def chats_snippet(chat: AsyncAgentChat) -> None:
    waiting = await chat.get_chat_list(chat_type=ChatType.UNASSIGNED)
    assert len(waiting) > 0
    grabbed = await chat.grab_chat()
    assert grabbed is not None
    await chat.send_message(grabbed.chat_id, "Hi! How can I help?")
    export = await chat.export_chat(grabbed.chat_id)
    assert export.columns
    assert len(export) > 0
    await chat.transfer_chat(grabbed.chat_id, 8)  # docs/endpoints.md: to department 8's queue
    await chat.assign_chat(grabbed.chat_id)  # back to ourselves
    await chat.close_chat(grabbed.chat_id)


async def agents_snippet(chat: AsyncAgentChat) -> None:
    agent = await chat.create_agent("Jack Rabbit", "jack@example.com", Role.AGENT, [1, 4])
    assert agent is not None
    await chat.update_agent(
        agent.agent_id,
        "Jack Rabbit",
        "jack@example.com",
        Role.MANAGER,
        Status.ONLINE,
        notifications=["UnassignedChatsWaiting"],
        enabled=True,
    )


async def departments_snippet(chat: AsyncAgentChat) -> None:
    await chat.create_department("Reception", include_in_welcome_menu=True, menu_index=1)
    assert len(await chat.get_department_list()) > 0
    await chat.update_department(8, name="New department", enabled=False)


async def customers_snippet(chat: AsyncAgentChat) -> None:
    found = await chat.find_customer("+27821231234", include_chats=True)
    assert len(found) >= 1
    for customer in found:
        assert customer.chats
        await chat.update_customer(customer.customer_id, full_name="Joe the Jester", tag_ids=[1, 2])
        await chat.add_comment(customer.customer_id, "Called back about the warranty")


async def tags_snippet(chat: AsyncAgentChat) -> None:
    assert await chat.create_tag_group("Product Enquiries", True) is not None
    assert await chat.create_tag(5, "Warranty Enquiries", True) is not None
    await chat.update_tag_group(5, name="Updated Group")
    await chat.add_tag(chat_id=407, tag_id=1)
    await chat.remove_tag(407, 1)
    await chat.update_tag(22, enabled=False)
    await chat.delete_tag(22)


async def canned_responses_snippet(chat: AsyncAgentChat) -> None:
    reply = await chat.create_canned_response(
        "opening hours", "We are open 9am to 5pm, Monday to Friday"
    )
    assert reply is not None
    await chat.update_canned_response(1, message_text="We are open 8am to 5pm, Monday to Friday")
    await chat.delete_canned_response(2)


async def working_hours_snippet(chat: AsyncAgentChat) -> None:
    week = [WorkingDay(day=day, start_time="08:00", end_time="17:30") for day in range(1, 6)]
    week += [
        WorkingDay(day=Weekday.SATURDAY, enabled=False),
        WorkingDay(day=Weekday.SUNDAY, enabled=False),
    ]
    await chat.update_working_hours(week)


async def reports_snippet(chat: AsyncAgentChat) -> None:
    reports = await chat.get_reports()
    await chat.create_report_schedule(
        1,
        reports[0].report_id,
        "CSV",
        ["WEEK", "MONTH"],
        "EMAIL",
        [Weekday.MONDAY, Weekday.FRIDAY],
        "16:30",
    )
    metrics = await chat.live_metrics()
    insight = await chat.data_insight(Period.WEEK)
    assert metrics.chats_waiting is not None
    assert len(insight) > 0
    await chat.delete_report_schedule(2)


async def recipients_snippet(chat: AsyncAgentChat) -> None:
    assert await chat.create_recipient("Zakes Mthini", "zakes@example.com") is not None
    assert len(await chat.get_recipients()) > 0
    await chat.delete_recipient(2)


async def settings_snippet(chat: AsyncAgentChat) -> None:
    settings = await chat.get_settings()
    assert settings["CompanyName"]
    await chat.update_settings({"CompanyName": "Channel"})


async def chat_moves_snippet(chat: AsyncAgentChat) -> None:
    """The reference's chat examples, as the agent: 406 waits in Support, 408 is ours."""
    await chat.send_message(408, "Hallo there")
    await chat.assign_chat(406, agent_id=3)
    await chat.reassign_chat(3, chat_id=408)
    await chat.transfer_chat(406, 4)
    await chat.add_tag(chat_id=407, tag_id=1)
    await chat.remove_tag(407, 1)
    assert len(await chat.get_chat_list(chat_type="closed")) > 0
    assert len(await chat.export_chat(406)) > 0
    await chat.close_chat(406)


Snippet = Callable[[AsyncAgentChat], Awaitable[None]]
#: The README's groups, in its order, each with who runs it ("both": the agent, then the manager).
SNIPPETS: Final[list[tuple[Snippet, str]]] = [
    (chats_snippet, "agent"),
    (chat_moves_snippet, "agent"),
    (agents_snippet, "manager"),
    (departments_snippet, "manager"),
    (customers_snippet, "both"),
    (tags_snippet, "manager"),
    (canned_responses_snippet, "manager"),
    (working_hours_snippet, "manager"),
    (reports_snippet, "manager"),
    (recipients_snippet, "manager"),
    (settings_snippet, "manager"),
]


async def _run(sim: Simulator, snippet: Snippet, who: str) -> None:
    for manager in {"agent": [False], "manager": [True], "both": [False, True]}[who]:
        async with client(sim, manager=manager) as chat:
            await snippet(chat)


@pytest.mark.parametrize(
    ("snippet", "who"), [pytest.param(s, w, id=s.__name__) for s, w in SNIPPETS]
)
async def test_each_readme_snippet_runs_against_a_fresh_simulator(
    snippet: Snippet, who: str
) -> None:
    sim, _ = make_sim()
    await _run(sim, snippet, who)


async def test_the_readme_snippets_run_one_after_the_other_on_one_simulator() -> None:
    """Copied into one session in the README's order, they still work: the chat
    the agent grabs and closes is never one the later snippets name."""
    sim, _ = make_sim()
    for snippet, who in SNIPPETS:
        await _run(sim, snippet, who)
    assert sim.state.chats[406].status == CLOSED
    assert 22 not in sim.state.tags
