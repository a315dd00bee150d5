"""``python -m benchmarks.expiry --smoke``: one session expiry under a queue, both transports.

Correctness only, no timing judged: the benchmark runs as a subprocess (its
server is another process, as in a real run) and its JSON report is checked.
It picks its transports itself, so it runs the same with ``AGENTCHAT_TRANSPORT``
set to either.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.httpx_only  # the benchmark picks its transports itself

ROOT = Path(__file__).resolve().parent.parent
#: Generous: the smoke run takes about a second.
TIMEOUT = 60.0


def test_expiry_smoke(tmp_path: Path) -> None:
    report = tmp_path / "expiry.json"
    command = [
        sys.executable, "-W", "error", "-m", "benchmarks.expiry", "--smoke",
        "--transport", "both", "--out", str(report),
    ]  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no target judged" in done.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["config"]["calls"] == 100
    assert data["config"]["smoke"] is True
    assert data["judged"] is False
    slots = data["config"]["slots"]

    runs = {(run["transport"], run["expire"]): run for run in data["runs"]}
    assert set(runs) == {(t, e) for t in ("httpx", "aiohttp") for e in (False, True)}
    for (transport, expire), run in runs.items():
        where = f"{transport} {'expiry' if expire else 'baseline'}"
        assert run["completed"] == 100, where
        assert run["errors"] == {}, where
        assert run["total_s"] > 0, where
        assert 10 <= run["completed_at_mark"] < 100, where
        assert run["server"]["max_in_flight"] <= slots, where
        # Each call is one GetChatList, plus one for each that met the dead token.
        assert run["server"]["chat_list"] == 100 + run["unauthorized"], where
        if expire:
            assert run["server"]["expiries"] == 1, where
            assert run["unauthorized"] >= 1, where  # the calls on the wire met it
            assert run["server"]["logons"] == 1 + run["relogons"] >= 2, where
        else:
            assert run["server"]["expiries"] == 0, where
            assert run["unauthorized"] == 0, where
            assert run["server"]["logons"] == 1, where

    results = {item["transport"]: item for item in data["results"]}
    assert set(results) == {"httpx", "aiohttp"}
    for item in results.values():
        for name in (
            "total_s", "baseline_total_s", "ratio", "stall_s", "baseline_longest_gap_s",
            "dead_token_requests", "logons", "errors",
        ):  # fmt: skip
            assert item[name] is not None, name
        assert item["errors"] == 0
        assert [t["what"] for t in item["targets"]] == [
            "stall after the expiry, s",
            "requests with the dead token (401s)",
            "errors (both queues)",
        ]
    assert data["meta"]["agentchat"]["file"].endswith("agentchat")
