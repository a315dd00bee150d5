"""Chaos: twenty agent sessions against a faulty simulator on a real loopback socket.

One simulator is served on 127.0.0.1 (``serve_in_thread``) with every fault on:
10% server errors (500, 502, 503, 504), 3% 429s with ``Retry-After``, 5% of
connections dropped before processing, 2% dropped after processing (state
changed, answer lost), added latency, and every session force-expired every three
seconds. A manager session sets the scene through the API (an escalation
department and nineteen agents, created under the same faults), then twenty
sessions sharing one ``httpx.AsyncClient`` pool work a bounded shift each: poll
the queue, grab chats, send messages (some with attachments), tag, comment,
export, transfer or close; the manager polls, reads reports and creates
recipients, tags and canned responses.

Every call is recorded caller-side, and every unsafe one carries a unique marker
(in the message text, the comment, the name or the e-mail address) that the
simulator's journal keeps. The test asserts from the journal that:

* an unsafe call whose caller saw success happened exactly once (with the ID the
  caller was given); one that raised ``OutcomeUnknownError`` happened at most
  once; one that raised any other error did not happen at all;
* no marker is journaled twice, no message or comment is in the state twice,
  and nothing is journaled that no caller sent;
* GrabChat: every chat a caller was given was grabbed once, by that agent; the
  grabs nobody saw are exactly the chats the agent later found among its open
  chats (at most one per OutcomeUnknownError); no chat is grabbed twice;
* every call ended in success or an ``AgentChatError`` subclass: nothing else
  (no httpx or anyio exception, no exception group) escaped;
* at the end no task is left, no socket is open and nothing was logged at ERROR
  (a simulator bug answering 500 with a traceback would be).

It prints one summary line with the figures (``docs/reliability.md`` quotes it).
Bounded: a fixed number of calls per session and a hard deadline.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import logging
import os
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from functools import partial
from typing import Any, Final, TypeVar

import anyio
import attrs
import httpx
import pytest

from agentchat import (
    AgentChatError,
    APIConnectionError,
    APITimeoutError,
    AsyncAgentChat,
    Attachment,
    Chat,
    ChatType,
    ClientStats,
    OutcomeUnknownError,
    Period,
    RateLimitError,
    Role,
    ServerError,
)
from agentchat.simulator import Faults, JournalEntry, Simulator, SimulatorConfig, serve_in_thread

pytestmark = pytest.mark.anyio

T = TypeVar("T")

SEED: Final = 20261125
#: Twenty sessions: the manager and nineteen agents it creates.
AGENTS: Final = 19
#: Calls each session makes (a few thousand in all, bounded whatever happens).
AGENT_CALLS: Final = 170
MANAGER_CALLS: Final = 220
#: The whole run, setup to shutdown, must end within this (seconds): a guard
#: against a hang, not a performance test (12-35 s per backend on 2 idle cores).
DEADLINE: Final = 360.0

FAULTS: Final = Faults(
    # 10% server errors, plus 3% rate limiting; 429 and 503 carry Retry-After.
    error_rates={"*": {500: 0.04, 502: 0.02, 503: 0.03, 504: 0.01, 429: 0.03}},
    retry_after=0.05,
    drop_before=0.05,
    drop_after=0.02,
    expire_every=3.0,
)
CONFIG: Final = SimulatorConfig(seed=SEED, latency=0.002, new_chat_interval=0.03, faults=FAULTS)

#: The seeded departments; the agents work all three. Chats transferred to the
#: escalation department (created in setup) leave their queues for good, so a
#: chat can be grabbed at most once in the whole run.
DEPARTMENTS: Final = (1, 2, 3)
#: The seeded enabled tags (tag 7 is in a disabled group).
TAG_IDS: Final = (1, 2, 3, 4, 5, 6)

#: What the faults make callers see (5xx, 429 and connection errors, after retries).
TRANSIENT: Final = (ServerError, RateLimitError, APIConnectionError, APITimeoutError)
#: The only other errors a valid call may meet here. A TransferChat whose answer
#: was dropped after processing is resent (it is idempotent); meanwhile the
#: manager may have closed the escalated chat, so the resend is refused with 400.
#: A session expired again after a call's re-logon, before the call was
#: answered: LogonError (credentials are good; the next call logs on again).
EXPLAINED: Final = frozenset({("transfer_chat", "BadRequestError")})

MARKER: Final = re.compile(r"chaos-[0-9a-f]{16}")
PNG: Final = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
LINES: Final = (
    "Hi, thanks for waiting. How can I help?",
    "Let me check that for you, one moment please.",
    "Your order is on its way.",
    "Here is the document you asked for.",
    "Is there anything else I can help with?",
)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def new_marker() -> str:
    return f"chaos-{uuid.uuid4().hex[:16]}"


def markers_in(fields: Mapping[str, Any]) -> set[str]:
    return {m for value in fields.values() if isinstance(value, str) for m in MARKER.findall(value)}


# -- what the callers saw ------------------------------------------------------


@attrs.define
class Attempt:
    """One unsafe call with its marker, as the caller saw it end."""

    endpoint: str
    marker: str
    #: ``"ok"``, ``"unknown"`` (OutcomeUnknownError) or the error's class name.
    outcome: str
    #: The MessageID or created ID the caller was given.
    seen_id: int | None = None


@attrs.define
class Grabs:
    """One agent's GrabChat calls."""

    ok: list[int] = attrs.Factory(list)
    empty: int = 0
    unknown: int = 0
    failed: int = 0
    #: Chats found among the agent's open chats after an OutcomeUnknownError.
    recovered: list[int] = attrs.Factory(list)
    #: Whether a final look at the open chats succeeded after the last unknown grab.
    reconciled: bool = True


