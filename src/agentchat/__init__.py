"""An async client for ChannelMobile's AgentChat API.

::

    from agentchat import AsyncAgentChat

    async with AsyncAgentChat("agent@example.com", "secret") as chat:
        chats = await chat.get_chat_list(chat_type="unassigned")
"""

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
from ._routes import Retry
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
    "Model",
    "NotFoundError",
    "OutcomeUnknownError",
    "Period",
    "PermissionDeniedError",
    "RateLimitError",
    "Recipient",
    "RecipientList",
    "Report",
    "ReportList",
    "ReportSchedule",
    "ResponseFormatError",
    "Retry",
    "Role",
    "SentMessage",
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

# Errors show as ``agentchat.LogonError`` in tracebacks, not as the private
# module that defines them (as httpx does). Not the attrs models: their string
# annotations are resolved in the module named by ``__module__``.
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and issubclass(_obj, BaseException):
        _obj.__module__ = __name__
del _name, _obj
