"""Fleet mode: N processes of one agent, with and without a shared session store.

    python -m benchmarks.fleet [--processes 4] [--calls 300] [--out FILE]

Starts ``redis-server`` (on a free loopback port; it must be installed: ``make
test`` installs it) and a simulator that keeps one session per agent, then runs
``--processes`` members (``benchmarks/fleet_member.py``, each a process of its
own) twice: logging on by themselves, then sharing ``RedisStore``. Each member
makes ``--calls`` GetChatList calls, then stays idle ``--hold`` seconds with a
``--keep-alive`` interval. Prints, per run: logons the server saw, re-logons,
errors, KeepAlive calls while idle, and the wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread

ROOT = Path(__file__).resolve().parent.parent


def run_fleet(args: argparse.Namespace, store: str) -> dict[str, Any]:
    """One run: a fresh simulator, ``args.processes`` members; what the server saw."""
    sim = Simulator(SimulatorConfig(one_session_per_agent=True))
    with serve_in_thread(sim) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCHAT_")}
        env |= sim.environment(url)
        command = [sys.executable, "-m", "benchmarks.fleet_member", "--store", store]
        command += ["--calls", str(args.calls), "--hold", str(args.hold)]
        command += ["--keep-alive", str(args.keep_alive)]
        started = time.perf_counter()
        members = [
            subprocess.Popen(  # noqa: S603 - our own interpreter and module
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(args.processes)
        ]
        results = []
        for member in members:
            stdout, _ = member.communicate(timeout=600)
            results.append(json.loads(stdout.strip().splitlines()[-1]))
        took = time.perf_counter() - started
        return {
            "store": "redis" if store else "none",
            "processes": args.processes,
            "calls": args.calls * args.processes,
            "done": sum(r["done"] for r in results),
            "errors": sum(sum(r["errors"].values()) for r in results),
            "logons": sim.logon_count(sim.agent_email),
            "relogons": sum(r["relogons"] for r in results),
            "keep_alives": sim.requests["KeepAlive"],
            "seconds": round(took, 2),
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--hold", type=float, default=3.0)
    parser.add_argument("--keep-alive", type=float, default=0.5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.redis_server import RedisServer

    with RedisServer() as redis:
        rows = [run_fleet(args, ""), run_fleet(args, redis.url)]
    header = list(rows[0])
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(str(row[key]) for key in header) + " |")
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
