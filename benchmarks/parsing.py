"""Parsing speed: response bytes into typed models, against the bare decoders.

Two workloads, each timed side by side with its baseline in the same process:

* GetChatList with 10,000 chats: ``json.loads(body)`` then ``structure()`` into a
  ``ChatList`` (what the client does with a response), against ``json.loads``
  alone on the same bytes. Target: at most 2.5x.
* ExportChat with 100,000 lines: ``parse_export()`` from the body's bytes into a
  ``ChatExport``, against ``list(csv.reader(io.StringIO(text)))`` on the same
  text. Target: at most 3x. Peak memory (tracemalloc) is given for both.

The library's ExportChat time includes decoding the bytes; the baseline starts
from text. Rounds alternate between baseline and library so that machine noise
hits both alike; each run starts after a ``gc.collect()``, with the garbage
collector on, as in a real process, and its result is freed after the clock
stops. The figures are medians; the ratio of the medians is the figure that
matters. Also given: the median of the rounds' own ratios (steadier on a busy
machine), and the best-round ratio, fastest library run over fastest baseline
run (what a quiet machine does). When orjson is installed, GetChatList
is also timed with ``orjson.loads`` in place of ``json.loads``, for information:
the client uses the standard library.

Every result is checked (counts, field values, types, and the compiled
builders against the exact path); ``--smoke`` uses tiny sizes, for that check
alone (the test suite runs it). Exit status 1 when a result is wrong.

    .venv/bin/python -m benchmarks.parsing [--smoke] [--rounds 11] [--json out.json]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import json
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from importlib import import_module
from typing import Any, Final

from agentchat import ChatList
from agentchat._converters import default_converter, make_converter, structure
from agentchat._csv import parse_export
from agentchat.models.exports import ChatExport

CHATS: Final = 10_000
ROWS: Final = 100_000
SMOKE_CHATS: Final = 50
SMOKE_ROWS: Final = 200
CHAT_TARGET: Final = 2.5
CSV_TARGET: Final = 3.0
EXPORT_CHAT_ID: Final = 408

SAST: Final = timezone(timedelta(hours=2))
START: Final = datetime(2024, 3, 1, 8, 0, tzinfo=SAST)
DEPARTMENTS: Final = ("Reception", "Sales", "Support", "Billing")
STATUSES: Final = ("open", "open", "unassigned", "closed")
AGENTS: Final = ("Jack Rabbit", "Ann Example", "Zakes Mthini", "Bob Builder", "Lerato Dlamini")
CUSTOMERS: Final = ("Joe the Jester", "Thandi Nkosi", "Pieter van Wyk", "Aisha Patel", "Sam Lee")
MESSAGES: Final = (
    "Hello, is anyone there?",
    "Hi! I'd like to check on my order, it hasn't arrived yet.",
    'The parcel says "delivered" but it is not here.',
    "Thanks, that helps a lot.",
    "Can you send me the brochure?",
    "Sure, one moment please.",
)


# -- workloads -----------------------------------------------------------------------


def chat(index: int) -> dict[str, Any]:
    """One chat as a server sends it: PascalCase keys, IDs as numbers, ISO dates."""
    status = STATUSES[index % len(STATUSES)]
    assigned = status != "unassigned"
    created = START + timedelta(seconds=37 * index)
    customer = CUSTOMERS[index % len(CUSTOMERS)]
    return {
        "ChatID": 100_000 + index,
        "CustomerID": 5_000 + index % 977,
        "CustomerName": f"{customer} {index % 977}",
        "MobileNumber": f"+2782{index % 10_000_000:07d}",
        "DepartmentID": 1 + index % len(DEPARTMENTS),
        "DepartmentName": DEPARTMENTS[index % len(DEPARTMENTS)],
        "AgentID": 3 + index % len(AGENTS) if assigned else None,
        "AgentName": AGENTS[index % len(AGENTS)] if assigned else None,
        "Status": status,
        "Created": created.isoformat(),
        "LastMessage": MESSAGES[index % len(MESSAGES)],
        "LastMessageAt": (created + timedelta(seconds=90 + index % 600)).isoformat(),
    }


def chat_list_body(count: int) -> bytes:
    return json.dumps([chat(index) for index in range(count)]).encode()


def export_line(index: int) -> list[str]:
    """One exported message: Date, Sender, Message, Attachment (as the simulator writes)."""
    sent = START + timedelta(seconds=23 * index)
    sender = CUSTOMERS[0] if index % 2 == 0 else AGENTS[0]
    attachment = "brochure.pdf" if index % 50 == 7 else ""
    return [sent.isoformat(), sender, f"{MESSAGES[index % len(MESSAGES)]} ({index})", attachment]


def export_body(count: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Date", "Sender", "Message", "Attachment"])
    writer.writerows(export_line(index) for index in range(count))
    return out.getvalue().encode()


def parse_chats(body: bytes) -> ChatList:
    """What the client does with a GetChatList answer."""
    return structure(default_converter(), json.loads(body), ChatList)


def parse_rows(body: bytes) -> ChatExport:
    """What the client does with an ExportChat answer."""
    return parse_export(default_converter(), body, chat_id=EXPORT_CHAT_ID)


# -- checks --------------------------------------------------------------------------


def check_chats(chats: ChatList, count: int) -> list[str]:
    """Every chat typed as generated; the problems found, if any."""
    problems: list[str] = []
    if len(chats) != count:
        problems.append(f"{len(chats)} chats, expected {count}")
    for index, item in enumerate(chats):
        wire = chat(index)
        created = datetime.fromisoformat(wire["Created"])
        got = (item.chat_id, item.customer_name, item.agent_id, item.status, item.created)
        expected = (wire["ChatID"], wire["CustomerName"], wire["AgentID"], wire["Status"], created)
        if (
            got != expected
            or item.created is None
            or item.created.utcoffset() != SAST.utcoffset(None)
        ):
            problems.append(f"chat {index}: {got!r} != {expected!r}")
        elif item.extra or item.raw != wire:
            problems.append(f"chat {index}: extra {item.extra!r}, raw differs: {item.raw != wire}")
        if len(problems) > 5:
            break
    exact = structure(make_converter(fast=False), chats.raw, ChatList)
    if exact != chats:
        problems.append("the compiled builders and the exact path disagree")
    return problems


def check_rows(export: ChatExport, count: int) -> list[str]:
    problems: list[str] = []
    if (export.chat_id, export.columns) != (
        EXPORT_CHAT_ID,
        ("Date", "Sender", "Message", "Attachment"),
    ):
        problems.append(f"chat_id {export.chat_id!r}, columns {export.columns!r}")
    if len(export) != count:
        problems.append(f"{len(export)} rows, expected {count}")
    for index, row in enumerate(export):
        date, sender, message, attachment = export_line(index)
        got = (row.date, row.sender, row.message, row.attachment, row.extra)
        expected: tuple[object, ...] = (
            datetime.fromisoformat(date),
            sender,
            message,
            attachment or None,
            {},
        )
        if got != expected or list(row.raw.values()) != [date, sender, message, attachment]:
            problems.append(f"row {index}: {got!r} != {expected!r}")
        if len(problems) > 5:
            break
    return problems


# -- timing --------------------------------------------------------------------------


def timed(func: Callable[[], object]) -> float:
    """Seconds for one call, garbage collector on, starting from a collected heap.

    The result is freed after the clock stops: parsing is timed, not freeing.
    """
    gc.collect()
    begun = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - begun
    del result
    return elapsed


def peak_mb(func: Callable[[], object]) -> float:
    """Peak traced memory of one call, in MB (the result is kept until the peak is read)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = func()
        _, peak = tracemalloc.get_traced_memory()
        del result
    finally:
        tracemalloc.stop()
    return peak / 1e6


