"""The ``agentchat`` command: ``demo``, ``simulate`` as a real server process, help and errors.

``simulate`` runs as a subprocess on a free port and is driven with plain httpx
(no agentchat client), so what is tested is what a user of another language
would see on the wire.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentchat._cli import main
from agentchat._routes import ROUTES
from agentchat.simulator._context import MANAGER_ONLY

#: How long the server process may take to answer, or to stop.
STARTUP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def simulate(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m agentchat simulate ARGS`` on a free port, until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "agentchat", "simulate", "--port", str(port), *args]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_serving(process, url)
            yield process, url
        finally:
            process.terminate()
            try:
                process.wait(STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
                process.kill()
                process.wait()


def wait_until_serving(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            _, stderr = process.communicate()
            pytest.fail(f"the simulator exited with {process.returncode}:\n{stderr}")
        try:
            httpx.get(f"{url}/api/KeepAlive", timeout=0.5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                pytest.fail(f"the simulator did not answer within {STARTUP_TIMEOUT:g}s")
            time.sleep(0.05)
        else:
            return


def banner(process: subprocess.Popen[str]) -> list[str]:
    """What the simulator printed before serving: up to the last ``export`` line."""
    assert process.stdout is not None
    lines = [process.stdout.readline().rstrip("\n")]
    while not lines[-1].startswith("export AGENTCHAT_MANAGER_PASSWORD="):
        line = process.stdout.readline()
        assert line, f"the banner ended early: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def exported(lines: list[str]) -> dict[str, str]:
    """The variables of the banner's ``export NAME=value`` lines, unquoted as a shell would."""
    variables: dict[str, str] = {}
    for line in lines:
        if line.startswith("export "):
            [word] = shlex.split(line.removeprefix("export "))
            name, _, value = word.partition("=")
            variables[name] = value
    return variables


def credentials(process: subprocess.Popen[str]) -> dict[str, tuple[str, str]]:
    """The accounts the simulator printed: ``{"agent": (email, password), ...}``."""
    return credentials_of(banner(process))


def credentials_of(lines: list[str]) -> dict[str, tuple[str, str]]:
    """The accounts of a banner (``banner()``'s lines)."""
    assert lines[0].startswith("AgentChat simulator on http://127.0.0.1:"), lines
    env = exported(lines)
    return {
        "agent": (env["AGENTCHAT_EMAIL"], env["AGENTCHAT_PASSWORD"]),
        "manager": (env["AGENTCHAT_MANAGER_EMAIL"], env["AGENTCHAT_MANAGER_PASSWORD"]),
    }


class Wire:
    """Plain httpx calls of the API routes, checking each is served."""

    def __init__(self, http: httpx.Client, agent: str, manager: str) -> None:
        self.http = http
        self.agent = agent
        self.manager = manager
        self.called: set[str] = set()

    def call(self, name: str, expect: int = 200, **fields: Any) -> httpx.Response:
        """Call ``name`` with its documented method (a Manager's session for
        Managers-only calls): ``fields`` go in the body of a POST, else the query."""
        route = ROUTES[name]
        params: dict[str, Any] = {"Version": "1"}
        if route.session:
            params["SessionToken"] = self.manager if name in MANAGER_ONLY else self.agent
        body: dict[str, Any] | None = None
        if route.method == "POST":
            body = fields
        else:
            params.update(fields)
        response = self.http.request(route.method, route.path, params=params, json=body)
        unknown_route = response.status_code == 404 and "json" not in response.headers.get(
            "content-type", ""
        )
        assert not unknown_route, f"{name}: not served at {route.method} {route.path}"
        assert response.status_code != 405, f"{name}: {route.method} is not allowed"
        assert response.status_code == expect, (name, response.status_code, response.text)
        self.called.add(name)
        return response

    def data(self, name: str, **fields: Any) -> Any:
        return self.call(name, **fields).json()


def logon(http: httpx.Client, email: str, password: str) -> str:
    response = http.post(
        "/api/AgentLogon",
        params={"Version": "1"},
        json={"EmailAddress": email, "Password": password},
    )
    assert response.status_code == 200, response.text
    token = response.json()["SessionToken"]
    assert isinstance(token, str)
    return token


