"""Every route of the shared table has exactly one simulator handler, and no other exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.routing import Route as StarletteRoute

from agentchat import simulator
from agentchat._routes import ROUTES
from agentchat.simulator import Simulator
from agentchat.simulator._context import HANDLERS, MANAGER_ONLY, Call, Reply, handler

ENDPOINTS = json.loads((Path(__file__).parents[1] / "data" / "endpoints.json").read_text())


def test_every_route_has_exactly_one_handler_and_no_handler_is_extra() -> None:
    assert set(HANDLERS) == set(ROUTES)
    assert len(HANDLERS) == len(ROUTES) == len(ENDPOINTS) == 42


def test_the_app_serves_each_route_at_its_path_and_method_only() -> None:
    sim = Simulator()
    served = {
        (route.path, method)
        for route in sim.app.routes
        if isinstance(route, StarletteRoute)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == {(route.path, route.method) for route in ROUTES.values()}


def test_a_second_handler_for_a_route_is_refused() -> None:
    def again(call: Call) -> Reply:
        return None

    with pytest.raises(LookupError, match="two handlers"):
        handler("SendMessage")(again)
    with pytest.raises(LookupError, match="not an endpoint"):
        handler("SendMessages")(again)
    assert HANDLERS["SendMessage"] is not again


def test_a_route_without_a_handler_fails_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(HANDLERS, "GrabChat")
    with pytest.raises(RuntimeError, match="no handler for GrabChat"):
        Simulator()


def test_managers_only_calls_are_endpoints() -> None:
    assert set(MANAGER_ONLY) <= set(ROUTES)
    assert all(name.startswith(("Create", "Update", "Delete")) for name in MANAGER_ONLY)


def test_public_names() -> None:
    assert simulator.__all__ == sorted(simulator.__all__, key=lambda n: (n[0].islower(), n))
    assert set(simulator.__all__) == {
        "ConnectionDropped",
        "Faults",
        "JournalEntry",
        "Simulator",
        "SimulatorConfig",
        "serve",
        "serve_in_thread",
    }
