"""Customers: UpdateCustomer, FindCustomer."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import CustomerList

__all__ = ["CustomerEndpoints"]


class CustomerEndpoints(ClientBase):
    """The reference's "Customers" group."""

    async def update_customer(
        self,
        customer_id: int,
        *,
        full_name: str | None = None,
        email_address: str | None = None,
        comment: str | None = None,
        tag_ids: Sequence[int] | None = None,
    ) -> None:
        """Update a customer's details; only the fields given change.

        `POST /api/UpdateCustomer` · retry class **idempotent**: repeating it leaves
        the same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            customer_id: The customer (`CustomerID`): an int ID, 1 to 2147483647.
            full_name: Their full name (`FullName`): non-empty text. Not sent
                when not given.
            email_address: Their e-mail address (`EmailAddress`): non-empty
                text. Not sent when not given.
            comment: A comment about them (`Comment`): non-empty text. Not sent
                when not given.
            tag_ids: Tags for their active chat (`TagID`): a list or tuple of int
                IDs, 1 to 2147483647 each; the customer's chat must be active.
                Not sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad argument (empty text, an ID out of
                range); nothing was sent.
            NotFoundError: No such customer or tag (404).
            APIStatusError: The server refused the call, e.g. tags for a
                customer without an active chat (`status_code` and `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = check.compact(
            {
                "CustomerID": check.identifier(customer_id, "customer_id"),
                "FullName": check.optional(check.text, full_name, "full_name"),
                "EmailAddress": check.optional(check.text, email_address, "email_address"),
                "Comment": check.optional(check.text, comment, "comment"),
                "TagID": check.optional(check.identifiers, tag_ids, "tag_ids"),
            }
        )
        await self._send(routes.UPDATE_CUSTOMER, body=body)

    async def find_customer(self, mobile_number: str, include_chats: bool) -> CustomerList:
        """Find the customers with a mobile number.

        `GET /api/FindCustomer` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Args:
            mobile_number: The number to look for (`MobileNumber`), in
                international format: non-empty text.
            include_chats: Whether to list each customer's chats too
                (`IncludeChats`): `True` or `False`.

        Returns:
            The customers found, none for an empty answer.

        Raises:
            InvalidRequestError: Empty `mobile_number`, or `include_chats` not a
                bool; nothing was sent.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as customers.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query(
            {
                "MobileNumber": check.text(mobile_number, "mobile_number"),
                "IncludeChats": check.boolean(include_chats, "include_chats"),
            }
        )
        return await self._request(routes.FIND_CUSTOMER, CustomerList, params=params)
