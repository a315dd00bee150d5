"""What test_conformance and test_properties share: the reference as data, and strategies.

The first half reads ``tests/data/endpoints.json`` and turns it into calls: which
fields a call gives, their values in the documented wire types, and the Python
arguments a method takes for them. Nothing here knows an endpoint by name except
the few facts the data cannot say (the ``FALLBACK_EXAMPLES``, ``ATTACHMENT_FIELDS``,
``EXCLUSIVE``, ``ECHOED`` and ``REQUIRED_BY_CLIENT`` tables). The second half holds
hypothesis strategies for JSON values and for instances of the public models.
"""

from __future__ import annotations

import base64
import collections.abc
import json
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final, Literal, get_args, get_origin

import attrs
from hypothesis import strategies as st

import agentchat.models
from agentchat import AsyncAgentChat, Model, Settings

# -- the reference as data ---------------------------------------------------------

DATA: Final = Path(__file__).parent / "data" / "endpoints.json"
ENDPOINTS: Final[list[dict[str, Any]]] = json.loads(DATA.read_text(encoding="utf-8"))
NAMES: Final = [endpoint["name"] for endpoint in ENDPOINTS]
BY_NAME: Final = {endpoint["name"]: endpoint for endpoint in ENDPOINTS}

#: Query fields the client adds by itself; never method parameters.
CLIENT_FIELDS: Final = frozenset({"Version", "SessionToken"})
INT_TYPES: Final = frozenset({"integer", "integer/int32"})
STR_TYPES: Final = frozenset({"string", "string/enum"})
SCALAR_TYPES: Final = INT_TYPES | STR_TYPES | {"boolean"}
#: Item types of arrays whose items are objects (checked by shape, not by type).
OBJECT_TYPES: Final = frozenset({"WorkingDay", "object"})

# -- the facts the data cannot say -------------------------------------------------

#: Query examples that are placeholders or prose, not values: a valid value instead.
FALLBACK_EXAMPLES: Final[Mapping[tuple[str, str], Any]] = {
    ("RequestPasswordReset", "EmailAddress"): "someone@example.com",  # "{{EmailAddress}}"
    ("DataInsight", "Period"): "week",  # "weekPossible values:"
}
#: SendMessage's three attachment fields -> the ``Attachment`` attribute each fills.
ATTACHMENT_FIELDS: Final[Mapping[str, str]] = {
    "AttachmentName": "name",
    "AttachmentType": "content_type",
    "AttachmentData": "data",
}
#: Base64 fields: compared as the bytes they encode.
BASE64_FIELDS: Final = frozenset({"AttachmentData"})
#: Parameters of which exactly one must be given (contract: AddTag).
EXCLUSIVE: Final[Mapping[str, tuple[str, ...]]] = {"add_tag": ("chat_id", "customer_id")}
#: A documented field the client also sends under a second name (contract: AddTag).
ECHOED: Final[Mapping[tuple[str, str], str]] = {("AddTag", "CustomrID"): "CustomerID"}
#: Fields the reference marks optional that the client requires, as keyword-only
#: parameters without a default (contract: AddTag must name the tag it adds).
REQUIRED_BY_CLIENT: Final = frozenset({("AddTag", "TagID")})

Variant = Literal["example", "full", "minimal"]
VARIANTS: Final[tuple[Variant, ...]] = ("example", "full", "minimal")


@dataclass(frozen=True)
class Field:
    """One documented query or body field of an endpoint (not Version/SessionToken)."""

    index: int
    wire: str
    type: str
    required: bool
    python: str
    location: Literal["query", "body"]
    #: The reference's example (``example_body`` first), or None when it has no usable one.
    example: Any


def fields(endpoint: Mapping[str, Any]) -> list[Field]:
    """The endpoint's own fields in documented order: query fields, then body fields."""
    example_body: Mapping[str, Any] = endpoint["example_body"] or {}
    out: list[Field] = []
    location: Literal["query", "body"]
    for location in ("query", "body"):
        for spec in endpoint[location]:
            if spec["name"] in CLIENT_FIELDS:
                continue
            example = spec["example"]
            if location == "body":
                example = example_body.get(spec["name"], example)
            key = (endpoint["name"], spec["name"])
            if key in FALLBACK_EXAMPLES:
                example = FALLBACK_EXAMPLES[key]
            elif isinstance(example, str) and "{{" in example:
                example = None
            out.append(
                Field(
                    index=len(out),
                    wire=spec["name"],
                    type=spec["type"],
                    required=spec["required"],
                    python=spec["python"],
                    location=location,
                    example=example,
                )
            )
    return out