def test_demo_prints_a_transcript_of_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    transcript = capsys.readouterr().out
    steps = [
        "AgentLogon", "KeepAlive", "GetChatList", "GrabChat", "SendMessage", "AddTag",
        "AddComment", "CreateCannedResponse", "TransferChat", "ExportChat", "CloseChat",
        "AgentLogoff",
    ]  # fmt: skip
    positions = [transcript.find(f" {step} ") for step in steps]
    assert -1 not in positions, transcript
    assert positions == sorted(positions), transcript
    assert "duplicates: 0" in transcript


def test_every_route_is_served_over_http_by_the_simulate_command() -> None:
    with simulate() as (process, url), httpx.Client(base_url=url, timeout=10) as http:
        accounts = credentials(process)
        agent = logon(http, *accounts["agent"])
        manager = logon(http, *accounts["manager"])
        wire = Wire(http, agent, manager)
        wire.called.add("AgentLogon")

        # Chats and customers, as the Agent.
        wire.call("KeepAlive")
        waiting = wire.data("GetChatList", ChatType="unassigned")
        grabbed = wire.data("GrabChat")
        chat_id, customer_id = grabbed["ChatID"], grabbed["CustomerID"]
        sent = wire.data("SendMessage", ChatID=str(chat_id), MessageText="Hi, how can I help?")
        assert isinstance(sent["MessageID"], int)
        wire.call("AddComment", CustomerID=customer_id, Comment="Asked about prices")
        wire.call("AddTag", ChatID=chat_id, TagID=1)
        wire.call("RemoveTag", ChatID=chat_id, TagID=1)
        wire.call("UpdateCustomer", CustomerID=customer_id, FullName="Joe the Jester")
        found = wire.data("FindCustomer", MobileNumber=grabbed["MobileNumber"], IncludeChats=True)
        assert [c["CustomerID"] for c in found] == [customer_id]
        export = wire.call("ExportChat", ChatID=chat_id)
        assert export.headers["content-type"].startswith("text/csv")
        assert "Hi, how can I help?" in export.text
        departments = wire.data("GetDepartmentList")
        other = next(c for c in waiting if c["ChatID"] != chat_id)
        target = next(
            d["DepartmentID"]
            for d in departments
            if d["Enabled"] and d["DepartmentID"] != other["DepartmentID"]
        )
        wire.call("TransferChat", ChatID=other["ChatID"], DepartmentID=target)
        wire.call("AssignChat", ChatID=other["ChatID"])
        wire.call("ReAssignChat", AgentID=3, ChatID=other["ChatID"])  # Priya, Online
        wire.call("CloseChat", ChatID=chat_id)
        me = grabbed["AgentID"]
        email = accounts["agent"][0]
        wire.call("UpdateAgent", AgentID=me, Name="Jack", EmailAddress=email, RoleID=1, StatusID=4)
        for name in ("LiveMetrics", "GetReports", "GetRecipients", "GetSettings"):
            wire.call(name)
        wire.call("DataInsight", Period="week")
        wire.call("RequestPasswordReset", EmailAddress=email)
        # The code travels by e-mail; an unknown one is a business-rule 400.
        wire.call("SetPassword", expect=400, ResetCode="0" * 23)

        # Administration, as the Manager.
        new_agent = wire.data(
            "CreateAgent", Name="Lindiwe", EmailAddress="lindiwe@example.com", RoleID="1",
            DepartmentID=[1],
        )  # fmt: skip
        assert new_agent["EmailAddress"] == "lindiwe@example.com"
        department = wire.data("CreateDepartment", Name="Billing")["DepartmentID"]
        wire.call("UpdateDepartment", DepartmentID=department, WelcomeNew="Welcome to Billing")
        group = wire.data("CreateTagGroup", Name="Channels", Enabled=True)["TagGroupID"]
        tag = wire.data("CreateTag", TagGroupID=group, Name="WhatsApp", Enabled=True)["TagID"]
        wire.call("UpdateTag", TagID=tag, Name="WhatsApp Business")
        wire.call("UpdateTagGroup", TagGroupID=group, Enabled=False)
        wire.call("DeleteTag", TagID=tag)
        canned = wire.data("CreateCannedResponse", Name="bye", MessageText="Goodbye!")
        wire.call("UpdateCannedResponse", CannedResponseID=canned["CannedResponseID"], Name="end")
        wire.call("DeleteCannedResponse", CannedResponseID=canned["CannedResponseID"])
        day = {"Day": 6, "Enabled": True, "StartTime": "09:00", "EndTime": "13:00"}
        wire.call("UpdateWorkingHours", Days=[day])
        recipient = wire.data("CreateRecipient", FullName="Lindiwe", EmailAddress="l@example.com")
        schedule = wire.data(
            "CreateReportSchedule", RecipientID=recipient["RecipientID"], ReportID=1,
            Format="CSV", Grouping=["WEEK"], Delivery="EMAIL", ScheduledDay=[1, 3],
            ScheduledTime="16:30",
        )  # fmt: skip
        wire.call("DeleteReportSchedule", ScheduleID=schedule["ScheduleID"])
        wire.call("DeleteRecipient", RecipientID=recipient["RecipientID"])
        wire.call("UpdateSettings", Settings=[{"CompanyName": "Channel"}])
        assert {"CompanyName": "Channel"} in wire.data("GetSettings")["Settings"]

        wire.call("AgentLogoff")
        after = http.get("/api/KeepAlive", params={"Version": "1", "SessionToken": agent})
        assert after.status_code == 401
    assert wire.called == set(ROUTES)
    assert len(wire.called) == 42
    assert process.returncode is not None  # stopped, not leaked


