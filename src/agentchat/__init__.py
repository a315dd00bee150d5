"""An async client for ChannelMobile's AgentChat API.

::

    from agentchat import AsyncAgentChat

    async with AsyncAgentChat("agent@example.com", "secret") as chat:
        chats = await chat.get_chat_list(chat_type="unassigned")
"""

import types as _types
import typing as _typing

import attrs as _attrs

from ._client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
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
from ._redis_store import RedisStore
from ._routes import Retry
from ._store import MemoryStore, SessionStore
from ._watch import ChatEvent, ChatWatcher
from ._worker import ChatWorker, WorkerReport
from .models import (
    MAX_ATTACHMENT_BYTES,
    Agent,
    Attachment,
    CannedResponse,
    Chat,
    ChatExport,
    ChatList,
    ChatType,
    Customer,
    CustomerList,
    DataInsight,
    Department,
    DepartmentList,
    ExportRow,
    InsightPoint,
    LiveMetrics,
    LogonResult,
    Model,
    Period,
    Recipient,
    RecipientList,
    Report,
    ReportList,
    ReportSchedule,
    Role,
    SentMessage,
    Settings,
    Status,
    Tag,
    TagGroup,
    Weekday,
    WorkingDay,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "MAX_ATTACHMENT_BYTES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Agent",
    "AgentChatError",
    "AsyncAgentChat",
    "Attachment",
    "AuthenticationError",
    "BadRequestError",
    "CannedResponse",
    "Chat",
    "ChatEvent",
    "ChatExport",
    "ChatList",
    "ChatType",
    "ChatWatcher",
    "ChatWorker",
    "ClientStats",
    "ConflictError",
    "Customer",
    "CustomerList",
    "DataInsight",
    "Department",
    "DepartmentList",
    "ExportRow",
    "InsightPoint",
    "InvalidRequestError",
    "LiveMetrics",
    "LogonError",
    "LogonResult",
    "MemoryStore",
    "Model",
    "NotFoundError",
    "OutcomeUnknownError",
    "Period",
    "PermissionDeniedError",
    "RateLimitError",
    "Recipient",
    "RecipientList",
    "RedisStore",
    "Report",
    "ReportList",
    "ReportSchedule",
    "ResponseFormatError",
    "Retry",
    "Role",
    "SentMessage",
    "SessionStore",
    "ServerError",
    "Settings",
    "Status",
    "Tag",
    "TagGroup",
    "Weekday",
    "WorkerReport",
    "WorkingDay",
    "__version__",
]


def _publish(obj: object) -> None:
    """Make ``obj`` report ``agentchat`` as its module, as httpx's public names do.

    ``help()``, ``repr()`` and tracebacks then say ``agentchat.ChatWorker``, not
    the private module that defines it, and pickle finds classes (and so models
    and errors) at ``agentchat.Chat``. A class's string annotations (``from
    __future__ import annotations``) are looked up in the module its
    ``__module__`` names, so they are resolved first, where they were written:
    its own annotations become the types, and an attrs class's fields too
    (``attrs.resolve_types``). attrs, cattrs and ``typing.get_type_hints`` then
    never look a name up in ``agentchat``. A class whose annotations cannot be
    resolved keeps its module (``tests/test_public_docs.py`` says so).
    """
    if isinstance(obj, type):
        try:
            hints = _typing.get_type_hints(obj, include_extras=True)
            if _attrs.has(obj):
                _attrs.resolve_types(obj)
        except NameError:  # pragma: no cover - a name only known to type checkers
            return
        own = vars(obj).get("__annotations__")
        if own:
            for name in own:
                own[name] = hints[name]
    elif not isinstance(obj, _types.FunctionType):
        return
    obj.__module__ = __name__


for _name in __all__:
    _publish(globals()[_name])
del _name
