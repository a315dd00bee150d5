"""Checks on method arguments, run before anything is sent.

Each returns the wire form of a value or raises ``InvalidRequestError`` naming
the parameter, so a bad value never reaches the server. Wire forms follow the
documented field types: ``integer`` -> int, ``string`` -> str (even for IDs the
reference types as strings), ``boolean`` -> bool (``"true"``/``"false"`` in a
query), arrays -> lists.

One rule for every ID (``identifier``, ``identifiers``, ``id_text``): an ``int``
from 1 to ``INT32_MAX``, whatever the wire's type for it. A ``str`` is refused,
even of digits (``"419"``), with the same message for every parameter:
``chat_id must be an int ID from 1 to 2147483647, got str '419' (write int('419'))``.

What every check holds to, whatever the transport:

* text must encode as UTF-8: a lone surrogate (``"\\udfff"``) is refused, not
  sent as a ``\\udfff`` JSON escape, dropped from a query, or left to fail
  half-way through building the request;
* a list argument is a ``list`` or a ``tuple``: nothing else is read as one (a
  dict would give its keys, a set no order, a generator or a range any length);
* integers stay within what the server reads: int32 for the documented
  integer fields, int64 inside settings (``json_mapping``);
* a value that is sent is returned as a plain ``str``, ``int``, ``list`` or
  ``dict`` copy of what was checked, whatever a subclass's ``__str__`` or
  ``__int__`` would say: what was checked is what is sent.
"""

from __future__ import annotations

import enum
import json
import math
import reprlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

from ._exceptions import InvalidRequestError

