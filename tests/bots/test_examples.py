"""The scripts in ``examples/`` run green against the simulator, and do what they say.

Each example's ``amain(argv)`` runs in the test's event loop against a simulator
served on a real socket, and its effects are read from the simulator's journal
and state (or the files it wrote). Each script also runs as a program with
``--simulate``, its embedded simulator, as a user would start it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, cast

import anyio
import pytest

from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread
from agentchat.simulator._render import export_csv

from ..simulator.helpers import START

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (not a package) as a module."""
    module_name = f"agentchat_example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def amain(name: str) -> Callable[[Sequence[str]], Awaitable[int]]:
    return cast(Callable[[Sequence[str]], Awaitable[int]], load(name).amain)


@pytest.fixture
def sim() -> Simulator:
    return Simulator(SimulatorConfig(start_time=START))


@pytest.fixture
def url(sim: Simulator) -> Iterator[str]:
    with serve_in_thread(sim) as base_url:
        yield base_url


@pytest.fixture(autouse=True)
def no_agentchat_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AGENTCHAT_BASE_URL", "AGENTCHAT_EMAIL", "AGENTCHAT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def journal(sim: Simulator, endpoint: str) -> list[dict[str, Any]]:
    return [{"agent_id": e.agent_id, **e.fields} for e in sim.journal if e.endpoint == endpoint]


# -- auto_responder ----------------------------------------------------------

#: Customer messages and the canned response each must get.
QUESTIONS = {
    "How much is the new handset?": "auto: pricing",
    "My order hasn't arrived yet.": "auto: delivery",
    "I was charged twice this month.": "auto: billing",
    "My phone won't charge, is it under warranty?": "auto: warranty",
    "Tell me a joke.": "auto: other",
}


def test_auto_responder_picks_replies_by_keyword() -> None:
    responder = load("auto_responder")
    for message, name in QUESTIONS.items():
        assert responder.pick_reply(message)[0] == name
    assert responder.pick_reply(None)[0] == "auto: other"
    assert responder.pick_reply("HOW MUCH?")[0] == "auto: pricing"


def _ask(sim: Simulator) -> dict[int, str]:
    """Only these chats wait in the queue: one per question, in Jack's department 1."""
    for record in sim.state.chats.values():
        if record.status == "unassigned":
            record.status = "closed"
    return {sim.new_chat(department_id=1, text=text): text for text in QUESTIONS}


async def test_auto_responder_answers_tags_and_closes_new_chats(sim: Simulator, url: str) -> None:
    responder = load("auto_responder")
    asked = _ask(sim)
    argv = [
        "--base-url", url, "--email", sim.agent_email, "--password", sim.agent_password,
        "--manager-email", sim.manager_email, "--manager-password", sim.manager_password,
        "--interval", "0.02", "--max-chats", str(len(asked)), "--duration", "15",
    ]  # fmt: skip
    with anyio.fail_after(20):
        assert await amain("auto_responder")(argv) == 0
    manager = sim.state.agent_by_email(sim.manager_email)
    jack = sim.state.agent_by_email(sim.agent_email)
    assert manager is not None
    assert jack is not None
    # The manager stored the table as canned responses, and made the tag.
    stored = journal(sim, "CreateCannedResponse")
    assert {e["agent_id"] for e in stored} == {manager.agent_id}
    expected_names = {name for _, name, _ in responder.REPLIES} | {responder.FALLBACK[0]}
    assert len(stored) == len(expected_names)
    [tag] = journal(sim, "CreateTag")
    tag_id = tag["created_id"]
    # Each chat: grabbed once, answered once with the reply its keyword picks, tagged, closed.
    assert sorted(e["chat_id"] for e in journal(sim, "GrabChat")) == sorted(asked)
    sent = {e["chat_id"]: e for e in journal(sim, "SendMessage")}
    assert len(journal(sim, "SendMessage")) == len(asked)
    for chat_id, text in asked.items():
        assert sent[chat_id]["agent_id"] == jack.agent_id
        assert sent[chat_id]["message_text"] == responder.pick_reply(text)[1]
        record = sim.state.chats[chat_id]
        assert record.status == "closed"
        assert tag_id in record.tag_ids


async def test_auto_responder_without_a_manager_uses_the_given_tag(
    sim: Simulator, url: str
) -> None:
    asked = _ask(sim)
    resolved = next(t.tag_id for t in sim.state.tags.values() if t.name == "Resolved")
    argv = [
        "--base-url", url, "--email", sim.agent_email, "--password", sim.agent_password,
        "--tag-id", str(resolved), "--interval", "0.02", "--max-chats", "2",
    ]  # fmt: skip
    with anyio.fail_after(20):
        assert await amain("auto_responder")(argv) == 0
    assert journal(sim, "CreateCannedResponse") == journal(sim, "CreateTag") == []
    answered = [e["chat_id"] for e in journal(sim, "SendMessage")]
    assert len(answered) == 2  # --max-chats
    assert all(resolved in sim.state.chats[c].tag_ids for c in answered)
    assert sum(sim.state.chats[c].status == "unassigned" for c in asked) == len(asked) - 2


