"""Fuzzing: hostile servers and hostile callers get nothing but the contract's typed errors.

* Every endpoint, called with valid arguments, is answered with hypothesis-generated
  hostile responses: error and odd statuses, wrong JSON types in every model field,
  huge numbers, deep nesting, invalid UTF-8, truncated JSON, HTML error pages, wrong
  content types, empty and enormous (up to 2 MB) bodies, connections cut mid-body.
  Only ``AgentChatError`` subclasses come out; a 2xx gives the documented result or
  ``ResponseFormatError``; and the client carries on (its next call works).
* The keep-alive task survives a stream of hostile KeepAlive answers, and a chat
  watcher survives hostile GetChatList answers (transient failures, then correct
  events), on asyncio and trio.
* Hostile arguments that ``tests/test_conformance.py`` does not already try
  (hypothesis-generated wrong types and values for every parameter, non-"HH:MM"
  times, attachments over the size limit) raise ``InvalidRequestError`` with nothing
  sent.

``tests/test_properties.py`` covers 200 answers whose bodies are JSON or short
binary for the parsing endpoints; this file covers the rest of the hostile space.
"""

from __future__ import annotations

import array
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from enum import Enum
from typing import Any, Final, cast, get_args, get_origin

import anyio
import attrs
import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from agentchat import (
    MAX_ATTACHMENT_BYTES,
    AgentChatError,
    AsyncAgentChat,
    Attachment,
    Chat,
    InvalidRequestError,
    LogonResult,
    Model,
    ResponseFormatError,
    WorkingDay,
)

from ..strategies import (
    ENDPOINTS,
    EXCLUSIVE,
    JSON_VALUES,
    NAMES,
    call_arguments,
    chosen,
    fields,
    hints,
    is_instance,
    optional_params,
    required_params,
    response_key,
    union_members,
)

pytestmark = pytest.mark.anyio

BASE_URL: Final = "https://agentchat.fuzz.test"
EMAIL: Final = "fuzz@example.com"
PASSWORD: Final = "fuzz-password-51ab07"
TOKEN: Final = "tok-fuzz-9f3c2e1d0b"
BY_PYTHON: Final = {endpoint["python"]: endpoint for endpoint in ENDPOINTS}
CALLS: Final = {e["name"]: call_arguments(e, chosen(e, "example")) for e in ENDPOINTS}
#: A generous bound on an error message: excerpts are short, whatever the body.
MESSAGE_MAX: Final = 2000

# -- known library bugs ------------------------------------------------------------------
#
FUZZ: Final = settings(
    deadline=None,
    # No "explain" phase: after a deep-nesting RecursionError, CPython 3.11 can fail
    # to build the AST it parses ("AST constructor recursion depth mismatch").
    phases=[phase for phase in Phase if phase is not Phase.explain],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# -- hostile answers -----------------------------------------------------------------------


def _show(body: bytes) -> str:
    return f"<{len(body)} bytes: {body[:60]!r}>"


class _CutStream(httpx.AsyncByteStream):
    """A body that ends, connection and all, before its Content-Length is reached."""

    def __init__(self, data: bytes, request: httpx.Request) -> None:
        self._data = data
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._data:
            yield self._data
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body", request=self._request
        )


