"""The API reference is the docstrings: every public member of ``AsyncAgentChat`` has one.

Rendered by mkdocstrings with ``docstring_style: google``. Each public method has a
one-line summary and ``Args:`` (every parameter, nothing else), ``Returns:`` and
``Raises:`` sections (a property: ``Returns:``). Each endpoint method names its HTTP
call and retry class, read from the route table (``_routes``) through the endpoint
table (``tests/data/endpoints.json``), in one form, as its second paragraph::

    `POST /api/SendMessage` · retry class **unsafe**: never resent once it may have
    reached the server; a lost answer raises `OutcomeUnknownError`.

A docstring removed, a route or class named wrong, or a parameter left out fails here.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, Final

import pytest

import agentchat
from agentchat import AsyncAgentChat
from agentchat._base_client import ClientBase
from agentchat._routes import ROUTES, Retry, Route
from agentchat.simulator._context import MANAGER_ONLY

from .strategies import ENDPOINTS

pytestmark = pytest.mark.httpx_only  # no wire: the docstrings, the same on every transport

#: What each retry class means, in the one sentence every endpoint docstring uses.
MEANING: Final[dict[Retry, str]] = {
    Retry.READ: "changes nothing; retried after connection failures, timeouts, 429 and 502-504.",
    Retry.IDEMPOTENT: (
        "repeating it leaves the same state; retried after connection failures, timeouts,"
        " 429 and 502-504."
    ),
    Retry.UNSAFE: (
        "never resent once it may have reached the server; a lost answer raises"
        " `OutcomeUnknownError`."
    ),
}
ROUTE_OF: Final[dict[str, Route]] = {e["python"]: ROUTES[e["name"]] for e in ENDPOINTS}
SECTIONS: Final = ("Args", "Returns", "Raises")
#: Errors a docstring may name besides the library's own.
BUILTIN_ERRORS: Final = frozenset({"RuntimeError", "TypeError"})


def public_members() -> dict[str, Any]:
    """The public attributes of ``AsyncAgentChat`` (methods and properties), by name."""
    return {
        name: member
        for name, member in inspect.getmembers(AsyncAgentChat)
        if not name.startswith("_")
    }


PUBLIC: Final = public_members()
METHODS: Final = sorted(name for name, member in PUBLIC.items() if callable(member))
PROPERTIES: Final = sorted(name for name, member in PUBLIC.items() if isinstance(member, property))


def docstring(name: str) -> str:
    member = PUBLIC[name]
    function = member.fget if isinstance(member, property) else member
    doc = function.__doc__
    assert doc, f"{name} has no docstring"
    return inspect.cleandoc(doc)


def sections(doc: str) -> dict[str, list[str]]:
    """A Google-style docstring's sections: each header's lines, dedented once."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in doc.splitlines():
        header = re.fullmatch(r"(\w+):", line)
        if header:
            current = found.setdefault(header.group(1), [])
        elif current is not None and (line.startswith("    ") or not line.strip()):
            current.append(line[4:])
        else:
            current = None
    return found


def entries(lines: list[str]) -> list[str]:
    """The names a section lists (``name: description`` at its first indentation)."""
    return [m.group(1) for line in lines if (m := re.match(r"(\w+): \S", line))]


def parameters(function: Callable[..., Any]) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


def retry_line(route: Route) -> str:
    call = f"`{route.method} {route.path}`"
    return f"{call} · retry class **{route.retry.value}**: {MEANING[route.retry]}"


def flat(text: str) -> str:
    return " ".join(text.split())


# -- the tables themselves -------------------------------------------------------------


def test_every_endpoint_and_the_extras_are_public() -> None:
    assert len(ROUTE_OF) == 42
    assert set(ROUTE_OF) <= set(METHODS)
    assert set(METHODS) - set(ROUTE_OF) == {"chat_worker", "watch_chats", "with_options"}
    assert PROPERTIES == ["agent", "stats"]


# -- every public member ---------------------------------------------------------------


