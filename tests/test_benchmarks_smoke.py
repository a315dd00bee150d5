"""``python -m benchmarks --smoke`` (what ``make bench`` runs, with tiny counts) and its verdicts.

Correctness only: the run must finish and write every result; its figures are
not judged. The targets table is checked on made-up results instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks.__main__ import format_targets, targets

pytestmark = pytest.mark.httpx_only  # the benchmarks pick their transports themselves

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_runs_in_smoke_mode(tmp_path: Path) -> None:
    command = [sys.executable, "-W", "error", "-m", "benchmarks", "--smoke", "--out", str(tmp_path)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for name in ("load", "overhead", "parsing", "idle"):
        assert f"== {name} ==" in done.stdout
    assert "no target judged" in done.stdout
    assert (tmp_path / "load.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    cells = json.loads((tmp_path / "load.json").read_text(encoding="utf-8"))["cells"]
    clients = ("raw-httpx", "raw-aiohttp", "agentchat-httpx", "agentchat-aiohttp")
    ops = ("GetChatList", "SendMessage")
    seen = {(cell["client"], cell["op"]) for cell in cells}
    assert seen == {(c, o) for c in clients for o in ops}
    assert {cell["concurrency"] for cell in cells} == {1, 10}
    for cell in cells:
        where = f"{cell['client']} {cell['op']} c={cell['concurrency']}"
        assert cell["completed"] > 0, where
        assert cell["errors"] == {}, where
    overhead = json.loads((tmp_path / "overhead.json").read_text(encoding="utf-8"))
    assert set(overhead["us_per_call"]) == {
        "raw httpx", "pipeline only", "+ JSON decode", "get_chat_list()"
    }  # fmt: skip
    assert all(us > 0 for us in overhead["us_per_call"].values())
    found = targets(tmp_path)  # smoke results lack c >= 100: those are missing
    assert any(value is None for _, _, value, _ in found)
    assert "MISSING" in format_targets(found)


def _cell(client: str, op: str, c: int, rps: float, errors: int = 0) -> dict[str, Any]:
    return {
        "client": client, "op": op, "concurrency": c, "rps": rps,
        "errors": {"TimeoutError": errors} if errors else {},
    }  # fmt: skip


def test_targets_are_judged_from_the_results(tmp_path: Path) -> None:
    cells = []
    for c, default, raw_aio, lib_aio in [
        (1, 95, 300, 200),
        (10, 100, 300, 250),
        (100, 85, 300, 100),
    ]:
        cells += [
            _cell("raw-httpx", "GetChatList", c, 100),
            _cell("agentchat-httpx", "GetChatList", c, default, errors=3 if c == 100 else 0),
            _cell("raw-aiohttp", "GetChatList", c, raw_aio),
            _cell("agentchat-aiohttp", "GetChatList", c, lib_aio),
        ]
    (tmp_path / "load.json").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    parsing = {
        "results": [
            {"name": "GetChatList", "items": 10_000, "baseline": "json.loads", "ratio": 2.1,
             "target": 2.5},
            {"name": "ExportChat", "items": 100_000, "baseline": "csv.reader", "ratio": 3.4,
             "target": 3.0},
        ]
    }  # fmt: skip
    (tmp_path / "parsing.json").write_text(json.dumps(parsing), encoding="utf-8")
    idle = {"result": {"sessions": 1000, "idle_cpu_percent": 0.4}}
    (tmp_path / "idle.json").write_text(json.dumps(idle), encoding="utf-8")
    expiry = {
        "results": [
            {"transport": "httpx", "targets": [
                {"what": "stall after the expiry, s", "bound": "< 1", "measured": 0.1},
                {"what": "requests with the dead token (401s)", "bound": "< 20", "measured": 20},
                {"what": "errors (both queues)", "bound": "= 0", "measured": 0},
            ]},
        ]
    }  # fmt: skip
    (tmp_path / "expiry.json").write_text(json.dumps(expiry), encoding="utf-8")

    verdicts = {
        what: holds(value) for what, _, value, (_, holds) in targets(tmp_path) if value is not None
    }
    assert verdicts == {
        "GetChatList: default transport / raw httpx at c=1": True,  # 0.95
        "GetChatList: no cliff, default at c=100 / at c=10": False,  # 0.85
        "GetChatList: default transport errors at c=100": False,  # 3
        "GetChatList: aiohttp transport / raw aiohttp at c=1": True,  # 0.67
        "GetChatList: aiohttp transport / raw aiohttp at c=100": False,  # 0.33
        "GetChatList (10,000): library / json.loads": True,
        "ExportChat (100,000): library / csv.reader": False,
        "1,000 idle sessions: CPU, % of one core": True,
        "one expiry under a deep queue, httpx: stall after the expiry, s": True,
        "one expiry under a deep queue, httpx: requests with the dead token (401s)": False,
        "one expiry under a deep queue, httpx: errors (both queues)": True,
    }
    table = format_targets(targets(tmp_path))
    assert ">= 0.9      0.95x  yes" in table
    assert ">= 0.9      0.85x  NO" in table
