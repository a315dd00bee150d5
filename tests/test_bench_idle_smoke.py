"""``python -m benchmarks.idle --smoke``: every session logs on, keeps alive and logs off.

Correctness only, no timing: the benchmark runs as a subprocess (its server is
another process, as in a real run) against the benchmark server and against the
simulator fallback, and on raw httpx (its baseline), and its JSON report is checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.httpx_only  # the benchmark picks its transports itself

ROOT = Path(__file__).resolve().parent.parent
#: Generous: the smoke run takes a few seconds (1 s of it idle).
TIMEOUT = 120.0


@pytest.mark.parametrize(
    ("server", "client"),
    [("bench", "agentchat"), ("simulator", "agentchat"), ("bench", "raw-httpx")],
)
def test_idle_smoke(server: str, client: str, tmp_path: Path) -> None:
    report = tmp_path / "idle.json"
    command = [
        sys.executable, "-W", "error", "-m", "benchmarks.idle", "--smoke",
        "--server", server, "--client", client, "--json", str(report),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "sessions open / asked" in done.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    result = data["result"]
    assert data["config"]["sessions"] == 5
    assert result["failures"] == []
    assert result["opened"] == result["closed"] == 5
    assert result["keep_alives"] > 0
    assert result["keep_alive_failures"] == 0
    assert result["ok"] is True
    assert result["rss_after_kb"] > 0
