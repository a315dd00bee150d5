"""The data a new simulator starts with, generated from its seed.

A small South African contact centre: one manager and four agents (three of
them Online), three departments with welcome messages, tag groups and tags,
canned responses, twenty customers and thirty chats in every state (waiting in
each department's queue, open with an agent, closed) with message histories and
a few attachments, Monday-to-Friday working hours, three reports, two
recipients, a report schedule and the company settings.

Fixed names and credentials (the ``*_EMAIL``/``*_PASSWORD`` constants) do not
depend on the seed; customers, phone numbers, chat histories and times do.
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
    "AGENT_EMAIL",
    "AGENT_PASSWORD",
    "DEMO_TAG_ID",
    "MANAGER_EMAIL",
    "MANAGER_PASSWORD",
    "CUSTOMER_LINES",
    "seed_state",
]

MANAGER_EMAIL: Final = "thandi.nkosi@example.com"
MANAGER_PASSWORD: Final = "manager-password-1"  # noqa: S105 - published test account
AGENT_EMAIL: Final = "jack.rabbit@example.com"
AGENT_PASSWORD: Final = "agent-password-1"  # noqa: S105 - published test account
#: An enabled tag ("Warranty Enquiries") for demos.
DEMO_TAG_ID: Final = 1

_AGENTS: Final = (
    # name, email, password, role, status, departments
    ("Thandi Nkosi", MANAGER_EMAIL, MANAGER_PASSWORD, MANAGER, ONLINE, [1, 2, 3]),
    ("Jack Rabbit", AGENT_EMAIL, AGENT_PASSWORD, AGENT, ONLINE, [1, 2]),
    ("Priya Naidoo", "priya.naidoo@example.com", "agent-password-2", AGENT, ONLINE, [2, 3]),
    ("Sipho Dlamini", "sipho.dlamini@example.com", "agent-password-3", AGENT, BUSY, [1, 3]),
    ("Maria Santos", "maria.santos@example.com", "agent-password-4", AGENT, OFFLINE, [1]),
)

_DEPARTMENTS: Final = (
    ("Reception", "General enquiries"),
    ("Sales", "Buy a product"),
    ("Support", "Help with a product"),
)

_TAG_GROUPS: Final = (
    ("Product Enquiries", True, ("Warranty Enquiries", "Pricing", "Delivery")),
    ("Outcome", True, ("Resolved", "Escalated", "Follow-up")),
    ("Archived", False, ("Legacy",)),
)

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
            include_in_welcome_menu=True,
            name_in_menu=menu_name,
            welcome_returning=(
                "Welcome back #CUSTOMERNAME#. You are number #POSITIONINQUEUE# in the "
                "#DEPARTMENTNAME# queue"
            ),
            welcome_new=(
                "Welcome to #DEPARTMENTNAME#. You are number #POSITIONINQUEUE# in the queue. "
                "We process your personal information in line with POPIA."
            ),
            menu_index=department_id,
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
    numbers: set[str] = set()
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
    customers = list(state.customers)
    # Nine chats waiting, three in each department's queue, a few minutes old.
    waits = rng.sample(range(2, 55), 9)
    for index, customer_id in enumerate(customers[:9]):
        created = start - timedelta(minutes=waits[index], seconds=rng.randrange(60))
        _chat(state, rng, customer_id, index % 3 + 1, created, UNASSIGNED, None, start)
    # Eight open chats with agents; the first two with the seeded Agent.
    for index, customer_id in enumerate(customers[9:17]):
        created = start - timedelta(minutes=rng.randrange(10, 240))
        agent_id = 2 if index < 2 else rng.choice((2, 3, 4))
        department_id = rng.choice(state.agents[agent_id].department_ids)
        _chat(state, rng, customer_id, department_id, created, OPEN, agent_id, start)
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
    # Renumber chats oldest first, as a database would have numbered them.
    chats = sorted(state.chats.values(), key=lambda c: c.created)
    state.chats.clear()
    message_id = 0
    for chat_id, chat in enumerate(chats, 406):  # the reference's example IDs are 406..408
        chat.chat_id = chat_id
        state.chats[chat_id] = chat
        for message in chat.messages:
            message_id += 1
            message.message_id = message_id


def _chat(
    state: State,
    rng: random.Random,
    customer_id: int,
    department_id: int,
    created: datetime,
    status: ChatStatus,
    agent_id: int | None,
    limit: datetime,
) -> None:
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
