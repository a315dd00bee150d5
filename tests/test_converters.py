"""The converter's leniency rules, and strict mode."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from agentchat import Chat, ChatList, SentMessage
from agentchat._converters import make_converter, structure, wire_name
from agentchat._transport import BACKOFF_MAX, _backoff

LENIENT = make_converter()
STRICT = make_converter(strict=True)


@pytest.mark.parametrize(
    "body",
    [
        [{"ChatID": 1}],
        [{"chatId": "1"}],
        [{"chat_id": 1.0}],
        {"Chats": [{"CHATID": " 1 "}]},
        {"data": [{"chatid": 1}]},
    ],
)
def test_lists_bare_or_wrapped_and_keys_in_any_case(body: Any) -> None:
    chat_list = structure(LENIENT, body, ChatList)
    assert [c.chat_id for c in chat_list] == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T08:30:00", datetime(2024, 5, 1, 8, 30)),
        ("2024-05-01T08:30:00Z", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),
        (
            "2024-05-01T08:30:00.1234567+02:00",
            datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("/Date(0)/", datetime(1970, 1, 1, tzinfo=timezone.utc)),
        (
            "/Date(3600000+0100)/",
            datetime(1970, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_dates_in_iso_and_dotnet_form(text: str, expected: datetime) -> None:
    chat = structure(LENIENT, {"ChatID": 1, "Created": text}, Chat)
    assert chat.created == expected


def test_unknown_fields_are_kept_and_raw_is_the_decoded_json() -> None:
    body = {"ChatID": 3, "Mood": "happy", "Tags": [1, 2]}
    chat = structure(LENIENT, body, Chat)
    assert chat.extra == {"Mood": "happy", "Tags": [1, 2]}
    assert chat.raw is body
    assert "happy" not in repr(chat)


def test_strict_mode_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="Mood"):
        structure(STRICT, {"ChatID": 3, "Mood": "happy"}, Chat)
    assert structure(STRICT, {"ChatID": 3}, Chat).chat_id == 3


def test_errors_name_the_path() -> None:
    with pytest.raises(ValueError, match=r"\$\.chats\[1\]\.chat_id"):
        structure(LENIENT, [{"ChatID": 1}, {"ChatID": "one"}], ChatList)
    with pytest.raises(ValueError, match=r"\$\.chats\[0\]\.chat_id"):
        structure(LENIENT, [{"Name": "no id"}], ChatList)


def test_empty_body_means_no_content() -> None:
    assert structure(LENIENT, None, SentMessage) == SentMessage()
    assert len(structure(LENIENT, None, ChatList)) == 0


def test_unstructure_gives_wire_names_back_and_round_trips() -> None:
    chat = structure(LENIENT, {"chatId": "7", "customerName": "Jo", "Extra": True}, Chat)
    wire = LENIENT.unstructure(chat)
    assert wire == {"ChatID": 7, "CustomerName": "Jo", "Extra": True}
    assert structure(LENIENT, wire, Chat) == chat


def test_wire_names() -> None:
    assert wire_name("chat_id") == "ChatID"
    assert wire_name("customer_name") == "CustomerName"


def test_backoff_is_jittered_and_bounded() -> None:
    delays = [_backoff(attempt) for attempt in range(20) for _ in range(20)]
    assert all(0 < delay <= BACKOFF_MAX for delay in delays)
    assert len(set(delays)) > 100  # jittered, not fixed steps


def test_epoch_numbers_and_empty_strings() -> None:
    chat = structure(LENIENT, {"ChatID": 1, "Created": 1_700_000_000_000, "AgentID": ""}, Chat)
    assert chat.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert chat.agent_id is None
    assert structure(LENIENT, {"ChatID": 1, "CustomerName": ""}, Chat).customer_name == ""
