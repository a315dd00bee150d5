"""Per-call overhead of the library's pipeline against raw httpx, side by side, in µs.

Every client talks to the same in-memory ``httpx.MockTransport`` (no sockets), so
what differs is only what each does per call. Four measurements, rounds
alternating so machine noise hits all alike:

- ``raw httpx``: ``client.get(url, params=...)`` and ``json.loads``, by hand;
- ``pipeline only``: ``AsyncAgentChat``'s request path without structuring
  (limiter, token injection, retry bookkeeping, the wire, status handling);
- ``+ JSON decode``: the same and the body decoded;
- ``get_chat_list()``: the whole method: validation, the pipeline, decoding and
  structuring into typed models;
- ``json.loads only`` and ``no wire``: the body decoded by hand, against the
  whole method on a wire with no HTTP stack (it answers at once, bounds its
  attempts itself and no instrumentation sees it, like the pyreqwest wire):
  the library's own cost per call, whatever the wire;
- ``json.loads, 1,000 at once`` and ``no wire, 1,000 at once``: the same with
  1,000 callers at once on a wire that yields once per request, so that all
  but the pool's 100 wait for a slot: the library's own cost per queued call.

The differences are the library's own cost per call; ``--profile`` prints where
the whole method spends its time (cProfile, top functions).

    python -m benchmarks.overhead [--calls 3000] [--rounds 5] [--profile] [--smoke]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import anyio
import httpx

from agentchat import AsyncAgentChat
from agentchat._response import decode
from agentchat._routes import GET_CHAT_LIST
from agentchat._wire import Reply

BASE_URL = "http://127.0.0.1:9"
TOKEN = "bench-token-0000000000000000"  # noqa: S105 - a fake server's token
CHATS = json.dumps(
    [{"ChatID": str(100 + i), "CustomerName": f"Customer {i}", "Status": "open"} for i in range(3)]
).encode()


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/AgentLogon":
        return httpx.Response(200, json={"SessionToken": TOKEN})
    if request.url.path == "/api/GetChatList":
        return httpx.Response(200, content=CHATS, headers={"Content-Type": "application/json"})
    return httpx.Response(200)


Step = Callable[[], Awaitable[object]]


async def _timed(calls: int, step: Step) -> float:
    begun = time.perf_counter()
    for _ in range(calls):
        await step()
    return time.perf_counter() - begun


async def raw_httpx(calls: int) -> float:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        params = {"Version": "1", "SessionToken": TOKEN}

        async def step() -> object:
            response = await http.get(BASE_URL + "/api/GetChatList", params=params)
            response.raise_for_status()
            return json.loads(response.content)

        return await _timed(calls, step)


def _library() -> AsyncAgentChat:
    return AsyncAgentChat(
        "bench@example.com",
        "bench-password",
        base_url=BASE_URL,
        transport=httpx.MockTransport(handler),
        keep_alive_interval=None,
    )


async def pipeline_only(calls: int) -> float:
    async with _library() as chat:
        return await _timed(calls, lambda: chat._send(GET_CHAT_LIST))


async def pipeline_and_decode(calls: int) -> float:
    async with _library() as chat:

        async def step() -> object:
            return decode(GET_CHAT_LIST, await chat._send(GET_CHAT_LIST))

        return await _timed(calls, step)


async def whole_method(calls: int) -> float:
    async with _library() as chat:
        return await _timed(calls, chat.get_chat_list)


class _NullWire:
    """A wire with no HTTP stack: every request gets the chat list at once."""

    bounds_attempt = True  # nothing to bound: no cancel scope per attempt
    instrumentable = False  # no generic instrumentation sees it

    async def send(self, *_: object) -> Reply:
        return Reply(200, "OK", {"Content-Type": "application/json"}, CHATS)


class _YieldingWire(_NullWire):
    """The same, but each request lets the other callers run once, as a network would."""

    async def send(self, *_: object) -> Reply:
        await anyio.lowlevel.checkpoint()
        return await super().send()


#: Callers at once in the queued measures: ten times the default pool of 100.
QUEUED: Final = 1000


async def _at_once(calls: int, step: Step) -> float:
    """``calls`` calls by ``QUEUED`` callers at once (each at least one)."""
    each = max(1, calls // QUEUED)

    async def caller() -> None:
        for _ in range(each):
            await step()

    begun = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for _ in range(QUEUED):
            tg.start_soon(caller)
    return (time.perf_counter() - begun) * calls / (each * QUEUED)


async def json_only(calls: int) -> float:
    async def step() -> object:
        return json.loads(CHATS)

    return await _timed(calls, step)


async def _on(wire: _NullWire, run: Callable[[int, Step], Awaitable[float]], calls: int) -> float:
    """``get_chat_list()`` made ``calls`` times by ``run``, on ``wire`` once logged on."""
    async with _library() as chat:
        pipeline = chat._core.pipeline
        assert pipeline is not None  # the client is open
        pipeline.http = wire  # logged on: every call from here on
        return await run(calls, chat.get_chat_list)


async def no_wire(calls: int) -> float:
    return await _on(_NullWire(), _timed, calls)


async def json_queued(calls: int) -> float:
    async def step() -> object:
        await anyio.lowlevel.checkpoint()
        return json.loads(CHATS)

    return await _at_once(calls, step)


async def no_wire_queued(calls: int) -> float:
    return await _on(_YieldingWire(), _at_once, calls)


MEASURES: dict[str, Callable[[int], Awaitable[float]]] = {
    "raw httpx": raw_httpx,
    "pipeline only": pipeline_only,
    "+ JSON decode": pipeline_and_decode,
    "get_chat_list()": whole_method,
    "json.loads only": json_only,
    "no wire": no_wire,
    "json.loads, 1,000 at once": json_queued,
    "no wire, 1,000 at once": no_wire_queued,
}


def measure(calls: int, rounds: int) -> dict[str, float]:
    """Median µs per call of each measure, over ``rounds`` alternating rounds."""
    times: dict[str, list[float]] = {name: [] for name in MEASURES}
    for _ in range(rounds):
        for name, run in MEASURES.items():
            times[name].append(anyio.run(run, calls))
    return {name: statistics.median(t) / calls * 1e6 for name, t in times.items()}


def format_table(us: dict[str, float]) -> str:
    raw = us["raw httpx"]
    lines = [f"{'':26} {'µs/call':>9} {'vs raw httpx':>13}"]
    for name, value in us.items():
        lines.append(f"{name:26} {value:9.1f} {value - raw:+12.1f}")
    lines.append(
        f"structuring into models: {us['get_chat_list()'] - us['+ JSON decode']:+.1f} µs/call; "
        f"library/raw-httpx throughput {raw / us['get_chat_list()']:.2f}x"
    )
    own = us["no wire"] - us["json.loads only"]
    lines.append(f"the library's own cost per call, wire excluded: {own:.1f} µs over json.loads")
    queued = us["no wire, 1,000 at once"] - us["json.loads, 1,000 at once"]
    lines.append(f"the same with 1,000 callers queued for 100 slots: {queued:.1f} µs")
    return "\n".join(lines)


def profile(calls: int, top: int = 20) -> str:
    profiler = cProfile.Profile()
    anyio.run(whole_method, min(calls, 200))  # warm up
    profiler.enable()
    anyio.run(whole_method, calls)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the method")
    parser.add_argument("--smoke", action="store_true", help="tiny counts, correctness only")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    if args.smoke:
        args.calls, args.rounds = 20, 1
    if args.calls < 1 or args.rounds < 1:
        parser.error("--calls and --rounds must be positive")
    us = measure(args.calls, args.rounds)
    print(
        f"overhead: {platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {args.rounds} rounds x {args.calls} calls, "
        "in-memory transport"
    )
    print(format_table(us))
    if args.profile:
        print(profile(args.calls))
    if args.json is not None:
        result: dict[str, Any] = {"calls": args.calls, "rounds": args.rounds, "us_per_call": us}
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
