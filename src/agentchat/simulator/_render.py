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
from typing import Any, Final, TypeVar

import attrs

from .._converters import make_converter
from ..models import (
    Agent,
    CannedResponse,
    Chat,
    Customer,
    Department,
    Model,
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


M = TypeVar("M", bound=Model)


def from_record(cls: type[M], record: object, **overrides: Any) -> M:
    """The model ``cls`` with each field taken from the record's same-named attribute.

    Lists become tuples (models are frozen); ``overrides`` fill what the record
    does not hold.
    """
    values: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name in ("extra", "raw") or not hasattr(record, field.name):
            continue
        value = getattr(record, field.name)
        values[field.name] = tuple(value) if isinstance(value, list | set) else value
    return cls(**{**values, **overrides})


def agent_model(agent: AgentRecord) -> Agent:
    return from_record(Agent, agent)


def department_model(department: DepartmentRecord) -> Department:
    return from_record(Department, department)


def tag_model(tag: TagRecord) -> Tag:
    return from_record(Tag, tag)


def tag_group_model(state: State, group: TagGroupRecord) -> TagGroup:
    tags = [tag for tag in state.tags.values() if tag.tag_group_id == group.tag_group_id]
    return from_record(TagGroup, group, tags=tuple(tag_model(tag) for tag in tags))


def canned_response_model(response: CannedResponseRecord) -> CannedResponse:
    return from_record(CannedResponse, response)


def report_model(report: ReportRecord) -> Report:
    return from_record(Report, report)


def schedule_model(schedule: ReportScheduleRecord) -> ReportSchedule:
    return from_record(ReportSchedule, schedule)


def recipient_model(recipient: RecipientRecord) -> Recipient:
    return from_record(Recipient, recipient)


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
