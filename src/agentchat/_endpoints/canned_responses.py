"""Canned responses: CreateCannedResponse, UpdateCannedResponse, DeleteCannedResponse."""

from __future__ import annotations

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import CannedResponse

__all__ = ["CannedResponseEndpoints"]


class CannedResponseEndpoints(ClientBase):
    """The reference's "Canned responses" group."""

    async def create_canned_response(self, name: str, message_text: str) -> CannedResponse | None:
        """Store a reply agents can reuse (Managers only).

        `POST /api/CreateCannedResponse` · retry class **unsafe**: never resent once
        it may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            name: Its name (`Name`): non-empty text.
            message_text: The reply (`MessageText`): non-empty text of at most
                100,000 characters.

        Returns:
            The new canned response when the server describes it (a bare ID is
            enough), else `None` (an empty answer, as documented).

        Raises:
            InvalidRequestError: Empty `name` or `message_text`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = {
            "Name": check.text(name, "name"),
            "MessageText": check.text(message_text, "message_text"),
        }
        return await self._request_optional(
            routes.CREATE_CANNED_RESPONSE, CannedResponse, body=body
        )

    async def update_canned_response(
        self,
        canned_response_id: int,
        *,
        name: str | None = None,
        message_text: str | None = None,
    ) -> None:
        """Change a canned response's name or text (Managers only).

        `POST /api/UpdateCannedResponse` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            canned_response_id: The canned response (`CannedResponseID`): an int
                ID, 1 to 2147483647.
            name: Its new name (`Name`): non-empty text. Not sent when not given.
            message_text: Its new reply (`MessageText`): non-empty text of at
                most 100,000 characters. Not sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `canned_response_id`, or empty `name` or
                `message_text`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such canned response (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = check.compact(
            {
                "CannedResponseID": check.identifier(canned_response_id, "canned_response_id"),
                "Name": check.optional(check.text, name, "name"),
                "MessageText": check.optional(check.text, message_text, "message_text"),
            }
        )
        await self._send(routes.UPDATE_CANNED_RESPONSE, body=body)

    async def delete_canned_response(self, canned_response_id: int) -> None:
        """Delete a canned response (Managers only).

        `DELETE /api/DeleteCannedResponse` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            canned_response_id: The canned response (`CannedResponseID`): an int
                ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `canned_response_id`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such canned response (404), also when a retry finds
                it deleted by the attempt whose answer was lost.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query(
            {"CannedResponseID": check.identifier(canned_response_id, "canned_response_id")}
        )
        await self._send(routes.DELETE_CANNED_RESPONSE, params=params)
