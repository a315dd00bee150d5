"""What a handler works with: the call's fields, the caller, errors, the registry.

Handlers are plain functions ``(Call) -> Reply``, one per API name, registered
with ``@handler("SendMessage")``. They validate everything first and change
state only once nothing can fail, so a refused request leaves no trace.

Field rules, as a validating server applies them (GET and DELETE calls take
their fields from the query, POST calls from the JSON body):

* ``integer`` fields: a JSON number without a fraction, or a string of digits
  (the reference's own examples quote numbers: ``"ChatID": "407"``); a boolean
  is refused;
* ``string`` fields: a JSON string (a number is refused);
* ``boolean`` fields: ``true``/``false`` in a body, ``true``/``false`` (any case)
  in a query;
* arrays: a JSON array whose items follow the rules above;
* ``null`` is the same as absent;
* field names match case-insensitively (``chatId`` fills ``ChatID``), as
  ASP.NET model binding does; unknown fields are ignored.

A broken rule answers ``400`` with ``{"Message": "..."}`` naming the field.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from .._routes import ROUTES, Route
from ..models import Model
from ._state import (
    MANAGER,
    AgentRecord,
    ChatRecord,
    CustomerRecord,
    DepartmentRecord,
    JournalEntry,
    State,
    TagRecord,
)

__all__ = [
    "HANDLERS",
    "MANAGER_ONLY",
    "ApiError",
    "Call",
    "Csv",
    "Fields",
    "Handler",
    "Json",
    "Reply",
    "handler",
]

T = TypeVar("T")

_INT32_MAX: Final = 2**31 - 1
_DIGITS: Final = re.compile(r"[+-]?\d+")
_HHMM: Final = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

#: The administration calls an Agent (RoleID 1) is refused with 403, and the
#: words of the refusal: "Only managers may <words>". UpdateAgent is not here:
#: an Agent may update their own record (not their role, departments or
#: Enabled); see its handler.
MANAGER_ONLY: Final[Mapping[str, str]] = {
    "CreateAgent": "create agents",
    "CreateDepartment": "create departments",
    "UpdateDepartment": "update departments",
    "CreateTag": "create tags",
    "UpdateTag": "update tags",
    "DeleteTag": "delete tags",
    "CreateTagGroup": "create tag groups",
    "UpdateTagGroup": "update tag groups",
    "CreateCannedResponse": "create canned responses",
    "UpdateCannedResponse": "update canned responses",
    "DeleteCannedResponse": "delete canned responses",
    "UpdateWorkingHours": "update working hours",
    "CreateReportSchedule": "create report schedules",
    "DeleteReportSchedule": "delete report schedules",
    "CreateRecipient": "create report recipients",
    "DeleteRecipient": "delete report recipients",
    "UpdateSettings": "update settings",
}


class ApiError(Exception):
    """An error answer: ``status`` with ``{"Message": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


@attrs.frozen
class Csv:
    """A CSV answer (``text/csv; charset=utf-8``)."""

    text: str


@attrs.frozen
class Json:
    """A JSON answer given as plain data (keys already in PascalCase)."""

    data: Any


#: What a handler returns: nothing (200, empty body), a client model or a list
#: of them (unstructured to the wire), plain JSON data, or CSV text.
Reply = None | Model | Sequence[Model] | Json | Csv


class Fields:
    """A call's fields, read by type; errors name the field."""

    def __init__(self, data: Mapping[str, Any], *, in_query: bool, prefix: str = "") -> None:
        self._data = _CaseInsensitive(data)
        self.in_query = in_query
        #: Put before field names in messages (``"Days[2]."``).
        self.prefix = prefix

    def nested(self, data: Mapping[str, Any], prefix: str) -> Fields:
        """The fields of an object inside this call's body (an item of ``Days``)."""
        return Fields(data, in_query=False, prefix=self.prefix + prefix)

    def given(self, name: str) -> bool:
        return self._data.get(name) is not None

    def _required(self, name: str, value: T | None) -> T:
        if value is None:
            raise bad(f"{self.prefix}{name} is required")
        return value

    # -- integers -------------------------------------------------------------

    def opt_integer(self, name: str) -> int | None:
        value = self._data.get(name)
        return None if value is None else _integer(value, self.prefix + name)

    def integer(self, name: str) -> int:
        return self._required(name, self.opt_integer(name))

    def opt_integers(self, name: str) -> list[int] | None:
        values = self._list(name)
        if values is None:
            return None
        return [
            _integer(value, f"{self.prefix}{name}[{index}]") for index, value in enumerate(values)
        ]

    def integers(self, name: str) -> list[int]:
        return self._required(name, self.opt_integers(name))

    # -- text -----------------------------------------------------------------

    def opt_text(self, name: str) -> str | None:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise bad(f"{self.prefix}{name} must be a string")
        if not value.strip():
            raise bad(f"{self.prefix}{name} must not be empty")
        return value

    def text(self, name: str) -> str:
        return self._required(name, self.opt_text(name))

    def opt_texts(self, name: str) -> list[str] | None:
        values = self._list(name)
        if values is None:
            return None
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise bad(f"{self.prefix}{name}[{index}] must be a non-empty string")
        return [str(value) for value in values]

    def texts(self, name: str) -> list[str]:
        return self._required(name, self.opt_texts(name))

    def opt_email(self, name: str) -> str | None:
        value = self.opt_text(name)
        if value is None:
            return None
        value = value.strip()
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value:
            raise bad(f"{self.prefix}{name} is not an email address")
        return value

    def email(self, name: str) -> str:
        return self._required(name, self.opt_email(name))

    def time_of_day(self, name: str) -> str:
        value = self.text(name)
        if not _HHMM.fullmatch(value):
            raise bad(f'{self.prefix}{name} must be a 24-hour "HH:MM" time')
        return value

    # -- booleans and objects -------------------------------------------------

    def opt_boolean(self, name: str) -> bool | None:
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        if self.in_query and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad(f"{self.prefix}{name} must be true or false")

    def boolean(self, name: str) -> bool:
        return self._required(name, self.opt_boolean(name))

    def objects(self, name: str) -> list[Mapping[str, Any]]:
        values = self._required(name, self._list(name))
        for index, value in enumerate(values):
            if not isinstance(value, Mapping):
                raise bad(f"{self.prefix}{name}[{index}] must be an object")
        return list(values)

    def _list(self, name: str) -> list[Any] | None:
        value = self._data.get(name)
        if value is None:
            return None
        if self.in_query or not isinstance(value, list):
            raise bad(f"{self.prefix}{name} must be an array")
        return value


class _CaseInsensitive(Mapping[str, Any]):
    """A read-only view of an object whose keys match in any case."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = {key.lower(): value for key, value in data.items()}

    def __getitem__(self, key: str) -> Any:
        return self._data[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _integer(value: Any, name: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None:
        raise bad(f"{name} must be an integer")
    if not -_INT32_MAX <= number <= _INT32_MAX:
        raise bad(f"{name} is out of range")
    return number


@attrs.define(kw_only=True, eq=False)
class Call:
    """One request, as a handler sees it."""

    route: Route
    fields: Fields
    state: State
    #: The caller (``None`` for AgentLogon and SetPassword).
    agent: AgentRecord | None
    #: The session token used (``None`` for AgentLogon and SetPassword).
    token: str | None
    #: The simulator clock's reading and the simulated wall-clock time.
    clock: float
    now: datetime
    rng: random.Random
    #: ``SimulatorConfig.seed``, for figures that must not change between reads.
    seed: int
    journal: list[JournalEntry]
    #: ``SimulatorConfig.one_session_per_agent``: AgentLogon ends the agent's
    #: earlier sessions.
    one_session_per_agent: bool = False

    @property
    def caller(self) -> AgentRecord:
        assert self.agent is not None, "a session endpoint always has a caller"
        return self.agent

    @property
    def is_manager(self) -> bool:
        return self.agent is not None and self.agent.role_id == MANAGER

    def record(self, **fields: Any) -> None:
        """Journal this (processed, unsafe) call."""
        self.journal.append(
            JournalEntry(
                endpoint=self.route.name,
                time=self.clock,
                at=self.now,
                agent_id=self.agent.agent_id if self.agent else None,
                agent_email=self.agent.email_address if self.agent else None,
                fields=fields,
            )
        )

    # -- lookups: 404 naming the field -------------------------------------

    def chat(self, chat_id: int, field: str = "ChatID") -> ChatRecord:
        return _find(self.state.chats, chat_id, field, "chat")

    def customer(self, customer_id: int, field: str = "CustomerID") -> CustomerRecord:
        return _find(self.state.customers, customer_id, field, "customer")

    def agent_record(self, agent_id: int, field: str = "AgentID") -> AgentRecord:
        return _find(self.state.agents, agent_id, field, "agent")

    def department(self, department_id: int, field: str = "DepartmentID") -> DepartmentRecord:
        return _find(self.state.departments, department_id, field, "department")

    def tag(self, tag_id: int, field: str = "TagID") -> TagRecord:
        return _find(self.state.tags, tag_id, field, "tag")

    def find(self, table: Mapping[int, T], key: int, field: str, what: str) -> T:
        return _find(table, key, field, what)


def _find(table: Mapping[int, T], key: int, field: str, what: str) -> T:
    record = table.get(key)
    if record is None:
        raise not_found(f"No {what} with {field} {key}")
    return record


Handler = Callable[[Call], Reply]

#: API name -> its handler; filled by the ``_handlers_*`` modules.
HANDLERS: dict[str, Handler] = {}


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register the handler of endpoint ``name``: exactly one per route of ``ROUTES``."""

    def register(fn: Handler) -> Handler:
        if name not in ROUTES:
            raise LookupError(f"{fn.__name__}: {name!r} is not an endpoint of _routes.ROUTES")
        if name in HANDLERS:
            raise LookupError(
                f"{name} has two handlers: {HANDLERS[name].__name__} and {fn.__name__}"
            )
        HANDLERS[name] = fn
        return fn

    return register
