"""A local AgentChat server for tests and demos (needs the `simulator` extra).

Like moto for AWS or stripe-mock: every endpoint of the reference over
in-memory, seeded state (which holds the reference's example IDs: chat 407,
department 8, tag 22...), with its business rules, a PascalCase or camelCase
dialect, and injectable faults (error statuses, dropped connections, garbage
bodies, expiring sessions, latency). Every unsafe operation it processes is
journaled, so a test can assert that a message was sent exactly once.

```python
from agentchat import AsyncAgentChat
from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

sim = Simulator(SimulatorConfig(faults=Faults(error_rates={"*": {503: 0.1}})))
async with AsyncAgentChat(
    sim.agent_email, sim.agent_password,
    base_url="http://127.0.0.1", transport=sim.transport(),
) as chat:
    grabbed = await chat.grab_chat()
    await chat.send_message(grabbed.chat_id, "Hello!")
assert [e.endpoint for e in sim.journal] == ["GrabChat", "SendMessage"]

with serve_in_thread(sim) as url:  # real sockets, e.g. for a bot in a subprocess
    env = {**os.environ, **sim.environment(url)}  # AGENTCHAT_BASE_URL, _EMAIL...
```

The pytest fixtures are in `agentchat.simulator.pytest_plugin`; the
`agentchat simulate` command serves a simulator from a terminal.
"""

from ._app import Simulator
from ._config import Faults, SimulatorConfig
from ._faults import ConnectionDropped
from ._serve import serve, serve_in_thread
from ._state import JournalEntry

__all__ = [
    "ConnectionDropped",
    "Faults",
    "JournalEntry",
    "Simulator",
    "SimulatorConfig",
    "serve",
    "serve_in_thread",
]
