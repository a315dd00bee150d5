"""Many idle sessions in one process: memory per session and CPU while idle.

N ``AsyncAgentChat`` sessions (each with the HTTP client it creates itself) log
on to a local server running in *another* process, so the CPU measured here is
the client's alone. Then the process sits idle while every session's keep-alive
task runs, and the benchmark measures:

- the time to open (log on) all sessions, entered concurrently, each in its
  own task, at most ``--open-concurrency`` logons at a time;
- resident memory (VmRSS) before and after opening: total and per session;
- CPU time of the process over the idle window (no tracemalloc, no profiler
  running): ``cpu_seconds / wall_seconds * 100`` is the CPU % of one core, the
  figure with a target (under 2 % for 1,000 sessions);
- the KeepAlive calls made during the window, and from them what the default
  60 s interval implies (CPU per keep-alive x sessions / 60 s);
- the time to close (log off) every session.

Sessions opened together tick together: their KeepAlives come in bursts one
interval apart. The window starts half an interval off the bursts, so a window
of whole intervals (``--idle-seconds 20 --keep-alive-interval 5``, or ``120``
and ``60`` for the default interval) holds whole bursts.

``--client agentchat-aiohttp`` runs the sessions on ``transport="aiohttp"``;
``--client raw-httpx`` on bare ``httpx.AsyncClient`` clients (log on, a KeepAlive
every interval, log off), the floor to compare with. ``--gc-freeze`` calls
``gc.freeze()`` once the sessions are open. ``--profile`` adds a separate pass
that opens ``--profile-sessions`` sessions under tracemalloc, then again under
cProfile, and prints where a session's memory and its open and idle CPU go.

    .venv/bin/python -m benchmarks.idle [--sessions 1000] [--idle-seconds 20]
        [--keep-alive-interval 5] [--smoke] [--json PATH] [--profile]
        [--client agentchat|agentchat-aiohttp|raw-httpx] [--gc-freeze]

The server is ``benchmarks/server.py`` (``start_server_process()``) when it is
there, otherwise the library's simulator (``python -m agentchat simulate``) in a
subprocess; both listen on 127.0.0.1 only (``--server`` chooses).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gc
import importlib
import io
import json
import os
import platform
import pstats
import queue
import re
import resource
import shlex
import ssl
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any, Final, Protocol

import anyio
import httpx
from anyio.abc import TaskGroup

from agentchat import AsyncAgentChat

from .server import stop_process

#: How long the server process may take to start.
SERVER_STARTUP_TIMEOUT: Final = 30.0
#: File descriptors kept spare beyond one per session.
SPARE_FDS: Final = 256
#: Lines of profile output per table.
PROFILE_LINES: Final = 12

_SIMULATOR_URL: Final = re.compile(r"AgentChat simulator on (http://127\.0\.0\.1:\d+)")
#: The ``export AGENTCHAT_...=value`` lines ``agentchat simulate`` prints (values shell-quoted).
_SIMULATOR_EXPORT: Final = re.compile(r"export (AGENTCHAT_\w+)=(.*)$")


@dataclass(frozen=True)
class Server:
    base_url: str
    email: str
    password: str
    kind: str


@dataclass(frozen=True)
class Config:
    sessions: int
    idle_seconds: float
    keep_alive_interval: float
    open_concurrency: int
    close_concurrency: int
    open_timeout: float
    close_timeout: float
    client: str = "agentchat"
    gc_freeze: bool = False


@dataclass
class Result:
    sessions: int
    opened: int = 0
    closed: int = 0
    failures: list[str] = field(default_factory=list)
    open_seconds: float = 0.0
    close_seconds: float = 0.0
    rss_before_kb: int = 0
    rss_after_kb: int = 0
    idle_wall_seconds: float = 0.0
    idle_cpu_seconds: float = 0.0
    idle_user_seconds: float = 0.0
    idle_system_seconds: float = 0.0
    keep_alive_interval: float = 0.0
    keep_alives: int = 0
    keep_alives_total: int = 0
    keep_alive_failures: int = 0
    keep_alives_skipped: int = 0
    gc_collections: list[int] = field(default_factory=list)
    gc_seconds: float = 0.0
    align_seconds: float = 0.0

    @property
    def rss_per_session_kb(self) -> float:
        return (self.rss_after_kb - self.rss_before_kb) / max(self.opened, 1)

    @property
    def idle_cpu_percent(self) -> float:
        return self.idle_cpu_seconds / max(self.idle_wall_seconds, 1e-9) * 100

    @property
    def cpu_per_keep_alive_us(self) -> float | None:
        """Idle CPU per KeepAlive made (an upper bound: it includes the idle overhead)."""
        if self.keep_alives == 0:
            return None
        return self.idle_cpu_seconds / self.keep_alives * 1e6

    def implied_cpu_percent(self, interval: float) -> float | None:
        """CPU % of one core with one keep-alive per session every ``interval`` s."""
        per_call = self.cpu_per_keep_alive_us
        if per_call is None:
            return None
        return per_call / 1e6 * self.opened / interval * 100

    @property
    def ok(self) -> bool:
        return (
            not self.failures
            and self.opened == self.sessions
            and self.closed == self.sessions
            and self.keep_alive_failures == 0
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            rss_per_session_kb=round(self.rss_per_session_kb, 1),
            idle_cpu_percent=round(self.idle_cpu_percent, 3),
            cpu_per_keep_alive_us=self.cpu_per_keep_alive_us,
            implied_cpu_percent_at_60s=self.implied_cpu_percent(60.0),
            ok=self.ok,
        )
        return data


# -- the process ----------------------------------------------------------------


def vm_rss_kb() -> int:
    """This process's resident set (VmRSS) in KiB; 0 where /proc is not there."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def ensure_file_limit(needed: int) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to ``needed`` (at most the hard limit); (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- the server, in another process -----------------------------------------------