@pytest.mark.parametrize("name", METHODS)
def test_a_method_has_a_summary_args_returns_and_raises(name: str) -> None:
    doc = docstring(name)
    summary, *rest = doc.splitlines()
    assert summary.endswith("."), f"{name}: a one-line summary"
    assert not rest or not rest[0].strip(), f"{name}: a blank line after the summary"
    found = sections(doc)
    params = parameters(getattr(AsyncAgentChat, name))
    assert ("Args" in found) is bool(params), f"{name}: Args exactly when it has parameters"
    assert entries(found.get("Args", [])) == params, f"{name}: every parameter, in order"
    assert "Returns" in found, f"{name}: no Returns"
    assert "".join(found["Returns"]).strip(), f"{name}: an empty Returns"
    raised = entries(found.get("Raises", []))
    assert raised, f"{name}: no Raises"
    unknown = [e for e in raised if e not in agentchat.__all__ and e not in BUILTIN_ERRORS]
    assert not unknown, f"{name}: not errors of the library: {unknown}"


@pytest.mark.parametrize("name", PROPERTIES)
def test_a_property_has_a_summary_and_returns(name: str) -> None:
    doc = docstring(name)
    assert doc.splitlines()[0].endswith(".")
    assert "".join(sections(doc).get("Returns", [])).strip(), f"{name}: no Returns"


def test_the_class_docstring_covers_the_block_and_the_constructor() -> None:
    doc = inspect.cleandoc(AsyncAgentChat.__doc__ or "")
    assert "**Entering**" in doc
    assert "**Leaving**" in doc
    found = sections(doc)
    assert entries(found["Args"]) == parameters(ClientBase.__init__)
    assert {"InvalidRequestError", "LogonError", "RuntimeError"} <= set(entries(found["Raises"]))


# -- every endpoint method -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ROUTE_OF))
def test_an_endpoint_names_its_call_and_retry_class(name: str) -> None:
    route = ROUTE_OF[name]
    doc = docstring(name)
    paragraphs = doc.split("\n\n")
    assert flat(paragraphs[1]) == retry_line(route)
    assert doc.count("retry class") == 1, f"{name}: one retry class, named once"
    assert doc.count("/api/") == 1, f"{name}: one path"


@pytest.mark.parametrize("name", sorted(ROUTE_OF))
def test_an_endpoint_raises_what_its_class_and_rules_say(name: str) -> None:
    route = ROUTE_OF[name]
    raised = set(entries(sections(docstring(name))["Raises"]))
    assert ("OutcomeUnknownError" in raised) is (route.retry is Retry.UNSAFE), name
    assert {"APIStatusError", "APIConnectionError", "APITimeoutError"} <= raised, name
    if parameters(getattr(AsyncAgentChat, name)):
        assert "InvalidRequestError" in raised, name
    if route.session and name not in ("agent_logoff", "agent_logon"):
        assert "LogonError" in raised, name
    if route.name in MANAGER_ONLY:
        assert "PermissionDeniedError" in raised, name
        assert "(Managers only)" in docstring(name).splitlines()[0], name


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: "",
        lambda doc: doc.replace("**unsafe**", "**idempotent**"),
        lambda doc: doc.replace("POST /api/SendMessage", "GET /api/SendMessage"),
        lambda doc: doc.replace("message_text:", "text:"),
        lambda doc: doc.replace("Raises:", "Notes:"),
        lambda doc: doc.replace("OutcomeUnknownError:", "ConflictError:"),
    ],
    ids=[
        "removed",
        "wrong-class",
        "wrong-method",
        "a-parameter-left-out",
        "no-raises",
        "no-outcome",
    ],
)
def test_the_checks_fail_on_a_wrong_docstring(
    monkeypatch: pytest.MonkeyPatch, edit: Callable[[str], str]
) -> None:
    """The checks above catch a docstring that is removed or says the wrong thing."""
    method = AsyncAgentChat.send_message
    original = method.__doc__ or ""
    assert edit(original) != original
    monkeypatch.setattr(method, "__doc__", edit(original))
    with pytest.raises(AssertionError):
        every_check("send_message")


def every_check(name: str) -> None:
    test_a_method_has_a_summary_args_returns_and_raises(name)
    test_an_endpoint_names_its_call_and_retry_class(name)
    test_an_endpoint_raises_what_its_class_and_rules_say(name)


def test_every_check_passes_on_the_real_docstring() -> None:
    every_check("send_message")
