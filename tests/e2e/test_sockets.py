"""The client against the simulator served on a real 127.0.0.1 port, over real HTTP.

The server runs in its own thread (``serve_in_thread``), so each scenario runs
on asyncio and on trio: logon and logoff, keep-alive, forced expiry, retries,
dropped connections, leaving the block mid-request, and a polling bot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import anyio
import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentchat import AsyncAgentChat, ChatList, ChatType, OutcomeUnknownError
from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

pytestmark = pytest.mark.anyio

#: ``serve(config or simulator)``: the simulator and the base URL it is served at.
Serve = Callable[..., tuple[Simulator, str]]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serves simulators on free ports; every server stops when the test ends."""
    with ExitStack() as servers:

        def start(setup: SimulatorConfig | Simulator | None = None) -> tuple[Simulator, str]:
            sim = setup if isinstance(setup, Simulator) else Simulator(setup)
            return sim, servers.enter_context(serve_in_thread(sim))

        yield start


def agent(sim: Simulator, url: str, **options: Any) -> AsyncAgentChat:
    """The seeded Agent over real HTTP; no keep-alive task unless asked for."""
    options.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(sim.agent_email, sim.agent_password, base_url=url, **options)


class SlowEndpoint:
    """ASGI middleware holding requests to ``path`` for ``delay`` seconds.

    A client that hangs up meanwhile is noticed (as a real server would), so
    the server is not left sleeping when the test ends. ``arrived`` is set when
    a held request comes in (from the server's thread).
    """

    def __init__(self, app: ASGIApp, path: str, delay: float, arrived: threading.Event) -> None:
        self.app = app
        self.path = path
        self.delay = delay
        self.arrived = arrived

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        self.arrived.set()
        first = await receive()  # the (empty) body of the GET
        with anyio.move_on_after(self.delay):
            while (await receive())["type"] != "http.disconnect":
                pass
            return  # the client hung up

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return first

        await self.app(scope, replay, send)


async def test_enter_logs_on_and_exit_logs_off(serve: Serve) -> None:
    sim, url = serve()
    me = sim.state.agent_by_email(sim.agent_email)
    assert me is not None
    with anyio.fail_after(10):
        async with agent(sim, url) as chat:
            [(token, session)] = sim.state.sessions.items()
            assert session.agent_id == me.agent_id
            assert len(await chat.get_chat_list()) > 0
            assert chat.stats.logons == 1
        assert sim.state.sessions == {}
        async with httpx.AsyncClient(base_url=url) as http:
            after = await http.get("/api/KeepAlive", params={"Version": "1", "SessionToken": token})
    assert after.status_code == 401
    assert after.json() == {"Message": "Session expired or invalid"}
    assert (sim.requests["AgentLogon"], sim.requests["AgentLogoff"]) == (1, 1)


async def test_keep_alive_outlives_a_short_idle_timeout(serve: Serve) -> None:
    sim, url = serve(SimulatorConfig(session_idle_timeout=0.3))
    with anyio.fail_after(10):
        async with agent(sim, url, keep_alive_interval=0.1) as chat:
            await anyio.sleep(0.8)
            assert len(await chat.get_chat_list()) > 0
    stats = chat.stats  # read once the keep-alive task has stopped
    assert (stats.logons, stats.relogons) == (1, 0)
    assert stats.keep_alives >= 3
    assert stats.keep_alive_failures == 0
    assert sim.requests["AgentLogon"] == 1
    # A tick on the wire when the block ended is cancelled before its answer
    # is counted: the server may have seen one more.
    assert stats.keep_alives <= sim.requests["KeepAlive"] <= stats.keep_alives + 1


async def test_without_keep_alive_an_idle_session_expires_and_the_next_call_logs_on_again(
    serve: Serve,
) -> None:
    sim, url = serve(SimulatorConfig(session_idle_timeout=0.3))
    with anyio.fail_after(10):
        async with agent(sim, url, keep_alive_interval=None) as chat:
            await anyio.sleep(0.8)
            assert len(await chat.get_chat_list()) > 0
            stats = chat.stats
    assert (stats.logons, stats.relogons, stats.keep_alives) == (2, 1, 0)
    assert sim.requests["AgentLogon"] == 2
    assert sim.requests["GetChatList"] == 2  # refused with 401 once, then resent


