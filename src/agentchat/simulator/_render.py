"""Records into answers: the client's own models, unstructured, in a casing.

Answers are built as the client's models (``agentchat.models``) and turned into
JSON by the client's converter, so their shape matches what the client reads by
construction (docs/responses.md); ``camel`` casing then renames the keys.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any, Final

from .._converters import make_converter
from ..models import (
    Agent,
    CannedResponse,
    Chat,
    Customer,
    Department,
    Recipient,
    Report,
    ReportSchedule,
    Tag,
    TagGroup,
)
from ._config import Casing
from ._state import (
    AgentRecord,
    CannedResponseRecord,
    ChatRecord,
    CustomerRecord,
    DepartmentRecord,
    RecipientRecord,
    ReportRecord,
    ReportScheduleRecord,
    State,
    TagGroupRecord,
    TagRecord,
)

__all__ = [
    "CONVERTER",
    "agent_model",
    "canned_response_model",
    "chat_model",
    "customer_model",
    "department_model",
    "export_csv",
    "recase",
    "recipient_model",
    "report_model",
    "schedule_model",
    "tag_group_model",
    "tag_model",
]

#: The client's converter: ``unstructure`` gives the PascalCase wire names.
CONVERTER: Final = make_converter()

_WORD: Final = re.compile(r"ID|[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z0-9]+|[A-Z]")
#: Keys whose values are free-form data (setting names), not field names.
_FREE_FORM: Final = frozenset({"Settings"})


def camel(key: str) -> str:
    """``ChatID`` -> ``chatId``, ``CustomerName`` -> ``customerName``, ``ID`` -> ``id``."""
    words: list[str] = _WORD.findall(key)
    if not words or "".join(words) != key:
        return key[:1].lower() + key[1:]
    first, rest = words[0], words[1:]
    return first.lower() + "".join(word.capitalize() for word in rest)


def recase(data: Any, casing: Casing) -> Any:
    """``data`` with every object key in ``casing`` (setting names excepted)."""
    if casing == "pascal":
        return data
    if isinstance(data, Mapping):
        return {
            camel(key): value if key in _FREE_FORM else recase(value, casing)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [recase(item, casing) for item in data]
    return data


def chat_model(state: State, chat: ChatRecord) -> Chat:
    customer = state.customers.get(chat.customer_id)
    department = state.departments.get(chat.department_id)
    agent = state.agents.get(chat.agent_id) if chat.agent_id is not None else None
    last = chat.messages[-1] if chat.messages else None
    return Chat(
        chat_id=chat.chat_id,
        customer_id=chat.customer_id,
        customer_name=customer.full_name if customer else None,
        mobile_number=customer.mobile_number if customer else None,
        department_id=chat.department_id,
        department_name=department.name if department else None,
        agent_id=chat.agent_id,
        agent_name=agent.name if agent else None,
        status=chat.status,
        created=chat.created,
        last_message=last.text if last else None,
        last_message_at=last.sent_at if last else None,
    )


def customer_model(state: State, customer: CustomerRecord, *, include_chats: bool) -> Customer:
    chats = state.chats_of(customer.customer_id)
    tag_ids = sorted({tag for chat in chats if chat.active for tag in chat.tag_ids})
    return Customer(
        customer_id=customer.customer_id,
        full_name=customer.full_name,
        mobile_number=customer.mobile_number,
        email_address=customer.email_address,
        comment=customer.comment,
        tag_ids=tuple(tag_ids),
        chats=tuple(chat_model(state, chat) for chat in chats) if include_chats else (),
    )


def agent_model(agent: AgentRecord) -> Agent:
    return Agent(
        agent_id=agent.agent_id,
        name=agent.name,
        email_address=agent.email_address,
        mobile_number=agent.mobile_number,
        role_id=agent.role_id,
        status_id=agent.status_id,
        department_ids=tuple(agent.department_ids),
        notifications=tuple(agent.notifications),
        enabled=agent.enabled,
    )


def department_model(department: DepartmentRecord) -> Department:
    return Department(
        department_id=department.department_id,
        name=department.name,
        include_in_welcome_menu=department.include_in_welcome_menu,
        name_in_menu=department.name_in_menu,
        welcome_returning=department.welcome_returning,
        welcome_new=department.welcome_new,
        menu_index=department.menu_index,
        enabled=department.enabled,
        auto_tag_ids=tuple(department.auto_tag_ids),
    )


def tag_model(tag: TagRecord) -> Tag:
    return Tag(tag_id=tag.tag_id, tag_group_id=tag.tag_group_id, name=tag.name, enabled=tag.enabled)


def tag_group_model(state: State, group: TagGroupRecord) -> TagGroup:
    tags = [tag for tag in state.tags.values() if tag.tag_group_id == group.tag_group_id]
    return TagGroup(
        tag_group_id=group.tag_group_id,
        name=group.name,
        enabled=group.enabled,
        tags=tuple(tag_model(tag) for tag in tags),
    )


def canned_response_model(response: CannedResponseRecord) -> CannedResponse:
    return CannedResponse(
        canned_response_id=response.canned_response_id,
        name=response.name,
        message_text=response.message_text,
    )


def report_model(report: ReportRecord) -> Report:
    return Report(report_id=report.report_id, name=report.name, description=report.description)


def schedule_model(schedule: ReportScheduleRecord) -> ReportSchedule:
    return ReportSchedule(
        schedule_id=schedule.schedule_id,
        recipient_id=schedule.recipient_id,
        report_id=schedule.report_id,
        format=schedule.format,
        grouping=tuple(schedule.grouping),
        delivery=schedule.delivery,
        scheduled_days=tuple(schedule.scheduled_days),
        scheduled_time=schedule.scheduled_time,
    )


def recipient_model(recipient: RecipientRecord) -> Recipient:
    return Recipient(
        recipient_id=recipient.recipient_id,
        full_name=recipient.full_name,
        email_address=recipient.email_address,
    )


def export_csv(state: State, chat: ChatRecord) -> str:
    """ExportChat's CSV: a header and one line per message, oldest first, CRLF."""
    customer = state.customers.get(chat.customer_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Date", "Sender", "Message", "Attachment"])
    for message in chat.messages:
        if message.sender == "customer":
            sender = customer.full_name if customer else "Customer"
        else:
            agent = state.agents.get(message.agent_id) if message.agent_id else None
            sender = agent.name if agent else "Agent"
        attachment = message.attachment.name if message.attachment else ""
        writer.writerow([message.sent_at.isoformat(), sender, message.text, attachment])
    return out.getvalue()
