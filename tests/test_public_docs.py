"""The API reference's source: every public name documented, in its public home.

The documentation site renders ``agentchat.__all__`` from the docstrings
(mkdocstrings, Google style), so a public class, function, method, field, enum
member or error attribute without a description is a hole in the reference,
and a name that reports a private module (``agentchat._worker``) sends
``help()`` readers there. The last tests read the sources as the site's
builder does (griffe), for what only it sees: the constants' docstrings.
"""

from __future__ import annotations

import enum
import inspect
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import agentchat
from agentchat import _exceptions

pytestmark = pytest.mark.httpx_only  # no wire: the API's docs, the same on every transport

SRC = Path(__file__).resolve().parents[1] / "src"
PUBLIC: dict[str, Any] = {name: getattr(agentchat, name) for name in agentchat.__all__}
CLASSES = sorted(name for name, obj in PUBLIC.items() if inspect.isclass(obj))
DOCUMENTED = sorted(
    name for name, obj in PUBLIC.items() if inspect.isclass(obj) or inspect.isfunction(obj)
)
ATTRS_CLASSES = sorted(name for name in CLASSES if attrs.has(PUBLIC[name]))
ENUMS = sorted(name for name in CLASSES if issubclass(PUBLIC[name], enum.Enum))
ERRORS = sorted(name for name in CLASSES if issubclass(PUBLIC[name], BaseException))

# What other files must still say, with the file to change: expected failures
# (strict: each fails once fixed, so its entry goes with the fix).
PENDING_FIELDS: dict[str, str] = {}
PENDING_MEMBERS: dict[str, str] = {}
PENDING_DOCSTRINGS: dict[str, str] = {}


def _names(names: list[str], pending: dict[str, str]) -> list[Any]:
    """``names`` as parameters, those ``pending`` marked as expected failures."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=pending[name], strict=True))
        if name in pending
        else name
        for name in names
    ]


def own_doc(obj: Any) -> str:
    """The docstring ``obj`` itself has: not one inherited from a base class."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else obj.__doc__
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


_ENTRY = re.compile(r"(\w+)(?: \([^)]*\))?:(.*)")


def attributes_section(doc: str) -> dict[str, str]:
    """The entries of a Google ``Attributes:`` section: name -> its text."""
    entries: dict[str, str] = {}
    lines = iter(doc.splitlines())
    for line in lines:
        if line.strip() == "Attributes:":
            break
    name = None
    for line in lines:
        if line and not line.startswith(" "):
            break  # the next section, or text after the section
        entry = _ENTRY.fullmatch(line[4:]) if line.startswith("    ") else None
        if entry and not line.startswith("     "):
            name = entry.group(1)
            entries[name] = entry.group(2).strip()
        elif name is not None and line.strip():
            entries[name] += " " + line.strip()
    return entries