@attrs.define
class Ledger:
    """Every call one session made, and how it ended."""

    calls: int = 0
    #: (retry class, outcome) -> count.
    outcomes: collections.Counter[tuple[str, str]] = attrs.Factory(collections.Counter)
    attempts: list[Attempt] = attrs.Factory(list)
    grabs: Grabs = attrs.Factory(Grabs)
    #: (method, error class) -> count, for the errors that are not transient.
    rejected: collections.Counter[tuple[str, str]] = attrs.Factory(collections.Counter)
    #: Exceptions that are not ``AgentChatError``: each one is a failure.
    escaped: list[str] = attrs.Factory(list)

    async def _call(self, kind: str, fn: Callable[[], Awaitable[T]]) -> tuple[str, T | None]:
        self.calls += 1
        method = getattr(getattr(fn, "func", fn), "__name__", repr(fn))
        try:
            result = await fn()
        except OutcomeUnknownError:
            outcome = "unknown"
        except TRANSIENT as exc:
            outcome = type(exc).__name__
        except AgentChatError as exc:
            outcome = type(exc).__name__
            self.rejected[method, outcome] += 1
        except Exception as exc:  # noqa: BLE001 - anything but AgentChatError is a library bug
            self.escaped.append(f"{method}: {type(exc).__module__}.{exc!r}")
            outcome = "escaped"
        else:
            self.outcomes[kind, "ok"] += 1
            return "ok", result
        self.outcomes[kind, outcome] += 1
        return outcome, None

    async def read(self, fn: Callable[[], Awaitable[T]]) -> T | None:
        return (await self._call("read", fn))[1]

    async def idempotent(self, fn: Callable[[], Awaitable[object]]) -> bool:
        return (await self._call("idempotent", fn))[0] == "ok"

    async def unsafe(
        self,
        endpoint: str,
        marker: str,
        fn: Callable[[], Awaitable[T]],
        seen_id: Callable[[T], int | None] = lambda _: None,
    ) -> tuple[str, T | None]:
        outcome, result = await self._call("unsafe", fn)
        attempt = Attempt(endpoint, marker, outcome)
        if outcome == "ok" and result is not None:
            attempt.seen_id = seen_id(result)
        self.attempts.append(attempt)
        return outcome, result

    async def grab(self, fn: Callable[[], Awaitable[Chat | None]]) -> tuple[str, Chat | None]:
        outcome, chat = await self._call("unsafe", fn)
        if outcome == "ok" and chat is not None:
            self.grabs.ok.append(chat.chat_id)
        elif outcome == "ok":
            self.grabs.empty += 1
        elif outcome == "unknown":
            self.grabs.unknown += 1
        else:
            self.grabs.failed += 1
        return outcome, chat


