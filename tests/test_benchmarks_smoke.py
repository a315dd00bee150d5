"""``python -m benchmarks --smoke`` (what ``make bench`` runs, with tiny counts) and its verdicts.

Correctness only: the run must finish and write every result; its figures are
not judged. The targets table is checked on made-up results instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from benchmarks import load
from benchmarks.__main__ import format_targets, pick_wire, skipped_targets, targets
from benchmarks.server import split_cpus, start_server_process

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
    result = json.loads((tmp_path / "load.json").read_text(encoding="utf-8"))
    cells = result["cells"]
    # Every column, httpx2's and pyreqwest's included where installed (Python 3.11+).
    clients = [c for c in load.CLIENTS if load.unavailable(c) is None]
    assert set(result["meta"]["skipped"]) == set(load.CLIENTS) - set(clients)
    if sys.version_info >= (3, 11):
        assert clients == list(load.CLIENTS)  # the bench extra installs them
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
        "raw httpx", "pipeline only", "+ JSON decode", "get_chat_list()",
        "json.loads only", "no wire", "json.loads, 1,000 at once", "no wire, 1,000 at once",
    }  # fmt: skip
    assert all(us > 0 for us in overhead["us_per_call"].values())
    found = targets(tmp_path)  # smoke results lack c >= 100: those are missing
    assert any(value is None for _, _, value, _ in found)
    assert "MISSING" in format_targets(found)


def test_a_client_whose_package_is_missing_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As on Python 3.10, where pyreqwest and httpx2 have no wheels."""
    monkeypatch.setitem(load.NEEDS, "raw-pyreqwest", "agentchat_no_such_module")
    monkeypatch.setitem(load.NEEDS, "agentchat-pyreqwest", "agentchat_no_such_module")
    out = tmp_path / "load.json"
    clients = "raw-pyreqwest,raw-aiohttp,agentchat-pyreqwest"
    arguments = ["--smoke", "--clients", clients, "--concurrency", "1", "--json", str(out)]
    assert load.main([*arguments, "--ops", "GetChatList"]) == 0
    printed = capsys.readouterr()
    assert "raw-pyreqwest skipped: agentchat_no_such_module is not installed" in printed.err
    assert "agentchat-pyreqwest: skipped" in printed.out
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["meta"]["skipped"]) == {"raw-pyreqwest", "agentchat-pyreqwest"}
    assert [cell["client"] for cell in result["cells"]] == ["raw-aiohttp"]
    assert result["cells"][0]["completed"] > 0
    # No ratio needs raw-aiohttp alone: the ratios table lists none, and nothing breaks.
    assert "agentchat-pyreqwest/raw-aiohttp" not in printed.out
    assert load.main(["--smoke", "--clients", "raw-pyreqwest"]) == 2  # nothing left to run


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
        "GetChatList: aiohttp transport / raw aiohttp at c=1 (issue 15)": False,  # 0.67
        "GetChatList: aiohttp transport / raw aiohttp at c=100 (issue 15)": False,
        "GetChatList: aiohttp transport errors at c=100": True,
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
    # The columns not run (no meta says they were skipped) are missing, not left out.
    assert "GetChatList: pyreqwest transport / raw aiohttp at c=100" in table
    assert "MISSING" in table


def _other_results(path: Path) -> None:
    parsing: dict[str, list[object]] = {"results": []}
    (path / "parsing.json").write_text(json.dumps(parsing), encoding="utf-8")
    idle = {"result": {"sessions": 1000, "idle_cpu_percent": 0.4}}
    (path / "idle.json").write_text(json.dumps(idle), encoding="utf-8")
    (path / "expiry.json").write_text(json.dumps({"results": []}), encoding="utf-8")


#: Made-up requests/s by concurrency, for each client (one operation).
RPS = {
    "raw-httpx": {1: 500, 10: 400, 100: 150, 1000: 100, 5000: 0},
    "raw-httpx2": {1: 600, 10: 500, 100: 500, 1000: 200, 5000: 100},
    "raw-aiohttp": {1: 2000, 10: 3000, 100: 3000, 1000: 3000, 5000: 3000},
    "raw-pyreqwest": {1: 4000, 10: 5000, 100: 5000, 1000: 5000, 5000: 5000},
    "agentchat-httpx": {1: 700, 10: 800, 100: 760, 1000: 700, 5000: 800},
    "agentchat-aiohttp": {1: 1700, 10: 2500, 100: 2300, 1000: 2500, 5000: 2600},
    "agentchat-pyreqwest": {1: 2500, 10: 4000, 100: 4200, 1000: 3500, 5000: 4500},
}


