"""A soak: one agent's client under every simulator fault for half an hour; does memory plateau?

A 5-minute soak held, but its RSS rose about 1 MB/min while Python-level memory
stayed flat. This one runs long enough to tell a plateau from a leak. In one
process, on ``--transport`` (httpx, aiohttp or pyreqwest):

- the agent's ``AsyncAgentChat`` runs ``watch_chats("unassigned")`` (events
  counted), a ``chat_worker()`` (each chat: a message, a pause while callers
  write to it too, ``close_chat``), and ``--callers`` callers looping over a mix
  of calls (GetChatList open and unassigned, SendMessage, some with an
  attachment, ExportChat, FindCustomer, GetDepartmentList) with a short random
  pause between calls;
- a manager's client, for LiveMetrics, DataInsight and GetSettings from the
  same callers, and a janitor that closes chats nobody took (waiting more than
  one of its rounds, in departments the agent does not work) or stranded (open,
  no handler on them): every list the clients fetch stays about the same size,
  so a growing answer cannot pass for a leak;
- every error is an ``AgentChatError`` by type (expected under the faults):
  counted, never fatal; anything else is counted as ``escaped:<type>``.

The server is ``python -m agentchat simulate`` in a child process on 127.0.0.1
(``--server process``, the default), so the RSS measured is the client's alone;
its own RSS is sampled from ``/proc/<pid>/status`` beside it. ``--server thread``
serves the simulator in this process (``serve_in_thread``) instead and samples
its journal and chat count, whose growth is then in the RSS too.

Faults, all at once: 8 % injected errors (429 with ``Retry-After: 0``, 500,
502, 503, 504), 2 % of connections dropped before processing and 2 % after,
2 % of 2xx bodies garbled, 2 ms latency, every session force-expired every 5 s,
a new customer chat every 2 s.

Every ``--sample-seconds`` (30) it samples: VmRSS and VmHWM; Python-level
memory as ``sys.getallocatedblocks()`` and pymalloc's bytes in allocated
blocks, with its arenas (read from ``sys._debugmallocstats()``), and glibc's
``mallinfo2()`` (in use, free, mmapped: the allocator's view, to tell
fragmentation from a leak); the gc's object count; asyncio tasks, open
file descriptors, threads; CPU seconds; calls made and errors by type; watcher
events, chats handled; re-logons; the number of secrets ``redact()`` scans
(``agentchat._redaction._ordered``); the server's RSS. At the end, with the
clients still open, ``gc.collect()`` and ``malloc_trim(0)``: the RSS that
comes back was free memory the allocator held, not live objects.

``--tracemalloc`` adds ``tracemalloc``'s current and peak (tracing started
before the clients exist, one frame). It is not the default: it costs what is
being measured. In a 6-minute run on httpx with and without it (same load), it
took 2.5 times the CPU (127 s against 51 s) and the RSS rose 0.68 MB/min over
the first 5 minutes against 0.28 (its own tables, about 3 MB, grow with the
heap); and with it on, pymalloc's statistics are not available.

The samples go to ``--out`` (JSON, rewritten after every sample) and a summary
is printed: RSS and the rest at 5, 10, 20, 30 minutes and at the end, the RSS
slope (least squares, MB/min) over the first 5 and the last 15 minutes, and
the verdict, "plateaus" when the last-15-minute slope is under 0.1 MB/min.

    .venv/bin/python -m benchmarks.soak --minutes 35 [--transport httpx|aiohttp|pyreqwest]
        [--out benchmarks/recorded/soak-httpx.json] [--callers 20] [--seconds S]
        [--sample-seconds 30] [--server process|thread] [--tracemalloc]
    .venv/bin/python -m benchmarks.soak --summarize benchmarks/recorded/soak-httpx.json
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import ctypes
import ctypes.util
import gc
import json
import logging
import os
import platform
import queue
import random
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar

import anyio
import attrs
import httpx

import agentchat
from agentchat import AgentChatError, AsyncAgentChat, Attachment, Chat, ChatType
from agentchat import _redaction as redaction

from .server import stop_process

T = TypeVar("T")

# -- the faults (moderate: most calls get through, every kind of fault happens) ----

SEED: Final = 20261201
#: Injected error statuses and their probability per request (8 % in all).
ERROR_RATES: Final = {429: 0.02, 500: 0.02, 502: 0.01, 503: 0.02, 504: 0.01}
RETRY_AFTER: Final = 0.0
DROP_BEFORE: Final = 0.02
DROP_AFTER: Final = 0.02
MALFORMED: Final = 0.02
LATENCY: Final = 0.002
EXPIRE_EVERY: Final = 5.0
NEW_CHAT_INTERVAL: Final = 2.0

# -- the load ----------------------------------------------------------------------

#: Mean pause between two calls of one caller (uniform in [0, 2x]).
CALLER_PAUSE: Final = 0.2
#: Keep-alive ticks of both clients (sessions are force-expired every 5 s anyway).
KEEP_ALIVE_INTERVAL: Final = 10.0
#: The janitor's round: a chat waiting (or stranded) over a whole round is closed.
JANITOR_ROUND: Final = 10.0
WATCH_INTERVAL: Final = 1.0
WORKER_CONCURRENCY: Final = 4
WORKER_POLL: Final = 1.0
#: How long a handler keeps a chat open (seconds, uniform), callers writing to it.
CHAT_OPEN_FOR: Final = (2.0, 5.0)
#: After the run's time is up, how long the tasks have to finish before cancelled.
GRACE: Final = 30.0
SERVER_STARTUP_TIMEOUT: Final = 30.0
#: "plateaus" when the RSS slope over the last 15 minutes is under this (MB/min).
PLATEAU_SLOPE: Final = 0.1
#: The minutes the summary reports.
MILESTONES: Final = (5, 10, 20, 30)
LAST_WINDOW_MIN: Final = 15.0
FIRST_WINDOW_MIN: Final = 5.0

ATTACHMENT: Final = Attachment(name="note.txt", content_type="text/plain", data=b"soak " * 200)
TEXTS: Final = (
    "Hi, thanks for waiting. How can I help?",
    "Let me check that for you, one moment please.",
    "Your order is on its way.",
    "Is there anything else I can help with?",
)

_URL: Final = re.compile(r"AgentChat simulator on (http://127\.0\.0\.1:\d+)")
#: The ``export AGENTCHAT_...=value`` lines ``agentchat simulate`` prints (values shell-quoted).
_EXPORT: Final = re.compile(r"export (AGENTCHAT_\w+)=(.*)$")
#: The accounts those lines give: role -> (e-mail variable, password variable).
_ACCOUNTS: Final = {
    "agent": ("AGENTCHAT_EMAIL", "AGENTCHAT_PASSWORD"),
    "manager": ("AGENTCHAT_MANAGER_EMAIL", "AGENTCHAT_MANAGER_PASSWORD"),
}


@dataclass(frozen=True)
class Config:
    seconds: float
    transport: Literal["httpx", "aiohttp", "pyreqwest"]
    callers: int
    sample_seconds: float
    server: Literal["process", "thread"]
    tracemalloc: bool
    pause: float = CALLER_PAUSE
    seed: int = SEED


@dataclass
class Server:
    base_url: str
    kind: str
    accounts: dict[str, tuple[str, str]]
    #: The child process's ID (``--server process``).
    pid: int | None = None
    #: The in-process ``Simulator`` (``--server thread``).
    simulator: Any = None


# -- measuring the process ------------------------------------------------------------


def proc_status_kb(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM of a process in KiB (empty where /proc is not there)."""
    found: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    found[name] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return found


