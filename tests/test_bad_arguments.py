"""Bad arguments to the endpoint methods: an ``InvalidRequestError``, and nothing sent.

Driven by the endpoint table (``tests/data/endpoints.json``, read by
``strategies.py``): each method is called with valid values for every parameter
(the "full" call of ``test_conformance``) but one, which takes each bad value of
its kind in turn, on every method that has a parameter of that kind:

* a lone surrogate in every text, text list item, enum given as text, the
  attachment's name and MIME type, and the settings' names and values (httpx
  failed to encode one into a query, aiohttp dropped it, JSON sent an escape);
* a dict, a dict view, a set, a frozenset, a generator, an iterator, a mapping
  proxy (and a range, for numbers) for every list parameter (a dict went out as
  its keys);
* a 401-digit integer, its negative and a 5,001-digit one (past what ``str()``
  converts) for every integer: parameter, ID, enum number, list item, weekday,
  setting;
* digits as a ``str`` (``"419"``) for every ID and ID list item: one rule, one
  message, whatever the wire's type for the field.

Then settings on their own: nested 100,000 levels deep, containing themselves,
huge, or past int64. Every case also checks that no request reached the fake
server. The suite runs once per transport (``AGENTCHAT_TRANSPORT``): the clients
here are ``make_client()``'s own, so on aiohttp they go through the bridge.
"""

from __future__ import annotations

import json
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, get_args, get_origin

import pytest
import respx

from agentchat import AsyncAgentChat, Attachment, Chat, InvalidRequestError, WorkingDay
from agentchat import _validation as check

from .fakes import FakeAgentChat, make_client
from .strategies import (
    ENDPOINTS,
    call_arguments,
    chosen,
    expected_body,
    fields,
    hints,
    optional_params,
    required_params,
    union_members,
    with_argument,
)

pytestmark = pytest.mark.anyio

#: The endpoints the fake server answers itself (their routes are reused).
FAKE_ROUTES: Final = {"AgentLogon": "logon", "AgentLogoff": "logoff", "KeepAlive": "keep_alive"}
HUGE: Final = 10**400  # 401 digits
HUGER: Final = 10**5000  # 5,001 digits: str() of it raises ValueError (Python 3.11+)
INT64_MAX: Final = 2**63 - 1
#: Text parameters with a format of their own, which refuses a surrogate first
#: (their messages name the parameter and the format, not the surrogate).
FORMATTED: Final = frozenset({"scheduled_time"})


@dataclass(frozen=True)
class Bad:
    """A bad value: built fresh for each call (a generator is consumed once), and
    the words its ``InvalidRequestError`` must hold besides the parameter's name."""

    label: str
    make: Callable[[], Any]
    says: str = ""


def kind(annotation: Any) -> str:
    """What a parameter takes, from its annotation (as ``test_conformance`` reads them)."""
    members = union_members(annotation)
    if members in ([str], [int], [bool]):
        return {str: "text", int: "int", bool: "bool"}[members[0]]
    if members == [Attachment]:
        return "attachment"
    if len(members) == 2 and int in members:
        return "int_enum"
    if len(members) == 2 and str in members:
        return "str_enum"
    if get_origin(members[0]) is Mapping:
        return "settings"
    assert get_origin(members[0]) is Sequence, annotation
    (item,) = get_args(members[0])
    items = union_members(item)
    if items in ([int], [str], [WorkingDay]):
        return {int: "ids", str: "texts", WorkingDay: "days"}[items[0]]
    assert int in items, annotation
    return "weekdays"


def monday() -> WorkingDay:
    return WorkingDay(day=1, start_time="08:00", end_time="17:00")


def tuesday() -> WorkingDay:
    return WorkingDay(day=2, start_time="08:00", end_time="17:00")


