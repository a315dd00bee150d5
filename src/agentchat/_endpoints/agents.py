"""Agents: CreateAgent, KeepAlive, UpdateAgent."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import Agent, Role, Status

__all__ = ["AgentEndpoints"]


class AgentEndpoints(ClientBase):
    """The reference's "Agents" group."""

    async def create_agent(
        self,
        name: str,
        email_address: str,
        role_id: Role | int,
        department_ids: Sequence[int],
        *,
        mobile_number: str | None = None,
    ) -> Agent | None:
        """Create an agent or a manager in the given departments (Managers only).

        `POST /api/CreateAgent` · retry class **unsafe**: never resent once it may
        have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            name: The person's name (`Name`): non-empty text.
            email_address: Their log-on name (`EmailAddress`): non-empty text.
            role_id: Their role (`RoleID`, sent as a string such as `"2"`): a
                `Role`, or 1 (Agent) or 2 (Manager).
            department_ids: The departments they serve (`DepartmentID`): a list
                or tuple of int IDs, 1 to 2147483647 each.
            mobile_number: Their mobile number (`MobileNumber`): non-empty text.
                Not sent when not given.

        Returns:
            The new agent when the server describes it, else `None` (an empty
            answer, as documented).

        Raises:
            InvalidRequestError: A bad argument (empty text, an unknown role, an
                ID out of range); nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            ConflictError: An agent with that e-mail address exists (409).
            NotFoundError: A department that does not exist (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = check.compact(
            {
                "Name": check.text(name, "name"),
                "EmailAddress": check.text(email_address, "email_address"),
                "MobileNumber": check.optional(check.text, mobile_number, "mobile_number"),
                # The reference types CreateAgent's RoleID as a string.
                "RoleID": str(check.enum_value(Role, role_id, "role_id").value),
                "DepartmentID": check.identifiers(department_ids, "department_ids"),
            }
        )
        return await self._request_optional(routes.CREATE_AGENT, Agent, body=body)

    async def keep_alive(self) -> None:
        """Keep the session alive now; the client does this by itself when idle.

        `GET /api/KeepAlive` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        The session's own call: tried once (not retried); an expired session is
        logged on again and the call resent, as for every call.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time.
            APIConnectionError: The connection failed.
        """
        _, session = self._open_core()
        await session.keep_alive()

    async def update_agent(
        self,
        agent_id: int,
        name: str,
        email_address: str,
        role_id: Role | int,
        status_id: Status | int,
        *,
        mobile_number: str | None = None,
        notifications: Sequence[str] | None = None,
        department_ids: Sequence[int] | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Update an agent's details; an Agent may update only their own.

        `POST /api/UpdateAgent` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            agent_id: The agent (`AgentID`): an int ID, 1 to 2147483647.
            name: Their name (`Name`): non-empty text.
            email_address: Their log-on name (`EmailAddress`): non-empty text.
            role_id: Their role (`RoleID`): a `Role`, or 1 (Agent) or 2 (Manager).
            status_id: Their status (`StatusID`): a `Status`, or 1 (Offline),
                2 (Busy), 3 (On break) or 4 (Online).
            mobile_number: Their mobile number (`MobileNumber`): non-empty text.
                Not sent when not given.
            notifications: The notifications to enable (`Notifications`): a list
                or tuple of names; the reference knows only
                `"UnassignedChatsWaiting"`. Not sent when not given.
            department_ids: The departments they serve (`DepartmentID`): a list
                or tuple of int IDs, 1 to 2147483647 each. Not sent when not given.
            enabled: Whether the account is enabled (`Enabled`): `True` or
                `False`. Not sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad argument (empty text, an unknown role or
                status, an ID out of range); nothing was sent.
            PermissionDeniedError: An Agent updating someone else, or their own
                role, departments or `enabled` (403).
            NotFoundError: No such agent or department (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = check.compact(
            {
                "AgentID": check.identifier(agent_id, "agent_id"),
                "Name": check.text(name, "name"),
                "MobileNumber": check.optional(check.text, mobile_number, "mobile_number"),
                "EmailAddress": check.text(email_address, "email_address"),
                "Notifications": check.optional(check.texts, notifications, "notifications"),
                "RoleID": check.enum_value(Role, role_id, "role_id").value,
                "StatusID": check.enum_value(Status, status_id, "status_id").value,
                "DepartmentID": check.optional(check.identifiers, department_ids, "department_ids"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_AGENT, body=body)
