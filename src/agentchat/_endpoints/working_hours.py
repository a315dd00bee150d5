"""Working hours: UpdateWorkingHours."""

from __future__ import annotations

from collections.abc import Sequence

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from .._exceptions import InvalidRequestError
from ..models import WorkingDay

__all__ = ["WorkingHoursEndpoints"]


class WorkingHoursEndpoints(ClientBase):
    """The reference's "Working hours" group."""

    async def update_working_hours(self, days: Sequence[WorkingDay]) -> None:
        """Set the working week, one `WorkingDay` per weekday given (Managers only).

        `POST /api/UpdateWorkingHours` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            days: The days (`Days`): a non-empty list or tuple of `WorkingDay`
                (each checks its weekday, 1 to 7, and its `"HH:MM"` times when
                built), no weekday twice.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: `days` is empty, not a list or tuple of
                `WorkingDay`, or names a weekday twice; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        checked = check.sequence_of(WorkingDay, days, "days")
        seen = [day.day for day in checked]
        if len(set(seen)) != len(seen):
            raise InvalidRequestError("days must not name the same weekday twice")
        await self._send(routes.UPDATE_WORKING_HOURS, body={"Days": [d.to_wire() for d in checked]})