SURROGATE: Final = "unpaired surrogate"
SURROGATES: Final[Mapping[str, list[Bad]]] = {
    "text": [
        Bad("a lone low surrogate", lambda: "a\udfffb", SURROGATE + " at index 1"),
        Bad("a lone high surrogate", lambda: "\ud800", SURROGATE + " at index 0"),
        Bad("a surrogate at the end", lambda: "ok\udc80", SURROGATE + " at index 2"),
        Bad("a surrogate pair (not a character in a str)", lambda: "x\ud83d\ude00", SURROGATE),
    ],
    "texts": [Bad("an item with a surrogate", lambda: ["ok", "a\udfffb"], "[1] must be")],
    "int_enum": [Bad("a number and a surrogate", lambda: "2\udfff")],
    "str_enum": [Bad("a value and a surrogate", lambda: "open\udfff")],
    "attachment": [
        Bad("in the name", lambda: Attachment(name="a\udfff.txt", content_type="a/b", data=b"x")),
        Bad("in the type", lambda: Attachment(name="a.txt", content_type="a/\udfff", data=b"x")),
    ],
    "settings": [
        Bad("in a name", lambda: {"Company\udfffName": "Channel"}, SURROGATE),
        Bad("in a value", lambda: {"CompanyName": "Chan\udfffnel"}, SURROGATE),
        Bad("in a nested value", lambda: {"Menu": [{"Label": "a\udfffb"}]}, SURROGATE),
        Bad("in a nested key", lambda: {"Menu": {"La\udfffbel": 1}}, SURROGATE),
    ],
}


def non_lists(items: Callable[[], list[Any]], mapping: Callable[[], dict[Any, Any]]) -> list[Bad]:
    """Everything that iterates like a list of ``items()`` but is not a list or a tuple."""
    return [
        Bad("a dict", mapping, "list or tuple"),
        Bad("a dict's keys", lambda: mapping().keys(), "list or tuple"),
        Bad("a mapping proxy", lambda: types.MappingProxyType(mapping()), "list or tuple"),
        Bad("a set", lambda: set(items()), "list or tuple"),
        Bad("a frozenset", lambda: frozenset(items()), "list or tuple"),
        Bad("a generator", lambda: (item for item in items()), "list or tuple"),
        Bad("an iterator", lambda: iter(items()), "list or tuple"),
    ]


RANGE: Final = Bad("a range", lambda: range(1, 3), "list or tuple")
NON_LISTS: Final[Mapping[str, list[Bad]]] = {
    # The issue's own: department_ids={1: 2} was sent as [1], grouping={"a": 1} as ["a"].
    "ids": [*non_lists(lambda: [1, 2], lambda: {1: 2}), RANGE],
    "weekdays": [*non_lists(lambda: [1, 2], lambda: {1: 2}), RANGE],
    "texts": non_lists(lambda: ["WEEK", "MONTH"], lambda: {"a": 1}),
    "days": non_lists(lambda: [monday(), tuesday()], lambda: {monday(): 1}),
}

HUGE_INTS: Final[Mapping[str, list[Bad]]] = {
    "int": [
        Bad("401 digits", lambda: HUGE, "got an int of 1329 bits"),
        Bad("minus 401 digits", lambda: -HUGE),
        Bad("5,001 digits", lambda: HUGER),
    ],
    "int_enum": [Bad("401 digits", lambda: HUGE), Bad("5,001 digits", lambda: HUGER)],
    "ids": [Bad("a 401-digit item", lambda: [1, HUGE]), Bad("a 5,001-digit item", lambda: [HUGER])],
    "weekdays": [
        Bad("a 401-digit item", lambda: [1, HUGE]),
        Bad("a 5,001-digit item", lambda: [HUGER]),
    ],
    "days": [
        Bad("a 401-digit day", lambda: [WorkingDay(day=HUGE)]),
        Bad("a 5,001-digit day", lambda: [WorkingDay(day=HUGER)]),
    ],
    "settings": [
        Bad("401 digits", lambda: {"MaxQueue": HUGE}, "int64"),
        Bad("minus 401 digits", lambda: {"MaxQueue": -HUGE}, "int64"),
        Bad("5,001 digits", lambda: {"MaxQueue": HUGER}, "int64"),
        Bad("2**63", lambda: {"MaxQueue": INT64_MAX + 1}, "int64"),
        Bad("-2**63 - 1", lambda: {"MaxQueue": -INT64_MAX - 2}, "int64"),
        Bad("401 digits, nested", lambda: {"Limits": {"Queue": [1, HUGE]}}, "int64"),
    ],
}


