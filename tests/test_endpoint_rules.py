"""Per-endpoint rules beyond the wire format: AddTag's tag and either-or, GrabChat's "none",
create calls' optional results, working hours and settings."""

from __future__ import annotations

import inspect
import json

import httpx
import pytest

from agentchat import (
    Agent,
    AsyncAgentChat,
    Chat,
    InvalidRequestError,
    ResponseFormatError,
    Role,
    ServerError,
    Settings,
    Status,
    Weekday,
    WorkingDay,
)

from .fakes import FakeAgentChat, make_client

pytestmark = pytest.mark.anyio


async def test_add_tag_needs_exactly_one_of_chat_or_customer(api: FakeAgentChat) -> None:
    route = api.router.post("/api/AddTag").respond(200)
    async with make_client() as chat:
        with pytest.raises(InvalidRequestError, match="exactly one"):
            await chat.add_tag(tag_id=1)
        with pytest.raises(InvalidRequestError, match="exactly one"):
            await chat.add_tag(chat_id=407, customer_id=3, tag_id=1)
        assert route.call_count == 0
        await chat.add_tag(customer_id=3, tag_id=1)
        await chat.add_tag(chat_id=407, tag_id=1)
    by_customer, by_chat = (json.loads(c.request.content) for c in route.calls)
    assert by_customer == {"CustomrID": 3, "CustomerID": 3, "TagID": 1}
    assert by_chat == {"ChatID": 407, "TagID": 1}


async def test_add_tag_needs_the_tag(api: FakeAgentChat) -> None:
    """The reference marks TagID optional, but a tag must be named: ``tag_id`` is a
    required keyword, and ``tag_id=None`` is refused before sending like any bad ID."""
    route = api.router.post("/api/AddTag").respond(200)
    signature = inspect.signature(AsyncAgentChat.add_tag)
    assert signature.parameters["tag_id"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["tag_id"].default is inspect.Parameter.empty
    async with make_client() as chat:
        missing = r"^tag_id must be an int ID from 1 to 2147483647, got None$"
        for where in ({"chat_id": 407}, {"customer_id": 3}, {}):
            with pytest.raises(InvalidRequestError, match=missing):
                await chat.add_tag(tag_id=None, **where)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="tag_id"):
            await chat.add_tag(chat_id=407)  # type: ignore[call-arg]
        with pytest.raises(InvalidRequestError, match="tag_id must be an int ID"):
            await chat.add_tag(tag_id="1", chat_id=407)  # type: ignore[arg-type]
    assert route.call_count == 0


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200), httpx.Response(404, json={"Message": "No unassigned chats"})],
    ids=["empty", "404"],
)
async def test_grab_chat_returns_none_when_there_is_nothing_to_grab(
    api: FakeAgentChat, answer: httpx.Response
) -> None:
    api.router.get("/api/GrabChat").mock(return_value=answer)
    async with make_client() as chat:
        assert await chat.grab_chat() is None


async def test_grab_chat_returns_the_chat_and_other_errors_propagate(api: FakeAgentChat) -> None:
    api.router.get("/api/GrabChat").mock(
        side_effect=[httpx.Response(200, json={"ChatID": "77"}), httpx.Response(500)]
    )
    async with make_client() as chat:
        grabbed = await chat.grab_chat()
        assert isinstance(grabbed, Chat)
        assert grabbed.chat_id == 77
        with pytest.raises(ServerError):
            await chat.grab_chat()


async def test_create_calls_return_the_record_or_none(api: FakeAgentChat) -> None:
    api.router.post("/api/CreateAgent").mock(
        side_effect=[
            httpx.Response(200),
            httpx.Response(200, json={"agentId": 12, "roleId": "2", "StatusID": 4}),
        ]
    )
    async with make_client() as chat:
        assert await chat.create_agent("Ann", "ann@example.com", Role.AGENT, [1]) is None
        agent = await chat.create_agent("Bob", "bob@example.com", 2, [1, 2])
    assert isinstance(agent, Agent)
    assert agent.agent_id == 12
    assert agent.role is Role.MANAGER
    assert agent.status is Status.ONLINE


def test_unknown_role_or_status_values_are_kept_not_refused() -> None:
    agent = Agent(agent_id=1, role_id=9, status_id=None)
    assert agent.role is None
    assert agent.status is None
    assert agent.role_id == 9


