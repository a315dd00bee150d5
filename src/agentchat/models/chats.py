"""Chats: what GetChatList and SendMessage return, and what SendMessage takes."""

from __future__ import annotations

import base64
import enum
import mimetypes
import os
from datetime import datetime
from typing import Final

import attrs

from .._exceptions import InvalidRequestError
from .._validation import got, utf8
from ._base import Listing, Model

__all__ = ["MAX_ATTACHMENT_BYTES", "Attachment", "Chat", "ChatList", "ChatType", "SentMessage"]

MAX_ATTACHMENT_BYTES: Final = 25 * 1024 * 1024
"""The largest attachment the client accepts: 25 MiB, before base64 encoding.

The reference documents no limit; this keeps a mistaken path from sending
gigabytes to a chat. A larger ``Attachment`` raises ``InvalidRequestError``.
"""


class ChatType(str, enum.Enum):
    """The chat types GetChatList can filter on (its ``ChatType``), sent as the word.

    ``get_chat_list(chat_type=...)`` and ``watch_chats()`` take a member or
    its word (``"unassigned"``). ``Chat.status`` holds these words too.

    Attributes:
        OPEN: ``"open"``: assigned to an agent and going on.
        UNASSIGNED: ``"unassigned"``: waiting in a department's queue for an agent.
        CLOSED: ``"closed"``: ended.
    """

    OPEN = "open"
    UNASSIGNED = "unassigned"
    CLOSED = "closed"


@attrs.frozen(kw_only=True)
class Chat(Model):
    """One chat, as GetChatList lists it and GrabChat returns it.

    Only ``chat_id`` is required; the other fields are what AgentChat servers
    are known to send, ``None`` when absent. Anything else is in ``extra``.

    Attributes:
        chat_id: The chat's ID (``ChatID``), the one the chat calls take.
        customer_id: The customer's ID (``CustomerID``).
        customer_name: The customer's name.
        mobile_number: The customer's mobile number.
        department_id: The department whose queue the chat is in.
        department_name: That department's name.
        agent_id: The agent it is assigned to; ``None`` while unassigned.
        agent_name: That agent's name.
        status: ``"open"``, ``"unassigned"`` or ``"closed"`` (the ``ChatType``
            words); any other text the server sends is kept as it is.
        created: When the chat started.
        last_message: The text of the latest message.
        last_message_at: When the latest message came.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    chat_id: int
    customer_id: int | None = None
    customer_name: str | None = None
    mobile_number: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    agent_id: int | None = None
    agent_name: str | None = None
    status: str | None = None
    created: datetime | None = None
    last_message: str | None = None
    last_message_at: datetime | None = None


@attrs.frozen(kw_only=True)
class ChatList(Listing[Chat], Model):
    """The chats GetChatList returned, in the server's order.

    Reads as a tuple of them: ``for chat in chat_list``, ``len(chat_list)``,
    ``chat_list[0]`` and slices work.

    Attributes:
        chats: The chats, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    chats: tuple[Chat, ...] = ()

    @property
    def _items(self) -> tuple[Chat, ...]:
        return self.chats


@attrs.frozen(kw_only=True)
class SentMessage(Model):
    """What SendMessage returned.

    The reference documents "no content", so the fields are ``None`` unless
    the server says more.

    Attributes:
        message_id: The new message's ID (``MessageID``), if the server sent it.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    message_id: int | None = None


def _to_bytes(value: object) -> bytes:
    """A copy as ``bytes``: a bytearray growing later cannot grow the attachment."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidRequestError(f"attachment data must be bytes, got {type(value).__name__}")
    return bytes(value)


def _data_repr(data: bytes) -> str:
    return f"<{len(data)} bytes>"


@attrs.frozen(kw_only=True)
class Attachment:
    """A file to send with a message: its name, MIME type and raw bytes.

    The client base64-encodes ``data`` into the request; build one from bytes
    you have, or from a file with ``Attachment.from_path()``. Checked when
    built, so a bad one never reaches the server.

    Example:
        ```python
        invoice = Attachment(name="invoice.pdf", content_type="application/pdf", data=pdf)
        await chat.send_message(chat_id, "Your invoice", attachment=invoice)
        ```

    Attributes:
        name: The file name the customer sees (``AttachmentName``); not empty.
        content_type: Its MIME type, such as ``"image/png"`` (``AttachmentType``).
        data: The file's bytes (a ``bytearray`` or ``memoryview`` is copied),
            at most ``MAX_ATTACHMENT_BYTES``; its ``repr`` shows only the size.

    Raises:
        InvalidRequestError: ``name`` is empty or not a string, ``content_type``
            is not a MIME type, ``data`` is not bytes or is over
            ``MAX_ATTACHMENT_BYTES``, or ``name`` or ``content_type`` cannot be
            encoded as UTF-8.
    """

    name: str
    content_type: str
    data: bytes = attrs.field(converter=_to_bytes, repr=_data_repr)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidRequestError("attachment name must be a non-empty string")
        utf8(self.name, "attachment name")
        if not isinstance(self.content_type, str) or "/" not in self.content_type:
            raise InvalidRequestError(
                f"attachment content_type must be a MIME type like 'image/png', "
                f"got {got(self.content_type)}"
            )
        utf8(self.content_type, "attachment content_type")
        if len(self.data) > MAX_ATTACHMENT_BYTES:
            raise InvalidRequestError(
                f"attachment is {len(self.data)} bytes, over the limit of "
                f"{MAX_ATTACHMENT_BYTES} bytes"
            )

    @classmethod
    def from_path(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        content_type: str | None = None,
    ) -> Attachment:
        """Read a file into an attachment, guessing its MIME type from its name.

        Reads synchronously; for large files in a busy service, call it through
        ``anyio.to_thread.run_sync``. The size is checked before the file is read.

        Args:
            path: The file to read.
            name: The name the customer sees; the file's own name by default.
            content_type: The MIME type; guessed from the file name by default
                (``application/octet-stream`` when unknown).

        Returns:
            The attachment, ready for ``send_message(..., attachment=...)``.

        Raises:
            InvalidRequestError: The file is over ``MAX_ATTACHMENT_BYTES``, or
                the name or type is not acceptable.
            OSError: The file cannot be read (``FileNotFoundError``...).
        """
        filename = os.fspath(path)
        size = os.path.getsize(filename)
        if size > MAX_ATTACHMENT_BYTES:
            raise InvalidRequestError(
                f"attachment {os.path.basename(filename)!r} is {size} bytes, over the "
                f"limit of {MAX_ATTACHMENT_BYTES} bytes"
            )
        with open(filename, "rb") as file:
            data = file.read()
        guessed, _ = mimetypes.guess_type(filename)
        return cls(
            name=name if name is not None else os.path.basename(filename),
            content_type=content_type or guessed or "application/octet-stream",
            data=data,
        )

    def to_wire(self) -> dict[str, str]:
        """The three body fields SendMessage documents for an attachment."""
        return {
            "AttachmentType": self.content_type,
            "AttachmentName": self.name,
            "AttachmentData": base64.b64encode(self.data).decode("ascii"),
        }
