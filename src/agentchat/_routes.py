"""The endpoint table: every AgentChat API call as data.

One ``Route`` per endpoint of the reference, in the reference's order: its HTTP
method, path, retry class and whether it needs a ``SessionToken``. The client's
methods, the request pipeline, and the tests all read this table; no path string
appears anywhere else.
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

__all__ = ["ROUTES", "Retry", "Route"]


class Retry(enum.Enum):
    """How an endpoint may be retried (see docs/errors.md, "Retries").

    Attributes:
        READ: ``"read"``: safe, no state changes. Retried on connection errors,
            timeouts, 429 and 502-504.
        IDEMPOTENT: ``"idempotent"``: repeating leaves the same state. Retried like ``READ``.
        UNSAFE: ``"unsafe"``: not safe to repeat. Resent only when the request
            provably never reached the server (connect errors, 429 and 503 refusals).
    """

    READ = "read"
    IDEMPOTENT = "idempotent"
    UNSAFE = "unsafe"


@attrs.frozen
class Route:
    """One endpoint of the AgentChat API."""

    name: str
    method: str
    path: str
    retry: Retry
    session: bool

    @property
    def safe(self) -> bool:
        """Whether repeating the call can never do harm (read or idempotent)."""
        return self.retry is not Retry.UNSAFE


READ: Final = Retry.READ
IDEMPOTENT: Final = Retry.IDEMPOTENT
UNSAFE: Final = Retry.UNSAFE


def _route(name: str, method: str, retry: Retry, *, session: bool) -> Route:
    return Route(name=name, method=method, path=f"/api/{name}", retry=retry, session=session)


# fmt: off
AGENT_LOGON = _route("AgentLogon", "POST", IDEMPOTENT, session=False)
SET_PASSWORD = _route("SetPassword", "POST", UNSAFE, session=False)
REQUEST_PASSWORD_RESET = _route("RequestPasswordReset", "GET", UNSAFE, session=True)
AGENT_LOGOFF = _route("AgentLogoff", "GET", IDEMPOTENT, session=True)
SEND_MESSAGE = _route("SendMessage", "POST", UNSAFE, session=True)
ADD_COMMENT = _route("AddComment", "POST", UNSAFE, session=True)
TRANSFER_CHAT = _route("TransferChat", "GET", IDEMPOTENT, session=True)
REASSIGN_CHAT = _route("ReAssignChat", "GET", IDEMPOTENT, session=True)
GRAB_CHAT = _route("GrabChat", "GET", UNSAFE, session=True)
GET_CHAT_LIST = _route("GetChatList", "GET", READ, session=True)
EXPORT_CHAT = _route("ExportChat", "GET", READ, session=True)
CLOSE_CHAT = _route("CloseChat", "GET", IDEMPOTENT, session=True)
ASSIGN_CHAT = _route("AssignChat", "GET", IDEMPOTENT, session=True)
CREATE_AGENT = _route("CreateAgent", "POST", UNSAFE, session=True)
KEEP_ALIVE = _route("KeepAlive", "GET", READ, session=True)
UPDATE_AGENT = _route("UpdateAgent", "POST", IDEMPOTENT, session=True)
CREATE_DEPARTMENT = _route("CreateDepartment", "POST", UNSAFE, session=True)
UPDATE_DEPARTMENT = _route("UpdateDepartment", "POST", IDEMPOTENT, session=True)
GET_DEPARTMENT_LIST = _route("GetDepartmentList", "GET", READ, session=True)
UPDATE_CUSTOMER = _route("UpdateCustomer", "POST", IDEMPOTENT, session=True)
FIND_CUSTOMER = _route("FindCustomer", "GET", READ, session=True)
ADD_TAG = _route("AddTag", "POST", IDEMPOTENT, session=True)
CREATE_TAG = _route("CreateTag", "POST", UNSAFE, session=True)
REMOVE_TAG = _route("RemoveTag", "POST", IDEMPOTENT, session=True)
UPDATE_TAG = _route("UpdateTag", "POST", IDEMPOTENT, session=True)
DELETE_TAG = _route("DeleteTag", "DELETE", IDEMPOTENT, session=True)
CREATE_TAG_GROUP = _route("CreateTagGroup", "POST", UNSAFE, session=True)
UPDATE_TAG_GROUP = _route("UpdateTagGroup", "POST", IDEMPOTENT, session=True)
CREATE_CANNED_RESPONSE = _route("CreateCannedResponse", "POST", UNSAFE, session=True)
UPDATE_CANNED_RESPONSE = _route("UpdateCannedResponse", "POST", IDEMPOTENT, session=True)
DELETE_CANNED_RESPONSE = _route("DeleteCannedResponse", "DELETE", IDEMPOTENT, session=True)
UPDATE_WORKING_HOURS = _route("UpdateWorkingHours", "POST", IDEMPOTENT, session=True)
CREATE_REPORT_SCHEDULE = _route("CreateReportSchedule", "POST", UNSAFE, session=True)
LIVE_METRICS = _route("LiveMetrics", "GET", READ, session=True)
GET_REPORTS = _route("GetReports", "GET", READ, session=True)
DATA_INSIGHT = _route("DataInsight", "GET", READ, session=True)
DELETE_REPORT_SCHEDULE = _route("DeleteReportSchedule", "DELETE", IDEMPOTENT, session=True)
CREATE_RECIPIENT = _route("CreateRecipient", "POST", UNSAFE, session=True)
GET_RECIPIENTS = _route("GetRecipients", "GET", READ, session=True)
DELETE_RECIPIENT = _route("DeleteRecipient", "DELETE", IDEMPOTENT, session=True)
UPDATE_SETTINGS = _route("UpdateSettings", "POST", IDEMPOTENT, session=True)
GET_SETTINGS = _route("GetSettings", "GET", READ, session=True)
# fmt: on

#: Every route by API name, in the reference's order.
ROUTES: Final[dict[str, Route]] = {
    route.name: route for route in globals().copy().values() if isinstance(route, Route)
}
