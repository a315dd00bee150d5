"""Kill -9 of the server mid-run, and its restart: the client recovers by itself.

``python -m agentchat simulate`` runs as a subprocess on a free port. One
``AsyncAgentChat`` (on asyncio, then trio) loops over GetChatList and SendMessage to
a chat it grabbed, with keep-alive ticking and a chat watcher polling beside it.
Mid-run the server gets SIGKILL; while it is down, calls raise typed errors (the
loop counts them); then the same command is started again on the same port. The
same client object, never re-entered or rebuilt, works again: the new server does
not know the old session token, so the first call is refused with 401, the client
logs on again (``stats.relogons >= 1``) and resends it.
"""

from __future__ import annotations

import collections
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import anyio
import httpx
import pytest
from anyio.abc import TaskStatus

from agentchat import (
    AgentChatError,
    APIConnectionError,
    APITimeoutError,
    AsyncAgentChat,
    ChatWatcher,
    OutcomeUnknownError,
)
from agentchat.simulator._seed import AGENT_EMAIL, AGENT_PASSWORD

pytestmark = pytest.mark.anyio

#: How long the server may take to answer after it is started (a loaded machine).
STARTUP_TIMEOUT: Final = 20.0
#: What calls may raise while nothing listens on the port.
OUTAGE_ERRORS: Final = (APIConnectionError, APITimeoutError, OutcomeUnknownError)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``python -m agentchat simulate`` on one port, started and killed at will."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the server and wait until it answers (blocking: run it in a thread)."""
        assert self.process is None
        command = [
            sys.executable, "-m", "agentchat", "simulate",
            "--port", str(self.port), "--session-timeout", "30",
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                command, stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"}
            )
        self.starts += 1
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the simulator exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                httpx.get(f"{self.url}/api/KeepAlive", timeout=0.5)
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the simulator did not answer in {STARTUP_TIMEOUT:g}s")
                time.sleep(0.05)
            else:
                return

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to open connections."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(STARTUP_TIMEOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(free_port(), tmp_path / "simulator.log")
    try:
        yield server
    finally:
        server.kill()


async def watch(chat: AsyncAgentChat, *, task_status: TaskStatus[ChatWatcher]) -> None:
    """A watcher beside the loop: it must outlive the outage too."""
    async with chat.watch_chats(interval=0.1) as watcher:
        task_status.started(watcher)
        async for _ in watcher:
            pass


async def test_the_client_recovers_from_a_killed_and_restarted_server(server: Server) -> None:
    await anyio.to_thread.run_sync(server.start)
    errors: dict[str, list[AgentChatError]] = collections.defaultdict(list)
    ok: collections.Counter[str] = collections.Counter()
    chat = AsyncAgentChat(
        AGENT_EMAIL,
        AGENT_PASSWORD,
        base_url=server.url,
        keep_alive_interval=0.2,
        max_retries=1,
        timeout=5,
    )
    with anyio.fail_after(60):
        async with chat, anyio.create_task_group() as tg:
            watcher: ChatWatcher = await tg.start(watch, chat)
            grabbed = await chat.grab_chat()
            assert grabbed is not None
            phase = "before"
            polls_at_restart = 0
            for turn in range(1000):  # bounded; every phase ends well before
                if phase == "before" and ok[phase] >= 5:
                    server.kill()
                    phase = "down"
                elif phase == "down" and len(errors[phase]) >= 4:
                    await anyio.to_thread.run_sync(server.start)
                    phase, polls_at_restart = "after", watcher.polls
                elif phase == "after" and ok[phase] >= 5:
                    break
                try:
                    assert len(await chat.get_chat_list()) > 0
                    await chat.send_message(grabbed.chat_id, f"message {turn} ({phase})")
                except AgentChatError as exc:
                    errors[phase].append(exc)
                    await anyio.sleep(0.05)
                else:
                    ok[phase] += 1
            # The watcher polls the new server too (after its backoff).
            while watcher.polls <= polls_at_restart:
                await anyio.sleep(0.05)
            stats = chat.stats
            tg.cancel_scope.cancel()

    print(  # for -s / -rP runs
        f"\nrestart: ok={dict(ok)}, outage errors="
        f"{collections.Counter(type(e).__name__ for e in errors['down'])}, {stats}, "
        f"watcher polls={watcher.polls} failures={watcher.failures}"
    )
    assert phase == "after", (phase, ok, errors)
    assert ok["after"] >= 5, (ok, errors)
    assert server.starts == 2
    assert errors["before"] == []
    assert errors["after"] == [], errors["after"]
    assert len(errors["down"]) >= 4
    unexpected = [e for e in errors["down"] if not isinstance(e, OUTAGE_ERRORS)]
    assert unexpected == []
    assert stats.relogons >= 1  # the new server refused the old token
    assert stats.keep_alive_failures >= 1  # ticks failed while it was down
    assert watcher.failures >= 1