async def test_fifty_concurrent_calls_after_forced_expiry_share_one_relogon(serve: Serve) -> None:
    sim, url = serve()
    lists: list[ChatList] = []

    async def fetch(chat: AsyncAgentChat) -> None:
        lists.append(await chat.get_chat_list())

    with anyio.fail_after(15):
        async with agent(sim, url) as chat:
            sim.expire_sessions()
            async with anyio.create_task_group() as tg:
                for _ in range(50):
                    tg.start_soon(fetch, chat)
            stats = chat.stats
    assert len(lists) == 50
    assert all(len(found) == len(lists[0]) > 0 for found in lists)
    assert (stats.logons, stats.relogons) == (2, 1)
    assert sim.requests["AgentLogon"] == 2


async def test_injected_503s_are_retried_until_every_call_succeeds(serve: Serve) -> None:
    faults = Faults(error_rates={"GetChatList": {503: 0.5}}, retry_after=0)
    sim, url = serve(SimulatorConfig(seed=4, faults=faults))
    with anyio.fail_after(15):
        async with agent(sim, url, max_retries=5) as chat:
            for _ in range(30):
                assert len(await chat.get_chat_list()) > 0
            stats = chat.stats
    injected = sim.faults_injected["error_503"]
    assert injected > 0
    assert stats.retries == injected
    assert sim.requests["GetChatList"] == 30  # an injected error processes nothing


@pytest.mark.parametrize(
    ("faults", "fault", "processed"),
    [
        pytest.param(Faults(drop_after={"SendMessage": 1.0}), "drop_after", 1, id="after"),
        pytest.param(Faults(drop_before={"SendMessage": 1.0}), "drop_before", 0, id="before"),
    ],
)
async def test_a_dropped_send_message_is_outcome_unknown_and_never_resent(
    serve: Serve, faults: Faults, fault: str, processed: int
) -> None:
    sim, url = serve(SimulatorConfig(faults=faults))
    with anyio.fail_after(10):
        async with agent(sim, url, max_retries=5) as chat:
            target = (await chat.get_chat_list(chat_type=ChatType.OPEN)).chats[0].chat_id
            with pytest.raises(OutcomeUnknownError):
                await chat.send_message(target, "Hello, still there?")
            assert len(await chat.get_chat_list()) > 0  # the client carries on
    assert [entry.endpoint for entry in sim.journal] == ["SendMessage"] * processed
    assert sim.faults_injected == {fault: 1}


async def test_latency_delays_every_request_and_logoff_is_bounded(serve: Serve) -> None:
    sim, url = serve(SimulatorConfig(latency=0.3))
    with anyio.fail_after(10):
        begun = time.perf_counter()
        client = agent(sim, url, logoff_timeout=0.05)
        async with client:
            entered = time.perf_counter()
        left = time.perf_counter()
    assert entered - begun >= 0.3  # AgentLogon waited too
    assert left - entered < 0.25  # AgentLogoff was given up after logoff_timeout


async def test_leaving_the_block_during_a_request_is_prompt(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    arrived = threading.Event()
    sim = Simulator()
    sim.app.add_middleware(SlowEndpoint, path="/api/GetChatList", delay=2.0, arrived=arrived)
    sim, url = serve(sim)
    caplog.set_level(logging.INFO)
    with anyio.fail_after(10):
        with anyio.CancelScope() as block:
            async with agent(sim, url, logoff_timeout=0.2) as chat, anyio.create_task_group() as tg:
                tg.start_soon(chat.get_chat_list)
                while not arrived.is_set():
                    await anyio.sleep(0.01)
                begun = time.perf_counter()
                block.cancel()
                await anyio.sleep_forever()
        elapsed = time.perf_counter() - begun
    assert block.cancelled_caught
    assert elapsed < 0.5
    assert sim.state.sessions == {}  # AgentLogoff still went out, shielded
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_a_polling_bot_never_grabs_a_chat_twice(serve: Serve) -> None:
    config = SimulatorConfig(
        seed=11, new_chat_interval=0.05, faults=Faults(error_rates={"*": {503: 0.2}})
    )
    sim, url = serve(config)
    grabbed: list[int] = []
    with anyio.fail_after(20):
        async with agent(sim, url, max_retries=5) as chat:
            for _ in range(20):
                waiting = await chat.get_chat_list(chat_type=ChatType.UNASSIGNED)
                assert not {c.chat_id for c in waiting} & set(grabbed)
                while (next_chat := await chat.grab_chat()) is not None:
                    grabbed.append(next_chat.chat_id)
                await anyio.sleep(0.02)
    journaled = [entry.fields["chat_id"] for entry in sim.journal if entry.endpoint == "GrabChat"]
    assert journaled == grabbed
    assert len(set(grabbed)) == len(grabbed) > 0
    assert sim.faults_injected["error_503"] > 0
