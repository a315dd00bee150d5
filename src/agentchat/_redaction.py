"""Keeping the password and session tokens out of logs, errors and reprs.

Three layers, so that a secret has no way out:

* ``Secret`` holds a password or token; its ``repr`` and ``str`` are masks, so a
  secret that ends up in an attrs repr, a traceback's locals or an f-string shows
  ``'**********'``.
* ``redact()`` scrubs a text: every secret this process holds (passwords, the
  live session tokens) and the last ``RECENT_SECRETS`` it was given, plus anything that looks like a
  ``SessionToken=`` query value or a ``"Password"``/``"SessionToken"`` JSON value,
  and the credentials of a URL (a proxy's ``http://user:password@host``).
  Every text taken from the network passes through it before it is put in an error.
* ``RedactingFilter`` is a logging filter installed (once, at import) on the
  loggers that can see URLs or bodies: httpx's ``HTTP Request: GET ...?SessionToken=``
  INFO lines, httpcore's DEBUG traces and our own ``agentchat`` logger.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
import weakref
from typing import Any, Final, final, overload

from ._compat import HTTP_LOGGERS

__all__ = [
    "MASK",
    "RedactingFilter",
    "Secret",
    "install_log_filter",
    "log_to_stderr",
    "redact",
    "remember",
    "wrap",
    "wrap_url",
]

MASK: Final = "**********"
#: Shorter values are not remembered: masking them would mangle ordinary text.
MIN_SECRET: Final = 4

# ``SessionToken=abc`` in URLs and form bodies; ``"SessionToken": "abc"`` and
# ``"Password": "abc"`` in JSON (any key casing, double, single or no quotes);
# the credentials of a URL (``http://user:password@proxy``, masked whole).
_PATTERNS: Final = (
    re.compile(r"(?i)(sessiontoken=)[^&\s\"'<>]+"),
    re.compile(r"(?i)([\"']?(?:sessiontoken|password|token)[\"']?\s*[:=]\s*[\"']?)[^\"'&\s,}]+"),
    re.compile(r"(://)[^/?#@\s\"'<>]+(?=@)"),
)

#: Secrets no ``Secret`` holds any more (a replaced token) are still masked
#: until this many newer ones were remembered: at a re-logon an hour, weeks.
RECENT_SECRETS: Final = 1024

_lock = threading.Lock()
#: Every ``Secret`` alive, by id: their values are always masked.
_live: weakref.WeakValueDictionary[int, Secret] = weakref.WeakValueDictionary()
#: Values remembered, oldest first, at most ``RECENT_SECRETS``.
_recent: collections.OrderedDict[str, None] = collections.OrderedDict()
#: What ``redact()`` scans: the live and the recent, a snapshot taken when one
#: is remembered (so it reads it without the lock, and its cost stays bounded).
_ordered: tuple[str, ...] = ()


@final
class Secret:
    """A string that never shows itself in a repr, str or format."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        self._value = value
        if len(value) >= MIN_SECRET:
            with _lock:
                _live[id(self)] = self
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


@overload
def wrap(value: str) -> Secret: ...
@overload
def wrap(value: None) -> None: ...
@overload
def wrap(value: object) -> object: ...
def wrap(value: object) -> object:
    """A string as a ``Secret``; anything else (``None``, a wrong type) as it is.

    For a password argument, first thing: from then on no frame of the call
    holds it in the clear, even while it is being checked.
    """
    return Secret(value) if isinstance(value, str) else value


@overload
def wrap_url(value: str) -> str | Secret: ...
@overload
def wrap_url(value: object) -> object: ...
def wrap_url(value: object) -> object:
    """A URL string with credentials (``user:password@``) as a ``Secret``; anything
    else (no credentials, ``None``, an ``httpx.URL``, whose repr masks them) as it is.

    For a proxy argument, first thing, as ``wrap`` for a password.
    """
    return Secret(value) if isinstance(value, str) and "@" in value else value


def remember(value: str) -> None:
    """Add ``value`` to the secrets that ``redact()`` removes from every text.

    A secret is masked for as long as a ``Secret`` holds it, and after that
    until ``RECENT_SECRETS`` newer ones were remembered: a token replaced an
    hour ago must still never be logged, but a process that runs for months
    must not scan every token it was ever issued on every ``redact()``.
    """
    global _ordered
    if len(value) < MIN_SECRET:  # too short to scrub without mangling ordinary text
        return
    with _lock:
        if value in _recent:
            _recent.move_to_end(value)
            return
        _recent[value] = None
        while len(_recent) > RECENT_SECRETS:
            _recent.popitem(last=False)
        live = [secret._value for secret in _live.values()]
        _ordered = tuple(dict.fromkeys([*live, *_recent]))


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
LOGGER_NAMES: Final = ("agentchat", *HTTP_LOGGERS)

_FILTER: Final = RedactingFilter()


def install_log_filter() -> None:
    """Attach the redacting filter to every logger in ``LOGGER_NAMES`` (idempotent)."""
    for name in LOGGER_NAMES:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


#: ``AGENTCHAT_LOG`` values and the levels they switch on.
ENV_LOG_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_env_handler: logging.Handler | None = None


def log_to_stderr(level: int) -> None:
    """Show the ``agentchat`` logger's records on stderr from ``level`` up, redacted.

    What ``AGENTCHAT_LOG=debug|info`` does, for a quick look without code: one
    handler, added once (a second client or another level only sets the level).
    """
    global _env_handler
    logger = logging.getLogger("agentchat")
    logger.setLevel(level)
    if _env_handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_FILTER)
        logger.addHandler(handler)
        _env_handler = handler