async def test_update_working_hours_sends_one_entry_per_day(api: FakeAgentChat) -> None:
    route = api.router.post("/api/UpdateWorkingHours").respond(200)
    week = [WorkingDay(day=d, start_time="08:00", end_time="17:30") for d in range(1, 6)]
    week += [WorkingDay(day=Weekday.SATURDAY, enabled=False), WorkingDay(day=7, enabled=False)]
    async with make_client() as chat:
        await chat.update_working_hours(week)
        with pytest.raises(InvalidRequestError, match="twice"):
            await chat.update_working_hours([week[0], week[0]])
        with pytest.raises(InvalidRequestError, match="empty"):
            await chat.update_working_hours([])
        with pytest.raises(InvalidRequestError, match="WorkingDay"):
            await chat.update_working_hours([{"Day": 1}])  # type: ignore[list-item]
    body = json.loads(route.calls.last.request.content)
    assert route.call_count == 1
    assert body["Days"][0] == {"Day": 1, "Enabled": True, "StartTime": "08:00", "EndTime": "17:30"}
    assert body["Days"][6] == {"Day": 7, "Enabled": False, "StartTime": "00:00", "EndTime": "00:00"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"day": 0}, "weekday"),
        ({"day": 8}, "weekday"),
        ({"day": True}, "weekday"),
        ({"day": 1, "start_time": "8:00", "end_time": "17:00"}, "HH:MM"),
        ({"day": 1, "start_time": "08:00", "end_time": "24:00"}, "HH:MM"),
        ({"day": 1, "start_time": "17:00", "end_time": "08:00"}, "not after"),
        ({"day": 1, "enabled": "yes"}, "bool"),
    ],
)
def test_working_day_checks_itself(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        WorkingDay(**kwargs)  # type: ignore[arg-type]


async def test_update_settings_sends_one_object_per_setting(api: FakeAgentChat) -> None:
    route = api.router.post("/api/UpdateSettings").respond(200)
    async with make_client() as chat:
        await chat.update_settings({"CompanyName": "Channel", "MaxQueue": 20})
        for bad in ({}, {"": 1}, {"X": object()}, ["CompanyName"]):
            with pytest.raises(InvalidRequestError, match="settings"):
                await chat.update_settings(bad)  # type: ignore[arg-type]
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content) == {
        "Settings": [{"CompanyName": "Channel"}, {"MaxQueue": 20}]
    }


@pytest.mark.parametrize(
    "body",
    [
        {"CompanyName": "Channel", "MaxQueue": 20},
        [{"CompanyName": "Channel"}, {"MaxQueue": 20}],
        [{"Name": "CompanyName", "Value": "Channel"}, {"name": "MaxQueue", "value": 20}],
        {"Settings": [{"CompanyName": "Channel"}, {"MaxQueue": 20}]},
    ],
    ids=["object", "one-key-objects", "name-value", "wrapped"],
)
async def test_get_settings_accepts_every_known_shape(api: FakeAgentChat, body: object) -> None:
    api.router.get("/api/GetSettings").respond(200, json=body)
    async with make_client() as chat:
        settings = await chat.get_settings()
    assert isinstance(settings, Settings)
    assert dict(settings.values) == {"CompanyName": "Channel", "MaxQueue": 20}
    assert settings["CompanyName"] == "Channel"
    assert len(settings) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"CustomerID": 5, "FullName": "Jo", "Chats": [{"ChatID": 1}]},
        [{"CustomerID": 5, "FullName": "Jo", "Chats": [{"ChatID": 1}]}],
        {"Customers": [{"customerId": "5", "fullName": "Jo", "chats": [{"chatId": 1}]}]},
    ],
    ids=["single-object", "bare-list", "wrapped-camel"],
)
async def test_find_customer_accepts_one_or_many(api: FakeAgentChat, body: object) -> None:
    route = api.router.get("/api/FindCustomer").respond(200, json=body)
    async with make_client() as chat:
        found = await chat.find_customer("+27800000000", include_chats=True)
    [customer] = found
    assert customer.customer_id == 5
    assert customer.full_name == "Jo"
    assert [c.chat_id for c in customer.chats] == [1]
    params = route.calls.last.request.url.params
    assert params["MobileNumber"] == "+27800000000"
    assert params["IncludeChats"] == "true"


@pytest.mark.parametrize(
    ("answer", "expected_id"),
    [(b"57", 57), (b'"57"', 57), (b"true", None), (b'"OK"', None), (b"{}", None), (b"[]", None)],
)
async def test_a_create_call_that_succeeded_never_fails_on_its_answer(
    api: FakeAgentChat, answer: bytes, expected_id: int | None
) -> None:
    api.router.post("/api/CreateTag").respond(200, content=answer)
    async with make_client() as chat:
        tag = await chat.create_tag(1, "Warranty", True)
    assert (tag.tag_id if tag else None) == expected_id


async def test_strict_mode_logs_on_and_rejects_unknown_fields(api: FakeAgentChat) -> None:
    api.router.get("/api/GetChatList").respond(200, json=[{"ChatID": 1, "Mood": "odd"}])
    async with make_client(strict=True) as chat:
        with pytest.raises(ResponseFormatError, match="Mood"):
            await chat.get_chat_list()


async def test_wrapped_single_objects_are_unwrapped(api: FakeAgentChat) -> None:
    api.router.get("/api/GrabChat").respond(200, json={"Data": {"ChatID": 9}})
    api.router.get("/api/LiveMetrics").respond(200, json={"result": {"ChatsWaiting": "4"}})
    async with make_client() as chat:
        grabbed = await chat.grab_chat()
        metrics = await chat.live_metrics()
    assert grabbed is not None
    assert grabbed.chat_id == 9
    assert metrics.chats_waiting == 4
