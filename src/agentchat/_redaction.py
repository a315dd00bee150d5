"""Keeping the password and session tokens out of logs, errors and reprs.

Three layers, so that a secret has no way out:

* ``Secret`` holds a password or token; its ``repr`` and ``str`` are masks, so a
  secret that ends up in an attrs repr, a traceback's locals or an f-string shows
  ``'**********'``.
* ``redact()`` scrubs a text: every secret this process has been given or issued
  (passwords and every session token ever seen), plus anything that looks like a
  ``SessionToken=`` query value or a ``"Password"``/``"SessionToken"`` JSON value.
  Every text taken from the network passes through it before it is put in an error.
* ``RedactingFilter`` is a logging filter installed (once, at import) on the
  loggers that can see URLs or bodies: httpx's ``HTTP Request: GET ...?SessionToken=``
  INFO lines, httpcore's DEBUG traces and our own ``agentchat`` logger.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Final, final

__all__ = ["MASK", "RedactingFilter", "Secret", "install_log_filter", "redact", "remember"]

MASK: Final = "**********"

# ``SessionToken=abc`` in URLs and form bodies; ``"SessionToken": "abc"`` and
# ``"Password": "abc"`` in JSON (any key casing, any quoting).
_PATTERNS: Final = (
    re.compile(r"(?i)(sessiontoken=)[^&\s\"'<>]+"),
    re.compile(r"(?i)(\"?(?:sessiontoken|password|token)\"?\s*[:=]\s*\"?)[^\"&\s,}]+"),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()


@final
class Secret:
    """A string that never shows itself in a repr, str or format."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("a Secret cannot be pickled")


def remember(value: str) -> None:
    """Add ``value`` to the secrets that ``redact()`` removes from every text.

    Secrets are kept for the life of the process: a token issued and replaced an
    hour ago must still never be logged. They are short, so this costs little.
    """
    global _ordered
    if len(value) < 4:  # too short to scrub without mangling ordinary text
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        # A snapshot, so that redact() reads it without taking the lock.
        _ordered = tuple(_secrets)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and secret-shaped value masked.

    Both kinds are found in the original text and masked together (overlapping
    spans as one), so a remembered secret can never hide the ``SessionToken=`` of
    a value that then goes unmasked: a server may issue any string as a token,
    even one that is part of a key name.
    """
    spans: list[tuple[int, int]] = []
    for secret in _ordered:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    for pattern in _PATTERNS:
        spans.extend((match.end(1), match.end()) for match in pattern.finditer(text))
    if not spans:
        return text
    spans.sort()
    pieces: list[str] = []
    done = 0  # everything before this index is in ``pieces``
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:  # overlapping or touching: one mask
            end = max(end, next_end)
            continue
        pieces += (text[done:start], MASK)
        done = end
        start, end = next_start, next_end
    pieces += (text[done:start], MASK, text[end:])
    return "".join(pieces)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logging's to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Format the traceback now, redacted, so handlers use our text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


#: Loggers whose records may carry a URL, headers or a body. Filters on a
#: logger apply only to records created on that exact logger, so each is named.
LOGGER_NAMES: Final = (
    "agentchat",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack",
)

_FILTER: Final = RedactingFilter()


def install_log_filter() -> None:
    """Attach the redacting filter to every logger in ``LOGGER_NAMES`` (idempotent)."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
