"""Field validation, unknown IDs, and the shape of answers (CSV, insight, metrics, settings)."""

from __future__ import annotations

import pytest

from agentchat import NotFoundError
from agentchat.simulator import SimulatorConfig
from agentchat.simulator._state import OPEN

from .helpers import START, Raw, chat_in, client, make_sim, message

pytestmark = pytest.mark.anyio

# -- field validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"ChatID": True, "TagID": 1}, 400, "ChatID must be an integer"),
        ({"ChatID": 4.5, "TagID": 1}, 400, "ChatID must be an integer"),
        ({"ChatID": "4x", "TagID": 1}, 400, "ChatID must be an integer"),
        ({"ChatID": 406}, 400, "TagID is required"),
        ({"ChatID": 99999, "TagID": 1}, 404, "No chat with ChatID 99999"),
        ({"ChatID": "406", "TagID": "1"}, 200, ""),  # the reference's own example form
        ({"ChatID": 406, "TagID": 1, "Unknown": "ignored"}, 200, ""),
        ({"chatId": 406, "tagid": 1}, 200, ""),  # names in any case
    ],
)
async def test_integer_fields_take_numbers_or_numeric_strings(
    body: dict[str, object], status: int, text: str
) -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        response = await raw.call("POST", "AddTag", await raw.logon(), json=body)
    assert response.status_code == status
    if text:
        assert message(response) == text


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"ChatID": "406"}, "MessageText is required"),
        ({"ChatID": "406", "MessageText": 5}, "MessageText must be a string"),
        ({"ChatID": "406", "MessageText": "  "}, "MessageText must not be empty"),
        ({"ChatID": "abc", "MessageText": "Hi"}, "ChatID must be the ID of a chat (digits)"),
        ({"ChatID": 406, "MessageText": "Hi"}, "ChatID must be a string"),
        (
            {"ChatID": "406", "MessageText": "Hi", "AttachmentName": "a.txt"},
            "AttachmentType is required",
        ),
        (
            {
                "ChatID": "406",
                "MessageText": "Hi",
                "AttachmentName": "a.txt",
                "AttachmentType": "text/plain",
                "AttachmentData": "not base64!",
            },
            "AttachmentData is not valid base64",
        ),
    ],
)
async def test_send_message_validates_its_body(body: dict[str, object], text: str) -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        response = await raw.call("POST", "SendMessage", await raw.logon(), json=body)
    assert response.status_code == 400
    assert message(response) == text
    assert sim.journal == []


async def test_bodies_must_be_json_objects_and_queries_typed() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon(manager=True)
        response = await raw.call("POST", "CreateTag", token, content=b"{not json")
        assert (response.status_code, message(response)) == (
            400,
            "The request body is not valid JSON",
        )
        response = await raw.call("POST", "CreateTag", token, json=[1, 2])
        assert message(response) == "The request body must be a JSON object"
        response = await raw.call("POST", "CreateTag", token, json={"TagGroupID": 1, "Name": "X"})
        assert message(response) == "Enabled is required"
        body = {"TagGroupID": 1, "Name": "X", "Enabled": "true"}
        response = await raw.call("POST", "CreateTag", token, json=body)
        assert message(response) == "Enabled must be true or false"
        params = {"MobileNumber": "+27821231234", "IncludeChats": "yes"}
        response = await raw.call("GET", "FindCustomer", token, params=params)
        assert message(response) == "IncludeChats must be true or false"
        body = {"Days": [{"Day": 8, "Enabled": True, "StartTime": "08:00", "EndTime": "17:00"}]}
        response = await raw.call("POST", "UpdateWorkingHours", token, json=body)
        assert message(response) == "Days[0].Day must be a weekday 1..7 (Monday is 1)"
        body = {"Days": [{"Day": 1, "Enabled": True, "StartTime": "8:00", "EndTime": "17:00"}]}
        response = await raw.call("POST", "UpdateWorkingHours", token, json=body)
        assert message(response) == 'Days[0].StartTime must be a 24-hour "HH:MM" time'
        response = await raw.call("POST", "CreateAgent", token, json={
            "Name": "N", "EmailAddress": "n@example.com", "RoleID": 2, "DepartmentID": [1],
        })  # fmt: skip
        assert message(response) == "RoleID must be a string"
    assert sim.state.working_hours[1].start_time == "08:00"


async def test_unknown_ids_are_404_naming_the_field() -> None:
    sim, _ = make_sim()
    async with client(sim, manager=True) as chat:
        with pytest.raises(NotFoundError, match="ChatID 1"):
            await chat.export_chat(1)
        with pytest.raises(NotFoundError, match="TagGroupID 50"):
            await chat.create_tag(50, "X", True)
        with pytest.raises(NotFoundError, match="CannedResponseID 50"):
            await chat.delete_canned_response(50)
        with pytest.raises(NotFoundError, match="RecipientID 50"):
            await chat.create_report_schedule(50, 1, "CSV", ["WEEK"], "EMAIL", [1], "08:00")
        with pytest.raises(NotFoundError, match="ScheduleID 50"):
            await chat.delete_report_schedule(50)
        with pytest.raises(NotFoundError, match="AutoTagID 50"):
            await chat.create_department("New", auto_tag_ids=[50])
    assert sim.journal == []


# -- answers --------------------------------------------------------------------


