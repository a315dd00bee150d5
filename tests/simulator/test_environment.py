"""What points a program at a simulator: ``Simulator.environment()``, the
``agentchat_environment`` fixture, the shell lines of ``agentchat simulate``, and
``Faults.describe()`` (its fault line)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from agentchat import AsyncAgentChat
from agentchat._cli import ENVIRONMENT_COMMENT, shell_lines
from agentchat.simulator import Faults, Simulator, SimulatorConfig

NAMES = [
    "AGENTCHAT_BASE_URL",
    "AGENTCHAT_EMAIL",
    "AGENTCHAT_PASSWORD",
    "AGENTCHAT_MANAGER_EMAIL",
    "AGENTCHAT_MANAGER_PASSWORD",
]


def test_environment_names_the_url_and_both_seeded_accounts() -> None:
    sim = Simulator()
    environment = sim.environment("http://127.0.0.1:8000")
    assert list(environment) == NAMES
    assert environment == {
        "AGENTCHAT_BASE_URL": "http://127.0.0.1:8000",
        "AGENTCHAT_EMAIL": sim.agent_email,
        "AGENTCHAT_PASSWORD": sim.agent_password,
        "AGENTCHAT_MANAGER_EMAIL": sim.manager_email,
        "AGENTCHAT_MANAGER_PASSWORD": sim.manager_password,
    }
    environment["AGENTCHAT_EMAIL"] = "changed"  # a new dict each time
    assert sim.environment("http://x")["AGENTCHAT_EMAIL"] == sim.agent_email


def test_environment_carries_the_api_key_when_one_is_required() -> None:
    sim = Simulator(SimulatorConfig(api_key="k-123"))
    environment = sim.environment("http://127.0.0.1:1")
    assert list(environment) == [*NAMES, "AGENTCHAT_API_KEY"]
    assert environment["AGENTCHAT_API_KEY"] == "k-123"


@pytest.mark.anyio
async def test_the_environment_fixture_reaches_the_served_simulator(
    agentchat_environment: dict[str, str],
    agentchat_simulator: Simulator,
    agentchat_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert agentchat_environment == agentchat_simulator.environment(agentchat_server)
    # The fixture leaves the process environment alone.
    assert os.environ.get("AGENTCHAT_BASE_URL") != agentchat_server
    for name, value in agentchat_environment.items():
        monkeypatch.setenv(name, value)
    async with AsyncAgentChat(keep_alive_interval=None) as chat:  # from the environment
        assert len(await chat.get_chat_list()) == 30
    async with AsyncAgentChat(
        os.environ["AGENTCHAT_MANAGER_EMAIL"],
        os.environ["AGENTCHAT_MANAGER_PASSWORD"],
        keep_alive_interval=None,
    ) as boss:
        await boss.update_settings({"CompanyName": "Channel"})
    assert agentchat_simulator.state.settings["CompanyName"] == "Channel"


def test_shell_lines_are_a_comment_and_one_quoted_export_per_variable() -> None:
    lines = shell_lines({"AGENTCHAT_BASE_URL": "http://127.0.0.1:8000", "AGENTCHAT_X": "a b"})
    assert lines == [
        ENVIRONMENT_COMMENT,
        "export AGENTCHAT_BASE_URL=http://127.0.0.1:8000",
        "export AGENTCHAT_X='a b'",
    ]
    assert ENVIRONMENT_COMMENT.startswith("# ")


def test_shell_lines_give_the_values_back_in_a_real_shell() -> None:
    shell = shutil.which("sh")
    if shell is None:  # pragma: no cover - every POSIX system has one
        pytest.skip("no sh")
    values = {
        "AGENTCHAT_A": 'it\'s "quoted"',
        "AGENTCHAT_B": "$HOME `id` $(id) \\ ; & | * ? ~ !",
        "AGENTCHAT_C": "two\nlines",
        "AGENTCHAT_D": "",
        "AGENTCHAT_E": "pässwörd ✓",
    }
    show = "import json, os; print(json.dumps({k: os.environ[k] for k in sorted(os.environ) if k.startswith('AGENTCHAT_')}))"  # noqa: E501
    script = "\n".join([*shell_lines(values), f'exec "$PYTHON" -c "{show}"'])
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCHAT_")}
    done = subprocess.run(  # noqa: S603 - sh with our own script
        [shell, "-c", script], env={**clean, "PYTHON": sys.executable, "PYTHONUTF8": "1"},
        capture_output=True, text=True, encoding="utf-8", timeout=30, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == values


@pytest.mark.parametrize(
    ("faults", "words"),
    [
        (Faults(), "none"),
        (Faults(retry_after=3), "none"),
        (
            Faults(error_rates={"*": {503: 0.1}}, drop_after=0.02, expire_every=5),
            "10% 503 on every endpoint, drop 2% after processing, sessions expire every 5 s",
        ),
        (
            Faults(error_rates={"*": {503: 0.1}}, retry_after=1.5),
            "10% 503 on every endpoint (Retry-After 1.5 s)",
        ),
        (
            Faults(error_rates={"*": {500: 0.1}}, retry_after=1.5),  # no Retry-After with 500
            "10% 500 on every endpoint",
        ),
        (
            Faults(error_rates={"SendMessage": {500: 0.05, 429: 0.07}, "*": {503: 0.001}}),
            "7% 429 and 5% 500 on SendMessage, 0.1% 503 on every other endpoint",
        ),
        (
            Faults(drop_before={"GrabChat": 0.5, "*": 0.01}, malformed=0.003),
            "drop 50% on GrabChat and 1% on every other endpoint before processing, "
            "garble 0.3% of the answers",
        ),
        (
            Faults(malformed={"GetChatList": 0.25}, drop_after={"*": 0.0}),
            "garble 25% of the answers on GetChatList",
        ),
        (Faults(expire_every=0.5), "sessions expire every 0.5 s"),
    ],
)
def test_faults_describe_themselves_in_words(faults: Faults, words: str) -> None:
    assert faults.describe() == words
    assert "mappingproxy" not in words


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (SimulatorConfig(), "none"),
        (SimulatorConfig(logon_latency=2, latency=0.1), "none"),
        (SimulatorConfig(faults=Faults(expire_every=5)), "sessions expire every 5 s"),
        (
            SimulatorConfig(one_session_per_agent=True),
            "one session per agent (a logon ends the earlier ones)",
        ),
        (
            SimulatorConfig(faults=Faults(drop_after=0.02), one_session_per_agent=True),
            "drop 2% after processing, one session per agent (a logon ends the earlier ones)",
        ),
    ],
)
def test_a_config_describes_its_faults_and_session_mode(
    config: SimulatorConfig, words: str
) -> None:
    assert config.describe() == words
