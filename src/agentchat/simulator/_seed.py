"""The data a new simulator starts with, generated from its seed.

A small South African contact centre: one manager and four agents (three of
them Online), three departments in the welcome menu and five back-office ones,
five tag groups with 22 tags, canned responses, twenty customers and thirty
chats in every state (waiting in each welcome-menu department's queue, open with
an agent, closed) with message histories and a few attachments,
Monday-to-Friday working hours, three reports, two recipients, two report
schedules, a pending password reset and the company settings.

**The reference's example IDs exist**, whatever the seed, so that every example
call of the API reference (and of the README) works against a fresh simulator:

==========================  =================================================
Record                      Seeded as
==========================  =================================================
AgentID 3                   Priya Naidoo, Agent, Online, departments 2 and 3
                            (AssignChat's and UpdateAgent's example agent)
DepartmentID 1, 4, 8        1 Reception (with 2 Sales, 3 Support: the welcome
                            menu); 4 Billing ... 8 After hours: enabled,
                            not in the welcome menu, nobody works in them
TagGroupID 1, 5             1 Product Enquiries; 5 Complaints
TagID 1, 2, 3, 22           1 Warranty Enquiries, 2 Pricing, 3 Delivery
                            (group 1, enabled); 22 Warranty claim (group 5)
ChatID 406                  waiting (unassigned) in 3 Support: the agent's
                            GrabChat never takes it (AssignChat, ExportChat,
                            CloseChat examples)
ChatID 407                  open with the seeded Agent, customer 1 (AddTag,
                            RemoveTag examples)
ChatID 408                  open with the seeded Agent (SendMessage; a chat
                            ReAssignChat can move)
CustomerID 1                Joe the Jester, +27821231234, joe@example.com,
                            talking in chat 407 (AddComment, UpdateCustomer)
CustomerID 2                reachable at the reference's FindCustomer
                            example number, 112798647 (stored +112798647)
CannedResponseID 1, 2       opening hours, greeting
ReportID 1; RecipientID 1   Chat volumes; Zakes Mthini
RecipientID 2               Ann Example (DeleteRecipient's example)
ScheduleID 1, 2             both for recipient 1 (DeleteReportSchedule's
                            example is 2)
ResetCode                   76897132458762458761243, a pending reset of
                            Maria Santos (agent 5): SetPassword's example
==========================  =================================================

Every other chat is numbered from 409, oldest first. Fixed names and
credentials (the ``*_EMAIL``/``*_PASSWORD`` constants) and the records above do
not depend on the seed; the other customers, phone numbers, chat histories and
times do.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from ._state import (
    AGENT,
    BUSY,
    CLOSED,
    MANAGER,
    OFFLINE,
    ONLINE,
    OPEN,
    UNASSIGNED,
    AgentRecord,
    AttachmentRecord,
    CannedResponseRecord,
    ChatRecord,
    ChatStatus,
    CustomerRecord,
    DepartmentRecord,
    MessageRecord,
    RecipientRecord,
    ReportRecord,
    ReportScheduleRecord,
    State,
    TagGroupRecord,
    TagRecord,
    WorkingDayRecord,
)

__all__ = [
    "AGENTS_CHAT_ID",
    "AGENT_EMAIL",
    "AGENT_PASSWORD",
    "CUSTOMER_LINES",
    "DEMO_TAG_ID",
    "JOES_CHAT_ID",
    "JOE_EMAIL",
    "JOE_MOBILE",
    "JOE_THE_JESTER",
    "MANAGER_EMAIL",
    "MANAGER_PASSWORD",
    "REFERENCE_MOBILE",
    "REFERENCE_RESET_AGENT_ID",
    "REFERENCE_RESET_CODE",
    "WAITING_CHAT_ID",
    "seed_state",
]

MANAGER_EMAIL: Final = "thandi.nkosi@example.com"
MANAGER_PASSWORD: Final = "manager-password-1"  # noqa: S105 - published test account
AGENT_EMAIL: Final = "jack.rabbit@example.com"
AGENT_PASSWORD: Final = "agent-password-1"  # noqa: S105 - published test account
#: An enabled tag ("Warranty Enquiries") for demos.
DEMO_TAG_ID: Final = 1
#: The reference's example customer (CustomerID 1) and their mobile number.
JOE_THE_JESTER: Final = "Joe the Jester"
JOE_MOBILE: Final = "+27821231234"
JOE_EMAIL: Final = "joe@example.com"
#: FindCustomer's example number in the reference (112798647), customer 2's.
REFERENCE_MOBILE: Final = "+112798647"
#: SetPassword's example ResetCode: a pending reset of Maria Santos (agent 5).
REFERENCE_RESET_CODE: Final = "76897132458762458761243"
REFERENCE_RESET_AGENT_ID: Final = 5
#: The reference's example chats: waiting in Support, and two open with the Agent.
WAITING_CHAT_ID: Final = 406
JOES_CHAT_ID: Final = 407
AGENTS_CHAT_ID: Final = 408

_AGENTS: Final = (
    # name, email, password, role, status, departments
    ("Thandi Nkosi", MANAGER_EMAIL, MANAGER_PASSWORD, MANAGER, ONLINE, [1, 2, 3]),
    ("Jack Rabbit", AGENT_EMAIL, AGENT_PASSWORD, AGENT, ONLINE, [1, 2]),
    ("Priya Naidoo", "priya.naidoo@example.com", "agent-password-2", AGENT, ONLINE, [2, 3]),
    ("Sipho Dlamini", "sipho.dlamini@example.com", "agent-password-3", AGENT, BUSY, [1, 3]),
    ("Maria Santos", "maria.santos@example.com", "agent-password-4", AGENT, OFFLINE, [1]),
)

_DEPARTMENTS: Final = (
    # name, name in the welcome menu (None: not in the menu)
    ("Reception", "General enquiries"),
    ("Sales", "Buy a product"),
    ("Support", "Help with a product"),
    # Back-office departments: reached by TransferChat only, nobody works in them.
    ("Billing", None),
    ("Retentions", None),
    ("Collections", None),
    ("Complaints", None),
    ("After hours", None),
)

_TAG_GROUPS: Final = (
    ("Product Enquiries", True, ("Warranty Enquiries", "Pricing", "Delivery")),
    ("Outcome", True, ("Resolved", "Escalated", "Follow-up")),
    ("Archived", False, ("Legacy",)),
    ("Products", True, (
        "Handsets", "SIM cards", "Data bundles", "Contracts", "Prepaid airtime",
        "Accessories", "Home internet",
    )),
    ("Complaints", True, (
        "Billing error", "Network coverage", "Late delivery", "Damaged goods",
        "Porting delay", "Refund request", "Service complaint", "Warranty claim",
    )),
)  # fmt: skip

_CANNED: Final = (
    ("opening hours", "We are open from 08:00 to 17:00, Monday to Friday."),
    ("greeting", "Hi #CUSTOMERNAME#, thanks for contacting Channel Mobile. How can I help?"),
    ("hold on", "Please hold on while I look into this for you."),
    ("goodbye", "Thank you for chatting to us. Have a lovely day!"),
)

_CUSTOMER_NAMES: Final = (
    "Joe the Jester", "Zakes Mthini", "Lerato Mokoena", "Pieter van der Merwe",
    "Aisha Patel", "Nomvula Khumalo", "David Smith", "Fatima Adams", "Bongani Zulu",
    "Chloe Botha", "Tumelo Molefe", "Ayanda Ndlovu", "Ruan Pretorius", "Kavitha Pillay",
    "Themba Mahlangu", "Naledi Sithole", "Johan Venter", "Zanele Mbeki",
    "Michael O'Connor", "Refilwe Maseko",
)  # fmt: skip

#: What customers say (also used by ``Simulator.new_chat``).
CUSTOMER_LINES: Final = (
    "Hello, is anyone there?",
    "Hi, I'd like to know the price of the new handset, please.",
    "My order hasn't arrived yet. Can you check, please?",
    'The screen says "SIM not provisioned", what does that mean?',
    "Can I upgrade my contract early?",
    "I was billed twice this month.",
    "Do you deliver to Gqeberha?",
    "Thanks, that helps a lot!",
    "My phone won't charge, it's still under warranty.",
    "Here is a photo of the damage.",
    "Okay, I'll wait.",
    "Can someone call me back on this number, please?",
)

_AGENT_LINES: Final = (
    "Hi #NAME#, how can I help you today?",
    "Let me check that for you, one moment please.",
    "Your order is on its way, and should arrive tomorrow.",
    "I've logged a warranty claim for you; reference WC-#REF#.",
    "The upgrade is available from the 20th month of your contract.",
    "I've reversed the duplicate charge, it will reflect within 3 days.",
    "Yes, we deliver nationwide, at no cost for orders over R500.",
    "Here is our price list, with the new handsets included.",
    "Is there anything else I can help with?",
)

_JPEG: Final = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_PDF: Final = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def seed_state(rng: random.Random, start: datetime) -> State:
    """A fresh state whose times lie before ``start``, drawn from ``rng``."""
    state = State()
    for agent_id, (name, email, password, role, status, departments) in enumerate(_AGENTS, 1):
        state.agents[agent_id] = AgentRecord(
            agent_id=agent_id, name=name, email_address=email, password=password, role_id=role,
            status_id=status, mobile_number=_mobile(rng), department_ids=list(departments),
            notifications=["UnassignedChatsWaiting"] if role == MANAGER else [],
        )  # fmt: skip
    tag_id = 0
    for group_id, (group_name, enabled, tag_names) in enumerate(_TAG_GROUPS, 1):
        state.tag_groups[group_id] = TagGroupRecord(
            tag_group_id=group_id, name=group_name, enabled=enabled
        )
        for tag_name in tag_names:
            tag_id += 1
            state.tags[tag_id] = TagRecord(
                tag_id=tag_id, tag_group_id=group_id, name=tag_name, enabled=enabled
            )
    for department_id, (name, menu_name) in enumerate(_DEPARTMENTS, 1):
        state.departments[department_id] = DepartmentRecord(
            department_id=department_id,
            name=name,
            include_in_welcome_menu=menu_name is not None,
            name_in_menu=menu_name or name,
            welcome_returning=(
                "Welcome back #CUSTOMERNAME#. You are number #POSITIONINQUEUE# in the "
                "#DEPARTMENTNAME# queue"
            ),
            welcome_new=(
                "Welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue. "
                "We process your personal information in line with POPIA."
            ),
            menu_index=department_id if menu_name is not None else None,
            auto_tag_ids=[2] if name == "Sales" else [],
        )
    for response_id, (name, text) in enumerate(_CANNED, 1):
        state.canned_responses[response_id] = CannedResponseRecord(
            canned_response_id=response_id, name=name, message_text=text
        )
    _seed_customers_and_chats(state, rng, start)
    for day in range(1, 8):
        weekday = day <= 5
        state.working_hours[day] = WorkingDayRecord(
            day=day,
            enabled=weekday,
            start_time="08:00" if weekday else "00:00",
            end_time="17:00" if weekday else "00:00",
        )
    for report_id, (name, description) in enumerate(
        (
            ("Chat volumes", "Chats per department and agent"),
            ("Agent performance", "Response and handling times per agent"),
            ("Customer satisfaction", "Ratings customers gave at the end of their chats"),
        ),
        1,
    ):
        state.reports[report_id] = ReportRecord(
            report_id=report_id, name=name, description=description
        )
    state.recipients[1] = RecipientRecord(
        recipient_id=1, full_name="Zakes Mthini", email_address="zakes.mthini@example.com"
    )
    state.recipients[2] = RecipientRecord(
        recipient_id=2, full_name="Ann Example", email_address="ann@example.com"
    )
    state.schedules[1] = ReportScheduleRecord(
        schedule_id=1, recipient_id=1, report_id=1, format="CSV", grouping=["WEEK"],
        delivery="EMAIL", scheduled_days=[1, 2, 3, 4, 5], scheduled_time="16:30",
    )  # fmt: skip
    state.schedules[2] = ReportScheduleRecord(
        schedule_id=2, recipient_id=1, report_id=2, format="PDF", grouping=["MONTH"],
        delivery="EMAIL", scheduled_days=[1], scheduled_time="08:00",
    )  # fmt: skip
    # Maria asked for a new password; the e-mailed link carries the reference's code.
    state.reset_codes[REFERENCE_RESET_CODE] = REFERENCE_RESET_AGENT_ID
    state.settings.update(
        {
            "CompanyName": "Channel Mobile Demo",
            "WelcomeMessage": "Welcome to Channel Mobile Demo. How can we help?",
            "OfflineMessage": "We are closed. We will answer when we open at 08:00.",
            "TimeZone": "Africa/Johannesburg",
            "MaxChatsPerAgent": 5,
            "CloseInactiveChatsAfterMinutes": 60,
        }
    )
    return state


def _mobile(rng: random.Random) -> str:
    prefix = rng.choice(("82", "83", "72", "73", "84", "61", "71"))
    return f"+27{prefix}{rng.randrange(10**7):07d}"


def _seed_customers_and_chats(state: State, rng: random.Random, start: datetime) -> None:
    names = list(_CUSTOMER_NAMES)
    rng.shuffle(names)
    # Customer 1 is the reference's example customer (no draw changes: a swap).
    joe = names.index(JOE_THE_JESTER)
    names[0], names[joe] = names[joe], names[0]
    numbers: set[str] = {JOE_MOBILE, REFERENCE_MOBILE}
    for customer_id, name in enumerate(names, 1):
        number = _mobile(rng)
        while number in numbers:
            number = _mobile(rng)
        numbers.add(number)
        first = name.split()[0].lower().replace("'", "")
        state.customers[customer_id] = CustomerRecord(
            customer_id=customer_id,
            full_name=name,
            mobile_number=number,
            email_address=f"{first}{customer_id}@example.com" if rng.random() < 0.6 else None,
            comment="Prefers to be called after 17:00" if customer_id % 7 == 0 else None,
        )
    joe_record = state.customers[1]
    joe_record.mobile_number, joe_record.email_address = JOE_MOBILE, JOE_EMAIL
    state.customers[2].mobile_number = REFERENCE_MOBILE
    customers = list(state.customers)
    # Joe talks to the seeded Agent (the first open chat below); customer 10 waits.
    customers[0], customers[9] = customers[9], customers[0]
    reference: dict[int, ChatRecord] = {}
    # Nine chats waiting, three in each welcome-menu department's queue, a few
    # minutes old; the third (in Support, where the Agent does not work) is 406.
    waits = rng.sample(range(2, 55), 9)
    for index, customer_id in enumerate(customers[:9]):
        created = start - timedelta(minutes=waits[index], seconds=rng.randrange(60))
        chat = _chat(state, rng, customer_id, index % 3 + 1, created, UNASSIGNED, None, start)
        if index == 2:
            reference[WAITING_CHAT_ID] = chat
    # Eight open chats with agents; the first two with the seeded Agent (407 with
    # Joe, and 408).
    for index, customer_id in enumerate(customers[9:17]):
        created = start - timedelta(minutes=rng.randrange(10, 240))
        agent_id = 2 if index < 2 else rng.choice((2, 3, 4))
        department_id = rng.choice(state.agents[agent_id].department_ids)
        chat = _chat(state, rng, customer_id, department_id, created, OPEN, agent_id, start)
        if index < 2:
            reference[(JOES_CHAT_ID, AGENTS_CHAT_ID)[index]] = chat
    # Thirteen closed chats: the last three customers only have closed ones.
    history = customers[17:] + rng.sample(customers[:17], 10)
    for index, customer_id in enumerate(history):
        if index < 4:  # closed today
            created = start - timedelta(minutes=rng.randrange(90, 300))
        else:
            created = start - timedelta(days=rng.randrange(1, 15), minutes=rng.randrange(600))
        agent_id = rng.choice((1, 2, 3, 4))
        department_id = rng.choice(state.agents[agent_id].department_ids)
        _chat(state, rng, customer_id, department_id, created, CLOSED, agent_id, start)
    # The reference's example chats keep its IDs (406..408); the others are
    # numbered oldest first from 409, as a database would have numbered them.
    # Messages are numbered chat by chat, oldest chat first.
    chosen = {id(chat) for chat in reference.values()}
    others = sorted((c for c in state.chats.values() if id(c) not in chosen), key=_created)
    state.chats.clear()
    for chat_id, chat in [*sorted(reference.items()), *enumerate(others, 409)]:
        chat.chat_id = chat_id
        state.chats[chat_id] = chat
    message_id = 0
    for chat in sorted(state.chats.values(), key=_created):
        for message in chat.messages:
            message_id += 1
            message.message_id = message_id


def _created(chat: ChatRecord) -> datetime:
    return chat.created


def _chat(
    state: State,
    rng: random.Random,
    customer_id: int,
    department_id: int,
    created: datetime,
    status: ChatStatus,
    agent_id: int | None,
    limit: datetime,
) -> ChatRecord:
    """A chat with a history of messages, every time in it before ``limit``."""
    chat = ChatRecord(
        chat_id=len(state.chats) + 1, customer_id=customer_id, department_id=department_id,
        created=created, status=status, agent_id=agent_id,
        tag_ids=list(state.departments[department_id].auto_tag_ids),
    )  # fmt: skip
    customer = state.customers[customer_id]
    when = created
    count = rng.randrange(1, 3) if status == UNASSIGNED else rng.randrange(2, 7)
    for index in range(count):
        from_agent = status != UNASSIGNED and index % 2 == 1
        attachment = None
        if from_agent:
            agent_name = customer.full_name.split()[0]
            text = rng.choice(_AGENT_LINES).replace("#NAME#", agent_name)
            text = text.replace("#REF#", str(rng.randrange(10000, 99999)))
            if "price list" in text:
                attachment = AttachmentRecord(
                    name="price-list.pdf", content_type="application/pdf", data=_PDF
                )
        else:
            text = rng.choice(CUSTOMER_LINES)
            if "photo" in text:
                attachment = AttachmentRecord(
                    name="photo.jpg", content_type="image/jpeg", data=_JPEG
                )
        chat.messages.append(
            MessageRecord(
                message_id=0,
                sender="agent" if from_agent else "customer",
                text=text,
                sent_at=when,
                agent_id=agent_id if from_agent else None,
                attachment=attachment,
            )
        )
        when = min(when + timedelta(seconds=rng.randrange(20, 240)), limit)
    if status == CLOSED:
        chat.closed_at = min(when + timedelta(minutes=rng.randrange(1, 10)), limit)
        chat.tag_ids.append(rng.choice((4, 5, 6)))
    state.chats[chat.chat_id] = chat
    return chat
