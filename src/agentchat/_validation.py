"""Checks on method arguments, run before anything is sent.

Each returns the wire form of a value or raises ``InvalidRequestError`` naming
the parameter, so a bad value never reaches the server.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from ._exceptions import InvalidRequestError

__all__ = ["enum_value", "id_text", "text"]

E = TypeVar("E", bound=enum.Enum)


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def text(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidRequestError(f"{name} must not be empty")
    return value


def id_text(value: Any, name: str) -> str:
    """An ID that the wire takes as a string (``"408"``): a positive int or digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value <= 0:
            raise InvalidRequestError(f"{name} must be a positive ID, got {value}")
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise InvalidRequestError(f"{name} must be an ID (int or non-empty string), got {_got(value)}")


def enum_value(cls: type[E], value: Any, name: str) -> E:
    """A member of ``cls``, given as the member or its value (text case-insensitively)."""
    if isinstance(value, cls):
        return value
    for member in cls:
        if member.value == value or (
            isinstance(value, str)
            and isinstance(member.value, str)
            and member.value.lower() == value.strip().lower()
        ):
            return member
    allowed = ", ".join(repr(member.value) for member in cls)
    raise InvalidRequestError(f"{name} must be one of {allowed}, got {_got(value)}")
