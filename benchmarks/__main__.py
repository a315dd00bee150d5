"""Every benchmark, one after the other, then the targets of issues 7, 11 and 15 judged.

    python -m benchmarks [--smoke] [--out benchmarks/results]   (what `make bench` runs)
    python -m benchmarks --judge --out DIR    (judge results already there, run nothing)

1. ``load``: GetChatList and SendMessage at concurrency 1 to 5,000 over loopback
   against a server in its own process, for raw httpx, httpx2, aiohttp and
   pyreqwest and ``AsyncAgentChat`` on its three transports (table, ratios,
   chart; httpx2 and pyreqwest need Python 3.11+, and are skipped without them);
2. ``overhead``: the library's own cost per call, in µs, on an in-memory transport;
3. ``idle``: 1,000 idle sessions with keep-alive running: memory and CPU (before
   parsing, whose freed memory would hide the sessions' own in the RSS);
4. ``parsing``: 10,000 chats against ``json.loads``, 100,000 CSV rows against
   ``csv.reader``, with peak memory;
5. ``expiry``: one session expiry under 2,000 queued calls against the same
   queue without it, on both transports (issue 11's targets).

Results go to ``--out`` as JSON (and ``load.png``). The last table says, for each
target, the measured figure and whether it holds (a target whose client was
skipped is left out, with a note); then which wire the figures say to pick.
``--smoke`` runs everything with tiny counts (what CI does, for correctness): its
figures mean nothing and no target is judged.
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
from .load import WIRES

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


def _read_if_there(path: Path, default: Any) -> Any:
    """A result that ``--judge`` may lack (only the load benchmark was run)."""
    return _read(path) if path.exists() else default


#: The results ``targets`` reads besides ``load.json``; ``--judge`` goes without them.
OTHER_RESULTS: Final = ("idle.json", "parsing.json", "expiry.json")


def targets(out: Path) -> list[Target]:
    """(what, unit, value, bound) for every target of issues 7, 11 and 15.

    A load target whose client was skipped (not installed) is left out:
    ``skipped_targets`` says which.
    """
    found: list[Target] = []
    load_result = _read(out / "load.json")
    cells: list[CellRecord] = load_result["cells"]
    skipped = set(load_result.get("meta", {}).get("skipped", {}))
    # The load benchmark's own ratios, from the cells as recorded.
    by_level = {(r["op"], r["concurrency"]): r["ratios"] for r in load.ratios(cells)}
    index = {(cell["client"], cell["op"], cell["concurrency"]): cell for cell in cells}
    levels = sorted({cell["concurrency"] for cell in cells})
    top = max(levels)
    for op in sorted({cell["op"] for cell in cells}):

        def ratio(name: str, c: int, o: str = op) -> float | None:
            return by_level.get((o, c), {}).get(name)

        def add(what: str, name: str, c: int, bound: Bound, o: str = op) -> None:
            if not skipped & set(name.split("/")):
                found.append((f"{o}: {what}", "x", ratio(name, c), bound))

        def errors(client: str, c: int, o: str = op) -> float | None:
            cell = index.get((client, o, c))
            return None if cell is None else float(sum(cell["errors"].values()))

        # Issue 7.
        add("default transport / raw httpx at c=1", "agentchat-httpx/raw-httpx", 1, _at_least(0.9))
        for c in [c for c in levels if c >= 100]:
            what = f"no cliff, default at c={c} / at c={load.CLIFF_BASE}"
            add(what, "no cliff", c, _at_least(0.9))
        found.append(
            (f"{op}: default transport errors at c={top}", "", errors(WIRES["httpx"], top), ZERO)
        )
        for c in (1, 100):
            what = f"aiohttp transport / raw aiohttp at c={c}"
            add(what, "agentchat-aiohttp/raw-aiohttp", c, _at_least(0.6))
        # Issue 15.
        for c in (100, 1000):
            what = f"pyreqwest transport / raw aiohttp at c={c}"
            add(what, "agentchat-pyreqwest/raw-aiohttp", c, _at_least(1.2))
            what = f"pyreqwest transport / raw pyreqwest at c={c} (moonshot)"
            add(what, "agentchat-pyreqwest/raw-pyreqwest", c, _at_least(0.8))
        for c in (1, 100):
            what = f"aiohttp transport / raw aiohttp at c={c} (issue 15)"
            add(what, "agentchat-aiohttp/raw-aiohttp", c, _at_least(0.8))
        add("default transport / raw httpx2 at c=100", "agentchat-httpx/raw-httpx2", 100,
            _at_least(1.5))  # fmt: skip
        for wire in ("aiohttp", "pyreqwest"):
            if WIRES[wire] not in skipped:
                what = f"{op}: {wire} transport errors at c={top}"
                found.append((what, "", errors(WIRES[wire], top), ZERO))
    for result in _read_if_there(out / "parsing.json", {"results": []})["results"]:
        what = f"{result['name']} ({result['items']:,}): library / {result['baseline']}"
        found.append((what, "x", result["ratio"], _at_most(result["target"])))
    idle_result = _read_if_there(out / "idle.json", {}).get("result")
    if idle_result is not None:
        found.append(
            (
                f"{idle_result['sessions']:,} idle sessions: CPU, % of one core",
                "%",
                idle_result["idle_cpu_percent"],
                _at_most(2.0),
            )
        )
    for result in _read_if_there(out / "expiry.json", {"results": []})["results"]:
        for target in result["targets"]:
            what = f"one expiry under a deep queue, {result['transport']}: {target['what']}"
            bound = target["bound"]
            limit = float(bound.split()[-1])
            check = _less_than(limit) if bound.startswith("<") else _equal(limit)
            found.append((what, "", float(target["measured"]), check))
    return found


def skipped_targets(out: Path) -> list[str]:
    """A note for each load client that was skipped, and each result that is not
    there: their targets are not judged."""
    meta = _read(out / "load.json").get("meta", {})
    notes = [
        f"{client} skipped ({why}): its targets are not judged"
        for client, why in meta.get("skipped", {}).items()
    ]
    notes += [
        f"no {name} in {out}: its targets are not judged"
        for name in OTHER_RESULTS
        if not (out / name).exists()
    ]
    return notes


def pick_wire(out: Path) -> str:
    """Which wire to pick, from the load figures, and for what besides speed."""
    load_result = _read(out / "load.json")
    cells: list[CellRecord] = load_result["cells"]
    skipped = load_result.get("meta", {}).get("skipped", {})
    measured = [wire for wire, client in WIRES.items() if client not in skipped]
    index = {(cell["client"], cell["op"], cell["concurrency"]): cell for cell in cells}
    ops = sorted({cell["op"] for cell in cells})
    lines = ["fastest wire at each concurrency (requests/s, both operations added; errors)"]
    wins: dict[str, int] = dict.fromkeys(measured, 0)
    for c in sorted({cell["concurrency"] for cell in cells}):
        figures: dict[str, tuple[float, int]] = {}
        for wire in measured:
            mine = [index.get((WIRES[wire], op, c)) for op in ops]
            if all(cell is not None for cell in mine):
                rps = sum(cell["rps"] for cell in mine if cell is not None)
                errors = sum(sum(cell["errors"].values()) for cell in mine if cell is not None)
                figures[wire] = (rps, errors)
        if not figures:
            continue
        # The most requests/s among the wires without errors (all of them if none is).
        clean = {wire: f for wire, f in figures.items() if f[1] == 0} or figures
        best = max(clean, key=lambda wire: clean[wire][0])
        wins[best] += 1
        shown = ", ".join(
            f"{wire} {rps:,.0f} ({errors})" for wire, (rps, errors) in figures.items()
        )
        lines.append(f"  c={c:<5} {best:<9}  {shown}")
    fastest = max(wins, key=lambda wire: wins[wire]) if wins else None
    if fastest is not None:
        levels = sum(wins.values())
        lines.append(
            f'for speed on asyncio: transport="{fastest}" '
            f"(fastest at {wins[fastest]} of {levels} levels in this run)"
        )
    lines += [
        'on trio: transport="httpx" (the default; the others run on asyncio only)',
        "behind a proxy: any of the three (proxy= or the environment's); socks5:// on httpx",
        "  only; verify= as an ssl.SSLContext not on pyreqwest; httpx then uses httpcore's",
        "  pool (its cliff: slower from about 100 concurrent calls)",
        'transport="pyreqwest" needs Python 3.11 or newer (pyreqwest\'s wheels)',
    ]
    for wire in WIRES:
        if wire not in measured:
            lines.append(f'transport="{wire}": not measured here ({skipped[WIRES[wire]]})')
    return "\n".join(lines)


def _less_than(bound: float) -> Bound:
    return f"< {bound:g}", lambda value: value < bound


def _at_least(bound: float) -> Bound:
    return f">= {bound:g}", lambda value: value >= bound


def _at_most(bound: float) -> Bound:
    return f"<= {bound:g}", lambda value: value <= bound


def _equal(bound: float) -> Bound:
    return f"= {bound:g}", lambda value: value == bound


ZERO: Final = _equal(0)


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
    parser.add_argument(
        "--judge",
        action="store_true",
        help="run nothing: judge the results already in --out (load.json at least; "
        "the targets of a benchmark whose results are not there are left out)",
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    if args.judge:
        return _judge(out)
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
    _judge(out)
    print(f"\nresults and chart in {out}")
    return 0


def _judge(out: Path) -> int:
    if not (out / "load.json").exists():
        print(f"no load.json in {out}: nothing to judge", file=sys.stderr)
        return 2
    print(format_targets(targets(out)))
    for note in skipped_targets(out):
        print(note)
    print("\n== which wire ==")
    print(pick_wire(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