@attrs.frozen
class Answer:
    """One hostile HTTP answer."""

    status: int
    body: bytes = attrs.field(repr=_show)
    headers: tuple[tuple[str, str], ...] = ()
    #: The connection ends halfway through the body.
    cut: bool = False

    @property
    def ok(self) -> bool:
        """A complete 2xx answer (its body is what is judged)."""
        return 200 <= self.status < 300 and not self.cut

    def respond(self, request: httpx.Request) -> httpx.Response:
        headers = list(self.headers)
        if self.cut:
            headers.append(("content-length", str(len(self.body) + 512)))
            return httpx.Response(
                self.status,
                headers=headers,
                stream=_CutStream(self.body[: len(self.body) // 2], request),
            )
        # A stream, not content=: httpx would decode content= in the constructor.
        return httpx.Response(self.status, headers=headers, stream=httpx.ByteStream(self.body))


OK_STATUSES: Final = [200, 201, 202, 204, 206, 299]
ERROR_STATUSES: Final = [
    301, 302, 304, 400, 401, 403, 404, 405, 409, 413, 418, 419, 422, 429, 440, 451,
    500, 501, 502, 503, 504, 520, 599, 999,
]  # fmt: skip
STATUSES: Final = st.just(200) | st.sampled_from(OK_STATUSES + ERROR_STATUSES)

HUGE_NUMBERS: Final = [
    "1" + "0" * 400,
    "-" + "9" * 400,
    "9" * 5000,  # past Python's int-from-text limit
    "1e308",
    "1.7976931348623157e309",
    "1e999",
    "-1e999",
    "Infinity",
    "-Infinity",
    "NaN",
    "1e-400",
    "-0",
    "2147483648",
    "9223372036854775808",
    "18446744073709551616",
]
ODD_STRINGS: Final = [
    '"' + "9" * 5000 + '"',
    '"1e999"',
    '"Infinity"',
    '"NaN"',
    '"-0"',
    '"/Date(99999999999999999999)/"',
    '"/Date(-8640000000000001)/"',
    '"9999-99-99T99:99:99"',
    '"0000-00-00T00:00:00Z"',
    '"\\u0000"',
    '"\\ud800"',  # a lone surrogate
    '""',
    '" "',
]
#: Raw JSON texts for one value: any JSON, huge numbers, odd strings, nesting.
RAW_VALUES: Final = st.one_of(
    JSON_VALUES.map(json.dumps),
    st.sampled_from(HUGE_NUMBERS),
    st.sampled_from(ODD_STRINGS),
    st.integers(2, 300).map(lambda n: "[" * n + "]" * n),
    st.integers(2, 300).map(lambda n: '{"a":' * n + "1" + "}" * n),
)
#: What the session token may be in a hostile logon answer that still works.
TOKEN_VALUES: Final = st.one_of(
    st.text(st.characters(codec="ascii"), max_size=40).map(json.dumps),
    st.text(st.characters(codec="utf-8"), max_size=12).map(json.dumps),
    st.integers().map(str),
    st.sampled_from(["null", "true", "1.5", "[]", "{}", '"   "', '""', "1" + "0" * 400]),
    # Tokens that cannot travel back in a URL: refused (ResponseFormatError).
    st.sampled_from(['"\\ud800abc"', json.dumps("t" * 70_000)]),
)
HTML_PAGES: Final = [
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>",
    b"<!DOCTYPE html>\n<html><body><h2>Server Error in '/' Application.</h2><p>Runtime "
    b"Error</p><!-- SessionToken=abc --></body></html>\r\n",
    b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY>Reference #18.abc</BODY></HTML>",
    b'<?xml version="1.0" encoding="utf-8"?><Error><Code>InternalError</Code></Error>',
    b"Internal Server Error",
    b"upstream connect error or disconnect/reset before headers. reset reason: overflow",
]
SPECIAL_BODIES: Final = [
    b"", b" ", b"\r\n", b"null", b"0", b"-1", b"true", b"false", b'""', b'"OK"', b"[]",
    b"{}", b"[null]", b"[[]]", b'{"":""}', b"\xef\xbb\xbf", b"\xef\xbb\xbf[]",
    b"\x00", b"\xff\xfe[\x00]\x00", b"\xfe\xff\x00[\x00]", b"OK", b"undefined", b"NaN",
    b"[1,]", b"{'a': 1}", b'{"a" 1}', b'{"a":1}{"b":2}', b"\x1b[31mred",
]  # fmt: skip
NOT_UTF8: Final = [b"\xff", b"\x80", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]
DEEP_OPENERS: Final = ["[", '{"a":', '[{"Chats":', '{"Data":[']
CONTENT_TYPES: Final = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=no-such-charset",
    "text/plain",
    "text/plain; charset=iso-8859-1",
    "text/plain; charset=utf-32",
    "text/html",
    "application/xml",
    "text/xml",
    "application/octet-stream",
    "text/csv",
    "application/problem+json",
    "multipart/mixed; boundary=x",
    "",
]
#: Content-Encodings whose body does not match (httpx fails to decode them).
BAD_ENCODINGS: Final = ["gzip", "deflate", "gzip, identity"]
SAFE_ENCODINGS: Final = ["identity", "x-unknown", "chunked"]
ENORMOUS_SIZES: Final = [65_536, 524_288, 2_000_000]


#: A charset a BOM-less body cannot be decoded in (a logon answer falls back to text).
UTF16_TYPES: Final = ["application/json; charset=utf-16", "text/plain; charset=utf-16"]


def _headers() -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    encodings = SAFE_ENCODINGS + BAD_ENCODINGS
    types = CONTENT_TYPES + UTF16_TYPES
    pairs = st.one_of(
        st.tuples(st.just("content-type"), st.sampled_from(types)),
        st.tuples(st.just("content-encoding"), st.sampled_from(encodings)),
        st.tuples(st.just("retry-after"), st.sampled_from(["nan", "-1", "1e400", "soon"])),
        st.tuples(
            st.just("x-junk"), st.text(st.characters(codec="ascii", min_codepoint=32), max_size=20)
        ),
    )
    return st.lists(pairs, max_size=3, unique_by=lambda pair: pair[0]).map(tuple)


def _nested_models(annotation: Any) -> list[type[Any]]:
    """The attrs classes an annotation names, and the ones their fields name, recursively."""
    found: list[type[Any]] = []
    todo = [annotation]
    while todo:
        current = todo.pop()
        for member in union_members(current):
            if get_origin(member) is tuple:
                todo.append(get_args(member)[0])
            elif isinstance(member, type) and attrs.has(member) and member not in found:
                found.append(member)
                todo.extend(f.type for f in attrs.fields(attrs.resolve_types(member)))
    return found


def _keys(endpoint: Mapping[str, Any]) -> list[str]:
    """Keys a server would use for the endpoint's result (any model when it returns None)."""
    models = _nested_models(hints(endpoint["python"])["return"]) or [Chat, LogonResult]
    keys = {
        response_key(f.name, style)
        for cls in models
        for f in attrs.fields(cls)
        if f.name not in ("extra", "raw")
        for style in ("pascal", "camel")
    }
    return sorted(keys | {"Data", "Result", "Items", "Message", "Settings"})


@st.composite
def _objects(draw: st.DrawFn, keys: Sequence[str], token: bool) -> str:
    """A JSON object text with the model's keys holding values of any type."""
    items = draw(st.lists(st.tuples(st.sampled_from(keys), RAW_VALUES), max_size=5))
    if token and draw(st.booleans()):
        key = draw(st.sampled_from(["SessionToken", "sessionToken", "Token", "token"]))
        items.insert(draw(st.integers(0, len(items))), (key, draw(TOKEN_VALUES)))
    return "{" + ",".join(f"{json.dumps(key)}:{value}" for key, value in items) + "}"


def _documents(keys: Sequence[str], token: bool) -> st.SearchStrategy[str]:
    """JSON texts: an object, a bare list of them, or wrapped; never a bare scalar."""
    objects = _objects(keys, token)
    return st.one_of(
        objects,
        st.lists(objects, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.tuples(st.sampled_from(["Data", "data", "Chats", "Items", "Result"]), objects).map(
            lambda pair: f'{{"{pair[0]}":{pair[1]}}}'
        ),
    )


def _truncated(documents: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """A non-empty proper prefix of an object or list text: never valid JSON."""

    def cut(pair: tuple[str, float]) -> bytes:
        data = pair[0].encode("utf-8", "surrogatepass")
        return data[: max(1, min(len(data) - 1, int(len(data) * pair[1])))]

    return st.tuples(documents, st.floats(0, 1)).map(cut)


def _not_utf8(documents: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    def insert(triple: tuple[str, bytes, float]) -> bytes:
        data = triple[0].encode()
        at = int(len(data) * triple[2])
        return data[:at] + triple[1] + data[at:]

    return st.tuples(documents, st.sampled_from(NOT_UTF8), st.floats(0, 1)).map(insert)


def _deep(pair: tuple[str, int, bool]) -> bytes:
    opener, depth, closed = pair
    if not closed:
        return (opener * depth).encode()
    closer = {"[": "]", '{"a":': "}", '[{"Chats":': "}]", '{"Data":[': "]}"}[opener]
    return (opener * depth + "1" + closer * depth).encode()


DEEP_BODIES: Final = st.tuples(
    st.sampled_from(DEEP_OPENERS), st.integers(500, 100_000), st.booleans()
).map(_deep)


def _enormous(pair: tuple[str, int]) -> bytes:
    kind, size = pair
    if kind == "spaces":
        return b" " * size + b"[]"
    if kind == "string":
        return b'{"Name": "' + b"x" * size + b'"}'
    if kind == "garbage":
        return b"A" * size
    if kind == "not-utf8":
        return b"\xff" * size
    return b"[" + b"{}," * min(size // 100, 20_000) + b"{}]"


ENORMOUS_BODIES: Final = st.tuples(
    st.sampled_from(["spaces", "string", "garbage", "not-utf8", "many"]),
    st.sampled_from(ENORMOUS_SIZES),
).map(_enormous)


def _bodies(keys: Sequence[str], *, token: bool = False) -> st.SearchStrategy[bytes]:
    documents = _documents(keys, token)
    return st.one_of(
        documents.map(lambda text: text.encode("utf-8", "surrogatepass")),
        _truncated(documents),
        _not_utf8(documents),
        DEEP_BODIES,
        st.sampled_from(HTML_PAGES),
        st.sampled_from(SPECIAL_BODIES),
        st.binary(max_size=64),
        ENORMOUS_BODIES,
    )


def answers(
    keys: Sequence[str], *, token: bool = False, statuses: st.SearchStrategy[int] = STATUSES
) -> st.SearchStrategy[Answer]:
    return st.builds(
        Answer,
        status=statuses,
        body=_bodies(keys, token=token),
        headers=_headers(),
        cut=st.sampled_from([False] * 7 + [True]),
    )


ANSWERS: Final = {e["name"]: answers(_keys(e), token=e["name"] == "AgentLogon") for e in ENDPOINTS}


# -- every endpoint --------------------------------------------------------------------------


def _logon_answer() -> httpx.Response:
    return httpx.Response(200, json={"SessionToken": TOKEN, "AgentID": 7, "Name": "Fuzz"})


def _client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> AsyncAgentChat:
    options.setdefault("keep_alive_interval", None)
    options.setdefault("max_retries", 0)
    return AsyncAgentChat(
        EMAIL, PASSWORD, base_url=BASE_URL, transport=httpx.MockTransport(handler), **options
    )


def _name(request: httpx.Request) -> str:
    return request.url.path.rsplit("/", 1)[-1]


def _check_error(exc: AgentChatError, answer: Answer | None) -> None:
    """A typed error of the right kind, with a short message, and printable."""
    if answer is not None:
        if answer.ok:
            assert isinstance(exc, ResponseFormatError), (type(exc), exc)
        else:
            assert not isinstance(exc, ResponseFormatError | InvalidRequestError), (type(exc), exc)
    assert len(str(exc)) < MESSAGE_MAX, str(exc)[:300]
    repr(exc)
    link: BaseException | None = exc
    while link is not None:
        str(link)
        link = link.__cause__ or link.__context__


async def _answer_once(endpoint: Mapping[str, Any], answer: Answer) -> None:
    """Call ``endpoint`` (valid arguments) answered by ``answer``; then carry on."""
    target = endpoint["name"]
    logons = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal logons
        name = _name(request)
        if name == "AgentLogon":
            logons += 1
            if target != "AgentLogon" or logons == 1:  # the client's own logon, re-logons
                return _logon_answer()
        if name == target:
            return answer.respond(request)
        return httpx.Response(200)

    returns = hints(endpoint["python"])["return"]
    args, kwargs = CALLS[target]
    async with _client(handler) as chat:
        try:
            result = await getattr(chat, endpoint["python"])(*args, **kwargs)
        except AgentChatError as exc:
            _check_error(exc, answer)
        else:
            grab_none = target == "GrabChat" and answer.status == 404 and not answer.cut
            assert answer.ok or grab_none, (answer.status, result)
            assert is_instance(result, returns), (type(result), returns)
            if isinstance(result, Model):
                repr(result)
        # The client carries on: its next call is answered normally, or raises a typed error.
        try:
            await chat.keep_alive()
        except AgentChatError as exc:
            _check_error(exc, None)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=NAMES)
@settings(FUZZ, max_examples=12)
@given(data=st.data())
def test_hostile_answers_to_every_endpoint_give_only_typed_errors(
    endpoint: dict[str, Any], data: st.DataObject
) -> None:
    answer = data.draw(ANSWERS[endpoint["name"]], label="answer")
    # Drawn here, run in a loop of its own: draws inside a running loop trip anyio's runner.
    anyio.run(_answer_once, endpoint, answer)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(200, b"[" * 100_000),
        Answer(200, b"[" * 100_000 + b"]" * 100_000),
        Answer(200, b'[{"ChatID": ' + b"9" * 5000 + b"}]"),
        Answer(200, b'[{"ChatID": 1' + b"0" * 400 + b"}]"),
        Answer(200, b'[{"ChatID": 1e999, "Created": 1e308}]'),
        Answer(200, b'[{"ChatID": NaN}]', (("content-type", "text/plain"),)),
        Answer(200, b'[{"ChatID": 1, "CustomerName": "\xff\xfe"}]'),
        Answer(200, b'[{"ChatID": "1"', (("content-type", "application/json"),)),
        Answer(200, HTML_PAGES[0], (("content-type", "text/html"),)),
        Answer(200, b"<a>1</a>", (("content-type", "application/xml"),)),
        Answer(200, b"", (("content-type", "application/json"),)),
        Answer(200, b'{"Name": "' + b"x" * 2_000_000 + b'"}'),
        Answer(502, HTML_PAGES[0], (("content-type", "text/html"),)),
        Answer(200, b'[{"ChatID": 1}, {"ChatID": 2}]', cut=True),
    ],
    ids=[
        "unclosed-100k", "nested-100k", "5000-digits", "10**400", "inf", "nan-as-text",
        "not-utf8", "truncated", "html-200", "xml", "empty", "2MB", "html-502", "cut",
    ],
)  # fmt: skip
async def test_named_hostile_answers_to_get_chat_list(answer: Answer) -> None:
    """The issue's list, spelled out once (the fuzzing above draws from the same kinds)."""
    await _answer_once(BY_PYTHON["get_chat_list"], answer)


@pytest.mark.parametrize(
    "value",
    ["nan", "inf", "-inf", "-5", "1e400", "", "soon", "9" * 5000, "0" * 5000, "1_000",
     "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 1900 00:00:00 GMT",
     "Fri, 31 Dec 99999999999 23:59:59 GMT",  # an OverflowError once escaped
     "\x00"],
)  # fmt: skip
async def test_hostile_retry_after_is_never_waited_on_for_long(value: str) -> None:
    """A Retry-After that is not a sane number of seconds neither hangs nor breaks a retry."""
    answers = iter([httpx.Response(503, headers={"Retry-After": value})])

    def handler(request: httpx.Request) -> httpx.Response:
        if _name(request) == "AgentLogon":
            return _logon_answer()
        if _name(request) == "GetChatList":
            return next(answers, httpx.Response(200, json=[{"ChatID": 1}]))
        return httpx.Response(200)

    async with _client(handler, max_retries=1) as chat:
        with anyio.fail_after(10):
            try:
                assert len(await chat.get_chat_list()) == 1
            except AgentChatError as exc:
                _check_error(exc, Answer(503, b""))


# -- bugs fuzzing once found, kept as regression tests -------------------------------------


async def test_a_body_that_does_not_match_its_content_encoding_is_a_typed_error() -> None:
    answer = Answer(200, b'[{"ChatID": 1}]', (("content-encoding", "gzip"),))
    await _answer_once(BY_PYTHON["get_chat_list"], answer)


@pytest.mark.parametrize("token", ["t" * 70_000, "tok\ud800en"], ids=["70k-chars", "surrogate"])
async def test_a_logon_token_that_cannot_be_sent_back_is_refused(token: str) -> None:
    body = json.dumps({"SessionToken": token}).encode()
    await _answer_once(BY_PYTHON["agent_logon"], Answer(200, body))


@pytest.mark.parametrize("depth", [1500, 5000])
async def test_a_deeply_wrapped_logon_answer_is_a_typed_error(depth: int) -> None:
    body = (b'{"Data": ' * depth) + b'"tok-deep-0123"' + b"}" * depth
    await _answer_once(BY_PYTHON["agent_logon"], Answer(200, body))


async def test_a_logon_answer_in_an_undecodable_charset_is_a_typed_error() -> None:
    """Raised from ``async with`` itself: the client's own logon gets the answer."""

    def handler(request: httpx.Request) -> httpx.Response:
        return Answer(200, b"not json", (("content-type", "text/plain; charset=utf-16"),)).respond(
            request
        )

    with pytest.raises(ResponseFormatError):
        async with _client(handler):
            pass


# -- the keep-alive task and the watcher survive -------------------------------------------

CHAT_KEYS: Final = _keys(BY_PYTHON["get_chat_list"])


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@settings(FUZZ, max_examples=8)
@given(script=st.lists(answers(CHAT_KEYS), min_size=1, max_size=6))
async def test_keep_alive_survives_hostile_answers(
    anyio_backend: str, script: list[Answer]
) -> None:
    script = [*script, Answer(500, HTML_PAGES[0])]  # at least one tick fails
    ticks = logoffs = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal ticks, logoffs
        name = _name(request)
        if name == "KeepAlive":
            ticks += 1
            return (
                script[ticks - 1].respond(request) if ticks <= len(script) else httpx.Response(200)
            )
        if name == "AgentLogoff":
            logoffs += 1
        return _logon_answer() if name == "AgentLogon" else httpx.Response(200)

    async with _client(handler, keep_alive_interval=0.01) as chat:
        with anyio.fail_after(30):
            while ticks <= len(script):  # every hostile answer was used
                await anyio.sleep(0.005)
            after = chat.stats.keep_alives
            while chat.stats.keep_alives < after + 2:  # ... and it still ticks
                await anyio.sleep(0.005)
        stats = chat.stats
    assert stats.keep_alive_failures >= 1
    assert logoffs == 1  # the block was left normally


def _watcher_answers() -> st.SearchStrategy[Answer]:
    """GetChatList answers that are transient failures for a watcher, whatever is drawn."""
    documents = _documents(CHAT_KEYS, False)
    unreadable = st.one_of(
        _truncated(documents),
        st.sampled_from(NOT_UTF8).map(lambda bad: bad + b'[{"ChatID": 1}]'),
        st.sampled_from(HTML_PAGES[:4]),
        st.integers(1, 100_000).map(lambda n: b"[" * n),
        st.sampled_from(
            [b'[{"ChatID": "abc"}]', b'[{"ChatID": true}]', b'[{"ChatID": 1.5}]', b"[{}]",
             b'[{"ChatID": Infinity}]', b'[{"ChatID": "' + b"9" * 5000 + b'"}]', b'"hello"',
             b'{"Chats": "x"}', b"12", b"[1]", b'[{"ChatID": {}}]']
        ),
    )  # fmt: skip
    server_errors = st.sampled_from([429, 500, 501, 502, 503, 504, 520, 599])
    return st.one_of(
        st.builds(Answer, status=st.sampled_from(OK_STATUSES), body=unreadable, headers=_headers()),
        st.builds(Answer, status=server_errors, body=_bodies(CHAT_KEYS), headers=_headers()),
        st.builds(Answer, status=STATUSES, body=_bodies(CHAT_KEYS), cut=st.just(True)),
    )


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@settings(FUZZ, max_examples=6)
@given(hostile=st.lists(_watcher_answers(), min_size=1, max_size=4))
# Found by exploring: httpx's gzip decoder read a lone "{" as an empty body, so
# the watcher saw an empty list and reported every chat gone.
@example(hostile=[Answer(200, b"{", (("content-encoding", "gzip"),))])
async def test_watcher_survives_hostile_answers(anyio_backend: str, hostile: list[Answer]) -> None:
    first = [{"ChatID": 1, "CustomerName": "Ann"}, {"ChatID": 2, "CustomerName": "Bob"}]
    second = [{"ChatID": "1", "CustomerName": "Ann B."}, {"ChatID": 3, "CustomerName": "Cy"}]
    script = [Answer(200, json.dumps(first).encode()), *hostile]
    polls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal polls
        name = _name(request)
        if name == "GetChatList":
            polls += 1
            if polls <= len(script):
                return script[polls - 1].respond(request)
            return httpx.Response(200, json=second)
        return _logon_answer() if name == "AgentLogon" else httpx.Response(200)

    events: list[tuple[str, int]] = []
    async with _client(handler) as chat:
        with anyio.fail_after(30):
            async with chat.watch_chats(interval=0.01) as watcher:
                async for event in watcher:
                    events.append((event.kind, event.chat.chat_id))
                    if len(events) == 5:
                        break
    assert events == [("new", 1), ("new", 2), ("changed", 1), ("new", 3), ("gone", 2)]
    assert watcher.failures == len(hostile)
    assert watcher.polls == 2


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_keep_alive_survives_a_body_that_does_not_match_its_encoding(
    anyio_backend: str,
) -> None:
    ticks = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal ticks
        if _name(request) == "KeepAlive":
            ticks += 1
            if ticks == 1:
                return Answer(200, b"garbage", (("content-encoding", "gzip"),)).respond(request)
        return _logon_answer() if _name(request) == "AgentLogon" else httpx.Response(200)

    async with _client(handler, keep_alive_interval=0.01):
        with anyio.fail_after(10):
            while ticks < 3:
                await anyio.sleep(0.005)


# -- hostile arguments -----------------------------------------------------------------------

_HHMM: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _not_hhmm(text: str) -> bool:
    return not _HHMM.fullmatch(text)  # "09:30\n" included: it is refused


NOT_HHMM: Final = st.one_of(
    st.text(max_size=8),
    st.from_regex(r"\A\d{1,3}:\d{1,3}\Z"),
    st.from_regex(r"\A\s*([01]\d|2[0-3]):[0-5]\d\s*\Z"),
    st.sampled_from(["24:00", "9:30", "09:3", "09.30", "0930", "09:30:00", "١٢:٣٠", "09\uff1a30"]),
).filter(_not_hhmm)


async def _refused(call: Callable[[AsyncAgentChat], Any], name: str) -> None:
    """``call(client)`` raises InvalidRequestError naming ``name``; nothing is sent."""
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(_name(request))
        return _logon_answer() if _name(request) == "AgentLogon" else httpx.Response(200)

    async with _client(handler) as chat:
        before = len(sent)
        with pytest.raises(InvalidRequestError) as info:
            await call(chat)
        assert sent[before:] == []
    assert name in str(info.value)


@settings(FUZZ, max_examples=60)
@given(value=NOT_HHMM, which=st.sampled_from(["start_time", "end_time"]))
@example(value="24:00", which="end_time")
def test_working_day_refuses_times_that_are_not_hhmm(value: str, which: str) -> None:
    times = {"start_time": "08:00", "end_time": "17:00", which: value}
    with pytest.raises(InvalidRequestError, match=which):
        WorkingDay(day=1, start_time=times["start_time"], end_time=times["end_time"])


@settings(FUZZ, max_examples=40)
@given(value=NOT_HHMM)
async def test_create_report_schedule_refuses_times_that_are_not_hhmm(value: str) -> None:
    args, _ = CALLS["CreateReportSchedule"]
    args = [*args[:-1], value]
    await _refused(lambda chat: chat.create_report_schedule(*args), "scheduled_time")


async def test_a_time_with_a_trailing_newline_is_refused() -> None:
    args, _ = CALLS["CreateReportSchedule"]
    args = [*args[:-1], "09:30\n"]
    await _refused(lambda chat: chat.create_report_schedule(*args), "scheduled_time")


def test_an_attachment_over_the_limit_cannot_be_built() -> None:
    with pytest.raises(InvalidRequestError, match="over the limit"):
        Attachment(
            name="big.bin",
            content_type="application/octet-stream",
            data=bytes(MAX_ATTACHMENT_BYTES + 1),
        )
    Attachment(
        name="ok.bin", content_type="application/octet-stream", data=bytes(MAX_ATTACHMENT_BYTES)
    )


def _grown_bytearray() -> Attachment:
    data = bytearray(16)
    attachment = Attachment(
        name="grown.bin", content_type="application/octet-stream", data=cast(bytes, data)
    )
    data.extend(bytes(MAX_ATTACHMENT_BYTES))  # after the check
    return attachment


def _wide_memoryview() -> Attachment:
    items = array.array("i", bytes(MAX_ATTACHMENT_BYTES + 4))  # len() counts 4-byte items
    assert memoryview(items).nbytes > MAX_ATTACHMENT_BYTES
    return Attachment(
        name="wide.bin",
        content_type="application/octet-stream",
        data=cast(bytes, memoryview(items)),
    )


def test_an_attachment_keeps_a_copy_so_growing_the_buffer_later_changes_nothing() -> None:
    attachment = _grown_bytearray()
    assert isinstance(attachment.data, bytes)
    assert len(attachment.data) == 16


@pytest.mark.parametrize("make", [_wide_memoryview], ids=["wide"])
async def test_an_attachment_over_the_limit_is_never_sent(make: Callable[[], Attachment]) -> None:
    async def send(chat: AsyncAgentChat) -> None:
        await chat.send_message(408, "see attached", attachment=make())

    await _refused(send, "attachment")


# Wrong values for a parameter, from its annotation (None only where it is required).
WHITESPACE: Final = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
BLANK: Final = st.text(st.sampled_from(WHITESPACE), max_size=6)
OTHER_THAN_INT: Final = st.one_of(
    st.floats(),
    st.text(max_size=6),
    st.binary(max_size=4),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.complex_numbers(max_magnitude=10),
    st.decimals(allow_nan=False, allow_infinity=False),
)
OTHER_THAN_STR: Final = st.one_of(
    st.integers(), st.floats(), st.booleans(), st.binary(max_size=4),
    st.lists(st.text(max_size=2), max_size=2), st.just(("a",)), st.just(b"text"),
)  # fmt: skip
OTHER_THAN_BOOL: Final = st.one_of(
    st.integers(), st.floats(), st.text(max_size=5), st.binary(max_size=2),
    st.lists(st.booleans(), max_size=1), st.just("true"),
)  # fmt: skip


def _enum_wrong(members: list[Any]) -> st.SearchStrategy[Any]:
    (enum,) = [m for m in members if isinstance(m, type) and issubclass(m, Enum)]
    values = [member.value for member in enum]
    if all(isinstance(v, int) for v in values):

        def valid(value: Any) -> bool:
            if isinstance(value, str) and value.strip().isdigit():
                try:
                    return int(value.strip()) in values
                except ValueError:
                    return False
            return not isinstance(value, bool | float) and value in values

        wrong = st.one_of(
            st.integers(), st.text(max_size=5), st.floats(), st.booleans(), st.binary(max_size=2)
        )
    else:

        def valid(value: Any) -> bool:
            return isinstance(value, str) and value.strip().lower() in {
                str(v).lower() for v in values
            }

        wrong = st.one_of(st.text(max_size=10), st.integers(), st.booleans(), st.floats())
    return wrong.filter(lambda value: not valid(value))


def wrong_values(endpoint: Mapping[str, Any], param: str) -> st.SearchStrategy[Any]:
    """Values a parameter's check must refuse, drawn from its annotation."""
    annotation = hints(endpoint["python"])[param]
    members = union_members(annotation)
    wires = [f.wire for f in fields(endpoint) if f.python == param]
    strategy: st.SearchStrategy[Any]
    if members == [int]:
        low = 0 if wires[0].endswith("ID") else -1
        strategy = OTHER_THAN_INT | st.integers(max_value=low) | st.integers(min_value=2**31)
    elif members == [str]:
        strategy = OTHER_THAN_STR | BLANK | st.just("x" * 100_001)
        if param == "scheduled_time":
            strategy = strategy | NOT_HHMM
    elif members == [bool]:
        strategy = OTHER_THAN_BOOL
    elif members == [int, str]:  # an ID the wire takes as digits
        strategy = st.one_of(
            st.integers(max_value=0),
            st.integers(min_value=2**31),
            st.floats(),
            st.booleans(),
            st.binary(max_size=3),
            st.integers(min_value=2**31).map(str),
            st.just("0"),
            st.text(max_size=6).filter(lambda t: not (t.strip().isascii() and t.strip().isdigit())),
        )
    elif members == [Attachment]:
        strategy = st.one_of(
            st.binary(max_size=8),
            st.text(max_size=8),
            st.dictionaries(st.text(max_size=3), st.text(max_size=3)),
        )
    elif len(members) == 2 and (int in members or str in members):
        strategy = _enum_wrong(members)
    elif get_origin(members[0]) is Mapping:
        strategy = st.one_of(
            st.just({}),
            st.dictionaries(st.integers() | BLANK, st.integers(), min_size=1, max_size=2),
            st.dictionaries(
                st.text(min_size=1, max_size=3).filter(str.strip),
                st.sampled_from([float("nan"), float("inf"), object(), {1, 2}, b"x"]),
                min_size=1,
                max_size=2,
            ),
            st.lists(st.text(max_size=3), max_size=2),
            st.text(max_size=6),
            st.integers(),
        )
    else:
        (item,) = get_args(members[0])
        items = union_members(item)
        not_a_list = st.one_of(
            st.text(max_size=4), st.binary(max_size=2), st.integers(), st.floats()
        )
        if items == [int]:
            bad_item = OTHER_THAN_INT | st.integers(max_value=0) | st.integers(min_value=2**31)
            strategy = not_a_list | st.lists(bad_item, min_size=1, max_size=3)
        elif items == [str]:
            strategy = not_a_list | st.lists(OTHER_THAN_STR | BLANK, min_size=1, max_size=3)
        elif items == [WorkingDay]:
            strategy = st.one_of(
                not_a_list,
                st.just([]),
                st.lists(
                    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
                    min_size=1,
                    max_size=2,
                ),
                st.lists(st.integers(1, 7), min_size=1, max_size=3),
            )
        else:  # weekdays
            bad_day = (
                st.integers().filter(lambda d: not 1 <= d <= 7)
                | st.booleans()
                | st.text(max_size=2)
                | st.floats()
            )
            strategy = st.one_of(not_a_list, st.just([]), st.lists(bad_day, min_size=1, max_size=3))
    if param in required_params(endpoint):
        strategy = strategy | st.none()
    return strategy


def _params(endpoint: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys([*required_params(endpoint), *optional_params(endpoint)]))


WITH_PARAMS: Final = [e for e in ENDPOINTS if _params(e)]


@pytest.mark.parametrize("endpoint", WITH_PARAMS, ids=[e["name"] for e in WITH_PARAMS])
@settings(FUZZ, max_examples=15)
@given(data=st.data())
def test_generated_wrong_arguments_are_refused_before_sending(
    endpoint: dict[str, Any], data: st.DataObject
) -> None:
    python = endpoint["python"]
    param = data.draw(st.sampled_from(_params(endpoint)), label="param")
    value = data.draw(wrong_values(endpoint, param), label="value")
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "full"))
    required = required_params(endpoint)
    group = EXCLUSIVE.get(python, ())
    if param in group:  # alone: the either-or rule is not what is tested
        kwargs = {k: v for k, v in kwargs.items() if k not in group}
    if param in required:
        args[required.index(param)] = value
    else:
        kwargs[param] = value
    anyio.run(_refused, lambda chat: getattr(chat, python)(*args, **kwargs), param)


@pytest.mark.parametrize(
    ("method", "value"),
    [("update_agent", "²"), ("update_agent", "9" * 5000), ("send_message", "9" * 5000)],
    ids=["superscript-role", "5000-digit-role", "5000-digit-chat-id"],
)
async def test_digit_strings_int_refuses_are_invalid_requests(method: str, value: str) -> None:
    endpoint = BY_PYTHON[method]
    args, kwargs = call_arguments(endpoint, chosen(endpoint, "minimal"))
    param = "role_id" if method == "update_agent" else "chat_id"
    args[required_params(endpoint).index(param)] = value
    await _refused(lambda chat: getattr(chat, method)(*args, **kwargs), param)