def compare(
    baseline: Callable[[], object], library: Callable[[], object], rounds: int
) -> dict[str, Any]:
    """Baseline and library timed in alternating rounds: medians, ratio, every round."""
    base: list[float] = []
    lib: list[float] = []
    for round_ in range(rounds):
        # Alternate which goes first, so that neither always follows the other.
        if round_ % 2:
            lib.append(timed(library) * 1e3)
            base.append(timed(baseline) * 1e3)
        else:
            base.append(timed(baseline) * 1e3)
            lib.append(timed(library) * 1e3)
    base_ms, lib_ms = statistics.median(base), statistics.median(lib)
    return {
        "baseline_ms": base_ms,
        "library_ms": lib_ms,
        "ratio": lib_ms / base_ms,
        # Each round's own ratio (its two runs are next to each other in time,
        # so a slow spell of the machine hits both): their median.
        "round_ratio": statistics.median(b / a for a, b in zip(base, lib, strict=True)),
        # The fastest rounds: what the machine does when nothing else runs.
        "best_ratio": min(lib) / min(base),
        "baseline_rounds_ms": base,
        "library_rounds_ms": lib,
    }


def bench_chats(count: int, rounds: int) -> dict[str, Any]:
    body = chat_list_body(count)
    result: dict[str, Any] = {"name": "GetChatList", "items": count, "bytes": len(body)}
    result["problems"] = check_chats(parse_chats(body), count)
    result.update(compare(lambda: json.loads(body), lambda: parse_chats(body), rounds))
    result.update(baseline="json.loads", target=CHAT_TARGET)
    try:
        orjson: Any = import_module("orjson")
    except ImportError:
        return result

    def parse_with_orjson() -> ChatList:
        return structure(default_converter(), orjson.loads(body), ChatList)

    result["problems"] += check_chats(parse_with_orjson(), count)
    result["orjson"] = compare(lambda: orjson.loads(body), parse_with_orjson, rounds)
    result["orjson"]["ratio_to_json_loads"] = result["orjson"]["library_ms"] / result["baseline_ms"]
    return result


