"""Every endpoint against the reference as data (``tests/data/endpoints.json``).

The calls, the requests they must put on the wire, the signatures and the routes
are all derived from the data (see ``strategies.py``); the only per-endpoint table
here is ``RETURNS``, the result type the contract documents for each method.
"""

from __future__ import annotations

import base64
import inspect
import itertools
import json
import math
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, Final, cast, get_args, get_origin

import attrs
import httpx
import pytest
import respx

from agentchat import (
    Agent,
    AsyncAgentChat,
    Attachment,
    CannedResponse,
    Chat,
    ChatExport,
    ChatList,
    CustomerList,
    DataInsight,
    Department,
    DepartmentList,
    ExportRow,
    InvalidRequestError,
    LiveMetrics,
    LogonResult,
    Model,
    Recipient,
    RecipientList,
    ReportList,
    ReportSchedule,
    ResponseFormatError,
    Retry,
    SentMessage,
    Settings,
    Tag,
    TagGroup,
    WorkingDay,
)
from agentchat._routes import ROUTES

from . import fakes
from .fakes import BASE_URL, TOKEN_PREFIX, FakeAgentChat, make_client
from .strategies import (
    BY_NAME,
    CLIENT_FIELDS,
    ECHOED,
    ENDPOINTS,
    FALLBACK_EXAMPLES,
    NAMES,
    OBJECT_TYPES,
    SCALAR_TYPES,
    VARIANTS,
    Variant,
    call_arguments,
    chosen,
    comparable,
    expected_body,
    expected_query,
    fields,
    hints,
    is_instance,
    json_type_ok,
    optional_params,
    required_keywords,
    required_params,
    response_key,
    shape,
    snake,
    to_documented,
    union_members,
    with_argument,
)

pytestmark = pytest.mark.anyio

SSL_CONTEXT: Final = ssl.create_default_context()
VERSION: Final = "4.2.1"
API_KEY: Final = "api-key-for-conformance"
BY_PYTHON: Final = {endpoint["python"]: endpoint for endpoint in ENDPOINTS}
#: Endpoints the fake server itself answers (its routes are reused, not re-registered).
FAKE_ROUTES: Final = {"AgentLogon": "logon", "AgentLogoff": "logoff", "KeepAlive": "keep_alive"}
#: AgentLogon's credentials default to the client's own: the client logs on by itself.
DEFAULTED_REQUIRED: Final = frozenset({"agent_logon"})

#: What each method returns, as the contract documents it.
RETURNS: Final[Mapping[str, Any]] = {
    "agent_logon": LogonResult,
    "set_password": None,
    "request_password_reset": None,
    "agent_logoff": None,
    "send_message": SentMessage,
    "add_comment": None,
    "transfer_chat": None,
    "reassign_chat": None,
    "grab_chat": Chat | None,
    "get_chat_list": ChatList,
    "export_chat": ChatExport,
    "close_chat": None,
    "assign_chat": None,
    "create_agent": Agent | None,
    "keep_alive": None,
    "update_agent": None,
    "create_department": Department | None,
    "update_department": None,
    "get_department_list": DepartmentList,
    "update_customer": None,
    "find_customer": CustomerList,
    "add_tag": None,
    "create_tag": Tag | None,
    "remove_tag": None,
    "update_tag": None,
    "delete_tag": None,
    "create_tag_group": TagGroup | None,
    "update_tag_group": None,
    "create_canned_response": CannedResponse | None,
    "update_canned_response": None,
    "delete_canned_response": None,
    "update_working_hours": None,
    "create_report_schedule": ReportSchedule | None,
    "live_metrics": LiveMetrics,
    "get_reports": ReportList,
    "data_insight": DataInsight,
    "delete_report_schedule": None,
    "create_recipient": Recipient | None,
    "get_recipients": RecipientList,
    "delete_recipient": None,
    "update_settings": None,
    "get_settings": Settings,
}


# -- helpers ---------------------------------------------------------------------------


def endpoint_route(api: FakeAgentChat, endpoint: Mapping[str, Any]) -> respx.Route:
    """The endpoint's route on the fake server: its own, or one registered here (200)."""
    if endpoint["name"] in FAKE_ROUTES:
        route: respx.Route = getattr(api, FAKE_ROUTES[endpoint["name"]])
        return route
    return api.router.route(method=endpoint["method"], path=endpoint["path"]).respond(200)


