"""Working hours: what UpdateWorkingHours takes, one ``WorkingDay`` per weekday."""

from __future__ import annotations

import enum
import re
from typing import Any, Final

import attrs

from .._exceptions import InvalidRequestError
from .._validation import got

__all__ = ["Weekday", "WorkingDay"]

_HHMM: Final = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


class Weekday(enum.IntEnum):
    """Day numbers as the API counts them: Monday is 1, Sunday 7 (ISO 8601).

    Sent and read as the number. ``WorkingDay(day=...)`` and
    ``create_report_schedule(scheduled_days=...)`` take a member or its number.

    Attributes:
        MONDAY: ``1``.
        TUESDAY: ``2``.
        WEDNESDAY: ``3``.
        THURSDAY: ``4``.
        FRIDAY: ``5``.
        SATURDAY: ``6``.
        SUNDAY: ``7``.
    """

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


def check_time(value: Any, name: str) -> str:
    """An ``"HH:MM"`` 24-hour time, or ``InvalidRequestError`` naming ``name``."""
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise InvalidRequestError(f'{name} must be a 24-hour "HH:MM" time, got {got(value)}')
    return value


def check_weekday(value: Any, name: str) -> Weekday:
    """A ``Weekday`` from the enum or its number 1..7."""
    if isinstance(value, Weekday):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return Weekday(value)
    raise InvalidRequestError(f"{name} must be a weekday 1..7 (Monday is 1), got {got(value)}")


def _to_weekday(value: Any) -> Weekday:
    return check_weekday(value, "day")


@attrs.frozen(kw_only=True)
class WorkingDay:
    """One day of the working week: open from ``start_time`` to ``end_time``.

    What ``update_working_hours()`` takes, one per weekday. Checked when built,
    so a bad value never reaches the server.

    Example:
        ```python
        week = [WorkingDay(day=day, start_time="08:00", end_time="17:30") for day in range(1, 6)]
        week += [WorkingDay(day=Weekday.SATURDAY, enabled=False)]
        await chat.update_working_hours(week)
        ```

    Attributes:
        day: The weekday: a ``Weekday``, or its number when built (Monday is 1).
        enabled: Whether the day is a working day; a closed day is
            ``enabled=False`` (its times default to ``"00:00"``).
        start_time: When the day starts, a 24-hour ``"HH:MM"``.
        end_time: When it ends, ``"HH:MM"``, after ``start_time`` on an open day.

    Raises:
        InvalidRequestError: ``day`` is not 1 to 7, ``enabled`` is not a bool, a
            time is not ``"HH:MM"``, or an open day does not end after it starts.
    """

    day: Weekday = attrs.field(converter=_to_weekday)
    enabled: bool = True
    start_time: str = "00:00"
    end_time: str = "00:00"

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise InvalidRequestError(f"enabled must be a bool, got {got(self.enabled)}")
        check_time(self.start_time, "start_time")
        check_time(self.end_time, "end_time")
        if self.enabled and self.end_time <= self.start_time:
            raise InvalidRequestError(
                f"{self.day.name.title()}: end_time {self.end_time} is not after "
                f"start_time {self.start_time}"
            )

    def to_wire(self) -> dict[str, Any]:
        """The day as UpdateWorkingHours' ``Days`` items: ``Day``, ``Enabled``,
        ``StartTime``, ``EndTime``."""
        return {
            "Day": int(self.day),
            "Enabled": self.enabled,
            "StartTime": self.start_time,
            "EndTime": self.end_time,
        }
