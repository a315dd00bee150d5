"""The simulator's in-memory state: one mutable attrs record per entity.

Records hold what the AgentChat server would keep in its database; the answers
are built from them by ``_render``. Tests may read (and, to set a scene, change)
``Simulator.state`` directly. IDs come from per-kind counters and are never
reused, as a database identity column would not reuse them.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal

import attrs

__all__ = [
    "AGENT",
    "BUSY",
    "CLOSED",
    "MANAGER",
    "OFFLINE",
    "ONLINE",
    "ON_BREAK",
    "OPEN",
    "UNASSIGNED",
    "AgentRecord",
    "AttachmentRecord",
    "CannedResponseRecord",
    "ChatRecord",
    "CommentRecord",
    "CustomerRecord",
    "DepartmentRecord",
    "JournalEntry",
    "MessageRecord",
    "RecipientRecord",
    "ReportRecord",
    "ReportScheduleRecord",
    "SessionRecord",
    "State",
    "TagGroupRecord",
    "TagRecord",
    "WorkingDayRecord",
]

#: RoleID values.
AGENT: Final = 1
MANAGER: Final = 2
#: StatusID values.
OFFLINE: Final = 1
BUSY: Final = 2
ON_BREAK: Final = 3
ONLINE: Final = 4
#: Chat statuses, in the words of GetChatList's ChatType.
UNASSIGNED: Final = "unassigned"
OPEN: Final = "open"
CLOSED: Final = "closed"

ChatStatus = Literal["unassigned", "open", "closed"]


@attrs.define(kw_only=True)
class AgentRecord:
    agent_id: int
    name: str
    email_address: str
    password: str
    role_id: int = AGENT
    status_id: int = OFFLINE
    mobile_number: str | None = None
    department_ids: list[int] = attrs.Factory(list)
    notifications: list[str] = attrs.Factory(list)
    enabled: bool = True


@attrs.define(kw_only=True)
class DepartmentRecord:
    department_id: int
    name: str
    include_in_welcome_menu: bool = False
    name_in_menu: str | None = None
    welcome_returning: str | None = None
    welcome_new: str | None = None
    menu_index: int | None = None
    enabled: bool = True
    auto_tag_ids: list[int] = attrs.Factory(list)


@attrs.define(kw_only=True)
class TagGroupRecord:
    tag_group_id: int
    name: str
    enabled: bool = True


@attrs.define(kw_only=True)
class TagRecord:
    tag_id: int
    tag_group_id: int
    name: str
    enabled: bool = True


@attrs.define(kw_only=True)
class CannedResponseRecord:
    canned_response_id: int
    name: str
    message_text: str


@attrs.define(kw_only=True)
class CommentRecord:
    text: str
    agent_id: int | None
    created: datetime


@attrs.define(kw_only=True)
class CustomerRecord:
    customer_id: int
    full_name: str
    mobile_number: str
    email_address: str | None = None
    #: The latest comment (UpdateCustomer's ``Comment``, or AddComment's).
    comment: str | None = None
    comments: list[CommentRecord] = attrs.Factory(list)


@attrs.define(kw_only=True)
class AttachmentRecord:
    name: str
    content_type: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")

    @property
    def size(self) -> int:
        return len(self.data)


@attrs.define(kw_only=True)
class MessageRecord:
    message_id: int
    #: ``"customer"`` or ``"agent"``.
    sender: Literal["customer", "agent"]
    text: str
    sent_at: datetime
    agent_id: int | None = None
    attachment: AttachmentRecord | None = None


@attrs.define(kw_only=True)
class ChatRecord:
    chat_id: int
    customer_id: int
    department_id: int
    created: datetime
    status: ChatStatus = UNASSIGNED
    agent_id: int | None = None
    closed_at: datetime | None = None
    tag_ids: list[int] = attrs.Factory(list)
    messages: list[MessageRecord] = attrs.Factory(list)

    @property
    def active(self) -> bool:
        """Not closed: waiting in a queue or open with an agent."""
        return self.status != CLOSED


@attrs.define(kw_only=True)
class WorkingDayRecord:
    day: int
    enabled: bool
    start_time: str
    end_time: str


@attrs.define(kw_only=True)
class ReportRecord:
    report_id: int
    name: str
    description: str


@attrs.define(kw_only=True)
class ReportScheduleRecord:
    schedule_id: int
    recipient_id: int
    report_id: int
    format: str
    grouping: list[str]
    delivery: str
    scheduled_days: list[int]
    scheduled_time: str


@attrs.define(kw_only=True)
class RecipientRecord:
    recipient_id: int
    full_name: str
    email_address: str


@attrs.define(kw_only=True)
class SessionRecord:
    token: str = attrs.field(repr=False)
    agent_id: int
    #: The simulator clock's reading at the last authenticated call.
    last_used: float


@attrs.frozen(kw_only=True)
class JournalEntry:
    """One unsafe operation the simulator processed, in `Simulator.journal`.

    The unsafe operations are SendMessage, AddComment, GrabChat, the Create*
    calls, RequestPasswordReset and SetPassword: those a client must never send
    twice. A call refused (4xx) or answered with an injected error is not
    journaled; one processed and then dropped (`Faults.drop_after`) is.

    Example:
        ```python
        sent = [e.fields["chat_id"] for e in sim.journal if e.endpoint == "SendMessage"]
        assert len(sent) == len(set(sent))  # one message per chat
        ```

    Attributes:
        endpoint: The API name (`"SendMessage"`).
        time: The simulator clock's reading when it was processed.
        at: The simulated wall-clock time (`Simulator.now()`).
        agent_id: The caller's AgentID (`None` for SetPassword, which needs no
            session).
        agent_email: The caller's e-mail address (`None` for SetPassword).
        fields: The operation's key values in snake_case: `chat_id`,
            `message_text`, `customer_id`, `created_id` (the new record's ID)...
    """

    endpoint: str
    time: float
    at: datetime
    agent_id: int | None
    agent_email: str | None
    fields: Mapping[str, Any]


@attrs.define(kw_only=True)
class State:
    """Everything the simulated server stores, keyed by ID."""

    agents: dict[int, AgentRecord] = attrs.Factory(dict)
    departments: dict[int, DepartmentRecord] = attrs.Factory(dict)
    tag_groups: dict[int, TagGroupRecord] = attrs.Factory(dict)
    tags: dict[int, TagRecord] = attrs.Factory(dict)
    canned_responses: dict[int, CannedResponseRecord] = attrs.Factory(dict)
    customers: dict[int, CustomerRecord] = attrs.Factory(dict)
    chats: dict[int, ChatRecord] = attrs.Factory(dict)
    working_hours: dict[int, WorkingDayRecord] = attrs.Factory(dict)
    reports: dict[int, ReportRecord] = attrs.Factory(dict)
    schedules: dict[int, ReportScheduleRecord] = attrs.Factory(dict)
    recipients: dict[int, RecipientRecord] = attrs.Factory(dict)
    #: Setting name -> JSON value, in insertion order.
    settings: dict[str, Any] = attrs.Factory(dict)
    #: Session token -> session.
    sessions: dict[str, SessionRecord] = attrs.Factory(dict)
    #: Every session token ever issued, in order (expired and logged-off ones
    #: too), for tests that check a token never leaks.
    issued_tokens: list[str] = attrs.field(factory=list, repr=False)
    #: AgentID -> successful AgentLogon calls (``Simulator.logon_count()``).
    logons: collections.Counter[int] = attrs.Factory(collections.Counter)
    #: Password reset code -> AgentID (consumed by SetPassword).
    reset_codes: dict[str, int] = attrs.Factory(dict)
    _counters: dict[str, int] = attrs.Factory(dict)

    def new_id(self, kind: str) -> int:
        """The next ID of ``kind`` ("agent", "chat", "message", ...); never reused."""
        if kind not in self._counters:
            self._counters[kind] = self._highest(kind)
        self._counters[kind] += 1
        return self._counters[kind]

    def _highest(self, kind: str) -> int:
        if kind == "message":
            return max((m.message_id for c in self.chats.values() for m in c.messages), default=0)
        table: Mapping[int, object] = getattr(self, _TABLES[kind])
        return max(table, default=0)

    def agent_by_email(self, email_address: str) -> AgentRecord | None:
        wanted = email_address.strip().lower()
        for agent in self.agents.values():
            if agent.email_address.lower() == wanted:
                return agent
        return None

    def active_chats_of(self, customer_id: int) -> list[ChatRecord]:
        return [c for c in self.chats.values() if c.customer_id == customer_id and c.active]

    def chats_of(self, customer_id: int) -> list[ChatRecord]:
        return [c for c in self.chats.values() if c.customer_id == customer_id]

    def drop_sessions_of(self, agent_id: int) -> None:
        for token in [t for t, s in self.sessions.items() if s.agent_id == agent_id]:
            del self.sessions[token]


_TABLES: Final = {
    "agent": "agents",
    "department": "departments",
    "tag_group": "tag_groups",
    "tag": "tags",
    "canned_response": "canned_responses",
    "customer": "customers",
    "chat": "chats",
    "report": "reports",
    "schedule": "schedules",
    "recipient": "recipients",
}
