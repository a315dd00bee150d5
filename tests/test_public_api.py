"""The public surface: ``__all__``, the route table against the reference, the error
tree, and the public names' home (``agentchat``) as help(), repr() and pickle see it."""

from __future__ import annotations

import json
import pickle
import pydoc
import typing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
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


# -- the public names' home ----------------------------------------------------


@pytest.mark.parametrize(
    "cls",
    [agentchat.ChatWorker, agentchat.AsyncAgentChat, agentchat.LogonError, agentchat.Chat],
)
def test_help_and_repr_show_the_public_module(cls: type) -> None:
    assert repr(cls) == f"<class 'agentchat.{cls.__name__}'>"
    title = pydoc.render_doc(cls).splitlines()[0]
    assert title == f"Python Library Documentation: class {cls.__name__} in module agentchat"


def test_a_model_and_an_error_pickle_round_trip() -> None:
    created = datetime(2024, 3, 1, 10, 15, tzinfo=timezone.utc)
    chat = agentchat.Chat(
        chat_id=406, created=created, extra={"Mood": "happy"}, raw={"ChatID": 406}
    )
    models = [
        chat,
        agentchat.ChatList(chats=(chat,)),
        agentchat.WorkingDay(day=agentchat.Weekday.MONDAY, start_time="08:00", end_time="17:00"),
        agentchat.ChatType.OPEN,
    ]
    for model in models:
        assert pickle.loads(pickle.dumps(model)) == model  # noqa: S301 - our own bytes
    # Pickles name the public home, so they load after the private modules move.
    assert b"agentchat.models" not in pickle.dumps(chat)
    errors = [
        agentchat.LogonError("refused", status_code=401),
        agentchat.InvalidRequestError("chat_id must be an int ID"),
        # Keyword-only attributes travel too (they made unpickling fail before).
        agentchat.NotFoundError(
            "GetChatList returned 404", status_code=404, endpoint="GetChatList", body="{}"
        ),
        agentchat.OutcomeUnknownError("lost", endpoint="SendMessage", request_url="https://h/api"),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copy) is type(error)
        assert (copy.args, vars(copy)) == (error.args, vars(error))
        assert b"agentchat._" not in pickle.dumps(error)


def test_the_type_hints_of_every_public_class_still_resolve() -> None:
    # String annotations resolve where ``__module__`` points: agentchat/__init__.py
    # resolves them where they were written before pointing it at ``agentchat``.
    for name in agentchat.__all__:
        obj = getattr(agentchat, name)
        if isinstance(obj, type):
            typing.get_type_hints(obj)
            if attrs.has(obj):
                assert not [f.name for f in attrs.fields(obj) if isinstance(f.type, str)], name
    assert typing.get_type_hints(agentchat.Chat)["created"] == datetime | None
