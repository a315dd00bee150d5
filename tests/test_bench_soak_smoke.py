"""``python -m benchmarks.soak`` for a few seconds: it samples, sums up and ends clean.

Correctness only, no judging of memory (a few seconds say nothing about a
plateau): the soak runs as a subprocess (its simulator is another process, as in
a real run), on the transport of this test run (``AGENTCHAT_TRANSPORT``), with
warnings as errors, and its JSON report and printed summary are checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Final

from .fakes import TRANSPORT

ROOT: Final = Path(__file__).resolve().parent.parent
#: The run itself is 4 s; starting the simulator and the interpreter, a few more.
TIMEOUT: Final = 60.0


def test_soak_smoke(tmp_path: Path) -> None:
    report = tmp_path / "soak.json"
    command = [
        sys.executable, "-W", "error", "-m", "benchmarks.soak", "--seconds", "4",
        "--sample-seconds", "1", "--callers", "5", "--transport", TRANSPORT,
        "--out", str(report),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("RSS, MB", "RSS slope, MB/min", "errors by type", "verdict: "):
        assert line in done.stdout, done.stdout

    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["config"]["transport"] == TRANSPORT
    assert data["server"].startswith("agentchat simulate")
    samples = data["samples"]
    assert len(samples) >= 4  # at 0, 1, 2, 3 and 4 s
    assert [row["t_s"] for row in samples] == sorted(row["t_s"] for row in samples)
    for row in samples:
        assert row["rss_kb"] > 0
        assert row["server_rss_kb"] > 0
        assert row["py_traced_kb"] is None  # tracemalloc is off unless asked for
        assert row["allocated_blocks"] > 0
        assert row["pymalloc_arenas"] > 0
        assert row["pymalloc_allocated_kb"] > 0
        assert row["malloc_in_use_kb"] > 0
        assert row["gc_objects"] > 0
        assert row["tasks"] > 0
        assert row["fds"] > 0
        assert row["secrets_scanned"] > 0
    last = samples[-1]
    assert last["calls"] > 50
    assert last["ok"] > 0
    assert not any(name.startswith("escaped") for name in last["errors"])
    assert sum(last["calls_by_method"].values()) == last["calls"]

    summary = data["summary"]
    assert summary["verdict"].endswith("(indicative only: the run is shorter than 30 min)")
    assert any(name.startswith("end") for name in summary["table"])
    assert summary["slopes_mb_per_min"]["rss_kb_first_5_min"] is not None
    end = data["end"]
    assert end["escaped"] == []
    assert end["rss_after_gc_and_trim_kb"] > 0
    assert end["tasks_after_close"] <= end["tasks_open"]

    # The summary of a recorded run, printed again from its JSON.
    again = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-W", "error", "-m", "benchmarks.soak", "--summarize", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"verdict: {summary['verdict']}" in again.stdout
