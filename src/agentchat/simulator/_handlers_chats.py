"""Handlers of the reference's Chats, Customer and Tags-on-chats calls.

Business rules (beyond the field rules of ``_context``):

* a chat is *active* while it is not closed (waiting unassigned, or open with
  an agent); messages cannot be sent to, and chats cannot be assigned,
  reassigned or transferred once closed (400);
* GrabChat gives the caller the oldest unassigned chat of the caller's
  departments, or 404 when there is none;
* AssignChat assigns to the caller when AgentID is absent;
* ReAssignChat needs the chat to be assigned (open) and the new agent to be
  Online (StatusID 4), else 400; without ChatID it moves every open chat of the
  caller to that agent;
* TransferChat puts the chat back in the queue (unassigned) of the department;
* AddComment, and tags given by customer (AddTag with CustomerID/CustomrID,
  UpdateCustomer with TagID), need the customer to have an active chat (400);
  tags belong to chats, so a customer's TagID are the tags of their active chats;
* SendMessage's attachment needs all three Attachment fields, with
  AttachmentData valid base64 (400).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Final

from ..models import SentMessage
from ._context import ApiError, Call, Csv, Json, Reply, bad, handler
from ._render import CONVERTER, chat_model, customer_model, export_csv
from ._state import (
    CLOSED,
    ONLINE,
    OPEN,
    UNASSIGNED,
    AttachmentRecord,
    ChatRecord,
    CommentRecord,
    MessageRecord,
    TagRecord,
)

__all__: list[str] = []

_CHAT_TYPES: Final = (OPEN, UNASSIGNED, CLOSED)


def _not_closed(chat: ChatRecord, doing: str) -> None:
    if chat.status == CLOSED:
        raise bad(f"Chat {chat.chat_id} is closed: cannot {doing}")


def _usable_tag(call: Call, tag_id: int) -> TagRecord:
    tag = call.tag(tag_id)
    group = call.state.tag_groups.get(tag.tag_group_id)
    if not tag.enabled or (group is not None and not group.enabled):
        raise bad(f"Tag {tag_id} is disabled")
    return tag


def _active_chats(call: Call, customer_id: int, field: str) -> list[ChatRecord]:
    call.customer(customer_id, field)
    chats = call.state.active_chats_of(customer_id)
    if not chats:
        raise bad(f"Customer {customer_id} ({field}) has no active chat")
    return chats


@handler("SendMessage")
def send_message(call: Call) -> Reply:
    fields = call.fields
    chat_text = fields.text("ChatID")
    if not re.fullmatch(r"\s*\d+\s*", chat_text):
        raise bad("ChatID must be the ID of a chat (digits)")
    text = fields.text("MessageText")
    attachment = None
    parts = ("AttachmentName", "AttachmentType", "AttachmentData")
    if any(fields.given(name) for name in parts):
        name = fields.text("AttachmentName")
        content_type = fields.text("AttachmentType")
        encoded = fields.text("AttachmentData")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise bad("AttachmentData is not valid base64") from None
        attachment = AttachmentRecord(name=name, content_type=content_type, data=data)
    chat = call.chat(int(chat_text))
    _not_closed(chat, "send a message")
    message = MessageRecord(
        message_id=call.state.new_id("message"), sender="agent", text=text, sent_at=call.now,
        agent_id=call.caller.agent_id, attachment=attachment,
    )  # fmt: skip
    chat.messages.append(message)
    call.record(
        chat_id=chat.chat_id,
        message_id=message.message_id,
        message_text=text,
        attachment_name=attachment.name if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        attachment_size=attachment.size if attachment else None,
    )
    return SentMessage(message_id=message.message_id)


@handler("AddComment")
def add_comment(call: Call) -> Reply:
    customer_id = call.fields.integer("CustomerID")
    comment = call.fields.text("Comment")
    _active_chats(call, customer_id, "CustomerID")
    customer = call.customer(customer_id)
    customer.comments.append(
        CommentRecord(text=comment, agent_id=call.caller.agent_id, created=call.now)
    )
    customer.comment = comment
    call.record(customer_id=customer_id, comment=comment)
    return None


@handler("TransferChat")
def transfer_chat(call: Call) -> Reply:
    chat = call.chat(call.fields.integer("ChatID"))
    department = call.department(call.fields.integer("DepartmentID"))
    _not_closed(chat, "transfer it")
    if not department.enabled:
        raise bad(f"Department {department.department_id} is disabled")
    chat.department_id = department.department_id
    chat.status = UNASSIGNED
    chat.agent_id = None
    return None


@handler("ReAssignChat")
def reassign_chat(call: Call) -> Reply:
    agent = call.agent_record(call.fields.integer("AgentID"))
    chat_id = call.fields.opt_integer("ChatID")
    if chat_id is not None:
        chat = call.chat(chat_id)
        if chat.status != OPEN:
            raise bad(f"Chat {chat_id} is not assigned ({chat.status}): only assigned chats move")
        chats = [chat]
    else:
        caller = call.caller.agent_id
        chats = [c for c in call.state.chats.values() if c.status == OPEN and c.agent_id == caller]
    if agent.status_id != ONLINE or not agent.enabled:
        raise bad(f"Agent {agent.agent_id} is not online")
    for chat in chats:
        chat.agent_id = agent.agent_id
    return None


@handler("GrabChat")
def grab_chat(call: Call) -> Reply:
    departments = set(call.caller.department_ids)
    waiting = [
        c
        for c in call.state.chats.values()
        if c.status == UNASSIGNED and c.department_id in departments
    ]
    if not waiting:
        raise ApiError(404, "No unassigned chats waiting in your departments")
    chat = min(waiting, key=lambda c: (c.created, c.chat_id))
    chat.status = OPEN
    chat.agent_id = call.caller.agent_id
    call.record(chat_id=chat.chat_id, department_id=chat.department_id)
    return chat_model(call.state, chat)


@handler("GetChatList")
def get_chat_list(call: Call) -> Reply:
    chat_type = call.fields.opt_text("ChatType")
    if chat_type is not None and chat_type.strip().lower() not in _CHAT_TYPES:
        raise bad("ChatType must be one of open, unassigned, closed")
    wanted = chat_type.strip().lower() if chat_type else None
    chats = sorted(call.state.chats.values(), key=lambda c: c.chat_id)
    return [chat_model(call.state, c) for c in chats if wanted is None or c.status == wanted]


@handler("ExportChat")
def export_chat(call: Call) -> Reply:
    chat = call.chat(call.fields.integer("ChatID"))
    return Csv(export_csv(call.state, chat))


@handler("CloseChat")
def close_chat(call: Call) -> Reply:
    chat = call.chat(call.fields.integer("ChatID"))
    if chat.status != CLOSED:
        chat.status = CLOSED
        chat.closed_at = call.now
    return None


@handler("AssignChat")
def assign_chat(call: Call) -> Reply:
    chat = call.chat(call.fields.integer("ChatID"))
    agent_id = call.fields.opt_integer("AgentID")
    agent = call.caller if agent_id is None else call.agent_record(agent_id)
    _not_closed(chat, "assign it")
    if not agent.enabled:
        raise bad(f"Agent {agent.agent_id} is disabled")
    chat.status = OPEN
    chat.agent_id = agent.agent_id
    return None


@handler("UpdateCustomer")
def update_customer(call: Call) -> Reply:
    fields = call.fields
    customer = call.customer(fields.integer("CustomerID"))
    full_name = fields.opt_text("FullName")
    email = fields.opt_email("EmailAddress")
    comment = fields.opt_text("Comment")
    tag_ids = fields.opt_integers("TagID")
    chats: list[ChatRecord] = []
    if tag_ids is not None:
        for tag_id in tag_ids:
            _usable_tag(call, tag_id)
        chats = _active_chats(call, customer.customer_id, "CustomerID")
    if full_name is not None:
        customer.full_name = full_name
    if email is not None:
        customer.email_address = email
    if comment is not None:
        customer.comment = comment
    if tag_ids is not None:
        for chat in chats:
            chat.tag_ids = list(dict.fromkeys(tag_ids))
    return None


@handler("FindCustomer")
def find_customer(call: Call) -> Reply:
    number = call.fields.text("MobileNumber")
    include_chats = call.fields.boolean("IncludeChats")
    digits = re.sub(r"\D", "", number)
    if not digits:
        raise bad("MobileNumber must contain digits")
    found = [
        c for c in call.state.customers.values() if re.sub(r"\D", "", c.mobile_number) == digits
    ]
    customers = [
        CONVERTER.unstructure(customer_model(call.state, c, include_chats=include_chats))
        for c in found
    ]
    if not include_chats:  # Chats only when asked for
        for customer in customers:
            customer.pop("Chats", None)
    return Json(customers)


@handler("AddTag")
def add_tag(call: Call) -> Reply:
    fields = call.fields
    chat_id = fields.opt_integer("ChatID")
    customr = fields.opt_integer("CustomrID")
    customer = fields.opt_integer("CustomerID")
    if customr is not None and customer is not None and customr != customer:
        raise bad("CustomrID and CustomerID name different customers")
    customer_id = customr if customr is not None else customer
    if chat_id is None and customer_id is None:
        raise bad("ChatID or CustomerID (CustomrID) is required")
    tag = _usable_tag(call, fields.integer("TagID"))
    if chat_id is not None:
        chats = [call.chat(chat_id)]
        if customer_id is not None and chats[0].customer_id != customer_id:
            raise bad(f"Chat {chat_id} does not belong to customer {customer_id}")
    else:
        assert customer_id is not None
        field = "CustomrID" if customr is not None else "CustomerID"
        chats = _active_chats(call, customer_id, field)
    for chat in chats:
        if tag.tag_id not in chat.tag_ids:
            chat.tag_ids.append(tag.tag_id)
    return None


@handler("RemoveTag")
def remove_tag(call: Call) -> Reply:
    chat = call.chat(call.fields.integer("ChatID"))
    tag = call.tag(call.fields.integer("TagID"))
    if tag.tag_id in chat.tag_ids:
        chat.tag_ids.remove(tag.tag_id)
    return None