def issue_token(api: FakeAgentChat) -> str:
    token = f"{TOKEN_PREFIX}{len(api.issued) + 1:08d}"
    api.issued.append(token)
    api.valid.add(token)
    return token


def accept_any_credentials(api: FakeAgentChat) -> None:
    """AgentLogon answers with a token whatever the credentials (the examples' ones too)."""
    api.logon.mock(
        side_effect=lambda request: httpx.Response(
            200, json={"SessionToken": issue_token(api), "AgentID": 7, "Name": "Ann"}
        )
    )


@asynccontextmanager
async def open_client(**kwargs: Any) -> AsyncIterator[AsyncAgentChat]:
    """``make_client()`` on a pool of the test's own, whose TLS context is built once.

    (A client building its own pool loads the CA bundle: 30 ms a test.) On the
    aiohttp and pyreqwest runs, on the suite's transport, through the bridge.
    """
    if fakes.BRIDGE_URL is not None:
        async with make_client(**kwargs) as client:
            yield client
        return
    async with (
        httpx.AsyncClient(verify=SSL_CONTEXT) as http,
        make_client(http_client=http, **kwargs) as client,
    ):
        yield client


def method_of(client: AsyncAgentChat, endpoint: Mapping[str, Any]) -> Any:
    return getattr(client, endpoint["python"])


def no_nulls(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, list):
        return all(no_nulls(item) for item in value)
    if isinstance(value, dict):
        return all(no_nulls(item) for item in value.values())
    return True


# -- the data itself -------------------------------------------------------------------


def test_the_data_describes_42_endpoints_with_known_field_types() -> None:
    assert len(ENDPOINTS) == 42
    assert len(set(NAMES)) == 42
    for endpoint in ENDPOINTS:
        assert any(q["name"] == "Version" for q in endpoint["query"]), endpoint["name"]
        has_token = any(q["name"] == "SessionToken" for q in endpoint["query"])
        assert has_token is endpoint["session"], endpoint["name"]
        for field in fields(endpoint):
            base = field.type.removesuffix("[]")
            assert base in SCALAR_TYPES | OBJECT_TYPES, field
            assert field.python, field
    for name, wire in FALLBACK_EXAMPLES:  # every fallback replaces a documented field
        assert any(f.wire == wire for f in fields(BY_NAME[name]))


def test_python_names_follow_the_naming_rule() -> None:
    """``ChatID`` -> ``chat_id``; integer arrays plural; the known exceptions only."""
    exceptions = {
        ("AddTag", "CustomrID"): "customer_id",  # the reference's typo, not the name
        ("SendMessage", "AttachmentName"): "attachment",
        ("SendMessage", "AttachmentType"): "attachment",
        ("SendMessage", "AttachmentData"): "attachment",
    }
    for endpoint in ENDPOINTS:
        for field in fields(endpoint):
            expected = snake(field.wire)
            if field.type.endswith("[]") and field.type != "string[]" and expected[-1] != "s":
                expected += "s"
            expected = exceptions.get((endpoint["name"], field.wire), expected)
            assert field.python == expected, (endpoint["name"], field.wire)


def test_every_endpoint_has_a_method_and_every_method_an_endpoint() -> None:
    documented = {endpoint["python"] for endpoint in ENDPOINTS}
    public = {
        name
        for name, member in inspect.getmembers(AsyncAgentChat)
        if not name.startswith("_")
        and name not in ("with_options", "stats")
        and inspect.iscoroutinefunction(member)
    }
    assert sorted(documented - public) == [], "endpoints without a method"
    assert sorted(public - documented) == [], "methods without an endpoint"
    assert set(RETURNS) == documented


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
def test_route_matches_the_reference(endpoint: dict[str, Any]) -> None:
    route = ROUTES[endpoint["name"]]
    assert route.name == endpoint["name"]
    assert route.method == endpoint["method"]
    assert route.path == endpoint["path"]
    assert route.retry is Retry(endpoint["retry"])
    assert route.session is endpoint["session"]


