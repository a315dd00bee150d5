"""Shared pieces of the simulator tests: a clock they control, clients, raw calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from agentchat import AsyncAgentChat
from agentchat.simulator import Simulator, SimulatorConfig
from agentchat.simulator._app import SAST

BASE_URL = "http://127.0.0.1"
#: The seeded Agent (departments 1 and 2), an Online and an Offline agent.
JACK, PRIYA, MARIA = 2, 3, 5
#: A fixed start, so two simulators with the same seed hold identical data.
START = datetime(2024, 3, 1, 10, 15, tzinfo=SAST)


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_sim(config: SimulatorConfig | None = None, **kwargs: Any) -> tuple[Simulator, FakeClock]:
    """A simulator on a ``FakeClock`` with a fixed start time."""
    clock = FakeClock()
    config = config or SimulatorConfig(start_time=START, **kwargs)
    return Simulator(config, clock=clock), clock


def client(
    sim: Simulator,
    *,
    manager: bool = False,
    email: str | None = None,
    password: str | None = None,
    **kwargs: Any,
) -> AsyncAgentChat:
    """The real client, in process, as the seeded Agent (or Manager, or anyone)."""
    email = email or (sim.manager_email if manager else sim.agent_email)
    password = password or (sim.manager_password if manager else sim.agent_password)
    kwargs.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(email, password, base_url=BASE_URL, transport=sim.transport(), **kwargs)


class Raw:
    """Plain httpx calls, for what the client refuses to send."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.http = httpx.AsyncClient(transport=sim.transport(), base_url=BASE_URL)

    async def __aenter__(self) -> Raw:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.http.aclose()

    async def logon(self, *, manager: bool = False) -> str:
        sim = self.sim
        body = {
            "EmailAddress": sim.manager_email if manager else sim.agent_email,
            "Password": sim.manager_password if manager else sim.agent_password,
        }
        response = await self.http.post("/api/AgentLogon", params={"Version": "1"}, json=body)
        assert response.status_code == 200, response.text
        token = response.json()["SessionToken"]
        assert isinstance(token, str)
        return token

    async def call(
        self,
        method: str,
        name: str,
        token: str | None = None,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        version: str | None = "1",
    ) -> httpx.Response:
        query: dict[str, Any] = dict(params or {})
        if version is not None:
            query["Version"] = version
        if token is not None:
            query["SessionToken"] = token
        return await self.http.request(
            method, f"/api/{name}", params=query, json=json, content=content
        )


def message(response: httpx.Response) -> str:
    """The ``Message`` of an error answer."""
    data = response.json()
    assert isinstance(data, dict), data
    text = data.get("Message", data.get("message"))
    assert isinstance(text, str), data
    return text


def idle_customer(sim: Simulator) -> int:
    """A customer whose chats are all closed."""
    state = sim.state
    return next(c for c in state.customers if state.chats_of(c) and not state.active_chats_of(c))


def active_customer(sim: Simulator) -> int:
    return next(c for c in sim.state.customers if sim.state.active_chats_of(c))


def chat_in(sim: Simulator, status: str) -> int:
    return next(c.chat_id for c in sim.state.chats.values() if c.status == status)