def to_documented(type_: str, value: Any) -> Any:
    """An example value converted to its field's documented JSON type.

    The reference quotes numbers as strings in its examples (``"408"``); the field
    types, not the examples, are the contract.
    """
    if type_.endswith("[]"):
        assert isinstance(value, list), (type_, value)
        return [to_documented(type_[:-2], item) for item in value]
    if type_ in INT_TYPES:
        assert not isinstance(value, bool), value
        return int(value)
    if type_ in STR_TYPES:
        return str(value)
    if type_ == "boolean":
        if isinstance(value, bool):
            return value
        return {"true": True, "false": False}[str(value).strip().lower()]
    assert type_ in OBJECT_TYPES, f"unknown field type {type_!r}"
    return value


def synthesize(field: Field) -> Any:
    """A valid value, in the documented type, for a field the reference gives no example of."""
    number = 100 + field.index  # distinct per field, so swapped fields show
    base = field.type.removesuffix("[]")
    if field.type.endswith("[]") and base in INT_TYPES:
        return [number, number + 100]
    if field.type.endswith("[]") and base in STR_TYPES:
        return [f"{field.wire}-a", f"{field.wire}-b"]
    if field.type in INT_TYPES:
        return number
    if field.type == "string":
        return f"{field.wire} value {number}"
    if field.type == "boolean":
        return field.index % 2 == 0
    raise AssertionError(f"no value to synthesize for {field}: give a FALLBACK_EXAMPLES entry")


def chosen(endpoint: Mapping[str, Any], variant: Variant) -> list[tuple[Field, Any]]:
    """The fields a call gives and their values in the documented types.

    * ``example``: the required fields and every optional one the reference has an
      example for (for a body endpoint: the keys of ``example_body``);
    * ``full``: every documented field (of an either-or group, the last one);
    * ``minimal``: the required fields only (of an either-or group, the first one).

    Values are the reference's examples where it has usable ones, else synthesized.
    """
    group = EXCLUSIVE.get(endpoint["python"], ())
    keywords = required_keywords(endpoint)
    out: list[tuple[Field, Any]] = []
    for field in fields(endpoint):
        if variant == "minimal":
            use = (
                field.required
                or field.python in keywords
                or (bool(group) and field.python == group[0])
            )
        elif variant == "example":
            use = field.required or field.python in keywords or field.example is not None
        else:
            use = field.python not in group or field.python == group[-1]
        if use:
            value = field.example if field.example is not None else synthesize(field)
            out.append((field, to_documented(field.type, value)))
    return out


def union_members(annotation: Any) -> list[Any]:
    """``X | Y | None`` -> ``[X, Y]``."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        members = list(get_args(annotation))
    else:
        members = [annotation]
    return [member for member in members if member is not type(None)]


def hints(python_name: str) -> dict[str, Any]:
    return typing.get_type_hints(getattr(AsyncAgentChat, python_name))


def snake(wire: str) -> str:
    """``StartTime`` -> ``start_time``; ``ChatID`` -> ``chat_id``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", wire.replace("ID", "Id")).lower()


def response_key(name: str, style: str) -> str:
    """A field's key as a PascalCase (``ChatID``) or camelCase (``chatId``) server spells it."""
    parts = name.split("_")
    cased = {"id": "ID", "ids": "IDs"} if style == "pascal" else {"id": "Id", "ids": "Ids"}
    words = [cased.get(part, part.capitalize()) for part in parts]
    if style == "camel":
        words[0] = parts[0]
    return "".join(words)


def _scalar(members: list[Any], value: Any) -> Any:
    if isinstance(value, bool):
        assert bool in members, (members, value)
        return value
    if isinstance(value, int):
        assert int in members, (members, value)
        return value
    assert isinstance(value, str), value
    if any(isinstance(m, type) and issubclass(m, str) for m in members):
        return value
    # A field the wire types as a string that the method takes as a number or an
    # enum of numbers (CreateAgent's RoleID: Role | int).
    assert int in members, (members, value)
    return int(value)


def _item(annotation: Any, value: Any) -> Any:
    members = union_members(annotation)
    if len(members) == 1 and attrs.has(members[0]):
        return members[0](**{snake(key): item for key, item in value.items()})
    return _scalar(members, value)


