"""Every benchmark, one after the other, then the targets of issues 7 and 11 judged.

    python -m benchmarks [--smoke] [--out benchmarks/results]   (what `make bench` runs)

1. ``load``: GetChatList and SendMessage at concurrency 1 to 5,000 over loopback
   against a server in its own process, for raw httpx, raw aiohttp and
   ``AsyncAgentChat`` on both transports (table, ratios, chart);
2. ``overhead``: the library's own cost per call, in µs, on an in-memory transport;
3. ``idle``: 1,000 idle sessions with keep-alive running: memory and CPU (before
   parsing, whose freed memory would hide the sessions' own in the RSS);
4. ``parsing``: 10,000 chats against ``json.loads``, 100,000 CSV rows against
   ``csv.reader``, with peak memory;
5. ``expiry``: one session expiry under 2,000 queued calls against the same
   queue without it, on both transports (issue 11's targets).

Results go to ``--out`` as JSON (and ``load.png``). The last table says, for each
target, the measured figure and whether it holds. ``--smoke`` runs everything
with tiny counts (what CI does, for correctness): its figures mean nothing and
no target is judged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from . import expiry, idle, load, overhead, parsing
from .chart import CellRecord

DEFAULT_OUT = Path(__file__).resolve().parent / "results"
#: Cells long enough that starting 5,000 callers is a small part of one.
LOAD_ARGS: Final = ["--duration", "5"]
#: 1,000 sessions on the default 60 s keep-alive interval, idle for two intervals.
IDLE_ARGS: Final = ["--sessions", "1000", "--keep-alive-interval", "60", "--idle-seconds", "120"]

#: A target's bound: its text (">= 0.9") and whether a measured value meets it.
Bound = tuple[str, Callable[[float], bool]]
Target = tuple[str, str, float | None, Bound]


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def targets(out: Path) -> list[Target]:
    """(what, measured as text, value, holds) for every target of issues 7 and 11."""
    found: list[Target] = []
    cells: list[CellRecord] = _read(out / "load.json")["cells"]
    # The load benchmark's own ratios, from the cells as recorded.
    by_level = {(r["op"], r["concurrency"]): r["ratios"] for r in load.ratios(cells)}
    to_httpx, to_aiohttp, no_cliff = load.RATIOS
    index = {(cell["client"], cell["op"], cell["concurrency"]): cell for cell in cells}
    levels = sorted({cell["concurrency"] for cell in cells})
    top = max(levels)
    for op in sorted({cell["op"] for cell in cells}):

        def ratio(name: str, c: int, o: str = op) -> float | None:
            return by_level.get((o, c), {}).get(name)

        found.append(
            (f"{op}: default transport / raw httpx at c=1", "x", ratio(to_httpx, 1), _at_least(0.9))
        )
        for c in [c for c in levels if c >= 100]:
            what = f"{op}: no cliff, default at c={c} / at c={load.CLIFF_BASE}"
            found.append((what, "x", ratio(no_cliff, c), _at_least(0.9)))
        cell = index.get(("agentchat-httpx", op, top))
        errors = None if cell is None else float(sum(cell["errors"].values()))
        found.append((f"{op}: default transport errors at c={top}", "", errors, _equal(0)))
        for c in (1, 100):
            what = f"{op}: aiohttp transport / raw aiohttp at c={c}"
            found.append((what, "x", ratio(to_aiohttp, c), _at_least(0.6)))
    for result in _read(out / "parsing.json")["results"]:
        what = f"{result['name']} ({result['items']:,}): library / {result['baseline']}"
        found.append((what, "x", result["ratio"], _at_most(result["target"])))
    idle_result = _read(out / "idle.json")["result"]
    found.append(
        (
            f"{idle_result['sessions']:,} idle sessions: CPU, % of one core",
            "%",
            idle_result["idle_cpu_percent"],
            _at_most(2.0),
        )
    )
    for result in _read(out / "expiry.json")["results"]:
        for target in result["targets"]:
            what = f"one expiry under a deep queue, {result['transport']}: {target['what']}"
            bound = target["bound"]
            limit = float(bound.split()[-1])
            check = _less_than(limit) if bound.startswith("<") else _equal(limit)
            found.append((what, "", float(target["measured"]), check))
    return found


def _less_than(bound: float) -> Bound:
    return f"< {bound:g}", lambda value: value < bound


def _at_least(bound: float) -> Bound:
    return f">= {bound:g}", lambda value: value >= bound


def _at_most(bound: float) -> Bound:
    return f"<= {bound:g}", lambda value: value <= bound


def _equal(bound: float) -> Bound:
    return f"= {bound:g}", lambda value: value == bound


def format_targets(found: list[Target]) -> str:
    width = max(len(what) for what, *_ in found)
    lines = [f"{'target':{width}}  {'bound':>7}  {'measured':>9}  holds"]
    for what, unit, value, (bound, holds) in found:
        shown = "-" if value is None else f"{value:.2f}{unit}"
        verdict = "MISSING" if value is None else ("yes" if holds(value) else "NO")
        lines.append(f"{what:{width}}  {bound:>7}  {shown:>9}  {verdict}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny counts, correctness only")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where results go")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    smoke = ["--smoke"] if args.smoke else []
    load_args = [] if args.smoke else LOAD_ARGS
    begun = time.perf_counter()
    steps: list[tuple[str, Callable[[list[str]], int], list[str]]] = [
        (
            "load",
            load.main,
            [*load_args, "--json", str(out / "load.json"), "--chart", str(out / "load.png")],
        ),
        ("overhead", overhead.main, ["--json", str(out / "overhead.json")]),
        # The default keep-alive interval, over two whole intervals.
        ("idle", idle.main, [*IDLE_ARGS, "--json", str(out / "idle.json")]),
        ("parsing", parsing.main, ["--json", str(out / "parsing.json")]),
        ("expiry", expiry.main, ["--transport", "both", "--out", str(out / "expiry.json")]),
    ]
    failed = []
    for name, run, arguments in steps:
        print(f"\n== {name} ==", flush=True)
        if run(smoke + arguments) != 0:
            failed.append(name)
    print(f"\n== targets ({time.perf_counter() - begun:.0f} s in all) ==")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    if args.smoke:
        print("smoke run: correctness only, no target judged")
        return 0
    print(format_targets(targets(out)))
    print(f"results and chart in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