def public_members(cls: type) -> Iterator[tuple[str, type, Any]]:
    """``(name, owner, member)`` for each public method and property of ``cls``
    that the library defines (not Python's: ``int.bit_length``, ``Exception.add_note``)."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next((klass for klass in cls.__mro__ if name in vars(klass)), None)
        if owner is None:
            continue  # from the metaclass
        member = vars(owner)[name]
        if isinstance(member, staticmethod | classmethod):
            member = member.__func__
        if not owner.__module__.startswith("agentchat"):
            continue
        if inspect.isfunction(member) or isinstance(member, property):
            yield name, owner, member


# -- every public name, method and field is described --------------------------------


def test_the_checks_see_every_kind_of_public_name() -> None:
    assert {"AsyncAgentChat", "ChatWorker", "Chat", "WorkingDay"} <= set(DOCUMENTED)
    assert {"Chat", "Attachment", "WorkerReport", "ChatEvent", "Model"} <= set(ATTRS_CLASSES)
    assert {"ChatType", "Role", "Status", "Weekday", "Period", "Retry"} <= set(ENUMS)
    assert {"AgentChatError", "APIStatusError", "LogonError"} <= set(ERRORS)


@pytest.mark.parametrize("name", DOCUMENTED)
def test_every_public_class_and_function_has_a_docstring(name: str) -> None:
    assert own_doc(PUBLIC[name]).strip(), f"agentchat.{name} has no docstring"


@pytest.mark.parametrize("name", CLASSES)
def test_every_public_method_and_property_has_a_docstring(name: str) -> None:
    missing = [
        f"{owner.__qualname__}.{member_name}"
        for member_name, owner, member in public_members(PUBLIC[name])
        if not (member.__doc__ or "").strip()
    ]
    assert missing == []


@pytest.mark.parametrize("name", _names(ATTRS_CLASSES, PENDING_FIELDS))
def test_every_field_of_a_model_is_described_in_its_docstring(name: str) -> None:
    cls = PUBLIC[name]
    described = attributes_section(own_doc(cls))
    fields = [field.name for field in attrs.fields(cls)]
    assert [field for field in fields if not described.get(field)] == []
    assert [entry for entry in described if entry not in fields] == []  # none stale


@pytest.mark.parametrize("name", _names(ENUMS, PENDING_MEMBERS))
def test_every_enum_member_is_described_with_its_wire_value(name: str) -> None:
    cls = PUBLIC[name]
    described = attributes_section(own_doc(cls))
    for member in cls:
        value = f'``"{member.value}"``' if isinstance(member.value, str) else f"``{member.value}``"
        assert value in described.get(member.name, ""), f"{name}.{member.name}: {value}"
    assert set(described) == {member.name for member in cls}


@pytest.mark.parametrize("name", ERRORS)
def test_every_attribute_of_an_error_is_described_where_it_is_set(name: str) -> None:
    cls = PUBLIC[name]
    if "__init__" not in vars(cls):
        return  # a subclass: its base's docstring describes them
    parameters = inspect.signature(cls).parameters.values()
    attributes = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    described = attributes_section(own_doc(cls))
    assert [attribute for attribute in attributes if not described.get(attribute)] == []


def test_the_error_tree_is_drawn_in_the_errors_module() -> None:
    tree = _exceptions.__doc__ or ""
    for name in ERRORS:
        assert re.search(rf"[├└]── {name}\b", tree) or name == "AgentChatError", name
    assert "    AgentChatError\n" in tree


def test_the_section_reader_finds_entries_and_only_them() -> None:
    doc = inspect.cleandoc(
        """Summary.

        Attributes:
            first: One line.
            second (int): Two
                lines.

        Raises:
            ValueError: Not an attribute.
        """
    )
    assert attributes_section(doc) == {"first": "One line.", "second": "Two lines."}
    assert attributes_section("Summary only.") == {}


# -- public names report their public home ------------------------------------------


@pytest.mark.parametrize("name", DOCUMENTED)
def test_public_classes_and_functions_report_a_public_module(name: str) -> None:
    module = PUBLIC[name].__module__
    assert not [part for part in module.split(".") if part.startswith("_")], module


# -- what the documentation site's builder reads ------------------------------------


@pytest.fixture(scope="module")
def package() -> Any:
    griffe = pytest.importorskip("griffe")  # the docs extra (in dev)
    return griffe.load("agentchat", search_paths=[str(SRC)], resolve_aliases=False)


def _target(package: Any, name: str) -> Any:
    obj = package[name]
    return obj.final_target if obj.is_alias else obj


@pytest.mark.parametrize(
    "name", _names([n for n in agentchat.__all__ if n != "__version__"], PENDING_DOCSTRINGS)
)
def test_the_reference_finds_a_docstring_for_every_public_name(package: Any, name: str) -> None:
    docstring = _target(package, name).docstring
    assert docstring is not None, f"agentchat.{name}: no docstring the site can read"
    assert docstring.value.strip()


def test_the_public_docstrings_parse_as_google_style_without_warnings(
    package: Any, caplog: pytest.LogCaptureFixture
) -> None:
    seen: set[str] = set()

    def parse(obj: Any) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.parse("google")
        if obj.is_class:
            for member in obj.all_members.values():
                if not member.name.startswith("_"):
                    parse(member.final_target if member.is_alias else member)

    with caplog.at_level(logging.WARNING, logger="griffe"):
        for name in agentchat.__all__:
            parse(_target(package, name))
    assert len(seen) > len(agentchat.__all__)
    assert [record.getMessage() for record in caplog.records] == []
