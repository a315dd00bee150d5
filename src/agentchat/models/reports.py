"""Reports: the report catalogue, schedules, live metrics and data insight."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._base import Listing, Model

__all__ = [
    "DataInsight",
    "InsightPoint",
    "LiveMetrics",
    "Period",
    "Report",
    "ReportList",
    "ReportSchedule",
]


class Period(str, enum.Enum):
    """How DataInsight groups its figures (its ``Period``), sent as the word.

    ``data_insight()`` takes a member or its word (``"week"``, the reference's
    example).

    Attributes:
        DAY: ``"day"``: one point per day.
        WEEK: ``"week"``: one point per week.
        MONTH: ``"month"``: one point per month.
        YEAR: ``"year"``: one point per year.
    """

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@attrs.frozen(kw_only=True)
class Report(Model):
    """A report that can be scheduled (GetReports).

    Attributes:
        report_id: Its ID (``ReportID``), the one ``create_report_schedule()`` takes.
        name: Its name.
        description: What it shows.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    report_id: int
    name: str | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class ReportList(Listing[Report], Model):
    """The reports GetReports returned; reads as a tuple of them.

    Attributes:
        reports: The reports, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    reports: tuple[Report, ...] = ()

    @property
    def _items(self) -> tuple[Report, ...]:
        return self.reports


@attrs.frozen(kw_only=True)
class ReportSchedule(Model):
    """A report schedule, as CreateReportSchedule may return it.

    Attributes:
        schedule_id: Its ID (``ScheduleID``), the one
            ``delete_report_schedule()`` takes.
        recipient_id: Who receives the report (``RecipientID``).
        report_id: Which report is sent (``ReportID``).
        format: The report's format, as given (e.g. ``"CSV"``).
        grouping: How its figures are grouped, as given (e.g. ``("WEEK", "MONTH")``).
        delivery: How it is delivered, as given (e.g. ``"EMAIL"``).
        scheduled_days: The weekdays it is sent on, 1 (Monday) to 7 (Sunday)
            as in ``Weekday`` (``ScheduledDay``).
        scheduled_time: The time it is sent at, ``"HH:MM"`` (kept as text).
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    schedule_id: int
    recipient_id: int | None = None
    report_id: int | None = None
    format: str | None = None
    grouping: tuple[str, ...] = ()
    delivery: str | None = None
    scheduled_days: tuple[int, ...] = ()
    scheduled_time: str | None = None


@attrs.frozen(kw_only=True)
class LiveMetrics(Model):
    """Figures of the moment (LiveMetrics); any other figure is in ``extra``.

    Every field is ``None`` when the server does not send it.

    Attributes:
        chats_waiting: Chats waiting in the queues (unassigned).
        chats_open: Chats going on.
        chats_closed_today: Chats closed today.
        agents_online: Agents online now.
        average_wait_seconds: How long chats waited for an agent on average, in seconds.
        longest_wait_seconds: The longest wait, in seconds.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    chats_waiting: int | None = None
    chats_open: int | None = None
    chats_closed_today: int | None = None
    agents_online: int | None = None
    average_wait_seconds: float | None = None
    longest_wait_seconds: float | None = None


@attrs.frozen(kw_only=True)
class InsightPoint(Model):
    """One period of DataInsight: its figures, each ``None`` when not sent.

    Attributes:
        start: The period's first moment.
        label: The period's name, as the server writes it (``"2024-W08"``).
        chats: Chats in the period.
        new_customers: Customers seen for the first time in the period.
        average_wait_seconds: How long chats waited for an agent on average, in seconds.
        average_handling_seconds: How long agents spent on a chat on average, in seconds.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    start: datetime | None = None
    label: str | None = None
    chats: int | None = None
    new_customers: int | None = None
    average_wait_seconds: float | None = None
    average_handling_seconds: float | None = None


@attrs.frozen(kw_only=True)
class DataInsight(Listing[InsightPoint], Model):
    """Chat figures grouped by ``period`` (DataInsight); reads as a tuple of its points.

    Attributes:
        period: The grouping the server used (``"week"``...), as it wrote it.
        points: One ``InsightPoint`` per period, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    period: str | None = None
    points: tuple[InsightPoint, ...] = ()

    @property
    def _items(self) -> tuple[InsightPoint, ...]:
        return self.points
