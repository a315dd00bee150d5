"""Authentication: what AgentLogon returns (the session token itself stays inside the client)."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["LogonResult"]


@attrs.frozen(kw_only=True)
class LogonResult(Model):
    """The agent AgentLogon logged on.

    The session token is not a field: the client keeps it (and masks it in
    ``raw`` and ``extra``), so a logged or printed result cannot leak it.
    """

    agent_id: int | None = None
    name: str | None = None
    email_address: str | None = None
    role_id: int | None = None