__all__ = [
    "boolean",
    "compact",
    "enum_value",
    "got",
    "id_text",
    "identifier",
    "identifiers",
    "integer",
    "json_mapping",
    "optional",
    "positive_number",
    "query",
    "query_value",
    "retries",
    "sequence_of",
    "text",
    "text_problem",
    "texts",
    "utf8",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
R = TypeVar("R")

#: The largest integer the API's int32 fields can hold.
INT32_MAX: Final = 2**31 - 1
#: Text longer than this is refused (a runaway string is a bug, not a message).
MAX_TEXT: Final = 100_000
#: Integers inside settings values: a signed 64-bit integer, the widest the
#: reference's integer formats name (it documents int32 fields) and the widest
#: integer type of a .NET JSON reader (the contract's ``/Date(ms)/`` dates are
#: ASP.NET's); past it a server fails or reads another number.
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
#: How deeply a setting's value may nest: a scalar value is at depth 1, the items
#: of a list value at 2... The request body wraps settings in three more levels
#: (``{"Settings": [{name: value}]}``), well under the 64 that .NET's JSON readers
#: take by default.
MAX_JSON_DEPTH: Final = 32
#: How many values settings may hold in all (every key's value, list item and
#: nested value counts one), so that a shared or lazily huge structure is refused
#: after a bounded walk instead of being expanded.
MAX_JSON_NODES: Final = 10_000
#: The largest settings, as the compact JSON the client sends (1 MiB).
MAX_JSON_BYTES: Final = 1024 * 1024

_LIST_TYPES: Final = (list, tuple)

_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60
_repr.maxlevel = 3


def got(value: Any) -> str:
    """``value`` as an error message shows it: a short repr, cheap for any value.

    An int past 64 bits is described by its size (the repr of a few thousand
    digits raises ``ValueError`` on Python 3.11+); containers show a few items.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an int of {value.bit_length()} bits"
    shown = _repr.repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _ascii_digits(value: str) -> bool:
    """Digits 0-9 only, and few enough for an int32 (no superscripts, no other scripts)."""
    return 0 < len(value) <= 10 and value.isascii() and value.isdigit()


def utf8(value: str, name: str) -> str:
    """``value`` if it encodes as UTF-8, i.e. holds no lone surrogate (``"\\ud800"``).

    JSON would send one as an escape the server cannot decode to text, httpx
    fails to encode it into a query and aiohttp drops it: refused here instead.
    """
    index = _surrogate_at(value)
    if index is not None:
        raise InvalidRequestError(f"{name} {_surrogate_problem(index)}")
    return value


def text(value: Any, name: str) -> str:
    """A non-empty string of at most ``MAX_TEXT`` characters that encodes as UTF-8."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    checked: str = str.__str__(value)  # the characters checked, not a subclass's __str__
    problem = text_problem(checked)
    if problem is not None:
        raise InvalidRequestError(f"{name} {problem}")
    return checked


def text_problem(value: str) -> str | None:
    """What makes ``value`` no text to send (``"must not be empty"``...), or ``None``.

    Raises nothing: a caller that holds a secret (``_session.check_password``)
    raises from its own frame, so that no frame of the traceback holds it.
    """
    if len(value) > MAX_TEXT:
        return f"is {len(value)} characters, over {MAX_TEXT}"
    if not value.strip():
        return "must not be empty"
    index = _surrogate_at(value)
    return None if index is None else _surrogate_problem(index)


def _surrogate_at(value: str) -> int | None:
    """Where ``value`` holds a lone surrogate (it does not encode as UTF-8), if it does."""
    if value.isascii():
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _surrogate_problem(index: int) -> str:
    # The index only, not the character: text() also checks secrets (api_key).
    return f"must be valid UTF-8 text: it has an unpaired surrogate at index {index}"


def _items(values: Any, name: str, what: str) -> list[Any] | tuple[Any, ...]:
    """``values`` if it is a list or a tuple; nothing else is read as one.

    Not a string (its letters), a dict or other mapping (its keys), a set (no
    order), a generator, iterator or range (consumed once, or of any length).
    """
    if not isinstance(values, _LIST_TYPES):
        raise InvalidRequestError(
            f"{name} must be a list or tuple of {what}, got {type(values).__name__}"
        )
    return values


def texts(values: Any, name: str) -> list[str]:
    """A list (or tuple) of non-empty strings."""
    items = _items(values, name, "strings")
    return [text(value, f"{name}[{index}]") for index, value in enumerate(items)]


def integer(value: Any, name: str, *, minimum: int = 0) -> int:
    """An int in ``minimum``..int32 (bools are refused)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequestError(f"{name} must be an int, got {got(value)}")
    number = int.__int__(value)  # a plain int: compared and sent as itself
    if not minimum <= number <= INT32_MAX:
        raise InvalidRequestError(
            f"{name} must be between {minimum} and {INT32_MAX}, got {got(number)}"
        )
    return number


def identifier(value: Any, name: str) -> int:
    """An ID: an int from 1 to ``INT32_MAX``; not a bool, not a str (even of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = int.__int__(value)  # a plain int: compared and sent as itself
        if 1 <= number <= INT32_MAX:
            return number
    raise InvalidRequestError(
        f"{name} must be an int ID from 1 to {INT32_MAX}, got {_what(value)}{_id_hint(value)}"
    )


def _what(value: Any) -> str:
    """``value`` with its type, unless an int or ``None`` says it alone: ``str '419'``."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return got(value)
    return f"{type(value).__name__} {got(value)}"


def _id_hint(value: Any) -> str:
    """`` (write int('419'))`` for text that ``int()`` turns into a valid ID, else nothing."""
    if not isinstance(value, str):
        return ""
    text = str.__str__(value).strip()  # the characters, not a subclass's __str__ or __int__
    valid = _ascii_digits(text) and 1 <= int(text) <= INT32_MAX
    return f" (write int({got(value)}))" if valid else ""


def identifiers(values: Any, name: str) -> list[int]:
    """A list (or tuple) of positive int IDs."""
    items = _items(values, name, "int IDs")
    return [identifier(value, f"{name}[{index}]") for index, value in enumerate(items)]


def positive_number(value: Any, name: str) -> float:
    """A number of seconds (or the like) > 0 that a float holds; bools are refused."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int past the float range
            number = math.nan
        if number > 0:
            return number
    raise InvalidRequestError(f"{name} must be a number > 0, got {got(value)}")


def retries(value: Any, name: str) -> int:
    """A retry count: an int >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRequestError(f"{name} must be an int >= 0, got {got(value)}")
    return value


def id_text(value: Any, name: str) -> str:
    """An ID (``identifier``'s rule) for a field the wire types as a string: ``"408"``."""
    return str(identifier(value, name))


def boolean(value: Any, name: str) -> bool:
    """A real bool (not 0/1, not "yes")."""
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{name} must be True or False, got {got(value)}")
    return value


def enum_value(cls: type[E], value: Any, name: str) -> E:
    """A member of ``cls``, given as the member or its value (text case-insensitively)."""
    if isinstance(value, cls):
        return value
    int_valued = all(isinstance(member.value, int) for member in cls)
    if isinstance(value, str) and _ascii_digits(value.strip()) and int_valued:
        value = int(value.strip())  # RoleID "2", as the reference's examples write it
    if not isinstance(value, bool) and not isinstance(value, float):
        for member in cls:
            if _is_member_value(member.value, value):
                return member
    allowed = ", ".join(repr(member.value) for member in cls)
    raise InvalidRequestError(f"{name} must be one of {allowed}, got {got(value)}")


def _is_member_value(member_value: Any, value: Any) -> bool:
    """``value`` is the member's value, or the same text but for case and outer spaces."""
    return member_value == value or (
        isinstance(value, str)
        and isinstance(member_value, str)
        and member_value.lower() == value.strip().lower()
    )


def optional(check: Callable[[Any, str], R], value: T | None, name: str) -> R | None:
    """``check(value, name)``, or ``None`` (not sent) when the value was not given."""
    return None if value is None else check(value, name)


def json_mapping(value: Any, name: str) -> dict[str, Any]:
    """A non-empty mapping of names to JSON values, copied as plain JSON types.

    Names are non-empty strings. Values are ``None``, bools, ints within int64,
    finite floats, strings, and lists, tuples and mappings (with string keys) of
    these; strings and keys must encode as UTF-8. At most ``MAX_JSON_DEPTH``
    levels deep, ``MAX_JSON_NODES`` values and ``MAX_JSON_BYTES`` of compact JSON
    in all. Walked with a stack of its own, not by recursion: a value nested a
    hundred thousand levels deep, or one that contains itself, is an
    ``InvalidRequestError`` like any other, never a ``RecursionError``.
    """
    if not isinstance(value, Mapping) or not value:
        raise InvalidRequestError(f"{name} must be a non-empty mapping, got {got(value)}")
    walk = _JSONWalk(name)
    copy = walk.mapping(value, ())
    walk.run()
    try:
        size = len(json.dumps(copy, separators=(",", ":"), allow_nan=False))
    except (TypeError, ValueError) as exc:  # not expected: every value was checked
        raise InvalidRequestError(f"{name} must hold JSON values only: {exc}") from None
    if size > MAX_JSON_BYTES:
        raise InvalidRequestError(
            f"{name} must be at most {MAX_JSON_BYTES} bytes of JSON, got {size}"
        )
    return copy


#: A value still to check: the value, its path (keys and indexes from the top),
#: and where its checked copy goes (a list or dict, and the index or key in it).
_Pending = tuple[Any, tuple[Any, ...], Any, Any]


class _JSONWalk:
    """``json_mapping``'s walk: depth-first, with a stack of its own, copying as it checks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pending: list[_Pending] = []
        self.nodes = 0
        #: A lower bound of the compact JSON's size (a byte per character of text
        #: or number), so that huge text is refused before anything is serialized.
        self.chars = 0

    def where(self, path: tuple[Any, ...]) -> str:
        return self.name + "".join(f"[{got(step)}]" for step in path)

    def push(self, item: Any, path: tuple[Any, ...], parent: Any, slot: Any) -> None:
        """Queue ``item``, found at ``path``, to be checked into ``parent[slot]``."""
        if len(path) > MAX_JSON_DEPTH:
            raise InvalidRequestError(
                f"{self.where(path[:1])} must nest at most {MAX_JSON_DEPTH} levels deep"
            )
        self.nodes += 1
        if self.nodes > MAX_JSON_NODES:
            raise InvalidRequestError(f"{self.name} must hold at most {MAX_JSON_NODES} values")
        self.pending.append((item, path, parent, slot))

    def text(self, value: str, path: tuple[Any, ...], *, key: bool = False) -> str:
        value = str.__str__(value)  # the characters checked, not a subclass's __str__
        self.chars += len(value)
        if self.chars > MAX_JSON_BYTES:
            raise InvalidRequestError(f"{self.name} must be at most {MAX_JSON_BYTES} bytes of JSON")
        if not value.isascii():
            utf8(value, f"{self.where(path)} key {got(value)}" if key else self.where(path))
        return value

    def mapping(self, value: Mapping[Any, Any], path: tuple[Any, ...]) -> dict[str, Any]:
        top = not path
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str) or (top and not key.strip()):
                what = "non-empty strings" if top else "strings"
                raise InvalidRequestError(f"{self.where(path)} keys must be {what}, got {got(key)}")
            checked = self.text(key, path, key=True)
            copy[checked] = None  # its place, in order; the checked value fills it
            self.push(item, (*path, checked), copy, checked)
        return copy

    def sequence(self, value: list[Any] | tuple[Any, ...], path: tuple[Any, ...]) -> list[Any]:
        copy: list[Any] = []
        for index, item in enumerate(value):
            copy.append(None)
            self.push(item, (*path, index), copy, index)
        return copy

    def run(self) -> None:
        while self.pending:
            value, path, parent, slot = self.pending.pop()
            parent[slot] = self.value(value, path)

    def value(self, value: Any, path: tuple[Any, ...]) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            number = int.__int__(value)  # a plain int: compared and sent as itself
            if not INT64_MIN <= number <= INT64_MAX:
                raise InvalidRequestError(
                    f"{self.where(path)} must be an int64, between {INT64_MIN} and {INT64_MAX},"
                    f" got {got(number)}"
                )
            self.chars += 1
            return number
        if isinstance(value, float):
            real = float.__float__(value)
            if not math.isfinite(real):
                raise InvalidRequestError(f"{self.where(path)} must be a finite number, got {real}")
            self.chars += 1
            return real
        if isinstance(value, str):
            return self.text(value, path)
        if isinstance(value, _LIST_TYPES):
            return self.sequence(value, path)
        if isinstance(value, Mapping):
            return self.mapping(value, path)
        raise InvalidRequestError(
            f"{self.where(path)} must be a JSON value (None, bool, int, float, str, or a list, "
            f"tuple or mapping of them), got {type(value).__name__}"
        )


def compact(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that were given: ``None`` means "not sent", never ``null``."""
    return {key: value for key, value in fields.items() if value is not None}


def query_value(value: Any) -> str:
    """How a checked value travels in a query string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def query(fields: Mapping[str, Any]) -> dict[str, str]:
    """A query from checked values, leaving out those not given."""
    return {key: query_value(value) for key, value in fields.items() if value is not None}


def sequence_of(cls: type[T], values: Any, name: str, *, what: str = "") -> Sequence[T]:
    """A non-empty list (or tuple) whose items are all ``cls`` instances.

    ``what`` names the items in messages (``cls``'s name by default).
    """
    items = list(_items(values, name, what or cls.__name__))
    if not items:
        raise InvalidRequestError(f"{name} must not be empty")
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise InvalidRequestError(
                f"{name}[{index}] must be a {cls.__name__}, got {type(item).__name__}"
            )
    return items
