"""Load benchmark: agentchat against raw httpx and aiohttp over real sockets, side by side.

A local HTTP/1.1 server (``benchmarks/server.py``) runs in a process of its own,
and so does each client: it logs on once and then runs, on its own asyncio event
loop, every cell this process asks of it, one at a time (the others wait, idle).
For each operation (GetChatList: a GET and a small JSON list; SendMessage: a POST
with a JSON body) and each concurrency level ``c``, the clients run the cell in
turn: ``c`` workers issue requests back to back (closed loop), each at least one,
until the cell's duration has passed. Each request is bounded by ``--timeout`` (a
timeout is an error, like any other exception, counted by type). Throughput is
the completed requests over the wall time from the start until the last request
in flight has finished; latency percentiles are over the completed requests.

A cell is bounded even when a client stops its event loop for seconds at a time
(raw httpx with thousands of queued requests does): one not done ``duration +
3 * timeout + 5`` seconds after it was asked for is abandoned, its process killed,
and what it had reported kept (the calls unfinished or not yet made count as
``Abandoned`` errors); a new process serves that client's next cell.

On Linux with two CPUs or more, the server runs on one CPU and every client
process on one other, the same for all: they take turns (``server.split_cpus``).
So were the issue's figures taken ("server on its own core"): left to the
scheduler, a client whose work spans two threads (pyreqwest's runtime and the
event loop) moved by up to 2x from one run to the next on the 2-core machine
the figures are recorded on. ``--no-pin`` leaves the placement to the
scheduler; the JSON results say which it was (``placement``).

Clients, each with 100 connections and the raw ones' requests written by hand:
``raw-httpx`` (an ``httpx.AsyncClient``), ``raw-httpx2`` (the same with
``httpx2``, the fork of httpx that openai-python and Anthropic's SDK moved to),
``raw-aiohttp`` (an ``aiohttp.ClientSession`` with its default connector),
``raw-pyreqwest`` (a ``pyreqwest.client.Client``, reqwest in Rust),
``agentchat-httpx`` (``AsyncAgentChat``, its default transport),
``agentchat-aiohttp`` (``transport="aiohttp"``) and ``agentchat-pyreqwest``
(``transport="pyreqwest"``). The order of the clients rotates from one level to
the next. httpx2 and pyreqwest have wheels for Python 3.11 and newer only: where
one is not installed its columns are skipped, with a note (and ``skipped`` in the
JSON results).

    python -m benchmarks.load [--smoke] [--duration 2] [--concurrency 1,10,100,1000,5000]
                              [--clients raw-httpx,...] [--json out.json] [--chart out.png]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import importlib.util
import json
import math
import os
import platform
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, TypedDict

import aiohttp
import httpx

from agentchat import AsyncAgentChat

from .chart import CellRecord, render
from .server import ROOT, package_version, pin, split_cpus, start_server_process

__all__ = ["CLIENTS", "OPS", "RATIOS", "RatioRecord", "main", "unavailable"]

OPS: Final = ("GetChatList", "SendMessage")
CLIENTS: Final = (
    "raw-httpx",
    "raw-httpx2",
    "raw-aiohttp",
    "raw-pyreqwest",
    "agentchat-httpx",
    "agentchat-aiohttp",
    "agentchat-pyreqwest",
)
#: The library's columns, by wire.
WIRES: Final = {
    "httpx": "agentchat-httpx",
    "aiohttp": "agentchat-aiohttp",
    "pyreqwest": "agentchat-pyreqwest",
}
#: Throughput ratios: (name, numerator, denominator), the denominator at the same
#: concurrency; "no cliff" is agentchat-httpx over itself at ``CLIFF_BASE``.
RATIO_PAIRS: Final = (
    ("agentchat-httpx/raw-httpx", "agentchat-httpx", "raw-httpx"),
    ("agentchat-httpx/raw-httpx2", "agentchat-httpx", "raw-httpx2"),
    ("agentchat-aiohttp/raw-aiohttp", "agentchat-aiohttp", "raw-aiohttp"),
    ("agentchat-pyreqwest/raw-aiohttp", "agentchat-pyreqwest", "raw-aiohttp"),
    ("agentchat-pyreqwest/raw-pyreqwest", "agentchat-pyreqwest", "raw-pyreqwest"),
)
RATIOS: Final = (*(name for name, _, _ in RATIO_PAIRS), "no cliff")
#: The module each client needs besides httpx and aiohttp (wheels for 3.11+ only).
NEEDS: Final = {
    "raw-httpx2": "httpx2",
    "raw-pyreqwest": "pyreqwest",
    "agentchat-pyreqwest": "pyreqwest",
}
DEFAULT_LEVELS: Final = (1, 10, 100, 1000, 5000)
SMOKE_LEVELS: Final = (1, 10)
CLIFF_BASE: Final = 10  # "no cliff": agentchat-httpx at c over itself at this c
POOL: Final = 100  # connections per client, the same for all four
WARMUP_CALLS: Final = 20  # sequential calls per client and operation before the first cell
PROGRESS_EVERY: Final = 0.5  # seconds between a client process's progress reports
EMAIL: Final = "bench@example.com"
PASSWORD: Final = "pw"  # noqa: S105 - the benchmark server accepts anything
CHAT_ID: Final = 123
MESSAGE: Final = {"ChatID": str(CHAT_ID), "MessageText": "hi"}

Call = Callable[[], Awaitable[object]]


class RatioRecord(TypedDict):
    op: str
    concurrency: int
    ratios: dict[str, float | None]  # keyed by RATIOS; None when a side is missing or zero


class BenchError(Exception):
    """A client could not be set up: the run cannot be compared, so it stops."""


if sys.version_info >= (3, 11):

    async def _bounded(call: Call, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await call()

else:

    async def _bounded(call: Call, timeout: float) -> None:
        await asyncio.wait_for(call(), timeout)


# -- the clients --------------------------------------------------------------


async def _raw_httpx(base_url: str, stack: AsyncExitStack, timeout: float) -> dict[str, Call]:
    return await _raw_httpx_api(httpx, base_url, stack, timeout)


async def _raw_httpx2(base_url: str, stack: AsyncExitStack, timeout: float) -> dict[str, Call]:
    """As ``_raw_httpx``, with httpx2 (its API is httpx's)."""
    import httpx2

    return await _raw_httpx_api(httpx2, base_url, stack, timeout)


async def _raw_httpx_api(
    module: Any, base_url: str, stack: AsyncExitStack, timeout: float
) -> dict[str, Call]:
    """The raw client of a package with httpx's API (``httpx``, ``httpx2``)."""
    http = await stack.enter_async_context(
        module.AsyncClient(
            limits=module.Limits(max_connections=POOL, max_keepalive_connections=POOL),
            # Generous, pool included: the per-request bound decides, as for the others.
            timeout=module.Timeout(2 * timeout),
        )
    )
    logon = await http.post(
        f"{base_url}/api/AgentLogon",
        params={"Version": "1"},
        json={"EmailAddress": EMAIL, "Password": PASSWORD},
    )
    logon.raise_for_status()
    params = {"Version": "1", "SessionToken": logon.json()["SessionToken"]}
    chats_url = f"{base_url}/api/GetChatList"
    send_url = f"{base_url}/api/SendMessage"

    async def logoff() -> None:
        await http.get(f"{base_url}/api/AgentLogoff", params=params)

    async def get_chat_list() -> object:
        response = await http.get(chats_url, params=params)
        response.raise_for_status()
        return response.json()

    async def send_message() -> object:
        response = await http.post(send_url, params=params, json=MESSAGE)
        response.raise_for_status()
        return response.json()

    stack.push_async_callback(logoff)
    return {"GetChatList": get_chat_list, "SendMessage": send_message}


async def _raw_aiohttp(base_url: str, stack: AsyncExitStack, timeout: float) -> dict[str, Call]:
    session = await stack.enter_async_context(
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2 * timeout))
    )
    credentials = {"EmailAddress": EMAIL, "Password": PASSWORD}
    async with session.post(
        f"{base_url}/api/AgentLogon", params={"Version": "1"}, json=credentials
    ) as logon:
        logon.raise_for_status()
        params = {"Version": "1", "SessionToken": (await logon.json())["SessionToken"]}
    chats_url = f"{base_url}/api/GetChatList"
    send_url = f"{base_url}/api/SendMessage"

    async def logoff() -> None:
        async with session.get(f"{base_url}/api/AgentLogoff", params=params) as response:
            await response.read()

    async def get_chat_list() -> object:
        async with session.get(chats_url, params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def send_message() -> object:
        async with session.post(send_url, params=params, json=MESSAGE) as response:
            response.raise_for_status()
            return await response.json()

    stack.push_async_callback(logoff)
    return {"GetChatList": get_chat_list, "SendMessage": send_message}


#: After closing a pyreqwest client, before the process may end: its runtime
#: thread can otherwise take the GIL of a finalizing interpreter (as the
#: library's pyreqwest wire does, ``agentchat._pyreqwest.SETTLE_AFTER_CLOSE``).
PYREQWEST_SETTLE: Final = 0.02


async def _raw_pyreqwest(base_url: str, stack: AsyncExitStack, timeout: float) -> dict[str, Call]:
    """pyreqwest's own async client (reqwest, in Rust), its defaults but the pool's size."""
    from pyreqwest.client import ClientBuilder

    stack.push_async_callback(asyncio.sleep, PYREQWEST_SETTLE)  # runs after the close below
    http = await stack.enter_async_context(
        ClientBuilder()
        .max_connections(POOL)
        .pool_max_idle_per_host(POOL)
        .timeout(timedelta(seconds=2 * timeout))
        .build()
    )
    credentials = {"EmailAddress": EMAIL, "Password": PASSWORD}
    logon = await (
        http.post(f"{base_url}/api/AgentLogon")
        .query({"Version": "1"})
        .body_json(credentials)
        .build()
        .send()
    )
    logon.error_for_status()
    params = {"Version": "1", "SessionToken": (await logon.json())["SessionToken"]}
    chats_url = f"{base_url}/api/GetChatList"
    send_url = f"{base_url}/api/SendMessage"

    async def logoff() -> None:
        response = await http.get(f"{base_url}/api/AgentLogoff").query(params).build().send()
        await response.bytes()

    async def get_chat_list() -> object:
        response = await http.get(chats_url).query(params).build().send()
        response.error_for_status()
        return await response.json()

    async def send_message() -> object:
        response = await http.post(send_url).query(params).body_json(MESSAGE).build().send()
        response.error_for_status()
        return await response.json()

    stack.push_async_callback(logoff)
    return {"GetChatList": get_chat_list, "SendMessage": send_message}


async def _agentchat(
    base_url: str, stack: AsyncExitStack, options: dict[str, Any]
) -> dict[str, Call]:
    chat = await stack.enter_async_context(
        AsyncAgentChat(EMAIL, PASSWORD, base_url=base_url, **options)
    )

    async def send_message() -> object:
        return await chat.send_message(CHAT_ID, "hi")

    return {"GetChatList": chat.get_chat_list, "SendMessage": send_message}


def unavailable(kind: str) -> str | None:
    """Why ``kind`` cannot run here (its package is not installed), or None."""
    module = NEEDS.get(kind)
    if module is None or importlib.util.find_spec(module) is not None:
        return None
    # Both have wheels for 3.11 and newer only: on 3.10 the bench extra leaves them out.
    version = platform.python_version()
    return (
        f"{module} is not installed (Python {version}; it needs 3.11 or newer "
        "and comes with the bench extra there)"
    )


async def open_client(
    kind: str, base_url: str, stack: AsyncExitStack, timeout: float
) -> dict[str, Call]:
    """Log ``kind`` on; its calls by operation. ``stack`` closes it (logoff included)."""
    missing = unavailable(kind)
    if missing is not None:
        raise BenchError(f"{kind}: {missing}")
    try:
        if kind == "raw-httpx":
            return await _raw_httpx(base_url, stack, timeout)
        if kind == "raw-httpx2":
            return await _raw_httpx2(base_url, stack, timeout)
        if kind == "raw-aiohttp":
            return await _raw_aiohttp(base_url, stack, timeout)
        if kind == "raw-pyreqwest":
            return await _raw_pyreqwest(base_url, stack, timeout)
        for wire, name in WIRES.items():
            if kind == name:
                # Named even for the default: AGENTCHAT_TRANSPORT would change the default.
                return await _agentchat(base_url, stack, {"transport": wire})
    except Exception as exc:
        raise BenchError(f"{kind} could not log on: {type(exc).__name__}: {exc}") from exc
    raise BenchError(f"unknown client {kind!r}")


# -- measuring (in the client's own process) --------------------------------------


@dataclass
class Tally:
    """What a closed loop has done so far."""

    latencies: list[float] = field(default_factory=list)
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    in_flight: int = 0
    #: Workers that are yet to make their first call.
    waiting: int = 0


async def _drive(
    call: Call,
    workers: int,
    *,
    duration: float,
    timeout: float,
    per_worker: int | None = None,
    tally: Tally | None = None,
) -> tuple[Tally, float]:
    """Closed loop: ``workers`` tasks call back to back, each at least once, until
    ``duration`` has passed (or each made ``per_worker`` calls). Returns the tally
    (latencies of completed calls, errors by type name) and the wall time until the
    last call finished."""
    tally = Tally() if tally is None else tally
    clock = time.perf_counter
    begun = clock()
    stop_at = begun + duration
    limit = per_worker if per_worker is not None else math.inf

    async def worker() -> None:
        tally.waiting -= 1
        made = 0
        # The first call is made however late the worker starts: when starting
        # thousands of calls is itself slow, all ``workers`` calls are still made.
        while made < limit and (made == 0 or clock() < stop_at):
            made += 1
            tally.in_flight += 1
            started = clock()
            try:
                await _bounded(call, timeout)
            except Exception as exc:  # noqa: BLE001 - every failure is a result, by its type
                tally.errors[type(exc).__name__] += 1
            except asyncio.CancelledError:
                tally.errors["StuckPastTimeout"] += 1  # cancelled by the guard below
                raise
            else:
                tally.latencies.append(clock() - started)
            finally:
                tally.in_flight -= 1

    tally.waiting += workers
    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    # Each call is bounded by ``timeout``; this bounds a client that ignores
    # cancellation (the parent's deadline bounds one that stops the event loop).
    grace = max(1.0, timeout)
    _, stuck = await asyncio.wait(tasks, timeout=duration + timeout + grace)
    if stuck:
        for task in stuck:
            task.cancel()
        await asyncio.wait(stuck, timeout=grace)
    return tally, clock() - begun


def _percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile of sorted values, in milliseconds."""
    if not ordered:
        return None
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return round(ordered[rank - 1] * 1000.0, 3)


async def run_cell(
    op: str, client: str, call: Call, concurrency: int, *, duration: float, timeout: float
) -> CellRecord:
    """One cell; while it runs, a progress line every ``PROGRESS_EVERY`` seconds."""
    # Unmeasured: enough concurrent calls to open the connections this level uses.
    await _drive(call, min(concurrency, POOL), duration=timeout, timeout=timeout, per_worker=2)
    gc.collect()
    tally = Tally()
    # A thread, not a task: it reports even while the client keeps the event loop busy.
    stop = threading.Event()
    reporter = threading.Thread(
        target=_report_progress, args=(tally, time.perf_counter(), stop), daemon=True
    )
    reporter.start()
    try:
        _, wall = await _drive(call, concurrency, duration=duration, timeout=timeout, tally=tally)
    finally:
        stop.set()
        reporter.join()
    latencies = sorted(tally.latencies)
    return CellRecord(
        op=op,
        client=client,
        concurrency=concurrency,
        completed=len(latencies),
        errors=dict(sorted(tally.errors.items())),
        wall_s=round(wall, 4),
        rps=round(len(latencies) / wall, 1) if wall > 0 else 0.0,
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
    )


def _report_progress(tally: Tally, begun: float, stop: threading.Event) -> None:
    """Tell the parent how far the cell got, in case it has to abandon it."""
    while not stop.wait(PROGRESS_EVERY):
        progress = {
            "completed": len(tally.latencies),
            "errors": dict(tally.errors),  # one C-level copy: atomic under the GIL
            "unfinished": tally.in_flight + tally.waiting,
            "elapsed_s": time.perf_counter() - begun,
        }
        _send({"progress": progress})


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _serve_cells(kind: str, base_url: str, timeout: float) -> int:
    """The child's side: log on, warm up, say ready, then run each cell asked on stdin."""
    async with AsyncExitStack() as stack:
        try:
            calls = await open_client(kind, base_url, stack, timeout)
        except BenchError as exc:
            _send({"error": str(exc)})
            return 2
        for call in calls.values():
            await _drive(call, 1, duration=timeout, timeout=timeout, per_worker=WARMUP_CALLS)
        _send({"ready": True})
        while True:
            # Read between cells only, so the thread never runs during a measurement.
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return 0  # the parent is done with us: log off and exit
            command = json.loads(line)
            cell = await run_cell(
                command["op"],
                kind,
                calls[command["op"]],
                int(command["concurrency"]),
                duration=float(command["duration"]),
                timeout=timeout,
            )
            _send({"cell": cell})


# -- running the clients (in the parent) -------------------------------------------


class ClientProcess:
    """One client kind in a child process, created once and reused by every cell.

    A client can stop its event loop for seconds at a time (httpx's pool does
    work proportional to queued requests times connections on every request), so
    no timeout inside its process can bound a cell. The parent bounds it: a cell
    that is not done ``duration + 3 * timeout + 5`` seconds after it was asked for
    is abandoned and the process killed (what it had reported counts; the calls
    unfinished or not yet made are ``Abandoned`` errors); the next cell starts a new
    process.
    """

    def __init__(self, kind: str, base_url: str, timeout: float, cpu: int | None = None) -> None:
        self.kind = kind
        self.base_url = base_url
        self.timeout = timeout
        self.cpu = cpu
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Spawn the process (logon and warm-up happen there); ``wait_ready`` waits."""
        warnings = [f"-W{option}" for option in sys.warnoptions]
        command = [sys.executable, *warnings, "-m", "benchmarks.load", "--worker", self.kind]
        command += ["--base-url", self.base_url, "--timeout", str(self.timeout)]
        if self.cpu is not None:
            command += ["--cpu", str(self.cpu)]
        self._lines = queue.Queue()
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        stdout = self._process.stdout
        assert stdout is not None
        lines = self._lines

        def read() -> None:
            for line in stdout:
                lines.put(line)
            lines.put(None)  # end of file: the process has exited

        self._reader = threading.Thread(target=read, name=f"{self.kind} reader", daemon=True)
        self._reader.start()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 3 * self.timeout + 10
        message = self._receive(deadline)
        if message is None or "ready" not in message:
            self.close()
            problem = message.get("error") if message else "did not start in time"
            raise BenchError(f"{self.kind}: {problem}")

    def run(self, op: str, concurrency: int, duration: float) -> CellRecord:
        if self._process is None:
            self.start()
            self.wait_ready()
        process = self._process
        assert process is not None
        assert process.stdin is not None
        asked = time.monotonic()
        command = {"op": op, "concurrency": concurrency, "duration": duration}
        with contextlib.suppress(OSError):  # it died: end of file follows at once
            process.stdin.write(json.dumps(command) + "\n")
            process.stdin.flush()
        deadline = asked + duration + 3 * self.timeout + 5
        progress: dict[str, Any] = {}
        while True:
            message = self._receive(deadline)
            if message is None:
                break
            if "cell" in message:
                cell: CellRecord = message["cell"]
                return cell
            progress = message.get("progress", progress)
        reason = "ProcessExited" if process.poll() is not None else "Abandoned"
        self.close(kill=True)  # a new process serves the next cell
        elapsed = time.monotonic() - asked
        return _abandoned(op, self.kind, concurrency, progress, elapsed, reason)

    def _receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message, or None when the deadline passed or the process exited."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                return None
            if line is None:
                return None
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not ours: something else printed to stdout
            if isinstance(message, dict):
                return message

    def close(self, wait: float = 5.0, *, kill: bool = False) -> None:
        """Let the process log off and exit (closing its stdin); kill it if it does not
        (or at once, with ``kill``)."""
        process, self._process = self._process, None
        if process is None:
            return
        if kill:
            process.kill()
        with contextlib.suppress(OSError):  # already gone: the pipe is broken
            if process.stdin is not None:
                process.stdin.close()
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(wait)
        if self._reader is not None:
            self._reader.join(wait)  # it has seen end of file by now
        if process.stdout is not None:
            process.stdout.close()


def _abandoned(
    op: str,
    client: str,
    concurrency: int,
    progress: dict[str, Any],
    elapsed: float,
    reason: str,
) -> CellRecord:
    """The record of a cell its process did not finish in time: what it had reported."""
    completed = int(progress.get("completed", 0))
    errors = collections.Counter({str(k): int(v) for k, v in progress.get("errors", {}).items()})
    errors[reason] += int(progress.get("unfinished", concurrency))
    wall = float(progress.get("elapsed_s", elapsed))
    return CellRecord(
        op=op,
        client=client,
        concurrency=concurrency,
        completed=completed,
        errors=dict(sorted(errors.items())),
        wall_s=round(elapsed, 4),
        rps=round(completed / wall, 1) if wall > 0 else 0.0,
        p50_ms=None,
        p99_ms=None,
    )


def run_all(
    base_url: str,
    *,
    clients: Sequence[str],
    ops: Sequence[str],
    levels: Sequence[int],
    duration: float,
    timeout: float,
    cpu: int | None = None,
) -> list[CellRecord]:
    """Every cell: operations, then levels, then the clients in turn (rotating);
    each client's process on ``cpu`` if given."""
    cells: list[CellRecord] = []
    with contextlib.ExitStack() as stack:
        processes = {kind: ClientProcess(kind, base_url, timeout, cpu) for kind in clients}
        for process in processes.values():
            stack.callback(process.close)
            process.start()  # all at once: they import and log on in parallel
        for process in processes.values():
            process.wait_ready()
        for op in ops:
            for index, level in enumerate(levels):
                shift = index % len(clients)
                for kind in [*clients[shift:], *clients[:shift]]:
                    cell = processes[kind].run(op, level, duration)
                    _progress(cell)
                    cells.append(cell)
    return cells


def _progress(cell: CellRecord) -> None:
    errors = sum(cell["errors"].values())
    print(
        f"  {cell['op']:<12} c={cell['concurrency']:<5} {cell['client']:<18} "
        f"{cell['rps']:>9,.0f} req/s  p99 {_ms(cell['p99_ms']):>8} ms  errors {errors}",
        file=sys.stderr,
        flush=True,
    )


# -- reporting ----------------------------------------------------------------


def _ratio(numerator: CellRecord | None, denominator: CellRecord | None) -> float | None:
    if numerator is None or denominator is None or denominator["rps"] <= 0:
        return None
    return numerator["rps"] / denominator["rps"]


def ratios(cells: Sequence[CellRecord]) -> list[RatioRecord]:
    index = {(c["op"], c["client"], c["concurrency"]): c for c in cells}
    records: list[RatioRecord] = []
    for op in dict.fromkeys(c["op"] for c in cells):
        for level in sorted({c["concurrency"] for c in cells if c["op"] == op}):

            def cell(client: str, c: int = level, o: str = op) -> CellRecord | None:
                return index.get((o, client, c))

            values = {name: _ratio(cell(top), cell(bottom)) for name, top, bottom in RATIO_PAIRS}
            values["no cliff"] = _ratio(
                cell("agentchat-httpx"), cell("agentchat-httpx", CLIFF_BASE)
            )
            records.append(RatioRecord(op=op, concurrency=level, ratios=values))
    return records


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def format_tables(cells: Sequence[CellRecord], ratio_records: Sequence[RatioRecord]) -> str:
    """Per operation: requests/s, then p50 / p99 latency (clients as columns), the
    errors by type, then the ratios (levels as columns)."""
    clients = list(dict.fromkeys(c["client"] for c in cells))
    index = {(c["op"], c["client"], c["concurrency"]): c for c in cells}
    lines: list[str] = []
    for op in dict.fromkeys(c["op"] for c in cells):
        levels = sorted({c["concurrency"] for c in cells if c["op"] == op})

        def rps(cell: CellRecord) -> str:
            return f"{cell['rps']:,.0f}"

        def latency(cell: CellRecord) -> str:
            return f"{_ms(cell['p50_ms'])} / {_ms(cell['p99_ms'])}"

        for title, shown, least in [
            ("requests/s", rps, 9),
            ("p50 / p99 latency, ms", latency, 15),
        ]:
            widths = {name: max(len(name), least) + 2 for name in clients}
            lines.append(f"{op}: {title}")
            lines.append(f"{'c':>6}" + "".join(f"{name:>{widths[name]}}" for name in clients))
            for level in levels:
                row = f"{level:>6}"
                for client in clients:
                    cell = index.get((op, client, level))
                    row += f"{'-' if cell is None else shown(cell):>{widths[client]}}"
                lines.append(row)
            lines.append("")
        failures = [
            f"  {client} at c={level}: "
            + ", ".join(f"{name} x{n}" for name, n in cell["errors"].items())
            for level in levels
            for client in clients
            if (cell := index.get((op, client, level))) is not None and cell["errors"]
        ]
        lines.append(f"{op}: errors" + ("" if failures else ": none"))
        lines.extend(failures)
        lines.append("")
        lines.append(
            f"{op}: ratios of throughput at the same c "
            f"('no cliff': agentchat-httpx at c / at c={CLIFF_BASE})"
        )
        mine = [record for record in ratio_records if record["op"] == op]
        width = max(len(name) for name in RATIOS) + 2
        lines.append(f"{'':{width}}" + "".join(f"{'c=' + str(r['concurrency']):>8}" for r in mine))
        for name in RATIOS:
            values = [record["ratios"].get(name) for record in mine]
            if all(value is None for value in values):
                continue  # a side not run (or skipped)
            lines.append(f"{name:{width}}" + "".join(f"{_times(v):>8}" for v in values))
        lines.append("")
    return "\n".join(lines)


def _meta(
    args: argparse.Namespace,
    levels: Sequence[int],
    elapsed: float,
    skipped: dict[str, str],
    placement: str,
) -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": {
            name: package_version(name)
            for name in (
                "agentchat-client",
                "httpx",
                "httpcore",
                "httpx2",
                "httpcore2",
                "aiohttp",
                "pyreqwest",
                "anyio",
            )
        },
        "clients": list(args.clients),
        "skipped": skipped,
        "duration_s": args.duration,
        "timeout_s": args.timeout,
        "levels": list(levels),
        "placement": placement,
        "smoke": args.smoke,
        "elapsed_s": round(elapsed, 1),
    }