def to_python(annotation: Any, value: Any) -> Any:
    """A documented wire value as the Python value a parameter of ``annotation`` takes."""
    members = union_members(annotation)
    for member in members:
        origin = get_origin(member)
        if origin is collections.abc.Mapping:
            merged: dict[str, Any] = {}
            for item in value:  # the documented list of one-key objects
                merged.update(item)
            return merged
        if origin is collections.abc.Sequence:
            (item_annotation,) = get_args(member)
            return [_item(item_annotation, item) for item in value]
    return _scalar(members, value)


def decode_base64(text: str, *, lenient: bool) -> bytes:
    """The bytes a base64 field holds; ``lenient`` skips the ``...`` of elided examples."""
    return base64.b64decode(text, validate=not lenient)


def call_arguments(
    endpoint: Mapping[str, Any], given: list[tuple[Field, Any]]
) -> tuple[list[Any], dict[str, Any]]:
    """Positional (required, in documented order) and keyword arguments for a call."""
    annotations = hints(endpoint["python"])
    grouped: dict[str, list[tuple[Field, Any]]] = {}
    for field, value in given:
        grouped.setdefault(field.python, []).append((field, value))
    values: dict[str, Any] = {}
    for python, items in grouped.items():
        if len(items) == 1:
            values[python] = to_python(annotations[python], items[0][1])
            continue
        # Several wire fields, one parameter: SendMessage's attachment.
        (cls,) = union_members(annotations[python])
        kwargs = {}
        for field, value in items:
            attribute = ATTACHMENT_FIELDS[field.wire]
            if field.wire in BASE64_FIELDS:
                value = decode_base64(value, lenient=True)
            kwargs[attribute] = value
        values[python] = cls(**kwargs)
    required = required_params(endpoint)
    args = [values.pop(name) for name in required if name in values]
    return args, values


def with_argument(
    endpoint: Mapping[str, Any],
    args: list[Any],
    kwargs: dict[str, Any],
    param: str,
    value: Any,
) -> tuple[list[Any], dict[str, Any]]:
    """The call's arguments with ``param`` set to ``value``: in its position when it
    is required, else by keyword; the other members of an either-or group
    (``EXCLUSIVE``) left out, so that their rule is not what the call meets."""
    call_args, call_kwargs = list(args), dict(kwargs)
    group = EXCLUSIVE.get(endpoint["python"], ())
    if param in group:
        call_kwargs = {k: v for k, v in kwargs.items() if k not in group}
    required = required_params(endpoint)
    if param in required:
        call_args[required.index(param)] = value
    else:
        call_kwargs[param] = value
    return call_args, call_kwargs


def required_params(endpoint: Mapping[str, Any]) -> list[str]:
    """The Python names of the required fields, in documented order, without repeats."""
    return list(dict.fromkeys(f.python for f in fields(endpoint) if f.required))


def required_keywords(endpoint: Mapping[str, Any]) -> list[str]:
    """The Python names of the fields the client requires though the reference marks
    them optional (``REQUIRED_BY_CLIENT``): keyword-only, without a default."""
    return [f.python for f in fields(endpoint) if (endpoint["name"], f.wire) in REQUIRED_BY_CLIENT]


def optional_params(endpoint: Mapping[str, Any]) -> list[str]:
    required = set(required_params(endpoint))
    return [p for p in dict.fromkeys(f.python for f in fields(endpoint)) if p not in required]


def query_text(value: Any) -> str:
    """How a documented value travels in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def expected_query(given: list[tuple[Field, Any]]) -> dict[str, str]:
    return {f.wire: query_text(v) for f, v in given if f.location == "query"}


def expected_body(endpoint: Mapping[str, Any], given: list[tuple[Field, Any]]) -> dict[str, Any]:
    body = {f.wire: v for f, v in given if f.location == "body"}
    for (name, wire), echo in ECHOED.items():
        if name == endpoint["name"] and wire in body:
            body[echo] = body[wire]
    return body


def comparable(body: Mapping[str, Any], *, lenient: bool) -> dict[str, Any]:
    """A body with its base64 fields decoded, to compare what they encode."""
    out = dict(body)
    for key in BASE64_FIELDS & out.keys():
        out[key] = decode_base64(out[key], lenient=lenient)
    return out


def json_type_ok(type_: str, value: Any) -> bool:
    """Whether a wire value has the JSON type its field's documented type says."""
    if type_.endswith("[]"):
        return isinstance(value, list) and all(json_type_ok(type_[:-2], v) for v in value)
    if type_ in INT_TYPES:
        return type(value) is int
    if type_ in STR_TYPES:
        return type(value) is str
    if type_ == "boolean":
        return type(value) is bool
    assert type_ in OBJECT_TYPES, f"unknown field type {type_!r}"
    return isinstance(value, dict)


