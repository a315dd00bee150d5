"""What an answer means: decoded JSON, typed models, or the error it stands for.

The pipeline (``_pipeline.py``) hands a whole ``Reply`` here: a 2xx body is
decoded (``decode``) and structured (``parse``), an error status becomes its
``APIStatusError`` subclass (``status_error``), and every text taken from the
answer is redacted, made printable and cut before it goes into an exception.
No exception raised here chains the body or keeps it in a frame.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, TypeVar

import cattrs

from ._converters import structure
from ._exceptions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from ._redaction import redact
from ._routes import Route
from ._wire import BodyTooLarge, Reply

__all__ = [
    "EXCERPT_CHARS",
    "decode",
    "format_error",
    "parse",
    "session_rejected",
    "shown",
    "status_error",
    "too_large",
    "where",
]

T = TypeVar("T")

#: How much of an error body goes into an exception message.
EXCERPT_CHARS: Final = 200

_STATUS_ERRORS: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}
# Servers that do not answer an expired session with 401 say so in the body.
_EXPIRED_STATUSES: Final = frozenset({400, 403, 419, 440})
_EXPIRED_TEXT: Final = re.compile(
    r"(?i)(session|token)\W*(?:\w+\W+){0,3}?(expired|invalid|timed?\s*out|not\s+valid|unknown)"
    r"|(expired|invalid)\W+(?:\w+\W+){0,2}?(session|token)"
)


def _excerpt(response: Reply) -> str:
    return shown(response.content[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace"))


def shown(text: str) -> str:
    """Text from the network as an error may show it: printable (aiohttp keeps
    bytes that are not UTF-8 as lone surrogates), redacted, on one line (an HTML
    error page reads as one line), then cut (so no part of a secret survives the
    cut)."""
    text = redact(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def where(route: Route, url: str | None) -> str:
    """`` (GET https://host/api/GetChatList)``: what was tried, for a message."""
    return f" ({route.method} {redact(url)})" if url else ""


def session_rejected(response: Reply) -> bool:
    """A 401, or a status some servers use with a body saying the session expired."""
    if response.status_code == 401:
        return True
    return response.status_code in _EXPIRED_STATUSES and bool(
        _EXPIRED_TEXT.search(response.content[:2000].decode("utf-8", errors="replace"))
    )


def status_error(route: Route, response: Reply, url: str | None = None) -> APIStatusError:
    """The typed error of a non-2xx answer to ``route`` (sent to ``url``, no query)."""
    status = response.status_code
    cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else APIStatusError)
    excerpt = _excerpt(response)
    reason = shown(response.reason_phrase or "")
    message = f"{route.name} returned {status} {reason}".rstrip() + where(route, url)
    if 300 <= status < 400:
        # Never followed: it would carry the token, the API key or the password
        # to wherever the server points.
        location = shown(response.headers.get("Location") or "nowhere")
        message += f", a redirect to {location} (not followed: check base_url)"
    elif excerpt:
        message += f": {excerpt}"
    return cls(message, status_code=status, endpoint=route.name, body=excerpt, request_url=url)


def too_large(route: Route, failure: BodyTooLarge, url: str | None = None) -> ResponseFormatError:
    """The error of an answer over ``max_response_bytes`` (as sent or inflated)."""
    what = "decoded body" if failure.decoded else "body"
    return ResponseFormatError(
        f"{route.name} returned a {what} over the max_response_bytes limit of "
        f"{failure.limit:,} bytes{where(route, url)}; the rest was not read and the "
        "connection was closed",
        status_code=failure.status_code,
        endpoint=route.name,
        body="",
        request_url=url,
    )


def format_error(
    route: Route, response: Reply, problem: str, url: str | None = None
) -> ResponseFormatError:
    """A ``ResponseFormatError`` for a 2xx body: ``problem`` says what is wrong (redacted)."""
    return ResponseFormatError(
        f"{route.name} returned a body that {redact(problem)}{where(route, url)}",
        status_code=response.status_code,
        endpoint=route.name,
        body=_excerpt(response),
        request_url=url,
    )


#: What a JSON text without a byte order mark starts with, most of the time.
_JSON_STARTS: Final = (b"[", b"{")
#: ``json.loads``'s own decoder, for text already decoded.
_JSON: Final = json.JSONDecoder()


def _plain_utf8_json(content: bytes) -> bool:
    """Whether ``json.loads`` would read ``content`` as UTF-8: it starts an array
    or an object, and its second byte is not the zero of UTF-16 or 32."""
    return content[:1] in _JSON_STARTS and content[1:2] != b"\x00"


def decode(route: Route, response: Reply) -> Any:
    """The decoded JSON body, or ``None`` for an empty body ("no content")."""
    # No local holds the body: this frame is in the traceback of the error below.
    if not response.content.strip():
        return None
    try:
        if _plain_utf8_json(response.content):  # what servers send: no encoding to find
            return _JSON.decode(response.content.decode("utf-8", "surrogatepass"))
        return json.loads(response.content)  # finds the encoding (a BOM, UTF-16 or 32)
    except (ValueError, RecursionError):
        pass
    # Raised here, outside the except clause: the JSON error's ``doc`` (and its
    # frames' locals) hold the whole body, and a logon body holds a token.
    raise format_error(route, response, f"is not JSON: {_excerpt(response)!r}")


def parse(
    converter: cattrs.Converter,
    route: Route,
    response: Reply,
    cls: type[T],
    *,
    data: Any = None,
) -> T:
    """Structure a response body (or ``data`` decoded from it) into ``cls``."""
    if data is None:
        data = decode(route, response)
    try:
        return structure(converter, data, cls)
    except (ValueError, RecursionError) as exc:
        problem = f"does not fit {cls.__name__}: {exc}"
    # Not chained: the structuring error's frames hold the decoded body; its
    # message, which says where the body does not fit, is in ours.
    raise format_error(route, response, problem)
