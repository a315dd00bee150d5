"""``chat_worker()``: grab chats and run a handler for each, at most N at a time.

Each chat is handled once per worker, however it comes back (regrabbed after a
transfer, a re-logon, a GrabChat whose answer was lost); shutdown stops taking
chats and drains running handlers within ``drain_timeout``. The expiry,
shutdown and revoked-credentials runs go over real sockets.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import anyio
import httpx
import pytest

from agentchat import (
    AsyncAgentChat,
    Chat,
    ChatWorker,
    InvalidRequestError,
    LogonError,
    WorkerReport,
)
from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

from ..simulator.helpers import JACK, START, client

pytestmark = pytest.mark.anyio

#: Seconds between GrabChat attempts when the queue is empty.
POLL = 0.02


# -- helpers -----------------------------------------------------------------


def make_sim(**config: Any) -> Simulator:
    """A simulator on the real clock where Jack (departments 1 and 2) has no open chat.

    The worker recovers lost grabs from the agent's open chats, so the seeded
    open chats are closed first: then "handled" must equal "grabbed" exactly.
    """
    sim = Simulator(SimulatorConfig(start_time=START, **config))
    for record in sim.state.chats.values():
        if record.status == "open" and record.agent_id == JACK:
            record.status = "closed"
    return sim


def add_chats(sim: Simulator, count: int) -> list[int]:
    """New chats in Jack's departments."""
    return [sim.new_chat(department_id=1 + index % 2) for index in range(count)]


def jacks_queue(sim: Simulator) -> set[int]:
    return {
        c.chat_id
        for c in sim.state.chats.values()
        if c.status == "unassigned" and c.department_id in (1, 2)
    }


def grabbed_by(sim: Simulator, agent_id: int) -> list[int]:
    """The chats the journal says GrabChat gave ``agent_id``, in order (repeats kept)."""
    return [
        int(e.fields["chat_id"])
        for e in sim.journal
        if e.endpoint == "GrabChat" and e.agent_id == agent_id
    ]


@pytest.fixture
def served() -> Iterator[Callable[[Simulator], str]]:
    with ExitStack() as stack:
        yield lambda sim: stack.enter_context(serve_in_thread(sim))


def over_socket(sim: Simulator, url: str, **options: Any) -> AsyncAgentChat:
    options.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(sim.agent_email, sim.agent_password, base_url=url, **options)


async def wait_for(condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds; the test's ``fail_after`` bounds it."""
    while not condition():
        await anyio.sleep(0.005)


class Recorder:
    """A handler that records calls, concurrency and cancellations.

    ``seconds(n)`` is how long the n-th call (from 0) works; ``fail(chat_id)``
    makes a call raise ``ValueError``.
    """

    def __init__(
        self,
        seconds: Callable[[int], float] = lambda n: 0.0,
        *,
        fail: Callable[[int], bool] = lambda chat_id: False,
    ) -> None:
        self.seconds = seconds
        self.fail = fail
        self.calls: collections.Counter[int] = collections.Counter()
        self.started: list[int] = []
        self.finished: list[int] = []
        self.cancelled: list[int] = []
        self.active = 0
        self.peak = 0

    async def __call__(self, chat: AsyncAgentChat, item: Chat) -> None:
        assert isinstance(item, Chat)
        assert item.agent_id == JACK
        index = len(self.started)
        self.calls[item.chat_id] += 1
        self.started.append(item.chat_id)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            await anyio.sleep(self.seconds(index))
            if self.fail(item.chat_id):
                raise ValueError(f"no answer for chat {item.chat_id}")
            self.finished.append(item.chat_id)
        except anyio.get_cancelled_exc_class():
            self.cancelled.append(item.chat_id)
            raise
        finally:
            self.active -= 1


# -- handling ----------------------------------------------------------------


async def test_each_waiting_chat_is_handled_once_at_most_n_at_a_time() -> None:
    sim = make_sim()
    add_chats(sim, 14)
    waiting = jacks_queue(sim)
    handler = Recorder(lambda n: 0.03)
    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=3, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: set(handler.calls) == waiting)
            report = worker.report
    assert len(waiting) == 20
    assert set(handler.calls.values()) == {1}
    assert handler.peak == 3  # the limit was reached, never passed
    assert sorted(report.handled) == sorted(waiting)
    assert (report.failed, report.unfinished, report.error) == ((), (), None)
    assert sorted(grabbed_by(sim, JACK)) == sorted(waiting)
    assert jacks_queue(sim) == set()


