"""The public surface: ``__all__``, the route table against the reference, the error tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import agentchat
from agentchat._routes import ROUTES, Retry

DATA = Path(__file__).parent / "data" / "endpoints.json"


def _reference() -> list[dict[str, Any]]:
    return json.loads(DATA.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_all_is_exactly_the_public_names() -> None:
    public = {name for name in vars(agentchat) if not name.startswith("_")}
    # Subpackages: importable, their public names re-exported one by one (models)
    # or kept behind the optional extra (simulator).
    public -= {"models", "simulator"}
    assert set(agentchat.__all__) == public | {"__version__"}
    assert len(agentchat.__all__) == len(set(agentchat.__all__))


def test_route_table_matches_the_reference() -> None:
    reference = _reference()
    assert len(reference) == 42
    assert list(ROUTES) == [endpoint["name"] for endpoint in reference]
    for endpoint in reference:
        route = ROUTES[endpoint["name"]]
        assert route.method == endpoint["method"]
        assert route.path == endpoint["path"]
        assert route.retry is Retry(endpoint["retry"])
        assert route.session is endpoint["session"]


@pytest.mark.parametrize(
    "name",
    [
        "agent_logon",
        "agent_logoff",
        "keep_alive",
        "set_password",
        "request_password_reset",
        "get_chat_list",
        "send_message",
    ],
)
def test_core_endpoints_have_their_documented_method(name: str) -> None:
    assert name in {endpoint["python"] for endpoint in _reference()}
    assert callable(getattr(agentchat.AsyncAgentChat, name))


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (agentchat.InvalidRequestError, (agentchat.AgentChatError, ValueError)),
        (agentchat.BadRequestError, (agentchat.APIStatusError,)),
        (agentchat.AuthenticationError, (agentchat.APIStatusError,)),
        (agentchat.PermissionDeniedError, (agentchat.APIStatusError,)),
        (agentchat.NotFoundError, (agentchat.APIStatusError,)),
        (agentchat.ConflictError, (agentchat.APIStatusError,)),
        (agentchat.RateLimitError, (agentchat.APIStatusError,)),
        (agentchat.ServerError, (agentchat.APIStatusError,)),
        (agentchat.APIStatusError, (agentchat.AgentChatError,)),
        (agentchat.APIConnectionError, (agentchat.AgentChatError,)),
        (agentchat.APITimeoutError, (agentchat.AgentChatError,)),
        (agentchat.OutcomeUnknownError, (agentchat.AgentChatError,)),
        (agentchat.ResponseFormatError, (agentchat.AgentChatError,)),
        (agentchat.LogonError, (agentchat.AgentChatError,)),
    ],
)
def test_error_hierarchy(error: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    for base in bases:
        assert issubclass(error, base)


def test_unsafe_endpoints_are_exactly_the_contracts() -> None:
    unsafe = {name for name, route in ROUTES.items() if route.retry is Retry.UNSAFE}
    assert {"SendMessage", "AddComment", "GrabChat", "SetPassword"} <= unsafe
    assert {name for name in ROUTES if name.startswith("Create")} <= unsafe
    assert ROUTES["GetChatList"].retry is not Retry.UNSAFE