def count_entries(path: str) -> int:
    try:
        return len(os.listdir(path))
    except OSError:
        return -1


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


_LIBC: Final = _libc()
if _LIBC is not None and hasattr(_LIBC, "mallinfo2"):
    _LIBC.mallinfo2.restype = _MallInfo2


def malloc_info() -> dict[str, int]:
    """glibc's ``mallinfo2()`` in KiB: in use, free (held in arenas), mmapped, arena (sbrk)."""
    if _LIBC is None or not hasattr(_LIBC, "mallinfo2"):
        return {}
    info = _LIBC.mallinfo2()
    return {
        "malloc_in_use_kb": info.uordblks // 1024,
        "malloc_free_kb": info.fordblks // 1024,
        "malloc_mmap_kb": info.hblkhd // 1024,
        "malloc_arena_kb": info.arena // 1024,
    }


def malloc_trim() -> bool:
    """Give free heap memory back to the system (glibc ``malloc_trim(0)``)."""
    if _LIBC is None or not hasattr(_LIBC, "malloc_trim"):
        return False
    return bool(_LIBC.malloc_trim(0))


def pymalloc_info() -> dict[str, int]:
    """pymalloc's arenas and bytes, read from ``sys._debugmallocstats()`` (it writes fd 2)."""
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(out.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode("ascii", "replace")
    wanted = {
        "# arenas allocated current": "pymalloc_arenas",
        "# bytes in allocated blocks": "pymalloc_allocated_kb",
        "# bytes in available blocks": "pymalloc_available_kb",
    }
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, _, value = line.partition("=")
        key = wanted.get(name.strip())
        if key and key not in found:
            number = int(value.strip().replace(",", ""))
            found[key] = number if key == "pymalloc_arenas" else number // 1024
    return found


# -- what the run did -----------------------------------------------------------------


class CountingHandler(logging.Handler):
    """Counts log records by level and keeps none (nor prints them: 35 minutes of faults)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelname] += 1


@dataclass
class Activity:
    calls: collections.Counter[str] = field(default_factory=collections.Counter)
    ok: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    #: "method: error type" -> count.
    errors_by_call: collections.Counter[str] = field(default_factory=collections.Counter)
    events: collections.Counter[str] = field(default_factory=collections.Counter)
    handled: int = 0
    janitor_closed: int = 0
    watcher_restarts: int = 0
    worker_restarts: int = 0
    #: Chats a handler holds open now (callers write to them).
    active: set[int] = field(default_factory=set)
    #: Chats handled lately (callers export them: closed, so their size is fixed).
    recent: collections.deque[int] = field(default_factory=lambda: collections.deque(maxlen=64))
    #: Mobile numbers seen in chat lists (for FindCustomer).
    mobiles: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=64))
    escaped: list[str] = field(default_factory=list)

    async def call(self, name: str, awaitable: Awaitable[T]) -> T | None:
        """``await awaitable``, counted; its result, or None when it raised."""
        return (await self.attempt(name, awaitable))[1]

    async def attempt(self, name: str, awaitable: Awaitable[T]) -> tuple[bool, T | None]:
        """``await awaitable``, counted: (whether it succeeded, its result)."""
        self.calls[name] += 1
        try:
            result = await awaitable
        except AgentChatError as exc:
            self.errors[type(exc).__name__] += 1
            self.errors_by_call[f"{name}: {type(exc).__name__}"] += 1
            return False, None
        except Exception as exc:  # noqa: BLE001 - a library bug: counted, shown, not fatal
            self.errors[f"escaped:{type(exc).__name__}"] += 1
            self.errors_by_call[f"{name}: escaped:{type(exc).__name__}"] += 1
            if len(self.escaped) < 20:
                self.escaped.append(f"{name}: {type(exc).__module__}.{exc!r}")
            return False, None
        self.ok += 1
        return True, result

    def saw(self, chats: tuple[Chat, ...]) -> None:
        for chat in chats[:4]:
            if chat.mobile_number and chat.mobile_number not in self.mobiles:
                self.mobiles.append(chat.mobile_number)


@dataclass
class Clients:
    agent: AsyncAgentChat
    manager: AsyncAgentChat


def sample(
    t: float, config: Config, activity: Activity, clients: Clients, server: Server, log: Any
) -> dict[str, Any]:
    status = proc_status_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    traced = tracemalloc.get_traced_memory() if tracemalloc.is_tracing() else None
    row: dict[str, Any] = {
        "t_s": round(t, 1),
        "rss_kb": status.get("VmRSS", 0),
        "hwm_kb": status.get("VmHWM", 0),
        "py_traced_kb": traced[0] // 1024 if traced else None,
        "py_traced_peak_kb": traced[1] // 1024 if traced else None,
        "tracemalloc_overhead_kb": (
            tracemalloc.get_tracemalloc_memory() // 1024 if traced else None
        ),
        "allocated_blocks": sys.getallocatedblocks(),
        "gc_objects": len(gc.get_objects()),
        "gc_collections": [s["collections"] for s in gc.get_stats()],
        **pymalloc_info(),
        **malloc_info(),
        "tasks": len(asyncio.all_tasks()),
        "fds": count_entries("/proc/self/fd"),
        "threads": count_entries("/proc/self/task"),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "calls": sum(activity.calls.values()),
        "ok": activity.ok,
        "errors": dict(sorted(activity.errors.items())),
        "calls_by_method": dict(sorted(activity.calls.items())),
        "errors_by_call": dict(sorted(activity.errors_by_call.items())),
        "events": dict(sorted(activity.events.items())),
        "handled": activity.handled,
        "janitor_closed": activity.janitor_closed,
        "watcher_restarts": activity.watcher_restarts,
        "worker_restarts": activity.worker_restarts,
        "secrets_scanned": len(redaction._ordered),
        "agent_stats": attrs.asdict(clients.agent.stats),
        "manager_stats": attrs.asdict(clients.manager.stats),
        "log_records": dict(sorted(log.counts.items())),
    }
    if server.pid is not None:
        row["server_rss_kb"] = proc_status_kb(server.pid).get("VmRSS", 0)
    if server.simulator is not None:
        row["sim_journal"] = len(server.simulator.journal)
        row["sim_chats"] = len(server.simulator.state.chats)
    return row


# -- the run ----------------------------------------------------------------------------


def new_client(server: Server, account: str, config: Config) -> AsyncAgentChat:
    email, password = server.accounts[account]
    return AsyncAgentChat(
        email,
        password,
        base_url=server.base_url,
        transport=config.transport,
        max_retries=5,
        timeout=15,
        keep_alive_interval=KEEP_ALIVE_INTERVAL,
    )


async def enter(
    stack: AsyncExitStack, make: Callable[[], AsyncAgentChat], activity: Activity
) -> AsyncAgentChat:
    """Enter a new client until one gets past the faults (a garbled logon answer, say)."""
    for _ in range(20):
        activity.calls["agent_logon(enter)"] += 1
        try:
            return await stack.enter_async_context(make())
        except AgentChatError as exc:
            activity.errors[type(exc).__name__] += 1
            activity.errors_by_call[f"agent_logon(enter): {type(exc).__name__}"] += 1
    raise RuntimeError("no client could log on in 20 attempts")


async def pause(stop: anyio.Event, seconds: float) -> None:
    with anyio.move_on_after(seconds):
        await stop.wait()


async def watch(agent: AsyncAgentChat, activity: Activity, stop: anyio.Event) -> None:
    """``watch_chats("unassigned")``, its events counted; started again if it ends."""
    while not stop.is_set():
        try:
            async with (
                anyio.create_task_group() as tg,
                agent.watch_chats(ChatType.UNASSIGNED, interval=WATCH_INTERVAL) as watcher,
            ):

                async def close_at_stop() -> None:
                    await stop.wait()
                    await watcher.aclose()

                tg.start_soon(close_at_stop)
                async for event in watcher:
                    activity.events[event.kind] += 1
                tg.cancel_scope.cancel()
        except AgentChatError as exc:
            activity.errors[type(exc).__name__] += 1
            activity.errors_by_call[f"watch_chats: {type(exc).__name__}"] += 1
        if not stop.is_set():
            activity.watcher_restarts += 1
            await pause(stop, 1.0)


async def work(agent: AsyncAgentChat, activity: Activity, stop: anyio.Event) -> None:
    """A ``chat_worker()``: each chat gets a message, stays open a moment, is closed."""
    rng = random.Random(SEED + 1)

    async def handle(chat: AsyncAgentChat, item: Chat) -> None:
        activity.active.add(item.chat_id)
        try:
            await activity.call("send_message(worker)", chat.send_message(item.chat_id, TEXTS[0]))
            await anyio.sleep(rng.uniform(*CHAT_OPEN_FOR))
            for _ in range(5):  # CloseChat is idempotent: again until it is done
                closed, _ = await activity.attempt(
                    "close_chat(worker)", chat.close_chat(item.chat_id)
                )
                if closed:
                    break
        finally:
            activity.active.discard(item.chat_id)
            activity.recent.append(item.chat_id)
            activity.handled += 1

    while not stop.is_set():
        async with agent.chat_worker(
            handle, max_concurrent=WORKER_CONCURRENCY, poll_interval=WORKER_POLL,
            drain_timeout=10.0,
        ) as worker:  # fmt: skip
            while not stop.is_set() and worker.error is None:
                await pause(stop, 1.0)
        if not stop.is_set():  # it stopped taking chats (a fatal error): a new one
            activity.worker_restarts += 1
            await pause(stop, 1.0)


async def janitor(manager: AsyncAgentChat, activity: Activity, stop: anyio.Event) -> None:
    """Close chats that waited a whole round, and open chats no handler holds."""
    waiting: set[int] = set()
    stranded: set[int] = set()
    while not stop.is_set():
        await pause(stop, JANITOR_ROUND)
        if stop.is_set():
            return
        unassigned = await activity.call(
            "get_chat_list(janitor)", manager.get_chat_list(chat_type=ChatType.UNASSIGNED)
        )
        if unassigned is not None:
            ids = {c.chat_id for c in unassigned}
            for chat_id in sorted(ids & waiting):
                await activity.call("close_chat(janitor)", manager.close_chat(chat_id))
                activity.janitor_closed += 1
            waiting = ids - waiting
        opened = await activity.call(
            "get_chat_list(janitor)", manager.get_chat_list(chat_type=ChatType.OPEN)
        )
        if opened is not None:
            ids = {c.chat_id for c in opened} - activity.active
            for chat_id in sorted(ids & stranded):
                await activity.call("close_chat(janitor)", manager.close_chat(chat_id))
                activity.janitor_closed += 1
            stranded = ids - stranded


async def caller(
    index: int, clients: Clients, activity: Activity, stop: anyio.Event, mean_pause: float
) -> None:
    """Calls of every kind, in a random mix, until stopped."""
    rng = random.Random(SEED * 100 + index)
    agent, manager = clients.agent, clients.manager
    while not stop.is_set():
        roll = rng.random()
        # SendMessage without a chat being handled, ExportChat without one handled
        # yet: GetChatList instead.
        if roll < 0.20 or (roll < 0.52 and not activity.active):
            found = await activity.call(
                "get_chat_list(open)", agent.get_chat_list(chat_type=ChatType.OPEN)
            )
            if found is not None:
                activity.saw(found.chats)
        elif roll < 0.32 or (roll < 0.62 and not activity.recent):
            found = await activity.call(
                "get_chat_list(unassigned)", agent.get_chat_list(chat_type=ChatType.UNASSIGNED)
            )
            if found is not None:
                activity.saw(found.chats)
        elif roll < 0.52:
            chat_id = rng.choice(sorted(activity.active))
            attachment = ATTACHMENT if rng.random() < 0.1 else None
            await activity.call(
                "send_message",
                agent.send_message(chat_id, rng.choice(TEXTS), attachment=attachment),
            )
        elif roll < 0.62:
            await activity.call("export_chat", agent.export_chat(rng.choice(activity.recent)))
        elif roll < 0.70:
            mobile = rng.choice(activity.mobiles) if activity.mobiles else "+27820000000"
            await activity.call("find_customer", agent.find_customer(mobile, False))
        elif roll < 0.80:
            await activity.call("get_department_list", agent.get_department_list())
        elif roll < 0.90:
            await activity.call("live_metrics", manager.live_metrics())
        elif roll < 0.95:
            await activity.call("data_insight", manager.data_insight("week"))
        else:
            await activity.call("get_settings", manager.get_settings())
        await pause(stop, rng.uniform(0, 2 * mean_pause))


async def soak(server: Server, config: Config, out: Path | None) -> dict[str, Any]:
    activity = Activity()
    log = CountingHandler()
    root = logging.getLogger()
    root.addHandler(log)
    root.setLevel(logging.WARNING)
    samples: list[dict[str, Any]] = []
    data: dict[str, Any] = {"config": asdict(config), **describe(server), "samples": samples}
    stop = anyio.Event()
    try:
        async with AsyncExitStack() as stack:
            clients = Clients(
                agent=await enter(stack, lambda: new_client(server, "agent", config), activity),
                manager=await enter(stack, lambda: new_client(server, "manager", config), activity),
            )
            started = anyio.current_time()

            def take() -> None:
                row = sample(anyio.current_time() - started, config, activity, clients, server, log)
                samples.append(row)
                print(progress(row), flush=True)
                if out is not None:
                    write_json(out, data)

            async with anyio.create_task_group() as tg:
                tg.start_soon(watch, clients.agent, activity, stop)
                tg.start_soon(work, clients.agent, activity, stop)
                tg.start_soon(janitor, clients.manager, activity, stop)
                for index in range(config.callers):
                    tg.start_soon(caller, index, clients, activity, stop, config.pause)
                take()
                next_at = started
                while True:
                    next_at = min(next_at + config.sample_seconds, started + config.seconds)
                    await anyio.sleep_until(next_at)
                    take()
                    if next_at >= started + config.seconds:
                        break
                stop.set()
                tg.cancel_scope.deadline = anyio.current_time() + GRACE
            wound_down = anyio.current_time() - started - config.seconds
            # Clients still open: what gc and malloc_trim give back was not live.
            gc.collect()
            before = proc_status_kb().get("VmRSS", 0)
            trimmed = malloc_trim()
            data["end"] = {
                "wind_down_s": round(wound_down, 1),
                "rss_before_trim_kb": before,
                "rss_after_gc_and_trim_kb": proc_status_kb().get("VmRSS", 0),
                "malloc_trim_released": trimmed,
                **malloc_info(),
                **pymalloc_info(),
                "tasks_open": len(asyncio.all_tasks()),
                "fds_open": count_entries("/proc/self/fd"),
            }
        data["end"].update(
            tasks_after_close=len(asyncio.all_tasks()),
            fds_after_close=count_entries("/proc/self/fd"),
            agent_stats=attrs.asdict(clients.agent.stats),
            manager_stats=attrs.asdict(clients.manager.stats),
            escaped=activity.escaped,
        )
    finally:
        root.removeHandler(log)
    data["summary"] = summarize(samples, config)
    if out is not None:
        write_json(out, data)
    return data


def describe(server: Server) -> dict[str, Any]:
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
            "system": platform.platform(),
            "python": platform.python_version(),
            "agentchat": getattr(agentchat, "__version__", "?"),
            "httpx": httpx.__version__,
            "aiohttp": _version("aiohttp"),
            "pyreqwest": _version("pyreqwest"),
            "commit": _git_describe(),
        },
        "server": server.kind,
        "faults": {
            "error_rates": {str(k): v for k, v in ERROR_RATES.items()},
            "retry_after": RETRY_AFTER,
            "drop_before": DROP_BEFORE,
            "drop_after": DROP_AFTER,
            "malformed": MALFORMED,
            "latency": LATENCY,
            "expire_every": EXPIRE_EVERY,
            "new_chat_interval": NEW_CHAT_INTERVAL,
        },
    }


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:  # noqa: BLE001 - not installed: nothing to report
        return None


def _git_describe() -> str | None:
    """The code measured: ``git describe --always --dirty`` of this checkout, if it is one."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
            cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=10,
            check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def progress(row: dict[str, Any]) -> str:
    py = f"{row['py_traced_kb'] / 1024:.1f}" if row["py_traced_kb"] is not None else "-"
    errors = sum(row["errors"].values())
    return (
        f"t={row['t_s'] / 60:6.2f} min  rss={row['rss_kb'] / 1024:6.1f} MB  py={py} MB  "
        f"blocks={row['allocated_blocks']}  objs={row['gc_objects']}  tasks={row['tasks']}  "
        f"fds={row['fds']}  calls={row['calls']}  errors={errors}  handled={row['handled']}  "
        f"secrets={row['secrets_scanned']}"
    )


# -- the summary -------------------------------------------------------------------------


def slope_mb_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, KiB) points, in MB (MiB) per minute."""
    if len(points) < 3:
        return None
    xs = [t / 60 for t, _ in points]
    ys = [kb / 1024 for _, kb in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def at_minute(
    samples: list[dict[str, Any]], minute: float, tolerance: float
) -> dict[str, Any] | None:
    """The sample nearest ``minute`` (within ``tolerance`` seconds), if the run got there."""
    target = minute * 60
    best = min(samples, key=lambda row: abs(row["t_s"] - target), default=None)
    if best is None or abs(best["t_s"] - target) > tolerance:
        return None
    return best


def _points(
    samples: list[dict[str, Any]], key: str, lo: float, hi: float
) -> list[tuple[float, float]]:
    return [
        (row["t_s"], float(row[key]))
        for row in samples
        if lo <= row["t_s"] <= hi and row.get(key) is not None
    ]


def summarize(samples: list[dict[str, Any]], config: Config) -> dict[str, Any]:
    if not samples:
        return {"verdict": "no samples"}
    end = samples[-1]["t_s"]
    tolerance = max(config.sample_seconds / 2, 1.0)
    columns: dict[str, dict[str, Any]] = {}
    for minute in MILESTONES:
        row = at_minute(samples, minute, tolerance)
        if row is not None and row is not samples[-1]:
            columns[f"{minute} min"] = row
    columns[f"end ({end / 60:.1f} min)"] = samples[-1]
    last_from = max(0.0, end - LAST_WINDOW_MIN * 60)
    slopes: dict[str, float | None] = {}
    for key in (
        "rss_kb", "py_traced_kb", "pymalloc_allocated_kb", "malloc_in_use_kb",
        "malloc_free_kb", "server_rss_kb",
    ):  # fmt: skip
        slopes[f"{key}_first_5_min"] = _round(
            slope_mb_per_min(_points(samples, key, 0, FIRST_WINDOW_MIN * 60))
        )
        slopes[f"{key}_last_15_min"] = _round(
            slope_mb_per_min(_points(samples, key, last_from, end))
        )
    last = slopes["rss_kb_last_15_min"]
    if last is None:
        verdict = "too few samples to judge"
    elif last < PLATEAU_SLOPE:
        verdict = "plateaus"
    else:
        verdict = "still rising"
    if end < 30 * 60:
        verdict += " (indicative only: the run is shorter than 30 min)"
    fields = (
        "rss_kb", "py_traced_kb", "allocated_blocks", "gc_objects", "pymalloc_arenas",
        "pymalloc_allocated_kb", "malloc_in_use_kb", "malloc_free_kb", "tasks", "fds",
        "threads", "secrets_scanned", "calls", "ok", "server_rss_kb", "sim_journal",
    )  # fmt: skip
    table = {
        name: {key: row.get(key) for key in fields if key in row}
        | {
            "errors": sum(row["errors"].values()),
            "t_s": row["t_s"],
        }
        for name, row in columns.items()
    }
    return {
        "minutes": round(end / 60, 2),
        "table": table,
        "slopes_mb_per_min": slopes,
        "errors_by_type": samples[-1]["errors"],
        "errors_by_call": samples[-1]["errors_by_call"],
        "verdict": verdict,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def render(summary: dict[str, Any], data: dict[str, Any]) -> str:
    table: dict[str, dict[str, Any]] = summary.get("table", {})
    names = list(table)
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("RSS, MB", lambda r: _mb(r.get("rss_kb"))),
        ("Python (tracemalloc), MB", lambda r: _mb(r.get("py_traced_kb"))),
        ("allocated blocks", lambda r: _int(r.get("allocated_blocks"))),
        ("gc objects", lambda r: _int(r.get("gc_objects"))),
        ("pymalloc allocated, MB", lambda r: _mb(r.get("pymalloc_allocated_kb"))),
        ("pymalloc arenas", lambda r: _int(r.get("pymalloc_arenas"))),
        ("malloc in use / free, MB", lambda r: (
            f"{_mb(r.get('malloc_in_use_kb'))}/{_mb(r.get('malloc_free_kb'))}"
        )),
        ("asyncio tasks", lambda r: _int(r.get("tasks"))),
        ("open fds", lambda r: _int(r.get("fds"))),
        ("threads", lambda r: _int(r.get("threads"))),
        ("secrets scanned", lambda r: _int(r.get("secrets_scanned"))),
        ("calls (errors)", lambda r: f"{_int(r.get('calls'))} ({_int(r.get('errors'))})"),
        ("server RSS, MB", lambda r: _mb(r.get("server_rss_kb"))),
    ]  # fmt: skip
    if any("sim_journal" in row for row in table.values()):
        rows.append(("simulator journal", lambda r: _int(r.get("sim_journal"))))
    width = max(len(label) for label, _ in rows)
    cells = [[fmt(table[name]) for name in names] for _, fmt in rows]
    col = max([len(n) for n in names] + [len(c) for row in cells for c in row])
    lines = [" " * width + "  " + "  ".join(f"{n:>{col}}" for n in names)]
    for (label, _), row in zip(rows, cells, strict=True):
        lines.append(f"{label:<{width}}  " + "  ".join(f"{c:>{col}}" for c in row))
    slopes = summary.get("slopes_mb_per_min", {})
    lines.append(
        f"RSS slope, MB/min: first 5 min {_slope(slopes.get('rss_kb_first_5_min'))}, "
        f"last 15 min {_slope(slopes.get('rss_kb_last_15_min'))}"
    )
    python = "py_traced_kb" if slopes.get("py_traced_kb_first_5_min") is not None else None
    python = python or "pymalloc_allocated_kb"
    lines.append(
        f"Python-level ({'tracemalloc' if python == 'py_traced_kb' else 'pymalloc allocated'}) "
        f"slope, MB/min: first 5 min {_slope(slopes.get(f'{python}_first_5_min'))}, "
        f"last 15 min {_slope(slopes.get(f'{python}_last_15_min'))}; last 15 min, malloc in "
        f"use {_slope(slopes.get('malloc_in_use_kb_last_15_min'))}, malloc free "
        f"{_slope(slopes.get('malloc_free_kb_last_15_min'))}"
    )
    end = data.get("end", {})
    if end:
        lines.append(
            f"at the end: RSS {_mb(end.get('rss_before_trim_kb'))} MB, after gc.collect() and "
            f"malloc_trim(0) {_mb(end.get('rss_after_gc_and_trim_kb'))} MB; tasks/fds open "
            f"{end.get('tasks_open')}/{end.get('fds_open')}, after the clients closed "
            f"{end.get('tasks_after_close')}/{end.get('fds_after_close')}"
        )
    lines.append(f"errors by type: {summary.get('errors_by_type')}")
    lines.append(f"verdict: {summary.get('verdict')}")
    return "\n".join(lines)


def _mb(kb: Any) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f}"


def _int(value: Any) -> str:
    return "-" if value is None else str(value)


def _slope(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


# -- the server --------------------------------------------------------------------------


def simulator_flags(seed: int) -> list[str]:
    flags = [
        "--seed", str(seed), "--latency", str(LATENCY),
        "--new-chat-interval", str(NEW_CHAT_INTERVAL), "--retry-after", str(RETRY_AFTER),
        "--drop-before", str(DROP_BEFORE), "--drop-after", str(DROP_AFTER),
        "--malformed", str(MALFORMED), "--expire-every", str(EXPIRE_EVERY),
    ]  # fmt: skip
    for status, p in ERROR_RATES.items():
        flags += ["--error-rate", f"*:{status}:{p}"]
    return flags


@contextlib.contextmanager
def process_server(seed: int) -> Iterator[Server]:
    """``python -m agentchat simulate`` with the faults, on a free 127.0.0.1 port."""
    command = [
        sys.executable, "-m", "agentchat", "simulate", "--host", "127.0.0.1", "--port", "0",
        *simulator_flags(seed),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        )
        try:
            assert process.stdout is not None
            lines = _lines(process.stdout)
            url = ""
            exported: dict[str, str] = {}
            wanted = {name for names in _ACCOUNTS.values() for name in names}
            deadline = time.monotonic() + SERVER_STARTUP_TIMEOUT
            while not (url and wanted <= exported.keys()):
                try:
                    line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise RuntimeError("the simulator did not start in time") from None
                if not line:
                    errors.seek(0)
                    tail = errors.read().decode("utf-8", "replace")[-2000:]
                    raise RuntimeError(f"the simulator exited ({process.poll()}): {tail}")
                if found := _URL.search(line):
                    url = found.group(1)
                elif found := _EXPORT.match(line.strip()):
                    exported[found.group(1)] = " ".join(shlex.split(found.group(2)))
            accounts = {
                role: (exported[email], exported[password])
                for role, (email, password) in _ACCOUNTS.items()
            }
            yield Server(url, "agentchat simulate (child process)", accounts, pid=process.pid)
            if process.poll() is not None:
                errors.seek(0)
                tail = errors.read().decode("utf-8", "replace")[-2000:]
                raise RuntimeError(f"the simulator died during the run: {tail}")
        finally:
            stop_process(process, 10)
            if process.stdout is not None:
                process.stdout.close()


def _lines(stream: IO[str]) -> queue.Queue[str]:
    """A pipe's lines, read by a daemon thread (readline cannot time out); "" at its end."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=read, name="soak-simulator-stdout", daemon=True).start()
    return lines