def params_of(endpoint: Mapping[str, Any], table: Mapping[str, list[Bad]]) -> list[str]:
    """The endpoint's parameters of a kind ``table`` has bad values for."""
    annotations = hints(endpoint["python"])
    names = dict.fromkeys([*required_params(endpoint), *optional_params(endpoint)])
    return [name for name in names if kind(annotations[name]) in table]


def endpoints_with(table: Mapping[str, list[Bad]]) -> list[Any]:
    return [
        pytest.param(endpoint, id=endpoint["name"])
        for endpoint in ENDPOINTS
        if params_of(endpoint, table)
    ]


def endpoint_route(api: FakeAgentChat, endpoint: Mapping[str, Any]) -> respx.Route:
    """The endpoint's route on the fake server: its own, or one registered here (200)."""
    if endpoint["name"] in FAKE_ROUTES:
        route: respx.Route = getattr(api, FAKE_ROUTES[endpoint["name"]])
        return route
    return api.router.route(method=endpoint["method"], path=endpoint["path"]).respond(200)


async def refusals(
    api: FakeAgentChat, endpoint: Mapping[str, Any], table: Mapping[str, list[Bad]]
) -> list[str]:
    """Each bad value of ``table`` in turn for each parameter it applies to: what went wrong."""
    python = endpoint["python"]
    annotations = hints(python)
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "full"))
    route = endpoint_route(api, endpoint)
    failures: list[str] = []
    async with make_client() as client:
        method = getattr(client, python)
        for param in params_of(endpoint, table):
            for bad in table[kind(annotations[param])]:
                where = f"{param} <- {bad.label}"
                before = len(api.router.calls)
                try:
                    value = bad.make()
                except InvalidRequestError:
                    continue  # refused when built (an Attachment, a WorkingDay): nothing to send
                except Exception as exc:  # noqa: BLE001 - collected, reported below
                    failures.append(f"{where}: building it raised {type(exc).__name__}: {exc}")
                    continue
                call_args, call_kwargs = with_argument(endpoint, args, kwargs, param, value)
                try:
                    await method(*call_args, **call_kwargs)
                except InvalidRequestError as exc:
                    message = str(exc)
                    says = "" if param in FORMATTED else bad.says
                    if param not in message or says not in message:
                        failures.append(
                            f"{where}: the message misses {param!r}/{bad.says!r}: {exc}"
                        )
                except Exception as exc:  # noqa: BLE001 - collected, reported below
                    failures.append(f"{where}: {type(exc).__name__}: {str(exc)[:100]}")
                else:
                    failures.append(f"{where}: accepted")
                if len(api.router.calls) != before:
                    sent = api.router.calls.last.request
                    failures.append(f"{where}: sent {sent.url.query[:60]!r} {sent.content[:60]!r}")
    # Only the client's own logon reached the endpoint.
    if route.call_count != (1 if endpoint["name"] == "AgentLogon" else 0):
        failures.append(f"{endpoint['name']} was called {route.call_count} times")
    return failures


# -- every method, from the endpoint table ------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints_with(SURROGATES))
async def test_a_lone_surrogate_in_any_text_is_refused(
    api: FakeAgentChat, endpoint: dict[str, Any]
) -> None:
    assert await refusals(api, endpoint, SURROGATES) == []


@pytest.mark.parametrize("endpoint", endpoints_with(NON_LISTS))
async def test_a_list_argument_must_be_a_list_or_a_tuple(
    api: FakeAgentChat, endpoint: dict[str, Any]
) -> None:
    assert await refusals(api, endpoint, NON_LISTS) == []


@pytest.mark.parametrize("endpoint", endpoints_with(HUGE_INTS))
async def test_an_integer_past_what_the_server_reads_is_refused(
    api: FakeAgentChat, endpoint: dict[str, Any]
) -> None:
    assert await refusals(api, endpoint, HUGE_INTS) == []


def test_every_parameter_is_covered() -> None:
    """Each parameter of the 42 methods has a kind, and every text, list and integer
    parameter is tried above: a new parameter shows up in these counts first."""
    known = {"bool"} | SURROGATES.keys() | NON_LISTS.keys() | HUGE_INTS.keys()
    texts, lists, numbers = [], [], []
    for endpoint in ENDPOINTS:
        annotations = hints(endpoint["python"])
        for param in [*required_params(endpoint), *optional_params(endpoint)]:
            assert kind(annotations[param]) in known, (endpoint["name"], param)
        texts += params_of(endpoint, SURROGATES)
        lists += params_of(endpoint, NON_LISTS)
        numbers += params_of(endpoint, HUGE_INTS)
    assert len(ENDPOINTS) == 42
    assert (len(texts), len(lists), len(numbers)) == (46, 9, 41)