@attrs.define(eq=False)
class Run:
    """The whole run: where the server is, the shared pool, and what every session saw."""

    url: str
    http: httpx.AsyncClient
    ledgers: list[Ledger] = attrs.Factory(list)
    #: Per agent ID, its Grabs (the manager never grabs).
    grabs: dict[int, Grabs] = attrs.Factory(dict)
    stats: list[ClientStats] = attrs.Factory(list)
    logon_failures: collections.Counter[str] = attrs.Factory(collections.Counter)

    def ledger(self) -> Ledger:
        ledger = Ledger()
        self.ledgers.append(ledger)
        return ledger

    @contextlib.asynccontextmanager
    async def session(self, email: str, password: str) -> AsyncIterator[AsyncAgentChat]:
        """A logged-on session over the shared pool; logging on is tried until it works."""
        for _ in range(10):
            client = AsyncAgentChat(
                email,
                password,
                base_url=self.url,
                http_client=self.http,
                max_retries=3,
                keep_alive_interval=1.0,
                logoff_timeout=1.0,
            )
            try:
                await client.__aenter__()
            except AgentChatError as exc:  # e.g. an injected 500 on AgentLogon
                self.logon_failures[type(exc).__name__] += 1
                self.stats.append(client.stats)
                continue
            try:
                async with contextlib.AsyncExitStack() as stack:
                    stack.push_async_exit(client.__aexit__)
                    yield client
            finally:
                self.stats.append(client.stats)
            return
        raise AssertionError(f"{email} could not log on in 10 attempts: {self.logon_failures}")


async def create_until_ok(
    ledger: Ledger,
    endpoint: str,
    make: Callable[[str], Callable[[], Awaitable[T | None]]],
    id_of: Callable[[T], int],
) -> tuple[int, str]:
    """Create a record (a fresh marker each try) until a try is seen to succeed.

    Its ID and the marker it was created with.
    """
    for _ in range(20):
        marker = new_marker()
        outcome, result = await ledger.unsafe(
            endpoint, marker, make(marker), lambda r: None if r is None else id_of(r)
        )
        if outcome == "ok" and result is not None:
            return id_of(result), marker
    raise AssertionError(f"{endpoint} never succeeded in 20 tries")


# -- the sessions' work --------------------------------------------------------


async def some_read(ledger: Ledger, api: AsyncAgentChat, rng: random.Random) -> None:
    """One of the reads a dashboard or an idle agent makes."""
    choice = rng.randrange(7)
    if choice == 0:
        await ledger.read(api.live_metrics)
    elif choice == 1:
        await ledger.read(api.get_department_list)
    elif choice == 2:
        await ledger.read(partial(api.get_chat_list, chat_type=ChatType.OPEN))
    elif choice == 3:
        await ledger.read(api.get_settings)
    elif choice == 4:
        await ledger.read(api.get_reports)
    elif choice == 5:
        await ledger.read(partial(api.data_insight, rng.choice(list(Period))))
    else:
        await ledger.read(api.get_recipients)


@attrs.define(eq=False)
class AgentShift:
    """One agent: poll, grab, answer, tag, comment, export, then close or escalate."""

    ledger: Ledger
    api: AsyncAgentChat
    agent_id: int
    escalation: int
    rng: random.Random
    known: set[int] = attrs.Factory(set)
    #: GrabChat calls that raised OutcomeUnknownError and are not looked into yet.
    lost_grabs: int = 0

    async def run(self) -> None:
        ledger, api = self.ledger, self.api
        while ledger.calls < AGENT_CALLS:
            if self.lost_grabs:
                await self.recover()
            await ledger.read(partial(api.get_chat_list, chat_type=ChatType.UNASSIGNED))
            outcome, chat = await ledger.grab(api.grab_chat)
            if outcome == "unknown":
                self.lost_grabs += 1
            if chat is not None:
                await self.handle(chat)
            else:
                await some_read(ledger, api, self.rng)
                await anyio.sleep(self.rng.uniform(0.01, 0.04))
        # End of the shift: find what the grabs whose answer was lost took.
        for _ in range(10):
            if not self.lost_grabs:
                break
            await self.recover()
        ledger.grabs.reconciled = not self.lost_grabs

    async def recover(self) -> None:
        """Look at the open chats: a chat of ours we never saw came from a lost grab."""
        open_chats = await self.ledger.read(
            partial(self.api.get_chat_list, chat_type=ChatType.OPEN)
        )
        if open_chats is None:
            return  # look again later
        self.lost_grabs = 0
        for chat in open_chats:
            if chat.agent_id == self.agent_id and chat.chat_id not in self.known:
                self.ledger.grabs.recovered.append(chat.chat_id)
                await self.handle(chat)

    async def handle(self, chat: Chat) -> None:
        ledger, api, rng = self.ledger, self.api, self.rng
        chat_id = chat.chat_id
        self.known.add(chat_id)
        if rng.random() < 0.5:
            await some_read(ledger, api, rng)  # the agent's screen refreshes
        for _ in range(rng.randint(1, 3)):
            marker = new_marker()
            attachment = None
            if rng.random() < 0.3:
                data = PNG + marker.encode() * rng.randint(1, 64)
                attachment = Attachment(name=f"{marker}.png", content_type="image/png", data=data)
            text = f"{rng.choice(LINES)} [{marker}]"
            await ledger.unsafe(
                "SendMessage",
                marker,
                partial(api.send_message, chat_id, text, attachment=attachment),
                lambda sent: sent.message_id,
            )
        await ledger.idempotent(partial(api.add_tag, chat_id=chat_id, tag_id=rng.choice(TAG_IDS)))
        if chat.customer_id is not None and rng.random() < 0.6:
            marker = new_marker()
            comment = f"Asked about delivery; follow up tomorrow [{marker}]"
            await ledger.unsafe(
                "AddComment", marker, partial(api.add_comment, chat.customer_id, comment)
            )
        if rng.random() < 0.5:
            await ledger.read(partial(api.export_chat, chat_id))
        if chat.mobile_number and rng.random() < 0.25:
            await ledger.read(partial(api.find_customer, chat.mobile_number, True))
        if rng.random() < 0.2 and await ledger.idempotent(
            partial(api.transfer_chat, chat_id, self.escalation)
        ):
            return
        await ledger.idempotent(partial(api.close_chat, chat_id))


