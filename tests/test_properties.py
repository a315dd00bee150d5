"""Properties: models round-trip through the converter; no response body breaks a parser.

Run with the lenient converter and the strict one. The response properties go
through the real client (on an ``httpx.MockTransport``, no sockets): every
endpoint that parses a body gets the generated body as its 200 answer and must
return its documented type or raise ``ResponseFormatError``, nothing else.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Final

import anyio
import attrs
import cattrs
import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agentchat import AsyncAgentChat, Model, ResponseFormatError
from agentchat._converters import make_converter

from .fakes import EMAIL, make_client
from .strategies import (
    BY_NAME,
    ENDPOINTS,
    JSON_VALUES,
    SCALARS,
    TEXT,
    call_arguments,
    chosen,
    hints,
    is_instance,
    model_classes,
    models,
    response_key,
)

CONVERTERS: Final[Mapping[bool, cattrs.Converter]] = {
    False: make_converter(),
    True: make_converter(strict=True),
}
STRICTNESS: Final = pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
MODEL_CLASSES: Final = model_classes()


def test_every_public_model_is_covered() -> None:
    names = {cls.__name__ for cls in MODEL_CLASSES}
    assert {"Chat", "ChatList", "Settings", "ChatExport", "ExportRow", "LogonResult"} <= names
    assert len(MODEL_CLASSES) >= 20


# -- models round-trip -------------------------------------------------------------------


@STRICTNESS
@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_models_survive_unstructure_then_structure(
    cls: type[Model], strict: bool, data: st.DataObject
) -> None:
    converter = CONVERTERS[strict]
    model = data.draw(models(cls, extras=not strict), label="model")
    wire = converter.unstructure(model)
    assert converter.structure(wire, cls) == model
    # ... and what unstructure gives is JSON, which survives the trip to text too.
    decoded = json.loads(json.dumps(wire, allow_nan=False))
    assert converter.structure(decoded, cls) == model


# -- no body breaks a parser ---------------------------------------------------------------

#: Every endpoint whose method parses the response body, AgentLogon last (it may
#: adopt whatever token the body holds).
PARSING: Final = sorted(
    (e for e in ENDPOINTS if hints(e["python"])["return"] is not type(None)),
    key=lambda e: e["name"] == "AgentLogon",
)
CALLS: Final = {e["name"]: call_arguments(e, chosen(e, "example")) for e in PARSING}

#: Strings the converter's hooks treat specially, and numbers at the edges.
ODD_STRINGS: Final = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "true",
    "null",
    "1e999",
    "nan",
    "9" * 30,
    "2024-01-02T03:04:05Z",
    "2024-13-45",
    "9999-12-31T23:59:59-23:59",
    "/Date(1704164645000)/",
    "/Date(1704164645000+0530)/",
    "/Date(1704164645000+2400)/",
    "/Date(99999999999999999999)/",
    "/Date(-99999999999999999999)/",
]
ODD_NUMBERS: Final = [-0.0, 1e300, 2**63, 10**30, 1704164645000, 253402300800000]
#: Keys the models know, in the cases servers use, and wrapper keys.
FIELD_KEYS: Final = sorted(
    {
        key
        for cls in MODEL_CLASSES
        for field in attrs.fields(cls)
        if field.name not in ("extra", "raw")
        for key in (response_key(field.name, "pascal"), response_key(field.name, "camel"))
    }
    | {"Data", "Result", "Items", "SessionToken", "Token", "Name", "Value", "Settings"}
)
LEAVES: Final = SCALARS | st.sampled_from(ODD_STRINGS) | st.sampled_from(ODD_NUMBERS)
#: JSON shaped like what the models read: known keys, odd values, nesting.
SHAPED: Final = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_KEYS) | TEXT, children, max_size=6)
    ),
    max_leaves=20,
)
JSON_BODIES: Final = (JSON_VALUES | SHAPED).map(lambda value: json.dumps(value).encode())


async def _answer_every_parser(body: bytes, strict: bool) -> None:
    """Call every parsing endpoint once, each answered with ``body``."""

    def handler(request: httpx.Request) -> httpx.Response:
        path, content = request.url.path, request.content
        if path == "/api/AgentLogon" and json.loads(content)["EmailAddress"] == EMAIL:
            # The client's own logon; agent_logon(<the example's credentials>) gets the body.
            return httpx.Response(200, json={"SessionToken": "tok-property"})
        return httpx.Response(200, content=body)

    transport = httpx.MockTransport(handler)
    async with make_client(transport=transport, strict=strict, max_retries=0) as client:
        for endpoint in PARSING:
            await _call(client, endpoint, body)


async def _call(client: AsyncAgentChat, endpoint: Mapping[str, Any], body: bytes) -> None:
    args, kwargs = CALLS[endpoint["name"]]
    returns = hints(endpoint["python"])["return"]
    try:
        result = await getattr(client, endpoint["python"])(*args, **kwargs)
    except ResponseFormatError:
        return
    assert is_instance(result, returns), (endpoint["name"], body[:80], result)


@STRICTNESS
@settings(max_examples=60, deadline=None)
@given(body=JSON_BODIES)
@example(body=b"[" * 100_000 + b"]" * 100_000)  # deeper than the decoder's recursion
@example(body=b'{"ChatID": "1", "Created": "/Date(99999999999999999999)/"}')
def test_any_json_body_gives_a_result_or_response_format_error(body: bytes, strict: bool) -> None:
    anyio.run(_answer_every_parser, body, strict)


@STRICTNESS
@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=64) | st.binary(max_size=64).map(lambda b: b"\xff" + b))
@example(body=b"\xef\xbb\xbf")
@example(body=b"\xff\xfe{\x00}\x00")  # UTF-16 JSON
@example(body=b'"\xc3(csv"')
def test_any_bytes_give_a_result_or_response_format_error(body: bytes, strict: bool) -> None:
    anyio.run(_answer_every_parser, body, strict)


HEADERS: Final = ["Date", "Date Time", "Timestamp", "Sender", "From", "Message", "Text", "File"]
CELLS: Final = (
    st.sampled_from([*ODD_STRINGS, "2024-01-02 03:04:05", "Ann", "Hello, there", 'say "hi"']) | TEXT
)


@st.composite
def csv_bodies(draw: st.DrawFn) -> bytes:
    """CSV exports: known and unknown columns, odd cells, ragged lines, BOM, JSON-wrapped."""
    header = draw(st.lists(st.sampled_from(HEADERS) | TEXT, min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 1), max_size=4))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    # Python 3.10's writer refuses some cells ("need to escape") unless told to quote all.
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL):
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=quoting)
        try:
            writer.writerow(header)
            writer.writerows(rows)
        except csv.Error:
            continue
        break
    text = out.getvalue()
    if draw(st.booleans()):
        return json.dumps(text).encode()
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode()


async def _export(body: bytes, strict: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/AgentLogon":
            return httpx.Response(200, json={"SessionToken": "tok-property"})
        return httpx.Response(200, content=body)

    transport = httpx.MockTransport(handler)
    async with make_client(transport=transport, strict=strict, max_retries=0) as client:
        await _call(client, BY_NAME["ExportChat"], body)


@STRICTNESS
@settings(max_examples=60, deadline=None)
@given(body=csv_bodies())
@example(body=b"Date,Message\r\n/Date(99999999999999999999)/,hi\r\n")
def test_any_csv_export_gives_a_chat_export_or_response_format_error(
    body: bytes, strict: bool
) -> None:
    anyio.run(_export, body, strict)