@contextlib.contextmanager
def bench_server() -> Iterator[Server]:
    """``benchmarks/server.py``'s server process."""
    module = importlib.import_module("benchmarks.server")
    with module.start_server_process() as base_url:
        url = str(base_url).rstrip("/")
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"benchmarks.server is not on loopback: {url!r}")
        email = str(getattr(module, "AGENT_EMAIL", "bench@example.com"))
        password = str(getattr(module, "AGENT_PASSWORD", "bench-password"))
        yield Server(url, email, password, "benchmarks.server")


@contextlib.contextmanager
def simulator_server() -> Iterator[Server]:
    """``python -m agentchat simulate`` on a free 127.0.0.1 port."""
    command = [sys.executable, "-m", "agentchat", "simulate", "--host", "127.0.0.1", "--port", "0"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    try:
        assert process.stdout is not None
        stdout = process.stdout
        lines: queue.Queue[str] = queue.Queue()

        def read_lines() -> None:  # a pipe's readline() cannot time out: a daemon thread
            for line in stdout:
                lines.put(line)
            lines.put("")

        threading.Thread(target=read_lines, daemon=True).start()
        url = ""
        exported: dict[str, str] = {}
        deadline = time.monotonic() + SERVER_STARTUP_TIMEOUT
        while not (url and {"AGENTCHAT_EMAIL", "AGENTCHAT_PASSWORD"} <= exported.keys()):
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("the simulator did not start in time") from None
            if not line:
                raise RuntimeError(f"the simulator exited ({process.poll()})")
            if found := _SIMULATOR_URL.search(line):
                url = found.group(1)
            elif found := _SIMULATOR_EXPORT.match(line.strip()):
                exported[found.group(1)] = " ".join(shlex.split(found.group(2)))
        email, password = exported["AGENTCHAT_EMAIL"], exported["AGENTCHAT_PASSWORD"]
        yield Server(url, email, password, "agentchat simulate")
    finally:
        stop_process(process, 10)
        if process.stdout is not None:
            process.stdout.close()


def has_bench_server() -> bool:
    try:
        module = importlib.import_module("benchmarks.server")
    except ImportError:
        return False
    return hasattr(module, "start_server_process")


@contextlib.contextmanager
def start_server(kind: str) -> Iterator[Server]:
    if kind == "bench" or (kind == "auto" and has_bench_server()):
        with bench_server() as server:
            yield server
    else:
        with simulator_server() as server:
            yield server


# -- the sessions ----------------------------------------------------------------


class Sessions:
    """N sessions, each held open in its own task until ``stop`` is set."""

    def __init__(self, chats: Sequence[Held], config: Config) -> None:
        self.chats = chats
        self.opened = 0
        self.closed = 0
        self.failures: list[str] = []
        self.all_opened = anyio.Event()  # every session opened, or failed to
        self.all_closed = anyio.Event()  # every session closed, or failed to
        self.stop = anyio.Event()
        self._open_gate = anyio.Semaphore(config.open_concurrency)
        self._close_gate = anyio.Semaphore(config.close_concurrency)
        self._open_settled = 0
        self._close_settled = 0

    def _settle_open(self) -> None:
        self._open_settled += 1
        if self._open_settled == len(self.chats):
            self.all_opened.set()

    def _settle_close(self) -> None:
        self._close_settled += 1
        if self._close_settled == len(self.chats):
            self.all_closed.set()

    async def hold(self, chat: Held) -> None:
        # Entered and left by hand: the open gate bounds the logon only, and the
        # client's task group is entered and left in this one task.
        try:
            async with self._open_gate:
                await chat.__aenter__()
        except Exception as exc:  # noqa: BLE001 - counted and reported, not fatal
            self.failures.append(f"open: {exc!r}")
            self._settle_open()
            self._settle_close()
            return
        self.opened += 1
        self._settle_open()
        try:
            await self.stop.wait()
            async with self._close_gate:
                await chat.__aexit__(None, None, None)
        except Exception as exc:  # noqa: BLE001 - counted and reported, not fatal
            self.failures.append(f"close: {exc!r}")
        except BaseException as exc:  # cancelled: leave at once (logoff is shielded, bounded)
            await chat.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        else:
            self.closed += 1
        self._settle_close()

    async def opened_within(self, seconds: float) -> None:
        """Wait until every session opened (or failed to); ``TimeoutError`` past ``seconds``."""
        with anyio.fail_after(seconds):
            await self.all_opened.wait()

    def keep_alive_counts(self) -> tuple[int, int, int]:
        """(KeepAlive calls made, ticks skipped, keep-alive failures) over all sessions."""
        done = skipped = failed = 0
        for chat in self.chats:
            stats = chat.stats
            done += stats.keep_alives
            skipped += stats.keep_alives_skipped
            failed += stats.keep_alive_failures
        return done, skipped, failed


def make_chats(server: Server, count: int, interval: float, client: str) -> list[Held]:
    """``client``: "agentchat" (the default transport), "agentchat-aiohttp" or "raw-httpx"."""
    if client == "raw-httpx":
        return [RawSession(server, interval) for _ in range(count)]
    options: dict[str, Any] = {"transport": "aiohttp"} if client == "agentchat-aiohttp" else {}
    return [
        AsyncAgentChat(
            server.email,
            server.password,
            base_url=server.base_url,
            keep_alive_interval=interval,
            **options,
        )
        for _ in range(count)
    ]


class KeepAliveStats(Protocol):
    @property
    def keep_alives(self) -> int: ...
    @property
    def keep_alives_skipped(self) -> int: ...
    @property
    def keep_alive_failures(self) -> int: ...


class Held(Protocol):
    """A session the benchmark holds open: ``AsyncAgentChat`` or ``RawSession``."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Any: ...

    @property
    def stats(self) -> KeepAliveStats: ...


@functools.cache
def _raw_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


class RawSession:
    """The floor: one session on raw httpx (log on, KeepAlive every interval, log off).

    What ``AsyncAgentChat`` would cost with no pipeline, session or task-group
    machinery of its own: one ``httpx.AsyncClient`` sharing one SSL context,
    idle connections kept past the interval, a plain sleep loop.
    """

    def __init__(self, server: Server, interval: float) -> None:
        self._server = server
        self._interval = interval
        self._http: httpx.AsyncClient | None = None
        self._task_group: TaskGroup | None = None
        self._params: dict[str, str] = {"Version": "1"}
        self.keep_alives = 0
        self.keep_alives_skipped = 0
        self.keep_alive_failures = 0

    @property
    def stats(self) -> KeepAliveStats:
        return self

    async def __aenter__(self) -> RawSession:
        http = httpx.AsyncClient(
            base_url=self._server.base_url,
            verify=_raw_ssl_context(),
            limits=httpx.Limits(keepalive_expiry=self._interval + 15.0),
            timeout=httpx.Timeout(30.0, connect=10.0),
        )
        try:
            body = {"EmailAddress": self._server.email, "Password": self._server.password}
            response = await http.post("/api/AgentLogon", params=self._params, json=body)
            response.raise_for_status()
            token = str(response.json()["SessionToken"])
            self._params = {"Version": "1", "SessionToken": token}
            self._task_group = anyio.create_task_group()
            await self._task_group.__aenter__()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await http.aclose()
            raise
        self._http = http
        self._task_group.start_soon(self._keep_alive, http)
        return self

    async def _keep_alive(self, http: httpx.AsyncClient) -> None:
        while True:
            await anyio.sleep(self._interval)
            try:
                response = await http.get("/api/KeepAlive", params=self._params)
                response.raise_for_status()
            except httpx.HTTPError:
                self.keep_alive_failures += 1
            else:
                self.keep_alives += 1

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        http, task_group, self._http, self._task_group = self._http, self._task_group, None, None
        if task_group is not None:
            task_group.cancel_scope.cancel()
            await task_group.__aexit__(None, None, None)
        if http is None:
            return
        with anyio.move_on_after(2.0, shield=True):
            with contextlib.suppress(httpx.HTTPError):
                await http.get("/api/AgentLogoff", params=self._params)
        with anyio.CancelScope(shield=True):
            await http.aclose()


async def warm_up(server: Server, config: Config) -> None:
    """A few sessions opened and closed, so one-time costs (imports, caches) are not counted."""
    async with contextlib.AsyncExitStack() as stack:
        for chat in make_chats(server, 3, config.keep_alive_interval, config.client):
            await stack.enter_async_context(chat)


async def measure(server: Server, config: Config) -> Result:
    result = Result(sessions=config.sessions, keep_alive_interval=config.keep_alive_interval)
    await warm_up(server, config)
    gc.collect()
    result.rss_before_kb = vm_rss_kb()
    chats = make_chats(server, config.sessions, config.keep_alive_interval, config.client)
    sessions = Sessions(chats, config)
    async with anyio.create_task_group() as tg:
        begun = time.perf_counter()
        for chat in sessions.chats:
            tg.start_soon(sessions.hold, chat)
        with anyio.move_on_after(config.open_timeout) as waited:
            await sessions.all_opened.wait()
        result.open_seconds = time.perf_counter() - begun
        if waited.cancelled_caught:
            sessions.failures.append(f"opening took over {config.open_timeout:g}s")
            tg.cancel_scope.cancel()
        else:
            gc.collect()
            result.rss_after_kb = vm_rss_kb()
            # Every session ticks ``interval`` after its logon: the ticks come in
            # bursts centred on the middle of the opening. The window starts half
            # an interval off them, so (for a window of whole intervals) it holds
            # whole bursts, not a fraction of one at each end.
            middle = begun + result.open_seconds / 2
            phase = (time.perf_counter() - middle) % config.keep_alive_interval
            result.align_seconds = (config.keep_alive_interval / 2 - phase) % (
                config.keep_alive_interval
            )
            await anyio.sleep(result.align_seconds)
            if config.gc_freeze:
                gc.freeze()  # the sessions' objects: out of every later collection
            try:
                await idle_window(sessions, config, result)
            finally:
                gc.unfreeze()
            begun = time.perf_counter()
            sessions.stop.set()
            with anyio.move_on_after(config.close_timeout) as waited:
                await sessions.all_closed.wait()
            result.close_seconds = time.perf_counter() - begun
            if waited.cancelled_caught:
                sessions.failures.append(f"closing took over {config.close_timeout:g}s")
                tg.cancel_scope.cancel()
    result.opened, result.closed = sessions.opened, sessions.closed
    result.failures = sessions.failures
    result.keep_alives_total, _, _ = sessions.keep_alive_counts()
    return result


class GCTimer:
    """Time spent in the garbage collector while the block runs (a ``gc.callbacks`` hook)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> None:
        gc.callbacks.append(self._callback)

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)


