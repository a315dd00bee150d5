"""An async client for ChannelMobile's AgentChat API.

::

    from agentchat import AsyncAgentChat

    async with AsyncAgentChat("agent@example.com", "secret") as chat:
        chats = await chat.get_chat_list(chat_type="unassigned")
"""

from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    DEFAULT_VERSION,
    AsyncAgentChat,
    ClientStats,
)
from ._exceptions import (
    AgentChatError,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidRequestError,
    LogonError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)
from ._routes import Retry
from .models import (
    MAX_ATTACHMENT_BYTES,
    Attachment,
    Chat,
    ChatList,
    ChatType,
    LogonResult,
    Model,
    SentMessage,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "MAX_ATTACHMENT_BYTES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AgentChatError",
    "AsyncAgentChat",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "Chat",
    "ChatList",
    "ChatType",
    "ClientStats",
    "ConflictError",
    "InvalidRequestError",
    "LogonError",
    "LogonResult",
    "Model",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFormatError",
    "Retry",
    "SentMessage",
    "ServerError",
    "__version__",
]
