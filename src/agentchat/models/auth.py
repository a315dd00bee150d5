"""Authentication: what AgentLogon returns (the session token itself stays inside the client)."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["LogonResult"]


@attrs.frozen(kw_only=True)
class LogonResult(Model):
    """The agent AgentLogon logged on (``AsyncAgentChat.agent``, ``agent_logon()``).

    The session token is not a field: the client keeps it (and masks it in
    ``raw`` and ``extra``), so a logged or printed result cannot leak it.
    Every field is ``None`` when the server sent the token alone.

    Attributes:
        agent_id: The agent's ID (``AgentID``).
        name: The agent's name.
        email_address: The email address the agent logged on with.
        role_id: ``RoleID``: 1 agent, 2 manager (``Role``).
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    agent_id: int | None = None
    name: str | None = None
    email_address: str | None = None
    role_id: int | None = None
