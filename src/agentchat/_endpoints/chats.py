"""Chats: SendMessage, AddComment, TransferChat, ReAssignChat, GrabChat, GetChatList,
ExportChat, CloseChat, AssignChat."""

from __future__ import annotations

from typing import Any

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from .._csv import parse_export
from .._exceptions import InvalidRequestError, NotFoundError
from .._response import format_error
from ..models import Attachment, Chat, ChatExport, ChatList, ChatType, SentMessage

__all__ = ["ChatEndpoints", "chat_type_value"]


class ChatEndpoints(ClientBase):
    """The reference's "Chats" group."""

    async def send_message(
        self, chat_id: int, message_text: str, *, attachment: Attachment | None = None
    ) -> SentMessage:
        """Send a message, optionally with an attachment, to a chat.

        `POST /api/SendMessage` · retry class **unsafe**: never resent once it may
        have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            chat_id: The chat (`ChatID`, sent as a string such as `"408"`): an int
                ID, 1 to 2147483647.
            message_text: The text of the message (`MessageText`): non-empty
                text of at most 100,000 characters.
            attachment: A file to send with it, base64-encoded into
                `AttachmentName`, `AttachmentType` and `AttachmentData`: an
                `Attachment` of at most 25 MiB. Not sent when not given.

        Returns:
            What the server said about the message: a `SentMessage` whose
            `message_id` is `None` when the answer is empty (as documented).

        Raises:
            InvalidRequestError: A bad `chat_id`, empty `message_text` or an
                `attachment` that is not an `Attachment`; nothing was sent.
            NotFoundError: No chat with that ID (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = {
            "ChatID": check.id_text(chat_id, "chat_id"),
            "MessageText": check.text(message_text, "message_text"),
        }
        if attachment is not None:
            if not isinstance(attachment, Attachment):
                raise InvalidRequestError(
                    f"attachment must be an Attachment, got {type(attachment).__name__}"
                )
            body.update(attachment.to_wire())
        return await self._request(routes.SEND_MESSAGE, SentMessage, body=body)

    async def add_comment(self, customer_id: int, comment: str) -> None:
        """Add a comment to a customer who has an active chat.

        `POST /api/AddComment` · retry class **unsafe**: never resent once it may
        have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            customer_id: The customer (`CustomerID`), linked to an active chat:
                an int ID, 1 to 2147483647.
            comment: The comment (`Comment`): non-empty text of at most 100,000
                characters.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `customer_id` or empty `comment`; nothing
                was sent.
            NotFoundError: No such customer, or none of their chats is active (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = {
            "CustomerID": check.identifier(customer_id, "customer_id"),
            "Comment": check.text(comment, "comment"),
        }
        await self._send(routes.ADD_COMMENT, body=body)

    async def transfer_chat(self, chat_id: int, department_id: int) -> None:
        """Move a chat to another department's queue.

        `GET /api/TransferChat` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_id: The chat to move (`ChatID`): an int ID, 1 to 2147483647.
            department_id: The department it moves to (`DepartmentID`): an int
                ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `chat_id` or `department_id`; nothing was sent.
            NotFoundError: No such chat or department (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query(
            {
                "ChatID": check.identifier(chat_id, "chat_id"),
                "DepartmentID": check.identifier(department_id, "department_id"),
            }
        )
        await self._send(routes.TRANSFER_CHAT, params=params)

    async def reassign_chat(self, agent_id: int, *, chat_id: int | None = None) -> None:
        """Hand an assigned chat to another agent, who must be online.

        `GET /api/ReAssignChat` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            agent_id: The agent who takes the chat over (`AgentID`): an int ID,
                1 to 2147483647.
            chat_id: The chat (`ChatID`): an int ID, 1 to 2147483647. Not sent
                when not given, a case the reference leaves open (the simulator
                then moves every chat assigned to you).

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `agent_id` or `chat_id`; nothing was sent.
            NotFoundError: No such agent or chat (404).
            APIStatusError: The server refused the call, e.g. the chat is not
                assigned or the agent is not online (`status_code` and `body`
                say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query(
            {
                "AgentID": check.identifier(agent_id, "agent_id"),
                "ChatID": check.optional(check.identifier, chat_id, "chat_id"),
            }
        )
        await self._send(routes.REASSIGN_CHAT, params=params)

    async def grab_chat(self) -> Chat | None:
        """Take the oldest unassigned chat of your departments.

        `GET /api/GrabChat` · retry class **unsafe**: never resent once it may have
        reached the server; a lost answer raises `OutcomeUnknownError`.

        After an `OutcomeUnknownError`, look at your open chats before grabbing
        again: the lost answer may have assigned one to you (`chat_worker()`
        does this by itself).

        Returns:
            The chat now assigned to you, or `None` when there is none to take
            (an empty answer, or 404).

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as a `Chat`.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        try:
            return await self._request_optional(routes.GRAB_CHAT, Chat)
        except NotFoundError:
            return None

    async def get_chat_list(self, *, chat_type: ChatType | str | None = None) -> ChatList:
        """List chats: all of them, or only the open, unassigned or closed ones.

        `GET /api/GetChatList` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_type: Which chats (`ChatType`): a `ChatType`, or `"open"`,
                `"unassigned"` or `"closed"` (any case). Not sent when not given:
                every chat.

        Returns:
            The chats in the server's order (empty for an empty answer).

        Raises:
            InvalidRequestError: `chat_type` is not one of the three; nothing
                was sent.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as chats.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        # The call bots poll, mostly with no filter: then no query to make.
        params = None
        if chat_type is not None:
            params = check.query({"ChatType": chat_type_value(chat_type, "chat_type")})
        return await self._request(routes.GET_CHAT_LIST, ChatList, params=params)

    async def export_chat(self, chat_id: int) -> ChatExport:
        """A chat's transcript, exported as CSV: typed rows plus the original text.

        `GET /api/ExportChat` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_id: The chat (`ChatID`): an int ID, 1 to 2147483647.

        Returns:
            The transcript: its `rows`, `columns` and CSV `text` (no rows for
            an empty answer).

        Raises:
            InvalidRequestError: A bad `chat_id`; nothing was sent.
            NotFoundError: No chat with that ID (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: The answer is not a readable CSV.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        chat_id = check.identifier(chat_id, "chat_id")
        response = await self._send(routes.EXPORT_CHAT, params=check.query({"ChatID": chat_id}))
        try:
            return parse_export(self._core.converter, response.content, chat_id=chat_id)
        except (ValueError, RecursionError) as exc:
            problem = f"is not a readable CSV: {exc}"
            raise format_error(routes.EXPORT_CHAT, response, problem) from exc

    async def close_chat(self, chat_id: int) -> None:
        """Close a chat.

        `GET /api/CloseChat` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_id: The chat (`ChatID`): an int ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `chat_id`; nothing was sent.
            NotFoundError: No chat with that ID (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query({"ChatID": check.identifier(chat_id, "chat_id")})
        await self._send(routes.CLOSE_CHAT, params=params)

    async def assign_chat(self, chat_id: int, *, agent_id: int | None = None) -> None:
        """Assign a chat to an agent, or to yourself.

        `GET /api/AssignChat` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        Args:
            chat_id: The chat (`ChatID`): an int ID, 1 to 2147483647.
            agent_id: The agent (`AgentID`): an int ID, 1 to 2147483647. Not sent
                when not given: the chat is assigned to you.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `chat_id` or `agent_id`; nothing was sent.
            NotFoundError: No such chat or agent (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query(
            {
                "ChatID": check.identifier(chat_id, "chat_id"),
                "AgentID": check.optional(check.identifier, agent_id, "agent_id"),
            }
        )
        await self._send(routes.ASSIGN_CHAT, params=params)


def chat_type_value(value: Any, name: str) -> str:
    """A ``ChatType`` or its value (any case), as GetChatList's ``ChatType`` sends it."""
    return check.enum_value(ChatType, value, name).value
