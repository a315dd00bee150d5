"""``watch_chats()``: typed new / changed / gone events from polls of GetChatList.

In process where only the diff matters; over real sockets (``serve_in_thread``)
for the fault, expiry and revoked-credentials runs. Every wait is a bounded loop
inside ``anyio.fail_after``; nothing asserts how long anything took.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio
import httpx
import pytest

from agentchat import (
    AsyncAgentChat,
    BadRequestError,
    Chat,
    ChatEvent,
    ChatList,
    ChatWatcher,
    LogonError,
    PermissionDeniedError,
    ServerError,
)
from agentchat._converters import default_converter, structure
from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

from ..simulator.helpers import JACK, START, client

pytestmark = pytest.mark.anyio

#: Seconds between polls in these tests.
INTERVAL = 0.02


# -- helpers -----------------------------------------------------------------


def make_sim(**config: Any) -> Simulator:
    """A simulator on the real clock with a fixed start (real sockets need real time)."""
    return Simulator(SimulatorConfig(start_time=START, **config))


@pytest.fixture
def served() -> Iterator[Callable[[Simulator], str]]:
    """Serves simulators on free 127.0.0.1 ports until the test ends."""
    with ExitStack() as stack:
        yield lambda sim: stack.enter_context(serve_in_thread(sim))


def over_socket(sim: Simulator, url: str, **options: Any) -> AsyncAgentChat:
    """The seeded Agent over real HTTP, without retries or a keep-alive task."""
    options.setdefault("keep_alive_interval", None)
    options.setdefault("max_retries", 0)
    return AsyncAgentChat(sim.agent_email, sim.agent_password, base_url=url, **options)


async def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds; the test's ``fail_after`` bounds it."""
    while not condition():
        await anyio.sleep(0.005)


async def polls_pass(watcher: ChatWatcher, count: int) -> None:
    """Wait for ``count`` more successful polls (their events are collected by then)."""
    target = watcher.polls + count
    await wait_for(lambda: watcher.polls >= target)


class Collector:
    """Runs an ``async for`` over a watcher and keeps every event."""

    def __init__(self, watcher: ChatWatcher) -> None:
        self.watcher = watcher
        self.events: list[ChatEvent] = []

    async def run(self) -> None:
        async for event in self.watcher:
            self.events.append(event)

    def kinds(self, chat_id: int) -> list[str]:
        return [e.kind for e in self.events if e.chat.chat_id == chat_id]

    def of(self, chat_id: int) -> list[ChatEvent]:
        return [e for e in self.events if e.chat.chat_id == chat_id]


def unassigned(sim: Simulator) -> set[int]:
    return {c.chat_id for c in sim.state.chats.values() if c.status == "unassigned"}


def revoke(sim: Simulator, agent_id: int) -> None:
    """Change the agent's password and end every session: the next logon is refused."""
    sim.state.agents[agent_id].password = "revoked-password"
    sim.expire_sessions()


# -- what gets reported ------------------------------------------------------


async def test_first_poll_reports_every_listed_chat_as_new() -> None:
    sim = make_sim()
    waiting = unassigned(sim)
    with anyio.fail_after(5):
        async with client(sim) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            events = [await anext(watcher) for _ in waiting]
            assert watcher.polls == 1
            await watcher.aclose()
    assert {e.chat.chat_id for e in events} == waiting
    assert {(e.kind, e.previous) for e in events} == {("new", None)}
    assert all(isinstance(e.chat, Chat) and e.chat.status == "unassigned" for e in events)


