"""One AgentChat call in a fresh process, measured (for ``tests/reliability/test_hostile.py``).

::

    python -m tests.hostile_client --base-url http://127.0.0.1:PORT \\
        --transport httpx|aiohttp|pyreqwest --timeout 5 --call get_chat_list|send_message \\
        [--follow-redirects]

Enters ``AsyncAgentChat`` (keep-alive off), makes the one call, and prints ONE
line of JSON: ``outcome`` (the exception's class name, ``"ok"``, or ``"HUNG"``
when nothing came out within ``--bound`` seconds), ``message`` (``str(exc)``, cut
to 300 characters), ``elapsed`` (seconds, from building the client to the
outcome), ``peak_rss_mb`` (this process's peak resident set, VmHWM),
``ru_maxrss_mb`` (``getrusage``'s figure, which on Linux also counts the RSS of
the process that started this one) and ``wire``.

``--follow-redirects`` gives the client an ``httpx.AsyncClient(follow_redirects=True)``
of the caller's instead of ``--transport``: the client must still not follow.

The process's address space is capped (``--max-memory-mb``, 2 GiB), so an
unbounded read ends as ``MemoryError`` instead of taking the machine with it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Final

import anyio
import httpx

from agentchat import AsyncAgentChat
from agentchat._config import TransportName

__all__ = ["EMAIL", "PASSWORD", "main"]

EMAIL: Final = "agent@example.com"
#: The canary: must appear nowhere but in the AgentLogon body sent to the real server.
PASSWORD: Final = "pw-canary-7d1f0b6e93a2"
MESSAGE_CHARS: Final = 300


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.hostile_client")
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--transport", choices=["httpx", "aiohttp", "pyreqwest"], default="httpx")
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--call", choices=["get_chat_list", "send_message"], required=True)
    parser.add_argument("--follow-redirects", action="store_true")
    parser.add_argument("--bound", type=float, default=120.0, help="seconds before HUNG")
    parser.add_argument("--max-memory-mb", type=int, default=2048, help="RLIMIT_AS")
    return parser.parse_args(argv)


def wire_of(args: argparse.Namespace) -> str:
    return "httpx+follow_redirects" if args.follow_redirects else str(args.transport)


async def call(args: argparse.Namespace) -> None:
    """Enter the client and make the one call (raises whatever the client raises)."""
    transport: TransportName = args.transport
    async with AsyncExitStack() as stack:
        if args.follow_redirects:
            http = await stack.enter_async_context(httpx.AsyncClient(follow_redirects=True))
            client = AsyncAgentChat(
                EMAIL,
                PASSWORD,
                base_url=args.base_url,
                http_client=http,
                timeout=args.timeout,
                keep_alive_interval=None,
            )
        else:
            client = AsyncAgentChat(
                EMAIL,
                PASSWORD,
                base_url=args.base_url,
                transport=transport,
                timeout=args.timeout,
                keep_alive_interval=None,
            )
        chat = await stack.enter_async_context(client)
        if args.call == "get_chat_list":
            await chat.get_chat_list()
        else:
            await chat.send_message(chat_id=101, message_text="hi")


async def measure(args: argparse.Namespace) -> tuple[str, str, float]:
    """(outcome, message, elapsed) of one call, bounded by ``args.bound``."""
    outcome, message = "ok", ""
    begun = time.perf_counter()
    with anyio.move_on_after(args.bound) as scope:
        try:
            await call(args)
        except Exception as exc:  # noqa: BLE001 - what comes out is what is measured
            outcome, message = type(exc).__name__, str(exc)
    elapsed = time.perf_counter() - begun
    if scope.cancel_called:  # whatever came out, it came out only once cancelled
        after = f" (then {outcome}: {message})" if outcome != "ok" else ""
        outcome, message = "HUNG", f"no outcome after {args.bound:g} s{after}"
    return outcome, message, elapsed


def limit_memory(megabytes: int) -> None:
    limit = megabytes * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def peak_rss_mb() -> float:
    """This process's peak RSS in MB: VmHWM, its own since exec.

    ``ru_maxrss`` is not: on Linux it keeps the RSS of the process that forked
    it (here pytest's, tens to hundreds of MB) as a floor, across the exec.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    limit_memory(args.max_memory_mb)
    if args.transport != "httpx" and not args.follow_redirects:
        # The client imports aiohttp (pyreqwest) when it is entered: ~2 s when
        # every case starts at once on two cores. Imported here, off the clock.
        importlib.import_module(args.transport)
    begun = time.perf_counter()
    try:
        outcome, message, elapsed = anyio.run(measure, args, backend="asyncio")
    except BaseException as exc:  # noqa: BLE001 - a process-level outcome (MemoryError, a group)
        outcome, message = type(exc).__name__, str(exc)
        elapsed = time.perf_counter() - begun
    result = {
        "outcome": outcome,
        "message": message[:MESSAGE_CHARS],
        "elapsed": round(elapsed, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        # The figure asked for at first; a floor of the parent's RSS (see peak_rss_mb).
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "wire": wire_of(args),
    }
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
