"""The load benchmark runs end to end: every client completes requests without errors.

Correctness only (``--smoke``: concurrency 1 and 10, a fraction of a second per
cell); no timing is asserted. It runs in a child process, as ``make bench`` does,
so the benchmark's own event loop and server process are exercised for real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ("raw-httpx", "raw-aiohttp", "agentchat-httpx", "agentchat-aiohttp")
OPS = ("GetChatList", "SendMessage")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_load_smoke(tmp_path: Path) -> None:
    results = tmp_path / "load.json"
    chart = tmp_path / "load.png"
    command = [sys.executable, "-W", "error", "-m", "benchmarks.load", "--smoke"]
    command += ["--json", str(results), "--chart", str(chart), "--clients", ",".join(CLIENTS)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr

    cells = json.loads(results.read_text(encoding="utf-8"))["cells"]
    seen = {(cell["client"], cell["op"]) for cell in cells}
    assert seen == {(client, op) for client in CLIENTS for op in OPS}
    for cell in cells:
        where = f"{cell['client']} {cell['op']} c={cell['concurrency']}"
        assert cell["completed"] > 0, where
        assert cell["errors"] == {}, where
    assert {cell["concurrency"] for cell in cells} == {1, 10}
    assert chart.read_bytes().startswith(PNG_SIGNATURE)