# -- IDs: one rule, one message ------------------------------------------------------


def id_params(endpoint: Mapping[str, Any]) -> list[str]:
    """The endpoint's ID parameters: an int or a list of ints for a field named ``...ID``
    (whatever its wire type: SendMessage sends its ChatID as a string). Not the enums
    (``role_id``, ``status_id``): they take a member or its number."""
    annotations = hints(endpoint["python"])
    return list(
        dict.fromkeys(
            f.python
            for f in fields(endpoint)
            if f.wire.endswith("ID") and kind(annotations[f.python]) in ("int", "ids")
        )
    )


ID_ENDPOINTS: Final = [
    pytest.param(endpoint, id=endpoint["name"]) for endpoint in ENDPOINTS if id_params(endpoint)
]


def id_refusal(name: str) -> str:
    return f"{name} must be an int ID from 1 to 2147483647, got str '419' (write int('419'))"


def test_every_id_parameter_is_an_int() -> None:
    """Each ID parameter is typed ``int`` or ``Sequence[int]`` (``| None`` when optional):
    no ``int | str``. The enums named ``..._id`` (``Role | int``) are not IDs."""
    found = []
    for endpoint in ENDPOINTS:
        annotations = hints(endpoint["python"])
        for param in dict.fromkeys(f.python for f in fields(endpoint)):
            if param.endswith(("_id", "_ids")) and kind(annotations[param]) != "int_enum":
                assert union_members(annotations[param]) in ([int], [Sequence[int]]), param
                assert param in id_params(endpoint), param
                found.append(param)
    assert len(found) == 33


@pytest.mark.parametrize("endpoint", ID_ENDPOINTS)
async def test_digits_are_no_id(api: FakeAgentChat, endpoint: dict[str, Any]) -> None:
    """``"419"`` is refused by every ID parameter of every method with the same message
    (an item of an ID list too), and nothing is sent."""
    python = endpoint["python"]
    annotations = hints(python)
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "full"))
    route = endpoint_route(api, endpoint)
    messages: dict[str, str] = {}
    async with make_client() as client:
        before = len(api.router.calls)
        for param in id_params(endpoint):
            listed = kind(annotations[param]) == "ids"
            value: Any = ["419"] if listed else "419"
            call_args, call_kwargs = with_argument(endpoint, args, kwargs, param, value)
            with pytest.raises(InvalidRequestError) as caught:
                await getattr(client, python)(*call_args, **call_kwargs)
            messages[param] = str(caught.value)
            expected = id_refusal(f"{param}[0]" if listed else param)
            assert messages[param] == expected
        assert len(api.router.calls) == before
    assert route.call_count == (1 if endpoint["name"] == "AgentLogon" else 0)


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (" 419 ", "got str ' 419 ' (write int(' 419 '))"),
        ("0", "got str '0'"),
        ("2147483648", "got str '2147483648'"),
        ("4l9", "got str '4l9'"),
        ("\u0664\u0661\u0669", "got str '\u0664\u0661\u0669'"),
        (419.0, "got float 419.0"),
        (True, "got bool True"),
        (None, "got None"),
        (0, "got 0"),
        (2**31, "got 2147483648"),
        (10**400, "got an int of 1329 bits"),
    ],
)
def test_the_id_message_says_what_was_given(value: Any, got: str) -> None:
    """Only text that ``int()`` turns into a valid ID gets the ``int(...)`` hint."""
    with pytest.raises(InvalidRequestError) as caught:
        check.identifier(value, "chat_id")
    assert str(caught.value) == f"chat_id must be an int ID from 1 to 2147483647, {got}"