def test_the_targets_of_issue_15_and_which_wire_to_pick(tmp_path: Path) -> None:
    failing = {("raw-httpx", 5000): 5, ("agentchat-pyreqwest", 5000): 1}
    cells = [
        _cell(client, "SendMessage", c, rps, errors=failing.get((client, c), 0))
        for client, levels in RPS.items()
        for c, rps in levels.items()
    ]
    (tmp_path / "load.json").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    _other_results(tmp_path)
    verdicts = {
        what: (round(value, 2), holds(value))
        for what, _, value, (_, holds) in targets(tmp_path)
        if value is not None
    }

    def verdict(what: str) -> tuple[float, bool]:
        return verdicts[f"SendMessage: {what}"]

    assert verdict("pyreqwest transport / raw aiohttp at c=100") == (1.4, True)
    assert verdict("pyreqwest transport / raw aiohttp at c=1000") == (1.17, False)
    assert verdict("pyreqwest transport / raw pyreqwest at c=100 (moonshot)") == (0.84, True)
    assert verdict("pyreqwest transport / raw pyreqwest at c=1000 (moonshot)") == (0.7, False)
    assert verdict("aiohttp transport / raw aiohttp at c=1 (issue 15)") == (0.85, True)
    assert verdict("aiohttp transport / raw aiohttp at c=100 (issue 15)") == (0.77, False)
    assert verdict("aiohttp transport / raw aiohttp at c=100") == (0.77, True)  # issue 7: 0.6
    assert verdict("default transport / raw httpx2 at c=100") == (1.52, True)
    assert verdict("no cliff, default at c=5000 / at c=10") == (1.0, True)
    assert verdict("default transport errors at c=5000") == (0.0, True)
    assert verdict("aiohttp transport errors at c=5000") == (0.0, True)
    assert verdict("pyreqwest transport errors at c=5000") == (1.0, False)
    assert skipped_targets(tmp_path) == []

    picked = pick_wire(tmp_path)
    # pyreqwest is the fastest everywhere but at 5,000, where it had an error.
    assert "  c=100   pyreqwest" in picked
    assert "  c=5000  aiohttp" in picked
    assert 'for speed on asyncio: transport="pyreqwest" (fastest at 4 of 5 levels' in picked
    assert 'on trio: transport="httpx"' in picked
    assert "Python 3.11" in picked

    # Where httpx2 and pyreqwest are not installed, their columns are skipped:
    # their targets are left out, with a note, and the pick says so.
    why = "pyreqwest is not installed (Python 3.10; it needs 3.11 or newer)"
    skipped = {"raw-httpx2": "httpx2 is not installed", "raw-pyreqwest": why,
               "agentchat-pyreqwest": why}  # fmt: skip
    kept = [cell for cell in cells if cell["client"] not in skipped]
    document = {"cells": kept, "meta": {"skipped": skipped}}
    (tmp_path / "load.json").write_text(json.dumps(document), encoding="utf-8")
    names = [what for what, *_ in targets(tmp_path)]
    assert not [name for name in names if "pyreqwest" in name or "httpx2" in name]
    assert "SendMessage: aiohttp transport / raw aiohttp at c=100 (issue 15)" in names
    assert "MISSING" not in format_targets(targets(tmp_path))
    assert len(skipped_targets(tmp_path)) == 3
    picked = pick_wire(tmp_path)
    assert f'transport="pyreqwest": not measured here ({why})' in picked
    assert 'for speed on asyncio: transport="aiohttp"' in picked


def test_judge_reads_the_results_already_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--judge`` runs nothing; with load.json alone, the other targets are left out."""
    from benchmarks.__main__ import main

    assert main(["--judge", "--out", str(tmp_path)]) == 2  # no load.json
    cells = [_cell(client, "GetChatList", c, rps) for client, levels in RPS.items()
             for c, rps in levels.items()]  # fmt: skip
    (tmp_path / "load.json").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert main(["--judge", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    line = "GetChatList: pyreqwest transport / raw aiohttp at c=100 "
    rows = [row for row in printed.splitlines() if row.startswith(line)]
    assert len(rows) == 1
    assert rows[0].split()[-4:] == [">=", "1.2", "1.40x", "yes"]
    assert "idle sessions" not in printed
    for name in ("idle.json", "parsing.json", "expiry.json"):
        assert f"no {name} in {tmp_path}: its targets are not judged" in printed
    assert "== which wire ==" in printed
    assert not list(tmp_path.glob("*.png"))  # nothing was run


def _children() -> list[int]:
    """This process's children (Linux: its main thread's, which started them)."""
    pid = os.getpid()
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_the_load_run_puts_the_server_on_one_cpu_and_the_clients_on_another(
    tmp_path: Path,
) -> None:
    """As the issue's figures were taken ("server on its own core"); where a
    process cannot be pinned (not Linux, one CPU), the JSON says so."""
    cpus = split_cpus()
    out = tmp_path / "load.json"
    arguments = ["--smoke", "--clients", "raw-aiohttp", "--concurrency", "1", "--json", str(out)]
    assert load.main([*arguments, "--ops", "GetChatList"]) == 0
    placement = json.loads(out.read_text(encoding="utf-8"))["meta"]["placement"]
    assert load.main([*arguments, "--ops", "GetChatList", "--no-pin"]) == 0
    unpinned = json.loads(out.read_text(encoding="utf-8"))["meta"]["placement"]
    assert unpinned == "left to the scheduler (--no-pin)"
    if cpus is None:
        assert placement == "left to the scheduler"
        return
    server_cpu, client_cpu = cpus
    assert server_cpu != client_cpu
    assert placement == f"server on CPU {server_cpu}, each client on CPU {client_cpu}"
    # The server's process, and a worker's (which pins itself before its client starts).
    with start_server_process(cpu=server_cpu):
        (server,) = _children()
        assert os.sched_getaffinity(server) == {server_cpu}
    probe = "from benchmarks.server import pin; import os, sys; pin(int(sys.argv[1])); "
    probe += "print(sorted(os.sched_getaffinity(0)))"
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe, str(client_cpu)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert done.stdout.strip() == f"[{client_cpu}]"
