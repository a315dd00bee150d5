"""Checks on method arguments, run before anything is sent.

Each returns the wire form of a value or raises ``InvalidRequestError`` naming
the parameter, so a bad value never reaches the server. Wire forms follow the
documented field types: ``integer`` -> int, ``string`` -> str (even for IDs the
reference types as strings), ``boolean`` -> bool (``"true"``/``"false"`` in a
query), arrays -> lists.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

from ._exceptions import InvalidRequestError

__all__ = [
    "boolean",
    "compact",
    "enum_value",
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
    "texts",
]

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
R = TypeVar("R")

#: The largest integer the API's int32 fields can hold.
INT32_MAX: Final = 2**31 - 1
#: Text longer than this is refused (a runaway string is a bug, not a message).
MAX_TEXT: Final = 100_000


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _ascii_digits(value: str) -> bool:
    """Digits 0-9 only, and few enough for an int32 (no superscripts, no other scripts)."""
    return 0 < len(value) <= 10 and value.isascii() and value.isdigit()


def text(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidRequestError(f"{name} must not be empty")
    if len(value) > MAX_TEXT:
        raise InvalidRequestError(f"{name} is {len(value)} characters, over {MAX_TEXT}")
    return value


def _iterable(values: Any, name: str, what: str) -> Iterable[Any]:
    """``values`` as a list's items: a lone string is refused, not split into letters."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidRequestError(f"{name} must be a list of {what}, got {_got(values)}")
    return values


def texts(values: Any, name: str) -> list[str]:
    """A list of non-empty strings."""
    items = _iterable(values, name, "strings")
    return [text(value, f"{name}[{index}]") for index, value in enumerate(items)]


def integer(value: Any, name: str, *, minimum: int = 0) -> int:
    """An int in ``minimum``..int32 (bools are refused)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequestError(f"{name} must be an int, got {_got(value)}")
    if not minimum <= value <= INT32_MAX:
        raise InvalidRequestError(f"{name} must be between {minimum} and {INT32_MAX}, got {value}")
    return int(value)


def identifier(value: Any, name: str) -> int:
    """A positive int ID."""
    return integer(value, name, minimum=1)


def identifiers(values: Any, name: str) -> list[int]:
    """A list of positive int IDs."""
    items = _iterable(values, name, "int IDs")
    return [identifier(value, f"{name}[{index}]") for index, value in enumerate(items)]


def positive_number(value: Any, name: str) -> float:
    """A number of seconds (or the like) > 0; bools are refused."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise InvalidRequestError(f"{name} must be a number > 0, got {_got(value)}")
    return float(value)


def retries(value: Any, name: str) -> int:
    """A retry count: an int >= 0."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRequestError(f"{name} must be an int >= 0, got {_got(value)}")
    return value


def id_text(value: Any, name: str) -> str:
    """An ID that the wire takes as a string (``"408"``): a positive int or digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(identifier(value, name))
    if isinstance(value, str) and _ascii_digits(value.strip()):
        return str(identifier(int(value.strip()), name))
    raise InvalidRequestError(f"{name} must be a positive ID (int or digits), got {_got(value)}")


def boolean(value: Any, name: str) -> bool:
    """A real bool (not 0/1, not "yes")."""
    if not isinstance(value, bool):
        raise InvalidRequestError(f"{name} must be True or False, got {_got(value)}")
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
            if member.value == value or (
                isinstance(value, str)
                and isinstance(member.value, str)
                and member.value.lower() == value.strip().lower()
            ):
                return member
    allowed = ", ".join(repr(member.value) for member in cls)
    raise InvalidRequestError(f"{name} must be one of {allowed}, got {_got(value)}")


def optional(check: Callable[[Any, str], R], value: T | None, name: str) -> R | None:
    """``check(value, name)``, or ``None`` (not sent) when the value was not given."""
    return None if value is None else check(value, name)


def json_mapping(value: Any, name: str) -> dict[str, Any]:
    """A non-empty mapping of string keys to JSON values."""
    if not isinstance(value, Mapping) or not value:
        raise InvalidRequestError(f"{name} must be a non-empty mapping, got {_got(value)}")
    for key in value:
        if not isinstance(key, str) or not key.strip():
            raise InvalidRequestError(f"{name} keys must be non-empty strings, got {_got(key)}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"{name} must hold JSON values only: {exc}") from None
    return dict(value)


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


def sequence_of(cls: type[T], values: Any, name: str) -> Sequence[T]:
    """A non-empty list whose items are all ``cls`` instances."""
    items = list(_iterable(values, name, cls.__name__))
    if not items:
        raise InvalidRequestError(f"{name} must not be empty")
    for index, item in enumerate(items):
        if not isinstance(item, cls):
            raise InvalidRequestError(
                f"{name}[{index}] must be a {cls.__name__}, got {type(item).__name__}"
            )
    return items
