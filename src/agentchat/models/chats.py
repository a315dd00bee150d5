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

#: The largest attachment the client accepts (25 MiB before base64 encoding).
#: The reference documents no limit; this keeps a mistaken path from sending
#: gigabytes to a chat.
MAX_ATTACHMENT_BYTES: Final = 25 * 1024 * 1024


class ChatType(str, enum.Enum):
    """The chat types GetChatList can filter on."""

    OPEN = "open"
    UNASSIGNED = "unassigned"
    CLOSED = "closed"


@attrs.frozen(kw_only=True)
class Chat(Model):
    """One chat as listed by GetChatList.

    Only ``chat_id`` is required; the other fields are what AgentChat servers
    are known to send, ``None`` when absent. Anything else is in ``extra``.
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
    """

    chats: tuple[Chat, ...] = ()

    @property
    def _items(self) -> tuple[Chat, ...]:
        return self.chats


@attrs.frozen(kw_only=True)
class SentMessage(Model):
    """What SendMessage returned. The reference documents "no content", so the
    fields are ``None`` unless the server says more."""

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
    you have, or from a file with ``Attachment.from_path()``.
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
        ``anyio.to_thread.run_sync``. Unknown types become
        ``application/octet-stream``.
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
