"""Pytest fixtures for testing your own bots against the local simulator.

Enable them in a `conftest.py`:

```python
pytest_plugins = ["agentchat.simulator.pytest_plugin"]
```

Then, with anyio's pytest plugin (or pytest-asyncio):

```python
@pytest.mark.anyio
async def test_my_bot_answers(agentchat_simulator: Simulator) -> None:
    sim = agentchat_simulator
    async with AsyncAgentChat(
        sim.agent_email, sim.agent_password,
        base_url="http://127.0.0.1", transport=sim.transport(),
    ) as chat:
        await my_bot.answer_one(chat)
    assert [entry.endpoint for entry in sim.journal] == ["GrabChat", "SendMessage"]
```

`agentchat_simulator` runs in process (no port); `agentchat_server` serves
the same simulator on a free 127.0.0.1 port and gives its base URL, for tests
that need real sockets; `agentchat_environment` gives the `AGENTCHAT_*`
variables pointing at that server, for a bot run as a subprocess (or through
`monkeypatch.setenv`). Override `agentchat_simulator_config` to change casing,
faults or timing. Each test gets a fresh simulator.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import Simulator, SimulatorConfig
from ._serve import serve_in_thread

__all__ = [
    "agentchat_environment",
    "agentchat_server",
    "agentchat_simulator",
    "agentchat_simulator_config",
]


@pytest.fixture
def agentchat_simulator_config() -> SimulatorConfig:
    """The configuration of `agentchat_simulator`; override it to change it.

    Override it in a `conftest.py`, a module or a class; the example gives
    camelCase answers and refuses one request in five with 503.

    Example:
        ```python
        @pytest.fixture
        def agentchat_simulator_config() -> SimulatorConfig:
            return SimulatorConfig(casing="camel", faults=Faults(error_rates={"*": {503: 0.2}}))
        ```

    Returns:
        `SimulatorConfig()`: the default seed, no faults.
    """
    return SimulatorConfig()


@pytest.fixture
def agentchat_simulator(agentchat_simulator_config: SimulatorConfig) -> Simulator:
    """A fresh simulator with the seed data, for in-process use via `transport()`.

    Args:
        agentchat_simulator_config: Its configuration (a fixture).

    Returns:
        A new `Simulator`, not served: reach it with
        `AsyncAgentChat(..., base_url="http://127.0.0.1", transport=sim.transport())`.
    """
    return Simulator(agentchat_simulator_config)


@pytest.fixture
def agentchat_server(agentchat_simulator: Simulator) -> Iterator[str]:
    """`agentchat_simulator` served on a free 127.0.0.1 port, for real sockets.

    The server runs in a background thread (`serve_in_thread()`) until the
    test ends, with its life (`new_chat_interval`, `expire_every`) running.

    Args:
        agentchat_simulator: The simulator to serve (a fixture).

    Yields:
        Its base URL, such as `"http://127.0.0.1:50123"`.
    """
    with serve_in_thread(agentchat_simulator) as url:
        yield url


@pytest.fixture
def agentchat_environment(agentchat_simulator: Simulator, agentchat_server: str) -> dict[str, str]:
    """The `AGENTCHAT_*` variables that point a program at `agentchat_server`.

    `AGENTCHAT_BASE_URL`, `AGENTCHAT_EMAIL`, `AGENTCHAT_PASSWORD` (the seeded
    Agent), `AGENTCHAT_MANAGER_EMAIL`, `AGENTCHAT_MANAGER_PASSWORD` (the seeded
    Manager), as `agentchat simulate` prints them; see
    `Simulator.environment()`. Give them to a bot run as a subprocess (the
    example), or set them in process with `monkeypatch.setenv(name, value)`
    for each item, so that `AsyncAgentChat()` without arguments reaches the
    simulator. The process environment itself is not changed.

    Example:
        ```python
        def test_my_bot_script(agentchat_environment: dict[str, str]) -> None:
            env = {**os.environ, **agentchat_environment}
            subprocess.run([sys.executable, "bot.py", "--once"], env=env, check=True)
        ```

    Args:
        agentchat_simulator: The simulator (a fixture).
        agentchat_server: Its base URL (a fixture: the server runs).

    Returns:
        Variable name to value; a new dict for each test.
    """
    return agentchat_simulator.environment(agentchat_server)