async def test_export_chat_is_utf8_csv_with_crlf_and_one_row_per_message() -> None:
    sim, _ = make_sim()
    chat_id = chat_in(sim, OPEN)
    tricky = 'Dear "Joe", the price is R1,299\nThanks — Jack'
    async with client(sim) as chat:
        await chat.send_message(chat_id, tricky)
        export = await chat.export_chat(chat_id)
    async with Raw(sim) as raw:
        response = await raw.call(
            "GET", "ExportChat", await raw.logon(), params={"ChatID": chat_id}
        )
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("Date,Sender,Message,Attachment\r\n")
    assert text.endswith("\r\n")
    assert export.columns == ("Date", "Sender", "Message", "Attachment")
    record = sim.state.chats[chat_id]
    assert len(export) == len(record.messages)
    assert export.rows[-1].message == tricky
    assert export.rows[-1].sender == "Jack Rabbit"
    assert export.rows[-1].date == START
    attached = [r for r, m in zip(export.rows, record.messages, strict=True) if m.attachment]
    assert all(r.attachment for r in attached)


async def test_send_message_stores_the_decoded_attachment_and_answers_its_id() -> None:
    from agentchat import Attachment

    sim, _ = make_sim()
    chat_id = chat_in(sim, OPEN)
    async with client(sim) as chat:
        sent = await chat.send_message(
            chat_id,
            "The form",
            attachment=Attachment(
                name="form.pdf", content_type="application/pdf", data=b"%PDF\x00\xff"
            ),
        )
    stored = sim.state.chats[chat_id].messages[-1]
    assert stored.message_id == sent.message_id
    assert stored.attachment is not None
    assert (stored.attachment.name, stored.attachment.content_type, stored.attachment.data) == (
        "form.pdf",
        "application/pdf",
        b"%PDF\x00\xff",
    )
    assert sim.journal[-1].fields["attachment_size"] == 6


async def test_data_insight_points_per_period_and_refuses_others() -> None:
    sim, _ = make_sim()
    async with client(sim) as chat:
        counts = {p: len(await chat.data_insight(p)) for p in ("day", "week", "month", "year")}
        week = await chat.data_insight("week")
        assert await chat.data_insight("week") == week  # stable between reads
    assert counts == {"day": 7, "week": 8, "month": 6, "year": 3}
    assert week.period == "week"
    starts = [p.start for p in week if p.start is not None]
    assert len(starts) == 8
    assert starts == sorted(starts)
    assert all(start.weekday() == 0 for start in starts)
    async with Raw(sim) as raw:
        response = await raw.call(
            "GET", "DataInsight", await raw.logon(), params={"Period": "decade"}
        )
    assert (response.status_code, message(response)) == (
        400,
        "Period must be one of day, week, month, year",
    )


async def test_live_metrics_follow_the_state() -> None:
    sim, clock = make_sim()
    async with client(sim) as chat:
        before = await chat.live_metrics()
        await chat.grab_chat()
        clock.advance(60)
        after = await chat.live_metrics()
    assert (before.chats_waiting, after.chats_waiting) == (9, 8)
    assert before.chats_open is not None
    assert after.chats_open == before.chats_open + 1
    assert before.agents_online == 3
    assert before.chats_closed_today == 4
    assert before.longest_wait_seconds is not None
    assert after.longest_wait_seconds is not None
    assert after.longest_wait_seconds > before.longest_wait_seconds


async def test_settings_are_a_list_of_one_key_objects_and_updates_merge() -> None:
    sim, _ = make_sim()
    async with Raw(sim) as raw:
        token = await raw.logon(manager=True)
        body = {"Settings": [{"CompanyName": "Channel"}, {"NewSetting": True}]}
        assert (await raw.call("POST", "UpdateSettings", token, json=body)).status_code == 200
        response = await raw.call("GET", "GetSettings", token)
    settings = response.json()["Settings"]
    assert {"CompanyName": "Channel"} in settings
    assert {"NewSetting": True} in settings
    assert {"TimeZone": "Africa/Johannesburg"} in settings


async def test_created_records_carry_new_ids_never_reused() -> None:
    sim, _ = make_sim()
    async with client(sim, manager=True) as chat:
        first = await chat.create_canned_response("a", "A")
        assert first is not None
        await chat.delete_canned_response(first.canned_response_id)
        second = await chat.create_canned_response("b", "B")
    assert second is not None
    assert second.canned_response_id == first.canned_response_id + 1
    assert [e.fields["created_id"] for e in sim.journal] == [
        first.canned_response_id,
        second.canned_response_id,
    ]


async def test_camel_casing_renames_keys_but_not_setting_names() -> None:
    sim, _ = make_sim(SimulatorConfig(casing="camel", start_time=START))
    async with Raw(sim) as raw:
        body = {"EmailAddress": sim.agent_email, "Password": sim.agent_password}
        logon = (await raw.call("POST", "AgentLogon", json=body)).json()
        token = logon["sessionToken"]
        chats = (await raw.call("GET", "GetChatList", token)).json()
        settings = (await raw.call("GET", "GetSettings", token)).json()
        error = (await raw.call("GET", "GetChatList", "bad")).json()
    assert set(logon) == {"sessionToken", "agentId", "name", "emailAddress", "roleId"}
    assert {"chatId", "customerName", "departmentId", "lastMessageAt"} <= set(chats[0])
    assert {"CompanyName": "Channel Mobile Demo"} in settings["settings"]
    assert error == {"message": "Session expired or invalid"}