async def idle_window(sessions: Sessions, config: Config, result: Result) -> None:
    """Sit idle for the window; measure CPU (no tracing, no profiling) and keep-alives."""
    keep_alives, skipped, failures = sessions.keep_alive_counts()
    gc_before = [generation["collections"] for generation in gc.get_stats()]
    gc_timer = GCTimer()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = time.process_time(), time.perf_counter()
    with gc_timer:
        await anyio.sleep(config.idle_seconds)
    result.idle_cpu_seconds = time.process_time() - cpu
    result.idle_wall_seconds = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.gc_seconds = gc_timer.seconds
    result.idle_user_seconds = after.ru_utime - usage.ru_utime
    result.idle_system_seconds = after.ru_stime - usage.ru_stime
    result.gc_collections = [
        generation["collections"] - before
        for generation, before in zip(gc.get_stats(), gc_before, strict=True)
    ]
    keep_alives_after, skipped_after, failures_after = sessions.keep_alive_counts()
    result.keep_alives = keep_alives_after - keep_alives
    result.keep_alives_skipped = skipped_after - skipped
    result.keep_alive_failures = failures_after - failures


# -- the profile pass -------------------------------------------------------------


def _top_stats(profile: cProfile.Profile, sort: str) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(PROFILE_LINES)
    lines = out.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(line for line in lines[start:] if line.strip())


