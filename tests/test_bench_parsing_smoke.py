"""``python -m benchmarks.parsing --smoke``: the parsed models are right. No timing.

Runs the benchmark's ``main`` in-process at its smoke sizes, then checks its
JSON report and, independently, what its two workloads parse into.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from benchmarks.parsing import (
    SMOKE_CHATS,
    SMOKE_ROWS,
    chat_list_body,
    export_body,
    main,
    parse_chats,
    parse_rows,
)

from agentchat import Chat

pytestmark = pytest.mark.httpx_only  # parsing only: once is enough

SAST = timezone(timedelta(hours=2))


def test_smoke_run_reports_right_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "parsing.json"
    assert main(["--smoke", "--json", str(report)]) == 0
    out = capsys.readouterr()
    assert "GetChatList (50)" in out.out
    assert "ExportChat (200)" in out.out
    assert "WRONG RESULT" not in out.err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["smoke"] is True
    chats, rows = data["results"]
    assert (chats["name"], chats["items"], chats["problems"]) == ("GetChatList", SMOKE_CHATS, [])
    assert (rows["name"], rows["items"], rows["problems"]) == ("ExportChat", SMOKE_ROWS, [])
    for result in (chats, rows):
        assert result["baseline_ms"] > 0
        assert result["library_ms"] > 0
        assert result["ratio"] > 0
    assert rows["baseline_peak_mb"] > 0
    assert rows["library_peak_mb"] > 0


def test_the_chat_list_workload_parses_into_typed_chats() -> None:
    chats = parse_chats(chat_list_body(SMOKE_CHATS))
    assert len(chats) == SMOKE_CHATS
    first, second, last = chats.chats[0], chats.chats[2], chats.chats[-1]
    assert first == Chat(
        chat_id=100_000,
        customer_id=5_000,
        customer_name="Joe the Jester 0",
        mobile_number="+27820000000",
        department_id=1,
        department_name="Reception",
        agent_id=3,
        agent_name="Jack Rabbit",
        status="open",
        created=datetime(2024, 3, 1, 8, 0, tzinfo=SAST),
        last_message="Hello, is anyone there?",
        last_message_at=datetime(2024, 3, 1, 8, 1, 30, tzinfo=SAST),
    )
    assert (second.status, second.agent_id, second.agent_name) == ("unassigned", None, None)
    assert last.chat_id == 100_000 + SMOKE_CHATS - 1
    assert last.created == datetime(2024, 3, 1, 8, 0, tzinfo=SAST) + timedelta(
        seconds=37 * (SMOKE_CHATS - 1)
    )
    assert all(type(chat.chat_id) is int and chat.extra == {} for chat in chats)


def test_the_export_workload_parses_into_typed_rows() -> None:
    export = parse_rows(export_body(SMOKE_ROWS))
    assert (export.chat_id, len(export)) == (408, SMOKE_ROWS)
    assert export.columns == ("Date", "Sender", "Message", "Attachment")
    first, attached = export.rows[0], export.rows[7]
    assert (first.date, first.sender, first.message, first.attachment) == (
        datetime(2024, 3, 1, 8, 0, tzinfo=SAST),
        "Joe the Jester",
        "Hello, is anyone there? (0)",
        None,
    )
    assert first.raw == {
        "Date": "2024-03-01T08:00:00+02:00",
        "Sender": "Joe the Jester",
        "Message": "Hello, is anyone there? (0)",
        "Attachment": "",
    }
    assert (attached.sender, attached.attachment) == ("Jack Rabbit", "brochure.pdf")
    assert attached.message == "Hi! I'd like to check on my order, it hasn't arrived yet. (7)"
    assert export.rows[-1].date == datetime(2024, 3, 1, 8, 0, tzinfo=SAST) + timedelta(
        seconds=23 * (SMOKE_ROWS - 1)
    )
