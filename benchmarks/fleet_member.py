"""One member of a fleet, as a process of its own: ``python -m benchmarks.fleet_member``.

It logs on as one agent (``AGENTCHAT_*``), through a session store if
``--store`` names one, makes ``--calls`` GetChatList calls (``--concurrency`` at
a time) and prints one JSON line: calls that succeeded, errors by class, and the
client's counters. ``--hold`` keeps the block open that many seconds after the
calls (keep-alive ticks). Used by ``benchmarks/fleet.py`` and ``tests/test_fleet_redis.py``.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from collections.abc import Sequence

import anyio

from agentchat import AgentChatError, AsyncAgentChat, RedisStore


async def run(args: argparse.Namespace) -> dict[str, object]:
    errors: collections.Counter[str] = collections.Counter()
    done = 0
    limit = anyio.Semaphore(args.concurrency)

    async def one(chat: AsyncAgentChat) -> None:
        nonlocal done
        async with limit:
            try:
                await chat.get_chat_list(chat_type="open")
            except AgentChatError as exc:
                errors[type(exc).__name__] += 1
            else:
                done += 1

    options: dict[str, object] = {"max_retries": 5, "transport": args.transport}
    if args.store:
        options["session_store"] = RedisStore(args.store, lock_timeout=args.lock_timeout)
    if args.keep_alive is not None:
        options["keep_alive_interval"] = args.keep_alive
    async with AsyncAgentChat(**options) as chat:  # type: ignore[arg-type]
        print(json.dumps({"entered": True}), flush=True)
        async with anyio.create_task_group() as group:
            for _ in range(args.calls):
                group.start_soon(one, chat)
        await anyio.sleep(args.hold)
        stats = chat.stats
    return {
        "done": done,
        "errors": dict(errors),
        "logons": stats.logons,
        "relogons": stats.relogons,
        "keep_alives": stats.keep_alives,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fleet_member")
    parser.add_argument("--store", default="")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--keep-alive", type=float, default=None)
    parser.add_argument("--lock-timeout", type=float, default=30.0)
    parser.add_argument("--transport", choices=["httpx", "aiohttp", "pyreqwest"], default="httpx")
    args = parser.parse_args(argv)
    result = anyio.run(run, args)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
