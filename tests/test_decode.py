"""``_response.decode`` reads a body exactly as ``json.loads`` does.

It hands plain UTF-8 arrays and objects straight to the decoder (no encoding to
detect: what servers send), and everything else to ``json.loads``, which finds a
BOM's or UTF-16/32's encoding. Both paths must agree on every body, valid or not.
"""

from __future__ import annotations

import json
from typing import Any, Final

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from agentchat import ResponseFormatError
from agentchat import _routes as routes
from agentchat._response import decode
from agentchat._wire import Reply

from .strategies import JSON_VALUES

pytestmark = pytest.mark.httpx_only  # no wire: the decoder, the same on every transport

ENCODINGS: Final = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le")


def _loads(content: bytes) -> tuple[str, Any]:
    try:
        return "ok", json.loads(content)
    except (ValueError, RecursionError):
        return "error", None


def _decode(content: bytes) -> tuple[str, Any]:
    try:
        return "ok", decode(routes.GET_CHAT_LIST, Reply(200, "OK", {}, content))
    except ResponseFormatError:
        return "error", None


@given(value=JSON_VALUES, encoding=st.sampled_from(ENCODINGS))
@example(value=[1], encoding="utf-16-le")  # "[\x00": UTF-16, though it starts like UTF-8
@example(value={"a": 1}, encoding="utf-32-le")
@example(value=["é", "\ud800"], encoding="utf-8")
def test_every_encoding_reads_as_json_loads_reads_it(value: Any, encoding: str) -> None:
    content = json.dumps(value).encode(encoding, "surrogatepass")
    if not content.strip():
        return  # "no content": decode's own answer (None), never json's
    assert _decode(content) == _loads(content)


@given(content=st.binary(max_size=64))
@example(content=b"[\xff]")  # not UTF-8: an error on both paths
@example(content=b"{\x00")
def test_any_bytes_read_as_json_loads_reads_them(content: bytes) -> None:
    if not content.strip():
        assert _decode(content) == ("ok", None)
        return
    assert _decode(content) == _loads(content)


@pytest.mark.parametrize("content", [b"[1]", b' {"a": [true]}', b"\xef\xbb\xbf[1]"])
def test_a_body_is_its_json_value(content: bytes) -> None:
    assert _decode(content) == ("ok", json.loads(content))