# -- command line -------------------------------------------------------------


def _names(text: str, allowed: Sequence[str], what: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"{what} must be a comma-separated list of {', '.join(allowed)}; got {text!r}"
        )
    return list(dict.fromkeys(names))


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        levels = []
    if not levels or any(level < 1 for level in levels):
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,10,100; got {text!r}")
    return sorted(set(levels))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"correctness only: concurrency {','.join(map(str, SMOKE_LEVELS))}, 0.2 s per cell",
    )
    parser.add_argument("--duration", type=float, default=None, help="seconds per cell (2)")
    parser.add_argument(
        "--concurrency",
        type=_levels,
        default=None,
        help="comma-separated levels (1,10,100,1000,5000)",
    )
    parser.add_argument(
        "--clients",
        type=lambda text: _names(text, CLIENTS, "--clients"),
        default=list(CLIENTS),
        help=f"comma-separated, of {','.join(CLIENTS)}\n(all; those not installed are skipped)",
    )
    parser.add_argument(
        "--ops",
        type=lambda text: _names(text, OPS, "--ops"),
        default=list(OPS),
        help=f"comma-separated, of {','.join(OPS)} (both)",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    parser.add_argument("--chart", type=Path, default=None, help="draw a PNG chart here")
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="leave the server and the clients to the scheduler\n"
        "(default on Linux: the server on one CPU, the clients on another)",
    )
    # A client's own process (started by the parent): runs the cells asked on stdin.
    parser.add_argument("--worker", choices=CLIENTS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.worker is not None:
        if args.base_url is None:
            parser.error("--worker needs --base-url")
        pin(args.cpu)  # before the client starts any thread of its own
        return asyncio.run(_serve_cells(args.worker, args.base_url, args.timeout))
    if args.duration is None:
        args.duration = 0.2 if args.smoke else 2.0
    if args.duration <= 0 or args.timeout <= 0:
        parser.error("--duration and --timeout must be positive")
    levels: list[int] = args.concurrency or list(SMOKE_LEVELS if args.smoke else DEFAULT_LEVELS)
    skipped = {kind: why for kind in args.clients if (why := unavailable(kind)) is not None}
    for kind, why in skipped.items():
        print(f"load: {kind} skipped: {why}", file=sys.stderr, flush=True)
    args.clients = [kind for kind in args.clients if kind not in skipped]
    if not args.clients:
        print("load: no client can run here", file=sys.stderr)
        return 2
    cpus = None if args.no_pin else split_cpus()
    if cpus is None:
        placement = "left to the scheduler" + (" (--no-pin)" if args.no_pin else "")
    else:
        placement = f"server on CPU {cpus[0]}, each client on CPU {cpus[1]}"
    begun = time.perf_counter()
    print(
        f"load: {', '.join(args.clients)}; c={','.join(map(str, levels))}; "
        f"{args.duration} s per cell, {args.timeout} s per request; {placement}",
        file=sys.stderr,
        flush=True,
    )
    server_cpu, client_cpu = (None, None) if cpus is None else cpus
    try:
        with start_server_process(cpu=server_cpu) as base_url:
            cells = run_all(
                base_url,
                clients=args.clients,
                ops=args.ops,
                levels=levels,
                duration=args.duration,
                timeout=args.timeout,
                cpu=client_cpu,
            )
    except BenchError as exc:
        print(f"load: {exc} (leave it out with --clients)", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - begun
    ratio_records = ratios(cells)
    meta = _meta(args, levels, elapsed, skipped, placement)
    title = f"AgentChat load benchmark, {meta['python']}, {meta['cpus']} CPUs, {meta['date']}"
    print(title)
    print(
        f"closed loop, {args.duration} s per cell; latencies of completed requests; {placement}\n"
    )
    print(format_tables(cells, ratio_records))
    for kind, why in skipped.items():
        print(f"{kind}: skipped, {why}")
    print(f"total {elapsed:.1f} s")
    if args.json is not None:
        document = {"title": title, "meta": meta, "cells": cells, "ratios": ratio_records}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.chart is not None:
        render(cells, args.chart, title=title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