def bench_rows(count: int, rounds: int) -> dict[str, Any]:
    body = export_body(count)
    text = body.decode()
    result: dict[str, Any] = {"name": "ExportChat", "items": count, "bytes": len(body)}
    result["problems"] = check_rows(parse_rows(body), count)

    def baseline() -> list[list[str]]:
        return list(csv.reader(io.StringIO(text)))

    result.update(compare(baseline, lambda: parse_rows(body), rounds))
    result.update(
        baseline="csv.reader",
        target=CSV_TARGET,
        baseline_peak_mb=peak_mb(baseline),
        library_peak_mb=peak_mb(lambda: parse_rows(body)),
    )
    return result


# -- report --------------------------------------------------------------------------


def table(results: list[dict[str, Any]], *, smoke: bool = False) -> str:
    """The results as a Markdown table (no verdict at smoke sizes: too small to time)."""
    lines = [
        "| workload | baseline | baseline ms | library ms | ratio | target "
        "| per-round ratio (median) | best-round ratio | peak MB (base/lib) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        peak = "-"
        if "library_peak_mb" in r:
            peak = f"{r['baseline_peak_mb']:.1f} / {r['library_peak_mb']:.1f}"
        verdict = "ok" if r["ratio"] <= r["target"] else "MISSED"
        if smoke:
            verdict = "(smoke: not judged)"
        lines.append(
            f"| {r['name']} ({r['items']:,}) | {r['baseline']} | {r['baseline_ms']:.1f} "
            f"| {r['library_ms']:.1f} | {r['ratio']:.2f}x | <= {r['target']}x {verdict} "
            f"| {r['round_ratio']:.2f}x | {r['best_ratio']:.2f}x | {peak} |"
        )
        if "orjson" in r:
            o = r["orjson"]
            lines.append(
                f"| {r['name']} ({r['items']:,}) | orjson.loads | {o['baseline_ms']:.1f} "
                f"| {o['library_ms']:.1f} | {o['ratio']:.2f}x "
                f"| (info: {o['ratio_to_json_loads']:.2f}x json.loads) "
                f"| {o['round_ratio']:.2f}x | {o['best_ratio']:.2f}x | - |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, correctness only")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds (default 11)")
    parser.add_argument("--chats", type=int, default=None, help=f"default {CHATS:,}")
    parser.add_argument("--rows", type=int, default=None, help=f"default {ROWS:,}")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (1 if args.smoke else 11)
    chats = args.chats if args.chats is not None else (SMOKE_CHATS if args.smoke else CHATS)
    rows = args.rows if args.rows is not None else (SMOKE_ROWS if args.smoke else ROWS)
    if min(rounds, chats, rows) < 1:
        parser.error("--rounds, --chats and --rows must be at least 1")

    results = [bench_chats(chats, rounds), bench_rows(rows, rounds)]
    machine = f"{platform.machine()} {platform.python_implementation()} {platform.python_version()}"
    print(f"machine: {machine}, median of {rounds} rounds (alternating), gc on")
    print(table(results, smoke=args.smoke))
    problems = [f"{r['name']}: {p}" for r in results for p in r["problems"]]
    for problem in problems:
        print(f"WRONG RESULT {problem}", file=sys.stderr)
    if args.json:
        report = {"machine": machine, "rounds": rounds, "smoke": args.smoke, "results": results}
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report, file, indent=2)
            file.write("\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