def _calls(profile: cProfile.Profile, function: str) -> int:
    """How many times ``function`` (a pstats function name) was called."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(int(entry[1]) for key, entry in stats.items() if key[2] == function)


async def profile(server: Server, config: Config) -> dict[str, Any]:
    """Where a session's memory and its open and idle CPU go, in two sub-passes.

    First the sessions are opened and closed under tracemalloc alone (memory per
    allocation site), then opened again under cProfile alone (opening, then the
    idle window), so neither tool's cost distorts the other's figures.
    """
    await warm_up(server, config)
    report: dict[str, Any] = {"sessions": config.sessions}
    per = config.sessions

    gc.collect()
    tracemalloc.start(1)  # one frame: "lineno" grouping needs no more, and is cheaper
    try:
        before = tracemalloc.take_snapshot()
        async with held_open(server, config) as sessions:
            begun = time.perf_counter()
            await sessions.opened_within(config.open_timeout)
            report["traced_open_seconds"] = time.perf_counter() - begun
            gc.collect()
            after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    skip = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(skip), after.filter_traces(skip)
    by_line = after.compare_to(before, "lineno")
    by_file = after.compare_to(before, "filename")
    report["traced_kb_per_session"] = sum(d.size_diff for d in by_line) / 1024 / per
    report["top_lines"] = [
        f"{d.size_diff / 1024 / per:9.1f} KiB/session {d.count_diff / per:7.1f} blocks  "
        f"{d.traceback[0].filename}:{d.traceback[0].lineno}"
        for d in by_line[:PROFILE_LINES]
    ]
    report["top_files"] = [
        f"{d.size_diff / 1024 / per:9.1f} KiB/session  {d.traceback[0].filename}"
        for d in by_file[:PROFILE_LINES]
    ]

    gc.collect()
    opening, idling = cProfile.Profile(), cProfile.Profile()
    opening.enable()
    async with held_open(server, config) as sessions:
        try:
            await sessions.opened_within(config.open_timeout)
        finally:
            opening.disable()
        keep_alives_before, _, _ = sessions.keep_alive_counts()
        idling.enable()
        try:
            await anyio.sleep(config.idle_seconds)
        finally:
            idling.disable()
        keep_alives, _, _ = sessions.keep_alive_counts()
        keep_alives -= keep_alives_before
    report["open_profile_cumulative"] = _top_stats(opening, "cumulative")
    report["open_profile_tottime"] = _top_stats(opening, "tottime")
    report["idle_profile_cumulative"] = _top_stats(idling, "cumulative")
    report["idle_profile_tottime"] = _top_stats(idling, "tottime")
    report["idle_connects"] = _calls(idling, "<method 'connect' of '_socket.socket' objects>")
    report["keep_alives"] = keep_alives
    report["failures"] = sessions.failures
    return report


@contextlib.asynccontextmanager
async def held_open(server: Server, config: Config) -> AsyncIterator[Sessions]:
    """``config.sessions`` sessions, each held in its own task; closed (bounded) on the way out."""
    chats = make_chats(server, config.sessions, config.keep_alive_interval, config.client)
    sessions = Sessions(chats, config)
    async with anyio.create_task_group() as tg:
        for chat in sessions.chats:
            tg.start_soon(sessions.hold, chat)
        try:
            yield sessions
        finally:
            sessions.stop.set()
            with anyio.move_on_after(config.close_timeout) as waited:
                await sessions.all_closed.wait()
            if waited.cancelled_caught:
                tg.cancel_scope.cancel()


def print_profile(report: dict[str, Any]) -> None:
    print(f"\nprofile of {report['sessions']} sessions (separate pass, tracemalloc + cProfile):")
    print(f"traced memory: {report['traced_kb_per_session']:.1f} KiB per session; top lines:")
    for line in report["top_lines"]:
        print("  " + line)
    print("top files:")
    for line in report["top_files"]:
        print("  " + line)
    print("\nopening, by cumulative time:\n" + report["open_profile_cumulative"])
    print("\nopening, by own time:\n" + report["open_profile_tottime"])
    idle = (
        f"\nidle window ({report['keep_alives']} keep-alives, "
        f"{report['idle_connects']} TCP connects)"
    )
    print(f"{idle}, by cumulative time:\n" + report["idle_profile_cumulative"])
    print(f"{idle}, by own time:\n" + report["idle_profile_tottime"])


# -- output ------------------------------------------------------------------------


def table(result: Result) -> str:
    def fmt(value: float | None, spec: str) -> str:
        return "-" if value is None else format(value, spec)

    rows = [
        ("sessions open / asked", f"{result.opened} / {result.sessions}"),
        ("open (log on) seconds", f"{result.open_seconds:.2f}"),
        (
            "RSS before / after open, MB",
            f"{result.rss_before_kb / 1024:.1f} / {result.rss_after_kb / 1024:.1f}",
        ),
        (
            "RSS per session, KB",
            # A handful of sessions is below the allocator's noise (can be negative).
            f"{result.rss_per_session_kb:.1f}" if result.sessions >= 100 else "n/a (too few)",
        ),
        (
            "idle window, s (wall; begun s after open)",
            f"{result.idle_wall_seconds:.2f} ({result.align_seconds:.2f})",
        ),
        (
            "idle CPU, s (user + sys)",
            f"{result.idle_cpu_seconds:.3f} "
            f"({result.idle_user_seconds:.2f} + {result.idle_system_seconds:.2f})",
        ),
        ("idle CPU, % of one core", f"{result.idle_cpu_percent:.2f}"),
        (
            f"keep-alives in window (every {result.keep_alive_interval:g}s)",
            f"{result.keep_alives} ({result.keep_alives_skipped} ticks skipped, "
            f"{result.keep_alive_failures} failed)",
        ),
        ("CPU per keep-alive, us (upper bound)", fmt(result.cpu_per_keep_alive_us, ".0f")),
        ("implied idle CPU % at the default 60s", fmt(result.implied_cpu_percent(60.0), ".2f")),
        (
            "gc in window: collections gen 0/1/2, seconds",
            f"{'/'.join(map(str, result.gc_collections))}, {result.gc_seconds:.3f}",
        ),
        ("close (log off) seconds", f"{result.close_seconds:.2f}"),
        ("sessions closed", str(result.closed)),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.idle", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    parser.add_argument("--keep-alive-interval", type=float, default=5.0)
    parser.add_argument("--open-concurrency", type=int, default=50, help="logons at a time")
    parser.add_argument("--close-concurrency", type=int, default=50, help="logoffs at a time")
    parser.add_argument("--open-timeout", type=float, default=None, help="bound on opening all")
    parser.add_argument("--close-timeout", type=float, default=None, help="bound on closing all")
    parser.add_argument(
        "--smoke", action="store_true",
        help="correctness only: 5 sessions, 1 s idle, keep-alive every 0.2 s",
    )  # fmt: skip
    parser.add_argument("--server", choices=("auto", "bench", "simulator"), default="auto")
    parser.add_argument(
        "--client", choices=("agentchat", "agentchat-aiohttp", "raw-httpx"), default="agentchat",
        help="agentchat-aiohttp: AsyncAgentChat(transport='aiohttp'); raw-httpx: the same "
        "sessions on bare httpx clients, the floor to compare with",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="add a tracemalloc/cProfile pass")
    parser.add_argument("--profile-sessions", type=int, default=100)
    parser.add_argument(
        "--gc-freeze", action="store_true",
        help="gc.freeze() once the sessions are open (what an application can do)",
    )  # fmt: skip
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.smoke:
        args.sessions, args.idle_seconds, args.keep_alive_interval = 5, 1.0, 0.2
    if args.sessions < 1 or args.idle_seconds <= 0 or args.keep_alive_interval <= 0:
        print("--sessions, --idle-seconds and --keep-alive-interval must be > 0", file=sys.stderr)
        return 2
    config = Config(
        sessions=args.sessions,
        idle_seconds=args.idle_seconds,
        keep_alive_interval=args.keep_alive_interval,
        open_concurrency=max(1, args.open_concurrency),
        close_concurrency=max(1, args.close_concurrency),
        open_timeout=args.open_timeout or 60.0 + 0.5 * args.sessions,
        close_timeout=args.close_timeout or 60.0 + 0.1 * args.sessions,
        client=args.client,
        gc_freeze=args.gc_freeze,
    )
    limit_before, limit = ensure_file_limit(
        max(args.sessions, args.profile_sessions if args.profile else 0) + SPARE_FDS
    )
    with start_server(args.server) as server:
        print(
            f"{platform.machine()} {os.cpu_count()} CPUs, {platform.python_implementation()} "
            f"{platform.python_version()}, httpx {httpx.__version__}; server: {server.kind} "
            f"at {server.base_url}; RLIMIT_NOFILE soft {limit_before} -> {limit}; "
            f"client: {config.client}{', gc.freeze()' if config.gc_freeze else ''}"
        )
        result = anyio.run(measure, server, config, backend="asyncio")
        print(table(result))
        for failure in result.failures[:10]:
            print(f"failure: {failure}", file=sys.stderr)
        data: dict[str, Any] = {
            "config": asdict(config),
            "server": server.kind,
            "python": platform.python_version(),
            "httpx": httpx.__version__,
            "result": result.as_dict(),
        }
        if args.profile:
            # Tracing makes everything several times slower: its own, wider bounds.
            profiled = Config(
                **{
                    **asdict(config),
                    "sessions": args.profile_sessions,
                    "open_timeout": 4 * (60.0 + 0.5 * args.profile_sessions),
                    "close_timeout": 4 * (60.0 + 0.1 * args.profile_sessions),
                }
            )
            report = anyio.run(profile, server, profiled, backend="asyncio")
            print_profile(report)
            data["profile"] = report
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
    if not result.ok or (args.smoke and result.keep_alives == 0):
        print("FAILED: not every session opened, kept alive and closed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
