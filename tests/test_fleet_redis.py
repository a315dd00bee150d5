"""Fleet mode against a real ``redis-server`` (started by the tests on a free port).

Processes of their own (``tests/fleet_member.py``) share one agent's session
through ``RedisStore`` against a simulator that keeps one session per agent:
without the store they evict each other's token in a loop of re-logons; with it
the fleet makes one logon, survives a holder killed mid-logon and a Redis that
goes away, and never shows a token.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from agentchat import AsyncAgentChat, RedisStore, _redis_store
from agentchat._redaction import Secret
from agentchat._redis_store import StoreUnavailable
from agentchat._store import session_key
from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread

from .redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
# Asyncio only (redis-py's asyncio client); the same on every transport's run.
pytestmark = [pytest.mark.httpx_only]

MEMBER_TIMEOUT = 120.0


@pytest.fixture
def served() -> Iterator[tuple[Simulator, str]]:
    sim = Simulator(SimulatorConfig(one_session_per_agent=True))
    with serve_in_thread(sim) as url:
        yield sim, url


def member(sim: Simulator, url: str, *args: str, store: str = "") -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCHAT_")}
    env |= sim.environment(url)
    command = [sys.executable, "-m", "benchmarks.fleet_member", "--store", store, *args]
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def result(process: subprocess.Popen[str]) -> dict[str, object]:
    stdout, stderr = process.communicate(timeout=MEMBER_TIMEOUT)
    assert process.returncode == 0, stderr
    last: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return last


# Every wire: the store sits above the wire, but each wire meets the evictions.
WIRES = ["httpx", "aiohttp"] + (["pyreqwest"] if importlib.util.find_spec("pyreqwest") else [])


@pytest.mark.parametrize("wire", WIRES)
def test_four_processes_share_one_session(
    served: tuple[Simulator, str], redis_server: RedisServer, wire: str
) -> None:
    sim, url = served
    args = ["--calls", "300", "--transport", wire]
    fleet = [member(sim, url, *args, store=redis_server.url) for _ in range(4)]
    results = [result(process) for process in fleet]
    assert [r["done"] for r in results] == [300] * 4
    assert [r["errors"] for r in results] == [{}] * 4
    assert sim.logon_count(sim.agent_email) <= 3
    assert sum(int(r["relogons"]) for r in results) <= 2  # type: ignore[call-overload]


def test_without_the_store_the_processes_evict_each_other(
    served: tuple[Simulator, str],
) -> None:
    """The loop the store ends: every process logs on again and again."""
    sim, url = served
    fleet = [member(sim, url, "--calls", "300") for _ in range(4)]
    results = [result(process) for process in fleet]
    assert sim.logon_count(sim.agent_email) > 20
    assert sum(int(r["relogons"]) for r in results) > 16  # type: ignore[call-overload]


def test_a_holder_killed_mid_logon_does_not_block_the_fleet(
    redis_server: RedisServer,
) -> None:
    sim = Simulator(SimulatorConfig(one_session_per_agent=True, logon_latency=1.0))
    with serve_in_thread(sim) as url:
        lock = ["--lock-timeout", "2", "--calls", "20"]
        holder = member(sim, url, *lock, store=redis_server.url)
        deadline = time.monotonic() + 30
        while sim.requests["AgentLogon"] == 0:  # the holder's logon is under way
            assert time.monotonic() < deadline
            assert holder.poll() is None
            time.sleep(0.01)
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=MEMBER_TIMEOUT)
        started = time.monotonic()
        survivor = result(member(sim, url, *lock, store=redis_server.url))
        took = time.monotonic() - started
    assert survivor["done"] == 20
    assert survivor["errors"] == {}
    # It waited for the dead holder's lock to expire (2 s), then logged on (1 s).
    assert took < 15, took
    assert sim.logon_count(sim.agent_email) == 2  # the dead holder's, and the survivor's


async def calls(members: tuple[AsyncAgentChat, ...], rounds: int) -> int:
    """``rounds`` GetChatList calls per member, all at once; how many succeeded."""
    done = 0

    async def one(chat: AsyncAgentChat) -> None:
        nonlocal done
        await chat.get_chat_list()
        done += 1

    async with anyio.create_task_group() as group:
        for chat in members * rounds:
            group.start_soon(one, chat)
    return done


@pytest.mark.anyio
async def test_redis_restarted_mid_run_loses_nothing(
    served: tuple[Simulator, str], redis_server: RedisServer
) -> None:
    """Redis comes back empty: the fleet's next renewal logs on once, and publishes it."""
    sim, url = served
    store = RedisStore(redis_server.url, lock_timeout=5)
    credentials = (sim.agent_email, sim.agent_password)
    try:
        async with (
            AsyncAgentChat(*credentials, base_url=url, session_store=store) as first,
            AsyncAgentChat(*credentials, base_url=url, session_store=store) as second,
        ):
            done = await calls((first, second), 10)
            await anyio.to_thread.run_sync(redis_server.restart)
            sim.expire_sessions()
            done += await calls((first, second), 10)
    finally:
        await store.aclose()
    assert done == 40  # no call raised
    assert sim.logon_count(sim.agent_email) == 2  # entering, and one renewal after the restart