async def manager_shift(ledger: Ledger, api: AsyncAgentChat, rng: random.Random) -> None:
    """Clear the escalation queue, read the dashboards, create recipients, tags, replies."""
    while ledger.calls < MANAGER_CALLS:
        waiting = await ledger.read(partial(api.get_chat_list, chat_type=ChatType.UNASSIGNED))
        for chat in waiting or ():
            if chat.department_id not in DEPARTMENTS and ledger.calls < MANAGER_CALLS:
                await ledger.idempotent(partial(api.close_chat, chat.chat_id))
        if waiting and rng.random() < 0.3:
            await ledger.read(partial(api.export_chat, rng.choice(waiting.chats).chat_id))
        await some_read(ledger, api, rng)
        if rng.random() < 0.5:
            marker = new_marker()
            choice = rng.randrange(3)
            if choice == 0:
                await ledger.unsafe(
                    "CreateRecipient",
                    marker,
                    partial(api.create_recipient, f"Reader {marker}", f"{marker}@example.com"),
                    lambda r: None if r is None else r.recipient_id,
                )
            elif choice == 1:
                await ledger.unsafe(
                    "CreateTag",
                    marker,
                    partial(api.create_tag, 1, f"Tag {marker}", True),
                    lambda t: None if t is None else t.tag_id,
                )
            else:
                await ledger.unsafe(
                    "CreateCannedResponse",
                    marker,
                    partial(api.create_canned_response, f"Reply {marker}", f"Text {marker}"),
                    lambda c: None if c is None else c.canned_response_id,
                )
        await anyio.sleep(rng.uniform(0.01, 0.04))


async def work(run: Run, sim: Simulator) -> None:
    """Set the scene as the manager, then run the twenty shifts at once."""
    manager_ledger = run.ledger()
    async with run.session(sim.manager_email, sim.manager_password) as manager:
        escalation, _ = await create_until_ok(
            manager_ledger,
            "CreateDepartment",
            lambda m: partial(manager.create_department, f"Escalations {m}", enabled=True),
            lambda d: d.department_id,
        )
        #: (AgentID, e-mail address) of the agents created.
        agents: list[tuple[int, str]] = []

        async def create_agent(index: int) -> None:
            agent_id, marker = await create_until_ok(
                manager_ledger,
                "CreateAgent",
                lambda m: partial(
                    manager.create_agent,
                    f"Chaos Agent {index} {m}",
                    f"{m}@example.com",
                    Role.AGENT,
                    list(DEPARTMENTS),
                ),
                lambda a: a.agent_id,
            )
            agents.append((agent_id, f"{marker}@example.com"))

        async with anyio.create_task_group() as tg:
            for index in range(AGENTS):
                tg.start_soon(create_agent, index)

        async def agent(index: int, agent_id: int, email: str) -> None:
            ledger = run.ledger()
            # CreateAgent gives a new agent the password welcome-<AgentID>.
            async with run.session(email, f"welcome-{agent_id}") as api:
                shift = AgentShift(
                    ledger, api, agent_id, escalation, random.Random(f"{SEED}:{index}")
                )
                run.grabs[agent_id] = ledger.grabs
                await shift.run()

        async with anyio.create_task_group() as tg:
            for index, (agent_id, email) in enumerate(agents):
                tg.start_soon(agent, index, agent_id, email)
            await manager_shift(manager_ledger, manager, random.Random(f"{SEED}:m"))


