"""The public attrs models: frozen, slotted, keyword-only."""

from ._base import Model
from .auth import LogonResult
from .chats import MAX_ATTACHMENT_BYTES, Attachment, Chat, ChatList, ChatType, SentMessage

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "Attachment",
    "Chat",
    "ChatList",
    "ChatType",
    "LogonResult",
    "Model",
    "SentMessage",
]