async def test_a_chat_that_comes_back_is_not_handled_again() -> None:
    """The handler puts its first chat back in the queue: it is grabbed again, not rehandled."""
    sim = make_sim()
    add_chats(sim, 4)
    waiting = jacks_queue(sim)
    returned: list[int] = []
    handler = Recorder()

    async def give_back_the_first(chat: AsyncAgentChat, item: Chat) -> None:
        await handler(chat, item)
        if not returned:
            returned.append(item.chat_id)
            assert item.department_id is not None
            await chat.transfer_chat(item.chat_id, item.department_id)

    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(
                give_back_the_first, max_concurrent=2, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: set(handler.calls) == waiting)
                await wait_for(lambda: grabbed_by(sim, JACK).count(returned[0]) == 2)
            report = worker.report
    assert set(handler.calls.values()) == {1}
    assert sorted(report.handled) == sorted(waiting)
    assert sim.state.chats[returned[0]].agent_id == JACK  # it is ours again, handled once


async def test_handler_errors_are_reported_and_do_not_stop_the_worker() -> None:
    sim = make_sim()
    add_chats(sim, 6)
    waiting = jacks_queue(sim)
    failing = set(sorted(waiting)[::3])
    handler = Recorder(fail=lambda chat_id: chat_id in failing)
    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=2, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: set(handler.calls) == waiting)
            report = worker.report
    assert dict(report.failed) == {
        chat_id: f"ValueError: no answer for chat {chat_id}" for chat_id in failing
    }
    assert sorted(report.handled) == sorted(waiting - failing)
    assert (report.unfinished, report.error) == ((), None)


async def test_lost_grab_answers_are_recovered_and_no_chat_is_stranded() -> None:
    """GrabChat processed, answer lost: the worker finds the chat among its open ones."""
    sim = make_sim(faults=Faults(drop_after={"GrabChat": 0.3}))
    add_chats(sim, 14)
    waiting = jacks_queue(sim)
    handler = Recorder()
    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=3, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: not jacks_queue(sim))
                await wait_for(lambda: set(handler.calls) == set(grabbed_by(sim, JACK)))
            report = worker.report
    assert sim.faults_injected["drop_after"] > 0
    grabbed = grabbed_by(sim, JACK)
    assert sorted(grabbed) == sorted(waiting)  # each grabbed once, none twice
    assert set(handler.calls) == set(grabbed)  # every grabbed chat was handled ...
    assert set(handler.calls.values()) == {1}  # ... exactly once
    assert sorted(report.handled) == sorted(grabbed)
    assert report.error is None


async def test_sessions_expiring_mid_run_over_sockets(
    served: Callable[[Simulator], str],
) -> None:
    sim = make_sim()
    url = served(sim)
    add_chats(sim, 14)
    waiting = jacks_queue(sim)
    handler = Recorder(lambda n: 0.01)
    with anyio.fail_after(10):
        async with over_socket(sim, url) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=3, poll_interval=POLL, drain_timeout=5
            ) as worker:
                for half in (5, 12):
                    await wait_for(lambda: len(handler.finished) >= half)  # noqa: B023
                    sim.expire_sessions()
                await wait_for(lambda: set(handler.calls) == waiting)
            report = worker.report
            stats = chat.stats
    assert stats.relogons == 2
    assert set(handler.calls.values()) == {1}
    assert sorted(grabbed_by(sim, JACK)) == sorted(waiting)  # no grab was processed twice
    assert sorted(report.handled) == sorted(waiting)
    assert report.error is None


