"""Agents and managers: what CreateAgent returns and the closed sets their fields use."""

from __future__ import annotations

import enum
from typing import TypeVar

import attrs

from ._base import Model

__all__ = ["Agent", "Role", "Status"]


class Role(enum.IntEnum):
    """``RoleID``: what an agent may do. Sent and read as its number.

    ``create_agent()`` and ``update_agent()`` take a member or its number;
    ``Agent.role`` reads one.

    Attributes:
        AGENT: ``1``: an agent, who handles chats.
        MANAGER: ``2``: a manager, who may also make the administration calls
            a server keeps for managers (creating agents, departments, tags...).
    """

    AGENT = 1
    MANAGER = 2


class Status(enum.IntEnum):
    """``StatusID``: an agent's availability. Sent and read as its number.

    ``update_agent()`` takes a member or its number; ``Agent.status`` reads one.

    Attributes:
        OFFLINE: ``1``: offline.
        BUSY: ``2``: busy.
        ON_BREAK: ``3``: on a break (the reference's ``OnBreak``).
        ONLINE: ``4``: online, available for chats.
    """

    OFFLINE = 1
    BUSY = 2
    ON_BREAK = 3
    ONLINE = 4


@attrs.frozen(kw_only=True)
class Agent(Model):
    """An agent (or manager) account, as CreateAgent may return it.

    ``role_id`` and ``status_id`` are kept as the server's integers, so an
    unknown value never makes a whole response unreadable; ``role`` and
    ``status`` give the enums when the value is one of the documented ones.

    Attributes:
        agent_id: The agent's ID (``AgentID``), the one the agent calls take.
        name: The agent's name.
        email_address: The email address the agent logs on with.
        mobile_number: The agent's mobile number.
        role_id: ``RoleID``: 1 agent, 2 manager (see ``role``).
        status_id: ``StatusID``: 1 offline, 2 busy, 3 on break, 4 online (see
            ``status``).
        department_ids: The departments whose chats the agent takes
            (``DepartmentID``).
        notifications: The notifications the agent receives, as the server
            names them (e.g. ``"UnassignedChatsWaiting"``).
        enabled: Whether the account is enabled.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
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