# -- what is still accepted -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", endpoints_with(NON_LISTS))
async def test_tuples_are_lists(api: FakeAgentChat, endpoint: dict[str, Any]) -> None:
    """Every list parameter takes a tuple, sent as the same JSON array a list gives."""
    given = chosen(endpoint, "full")
    args, kwargs = call_arguments(endpoint, given)
    required = required_params(endpoint)
    for param in params_of(endpoint, NON_LISTS):
        if param in required:
            index = required.index(param)
            args[index] = tuple(args[index])
        else:
            kwargs[param] = tuple(kwargs[param])
    route = endpoint_route(api, endpoint)
    async with make_client() as client:
        await getattr(client, endpoint["python"])(*args, **kwargs)
    assert json.loads(route.calls.last.request.content) == expected_body(endpoint, given)


async def test_text_that_encodes_as_utf8_is_sent_as_it_is(api: FakeAgentChat) -> None:
    """Only surrogates are refused: accents, other scripts and emoji go out intact."""
    text = "Zoë Ångström, 日本語, 😀"
    found = api.router.get("/api/FindCustomer").respond(200, json=[])
    created = api.router.post("/api/CreateCannedResponse").respond(200)
    updated = api.router.post("/api/UpdateSettings").respond(200)
    async with make_client() as chat:
        await chat.find_customer(text, include_chats=False)
        await chat.create_canned_response(text, text)
        await chat.update_settings({text: [text, {text: text}]})
    assert found.calls.last.request.url.params["MobileNumber"] == text
    assert json.loads(created.calls.last.request.content) == {"Name": text, "MessageText": text}
    settings = json.loads(updated.calls.last.request.content)
    assert settings == {"Settings": [{text: [text, {text: text}]}]}


# -- settings: depth, size, numbers ------------------------------------------------


def nested(depth: int, *, inner: Any = 1, as_dict: bool = False) -> Any:
    """``inner`` wrapped in ``depth`` lists (or one-key objects), built without recursion."""
    value = inner
    for _ in range(depth):
        value = {"a": value} if as_dict else [value]
    return value


def containing_itself() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


def shared_million() -> dict[str, Any]:
    """A million values in a few kilobytes: one list of 1,000 held 1,000 times."""
    row = list(range(1000))
    return {"Grid": [row] * 1000}


BAD_SETTINGS: Final[list[Bad]] = [
    Bad("100,000 lists deep", lambda: {"Deep": nested(100_000)}, "levels deep"),
    Bad("100,000 objects deep", lambda: {"Deep": nested(100_000, as_dict=True)}, "levels deep"),
    Bad("33 levels", lambda: {"Deep": nested(32)}, "at most 32 levels deep"),
    Bad("a list that contains itself", lambda: {"Loop": containing_itself()}, "levels deep"),
    Bad("a million values, shared", shared_million, "at most 10000 values"),
    Bad("10,001 values", lambda: {"Many": [0] * 10_000}, "at most 10000 values"),
    Bad("a 2,000,000-item list", lambda: {"Many": [0] * 2_000_000}, "at most 10000 values"),
    Bad("a 1 MiB + 1 string", lambda: {"Big": "x" * (2**20 + 1)}, "1048576 bytes"),
    Bad("1 MiB of escapes", lambda: {"Big": "é" * 200_000}, "1048576 bytes"),
    Bad("10,000 keys over 1 MiB", lambda: {f"k{i}": "x" * 110 for i in range(9999)}, "bytes"),
    Bad("NaN", lambda: {"Ratio": float("nan")}, "finite"),
    Bad("infinity, nested", lambda: {"Ratio": [float("inf")]}, "finite"),
    Bad("a set", lambda: {"Days": {1, 2}}, "JSON value"),
    Bad("a generator", lambda: {"Days": (day for day in (1, 2))}, "JSON value"),
    Bad("bytes", lambda: {"Logo": b"\x89PNG"}, "JSON value"),
    Bad("an int key, nested", lambda: {"Menu": {1: "Sales"}}, "keys must be strings"),
]


