"""Hostile servers against the client in a process of its own: time and peak memory.

Each case runs ``python -m tests.hostile_client`` (one call, on the suite's
transport, ``--timeout 5``) against a ``tests/hostile.py`` scenario served from
this process, and reads back one JSON line: the outcome, the elapsed time and the
process's peak RSS. All cases run at once (a module fixture starts every server
and every client process, then waits), so the file takes as long as its slowest
case; the figures are printed as a Markdown table (``pytest -s`` shows it).

The contract:

* memory (``huge``, ``huge-chunked``, ``huge-unsized``, ``lying-length``, ``gzip-bomb``,
  ``deflate-bomb``): ``ResponseFormatError`` naming ``max_response_bytes`` (64 MiB
  by default), peak RSS under 400 MB, within 30 s;
* framing (``length-and-chunked``: a small Content-Length beside an endless
  chunked body): a typed error (the body refused past ``max_response_bytes``,
  or the answer refused as malformed), peak RSS under 400 MB, within 30 s: a
  wire that reads a body "of its length" in one step must not trust that length;
* time (``trickle-head``, ``trickle-body``, ``processing``): GetChatList raises
  ``APITimeoutError`` and SendMessage ``OutcomeUnknownError``, within 30 s with the
  retries, peak RSS under 400 MB;
* redirects (``redirect-cross-host``, ``redirect-307-logon``, ``redirect-loop``),
  with and without an ``httpx.AsyncClient(follow_redirects=True)`` of the caller's:
  a typed ``agentchat`` error, and the other host (the recorder) got nothing: no
  connection, so no token, no API key, no password;
* no result shows a session token or the password.

Every client is bounded three times: it reports ``HUNG`` after 120 s, its address
space is capped at 2 GiB (an unbounded read ends as ``MemoryError``), and it is
killed after 150 s (``KILLED``, with the peak read from ``/proc`` first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

import agentchat
from agentchat import AgentChatError

from ..fakes import TRANSPORT
from ..hostile import SCENARIOS, HostileServer, serve
from ..hostile_client import PASSWORD

ROOT: Final = Path(__file__).resolve().parents[2]
#: ``--timeout`` of every client.
TIMEOUT: Final = 5.0
#: Seconds after which a client reports HUNG; after which it is killed.
BOUND: Final = 120.0
KILL_AFTER: Final = 150.0
#: The client's RLIMIT_AS, in MiB.
MEMORY_CAP_MB: Final = 2048
MAX_PEAK_RSS_MB: Final = 400.0
MAX_ELAPSED: Final = 30.0
CALLS: Final = ("get_chat_list", "send_message")
TIMEOUT_ERRORS: Final = {"get_chat_list": "APITimeoutError", "send_message": "OutcomeUnknownError"}
#: The class names of agentchat's public errors.
TYPED_ERRORS: Final = frozenset(
    name
    for name in agentchat.__all__
    if isinstance(obj := getattr(agentchat, name), type) and issubclass(obj, AgentChatError)
)


@dataclass(frozen=True)
class Case:
    scenario: str
    call: str = "get_chat_list"
    follow_redirects: bool = False

    @property
    def id(self) -> str:
        follow = "-follow" if self.follow_redirects else ""
        return f"{self.scenario}-{self.call}{follow}"

    @property
    def kind(self) -> str:
        return SCENARIOS[self.scenario].kind

    @property
    def expected(self) -> str:
        if self.kind == "memory":
            return "ResponseFormatError (max_response_bytes)"
        if self.kind == "framing":
            return "a typed error, within max_response_bytes"
        if self.kind == "time":
            return TIMEOUT_ERRORS[self.call]
        return "a typed error; nothing reaches the other host"


def all_cases() -> list[Case]:
    """Memory: GetChatList; time: both calls; redirects: with and without following."""
    cases: list[Case] = []
    for name, scenario in SCENARIOS.items():
        if scenario.kind in ("memory", "framing"):
            cases.append(Case(name))
        elif scenario.kind == "time":
            cases += [Case(name, call) for call in CALLS]
        elif scenario.kind == "redirect":
            cases += [Case(name, follow_redirects=follow) for follow in (False, True)]
    return cases


CASES: Final = all_cases()


@dataclass(frozen=True)
class Result:
    case: Case
    outcome: str
    message: str
    #: Seconds, as the client measured them (or the wall time if it never said).
    elapsed: float
    peak_rss_mb: float | None
    wire: str
    #: Seconds from starting the process to its end.
    wall: float
    line: str
    stderr: str
    recorded: tuple[str, ...]
    recorder_connections: int
    issued_tokens: tuple[str, ...]
    server_errors: tuple[str, ...]

    def explain(self) -> str:
        peak = "?" if self.peak_rss_mb is None else f"{self.peak_rss_mb:.0f} MB"
        text = f"{self.case.id}: {self.outcome} after {self.elapsed:.1f} s, peak RSS {peak}"
        text += f": {self.message!r}"
        if self.stderr.strip():
            text += f"\n--- client stderr (end) ---\n{self.stderr[-1500:]}"
        return text


class ClientRun:
    """One client process, its output in files (no pipe to fill up)."""

    def __init__(self, case: Case, base_url: str, directory: Path, env: dict[str, str]) -> None:
        self.case = case
        self.stdout = directory / f"{case.id}.out"
        self.stderr = directory / f"{case.id}.err"
        command = [
            sys.executable, "-m", "tests.hostile_client",
            "--base-url", base_url, "--transport", TRANSPORT, "--timeout", str(TIMEOUT),
            "--call", case.call, "--bound", str(BOUND), "--max-memory-mb", str(MEMORY_CAP_MB),
        ]  # fmt: skip
        if case.follow_redirects:
            command.append("--follow-redirects")
        self.started = time.monotonic()
        self.ended: float | None = None
        self.killed_peak_mb: float | None = None
        self.killed = False
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
                command, stdout=out, stderr=err, cwd=ROOT, env=env
            )

    def poll(self) -> bool:
        """Whether the process has ended (noting when)."""
        if self.ended is None and self.process.poll() is not None:
            self.ended = time.monotonic()
        return self.ended is not None

    def kill(self) -> None:
        if self.poll():
            return
        self.killed_peak_mb = _proc_peak_mb(self.process.pid)
        self.killed = True
        self.process.kill()
        self.process.wait()
        self.ended = time.monotonic()

    def result(self, server: HostileServer) -> Result:
        assert self.ended is not None
        assert server.recorder is not None
        wall = self.ended - self.started
        line = (self.stdout.read_text(errors="replace").strip().splitlines() or [""])[-1]
        stderr = self.stderr.read_text(errors="replace")
        try:
            said = json.loads(line)
        except ValueError:
            said = None
        wire = "httpx+follow_redirects" if self.case.follow_redirects else TRANSPORT
        elapsed, peak = wall, self.killed_peak_mb
        if self.killed:
            outcome, message = "KILLED", f"killed after {KILL_AFTER:g} s"
        elif isinstance(said, dict):
            outcome, message = str(said["outcome"]), str(said["message"])
            elapsed, peak = float(said["elapsed"]), float(said["peak_rss_mb"])
            wire = str(said["wire"])
        else:
            outcome = f"CRASHED (exit {self.process.returncode})"
            message = stderr.strip()[-300:]
        return Result(
            case=self.case,
            outcome=outcome,
            message=message,
            elapsed=elapsed,
            peak_rss_mb=peak,
            wire=wire,
            wall=wall,
            line=line,
            stderr=stderr,
            recorded=tuple(request.text() for request in server.recorder.requests),
            recorder_connections=server.recorder.accepted,
            issued_tokens=tuple(server.issued_tokens),
            server_errors=tuple(server.errors + server.recorder.errors),
        )


def _proc_peak_mb(pid: int) -> float | None:
    """The peak RSS (VmHWM) of a live process, from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


