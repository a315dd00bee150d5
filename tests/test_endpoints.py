"""The seven endpoints of the client core, end to end on the wire, with typed results."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from agentchat import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Chat,
    ChatList,
    ChatType,
    InvalidRequestError,
    LogonError,
    LogonResult,
    SentMessage,
)

from .fakes import EMAIL, PASSWORD, FakeAgentChat, make_client

pytestmark = pytest.mark.anyio


async def test_get_chat_list_sends_the_chat_type_and_returns_typed_chats(
    api: FakeAgentChat,
) -> None:
    route = api.router.get("/api/GetChatList").respond(
        200,
        json={
            "chats": [
                {
                    "chatId": "408",
                    "customerId": 12,
                    "customerName": "Joe",
                    "created": "/Date(1700000000000)/",
                    "Priority": "high",
                }
            ]
        },
    )
    async with make_client() as chat:
        chat_list = await chat.get_chat_list(chat_type="unassigned")
        await chat.get_chat_list(chat_type=ChatType.CLOSED)
        await chat.get_chat_list()
    first, second, third = (c.request.url.params for c in route.calls)
    assert first["ChatType"] == "unassigned"
    assert second["ChatType"] == "closed"
    assert "ChatType" not in third
    assert isinstance(chat_list, ChatList)
    [item] = chat_list
    assert isinstance(item, Chat)
    assert item.chat_id == 408
    assert item.customer_id == 12
    assert item.customer_name == "Joe"
    assert item.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert item.extra == {"Priority": "high"}
    assert item.raw["Priority"] == "high"


async def test_get_chat_list_with_an_empty_body_is_an_empty_list(api: FakeAgentChat) -> None:
    api.router.get("/api/GetChatList").respond(200)
    async with make_client() as chat:
        assert len(await chat.get_chat_list()) == 0


async def test_send_message_puts_the_documented_body_on_the_wire(api: FakeAgentChat) -> None:
    route = api.router.post("/api/SendMessage").respond(200)
    async with make_client() as chat:
        result = await chat.send_message(408, "Hallo there")
    assert result == SentMessage()
    request = route.calls.last.request
    assert request.url.params["SessionToken"] == api.issued[0]
    assert json.loads(request.content) == {"ChatID": "408", "MessageText": "Hallo there"}


async def test_send_message_returns_what_the_server_says(api: FakeAgentChat) -> None:
    api.router.post("/api/SendMessage").respond(200, json={"MessageID": "55", "Sent": True})
    async with make_client() as chat:
        result = await chat.send_message(408, "hi")
    assert result.message_id == 55
    assert result.extra == {"Sent": True}


async def test_send_message_with_an_attachment_from_bytes(api: FakeAgentChat) -> None:
    route = api.router.post("/api/SendMessage").respond(200)
    data = bytes(range(256)) * 10
    attachment = Attachment(name="image.jpg", content_type="image/jpeg", data=data)
    async with make_client() as chat:
        await chat.send_message(408, "see attached", attachment=attachment)
    body = json.loads(route.calls.last.request.content)
    assert body["AttachmentName"] == "image.jpg"
    assert body["AttachmentType"] == "image/jpeg"
    assert base64.b64decode(body["AttachmentData"]) == data
    assert "2560 bytes" in repr(attachment)


async def test_send_message_with_an_attachment_from_a_path(
    api: FakeAgentChat, tmp_path: Path
) -> None:
    route = api.router.post("/api/SendMessage").respond(200)
    path = tmp_path / "receipt.pdf"
    path.write_bytes(b"%PDF-1.4 fake")
    async with make_client() as chat:
        await chat.send_message(9, "your receipt", attachment=Attachment.from_path(path))
    body = json.loads(route.calls.last.request.content)
    assert body["AttachmentName"] == "receipt.pdf"
    assert body["AttachmentType"] == "application/pdf"
    assert base64.b64decode(body["AttachmentData"]) == b"%PDF-1.4 fake"


def test_attachment_from_a_path_with_an_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "blob.unknownext"
    path.write_bytes(b"x")
    attachment = Attachment.from_path(path, name="renamed.bin")
    assert attachment.content_type == "application/octet-stream"
    assert attachment.name == "renamed.bin"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "", "content_type": "image/png", "data": b"x"}, "name"),
        ({"name": "a.png", "content_type": "png", "data": b"x"}, "content_type"),
        ({"name": "a.png", "content_type": "image/png", "data": "text"}, "bytes"),
        (
            {"name": "a.bin", "content_type": "a/b", "data": b"\0" * (MAX_ATTACHMENT_BYTES + 1)},
            "limit",
        ),
    ],
)
def test_attachment_checks_its_fields(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        Attachment(**kwargs)  # type: ignore[arg-type]


async def test_set_password_needs_no_session(api: FakeAgentChat) -> None:
    route = api.router.post("/api/SetPassword").respond(200)
    async with make_client(version="3") as chat:
        await chat.set_password("76897132458762458761243")
    request = route.calls.last.request
    assert dict(request.url.params) == {"Version": "3"}
    assert json.loads(request.content) == {"ResetCode": "76897132458762458761243"}


async def test_request_password_reset_sends_the_email_in_the_query(api: FakeAgentChat) -> None:
    route = api.router.get("/api/RequestPasswordReset").respond(200)
    async with make_client() as chat:
        await chat.request_password_reset("someone@example.com")
    params = route.calls.last.request.url.params
    assert params["EmailAddress"] == "someone@example.com"
    assert params["SessionToken"] == api.issued[0]
    assert route.calls.last.request.content == b""


async def test_keep_alive_can_be_called_explicitly(api: FakeAgentChat) -> None:
    async with make_client() as chat:
        await chat.keep_alive()
        assert chat.stats.keep_alives == 1
    assert api.keep_alive.calls.last.request.url.params["SessionToken"] == api.issued[0]


async def test_agent_logoff_then_the_next_call_logs_on_again(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").mock(side_effect=api.session_ok())
    async with make_client() as chat:
        await chat.agent_logoff()
        assert api.valid == set()
        await chat.get_chat_list()
        assert api.logon.call_count == 2
    assert route.calls.last.request.url.params["SessionToken"] == api.issued[1]
    assert api.logoff.call_count == 2


async def test_agent_logon_returns_the_agent_and_adopts_the_new_session(
    api: FakeAgentChat,
) -> None:
    async with make_client() as chat:
        result = await chat.agent_logon()
        assert isinstance(result, LogonResult)
        assert result.agent_id == 7
        assert result.name == "Ann"
        assert api.issued[1] not in repr(result)
        assert api.issued[1] not in json.dumps(result.raw)
        assert api.issued[1] not in json.dumps(dict(result.extra))
        with pytest.raises(InvalidRequestError):
            await chat.agent_logon(EMAIL)
    assert api.logoff.calls.last.request.url.params["SessionToken"] == api.issued[1]


async def test_a_refused_switch_of_agent_keeps_the_session(api: FakeAgentChat) -> None:
    listed = api.router.get("/api/GetChatList").mock(side_effect=api.session_ok())
    async with make_client() as chat:
        with pytest.raises(LogonError, match=r"refused the credentials of 'someone@example\.com'"):
            await chat.agent_logon("someone@example.com", "a-typo-in-the-password")
        assert "someone" not in repr(chat)
        assert chat.agent is not None
        await chat.get_chat_list()  # the session it had, untouched
        assert listed.calls.last.request.url.params["SessionToken"] == api.issued[0]
        await chat.agent_logon()  # and its own credentials still work
    sent = [json.loads(call.request.content)["EmailAddress"] for call in api.logon.calls]
    assert sent == [EMAIL, "someone@example.com", EMAIL]


async def test_agent_logon_with_new_credentials_is_used_from_then_on(api: FakeAgentChat) -> None:
    new_password = "a-new-password-0451"
    async with make_client() as chat:
        view = chat.with_options(max_retries=0)
        api.password = new_password
        await chat.agent_logon(EMAIL, new_password)
        api.expire_all()
        await view.keep_alive()  # a re-logon from a view logs on with the new password
        assert chat.stats.relogons == 1
        assert EMAIL in repr(chat)
        assert new_password not in repr(chat)
    sent = [json.loads(call.request.content) for call in api.logon.calls]
    assert [body["Password"] for body in sent] == [PASSWORD, new_password, new_password]


@pytest.mark.parametrize(
    "body",
    [
        {"content": b'"tok-plain-json-string"'},
        {"content": b"tok-plain-text-body"},
        {"json": {"data": {"sessionToken": "tok-wrapped-token", "agentId": "7"}}},
        {"json": {"Token": "tok-token-key"}},
        {"json": {"Session Token": "tok-spaced-key", "Agent ID": 7}},
        {"json": {"Result": {"SESSION_TOKEN": "tok-snake-key"}}},
    ],
    ids=["json-string", "text", "wrapped", "token-key", "spaced-key", "snake-key"],
)
async def test_logon_token_shapes(api: FakeAgentChat, body: dict[str, object]) -> None:
    api.logon.mock(side_effect=None, return_value=httpx.Response(200, **body))  # type: ignore[arg-type]
    listed = api.router.get("/api/GetChatList").respond(200, json=[])
    async with make_client() as chat:
        await chat.get_chat_list()
        agent = chat.agent
    sent = listed.calls.last.request.url.params["SessionToken"]
    assert sent.startswith("tok-")
    # The token is the client's, its key matched as any key is: not kept in ``extra``.
    assert agent is not None
    assert sent not in json.dumps(dict(agent.extra))