async def test_settings_are_bounded_in_depth_size_and_numbers(api: FakeAgentChat) -> None:
    """Refused as InvalidRequestErrors, never a RecursionError, and nothing is sent."""
    route = api.router.post("/api/UpdateSettings").respond(200)
    failures = []
    async with make_client() as chat:
        for bad in BAD_SETTINGS:
            try:
                await chat.update_settings(bad.make())
            except InvalidRequestError as exc:
                if "settings" not in str(exc) or bad.says not in str(exc):
                    failures.append(f"{bad.label}: the message misses {bad.says!r}: {exc}")
            except BaseException as exc:  # noqa: BLE001 - RecursionError included
                failures.append(f"{bad.label}: {type(exc).__name__}: {str(exc)[:100]}")
            else:
                failures.append(f"{bad.label}: accepted")
    assert failures == []
    assert route.call_count == 0


async def test_settings_at_the_bounds_are_sent(api: FakeAgentChat) -> None:
    route = api.router.post("/api/UpdateSettings").respond(200)
    deepest = nested(31)  # the setting's value at depth 1, its innermost item at 32
    async with make_client() as chat:
        await chat.update_settings({"Deep": deepest, "Empty": nested(31, inner=[])})
        await chat.update_settings({"Max": INT64_MAX, "Min": -INT64_MAX - 1, "Ratio": 0.5})
        await chat.update_settings({"Many": [0] * 9_999})
        await chat.update_settings({"Pair": (1, "two"), "Map": types.MappingProxyType({"a": None})})
    bodies = [json.loads(call.request.content)["Settings"] for call in route.calls]
    assert bodies[0] == [{"Deep": deepest}, {"Empty": nested(31, inner=[])}]
    assert bodies[1] == [{"Max": INT64_MAX}, {"Min": -INT64_MAX - 1}, {"Ratio": 0.5}]
    assert len(bodies[2][0]["Many"]) == 9_999
    assert bodies[3] == [{"Pair": [1, "two"]}, {"Map": {"a": None}}]


def test_settings_of_exactly_one_mebibyte_are_accepted() -> None:
    """(Checked here, not sent: the aiohttp bridge reads at most 1 MiB of body.)"""
    almost = "x" * (2**20 - len('{"Big":""}'))
    assert check.json_mapping({"Big": almost}, "settings") == {"Big": almost}
    with pytest.raises(InvalidRequestError, match="at most 1048576 bytes"):
        check.json_mapping({"Big": almost + "x"}, "settings")


async def test_what_is_checked_is_what_is_sent(api: FakeAgentChat) -> None:
    """A str or int subclass is sent as the characters or number checked, not as
    what its ``__str__`` or ``__int__`` says."""

    class Text(str):
        def __str__(self) -> str:
            return "a\udfffb"

    class Number(int):
        def __int__(self) -> int:
            return HUGE

    found = api.router.get("/api/FindCustomer").respond(200, json=[])
    closed = api.router.get("/api/CloseChat").respond(200)
    updated = api.router.post("/api/UpdateSettings").respond(200)
    async with make_client() as chat:
        await chat.find_customer(Text("+27800000000"), include_chats=False)
        await chat.close_chat(Number(406))
        await chat.update_settings({"Max": Number(20), "Name": Text("Channel")})
    assert found.calls.last.request.url.params["MobileNumber"] == "+27800000000"
    assert closed.calls.last.request.url.params["ChatID"] == "406"
    sent = json.loads(updated.calls.last.request.content)
    assert sent == {"Settings": [{"Max": 20}, {"Name": "Channel"}]}


# -- numbers that never reach the server, but must not crash either -------------------


async def test_huge_intervals_are_refused(api: FakeAgentChat) -> None:
    """watch_chats() and chat_worker() send none of these, but a float cannot hold them."""

    async def handler(client: AsyncAgentChat, item: Chat) -> None:
        pass

    async with make_client() as client:
        for number in (HUGE, HUGER):
            with pytest.raises(InvalidRequestError, match="interval must be a number > 0"):
                client.watch_chats(interval=number)
            with pytest.raises(InvalidRequestError, match="poll_interval must be a number > 0"):
                client.chat_worker(handler, poll_interval=number)
            with pytest.raises(InvalidRequestError, match="drain_timeout must be a number > 0"):
                client.chat_worker(handler, drain_timeout=number)
            with pytest.raises(InvalidRequestError, match="max_concurrent must be between"):
                client.chat_worker(handler, max_concurrent=number)
    assert [call.request.url.path for call in api.router.calls] == [
        "/api/AgentLogon",
        "/api/AgentLogoff",
    ]