async def test_skip_backlog_reports_only_what_comes_after_the_first_poll() -> None:
    sim = make_sim()
    backlog = min(unassigned(sim))
    with anyio.fail_after(5):
        async with client(sim) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL, skip_backlog=True)
            got: list[ChatEvent] = []

            async def take(count: int) -> None:
                for _ in range(count):
                    got.append(await anext(watcher))

            async with anyio.create_task_group() as tg:
                tg.start_soon(take, 2)
                await polls_pass(watcher, 2)  # the backlog was polled, and nothing came of it
                assert got == []
                new_id = sim.new_chat()
                await wait_for(lambda: len(got) == 1)
                sim.customer_says(backlog, "Still waiting...")
            await watcher.aclose()
    assert [(e.kind, e.chat.chat_id) for e in got] == [("new", new_id), ("changed", backlog)]
    # A backlog chat was seen, though not reported: its change is "changed", not "new".
    assert got[1].previous is not None
    assert got[1].chat.last_message == "Still waiting..."


async def test_new_chats_are_reported_new_exactly_once() -> None:
    sim = make_sim()
    backlog = unassigned(sim)
    with anyio.fail_after(10):
        async with client(sim) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 1)
                arrived = []
                for _ in range(5):
                    arrived.append(sim.new_chat())
                    await polls_pass(watcher, 2)
                await polls_pass(watcher, 3)
                tg.cancel_scope.cancel()
    assert len(set(arrived)) == 5
    for chat_id in backlog | set(arrived):
        assert collector.kinds(chat_id) == ["new"], chat_id
    assert len(collector.events) == len(backlog) + 5  # nothing else happened


async def test_a_changed_chat_is_reported_changed_with_its_previous_state() -> None:
    sim = make_sim()
    talking, assigning = sorted(unassigned(sim))[:2]
    with anyio.fail_after(5):
        async with client(sim) as chat:
            watcher = chat.watch_chats(interval=INTERVAL)  # every chat, any status
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 1)
                listed = len(collector.events)
                sim.customer_says(talking, "Hello? Is anyone there?")
                await chat.assign_chat(assigning)
                await polls_pass(watcher, 2)
                tg.cancel_scope.cancel()
    assert listed == len(sim.state.chats)
    assert collector.kinds(talking) == ["new", "changed"]
    said = collector.of(talking)[1]
    assert said.previous is not None
    assert said.previous.last_message != "Hello? Is anyone there?"
    assert said.chat.last_message == "Hello? Is anyone there?"
    assert said.previous.chat_id == said.chat.chat_id
    assert collector.kinds(assigning) == ["new", "changed"]
    assigned = collector.of(assigning)[1]
    assert assigned.previous is not None
    assert (assigned.previous.status, assigned.previous.agent_id) == ("unassigned", None)
    assert (assigned.chat.status, assigned.chat.agent_id) == ("open", JACK)
    assert len(collector.events) == listed + 2


async def test_a_grabbed_chat_is_gone_and_its_return_is_changed_not_new() -> None:
    sim = make_sim()
    with anyio.fail_after(5):
        async with client(sim) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 1)
                grabbed = await chat.grab_chat()
                assert grabbed is not None
                chat_id = grabbed.chat_id
                await wait_for(lambda: collector.kinds(chat_id) == ["new", "gone"])
                department = sim.other_department_id(grabbed.department_id)
                await chat.transfer_chat(chat_id, department)  # back in a queue
                await wait_for(lambda: len(collector.kinds(chat_id)) == 3)
                await polls_pass(watcher, 2)
                tg.cancel_scope.cancel()
    new, gone, back = collector.of(chat_id)
    assert (new.kind, gone.kind, back.kind) == ("new", "gone", "changed")
    assert gone.chat == new.chat  # as it was last seen: still unassigned
    assert gone.chat.status == "unassigned"
    assert back.previous is None  # not listed by the poll before
    assert back.chat.status == "unassigned"
    assert back.chat.department_id == department
    assert [e.kind for e in collector.events].count("new") == len(unassigned(sim))


# -- failures ----------------------------------------------------------------