# -- leaks ---------------------------------------------------------------------


def live_tasks(backend: str) -> set[object]:
    """The tasks alive in this event loop."""
    if backend == "asyncio":
        return set(asyncio.all_tasks())
    import trio

    def walk(task: trio.lowlevel.Task) -> Iterator[trio.lowlevel.Task]:
        yield task
        for nursery in task.child_nurseries:
            for child in nursery.child_tasks:
                yield from walk(child)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    return set(walk(root))


def open_sockets() -> set[str]:
    """This process's open sockets (``socket:[inode]``), on Linux; else nothing."""
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        return set()
    found = set()
    for fd in os.listdir(fd_dir):
        with contextlib.suppress(OSError):
            target = os.readlink(os.path.join(fd_dir, fd))
            if target.startswith("socket:"):
                found.add(target)
    return found


class ErrorRecords(logging.Handler):
    """Collects ERROR records (an exception in the server, a destroyed task...)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def errors_logged(*names: str) -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    loggers = [logging.getLogger(name) for name in names]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


# -- the test ------------------------------------------------------------------


async def test_twenty_sessions_under_chaos_never_duplicate_and_never_leak(
    anyio_backend: str,
    record_property: Callable[[str, object], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    tasks_before = live_tasks(anyio_backend)
    sockets_before = open_sockets()
    sim = Simulator(CONFIG)
    began = time.perf_counter()
    with (
        anyio.fail_after(DEADLINE),
        errors_logged("") as root_errors,
        serve_in_thread(sim) as url,
        # uvicorn configures its loggers when serving starts: listen after that.
        errors_logged("uvicorn.error") as server_errors,
    ):
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(20.0, connect=5.0),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        ) as http:
            run = Run(url, http)
            await work(run, sim)
    elapsed = time.perf_counter() - began

    # -- nothing escaped, nothing leaked -----------------------------------------
    escaped = [line for ledger in run.ledgers for line in ledger.escaped]
    assert escaped == [], "exceptions other than AgentChatError escaped"
    rejected: collections.Counter[tuple[str, str]] = collections.Counter()
    for ledger in run.ledgers:
        rejected.update(ledger.rejected)
    unexplained = {
        f"{method}: {error}": n
        for (method, error), n in rejected.items()
        if (method, error) not in EXPLAINED and error != "LogonError"
    }
    assert unexplained == {}, "valid calls were refused"
    gc.collect()
    assert live_tasks(anyio_backend) - tasks_before == set(), "tasks left running"
    assert open_sockets() - sockets_before == set()
    records = [*root_errors.records, *server_errors.records]
    logged = [f"{r.name}: {r.getMessage()}" for r in records]
    assert logged == []

    # -- unsafe calls: exactly once when seen to succeed, never twice --------------
    journal = list(sim.journal)
    marked: collections.Counter[str] = collections.Counter()
    entry_of: dict[str, JournalEntry] = {}
    for entry in journal:
        if entry.endpoint == "GrabChat":
            continue
        found = markers_in(entry.fields)
        assert len(found) == 1, f"a journal entry without one marker of ours: {entry}"
        marker = found.pop()
        marked[marker] += 1
        entry_of[marker] = entry
    attempts = [attempt for ledger in run.ledgers for attempt in ledger.attempts]
    assert len({a.marker for a in attempts}) == len(attempts)
    wrong: list[str] = []
    for attempt in attempts:
        times = marked[attempt.marker]
        if attempt.outcome == "ok":
            done = entry_of.get(attempt.marker)
            if times != 1 or done is None or done.endpoint != attempt.endpoint:
                wrong.append(f"{attempt}: seen to succeed, journaled {times} times")
            elif attempt.seen_id is not None and attempt.seen_id not in (
                done.fields.get("message_id"),
                done.fields.get("created_id"),
            ):
                wrong.append(f"{attempt}: the caller was given another ID than {done.fields}")
        elif attempt.outcome == "unknown":
            if times > 1:
                wrong.append(f"{attempt}: outcome unknown, journaled {times} times")
        elif times != 0:
            wrong.append(f"{attempt}: failed ({attempt.outcome}) yet journaled {times} times")
    phantoms = set(marked) - {a.marker for a in attempts}
    assert phantoms == set(), "journaled calls that no caller made"
    assert wrong == []
    duplicates = sum(n - 1 for n in marked.values() if n > 1)

    # ... and the state holds every message and comment at most once.
    in_state: collections.Counter[str] = collections.Counter()
    for record in sim.state.chats.values():
        for message in record.messages:
            in_state.update(MARKER.findall(message.text))
    for customer in sim.state.customers.values():
        for comment in customer.comments:
            in_state.update(MARKER.findall(comment.text))
    duplicates += sum(n - 1 for n in in_state.values() if n > 1)
    assert duplicates == 0

    # -- GrabChat: seen grabs happened once; unseen ones are the recovered chats --
    grabbed: dict[int, list[int]] = collections.defaultdict(list)
    for entry in journal:
        if entry.endpoint == "GrabChat":
            assert entry.agent_id is not None
            grabbed[entry.agent_id].append(entry.fields["chat_id"])
    everything = [chat_id for chats in grabbed.values() for chat_id in chats]
    assert len(everything) == len(set(everything)), "a chat was grabbed twice"
    assert set(grabbed) <= set(run.grabs), "a grab by an agent that never grabbed"
    for agent_id, grabs in run.grabs.items():
        journaled = set(grabbed[agent_id])
        assert set(grabs.ok) <= journaled, f"agent {agent_id}: a grab it saw is not journaled"
        unseen = journaled - set(grabs.ok)
        assert len(unseen) <= grabs.unknown, f"agent {agent_id}: more grabs than it made"
        assert set(grabs.recovered) <= unseen
        if grabs.reconciled:
            assert unseen == set(grabs.recovered), f"agent {agent_id}: a lost grab not found"

    # -- the faults really happened, and the figures ---------------------------
    faults = dict(sorted(sim.faults_injected.items()))
    for kind in ("error_500", "error_502", "error_503", "error_504", "error_429"):
        assert faults.get(kind, 0) > 0, kind
    for kind in ("drop_before", "drop_after", "expired"):
        assert faults.get(kind, 0) > 0, kind
    outcomes: collections.Counter[tuple[str, str]] = collections.Counter()
    for ledger in run.ledgers:
        outcomes.update(ledger.outcomes)
    calls = sum(ledger.calls for ledger in run.ledgers)
    by_kind = {
        kind: sum(n for (k, _), n in outcomes.items() if k == kind)
        for kind in ("read", "idempotent", "unsafe")
    }
    errors = {
        kind: {o: n for (k, o), n in sorted(outcomes.items()) if k == kind and o != "ok"}
        for kind in ("read", "idempotent", "unsafe")
    }
    unknown = outcomes["unsafe", "unknown"]
    relogons = sum(s.relogons for s in run.stats)
    retries = sum(s.retries for s in run.stats)
    keep_alives = sum(s.keep_alives for s in run.stats)
    refused = sum(n for kind, n in faults.items() if kind.startswith("error_"))
    http_requests = sum(sim.requests.values()) + refused + faults.get("drop_before", 0)
    recovered = sum(len(g.recovered) for g in run.grabs.values())
    assert relogons > 0
    assert unknown > 0
    assert by_kind["read"] > 0 < by_kind["unsafe"]
    logon_failures = sum(run.logon_failures.values())
    refused_calls = {f"{m}:{e}": n for (m, e), n in sorted(rejected.items())}
    line = (
        f"chaos[{anyio_backend}]: sessions={len(run.stats) - logon_failures} calls={calls} "
        f"(read={by_kind['read']} idempotent={by_kind['idempotent']} "
        f"unsafe={by_kind['unsafe']}) http_requests={http_requests} faults={faults} "
        f"retries={retries} relogons={relogons} keep_alives={keep_alives} "
        f"logon_failures={logon_failures} "
        f"outcome_unknown={unknown} lost_grabs_recovered={recovered} "
        f"errors={errors} refused={refused_calls} "
        f"journaled={len(journal)} duplicates={duplicates} "
        f"escaped={len(escaped)} elapsed={elapsed:.1f}s"
    )
    record_property("chaos_summary", line)
    with capsys.disabled():
        print(f"\n{line}")
