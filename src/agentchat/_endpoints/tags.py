"""Tags: AddTag, CreateTag, RemoveTag, UpdateTag, DeleteTag, CreateTagGroup, UpdateTagGroup."""

from __future__ import annotations

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from .._exceptions import InvalidRequestError
from ..models import Tag, TagGroup

__all__ = ["TagEndpoints"]


class TagEndpoints(ClientBase):
    """The reference's "Tags" group."""

    async def add_tag(
        self,
        *,
        tag_id: int,
        chat_id: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        """Tag a chat, or a customer's active chat: give `chat_id` or `customer_id`.

        `POST /api/AddTag` · retry class **idempotent**: repeating it leaves the same
        state; retried after connection failures, timeouts, 429 and 502-504.

        The reference marks `TagID` optional, but a tag must be named: the client
        requires it. It spells the customer's field `CustomrID`; the client sends
        that and `CustomerID`, with the same value.

        Args:
            tag_id: The tag to add (`TagID`): an int ID, 1 to 2147483647.
                Required.
            chat_id: The chat to tag (`ChatID`): an int ID, 1 to 2147483647.
                Not sent when not given.
            customer_id: The customer whose active chat to tag (`CustomrID` and
                `CustomerID`): an int ID, 1 to 2147483647. Not sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: `tag_id` is missing or bad, both or neither of
                `chat_id` and `customer_id` were given, or one is bad; nothing
                was sent.
            NotFoundError: No such tag, chat or customer (404).
            APIStatusError: The server refused the call, e.g. a disabled tag or
                a customer without an active chat (`status_code` and `body` say
                why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        tag = check.identifier(tag_id, "tag_id")
        if (chat_id is None) == (customer_id is None):
            raise InvalidRequestError("add_tag needs exactly one of chat_id or customer_id")
        customer = check.optional(check.identifier, customer_id, "customer_id")
        body = check.compact(
            {
                "ChatID": check.optional(check.identifier, chat_id, "chat_id"),
                "TagID": tag,
                "CustomrID": customer,
                "CustomerID": customer,
            }
        )
        await self._send(routes.ADD_TAG, body=body)

    async def create_tag(self, tag_group_id: int, name: str, enabled: bool) -> Tag | None:
        """Create a tag in a tag group (Managers only).

        `POST /api/CreateTag` · retry class **unsafe**: never resent once it may
        have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            tag_group_id: The group it belongs to (`TagGroupID`): an int ID, 1
                to 2147483647.
            name: Its name (`Name`): non-empty text.
            enabled: Whether it can be used (`Enabled`): `True` or `False`.

        Returns:
            The new tag when the server describes it (a bare ID is enough), else
            `None` (an empty answer, as documented).

        Raises:
            InvalidRequestError: A bad `tag_group_id`, empty `name` or `enabled`
                not a bool; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such tag group (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = {
            "TagGroupID": check.identifier(tag_group_id, "tag_group_id"),
            "Name": check.text(name, "name"),
            "Enabled": check.boolean(enabled, "enabled"),
        }
        return await self._request_optional(routes.CREATE_TAG, Tag, body=body)

    async def remove_tag(self, chat_id: int, tag_id: int) -> None:
        """Remove a tag from a chat.

        `POST /api/RemoveTag` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_id: The chat (`ChatID`): an int ID, 1 to 2147483647.
            tag_id: The tag to remove (`TagID`): an int ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `chat_id` or `tag_id`; nothing was sent.
            NotFoundError: No such chat (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = {
            "ChatID": check.identifier(chat_id, "chat_id"),
            "TagID": check.identifier(tag_id, "tag_id"),
        }
        await self._send(routes.REMOVE_TAG, body=body)

    async def update_tag(
        self, tag_id: int, *, name: str | None = None, enabled: bool | None = None
    ) -> None:
        """Rename, enable or disable a tag (Managers only).

        `POST /api/UpdateTag` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            tag_id: The tag (`TagID`): an int ID, 1 to 2147483647.
            name: Its new name (`Name`): non-empty text. Not sent when not given.
            enabled: Whether it can be used (`Enabled`): `True` or `False`. Not
                sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `tag_id`, empty `name` or `enabled` not a
                bool; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such tag (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = check.compact(
            {
                "TagID": check.identifier(tag_id, "tag_id"),
                "Name": check.optional(check.text, name, "name"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_TAG, body=body)

    async def delete_tag(self, tag_id: int) -> None:
        """Delete a tag (Managers only).

        `DELETE /api/DeleteTag` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            tag_id: The tag (`TagID`): an int ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `tag_id`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such tag (404), also when a retry finds it deleted
                by the attempt whose answer was lost.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query({"TagID": check.identifier(tag_id, "tag_id")})
        await self._send(routes.DELETE_TAG, params=params)

    async def create_tag_group(self, name: str, enabled: bool) -> TagGroup | None:
        """Create a group of tags (Managers only).

        `POST /api/CreateTagGroup` · retry class **unsafe**: never resent once it
        may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            name: Its name (`Name`): non-empty text.
            enabled: Whether its tags can be used (`Enabled`): `True` or `False`.

        Returns:
            The new group when the server describes it (a bare ID is enough),
            else `None` (an empty answer, as documented).

        Raises:
            InvalidRequestError: Empty `name`, or `enabled` not a bool; nothing
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
        body = {"Name": check.text(name, "name"), "Enabled": check.boolean(enabled, "enabled")}
        return await self._request_optional(routes.CREATE_TAG_GROUP, TagGroup, body=body)

    async def update_tag_group(
        self, tag_group_id: int, *, name: str | None = None, enabled: bool | None = None
    ) -> None:
        """Rename, enable or disable a group of tags (Managers only).

        `POST /api/UpdateTagGroup` · retry class **idempotent**: repeating it leaves
        the same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            tag_group_id: The group (`TagGroupID`): an int ID, 1 to 2147483647.
            name: Its new name (`Name`): non-empty text. Not sent when not given.
            enabled: Whether its tags can be used (`Enabled`): `True` or `False`.
                Not sent when not given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `tag_group_id`, empty `name` or `enabled`
                not a bool; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such tag group (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = check.compact(
            {
                "TagGroupID": check.identifier(tag_group_id, "tag_group_id"),
                "Name": check.optional(check.text, name, "name"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_TAG_GROUP, body=body)