def test_simulate_casing_camel_answers_in_camel_case() -> None:
    with simulate("--casing", "camel", "--seed", "3") as (process, url):
        email, password = credentials(process)["agent"]
        with httpx.Client(base_url=url, timeout=10) as http:
            answer = http.post(
                "/api/AgentLogon",
                params={"Version": "1"},
                json={"EmailAddress": email, "Password": password},
            ).json()
            token = answer["sessionToken"]
            chats = http.get("/api/GetChatList", params={"Version": "1", "SessionToken": token})
    assert chats.status_code == 200
    items = chats.json()
    assert len(items) > 0
    assert all("chatId" in item and "ChatID" not in item for item in items)
    assert {"agentId", "roleId", "emailAddress"} <= set(answer)


def test_simulate_prints_the_environment_as_shell_lines_and_the_faults_in_words() -> None:
    faults = ("--error-rate", "*:503:0.1", "--drop-after", "0.02", "--expire-every", "5")
    with simulate(*faults) as (process, url):
        lines = banner(process)
        assert lines == [
            f"AgentChat simulator on {url} (Ctrl+C stops it)",
            "faults: 10% 503 on every endpoint (Retry-After 1 s), drop 2% after processing, "
            "sessions expire every 5 s",
            "# The agent (AGENTCHAT_*), and a manager for the Manager-only calls:",
            f"export AGENTCHAT_BASE_URL={url}",
            "export AGENTCHAT_EMAIL=jack.rabbit@example.com",
            "export AGENTCHAT_PASSWORD=agent-password-1",
            "export AGENTCHAT_MANAGER_EMAIL=thandi.nkosi@example.com",
            "export AGENTCHAT_MANAGER_PASSWORD=manager-password-1",
        ]
        # Pasted into a shell, the lines give a program the client's settings:
        # AsyncAgentChat() without arguments logs on as the agent.
        shell = shutil.which("sh")
        if shell is None:  # pragma: no cover - every POSIX system has one
            pytest.skip("no sh to paste the lines into")
        program = (
            "import asyncio, os\n"
            "from agentchat import AsyncAgentChat\n"
            "async def main() -> None:\n"
            "    async with AsyncAgentChat(max_retries=10) as chat:\n"
            "        chats = await chat.get_chat_list()\n"
            "    print(len(chats), os.environ['AGENTCHAT_MANAGER_EMAIL'])\n"
            "asyncio.run(main())\n"
        )
        script = "\n".join([*lines[2:], f'exec {shlex.quote(sys.executable)} -c "$PROGRAM"'])
        clean = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCHAT_")}
        done = subprocess.run(  # noqa: S603 - sh with our own script
            [shell, "-c", script], env={**clean, "PROGRAM": program},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["30", "thandi.nkosi@example.com"]


def test_simulate_without_faults_prints_no_fault_line() -> None:
    with simulate("--seed", "5") as (process, url):
        lines = banner(process)
    assert lines[0] == f"AgentChat simulator on {url} (Ctrl+C stops it)"
    assert lines[1].startswith("# ")
    assert not any("faults" in line for line in lines)
    assert exported(lines)["AGENTCHAT_BASE_URL"] == url


def test_simulate_one_session_per_agent_ends_the_earlier_token_and_says_so() -> None:
    options = ("--one-session-per-agent", "--logon-latency", "0.1", "--drop-after", "0.02")
    with simulate(*options) as (process, url), httpx.Client(base_url=url, timeout=10) as http:
        lines = banner(process)
        assert lines[1] == (
            "faults: drop 2% after processing, "
            "one session per agent (a logon ends the earlier ones)"
        )
        email, password = credentials_of(lines)["agent"]
        started = time.monotonic()
        first = logon(http, email, password)
        assert time.monotonic() - started >= 0.1
        second = logon(http, email, password)
        keep_alive = {"Version": "1"}
        ended = http.get("/api/KeepAlive", params={**keep_alive, "SessionToken": first})
        live = http.get("/api/KeepAlive", params={**keep_alive, "SessionToken": second})
    assert (ended.status_code, ended.json()) == (401, {"Message": "Session expired or invalid"})
    assert live.status_code == 200


def test_help_lists_the_commands_and_the_fault_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as top:
        main(["--help"])
    assert top.value.code == 0
    assert {"simulate", "demo"} <= set(capsys.readouterr().out.split())
    with pytest.raises(SystemExit) as simulate_help:
        main(["simulate", "--help"])
    assert simulate_help.value.code == 0
    text = capsys.readouterr().out
    for option in (
        "--error-rate", "--retry-after", "--drop-before", "--drop-after", "--expire-every",
        "--malformed", "--latency", "--casing", "--session-timeout", "--seed", "--port",
        "--logon-latency", "--one-session-per-agent",
    ):  # fmt: skip
        assert option in text, option


def test_the_installed_command_runs() -> None:
    script = Path(sys.executable).with_name("agentchat")
    if not script.exists():  # pragma: no cover - not installed next to this interpreter
        pytest.skip("no agentchat script next to the interpreter")
    done = subprocess.run(  # noqa: S603 - our own script
        [str(script), "simulate", "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--error-rate" in done.stdout


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("SendMessage:503", "expected ENDPOINT:STATUS:PROBABILITY"),
        ("*:five:0.1", "expected ENDPOINT:STATUS:PROBABILITY"),
        ("SendMessage:404:0.1", "STATUS must be one of 429, 500, 502, 503, 504"),
        ("SendMessage:503:1.5", "0 <= P <= 1"),
    ],
)
def test_a_bad_error_rate_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--error-rate", value])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "argument --error-rate" in error
    assert problem in error
    assert repr(value) in error


def test_an_unknown_endpoint_in_error_rate_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--port", "0", "--error-rate", "SendMessages:503:0.1"])
    assert exit_info.value.code == 2
    assert "unknown endpoint 'SendMessages'" in capsys.readouterr().err


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl+C"])
def test_stopping_prints_what_was_served(stop: signal.Signals) -> None:
    """The server's side of a client's promises: requests and logons, when it stops;
    and it stops cleanly, by a service manager's SIGTERM as by Ctrl+C: exit 0, no
    traceback (uvicorn raises the signal it caught again as it returns)."""
    with simulate("--one-session-per-agent") as (process, url):
        accounts = credentials(process)
        email, password = accounts["agent"]
        for _ in range(2):
            logon = httpx.post(
                f"{url}/api/AgentLogon",
                params={"Version": "1"},
                json={"EmailAddress": email, "Password": password},
                timeout=5,
            )
            assert logon.status_code == 200
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=STARTUP_TIMEOUT)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    last = stdout.strip().splitlines()[-1]
    assert last.startswith("stopped after "), stdout
    assert "AgentLogon 2" in last
    assert last.endswith("; 2 successful logons")