async def test_a_server_failing_a_third_of_the_polls_over_sockets(
    served: Callable[[Simulator], str],
) -> None:
    faults = Faults(error_rates={"GetChatList": {503: 0.33}}, retry_after=0)
    sim = make_sim(faults=faults)
    url = served(sim)
    backlog = unassigned(sim)
    with anyio.fail_after(15):
        async with over_socket(sim, url) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                arrived = []
                for _ in range(6):
                    await polls_pass(watcher, 3)
                    arrived.append(sim.new_chat())
                await wait_for(lambda: all(collector.kinds(c) for c in arrived))
                await polls_pass(watcher, 10)
                tg.cancel_scope.cancel()
            stats = chat.stats
    assert watcher.failures > 0
    assert watcher.failures == sim.faults_injected["error_503"]
    assert stats.retries == 0  # max_retries=0: every 503 reached the watcher
    assert all(isinstance(e, ChatEvent) for e in collector.events)
    for chat_id in backlog | set(arrived):
        assert collector.kinds(chat_id) == ["new"], chat_id
    assert len(collector.events) == len(backlog) + len(arrived)


async def test_every_transient_kind_is_retried_and_never_yielded() -> None:
    faults = Faults(
        error_rates={"GetChatList": {429: 0.1, 500: 0.1}},
        drop_before={"GetChatList": 0.1},
        malformed={"GetChatList": 0.1},
        retry_after=0,
    )
    sim = make_sim(faults=faults)
    backlog = unassigned(sim)
    with anyio.fail_after(15):
        async with client(sim, max_retries=0) as chat:
            watcher = chat.watch_chats("unassigned", interval=0.01)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                kinds = ("error_429", "error_500", "drop_before", "malformed")
                await wait_for(lambda: all(sim.faults_injected[k] for k in kinds))
                arrived = sim.new_chat()
                await wait_for(lambda: collector.kinds(arrived) == ["new"])
                tg.cancel_scope.cancel()
    assert watcher.failures == sum(sim.faults_injected[k] for k in kinds)
    assert {e.kind for e in collector.events} == {"new"}
    assert {e.chat.chat_id for e in collector.events} == backlog | {arrived}
    assert len(collector.events) == len(backlog) + 1


