"""One session expiry under a deep queue: the stall and the requests sent with a dead token.

``calls`` concurrent ``get_chat_list()`` calls are started at once on one
``AsyncAgentChat(max_concurrency=slots)``, against a server (in a process of its
own, so the client has the other core) that answers GetChatList after ``delay``
seconds. When a tenth of them have completed, the server expires the session
(every live token), and the queue goes on to the end. The same queue also runs
without the expiry, in the same run, as the baseline. For each transport:

- the total time with and without the expiry, and their ratio;
- the stall: the longest gap between two consecutive completions after the
  expiry (from the moment it was asked for), against the longest gap after the
  same point (a tenth done) in the baseline;
- the requests sent with the dead token: the 401s counted by the server (it
  judges the token when it answers, after the delay, so a request already on
  the wire when the session expires counts too), the logons, and the errors.

Targets (the issue): the stall under 1 s, fewer than ``2 x slots`` requests with
the dead token, and no error, on both transports. ``--smoke`` runs tiny counts
for correctness (CI): no target is judged.

    python -m benchmarks.expiry [--calls 2000] [--slots 10] [--delay 0.05]
                                [--transport httpx|aiohttp|both] [--smoke] [--out FILE.json]

The server is this module too (``--serve``, started by the run): stdlib asyncio
only, each logon adds a live token, ``POST /control/expire`` ends every live
token, ``GET /control/stats`` and ``POST /control/reset`` read and zero its counts.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import itertools
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs

import anyio
import httpx

import agentchat
from agentchat import AsyncAgentChat

from .server import ROOT, TOKEN_BYTES, _EndOfInput, _read_port, package_version, stop_process
from .server import _response as raw_response

__all__ = ["TRANSPORTS", "ExpiryServer", "Run", "main", "run_queue", "serve"]

Transport = Literal["httpx", "aiohttp"]
TRANSPORTS: Final[tuple[Transport, ...]] = ("httpx", "aiohttp")
EMAIL: Final = "agent@example.com"
PASSWORD: Final = "pw"  # noqa: S105 - the benchmark server accepts anything
CHATS: Final = [
    {"ChatID": str(100 + i), "CustomerName": f"Customer {i}", "Status": "unassigned"}
    for i in range(3)
]
EXPIRE_AT: Final = 0.1  # the fraction of the calls completed when the session expires
STALL_BOUND_S: Final = 1.0  # the target: the stall under this
DEAD_TOKEN_FACTOR: Final = 2  # the target: fewer than this many x slots requests with it
WARMUP_ROUNDS: Final = 2  # unmeasured: this many x slots calls open the connections
SMOKE: Final = {"calls": 100, "slots": 10, "delay": 0.005}


# -- the server (its own process) ----------------------------------------------


class ExpiryServer:
    """Logons add live tokens; GetChatList answers after ``delay``; counts everything."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.live: set[str] = set()
        self.handlers: set[asyncio.Task[None]] = set()
        self.reset()

    def reset(self) -> None:
        self.requests: collections.Counter[str] = collections.Counter()
        self.unauthorized = 0
        self.logons = 0
        self.logoffs = 0
        self.expiries = 0
        self.expired_tokens = 0
        self.in_flight = 0
        self.max_in_flight = 0

    def stats(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.requests.items())),
            "chat_list": self.requests["/api/GetChatList"],
            "unauthorized": self.unauthorized,
            "logons": self.logons,
            "logoffs": self.logoffs,
            "expiries": self.expiries,
            "expired_tokens": self.expired_tokens,
            "live_tokens": len(self.live),
            "max_in_flight": self.max_in_flight,
        }

    async def answer(self, method: str, target: str) -> tuple[int, object]:
        path, _, query = target.partition("?")
        token = parse_qs(query).get("SessionToken", [""])[0]
        if not path.startswith("/control/"):
            self.requests[path] += 1
        if (method, path) == ("POST", "/api/AgentLogon"):
            self.logons += 1
            fresh = secrets.token_hex(TOKEN_BYTES)
            self.live.add(fresh)
            return 200, {"SessionToken": fresh, "AgentID": 1, "Name": "Bench"}
        if (method, path) == ("GET", "/api/GetChatList"):
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                await asyncio.sleep(self.delay)
            finally:
                self.in_flight -= 1
            # Judged when answering: a request on the wire at the expiry meets it.
            return (200, CHATS) if token in self.live else self._unauthorized()
        if (method, path) in {("GET", "/api/KeepAlive"), ("GET", "/api/AgentLogoff")}:
            if token not in self.live:
                return self._unauthorized()
            if path == "/api/AgentLogoff":
                self.logoffs += 1
                self.live.discard(token)
            return 200, {}
        if (method, path) == ("POST", "/control/expire"):
            self.expiries += 1
            self.expired_tokens += len(self.live)
            self.live.clear()
            return 200, self.stats()
        if (method, path) == ("POST", "/control/reset"):
            self.reset()
            return 200, self.stats()
        if (method, path) == ("GET", "/control/stats"):
            return 200, self.stats()
        return 404, {"Message": "no such endpoint"}

    def _unauthorized(self) -> tuple[int, object]:
        self.unauthorized += 1
        return 401, {"Message": "Session expired"}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One keep-alive connection: one request at a time, each answered in one write."""
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, length, keep_alive = _parse_head(head[:-4])
                if length:
                    await reader.readexactly(length)
                status, payload = await self.answer(method, target)
                writer.write(_response(status, payload, keep_alive=keep_alive))
                await writer.drain()
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # the client went away, or sent what this server does not take
        except ValueError:
            with suppress(ConnectionError):
                writer.write(_response(400, {"Message": "malformed request"}, keep_alive=False))
        finally:
            self.handlers.discard(task)
            writer.close()


def _parse_head(head: bytes) -> tuple[str, str, int, bool]:
    """``(method, target, content length, keep-alive)``; ``ValueError`` if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ")
    keep_alive = version == "HTTP/1.1"
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            keep_alive = value != "close" if value in {"close", "keep-alive"} else keep_alive
        elif name == "transfer-encoding":
            raise ValueError("chunked bodies are not supported")
    return method, target, length, keep_alive


