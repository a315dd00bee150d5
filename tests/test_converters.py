"""The converter's leniency rules, and strict mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from types import GenericAlias, UnionType
from typing import Any, Final, Union, get_args, get_origin

import attrs
import cattrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentchat import Chat, ChatList, Model, SentMessage, Settings, _fastpath
from agentchat._converters import make_converter, structure, wire_name
from agentchat.models.exports import ExportRow

from .strategies import DATETIMES, EXTRA_VALUES, JSON_VALUES, TEXT, model_classes, response_key

pytestmark = pytest.mark.httpx_only  # no wire: the converters, the same on every transport

LENIENT = make_converter()
STRICT = make_converter(strict=True)


def _fields(cls: type[Any]) -> list[attrs.Attribute[Any]]:
    """A model's own fields (not ``extra``, ``raw``)."""
    return [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name not in ("extra", "raw")]


@pytest.mark.parametrize(
    "body",
    [
        [{"ChatID": 1}],
        [{"chatId": "1"}],
        [{"chat_id": 1.0}],
        {"Chats": [{"CHATID": " 1 "}]},
        {"data": [{"chatid": 1}]},
    ],
)
def test_lists_bare_or_wrapped_and_keys_in_any_case(body: Any) -> None:
    chat_list = structure(LENIENT, body, ChatList)
    assert [c.chat_id for c in chat_list] == [1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T08:30:00", datetime(2024, 5, 1, 8, 30)),
        ("2024-05-01T08:30:00Z", datetime(2024, 5, 1, 8, 30, tzinfo=timezone.utc)),
        (
            "2024-05-01T08:30:00.1234567+02:00",
            datetime(2024, 5, 1, 8, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("/Date(0)/", datetime(1970, 1, 1, tzinfo=timezone.utc)),
        (
            "/Date(3600000+0100)/",
            datetime(1970, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_dates_in_iso_and_dotnet_form(text: str, expected: datetime) -> None:
    chat = structure(LENIENT, {"ChatID": 1, "Created": text}, Chat)
    assert chat.created == expected


def test_unknown_fields_are_kept_and_raw_is_the_decoded_json() -> None:
    body = {"ChatID": 3, "Mood": "happy", "Tags": [1, 2]}
    chat = structure(LENIENT, body, Chat)
    assert chat.extra == {"Mood": "happy", "Tags": [1, 2]}
    assert chat.raw is body
    assert "happy" not in repr(chat)


def test_strict_mode_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="Mood"):
        structure(STRICT, {"ChatID": 3, "Mood": "happy"}, Chat)
    assert structure(STRICT, {"ChatID": 3}, Chat).chat_id == 3


def test_errors_name_the_path() -> None:
    with pytest.raises(ValueError, match=r"\$\.chats\[1\]\.chat_id"):
        structure(LENIENT, [{"ChatID": 1}, {"ChatID": "one"}], ChatList)
    with pytest.raises(ValueError, match=r"\$\.chats\[0\]\.chat_id"):
        structure(LENIENT, [{"Name": "no id"}], ChatList)


def test_empty_body_means_no_content() -> None:
    assert structure(LENIENT, None, SentMessage) == SentMessage()
    assert len(structure(LENIENT, None, ChatList)) == 0


def test_unstructure_gives_wire_names_back_and_round_trips() -> None:
    chat = structure(LENIENT, {"chatId": "7", "customerName": "Jo", "Extra": True}, Chat)
    wire = LENIENT.unstructure(chat)
    assert wire == {"ChatID": 7, "CustomerName": "Jo", "Extra": True}
    assert structure(LENIENT, wire, Chat) == chat


def test_wire_names() -> None:
    assert wire_name("chat_id") == "ChatID"
    assert wire_name("customer_name") == "CustomerName"


def test_epoch_numbers_and_empty_strings() -> None:
    chat = structure(LENIENT, {"ChatID": 1, "Created": 1_700_000_000_000, "AgentID": ""}, Chat)
    assert chat.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    assert chat.agent_id is None
    assert structure(LENIENT, {"ChatID": 1, "CustomerName": ""}, Chat).customer_name == ""


# -- compiled builders: the same results as the exact path ---------------------------
#
# A model's objects of one layout (the same keys in the same order) go through a
# builder compiled for that layout from their second sighting on; everything else,
# and everything a builder does not decide, takes the exact per-key path. These
# tests hold the builders to the exact path (``make_converter(fast=False)``): the
# same models, field for field and type for type, or the same error message.

EXACT = make_converter(fast=False)
STRICT_EXACT = make_converter(strict=True, fast=False)
#: Models structured from one object (list-only models hold them, Settings has its own hook).
ITEM_MODELS: Final = [
    cls
    for cls in model_classes()
    if cls is not Settings
    and not (len(_fields(cls)) == 1 and get_origin(_fields(cls)[0].type) is tuple)
]


def _typed(value: Any) -> Any:
    """``value`` with every type spelled out (``1 == 1.0 == True``; not here)."""
    if isinstance(value, Model):
        fields = tuple((f.name, _typed(getattr(value, f.name))) for f in _fields(type(value)))
        return (type(value).__name__, fields, _typed(value.extra), id(value.raw))
    if isinstance(value, dict):
        return ("dict", tuple((key, _typed(item)) for key, item in value.items()))
    if isinstance(value, tuple | list):
        return (type(value).__name__, tuple(_typed(item) for item in value))
    return (type(value).__name__, repr(value))


def _outcome(converter: cattrs.Converter, data: Any, type_: Any) -> tuple[str, Any]:
    try:
        return ("ok", _typed(structure(converter, data, type_)))
    except ValueError as exc:
        return ("error", str(exc))


def _spellings(name: str) -> list[str]:
    """Ways a server may spell a field's key (all fill the field)."""
    wire = wire_name(name)
    return [
        wire,
        response_key(name, "camel"),
        name,
        wire.upper(),
        wire.lower(),
        name.replace("_", "-"),
        name.replace("_", " ").title(),
    ]


_INTS: Final = (
    st.integers(-(10**12), 10**12)
    | st.sampled_from([" 408 ", "+7", "-3", "007", "4.5", "", "abc", "\u0661\u0662", "1e3"])
    | st.sampled_from([408.0, 4.5, -0.0, True, False])
)
_FLOATS: Final = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-1000, 1000)
    | st.sampled_from(["12.5", " 3 ", "", "nan", "x", True])
)
_BOOLS: Final = st.booleans() | st.sampled_from(["true", "FALSE", " 1 ", "0", 0, 1, 2, "", "yes"])
_STRS: Final = TEXT | st.integers() | st.sampled_from(["", " ", 12.5, True, [1], {"a": 1}])
_ISO: Final = st.builds(
    lambda moment, sep, zulu, digits: (
        moment.isoformat(sep=sep, timespec="microseconds")[: len("2024-01-01T00:00:00") + digits]
        + ("Z" if zulu else "")
    ),
    st.datetimes(datetime(1900, 1, 1), datetime(2200, 1, 1)),
    st.sampled_from("T "),
    st.booleans(),
    st.sampled_from([-9, -3, 0, 2, 4, 7]),
)
_DATES: Final = (
    _ISO
    | st.builds(datetime.isoformat, DATETIMES, st.sampled_from("T "))
    | st.sampled_from(
        [
            "2024-05-01T08:30:00.1234567+02:00",
            "2024-05-01T08:30:00.5Z",
            " 2024-05-01T08:30:00+02:00 ",
            "2024-05-01",
            "2024-05-01 08:30",
            "20240501T083000",
            "/Date(1709287200000)/",
            "/Date(1709287200000+0200)/",
            "/Date(1704164645000+2400)/",
            "/Date(99999999999999999999)/",
            "2024-13-45",
            "01/03/2024",
            "2024-05-01T08:30:00+02:00x",
            "",
            "  ",
        ]
    )
    | st.sampled_from([1_700_000_000, 1_700_000_000_000, 1e300, True, [1], {"a": 1}])
)
_SCALAR_VALUES: Final[Mapping[Any, st.SearchStrategy[Any]]] = {
    int: _INTS,
    float: _FLOATS,
    bool: _BOOLS,
    str: _STRS,
    datetime: _DATES,
}


def _field_values(annotation: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values a server may send for a field: canonical, lenient, refused, null."""
    union = get_origin(annotation) in (Union, UnionType)
    (member,) = (
        [arg for arg in get_args(annotation) if arg is not type(None)] if union else [annotation]
    )
    if get_origin(member) is tuple:
        item = get_args(member)[0]
        items: st.SearchStrategy[list[Any]]
        if isinstance(item, type) and issubclass(item, Model) and not depth:  # alike, nested
            items = _layouts(item, depth + 1).flatmap(
                lambda layout: st.lists(_objects_of(layout), max_size=4)
            )
        else:
            items = st.lists(_field_values(item, depth + 1), max_size=3)
        return st.none() | items | items.map(lambda value: {"Data": value}) | st.just(1)
    if attrs.has(member):
        return st.just({"x": 1})  # deeper than any model nests
    return st.none() | _SCALAR_VALUES[member] | JSON_VALUES


Layout = list[tuple[str, st.SearchStrategy[Any]]]


@st.composite
def _layouts(draw: st.DrawFn, cls: type[Model], depth: int = 0) -> Layout:
    """Keys in some order and spelling (a field twice, sometimes), unknown keys too."""
    fields = _fields(cls)
    chosen = draw(st.lists(st.sampled_from(fields), max_size=len(fields) + 1))
    required = [f for f in fields if f.default is attrs.NOTHING]
    if draw(st.booleans()):  # usually: the required ones are there
        chosen += required
    layout: Layout = [
        (draw(st.sampled_from(_spellings(f.name))), _field_values(f.type, depth)) for f in chosen
    ]
    unknown = st.sampled_from(["Mood", "ID", "Id", "Data", "Value", "", "chats_", "Extra"]) | TEXT
    layout += [(key, EXTRA_VALUES) for key in draw(st.lists(unknown, max_size=3))]
    return draw(st.permutations(layout))


def _objects_of(layout: Layout) -> st.SearchStrategy[dict[str, Any]]:
    # A key spelled twice the same way is one key: the later value wins, as in JSON.
    return st.tuples(*(values for _, values in layout)).map(
        lambda values: dict(zip([key for key, _ in layout], values, strict=True))
    )


def _objects(cls: type[Model], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    return _layouts(cls, depth).flatmap(_objects_of)


@st.composite
def _lists(draw: st.DrawFn, cls: type[Model]) -> list[Any]:
    """Several objects of one or two layouts (mixed key orders and spellings), interleaved."""
    layouts = draw(st.lists(_layouts(cls), min_size=1, max_size=2))
    items: list[Any] = [
        draw(_objects_of(draw(st.sampled_from(layouts)))) for _ in range(draw(st.integers(1, 6)))
    ]
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), draw(JSON_VALUES))  # not an object
    return items


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("cls", ITEM_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_builders_give_what_the_exact_path_gives(
    cls: type[Model], strict: bool, data: st.DataObject
) -> None:
    fast, exact = (STRICT, STRICT_EXACT) if strict else (LENIENT, EXACT)
    items = data.draw(_lists(cls), label="items")
    many = GenericAlias(tuple, (cls, ...))
    # Twice: the second time, every layout has been seen before (so has a builder).
    for _ in range(2):
        assert _outcome(fast, items, many) == _outcome(exact, items, many)
        for item in items:
            assert _outcome(fast, item, cls) == _outcome(exact, item, cls)


@pytest.mark.parametrize("cls", ITEM_MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_a_list_of_alike_objects_is_structured_as_each_alone(
    cls: type[Model], data: st.DataObject
) -> None:
    item = data.draw(_objects(cls), label="item")
    count = data.draw(st.integers(2, 8), label="count")
    items = [dict(item) for _ in range(count)]
    alone = _outcome(EXACT, item, cls)
    together = _outcome(LENIENT, items, GenericAlias(tuple, (cls, ...)))
    if alone[0] == "ok":
        assert together == ("ok", ("tuple", tuple(_outcome(LENIENT, i, cls)[1] for i in items)))
        assert together[1][1][0][1:3] == alone[1][1:3]  # fields and extra, as alone
    else:
        assert together[0] == "error"


def _chat(index: int, **changes: Any) -> dict[str, Any]:
    chat: dict[str, Any] = {
        "ChatID": 400 + index,
        "CustomerName": f"Customer {index}",
        "AgentID": 3,
        "Status": "open",
        "Created": "2024-03-01T10:15:00+02:00",
        "LastMessageAt": "2024-03-01T10:16:30+02:00",
    }
    chat.update(changes)
    return chat


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"ChatID": "408"},
        {"ChatID": " 408 ", "AgentID": 3.0, "Created": "2024-03-01 10:15"},
        {"ChatID": ""},
        {"ChatID": None},
        {"ChatID": True},
        {"AgentID": "", "CustomerName": "", "Created": None},
        {"AgentID": "x", "Created": "01/03/2024"},
        {"Created": "2024-03-01T10:15:00.1234567Z", "LastMessageAt": "/Date(1709287200000)/"},
        {"Created": " 2024-03-01T10:15:00+02:00 ", "LastMessageAt": 1_700_000_000},
        {"Mood": "happy", "Tags": [1, 2]},
    ],
)
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_chat_lists_fast_and_exact(changes: dict[str, Any], strict: bool) -> None:
    fast, exact = (STRICT, STRICT_EXACT) if strict else (LENIENT, EXACT)
    # The changed chat first, among alike ones, and last.
    for position in (0, 2, 4):
        body = [_chat(i) for i in range(5)]
        body[position] = _chat(position, **changes)
        assert _outcome(fast, body, ChatList) == _outcome(exact, body, ChatList)


def test_the_last_key_filling_a_field_wins_in_lists_too() -> None:
    body = [{"ChatID": 1, "chat_id": 2, "chatId": None}, {"ChatID": 3, "chat_id": 4, "chatId": ""}]
    for converter in (LENIENT, EXACT):
        assert [c.chat_id for c in structure(converter, body * 3, ChatList)] == [2, 4] * 3


def test_builder_results_keep_raw_and_the_order_of_extra() -> None:
    body = [{"Zeta": 1, "ChatID": i, "Alpha": 2, "Mid": None} for i in range(4)]
    chats = structure(LENIENT, body, ChatList)
    assert all(chat.raw is item for chat, item in zip(chats, body, strict=True))
    assert all(list(chat.extra) == ["Zeta", "Alpha", "Mid"] for chat in chats)
    assert len({id(chat.extra) for chat in chats}) == 4  # a dict of its own each
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        chats.chats[3].chat_id = 5  # type: ignore[misc]
    assert hash(Chat(chat_id=1)) == hash(structure(LENIENT, [{"ChatID": 1}] * 2, ChatList).chats[1])


def test_alike_objects_get_one_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    compile_function = _fastpath._compile_function

    def spy(name: str, lines: Sequence[str], namespace: dict[str, Any]) -> Any:
        compiled.append(name)
        return compile_function(name, lines, namespace)

    monkeypatch.setattr(_fastpath, "_compile_function", spy)
    converter = make_converter()
    structure(converter, [_chat(i) for i in range(3)], ChatList)
    structure(converter, [_chat(i) for i in range(3)], ChatList)
    assert compiled == ["build Chat"]
    structure(converter, [{"chatId": 1}, {"chatId": 2}], ChatList)  # another layout
    assert compiled == ["build Chat", "build Chat"]
    structure(make_converter(fast=False), [_chat(i) for i in range(3)], ChatList)
    assert len(compiled) == 2


def test_every_model_is_built_through_its_twin() -> None:
    for cls in [*model_classes(), ExportRow]:
        assert _fastpath._twin(cls) is not None, cls


def test_a_class_whose_init_does_more_gets_no_twin() -> None:
    @attrs.frozen(kw_only=True)
    class Validated(Model):
        number: int = attrs.field(validator=attrs.validators.instance_of(int))

    @attrs.frozen(kw_only=True)
    class PostInit(Model):
        number: int = 0

        def __attrs_post_init__(self) -> None:
            pass

    @attrs.define(kw_only=True, slots=False)
    class Dicted:
        number: int = 0

    class Hooked:
        __slots__ = ()

        def __init_subclass__(cls) -> None:
            pass  # making a twin would run this

    @attrs.frozen(kw_only=True)
    class Subclassed(Hooked, Model):
        number: int = 0

    for cls in (Validated, PostInit, Dicted, Subclassed):
        assert _fastpath._twin(cls) is None, cls