def test_the_route_table_is_the_reference_in_order() -> None:
    assert list(ROUTES) == NAMES


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
def test_signature_follows_the_contract(endpoint: dict[str, Any]) -> None:
    """Required params positional-or-keyword in documented order; optional keyword-only,
    defaulting to None, but for those the client requires (``REQUIRED_BY_CLIENT``)."""
    python = endpoint["python"]
    signature = inspect.signature(getattr(AsyncAgentChat, python))
    params = list(signature.parameters.values())
    assert params[0].name == "self"
    params = params[1:]
    required, optional = required_params(endpoint), optional_params(endpoint)
    positional = [p for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    keyword_only = [p for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert [p.name for p in positional] == required
    assert sorted(p.name for p in keyword_only) == sorted(optional)
    assert len(params) == len(required) + len(optional), "no *args, **kwargs or extras"
    for param in positional:
        if python in DEFAULTED_REQUIRED:
            assert param.default is None, param
        else:
            assert param.default is inspect.Parameter.empty, param
    keywords = required_keywords(endpoint)
    for param in keyword_only:
        if param.name in keywords:
            assert param.default is inspect.Parameter.empty, f"{param.name} is required"
        else:
            assert param.default is None, f"{param.name} must default to None (not sent)"
    names = {p.name for p in params}
    assert not names & {"version", "session_token", *map(snake, CLIENT_FIELDS)}
    assert hints(python)["return"] == (type(None) if RETURNS[python] is None else RETURNS[python])


# -- what goes on the wire -------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
async def test_request_on_the_wire(
    api: FakeAgentChat, endpoint: dict[str, Any], variant: Variant
) -> None:
    """One request: documented method, path, query (types as documented) and JSON body."""
    given = chosen(endpoint, variant)
    args, kwargs = call_arguments(endpoint, given)
    route = endpoint_route(api, endpoint)
    if endpoint["name"] == "AgentLogon":
        accept_any_credentials(api)
    async with open_client(version=VERSION, api_key=API_KEY) as client:
        token = api.issued[-1]
        before, route_before = len(api.router.calls), route.call_count
        await method_of(client, endpoint)(*args, **kwargs)
        calls = list(api.router.calls)[before:]
    assert len(calls) == 1, [str(call.request.url) for call in calls]
    assert route.call_count == route_before + 1
    request = calls[0].request

    assert request.method == endpoint["method"]
    assert str(request.url).startswith(BASE_URL + endpoint["path"] + "?")
    assert request.url.path == endpoint["path"]
    assert request.headers.get("apikey") == API_KEY
    for header in endpoint["extra_headers"]:
        assert header in request.headers

    items = request.url.params.multi_items()
    assert len(items) == len(dict(items)), f"a query key is repeated: {items}"
    query = {"Version": VERSION}
    if endpoint["session"]:
        query["SessionToken"] = token
    query.update(expected_query(given))
    assert dict(items) == query
    for field in fields(endpoint):
        text = dict(items).get(field.wire)
        if text is not None and field.type in ("integer", "integer/int32"):
            assert text.isdigit(), (field.wire, text)
        if text is not None and field.type == "boolean":
            assert text in ("true", "false"), (field.wire, text)

    if not endpoint["body"]:
        assert request.content == b""
        return
    assert request.headers["content-type"].startswith("application/json")
    body = json.loads(request.content)
    assert isinstance(body, dict)
    assert no_nulls(body), body
    assert comparable(body, lenient=False) == comparable(
        expected_body(endpoint, given), lenient=True
    )
    documented = {f.wire: f.type for f in fields(endpoint)}
    for (name, wire), echo in ECHOED.items():
        if name == endpoint["name"]:
            documented[echo] = documented[wire]
    for key, value in body.items():
        assert json_type_ok(documented[key], value), (key, documented[key], value)
    if variant == "example":
        reference = {
            key: to_documented(documented[key], value)
            for key, value in endpoint["example_body"].items()
        }
        assert comparable(body, lenient=False) == comparable(reference, lenient=True)
        # Structured items have the example's keys and JSON types.
        for key, value in body.items():
            if documented[key].removesuffix("[]") in OBJECT_TYPES:
                assert {json.dumps(shape(item), sort_keys=True) for item in value} <= {
                    json.dumps(shape(item), sort_keys=True) for item in reference[key]
                }


async def test_send_message_attachment_round_trips(api: FakeAgentChat) -> None:
    """The attachment's bytes are exactly what its base64 on the wire decodes to."""
    data = bytes(range(256)) * 3 + b"\x00\xff"
    route = api.router.post("/api/SendMessage").respond(200)
    async with open_client() as client:
        await client.send_message(
            408, "see attached", attachment=Attachment(name="a.bin", content_type="a/b", data=data)
        )
    body = json.loads(route.calls.last.request.content)
    assert body["ChatID"] == "408"
    assert base64.b64decode(body["AttachmentData"], validate=True) == data


@pytest.mark.parametrize("which", ["chat_id", "customer_id"])
async def test_add_tag_sends_customer_id_under_both_spellings(
    api: FakeAgentChat, which: str
) -> None:
    route = api.router.post("/api/AddTag").respond(200)
    async with open_client() as client:
        await client.add_tag(tag_id=3, **{which: 41})
        for bad in ({}, {"chat_id": 1, "customer_id": 2}):
            with pytest.raises(InvalidRequestError, match="chat_id"):
                await client.add_tag(tag_id=3, **bad)
    assert route.call_count == 1
    body = json.loads(route.calls.last.request.content)
    if which == "chat_id":
        assert body == {"ChatID": 41, "TagID": 3}
    else:
        assert body == {"CustomrID": 41, "CustomerID": 41, "TagID": 3}


async def test_boolean_query_fields_travel_as_false_too(api: FakeAgentChat) -> None:
    for endpoint in ENDPOINTS:
        booleans = [f for f in fields(endpoint) if f.location == "query" and f.type == "boolean"]
        if not booleans:
            continue
        given = [
            (field, False if field in booleans else value)
            for field, value in chosen(endpoint, "minimal")
        ]
        args, kwargs = call_arguments(endpoint, given)
        route = endpoint_route(api, endpoint)
        async with open_client() as client:
            await method_of(client, endpoint)(*args, **kwargs)
        params = route.calls.last.request.url.params
        for field in booleans:
            assert params[field.wire] == "false"


# -- what comes back -------------------------------------------------------------------

DATE: Final = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _sample_value(annotation: Any, style: str, counter: Iterator[int]) -> tuple[Any, Any]:
    """A JSON value for a field and the Python value it must become."""
    (member,) = union_members(annotation)
    if get_origin(member) is tuple:
        item, _ = get_args(member)
        pairs = [_sample_value(item, style, counter) for _ in range(2)]
        return [wire for wire, _ in pairs], tuple(value for _, value in pairs)
    if attrs.has(member):
        return sample_model(cast("type[Model]", member), style, counter)
    if member is bool:
        return True, True
    if member is int:  # PascalCase servers quote their numbers
        number = next(counter)
        return (str(number) if style == "pascal" else number), number
    if member is float:
        real = next(counter) + 0.5
        return real, real
    if member is str:
        text = f"text {next(counter)}"
        return text, text
    if member is datetime:
        wire = "/Date(1704164645000)/" if style == "pascal" else "2024-01-02T03:04:05Z"
        return wire, DATE
    raise AssertionError(f"no sample for {annotation!r}")


def sample_model(cls: type[Model], style: str, counter: Iterator[int]) -> tuple[Any, Model]:
    """A response body for ``cls`` in PascalCase or camelCase, and the model it must give."""
    if cls is Settings:
        if style == "pascal":
            return [{"CompanyName": "Channel"}, {"TimeZone": "UTC"}], Settings(
                values={"CompanyName": "Channel", "TimeZone": "UTC"}
            )
        return {"companyName": "Channel"}, Settings(values={"companyName": "Channel"})
    body: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for field in attrs.fields(attrs.resolve_types(cls)):
        if field.name in ("extra", "raw"):
            continue
        body[response_key(field.name, style)], values[field.name] = _sample_value(
            field.type, style, counter
        )
    return body, cls(**values)


PASCAL_CSV: Final = 'Date,Sender,Message\r\n2024-01-02 03:04:05,Ann,"Hello, there"\r\n'
CAMEL_CSV: Final = "date;sender;message\n2024-01-02T03:04:05Z;Ann;Hi\n"
EXPORTS: Final[Mapping[str, tuple[bytes, ChatExport]]] = {
    "pascal": (
        b"\xef\xbb\xbf" + PASCAL_CSV.encode(),  # with a byte order mark
        ChatExport(
            chat_id=406,
            text=PASCAL_CSV,
            columns=("Date", "Sender", "Message"),
            rows=(
                ExportRow(date=datetime(2024, 1, 2, 3, 4, 5), sender="Ann", message="Hello, there"),
            ),
        ),
    ),
    "camel": (
        CAMEL_CSV.encode(),
        ChatExport(
            chat_id=406,
            text=CAMEL_CSV,
            columns=("date", "sender", "message"),
            rows=(ExportRow(date=DATE, sender="Ann", message="Hi"),),
        ),
    ),
}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize("style", ["empty", "pascal", "camel"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
async def test_result_has_the_documented_type(
    api: FakeAgentChat, endpoint: dict[str, Any], style: str, strict: bool
) -> None:
    python = endpoint["python"]
    returns = RETURNS[python]
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "example"))
    route = endpoint_route(api, endpoint)
    expected: Any = None
    response = httpx.Response(200)
    models = [m for m in union_members(returns) if m is not None]
    if style != "empty":
        if python == "export_chat":
            content, expected = EXPORTS[style]
            response = httpx.Response(200, content=content)
        elif models:
            (model,) = models
            body, expected = sample_model(model, style, itertools.count(3))
            if model is LogonResult:
                body = {("SessionToken" if style == "pascal" else "sessionToken"): "tok-x", **body}
            response = httpx.Response(200, json=body)
        else:  # a body where none is documented is ignored
            response = httpx.Response(200, json={"Success": True, "Message": "OK"})
    elif models and python != "agent_logon" and type(None) not in get_args(returns):
        expected = models[0]()  # an empty body is "no content": an empty model
        if python == "export_chat":
            expected = ChatExport(chat_id=406)

    async with open_client(strict=strict) as client:
        if python == "agent_logon":
            args = []  # log on again as the client itself: the answer is what is tested
        route.mock(side_effect=None, return_value=response)
        method = method_of(client, endpoint)
        if python == "agent_logon" and style == "empty":
            with pytest.raises(ResponseFormatError):
                await method(*args, **kwargs)
            return
        result = await method(*args, **kwargs)

    assert is_instance(result, returns), (type(result), returns)
    if python == "agent_logon":
        assert isinstance(result, LogonResult)
        assert "tok-x" not in repr(result.extra)
        assert attrs.evolve(result, extra={}) == expected
        return
    assert result == expected
    if isinstance(result, Model):
        assert result.extra == {}


async def test_grab_chat_is_none_on_404(api: FakeAgentChat) -> None:
    api.router.get("/api/GrabChat").respond(404)
    async with open_client() as client:
        assert await client.grab_chat() is None


async def test_a_strict_client_reads_agent_logon(api: FakeAgentChat) -> None:
    """The documented logon answer carries the token; strict mode must not reject it."""
    async with open_client(strict=True) as client:
        result = await client.agent_logon()
    assert result.agent_id == 7


# -- bad input never reaches the wire --------------------------------------------------

ID_BAD: Final[list[Any]] = ["7", "abc", True, False, 0, -1, 1.5, 2**31]
INT_BAD: Final[list[Any]] = ["1", True, -1, 1.5, 2**31]
TEXT_BAD: Final[list[Any]] = [7, b"text", "", "   ", ["a"], "x" * 100_001]
BOOL_BAD: Final[list[Any]] = ["true", 1, 0, "yes"]
IDS_BAD: Final[list[Any]] = ["1,2", 12, [0], [-1], ["1"], [True], [None], [1.5]]
TEXTS_BAD: Final[list[Any]] = ["WEEK", 5, [""], [1], [None]]
WEEKDAYS_BAD: Final[list[Any]] = [[0], [8], ["1"], [True], "12345", [], 5]
MAPPING_BAD: Final[list[Any]] = [
    {},
    {"": "x"},
    {1: "x"},
    {"CompanyName": object()},
    {"Ratio": math.nan},
    ["CompanyName"],
    "CompanyName=Channel",
]
ATTACHMENT_BAD: Final[list[Any]] = ["image.jpg", b"\xff\xd8", {"name": "image.jpg"}]
#: Parameters with a format of their own, on top of their type's bad values.
FORMAT_BAD: Final[Mapping[str, list[Any]]] = {
    "scheduled_time": ["9:30", "25:00", "16:60", "16:30:00", " 16:30", "4pm"],
}


def bad_values(endpoint: Mapping[str, Any], param: str, annotation: Any) -> list[Any]:
    """Values every check must refuse for a parameter, from its annotation."""
    members = union_members(annotation)
    wires = [f.wire for f in fields(endpoint) if f.python == param]
    values: list[Any]
    if members == [int]:
        values = ID_BAD if wires[0].endswith("ID") else INT_BAD
    elif members == [str]:
        values = TEXT_BAD + FORMAT_BAD.get(param, [])
    elif members == [bool]:
        values = BOOL_BAD
    elif members == [Attachment]:
        values = ATTACHMENT_BAD
    elif len(members) == 2 and int in members:  # an IntEnum or its number
        (enum,) = [m for m in members if m is not int]
        values = [max(enum) + 1, 9, 0, -1, True, "weird"]
    elif len(members) == 2 and str in members:  # a str enum or its value
        values = ["weird", "fortnight", "", 1, True]
    elif get_origin(members[0]) is Mapping:
        values = MAPPING_BAD
    else:
        (item,) = get_args(members[0])
        items = union_members(item)
        if items == [int]:
            values = IDS_BAD
        elif items == [str]:
            values = TEXTS_BAD
        elif items == [WorkingDay]:
            monday = WorkingDay(day=1, start_time="08:00", end_time="17:00")
            values = [[], "Monday", [{"Day": 1}], [monday, monday], [1], monday]
        elif int in items:
            values = WEEKDAYS_BAD
        else:
            raise AssertionError(f"no bad values for {param}: {annotation!r}")
    if param in [*required_params(endpoint), *required_keywords(endpoint)]:
        values = [*values, None]
    return values


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
async def test_bad_input_is_refused_before_anything_is_sent(
    api: FakeAgentChat, endpoint: dict[str, Any]
) -> None:
    python = endpoint["python"]
    annotations = hints(python)
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "full"))
    required = required_params(endpoint)
    route = endpoint_route(api, endpoint)
    failures: list[str] = []
    async with open_client() as client:
        method = method_of(client, endpoint)
        before = len(api.router.calls)
        for param in dict.fromkeys([*required, *optional_params(endpoint)]):
            for value in bad_values(endpoint, param, annotations[param]):
                call_args, call_kwargs = with_argument(endpoint, args, kwargs, param, value)
                try:
                    await method(*call_args, **call_kwargs)
                except InvalidRequestError as exc:
                    if param not in str(exc):
                        failures.append(f"{param}={value!r:.40}: error does not name it: {exc}")
                except Exception as exc:  # noqa: BLE001 - collected, reported below
                    failures.append(f"{param}={value!r:.40}: {type(exc).__name__}: {exc}")
                else:
                    failures.append(f"{param}={value!r:.40}: accepted")
                if len(api.router.calls) != before:
                    failures.append(f"{param}={value!r:.40}: a request was sent")
                    before = len(api.router.calls)
        # Only the client's own logon reached the fake server.
        assert route.call_count == (1 if endpoint["name"] == "AgentLogon" else 0)
    assert failures == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"day": 8}, "day"),
        ({"day": 0}, "day"),
        ({"day": True}, "day"),
        ({"day": "1"}, "day"),
        ({"day": 1, "start_time": "25:00", "end_time": "26:00"}, "start_time"),
        ({"day": 1, "start_time": "9:30", "end_time": "17:00"}, "start_time"),
        ({"day": 1, "start_time": "09:00", "end_time": "24:00"}, "end_time"),
        ({"day": 1, "start_time": "17:00", "end_time": "09:00"}, "end_time"),
        ({"day": 1, "enabled": "yes"}, "enabled"),
    ],
)
def test_working_day_checks_itself_when_built(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        WorkingDay(**kwargs)