@pytest.mark.anyio
async def test_without_redis_each_member_logs_on_by_itself(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis down: the members log on alone (said in a warning); no call is lost."""
    sim = Simulator()  # sessions side by side: members without the store do not evict
    store = RedisStore(redis_server.url, lock_timeout=5)
    credentials = (sim.agent_email, sim.agent_password)
    try:
        with serve_in_thread(sim) as url:
            async with (
                AsyncAgentChat(*credentials, base_url=url, session_store=store) as first,
                AsyncAgentChat(*credentials, base_url=url, session_store=store) as second,
            ):
                done = await calls((first, second), 10)
                await anyio.to_thread.run_sync(redis_server.stop)
                sim.expire_sessions()
                done += await calls((first, second), 10)
                relogons = first.stats.relogons + second.stats.relogons
    finally:
        await store.aclose()
    assert done == 40
    assert relogons == 2  # each member for itself
    assert "the session store failed" in caplog.text


@pytest.mark.anyio
async def test_no_token_in_logs_reprs_or_errors(
    served: tuple[Simulator, str], redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sim, url = served
    store = RedisStore(redis_server.url)
    try:
        async with AsyncAgentChat(
            sim.agent_email, sim.agent_password, base_url=url, session_store=store
        ) as chat:
            await chat.get_chat_list()
            shared = await store.current(session_key(url, sim.agent_email))
            assert shared is not None
            token = shared.token.get()
            texts = [repr(store), repr(shared), repr(chat), caplog.text]
    finally:
        await store.aclose()
    assert all(token not in text for text in texts)

    protected = RedisStore("redis://:hunter2secret@127.0.0.1:1/0")
    with pytest.raises(StoreUnavailable) as caught:
        await protected.current("key")
    await protected.aclose()
    assert "hunter2secret" not in str(caught.value) + repr(protected)


@pytest.mark.anyio
async def test_a_crash_reporter_sees_no_token_when_redis_fails_mid_publish(
    redis_server: RedisServer,
) -> None:
    """The logon succeeded, Redis went away before the token was published: the
    error's traceback, with every frame's locals (as Sentry records them), holds
    no token; neither does one from reading a session."""
    token = "tok-" + "7" * 28
    store = RedisStore(redis_server.url, lock_timeout=5)

    async def logon() -> tuple[Secret, dict[str, object]]:
        await anyio.to_thread.run_sync(redis_server.stop)
        return Secret(token), {"AgentID": 2}

    try:
        with pytest.raises(StoreUnavailable) as publishing:
            await store.renew("key", 0, logon)
        await anyio.to_thread.run_sync(redis_server.start)
        await store._call("hset", "agentchat:s:key", mapping={"token": token, "generation": "x"})
        assert await store.current("key") is None  # garbled: renewed, never raised
    finally:
        await store.aclose()
    shown = traceback.TracebackException.from_exception(publishing.value, capture_locals=True)
    library = [frame for frame in shown.stack if "/src/agentchat/" in frame.filename]
    assert [frame.name for frame in library] == ["renew", "_run", "_answer"]
    assert all(token not in repr(frame.locals) for frame in library)
    assert token not in str(publishing.value)


class MuteRedis:
    """A Redis that accepts connections, reads every command and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, name="mute redis", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted.append(connection)  # held open, never read from or written to

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for connection in self.accepted:
            connection.close()
        self.listener.close()


@pytest.mark.anyio
async def test_a_redis_that_never_answers_delays_but_never_holds_a_call(
    served: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every Redis command times out (STORE_TIMEOUT, with its retries): the client logs
    on by itself, its calls succeed, and nothing waits longer than those bounds."""
    monkeypatch.setattr(_redis_store, "STORE_TIMEOUT", 0.3)
    sim, url = served
    mute = MuteRedis()
    store = RedisStore(mute.url)
    try:
        started = time.monotonic()
        with anyio.fail_after(30):  # a store that held the call would fail here
            async with AsyncAgentChat(
                sim.agent_email, sim.agent_password, base_url=url, session_store=store
            ) as chat:
                for _ in range(5):
                    await chat.get_chat_list()
        took = time.monotonic() - started
    finally:
        await store.aclose()
        mute.close()
    assert mute.accepted  # the client did reach it
    assert "the session store failed" in caplog.text
    assert sim.logon_count(sim.agent_email) == 1
    # join (3 tries of 0.3 s) on entering, leave on leaving: seconds, not forever.
    assert took < 10, took