async def test_backoff_doubles_with_jitter_and_resets_after_a_success(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Driven by a scripted poll and a recording sleep: no network, no real waiting."""
    jitter: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        jitter.append((low, high))
        return 0.75

    monkeypatch.setattr(random, "uniform", uniform)  # the jitter of agentchat._watch
    failure = ServerError("503", status_code=503, endpoint="GetChatList", body="")
    script: list[BaseException | ChatList] = [
        ChatList(chats=(Chat(chat_id=1),)),
        failure, failure, failure,
        ChatList(chats=(Chat(chat_id=1), Chat(chat_id=2))),
        failure,
        ChatList(chats=(Chat(chat_id=2),)),
        BadRequestError("400", status_code=400, endpoint="GetChatList", body=""),
    ]  # fmt: skip
    waits: list[float] = []

    async def poll() -> ChatList:
        step = script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    async def wait_closed(seconds: float, stop: anyio.Event) -> bool:
        waits.append(seconds)
        return False

    watcher = ChatWatcher(poll, lambda: False, wait_closed, interval=1.0, skip_backlog=False)
    events: list[tuple[str, int]] = []

    async def consume() -> None:
        async for event in watcher:
            events.append((event.kind, event.chat.chat_id))

    with anyio.fail_after(5), pytest.raises(BadRequestError):
        await consume()
    assert events == [("new", 1), ("new", 2), ("gone", 1)]
    assert (watcher.polls, watcher.failures) == (3, 4)
    assert jitter == [(0.5, 1.0)] * 4
    # After the first poll: 1 s; three failures: 2, 4, 8 s (x0.75 jitter); a
    # success resets: 1 s; one failure: 2 s again; a success: 1 s.
    expected = [1.0, 1.5, 3.0, 6.0, 1.0, 1.5, 1.0]
    assert waits == pytest.approx(expected, abs=0.05)
    with pytest.raises(StopAsyncIteration):
        await anext(watcher)  # ended by the fatal error


async def test_a_fatal_4xx_ends_the_iteration_with_the_error() -> None:
    sim = make_sim()
    refusing = False

    class Refusing(httpx.AsyncBaseTransport):
        def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
            self.inner = inner
            self.refused = 0

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if refusing and request.url.path == "/api/GetChatList":
                self.refused += 1
                return httpx.Response(403, json={"Message": "Your licence does not cover this"})
            return await self.inner.handle_async_request(request)

    transport = Refusing(sim.transport())
    chat = AsyncAgentChat(
        sim.agent_email, sim.agent_password, base_url="http://127.0.0.1",
        transport=transport, keep_alive_interval=None,
    )  # fmt: skip
    with anyio.fail_after(5):
        async with chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            seen = 0

            async def consume() -> None:
                nonlocal seen, refusing
                async for _ in watcher:
                    seen += 1
                    if seen == len(unassigned(sim)):
                        refusing = True

            with pytest.raises(PermissionDeniedError):
                await consume()
            assert transport.refused == 1  # not retried, not polled again
            assert watcher.failures == 0


async def test_session_expiring_mid_run_over_sockets_costs_one_relogon(
    served: Callable[[Simulator], str],
) -> None:
    sim = make_sim()
    url = served(sim)
    with anyio.fail_after(10):
        async with over_socket(sim, url) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 2)
                sim.expire_sessions()
                arrived = sim.new_chat()
                await wait_for(lambda: collector.kinds(arrived) == ["new"])
                await polls_pass(watcher, 3)
                tg.cancel_scope.cancel()
            stats = chat.stats
    assert (stats.logons, stats.relogons) == (2, 1)
    assert sim.requests["AgentLogon"] == 2
    assert watcher.failures == 0
    assert collector.kinds(arrived) == ["new"]
    assert len(collector.events) == len(unassigned(sim))


async def test_revoked_credentials_end_the_watcher_with_logon_error_over_sockets(
    served: Callable[[Simulator], str],
) -> None:
    sim = make_sim()
    url = served(sim)
    backlog = len(unassigned(sim))
    with anyio.fail_after(10):
        async with over_socket(sim, url) as chat:
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            seen = 0

            async def consume() -> None:
                nonlocal seen
                async for _ in watcher:
                    seen += 1
                    if seen == backlog:  # the first poll's events are in
                        revoke(sim, JACK)

            with pytest.raises(LogonError) as info:
                await consume()
            polls = sim.requests["GetChatList"]
            # One poll listed the chats, one was refused (401); the re-logon was
            # refused, and nothing polls again: no spinning.
            assert polls == 2
            assert sim.requests["AgentLogon"] == 2
            await anyio.sleep(10 * INTERVAL)
            assert sim.requests["GetChatList"] == polls
            with pytest.raises(StopAsyncIteration):
                await anext(watcher)
    assert info.value.status_code == 401
    assert watcher.failures == 0
    assert sim.requests["GetChatList"] == polls


# -- ending without leaks ----------------------------------------------------


#: The leak tests run on trio too: its checks of structured concurrency are stricter.
both_backends = pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])


@both_backends
async def test_breaking_out_early_leaves_nothing_running() -> None:
    sim = make_sim()
    with anyio.fail_after(5):
        async with client(sim) as chat:
            tasks = len(anyio.get_running_tasks())
            async for event in chat.watch_chats("unassigned", interval=INTERVAL):
                assert event.kind == "new"
                break
            async with chat.watch_chats("unassigned", interval=INTERVAL) as events:
                async for _ in events:
                    break
            polls = sim.requests["GetChatList"]
            await anyio.sleep(10 * INTERVAL)
            assert sim.requests["GetChatList"] == polls == 2
            assert len(anyio.get_running_tasks()) == tasks
            with pytest.raises(StopAsyncIteration):
                await anext(events)  # closed by its block


@both_backends
async def test_cancelling_the_iterating_task_leaves_nothing_running() -> None:
    sim = make_sim()
    with anyio.fail_after(5):
        async with client(sim) as chat:
            tasks = len(anyio.get_running_tasks())
            watcher = chat.watch_chats("unassigned", interval=INTERVAL)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 3)
                tg.cancel_scope.cancel()
            polls = sim.requests["GetChatList"]
            await anyio.sleep(10 * INTERVAL)
            assert sim.requests["GetChatList"] == polls
            assert len(anyio.get_running_tasks()) == tasks


@both_backends
async def test_leaving_the_client_block_ends_a_watcher_waiting_between_polls() -> None:
    sim = make_sim()
    ended = anyio.Event()
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            async with client(sim) as chat:
                watcher = chat.watch_chats("unassigned", interval=60)
                collector = Collector(watcher)

                async def watch() -> None:
                    await collector.run()  # ends by itself once the client closes
                    ended.set()

                tg.start_soon(watch)
                await polls_pass(watcher, 1)  # now sleeping 60 s before the next poll
            await ended.wait()
        with pytest.raises(StopAsyncIteration):
            await anext(watcher)
    assert watcher.polls == 1
    assert len(collector.events) == len(unassigned(sim))
    with pytest.raises(RuntimeError, match="closed"):
        chat.watch_chats()


async def test_aclose_from_another_task_ends_the_iteration_without_another_poll() -> None:
    sim = make_sim()
    with anyio.fail_after(5):
        async with client(sim) as chat:
            watcher = chat.watch_chats("unassigned", interval=0.3)
            collector = Collector(watcher)
            async with anyio.create_task_group() as tg:
                tg.start_soon(collector.run)
                await polls_pass(watcher, 1)
                listed = len(collector.events)
                await watcher.aclose()
                sim.new_chat()
            assert (watcher.polls, len(collector.events)) == (1, listed)


# -- cost of the diff --------------------------------------------------------


def _wire_chat(chat_id: int, message: str = "Hello") -> dict[str, Any]:
    at = (datetime(2024, 3, 1, tzinfo=timezone.utc) + timedelta(seconds=chat_id)).isoformat()
    return {
        "ChatID": chat_id, "CustomerID": 10_000 + chat_id, "CustomerName": f"Customer {chat_id}",
        "MobileNumber": "+27821234567", "DepartmentID": chat_id % 3 + 1,
        "DepartmentName": "Sales", "AgentID": None, "AgentName": None, "Status": "unassigned",
        "Created": at, "LastMessage": message, "LastMessageAt": at,
    }  # fmt: skip


async def test_the_diff_compares_each_chat_at_most_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """10,000 chats: the diff is linear (one comparison per chat in both polls).

    Timings are not asserted (house rule); the ratio of diff to parse time is
    measured outside the suite. This proves the shape: no pairwise comparison.
    """
    converter = default_converter()
    first = structure(converter, [_wire_chat(i) for i in range(10_000)], ChatList)
    # 50 chats leave, 50 arrive, every 100th of the rest says something new.
    second = structure(
        converter,
        [_wire_chat(i, "New!" if i % 100 == 0 else "Hello") for i in range(50, 10_050)],
        ChatList,
    )
    comparisons = 0
    compare = Chat.__eq__

    def counting(self: Chat, other: object) -> Any:
        nonlocal comparisons
        comparisons += 1
        return compare(self, other)

    monkeypatch.setattr(Chat, "__eq__", counting)

    async def never() -> ChatList:
        raise AssertionError("not polled here")

    async def no_wait(seconds: float, stop: anyio.Event) -> bool:
        return False

    watcher = ChatWatcher(never, lambda: False, no_wait, interval=1.0, skip_backlog=False)
    watcher._diff(first)
    assert comparisons == 0
    backlog = [watcher._pending.popleft() for _ in range(len(watcher._pending))]
    assert len(backlog) == 10_000
    watcher._diff(second)
    events = list(watcher._pending)
    in_both = 10_000 - 50
    assert comparisons == in_both  # at most one per chat present in both polls
    kinds = [e.kind for e in events]
    assert (kinds.count("new"), kinds.count("changed"), kinds.count("gone")) == (50, 99, 50)
    assert {e.chat.chat_id for e in events if e.kind == "gone"} == set(range(50))
