"""Reports: CreateReportSchedule, LiveMetrics, GetReports, DataInsight, DeleteReportSchedule."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import DataInsight, LiveMetrics, Period, ReportList, ReportSchedule, Weekday
from ..models.working_hours import check_time, check_weekday

__all__ = ["ReportEndpoints"]


class ReportEndpoints(ClientBase):
    """The reference's "Reports" group."""

    async def create_report_schedule(
        self,
        recipient_id: int,
        report_id: int,
        format: str,
        grouping: Sequence[str],
        delivery: str,
        scheduled_days: Sequence[Weekday | int],
        scheduled_time: str,
    ) -> ReportSchedule | None:
        """Send a report to a recipient on given weekdays at a time (Managers only).

        `POST /api/CreateReportSchedule` · retry class **unsafe**: never resent once
        it may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            recipient_id: Who gets it (`RecipientID`): an int ID, 1 to 2147483647.
            report_id: Which report (`ReportID`, see `get_reports()`): an int ID,
                1 to 2147483647.
            format: The file format (`Format`), e.g. `"CSV"`: non-empty text,
                passed as given (the reference lists no closed set).
            grouping: The periods covered (`Grouping`), e.g. `["WEEK", "MONTH"]`:
                a list or tuple of non-empty text, passed as given.
            delivery: How it is delivered (`Delivery`), e.g. `"EMAIL"`: non-empty
                text, passed as given.
            scheduled_days: The weekdays it is sent on (`ScheduledDay`): a
                non-empty list or tuple of `Weekday` or 1 (Monday) to 7 (Sunday).
            scheduled_time: The time of day it is sent (`ScheduledTime`): 24-hour
                `"HH:MM"`, e.g. `"16:30"`.

        Returns:
            The new schedule when the server describes it (a bare ID is enough),
            else `None` (an empty answer, as documented).

        Raises:
            InvalidRequestError: A bad argument (an ID out of range, empty text,
                a weekday outside 1-7, a time not `"HH:MM"`); nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such recipient or report (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        days = check.sequence_of(object, scheduled_days, "scheduled_days", what="weekdays")
        body = {
            "RecipientID": check.identifier(recipient_id, "recipient_id"),
            "ReportID": check.identifier(report_id, "report_id"),
            "Format": check.text(format, "format"),
            "Grouping": check.texts(grouping, "grouping"),
            "Delivery": check.text(delivery, "delivery"),
            "ScheduledDay": [
                int(check_weekday(day, f"scheduled_days[{i}]")) for i, day in enumerate(days)
            ],
            "ScheduledTime": check_time(scheduled_time, "scheduled_time"),
        }
        return await self._request_optional(
            routes.CREATE_REPORT_SCHEDULE, ReportSchedule, body=body
        )

    async def live_metrics(self) -> LiveMetrics:
        """The dashboard's figures of the moment: chats waiting, agents online...

        `GET /api/LiveMetrics` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Returns:
            The figures; each is `None` when the server does not send it.

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as metrics.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        return await self._request(routes.LIVE_METRICS, LiveMetrics)

    async def get_reports(self) -> ReportList:
        """The reports that can be scheduled.

        `GET /api/GetReports` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Returns:
            The reports in the server's order (empty for an empty answer).

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as reports.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        return await self._request(routes.GET_REPORTS, ReportList)

    async def data_insight(self, period: Period | str) -> DataInsight:
        """The dashboard's chat figures, grouped by a period.

        `GET /api/DataInsight` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Args:
            period: The grouping (`Period`): a `Period`, or `"day"`, `"week"`,
                `"month"` or `"year"` (any case).

        Returns:
            One point per period, in the server's order (none for an empty
            answer).

        Raises:
            InvalidRequestError: `period` is not one of the four; nothing was sent.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as figures.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query({"Period": check.enum_value(Period, period, "period").value})
        return await self._request(routes.DATA_INSIGHT, DataInsight, params=params)

    async def delete_report_schedule(self, schedule_id: int) -> None:
        """Delete a report schedule (Managers only).

        `DELETE /api/DeleteReportSchedule` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            schedule_id: The schedule (`ScheduleID`): an int ID, 1 to 2147483647.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad `schedule_id`; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such schedule (404), also when a retry finds it
                deleted by the attempt whose answer was lost.
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        params = check.query({"ScheduleID": check.identifier(schedule_id, "schedule_id")})
        await self._send(routes.DELETE_REPORT_SCHEDULE, params=params)