@contextlib.contextmanager
def thread_server(seed: int) -> Iterator[Server]:
    """The simulator in this process (``serve_in_thread``): its memory is in the RSS too."""
    from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

    sim = Simulator(
        SimulatorConfig(
            seed=seed,
            latency=LATENCY,
            new_chat_interval=NEW_CHAT_INTERVAL,
            faults=Faults(
                error_rates={"*": dict(ERROR_RATES)},
                retry_after=RETRY_AFTER,
                drop_before=DROP_BEFORE,
                drop_after=DROP_AFTER,
                malformed=MALFORMED,
                expire_every=EXPIRE_EVERY,
            ),
        )
    )
    accounts = {
        "agent": (sim.agent_email, sim.agent_password),
        "manager": (sim.manager_email, sim.manager_password),
    }
    with serve_in_thread(sim) as url:
        yield Server(url, "serve_in_thread (this process)", accounts, simulator=sim)


# -- the command ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=(__doc__ or "").split("\n\n")[0]
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, default=35.0, help="default: %(default)s")
    length.add_argument("--seconds", type=float, help="instead of --minutes (smoke runs)")
    parser.add_argument("--transport", choices=("httpx", "aiohttp", "pyreqwest"), default="httpx")
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--pause", type=float, default=CALLER_PAUSE, help="mean pause, seconds")
    parser.add_argument("--sample-seconds", type=float, default=30.0)
    parser.add_argument("--server", choices=("process", "thread"), default="process")
    parser.add_argument(
        "--tracemalloc", action="store_true",
        help="trace Python allocations too (costs CPU and RSS of its own; see above)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="write the samples and summary as JSON")
    parser.add_argument(
        "--summarize", type=Path, metavar="JSON",
        help="print the summary of a recorded run (its --out file) and exit",
    )  # fmt: skip
    return parser


def summarize_file(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8"))
    config = Config(**data["config"])
    data["summary"] = summarize(data["samples"], config)
    print(
        f"{path}: {config.seconds / 60:g} min, transport {config.transport}, "
        f"{config.callers} callers, server: {data['server']}, tracemalloc: {config.tracemalloc}"
    )
    print(render(data["summary"], data))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.summarize is not None:
        return summarize_file(args.summarize)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if seconds <= 0 or args.sample_seconds <= 0 or args.callers < 0 or args.pause < 0:
        print("the duration and --sample-seconds must be > 0", file=sys.stderr)
        return 2
    config = Config(
        seconds=seconds,
        transport=args.transport,
        callers=args.callers,
        sample_seconds=args.sample_seconds,
        server=args.server,
        tracemalloc=args.tracemalloc,
        pause=args.pause,
        seed=args.seed,
    )
    if config.tracemalloc:
        tracemalloc.start(1)
    start_server = process_server if config.server == "process" else thread_server
    with start_server(config.seed) as server:
        print(
            f"soak: {config.seconds / 60:g} min, transport {config.transport}, "
            f"{config.callers} callers, server: {server.kind} at {server.base_url}; "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}; Python-level memory: "
            f"{'tracemalloc' if config.tracemalloc else 'sys.getallocatedblocks()'}",
            flush=True,
        )
        data = anyio.run(soak, server, config, args.out, backend="asyncio")
    print(render(data["summary"], data))
    escaped = data.get("end", {}).get("escaped", [])
    for line in escaped:
        print(f"escaped: {line}", file=sys.stderr)
    return 1 if escaped or len(data["samples"]) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