# -- export_closed -----------------------------------------------------------


async def test_export_closed_exports_each_closed_chat_once_and_resumes(
    sim: Simulator, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = amain("export_closed")
    folder = tmp_path / "exports"
    argv = [
        "--base-url", url, "--email", sim.agent_email, "--password", sim.agent_password,
        "--folder", str(folder), "--jobs", "3",
    ]  # fmt: skip
    closed = {c.chat_id: c for c in sim.state.chats.values() if c.status == "closed"}
    expected = {f"chat-{chat_id}.csv" for chat_id in closed}
    with anyio.fail_after(20):
        assert await export(argv) == 0
        first = capsys.readouterr()
        assert {p.name for p in folder.iterdir()} == expected
        for chat_id, record in closed.items():
            written = (folder / f"chat-{chat_id}.csv").read_bytes().decode("utf-8")
            assert written == export_csv(sim.state, record)
        assert sim.requests["ExportChat"] == len(closed)
        assert f"exported {len(closed)}, 0 already" in first.out
        assert f"{len(closed)}/{len(closed)}" in first.err  # the progress bar

        # Run again: nothing new to export.
        assert await export(argv) == 0
        second = capsys.readouterr()
        assert sim.requests["ExportChat"] == len(closed)
        assert f"exported 0, {len(closed)} already" in second.out

        # An interrupted run: one file missing, its temporary file half written.
        lost = min(closed)
        (folder / f"chat-{lost}.csv").unlink()
        (folder / f"chat-{lost}.csv.part").write_text("Date,Sen")
        assert await export(argv) == 0
        third = capsys.readouterr()
    assert sim.requests["ExportChat"] == len(closed) + 1
    assert f"exported 1, {len(closed) - 1} already" in third.out
    assert {p.name for p in folder.iterdir()} == expected  # the .part was renamed into place
    written = (folder / f"chat-{lost}.csv").read_bytes().decode("utf-8")
    assert written == export_csv(sim.state, closed[lost])


# -- multi_agent -------------------------------------------------------------


async def test_multi_agent_shares_the_queue_without_duplicates(
    sim: Simulator, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(15):
        sim.new_chat()
    waiting = {c.chat_id for c in sim.state.chats.values() if c.status == "unassigned"}
    # Three seeded agents; between them they cover every department.
    credentials = tmp_path / "agents.txt"
    credentials.write_text(
        "# email password\n"
        f"{sim.agent_email} {sim.agent_password}\n"
        "priya.naidoo@example.com agent-password-2\n"
        "\n"
        "sipho.dlamini@example.com agent-password-3  # busy, but can still grab\n"
    )
    argv = [
        "--base-url", url, "--credentials", str(credentials), "--until-empty",
        "--poll-interval", "0.02", "--connections", "4", "--duration", "15",
    ]  # fmt: skip
    with anyio.fail_after(20):
        assert await amain("multi_agent")(argv) == 0
    out = capsys.readouterr().out
    grabs = journal(sim, "GrabChat")
    assert sorted(e["chat_id"] for e in grabs) == sorted(waiting)  # each chat grabbed once
    assert len({e["agent_id"] for e in grabs}) > 1  # the queue was shared
    sent = journal(sim, "SendMessage")
    assert sorted(e["chat_id"] for e in sent) == sorted(waiting)  # handled once each
    assert all(sim.state.chats[c].status == "closed" for c in waiting)
    assert f"total: {len(waiting)} chats handled by 3 agents" in out
    assert "handled twice: 0" in out
    assert sim.state.sessions == {}  # everyone logged off


# -- as programs, with their embedded simulator --------------------------------


@pytest.mark.parametrize(
    ("script", "arguments", "said"),
    [
        ("auto_responder.py", ["--max-chats", "2"], "answered 2 chats"),
        ("export_closed.py", ["--folder", "out"], "exported 13, 0 already in out, 0 failed"),
        ("multi_agent.py", ["--agents", "3"], "handled twice: 0"),
    ],
)
async def test_each_example_runs_with_simulate(
    script: str, arguments: list[str], said: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-W", "error", str(EXAMPLES / script), "--simulate", *arguments]
    with anyio.fail_after(30):
        result = await anyio.run_process(command, cwd=tmp_path, check=False)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert said in out
