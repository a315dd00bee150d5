"""The public attrs models: frozen, slotted, keyword-only, one module per group."""

from ._base import Model
from .agents import Agent, Role, Status
from .auth import LogonResult
from .canned_responses import CannedResponse
from .chats import MAX_ATTACHMENT_BYTES, Attachment, Chat, ChatList, ChatType, SentMessage
from .customers import Customer, CustomerList
from .departments import Department, DepartmentList
from .exports import ChatExport, ExportRow
from .recipients import Recipient, RecipientList
from .reports import (
    DataInsight,
    InsightPoint,
    LiveMetrics,
    Period,
    Report,
    ReportList,
    ReportSchedule,
)
from .settings import Settings
from .tags import Tag, TagGroup
from .working_hours import Weekday, WorkingDay

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "Agent",
    "Attachment",
    "CannedResponse",
    "Chat",
    "ChatExport",
    "ChatList",
    "ChatType",
    "Customer",
    "CustomerList",
    "DataInsight",
    "Department",
    "DepartmentList",
    "ExportRow",
    "InsightPoint",
    "LiveMetrics",
    "LogonResult",
    "Model",
    "Period",
    "Recipient",
    "RecipientList",
    "Report",
    "ReportList",
    "ReportSchedule",
    "Role",
    "SentMessage",
    "Settings",
    "Status",
    "Tag",
    "TagGroup",
    "Weekday",
    "WorkingDay",
]