class LosingTransport(httpx.AsyncBaseTransport):
    """Loses the answer of the first GrabChat (after the server processed it) and
    answers the first GetChatList after that with a 503."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost: int | None = None
        self.failed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/GetChatList" and self.lost is not None and not self.failed:
            self.failed = True
            return httpx.Response(503, json={"Message": "Busy"}, headers={"Retry-After": "0"})
        response = await self.inner.handle_async_request(request)
        if path == "/api/GrabChat" and self.lost is None and response.status_code == 200:
            await response.aread()
            self.lost = int(response.json()["ChatID"])
            raise httpx.RemoteProtocolError("connection lost (test)", request=request)
        return response


async def test_a_lost_grab_is_recovered_even_when_the_first_recovery_fails() -> None:
    sim = make_sim()
    add_chats(sim, 2)
    transport = LosingTransport(sim.transport())
    handler = Recorder()
    chat = AsyncAgentChat(
        sim.agent_email, sim.agent_password, base_url="http://127.0.0.1",
        transport=transport, keep_alive_interval=None, max_retries=0,
    )  # fmt: skip
    with anyio.fail_after(10):
        async with (
            chat,
            chat.chat_worker(handler, max_concurrent=2, poll_interval=POLL, drain_timeout=5),
        ):
            await wait_for(lambda: not jacks_queue(sim) and transport.failed)
            await anyio.sleep(10 * POLL)  # time for a second recovery, if any
    assert transport.lost in grabbed_by(sim, JACK)
    assert set(handler.calls) == set(grabbed_by(sim, JACK))


# -- stopping ----------------------------------------------------------------


async def test_shutdown_drains_short_handlers_and_cancels_long_ones_over_sockets(
    served: Callable[[Simulator], str],
) -> None:
    sim = make_sim()
    url = served(sim)
    add_chats(sim, 6)
    handler = Recorder(lambda n: 30.0 if n < 2 else 0.05)  # two long, then short ones
    with anyio.fail_after(10):
        async with over_socket(sim, url) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=4, poll_interval=POLL, drain_timeout=0.5
            ) as worker:
                await wait_for(lambda: len(handler.started) == 4)
                assert handler.finished == []  # all four in flight as we leave
            report = worker.report
            grabs = sim.requests["GrabChat"]
            await anyio.sleep(5 * POLL)
            assert sim.requests["GrabChat"] == grabs  # no chat taken after leaving
    long, short = handler.started[:2], handler.started[2:]
    assert sorted(report.unfinished) == sorted(long)
    assert sorted(report.handled) == sorted(short)
    assert sorted(handler.cancelled) == sorted(long)
    assert sorted(handler.finished) == sorted(short)
    assert grabbed_by(sim, JACK) == handler.started  # four grabbed, four started
    assert len(jacks_queue(sim)) == 12 - 4  # the rest still waits for someone


async def _cancel_around_a_worker(sim: Simulator, handler: Recorder) -> ChatWorker:
    """Cancel the scope around a worker while a short and a long handler run."""
    async with client(sim) as chat:
        with anyio.CancelScope() as outer:
            async with chat.chat_worker(
                handler, max_concurrent=2, poll_interval=POLL, drain_timeout=0.3
            ) as worker:
                await wait_for(lambda: len(handler.started) == 2)
                outer.cancel()
                await anyio.sleep(30)  # cancelled at once
        assert outer.cancelled_caught
    return worker


async def test_leaving_is_bounded_by_drain_timeout_when_the_scope_is_cancelled() -> None:
    sim = make_sim()
    add_chats(sim, 2)
    handler = Recorder(lambda n: 0.05 if n == 0 else 30.0)
    with anyio.fail_after(10):  # a 30 s handler: only the drain bound ends the block
        await _cancel_around_a_worker(sim, handler)
    first, second = handler.started
    # Handlers are shielded from the outside cancellation: the short one finished
    # during the drain; the long one was cancelled when drain_timeout ran out.
    assert handler.finished == [first]
    assert handler.cancelled == [second]
    assert len(grabbed_by(sim, JACK)) == 2


async def test_the_report_is_written_when_the_scope_is_cancelled() -> None:
    sim = make_sim()
    add_chats(sim, 2)
    handler = Recorder(lambda n: 0.05 if n == 0 else 30.0)
    with anyio.fail_after(10):
        worker = await _cancel_around_a_worker(sim, handler)
    first, second = handler.started
    assert (worker.report.handled, worker.report.unfinished) == ((first,), (second,))


async def test_stop_ends_taking_but_lets_running_handlers_finish() -> None:
    sim = make_sim()
    add_chats(sim, 6)
    handler = Recorder(lambda n: 0.1)
    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=2, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: len(handler.started) == 2)
                worker.stop()
                await wait_for(lambda: len(handler.finished) == 2)
                await anyio.sleep(5 * POLL)
                assert len(handler.started) == 2
            report = worker.report
    assert sorted(report.handled) == sorted(handler.started)
    assert len(grabbed_by(sim, JACK)) == 2


async def test_revoked_credentials_stop_the_worker_with_the_error_over_sockets(
    served: Callable[[Simulator], str],
) -> None:
    sim = make_sim()
    url = served(sim)
    add_chats(sim, 14)
    handler = Recorder(lambda n: 0.01)
    with anyio.fail_after(10):
        async with over_socket(sim, url) as chat:
            async with chat.chat_worker(
                handler, max_concurrent=2, poll_interval=POLL, drain_timeout=5
            ) as worker:
                await wait_for(lambda: len(handler.finished) >= 4)
                sim.state.agents[JACK].password = "revoked-password"
                sim.expire_sessions()
                await wait_for(lambda: worker.error is not None)
                grabs = sim.requests["GrabChat"]
                logons = sim.requests["AgentLogon"]
                await anyio.sleep(10 * POLL)
                assert sim.requests["GrabChat"] == grabs  # stopped taking: no spinning
                assert sim.requests["AgentLogon"] == logons
            report = worker.report
    assert isinstance(worker.error, LogonError)
    assert report.error is not None
    assert "refused the credentials" in report.error
    assert set(handler.calls.values()) == {1}
    assert sorted(report.handled) == sorted(grabbed_by(sim, JACK))
    assert jacks_queue(sim)  # chats were left for others


# -- the report --------------------------------------------------------------


async def test_the_report_is_read_after_the_block_and_refused_inside_it() -> None:
    sim = make_sim()
    add_chats(sim, 2)
    waiting = jacks_queue(sim)
    handler = Recorder()
    with anyio.fail_after(10):
        async with client(sim) as chat:
            async with chat.chat_worker(handler, poll_interval=POLL) as worker:
                await wait_for(lambda: set(handler.finished) == waiting)
                with pytest.raises(RuntimeError, match=r"still running: read worker\.report after"):
                    _ = worker.report
            report = worker.report
    assert isinstance(report, WorkerReport)
    assert sorted(report.handled) == sorted(waiting)
    assert worker.report is report  # written once


async def test_the_report_of_a_worker_never_entered_says_so() -> None:
    sim = make_sim()
    async with client(sim) as chat:
        worker = chat.chat_worker(Recorder())
        with pytest.raises(RuntimeError, match="never entered"):
            _ = worker.report


async def test_the_report_is_written_when_the_block_raises() -> None:
    sim = make_sim()
    add_chats(sim, 2)
    handler = Recorder()
    workers: list[ChatWorker] = []

    async def fail_in_the_block(chat: AsyncAgentChat) -> None:
        async with chat.chat_worker(handler, poll_interval=POLL) as worker:
            workers.append(worker)
            await wait_for(lambda: len(handler.finished) >= 1)
            raise KeyError("the user's own error")

    with anyio.fail_after(10):
        async with client(sim) as chat:
            with pytest.raises(KeyError, match="the user's own error"):
                await fail_in_the_block(chat)
    (worker,) = workers
    assert worker.report.handled
    assert sorted(worker.report.handled) == sorted(handler.finished)
    assert worker.report.error is None


@pytest.mark.parametrize(
    "handler",
    [None, print, lambda chat, item: None, "answer"],
    ids=["None", "builtin", "sync", "str"],
)
async def test_a_handler_that_is_not_async_is_refused_before_any_grab(
    agentchat_simulator: Simulator, handler: object
) -> None:
    sim = agentchat_simulator
    async with AsyncAgentChat(
        sim.agent_email, sim.agent_password, base_url="http://127.0.0.1", transport=sim.transport()
    ) as chat:
        with pytest.raises(InvalidRequestError, match="handler must be an async function"):
            chat.chat_worker(handler)  # type: ignore[arg-type]
    assert sim.requests["GrabChat"] == 0


async def test_an_async_callable_object_is_a_handler(agentchat_simulator: Simulator) -> None:
    class Handler:
        async def __call__(self, chat: AsyncAgentChat, item: Chat) -> None:
            return None

    sim = agentchat_simulator
    async with (
        AsyncAgentChat(
            sim.agent_email,
            sim.agent_password,
            base_url="http://127.0.0.1",
            transport=sim.transport(),
        ) as chat,
        chat.chat_worker(Handler()),
    ):
        pass