def shape(value: Any) -> Any:
    """The JSON types of an object's keys (to compare structured items to the example's)."""
    if isinstance(value, dict):
        return {key: type(item).__name__ for key, item in value.items()}
    return type(value).__name__


# -- hypothesis strategies ---------------------------------------------------------------

TEXT: Final = st.text(st.characters(codec="utf-8"), max_size=12)  # no lone surrogates
SCALARS: Final = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
#: Any JSON value (no NaN, no infinities, no lone surrogates).
JSON_VALUES: Final = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
#: Smaller JSON values, for the unknown keys models keep (cheap to generate).
EXTRA_VALUES: Final = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=2) | st.dictionaries(TEXT, children, max_size=2),
    max_leaves=4,
)
#: Naive datetimes, and aware ones with fixed offsets in whole minutes (as servers send).
OFFSETS: Final = st.builds(
    timezone, st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timedelta(minutes=m))
)
_FIRST, _LAST = datetime(1900, 1, 1), datetime(2200, 1, 1)
DATETIMES: Final = st.datetimes(_FIRST, _LAST) | st.datetimes(_FIRST, _LAST, timezones=OFFSETS)


def model_classes() -> list[type[Model]]:
    """Every attrs class exported from ``agentchat.models`` that subclasses ``Model``."""
    return [
        obj
        for name in agentchat.models.__all__
        if isinstance(obj := getattr(agentchat.models, name), type)
        and attrs.has(obj)
        and issubclass(obj, Model)
        and obj is not Model
    ]


def _extra_keys() -> st.SearchStrategy[str]:
    # No field's name starts with "extra", so these never fill a field.
    return TEXT.map(lambda text: "Extra" + text)


def _values(annotation: Any, *, extras: bool) -> st.SearchStrategy[Any]:
    members = union_members(annotation)
    optional = type(None) in get_args(annotation)
    (member,) = members
    inner: st.SearchStrategy[Any]
    if get_origin(member) is tuple:
        item, _ = get_args(member)
        inner = st.lists(_values(item, extras=extras), max_size=3).map(tuple)
    elif attrs.has(member):
        inner = models(typing.cast("type[Model]", member), extras=extras)
    else:
        simple: dict[Any, st.SearchStrategy[Any]] = {
            int: st.integers(),
            str: TEXT,
            bool: st.booleans(),
            float: st.floats(allow_nan=False, allow_infinity=False),
            datetime: DATETIMES,
        }
        inner = simple[member]
    return st.none() | inner if optional else inner


_MODELS: dict[tuple[type[Model], bool], st.SearchStrategy[Any]] = {}


def models(cls: type[Model], *, extras: bool) -> st.SearchStrategy[Any]:
    """Instances of a model; with ``extras``, unknown keys holding any JSON value."""
    key = (cls, extras)
    if key not in _MODELS:
        extra = st.dictionaries(_extra_keys(), EXTRA_VALUES, max_size=2) if extras else st.just({})
        if cls is Settings:
            # Settings are a free-form mapping; they have no unknown keys to keep.
            _MODELS[key] = st.builds(Settings, values=st.dictionaries(TEXT, EXTRA_VALUES))
        else:
            kwargs: dict[str, st.SearchStrategy[Any]] = {
                f.name: _values(f.type, extras=extras)
                for f in attrs.fields(attrs.resolve_types(cls))
                if f.name not in ("extra", "raw")
            }
            _MODELS[key] = st.builds(cls, extra=extra, **kwargs)
    return _MODELS[key]


def is_instance(value: Any, annotation: Any) -> bool:
    """``isinstance`` for a return annotation such as ``Chat | None`` or ``None``."""
    if annotation is None or annotation is type(None):
        return value is None
    if get_origin(annotation) in (typing.Union, types.UnionType):
        return any(is_instance(value, member) for member in get_args(annotation))
    return isinstance(value, annotation)
