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
    """How DataInsight groups its data. The reference's example is ``week``."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@attrs.frozen(kw_only=True)
class Report(Model):
    """A report that can be scheduled (GetReports)."""

    report_id: int
    name: str | None = None
    description: str | None = None


@attrs.frozen(kw_only=True)
class ReportList(Listing[Report], Model):
    """The reports GetReports returned; reads as a tuple of them."""

    reports: tuple[Report, ...] = ()

    @property
    def _items(self) -> tuple[Report, ...]:
        return self.reports


@attrs.frozen(kw_only=True)
class ReportSchedule(Model):
    """A report schedule, as CreateReportSchedule may return it."""

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
    """Figures of the moment (LiveMetrics); any other figure is in ``extra``."""

    chats_waiting: int | None = None
    chats_open: int | None = None
    chats_closed_today: int | None = None
    agents_online: int | None = None
    average_wait_seconds: float | None = None
    longest_wait_seconds: float | None = None


@attrs.frozen(kw_only=True)
class InsightPoint(Model):
    """One period of DataInsight."""

    start: datetime | None = None
    label: str | None = None
    chats: int | None = None
    new_customers: int | None = None
    average_wait_seconds: float | None = None
    average_handling_seconds: float | None = None


@attrs.frozen(kw_only=True)
class DataInsight(Listing[InsightPoint], Model):
    """Chat figures grouped by ``period`` (DataInsight)."""

    period: str | None = None
    points: tuple[InsightPoint, ...] = ()

    @property
    def _items(self) -> tuple[InsightPoint, ...]:
        return self.points