@contextmanager
def client_runs(
    servers: dict[str, HostileServer], directory: Path
) -> Iterator[dict[str, ClientRun]]:
    """Every case's client, started at once; whatever still runs at the end is killed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MALLOC_ARENA_MAX": "2"}
    runs: dict[str, ClientRun] = {}
    try:
        for case in CASES:
            runs[case.id] = ClientRun(case, servers[case.id].base_url, directory, env)
        yield runs
    finally:
        for run in runs.values():
            run.kill()


def table(results: dict[str, Result], wall: float) -> str:
    lines = [
        f"Hostile servers against one client process each: transport {TRANSPORT}, "
        f"--timeout {TIMEOUT:g}, {len(results)} cases at once, {wall:.0f} s in all",
        "",
        "| case | wire | outcome | elapsed (s) | peak RSS (MB) | expected |",
        "|---|---|---|--:|--:|---|",
    ]
    for result in results.values():
        peak = "?" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.0f}"
        lines.append(
            f"| {result.case.id} | {result.wire} | {result.outcome} | {result.elapsed:.1f} "
            f"| {peak} | {result.case.expected} |"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """Every case run at once; the servers are closed (threads joined) before the tests."""
    directory = tmp_path_factory.mktemp("hostile")
    begun = time.monotonic()
    with ExitStack() as stack:
        servers = {case.id: stack.enter_context(serve(case.scenario)) for case in CASES}
        with client_runs(servers, directory) as runs:
            deadline = begun + KILL_AFTER
            while not all(run.poll() for run in runs.values()) and time.monotonic() < deadline:
                time.sleep(0.2)
        # Every process has ended (or was killed): the servers can go.
    found = {case_id: run.result(servers[case_id]) for case_id, run in runs.items()}
    print("\n" + table(found, time.monotonic() - begun))
    return found


def _assert_bounded(result: Result) -> None:
    """The client's peak RSS and its time stayed within the contract's bounds."""
    assert result.peak_rss_mb is not None, result.explain()
    assert result.peak_rss_mb < MAX_PEAK_RSS_MB, result.explain()
    assert result.elapsed < MAX_ELAPSED, result.explain()


def _cases(kind: str) -> list[object]:
    return [pytest.param(case, id=case.id) for case in CASES if case.kind == kind]


@pytest.mark.parametrize("case", _cases("memory"))
def test_an_oversized_answer_is_refused_within_max_response_bytes(
    results: dict[str, Result], case: Case
) -> None:
    result = results[case.id]
    assert result.outcome == "ResponseFormatError", result.explain()
    assert "max_response_bytes" in result.message, result.explain()
    _assert_bounded(result)


@pytest.mark.parametrize("case", _cases("framing"))
def test_a_length_beside_chunked_framing_is_not_trusted(
    results: dict[str, Result], case: Case
) -> None:
    result = results[case.id]
    assert result.outcome in TYPED_ERRORS, result.explain()
    if result.outcome == "ResponseFormatError":
        assert "max_response_bytes" in result.message, result.explain()
    _assert_bounded(result)


@pytest.mark.parametrize("case", _cases("time"))
def test_an_answer_that_never_ends_times_out_with_its_retries(
    results: dict[str, Result], case: Case
) -> None:
    result = results[case.id]
    assert result.outcome == TIMEOUT_ERRORS[case.call], result.explain()
    _assert_bounded(result)


@pytest.mark.parametrize("case", _cases("redirect"))
def test_a_redirect_is_a_typed_error_and_nothing_goes_to_the_other_host(
    results: dict[str, Result], case: Case
) -> None:
    result = results[case.id]
    assert result.outcome in TYPED_ERRORS, result.explain()
    assert result.recorded == (), result.explain()
    assert result.recorder_connections == 0, result.explain()


def test_no_result_shows_a_session_token_or_the_password(results: dict[str, Result]) -> None:
    tokens = {token for result in results.values() for token in result.issued_tokens}
    assert tokens, "no server issued a token: the clients never logged on"
    secrets = tokens | {PASSWORD}
    leaks = {
        case_id: [secret for secret in secrets if secret in result.line]
        for case_id, result in results.items()
    }
    assert {case_id: found for case_id, found in leaks.items() if found} == {}


def test_the_hostile_servers_ran_clean(results: dict[str, Result]) -> None:
    """The servers' own failures (bugs of this test, not of the client): none."""
    errors = {case_id: r.server_errors for case_id, r in results.items() if r.server_errors}
    assert errors == {}
