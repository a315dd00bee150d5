"""Recipients: CreateRecipient, GetRecipients, DeleteRecipient."""

from __future__ import annotations

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import Recipient, RecipientList

__all__ = ["RecipientEndpoints"]


class RecipientEndpoints(ClientBase):
    """The reference's "Recipients" group."""

    async def create_recipient(self, full_name: str, email_address: str) -> Recipient | None:
        """Add someone reports can be e-mailed to (Managers only).

        `POST /api/CreateRecipient` · retry class **unsafe**: never resent once it
        may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            full_name: Their full name (`FullName`): non-empty text.
            email_address: Where reports go (`EmailAddress`): non-empty text.

        Returns:
            The new recipient when the server describes it (a bare ID is
            enough), else `None` (an empty answer, as documented).

        Raises:
            InvalidRequestError: Empty `full_name` or `email_address`; nothing
                was sent.
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
            "FullName": check.text(full_name, "full_name"),
            "EmailAddress": check.text(email_address, "email_address"),
        }
        return await self._request_optional(routes.CREATE_RECIPIENT, Recipient, body=body)

    async def get_recipients(self) -> RecipientList:
        """List the report recipients, with the reports and schedules they get.

        `GET /api/GetRecipients` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Returns:
            The recipients in the server's order (empty for an empty answer).

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as recipients.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        return await self._request(routes.GET_RECIPIENTS, RecipientList)

    async def delete_recipient(self, recipient_id: int) -> None:
        """Delete a report recipient (Managers only).

        `DELETE /api/DeleteRecipient` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            recipient_id: The recipient (`RecipientID`): an int ID, 1 to
                2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `recipient_id`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such recipient (404), also when a retry finds it
                deleted by the attempt whose answer was lost.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query({"RecipientID": check.identifier(recipient_id, "recipient_id")})
        await self._send(routes.DELETE_RECIPIENT, params=params)
