"""Agents and managers: what CreateAgent returns and the closed sets their fields use."""

from __future__ import annotations

import enum
from typing import TypeVar

import attrs

from ._base import Model

__all__ = ["Agent", "Role", "Status"]


class Role(enum.IntEnum):
    """``RoleID``: what an agent may do."""

    AGENT = 1
    MANAGER = 2


class Status(enum.IntEnum):
    """``StatusID``: an agent's availability."""

    OFFLINE = 1
    BUSY = 2
    ON_BREAK = 3
    ONLINE = 4


@attrs.frozen(kw_only=True)
class Agent(Model):
    """An agent (or manager) account.

    ``role_id`` and ``status_id`` are kept as the server's integers, so an
    unknown value never makes a whole response unreadable; ``role`` and
    ``status`` give the enums when the value is one of the documented ones.
    """

    agent_id: int
    name: str | None = None
    email_address: str | None = None
    mobile_number: str | None = None
    role_id: int | None = None
    status_id: int | None = None
    department_ids: tuple[int, ...] = ()
    notifications: tuple[str, ...] = ()
    enabled: bool | None = None

    @property
    def role(self) -> Role | None:
        """``role_id`` as a ``Role``, or ``None`` when absent or undocumented."""
        return _member(Role, self.role_id)

    @property
    def status(self) -> Status | None:
        """``status_id`` as a ``Status``, or ``None`` when absent or undocumented."""
        return _member(Status, self.status_id)


E = TypeVar("E", bound=enum.IntEnum)


def _member(cls: type[E], value: int | None) -> E | None:
    try:
        return None if value is None else cls(value)
    except ValueError:
        return None