def _response(status: int, payload: object, *, keep_alive: bool) -> bytes:
    return raw_response(status, json.dumps(payload).encode(), keep_alive=keep_alive)


async def serve(host: str, port: int, delay: float) -> None:
    """Serve until SIGTERM, SIGINT or the end of stdin (the parent's pipe closed)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with suppress(NotImplementedError):  # Windows: Ctrl-C ends asyncio.run instead
            loop.add_signal_handler(signum, stop.set)
    state = ExpiryServer(delay)
    server = await asyncio.start_server(state.handle, host, port, backlog=4096)
    watch, _ = await loop.connect_read_pipe(lambda: _EndOfInput(stop), sys.stdin)
    try:
        sys.stdout.write(f"PORT {server.sockets[0].getsockname()[1]}\n")
        sys.stdout.flush()
        await stop.wait()
    finally:
        server.close()
        watch.close()
        for task in list(state.handlers):
            task.cancel()
        await asyncio.gather(*state.handlers, return_exceptions=True)
        await asyncio.wait_for(server.wait_closed(), 5.0)


@contextmanager
def start_server_process(delay: float, host: str = "127.0.0.1") -> Iterator[str]:
    """``python -m benchmarks.expiry --serve`` in a child process; yields its base URL."""
    command = [sys.executable, "-m", "benchmarks.expiry", "--serve", "--host", host]
    command += ["--delay", repr(delay)]
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as process:
        try:
            yield f"http://{host}:{_read_port(process, 15.0)}"
        finally:
            stop_process(process, 5.0)


# -- the client (this process) -------------------------------------------------


@dataclass
class Run:
    """One queue of ``calls``, with or without the expiry; times in seconds."""

    transport: str
    expire: bool
    calls: int
    completed: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    total_s: float = 0.0
    #: Completed when the expiry was asked for (the baseline: when a tenth were).
    completed_at_mark: int = 0
    mark_s: float = 0.0  # since the start
    expire_round_trip_s: float | None = None
    #: The longest gap between consecutive completions after the mark (from it).
    longest_gap_s: float = 0.0
    longest_gap_begins_s: float = 0.0  # since the mark
    #: The longest gap over the whole queue (from the start).
    longest_gap_whole_s: float = 0.0
    relogons: int = 0
    server: dict[str, Any] = field(default_factory=dict)

    @property
    def unauthorized(self) -> int:
        return int(self.server.get("unauthorized", 0))

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _longest_gap(since: float, times: Sequence[float]) -> tuple[float, float]:
    """The longest gap in ``since`` then ``times`` (sorted), and when it began."""
    points = [since, *sorted(t for t in times if t >= since)]
    gaps = [(later - earlier, earlier - since) for earlier, later in itertools.pairwise(points)]
    return max(gaps, default=(0.0, 0.0))


async def _control(control: httpx.AsyncClient, method: str, what: str) -> dict[str, Any]:
    response = await control.request(method, f"/control/{what}")
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _client(base_url: str, transport: Transport, slots: int) -> AsyncAgentChat:
    return AsyncAgentChat(
        EMAIL,
        PASSWORD,
        base_url=base_url,
        max_concurrency=slots,
        transport=transport,
        keep_alive_interval=None,
    )


async def warm_up(base_url: str, transport: Transport, slots: int) -> None:
    """Unmeasured: a logon and ``WARMUP_ROUNDS x slots`` calls (imports, first connections)."""
    async with _client(base_url, transport, slots) as chat, anyio.create_task_group() as tg:
        for _ in range(WARMUP_ROUNDS * slots):
            tg.start_soon(chat.get_chat_list)


async def run_queue(
    base_url: str,
    control: httpx.AsyncClient,
    *,
    transport: Transport,
    calls: int,
    slots: int,
    expire: bool,
    bound: float,
) -> Run:
    """``calls`` concurrent calls at once; with ``expire``, the session ends a tenth of the way."""
    await _control(control, "POST", "reset")
    run = Run(transport=transport, expire=expire, calls=calls)
    finished: list[float] = []
    errors: collections.Counter[str] = collections.Counter()
    mark = max(1, round(calls * EXPIRE_AT))
    reached = anyio.Event()
    gc.collect()
    async with _client(base_url, transport, slots) as chat:

        async def call() -> None:
            try:
                await chat.get_chat_list()
            except Exception as exc:  # noqa: BLE001 - every failure is a result, by its type
                errors[type(exc).__name__] += 1
            else:
                finished.append(anyio.current_time())
            if len(finished) + errors.total() >= mark:
                reached.set()

        async def at_mark() -> None:
            await reached.wait()
            run.mark_s = anyio.current_time() - begun
            run.completed_at_mark = len(finished)
            if expire:
                await _control(control, "POST", "expire")
                run.expire_round_trip_s = anyio.current_time() - begun - run.mark_s

        begun = anyio.current_time()
        with anyio.move_on_after(bound):
            async with anyio.create_task_group() as tg:
                tg.start_soon(at_mark)
                for _ in range(calls):
                    tg.start_soon(call)
        ended = anyio.current_time()
        run.relogons = chat.stats.relogons
    unfinished = calls - len(finished) - errors.total()
    if unfinished:
        errors[f"Unfinished after {bound:g} s"] += unfinished
    run.completed = len(finished)
    run.errors = dict(sorted(errors.items()))
    run.total_s = ended - begun
    run.longest_gap_s, run.longest_gap_begins_s = _longest_gap(begun + run.mark_s, finished)
    run.longest_gap_whole_s = _longest_gap(begun, finished)[0]
    run.server = await _control(control, "GET", "stats")
    return run


async def measure(
    base_url: str, transports: Sequence[Transport], *, calls: int, slots: int, bound: float
) -> list[Run]:
    """For each transport: warm up, the queue without the expiry, then with it."""
    runs: list[Run] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as control:
        for transport in transports:
            await warm_up(base_url, transport, slots)
            for expire in (False, True):
                run = await run_queue(
                    base_url,
                    control,
                    transport=transport,
                    calls=calls,
                    slots=slots,
                    expire=expire,
                    bound=bound,
                )
                runs.append(run)
                print(f"  {_row(run)}", flush=True)
    return runs


# -- the report ----------------------------------------------------------------


def comparisons(runs: Sequence[Run], slots: int) -> list[dict[str, Any]]:
    """Per transport: the expiry against the baseline, and the targets judged."""
    found = []
    for transport in dict.fromkeys(run.transport for run in runs):
        base = next(r for r in runs if r.transport == transport and not r.expire)
        hit = next(r for r in runs if r.transport == transport and r.expire)
        bound = DEAD_TOKEN_FACTOR * slots
        targets = [
            _target("stall after the expiry, s", f"< {STALL_BOUND_S:g}", hit.longest_gap_s,
                    hit.longest_gap_s < STALL_BOUND_S),
            _target("requests with the dead token (401s)", f"< {bound}", hit.unauthorized,
                    hit.unauthorized < bound),
            _target("errors (both queues)", "= 0", base.error_count + hit.error_count,
                    base.error_count + hit.error_count == 0),
        ]  # fmt: skip
        found.append(
            {
                "transport": transport,
                "total_s": round(hit.total_s, 3),
                "baseline_total_s": round(base.total_s, 3),
                "ratio": round(hit.total_s / base.total_s, 3) if base.total_s else None,
                "stall_s": round(hit.longest_gap_s, 3),
                "baseline_longest_gap_s": round(base.longest_gap_s, 3),
                "dead_token_requests": hit.unauthorized,
                "logons": hit.server.get("logons"),
                "baseline_logons": base.server.get("logons"),
                "errors": base.error_count + hit.error_count,
                "targets": targets,
                "holds": all(t["holds"] for t in targets),
            }
        )
    return found


def _target(what: str, bound: str, measured: float, holds: bool) -> dict[str, Any]:
    return {"what": what, "bound": bound, "measured": measured, "holds": holds}


def _row(run: Run) -> str:
    gap = f"{run.longest_gap_s:.3f} (+{run.longest_gap_begins_s:.2f})"
    queue = "expiry" if run.expire else "baseline"
    return (
        f"{run.transport:<8} {queue:<9}{run.total_s:>9.2f} {run.completed_at_mark:>7,}"
        f" {gap:>17} {run.longest_gap_whole_s:>10.3f}"
        f" {run.unauthorized:>6,} {run.server.get('logons', 0):>7} {run.relogons:>9}"
        f" {run.server.get('max_in_flight', 0):>7} {run.error_count:>7}"
    )


#: Per queue: completed when the session expired (or a tenth had, in the baseline),
#: the longest gap after that (+ when it began), the longest of the whole queue,
#: the server's counts (401s, logons, the most GetChatList held at once), errors.
HEADER: Final = (
    f"{'':<8} {'queue':<9}{'total s':>9} {'at mark':>7} {'gap after mark':>17} {'gap, all':>10}"
    f" {'401s':>6} {'logons':>7} {'relogons':>9} {'in-fl.':>7} {'errors':>7}"
)


def format_report(found: Sequence[dict[str, Any]], *, judged: bool) -> str:
    """The expiry against the baseline per transport, then the targets (unless a smoke run)."""
    lines = [
        f"{'transport':<10}{'total s':>9}{'baseline s':>12}{'ratio':>8}{'stall s':>9}"
        f"{'baseline gap s':>16}{'401s':>6}{'logons':>8}{'errors':>8}"
    ]
    for item in found:
        ratio = "-" if item["ratio"] is None else f"{item['ratio']:.2f}x"
        lines.append(
            f"{item['transport']:<10}{item['total_s']:>9.2f}{item['baseline_total_s']:>12.2f}"
            f"{ratio:>8}{item['stall_s']:>9.3f}{item['baseline_longest_gap_s']:>16.3f}"
            f"{item['dead_token_requests']:>6,}{item['logons']:>8}{item['errors']:>8}"
        )
    lines.append("")
    if not judged:
        lines.append("smoke run: correctness only, no target judged")
        return "\n".join(lines)
    lines.append(f"{'target':<50} {'bound':>6} {'measured':>9}  holds")
    for item in found:
        for target in item["targets"]:
            measured = target["measured"]
            shown = f"{measured:.3f}" if isinstance(measured, float) else f"{measured:,}"
            what = f"{item['transport']}: {target['what']}"
            lines.append(
                f"{what:<50} {target['bound']:>6} {shown:>9}  {'yes' if target['holds'] else 'NO'}"
            )
    return "\n".join(lines)


def _code() -> dict[str, Any]:
    """Which ``agentchat`` ran: its file, and the commit of the tree it came from."""
    where = Path(agentchat.__file__).resolve().parent
    code: dict[str, Any] = {"file": str(where), "version": agentchat.__version__}
    git = ["git", "-C", str(where)]
    with suppress(OSError, subprocess.SubprocessError):
        head = subprocess.run(  # noqa: S603 - git, fixed arguments
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(  # noqa: S603 - git, fixed arguments
            [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True, check=True
        ).stdout.strip()
        code["commit"] = head + (" + uncommitted changes" if changed else "")
    return code


def _meta(elapsed: float) -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "agentchat": _code(),
        "versions": {name: package_version(name) for name in ("httpx", "aiohttp", "anyio")},
        "elapsed_s": round(elapsed, 1),
    }


# -- command line ----------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument("--calls", type=int, default=None, help="queued calls (2000)")
    parser.add_argument("--slots", type=int, default=None, help="max_concurrency (10)")
    parser.add_argument("--delay", type=float, default=None, help="server seconds per call (0.05)")
    parser.add_argument("--transport", choices=[*TRANSPORTS, "both"], default="both", help="(both)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="correctness only: {calls} calls, {slots} slots, {delay} s; no target judged".format(
            **SMOKE
        ),
    )
    parser.add_argument("--out", type=Path, default=None, help="write the results here (JSON)")
    parser.add_argument(
        "--bound", type=float, default=None, help="seconds a queue may take (20x its ideal, >= 60)"
    )
    # The server's own process (started by the run).
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    defaults = SMOKE if args.smoke else {"calls": 2000, "slots": 10, "delay": 0.05}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.serve:
        asyncio.run(serve(args.host, args.port, args.delay))
        return 0
    if args.calls < 10 or args.slots < 1 or args.delay < 0:
        parser.error("--calls must be at least 10, --slots at least 1, --delay not negative")
    transports = [t for t in TRANSPORTS if args.transport in (t, "both")]
    ideal = args.calls * args.delay / args.slots
    bound = args.bound if args.bound is not None else max(60.0, 20 * ideal)
    print(
        f"{args.calls:,} calls behind max_concurrency={args.slots},"
        f" server {args.delay * 1000:g} ms, one expiry at {EXPIRE_AT:.0%} completed;"
        f" agentchat from {_code()['file']}",
        flush=True,
    )
    print(HEADER, flush=True)
    begun = time.perf_counter()
    with start_server_process(args.delay) as base_url:
        runs = anyio.run(
            lambda: measure(base_url, transports, calls=args.calls, slots=args.slots, bound=bound),
            backend="asyncio",
        )
    found = comparisons(runs, args.slots)
    print()
    print(format_report(found, judged=not args.smoke))
    if args.out is not None:
        report = {
            "config": {
                "calls": args.calls,
                "slots": args.slots,
                "delay_s": args.delay,
                "transports": transports,
                "expire_at": EXPIRE_AT,
                "bound_s": bound,
                "smoke": args.smoke,
            },
            "meta": _meta(time.perf_counter() - begun),
            "runs": [
                {**asdict(run), "unauthorized": run.unauthorized, "error_count": run.error_count}
                for run in runs
            ],
            "results": found,
            "judged": not args.smoke,
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"results in {args.out}")
    return 1 if any(run.error_count for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
