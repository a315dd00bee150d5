"""Handlers of the Reports and Recipients calls.

* LiveMetrics is computed from the state at the moment of the call: chats
  waiting (unassigned) and how long, chats open, chats closed today (simulated
  wall clock), agents Online.
* DataInsight (``Period`` day, week, month or year, else 400) answers
  ``{"Period": ..., "Points": [...]}``, oldest first: the last 7 days, 8 ISO
  weeks, 6 months or 3 years. Each point counts the chats (and first-time
  customers) the state has in that period on top of a history drawn from the
  seed, so repeated reads give the same figures until chats are added.
* CreateReportSchedule needs an existing RecipientID and ReportID (404),
  non-empty Grouping and ScheduledDay (weekdays 1..7) and an ``"HH:MM"``
  ScheduledTime (400). DeleteRecipient also deletes the recipient's schedules.
* CreateRecipient refuses an e-mail address already used by a recipient (409).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Final

from ..models import DataInsight, InsightPoint, LiveMetrics
from ._context import ApiError, Call, Reply, bad, handler
from ._render import recipient_model, report_model, schedule_model
from ._state import CLOSED, ONLINE, OPEN, UNASSIGNED, RecipientRecord, ReportScheduleRecord

__all__: list[str] = []

_PERIODS: Final = {"day": 7, "week": 8, "month": 6, "year": 3}
#: The seeded history's chats per period (low, high).
_HISTORY: Final = {"day": (20, 60), "week": (150, 400), "month": (600, 1600), "year": (8000, 16000)}


@handler("CreateReportSchedule")
def create_report_schedule(call: Call) -> Reply:
    fields = call.fields
    recipient = call.find(
        call.state.recipients, fields.integer("RecipientID"), "RecipientID", "recipient"
    )
    report = call.find(call.state.reports, fields.integer("ReportID"), "ReportID", "report")
    format_ = fields.text("Format")
    grouping = fields.texts("Grouping")
    if not grouping:
        raise bad("Grouping must not be empty")
    delivery = fields.text("Delivery")
    days = fields.integers("ScheduledDay")
    if not days:
        raise bad("ScheduledDay must not be empty")
    for index, day in enumerate(days):
        if not 1 <= day <= 7:
            raise bad(f"ScheduledDay[{index}] must be a weekday 1..7 (Monday is 1)")
    time_ = fields.time_of_day("ScheduledTime")
    schedule_id = call.state.new_id("schedule")
    schedule = ReportScheduleRecord(
        schedule_id=schedule_id, recipient_id=recipient.recipient_id, report_id=report.report_id,
        format=format_, grouping=list(dict.fromkeys(grouping)), delivery=delivery,
        scheduled_days=sorted(set(days)), scheduled_time=time_,
    )  # fmt: skip
    call.state.schedules[schedule_id] = schedule
    call.record(
        created_id=schedule_id, recipient_id=recipient.recipient_id, report_id=report.report_id
    )
    return schedule_model(schedule)


@handler("LiveMetrics")
def live_metrics(call: Call) -> Reply:
    chats = list(call.state.chats.values())
    waits = [(call.now - c.created).total_seconds() for c in chats if c.status == UNASSIGNED]
    today = call.now.date()
    return LiveMetrics(
        chats_waiting=len(waits),
        chats_open=sum(1 for c in chats if c.status == OPEN),
        chats_closed_today=sum(
            1 for c in chats if c.status == CLOSED and c.closed_at and c.closed_at.date() == today
        ),
        agents_online=sum(
            1 for a in call.state.agents.values() if a.status_id == ONLINE and a.enabled
        ),
        average_wait_seconds=round(sum(waits) / len(waits), 1) if waits else 0.0,
        longest_wait_seconds=round(max(waits), 1) if waits else 0.0,
    )


@handler("GetReports")
def get_reports(call: Call) -> Reply:
    return [report_model(r) for r in call.state.reports.values()]


def _periods(period: str, now: datetime) -> list[tuple[datetime, datetime, str]]:
    """(start, end, label) of the last periods, oldest first."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts: list[datetime] = []
    count = _PERIODS[period]
    if period == "day":
        starts = [midnight - timedelta(days=n) for n in range(count)]
    elif period == "week":
        monday = midnight - timedelta(days=midnight.weekday())
        starts = [monday - timedelta(weeks=n) for n in range(count)]
    elif period == "month":
        year, month = midnight.year, midnight.month
        for _ in range(count):
            starts.append(midnight.replace(year=year, month=month, day=1))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    else:
        starts = [midnight.replace(year=midnight.year - n, month=1, day=1) for n in range(count)]
    starts.reverse()
    ends = [*starts[1:], now + timedelta(microseconds=1)]
    return [(start, end, _label(period, start)) for start, end in zip(starts, ends, strict=True)]


def _label(period: str, start: datetime) -> str:
    if period == "day":
        return start.date().isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    return str(start.year)


@handler("DataInsight")
def data_insight(call: Call) -> Reply:
    period = call.fields.text("Period").strip().lower()
    if period not in _PERIODS:
        raise bad("Period must be one of day, week, month, year")
    chats = list(call.state.chats.values())
    first_chat: dict[int, datetime] = {}
    for chat in chats:
        known = first_chat.get(chat.customer_id)
        if known is None or chat.created < known:
            first_chat[chat.customer_id] = chat.created
    points = []
    for start, end, label in _periods(period, call.now):
        history = random.Random(f"{call.seed}:{period}:{label}")  # noqa: S311 - figures
        low, high = _HISTORY[period]
        base = history.randrange(low, high)
        real = sum(1 for c in chats if start <= c.created < end)
        new = sum(1 for created in first_chat.values() if start <= created < end)
        points.append(
            InsightPoint(
                start=start,
                label=label,
                chats=base + real,
                new_customers=int(base * history.uniform(0.15, 0.3)) + new,
                average_wait_seconds=round(history.uniform(20, 90), 1),
                average_handling_seconds=round(history.uniform(180, 420), 1),
            )
        )
    return DataInsight(period=period, points=tuple(points))


@handler("DeleteReportSchedule")
def delete_report_schedule(call: Call) -> Reply:
    schedule = call.find(
        call.state.schedules, call.fields.integer("ScheduleID"), "ScheduleID", "report schedule"
    )
    del call.state.schedules[schedule.schedule_id]
    return None


@handler("CreateRecipient")
def create_recipient(call: Call) -> Reply:
    full_name = call.fields.text("FullName")
    email = call.fields.email("EmailAddress")
    for other in call.state.recipients.values():
        if other.email_address.lower() == email.lower():
            raise ApiError(409, f"A recipient with EmailAddress {email} already exists")
    recipient_id = call.state.new_id("recipient")
    recipient = RecipientRecord(recipient_id=recipient_id, full_name=full_name, email_address=email)
    call.state.recipients[recipient_id] = recipient
    call.record(created_id=recipient_id, full_name=full_name, email_address=email)
    return recipient_model(recipient)


@handler("GetRecipients")
def get_recipients(call: Call) -> Reply:
    return [recipient_model(r) for r in call.state.recipients.values()]


@handler("DeleteRecipient")
def delete_recipient(call: Call) -> Reply:
    recipient = call.find(
        call.state.recipients, call.fields.integer("RecipientID"), "RecipientID", "recipient"
    )
    del call.state.recipients[recipient.recipient_id]
    for schedule_id in [
        s.schedule_id
        for s in call.state.schedules.values()
        if s.recipient_id == recipient.recipient_id
    ]:
        del call.state.schedules[schedule_id]
    return None
