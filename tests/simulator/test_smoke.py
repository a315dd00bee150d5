"""Every endpoint answers 2xx to valid input through the real client, in both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from agentchat import (
    Agent,
    Attachment,
    Chat,
    ChatType,
    Department,
    Period,
    Recipient,
    ReportSchedule,
    Role,
    Settings,
    Status,
    Tag,
    TagGroup,
    WorkingDay,
)
from agentchat._routes import ROUTES
from agentchat.simulator import Simulator, SimulatorConfig

from .helpers import START, FakeClock, client

pytestmark = pytest.mark.anyio


async def exercise_every_endpoint(sim: Simulator) -> list[Any]:
    """Call all 42 methods as the seeded Manager (strict: no unknown keys).

    Returns what the methods that answer something returned.
    """
    results: list[Any] = []
    keep = results.append
    async with client(sim, manager=True, strict=True) as chat:
        keep(await chat.agent_logon())
        await chat.keep_alive()
        waiting = await chat.get_chat_list(chat_type=ChatType.UNASSIGNED)
        keep(waiting)
        grabbed = await chat.grab_chat()
        assert isinstance(grabbed, Chat)
        assert grabbed.customer_id
        assert grabbed.mobile_number
        keep(grabbed)
        pdf = Attachment(name="brochure.pdf", content_type="application/pdf", data=b"%PDF-1.4")
        keep(await chat.send_message(grabbed.chat_id, "Hi, here you go", attachment=pdf))
        await chat.add_comment(grabbed.customer_id, "Sent the brochure")
        await chat.add_tag(chat_id=grabbed.chat_id, tag_id=1)
        await chat.remove_tag(grabbed.chat_id, 1)
        await chat.update_customer(
            grabbed.customer_id,
            full_name="Joe the Jester",
            email_address="joe@example.com",
            comment="VIP",
            tag_ids=[1, 3],
        )
        keep(await chat.find_customer(grabbed.mobile_number, True))
        keep(await chat.export_chat(grabbed.chat_id))
        other = next(c for c in waiting if c.chat_id != grabbed.chat_id)
        await chat.transfer_chat(other.chat_id, sim.other_department_id(other.department_id))
        await chat.assign_chat(other.chat_id)
        await chat.reassign_chat(3, chat_id=other.chat_id)
        await chat.close_chat(grabbed.chat_id)

        agent = await chat.create_agent("Testing", "testing@example.com", Role.AGENT, [1, 2])
        assert isinstance(agent, Agent)
        keep(agent)
        await chat.update_agent(
            agent.agent_id,
            "Testing Two",
            "testing2@example.com",
            Role.MANAGER,
            Status.ONLINE,
            mobile_number="+27800000000",
            notifications=["UnassignedChatsWaiting"],
            department_ids=[1],
            enabled=True,
        )
        department = await chat.create_department(
            "Billing",
            include_in_welcome_menu=True,
            name_in_menu="Billing",
            menu_index=4,
            welcome_new="Welcome to #DEPARTMENTNAME#",
            enabled=True,
            auto_tag_ids=[2],
        )
        assert isinstance(department, Department)
        keep(department)
        await chat.update_department(department.department_id, welcome_returning="Hi again")
        keep(await chat.get_department_list())

        group = await chat.create_tag_group("Channels", True)
        assert isinstance(group, TagGroup)
        keep(group)
        tag = await chat.create_tag(group.tag_group_id, "WhatsApp", True)
        assert isinstance(tag, Tag)
        keep(tag)
        await chat.update_tag(tag.tag_id, name="WhatsApp Business", enabled=False)
        await chat.update_tag_group(group.tag_group_id, name="Channels used")
        await chat.delete_tag(tag.tag_id)

        canned = await chat.create_canned_response("closing", "We close at 17:00.")
        assert canned is not None
        keep(canned)
        await chat.update_canned_response(canned.canned_response_id, message_text="Bye")
        await chat.delete_canned_response(canned.canned_response_id)
        await chat.update_working_hours(
            [WorkingDay(day=6, enabled=True, start_time="09:00", end_time="13:00")]
        )

        recipient = await chat.create_recipient("Lindiwe Dube", "lindiwe@example.com")
        assert isinstance(recipient, Recipient)
        keep(recipient)
        schedule = await chat.create_report_schedule(
            recipient.recipient_id, 1, "CSV", ["WEEK", "MONTH"], "EMAIL", [1, 3, 5], "16:30"
        )
        assert isinstance(schedule, ReportSchedule)
        keep(schedule)
        keep(await chat.get_recipients())
        keep(await chat.live_metrics())
        keep(await chat.get_reports())
        keep(await chat.data_insight(Period.MONTH))
        await chat.delete_report_schedule(schedule.schedule_id)
        await chat.delete_recipient(recipient.recipient_id)
        await chat.update_settings({"CompanyName": "Channel", "MaxChatsPerAgent": 4})
        keep(await chat.get_settings())

        await chat.request_password_reset("maria.santos@example.com")
        code = sim.journal[-1].fields["reset_code"]
        await chat.set_password(code)
        await chat.agent_logoff()
    return results


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_all_42_endpoints_answer_valid_calls_with_success() -> None:
    sim = Simulator(SimulatorConfig(seed=3, start_time=START), clock=FakeClock())
    results = await exercise_every_endpoint(sim)
    assert set(sim.requests) == set(ROUTES)
    assert sim.faults_injected == {}
    [settings] = [r for r in results if isinstance(r, Settings)]
    assert settings["CompanyName"] == "Channel"
    assert settings["MaxChatsPerAgent"] == 4


async def test_camel_case_answers_parse_into_the_same_models() -> None:
    pascal = Simulator(SimulatorConfig(seed=5, start_time=START), clock=FakeClock())
    camel = Simulator(SimulatorConfig(seed=5, start_time=START, casing="camel"), clock=FakeClock())
    from_pascal = await exercise_every_endpoint(pascal)
    from_camel = await exercise_every_endpoint(camel)
    assert from_camel == from_pascal
    assert camel.journal == pascal.journal
