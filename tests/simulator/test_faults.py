"""Injected faults: what the client sees, and what the simulator did (or did not) process."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from agentchat import (
    APIConnectionError,
    OutcomeUnknownError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from agentchat.simulator import Faults, Simulator, SimulatorConfig
from agentchat.simulator._state import OPEN

from .helpers import START, Raw, client, make_sim, message

pytestmark = pytest.mark.anyio


def config(**faults: Any) -> SimulatorConfig:
    return SimulatorConfig(start_time=START, faults=Faults(**faults))


def open_chat(sim: Simulator) -> int:
    return next(c.chat_id for c in sim.state.chats.values() if c.status == OPEN)


async def test_injected_errors_process_nothing() -> None:
    sim, _ = make_sim(config(error_rates={"SendMessage": {503: 1.0}}))
    chat_id = open_chat(sim)
    before = len(sim.state.chats[chat_id].messages)
    async with client(sim, max_retries=2) as chat:
        with pytest.raises(ServerError) as caught:
            await chat.send_message(chat_id, "Hello")
    assert caught.value.status_code == 503
    assert sim.faults_injected == {"error_503": 3}  # the first try and two retries
    assert len(sim.state.chats[chat_id].messages) == before
    assert sim.journal == []
    assert sim.requests["SendMessage"] == 0


async def test_429_and_503_carry_retry_after_and_the_wildcard_applies_to_the_rest() -> None:
    faults = {"error_rates": {"*": {429: 1.0}, "AgentLogon": {}}, "retry_after": 1}
    sim, _ = make_sim(config(**faults))
    async with Raw(sim) as raw:
        token = await raw.logon()
        response = await raw.call("GET", "GetChatList", token)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert "simulated" in message(response)
    sim, _ = make_sim(config(error_rates={"*": {500: 1.0}, "AgentLogon": {}, "AgentLogoff": {}}))
    async with client(sim) as chat:
        with pytest.raises(ServerError):
            await chat.get_chat_list()  # 500 is not retried
    assert sim.faults_injected == {"error_500": 1}


async def test_unsafe_calls_are_retried_after_refusals_and_processed_exactly_once() -> None:
    sim, _ = make_sim(config(error_rates={"SendMessage": {503: 0.5, 429: 0.3}}))
    chat_id = open_chat(sim)
    async with client(sim, max_retries=40) as chat:
        for number in range(5):
            await chat.send_message(chat_id, f"Message {number}")
    assert [e.fields["message_text"] for e in sim.journal] == [f"Message {n}" for n in range(5)]
    assert sim.faults_injected["error_503"] + sim.faults_injected["error_429"] > 0
    refused = 0
    async with client(sim, max_retries=0) as chat:
        for _ in range(20):
            try:
                await chat.send_message(chat_id, "maybe refused")
            except (ServerError, RateLimitError):
                refused += 1
    assert 0 < refused < 20
    assert len(sim.journal) == 5 + 20 - refused


async def test_drop_before_processes_nothing_and_the_client_cannot_know() -> None:
    sim, _ = make_sim(config(drop_before={"SendMessage": 1.0}))
    chat_id = open_chat(sim)
    before = len(sim.state.chats[chat_id].messages)
    async with client(sim) as chat:
        with pytest.raises(OutcomeUnknownError):
            await chat.send_message(chat_id, "Hello")
    assert sim.faults_injected == {"drop_before": 1}
    assert len(sim.state.chats[chat_id].messages) == before
    assert sim.journal == []


async def test_drop_after_processes_and_journals_but_the_client_gets_no_answer() -> None:
    sim, _ = make_sim(config(drop_after={"SendMessage": 1.0, "GrabChat": 1.0}))
    chat_id = open_chat(sim)
    async with client(sim) as chat:
        with pytest.raises(OutcomeUnknownError, match="SendMessage"):
            await chat.send_message(chat_id, "Hello")
        with pytest.raises(OutcomeUnknownError, match="GrabChat"):
            await chat.grab_chat()
    assert sim.faults_injected == {"drop_after": 2}
    assert sim.state.chats[chat_id].messages[-1].text == "Hello"
    assert [e.endpoint for e in sim.journal] == ["SendMessage", "GrabChat"]
    assert sim.journal[0].fields["message_text"] == "Hello"


async def test_dropped_safe_calls_are_connection_errors_after_retries() -> None:
    sim, _ = make_sim(config(drop_before={"GetChatList": 1.0}))
    async with client(sim, max_retries=0) as chat:
        with pytest.raises(APIConnectionError):
            await chat.get_chat_list()
    assert sim.faults_injected == {"drop_before": 1}


async def test_forced_expiry_makes_the_client_log_on_again() -> None:
    sim, clock = make_sim(config(expire_every=60))
    async with client(sim) as chat:
        await chat.get_chat_list()
        clock.advance(59)
        await chat.get_chat_list()
        assert chat.stats.relogons == 0
        clock.advance(1)
        await chat.get_chat_list()
        assert chat.stats.relogons == 1
    assert sim.faults_injected == {"expired": 1}
    assert sim.requests["AgentLogon"] == 2


async def test_malformed_bodies_raise_response_format_errors() -> None:
    sim, _ = make_sim(config(malformed={"GetChatList": 1.0, "ExportChat": 1.0, "SendMessage": 1.0}))
    chat_id = open_chat(sim)
    async with client(sim) as chat:
        with pytest.raises(ResponseFormatError, match="GetChatList"):
            await chat.get_chat_list()
        with pytest.raises(ResponseFormatError, match="ExportChat"):
            await chat.export_chat(chat_id)
        with pytest.raises(ResponseFormatError, match="SendMessage"):
            await chat.send_message(chat_id, "Processed, answer garbled")
        await chat.get_department_list()
    assert sim.faults_injected == {"malformed": 3}
    assert [e.endpoint for e in sim.journal] == ["SendMessage"]


async def test_malformed_never_touches_error_answers() -> None:
    sim, _ = make_sim(config(malformed=1.0))
    async with Raw(sim) as raw:
        response = await raw.call("GET", "KeepAlive", "unknown")
    assert response.status_code == 401
    assert message(response) == "Session expired or invalid"
    assert sim.faults_injected == {}


async def test_latency_is_added_to_every_request() -> None:
    sim, _ = make_sim(SimulatorConfig(start_time=START, latency=0.02))
    async with client(sim) as chat:
        begun = anyio.current_time()
        await chat.keep_alive()
        await chat.keep_alive()
        elapsed = anyio.current_time() - begun
    assert elapsed >= 0.04


async def test_the_same_seed_injects_the_same_faults() -> None:
    def run() -> list[int]:
        sim, _ = make_sim(SimulatorConfig(seed=9, faults=Faults(error_rates={"*": {500: 0.5}})))
        injector = sim._faults  # the dice, rolled directly
        return [injector.roll_error("KeepAlive") or 200 for _ in range(40)]

    first = run()
    assert first == run()
    assert {200, 500} == set(first)


@pytest.mark.parametrize(
    ("faults", "match"),
    [
        ({"error_rates": {"SendMesage": {503: 0.1}}}, "unknown endpoint 'SendMesage'"),
        ({"error_rates": {"*": {404: 0.1}}}, "status 404"),
        ({"error_rates": {"*": {500: 0.7, 503: 0.7}}}, "more than 1"),
        ({"drop_before": 1.5}, "probability"),
        ({"drop_after": {"Nope": 0.1}}, "unknown endpoint"),
        ({"expire_every": 0}, "expire_every"),
        ({"retry_after": -1}, "retry_after"),
    ],
)
def test_fault_settings_are_checked(faults: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Faults(**faults)


def test_config_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="casing"):
        SimulatorConfig(casing="snake")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="latency"):
        SimulatorConfig(latency=-1)
    with pytest.raises(ValueError, match="session_idle_timeout"):
        SimulatorConfig(session_idle_timeout=0)
    with pytest.raises(ValueError, match="logon_latency"):
        SimulatorConfig(logon_latency=-0.5)
    with pytest.raises(TypeError, match="one_session_per_agent"):
        SimulatorConfig(one_session_per_agent="yes")  # type: ignore[arg-type]
