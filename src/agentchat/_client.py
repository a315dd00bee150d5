"""``AsyncAgentChat``: one coroutine method per endpoint of the AgentChat API.

Each method checks its arguments (``_validation``), builds the documented query
or body, and sends it through the one pipeline (``ClientBase._send``) with the
route from ``_routes``; configuration and lifecycle live in ``_base_client.py``.
Methods are grouped as the reference groups them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import _routes as routes
from . import _validation as check
from ._base_client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    DEFAULT_VERSION,
    ClientBase,
    ClientStats,
)
from ._csv import parse_export
from ._exceptions import InvalidRequestError, NotFoundError
from ._redaction import wrap
from ._response import format_error
from ._session import Credentials, check_password
from ._watch import ChatWatcher
from ._worker import ChatHandler, ChatWorker
from .models import (
    Agent,
    Attachment,
    CannedResponse,
    Chat,
    ChatExport,
    ChatList,
    ChatType,
    CustomerList,
    DataInsight,
    Department,
    DepartmentList,
    LiveMetrics,
    LogonResult,
    Period,
    Recipient,
    RecipientList,
    ReportList,
    ReportSchedule,
    Role,
    SentMessage,
    Settings,
    Status,
    Tag,
    TagGroup,
    Weekday,
    WorkingDay,
)
from .models.working_hours import check_time, check_weekday

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_VERSION",
    "AsyncAgentChat",
    "ClientStats",
]


class AsyncAgentChat(ClientBase):
    """An AgentChat session for one agent, as an async context manager.

    ::

        async with AsyncAgentChat("agent@example.com", "secret") as chat:
            for item in await chat.get_chat_list(chat_type="unassigned"):
                print(item.chat_id, item.customer_name)

    Entering logs on (AgentLogon) and starts a keep-alive task; leaving stops it,
    logs off (best effort, within ``logoff_timeout`` seconds, even when the block
    was cancelled) and closes the HTTP client if this object created it.

    These arguments fall back to an environment variable, then to a
    default: ``email_address``/``AGENTCHAT_EMAIL``,
    ``password``/``AGENTCHAT_PASSWORD``, ``base_url``/``AGENTCHAT_BASE_URL``
    (the documented host over HTTPS), ``version``/``AGENTCHAT_VERSION`` (``"1"``),
    ``api_key``/``AGENTCHAT_API_KEY`` (sent as the ``apikey`` header),
    ``transport``/``AGENTCHAT_TRANSPORT`` (``"httpx"``).

    ``http_client`` is an ``httpx.AsyncClient`` of the caller's; it is never
    closed here, and several clients (one per agent) can share it. Requests in
    flight are limited to its pool size (or ``max_concurrency``), so any number
    of concurrent callers queue instead of timing out on the pool.
    ``transport`` picks how requests go out: ``"httpx"`` (the default: an
    httpx client this object creates, with a lean connection pool),
    ``"aiohttp"`` (an aiohttp session; the ``aiohttp`` extra, asyncio only, the
    fastest), ``"pyreqwest"`` (a pyreqwest client, reqwest in Rust; the
    ``pyreqwest`` extra, asyncio only, Python 3.11+), or an
    ``httpx.AsyncBaseTransport`` for the httpx client this
    object creates (e.g. ``httpx.ASGITransport`` for an in-process server).
    Without ``transport`` and ``http_client``, ``AGENTCHAT_TRANSPORT`` is read.

    The connections this object opens (any wire) go through ``proxy`` (an
    http://, https:// or, on httpx with ``httpx[socks]``, socks5:// URL, its
    credentials as ``user:password@``; or an ``httpx.URL``/``httpx.Proxy``),
    else, with ``trust_env`` (the default), through the environment's proxy
    for ``base_url``, read as httpx reads it: ``HTTPS_PROXY`` (``HTTP_PROXY``
    for http://) or ``ALL_PROXY``, unless ``NO_PROXY`` holds the host.
    ``verify`` is the certificates trusted: an ``ssl.SSLContext`` (not on
    pyreqwest), or a CA file or directory (default: ``SSL_CERT_FILE``/``SSL_CERT_DIR``
    if set when the first client opens, else certifi's on httpx and the system's
    on aiohttp and pyreqwest; pyreqwest trusts a CA given here besides the
    system's). A caller's ``http_client`` or httpx transport is used as it is,
    with its own proxy and certificates; ``proxy`` and ``verify`` are refused
    with one.

    With ``opentelemetry-api`` installed (the ``otel`` extra), every call is a
    span and is measured (see the README's "Telemetry"), through the global
    providers or ``tracer_provider`` and ``meter_provider``; OpenTelemetry's
    generic HTTP client instrumentations stay out of the client's requests,
    whose URLs hold the session token.

    Optional parameters of the methods are keyword-only and, when not given,
    are not sent at all (never sent as ``null``).
    """

    # -- Authentication ------------------------------------------------------

    async def agent_logon(
        self, email_address: str | None = None, password: str | None = None
    ) -> LogonResult:
        """Log on again (AgentLogon), optionally as other credentials; adopt the new session.

        The client already logged on when its block was entered; call this to
        switch agent or to start a fresh session. Give both arguments or neither.
        Other credentials are kept only if AgentLogon accepts them: a refused
        switch raises ``LogonError`` and leaves the current session as it was.
        The previous session is not logged off (``agent_logoff()`` first ends it).
        """
        secret = wrap(password)  # before anything can raise: see check_password
        del password
        _, session = self._open_core()
        if (email_address is None) != (secret is None):
            raise InvalidRequestError("give both email_address and password, or neither")
        if email_address is not None and secret is not None:
            switch_to = Credentials(
                check.text(email_address, "email_address"), check_password(secret, "password")
            )
            return await session.logon(switch_to)
        return await session.logon()

    async def set_password(self, reset_code: str) -> None:
        """Set the password from a reset code (SetPassword). Not retried once sent."""
        body = {"ResetCode": check.text(reset_code, "reset_code")}
        await self._send(routes.SET_PASSWORD, body=body)

    async def request_password_reset(self, email_address: str) -> None:
        """Start a password reset for an agent (RequestPasswordReset). Not retried once sent."""
        params = {"EmailAddress": check.text(email_address, "email_address")}
        await self._send(routes.REQUEST_PASSWORD_RESET, params=params)

    async def agent_logoff(self) -> None:
        """End the session (AgentLogoff). The next call logs on again."""
        _, session = self._open_core()
        await session.logoff()

    # -- Chats ---------------------------------------------------------------

    async def send_message(
        self, chat_id: int | str, message_text: str, *, attachment: Attachment | None = None
    ) -> SentMessage:
        """Send a message, optionally with an attachment, to a chat (SendMessage).

        Never resent once it may have reached the server: a timeout or a dropped
        connection raises ``OutcomeUnknownError`` instead of risking a duplicate.
        """
        body = {
            "ChatID": check.id_text(chat_id, "chat_id"),
            "MessageText": check.text(message_text, "message_text"),
        }
        if attachment is not None:
            if not isinstance(attachment, Attachment):
                raise InvalidRequestError(
                    f"attachment must be an Attachment, got {type(attachment).__name__}"
                )
            body.update(attachment.to_wire())
        return await self._request(routes.SEND_MESSAGE, SentMessage, body=body)

    async def add_comment(self, customer_id: int, comment: str) -> None:
        """Add a comment to a customer with an active chat (AddComment). Not retried once sent."""
        body = {
            "CustomerID": check.identifier(customer_id, "customer_id"),
            "Comment": check.text(comment, "comment"),
        }
        await self._send(routes.ADD_COMMENT, body=body)

    async def transfer_chat(self, chat_id: int, department_id: int) -> None:
        """Move a chat to another department's queue (TransferChat)."""
        params = check.query(
            {
                "ChatID": check.identifier(chat_id, "chat_id"),
                "DepartmentID": check.identifier(department_id, "department_id"),
            }
        )
        await self._send(routes.TRANSFER_CHAT, params=params)

    async def reassign_chat(self, agent_id: int, *, chat_id: int | None = None) -> None:
        """Hand an assigned chat to another, online, agent (ReAssignChat)."""
        params = check.query(
            {
                "AgentID": check.identifier(agent_id, "agent_id"),
                "ChatID": check.optional(check.identifier, chat_id, "chat_id"),
            }
        )
        await self._send(routes.REASSIGN_CHAT, params=params)

    async def grab_chat(self) -> Chat | None:
        """Take the oldest unassigned chat of your departments (GrabChat).

        Returns the chat, or ``None`` when there is none to take (an empty
        answer, or 404). Not retried once sent: a lost answer raises
        ``OutcomeUnknownError`` (look at your open chats before grabbing again).
        """
        try:
            return await self._request_optional(routes.GRAB_CHAT, Chat)
        except NotFoundError:
            return None

    async def get_chat_list(self, *, chat_type: ChatType | str | None = None) -> ChatList:
        """List chats (GetChatList): all of them, or only open, unassigned or closed ones."""
        params = check.query({"ChatType": check.optional(_chat_type, chat_type, "chat_type")})
        return await self._request(routes.GET_CHAT_LIST, ChatList, params=params)

    async def export_chat(self, chat_id: int) -> ChatExport:
        """A chat's transcript as CSV (ExportChat): typed rows plus the original text."""
        chat_id = check.identifier(chat_id, "chat_id")
        response = await self._send(routes.EXPORT_CHAT, params=check.query({"ChatID": chat_id}))
        try:
            return parse_export(self._core.converter, response.content, chat_id=chat_id)
        except (ValueError, RecursionError) as exc:
            problem = f"is not a readable CSV: {exc}"
            raise format_error(routes.EXPORT_CHAT, response, problem) from exc

    async def close_chat(self, chat_id: int) -> None:
        """Close a chat (CloseChat)."""
        params = check.query({"ChatID": check.identifier(chat_id, "chat_id")})
        await self._send(routes.CLOSE_CHAT, params=params)

    async def assign_chat(self, chat_id: int, *, agent_id: int | None = None) -> None:
        """Assign a chat to an agent, yourself when ``agent_id`` is not given (AssignChat)."""
        params = check.query(
            {
                "ChatID": check.identifier(chat_id, "chat_id"),
                "AgentID": check.optional(check.identifier, agent_id, "agent_id"),
            }
        )
        await self._send(routes.ASSIGN_CHAT, params=params)

    # -- Agents --------------------------------------------------------------

    async def create_agent(
        self,
        name: str,
        email_address: str,
        role_id: Role | int,
        department_ids: Sequence[int],
        *,
        mobile_number: str | None = None,
    ) -> Agent | None:
        """Create an agent or manager (CreateAgent). Not retried once sent.

        Returns the new agent when the server describes it, else ``None``.
        """
        body = check.compact(
            {
                "Name": check.text(name, "name"),
                "EmailAddress": check.text(email_address, "email_address"),
                "MobileNumber": check.optional(check.text, mobile_number, "mobile_number"),
                # The reference types CreateAgent's RoleID as a string.
                "RoleID": str(check.enum_value(Role, role_id, "role_id").value),
                "DepartmentID": check.identifiers(department_ids, "department_ids"),
            }
        )
        return await self._request_optional(routes.CREATE_AGENT, Agent, body=body)

    async def keep_alive(self) -> None:
        """Refresh the session (KeepAlive). The client does this by itself when idle."""
        _, session = self._open_core()
        await session.keep_alive()

    async def update_agent(
        self,
        agent_id: int,
        name: str,
        email_address: str,
        role_id: Role | int,
        status_id: Status | int,
        *,
        mobile_number: str | None = None,
        notifications: Sequence[str] | None = None,
        department_ids: Sequence[int] | None = None,
        enabled: bool | None = None,
    ) -> None:
        """Update an agent's details (UpdateAgent)."""
        body = check.compact(
            {
                "AgentID": check.identifier(agent_id, "agent_id"),
                "Name": check.text(name, "name"),
                "MobileNumber": check.optional(check.text, mobile_number, "mobile_number"),
                "EmailAddress": check.text(email_address, "email_address"),
                "Notifications": check.optional(check.texts, notifications, "notifications"),
                "RoleID": check.enum_value(Role, role_id, "role_id").value,
                "StatusID": check.enum_value(Status, status_id, "status_id").value,
                "DepartmentID": check.optional(check.identifiers, department_ids, "department_ids"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_AGENT, body=body)

    # -- Departments ---------------------------------------------------------

    async def create_department(
        self,
        name: str,
        *,
        include_in_welcome_menu: bool | None = None,
        name_in_menu: str | None = None,
        welcome_returning: str | None = None,
        welcome_new: str | None = None,
        menu_index: int | None = None,
        enabled: bool | None = None,
        auto_tag_ids: Sequence[int] | None = None,
    ) -> Department | None:
        """Create a department (CreateDepartment). Not retried once sent."""
        body = _department_fields(
            {"Name": check.text(name, "name")},
            include_in_welcome_menu, name_in_menu, welcome_returning, welcome_new,
            menu_index, enabled, auto_tag_ids,
        )  # fmt: skip
        return await self._request_optional(routes.CREATE_DEPARTMENT, Department, body=body)

    async def update_department(
        self,
        department_id: int,
        *,
        name: str | None = None,
        include_in_welcome_menu: bool | None = None,
        name_in_menu: str | None = None,
        welcome_returning: str | None = None,
        welcome_new: str | None = None,
        menu_index: int | None = None,
        enabled: bool | None = None,
        auto_tag_ids: Sequence[int] | None = None,
    ) -> None:
        """Update a department; only the fields given change (UpdateDepartment)."""
        body = _department_fields(
            {
                "DepartmentID": check.identifier(department_id, "department_id"),
                "Name": check.optional(check.text, name, "name"),
            },
            include_in_welcome_menu, name_in_menu, welcome_returning, welcome_new,
            menu_index, enabled, auto_tag_ids,
        )  # fmt: skip
        await self._send(routes.UPDATE_DEPARTMENT, body=body)

    async def get_department_list(self) -> DepartmentList:
        """List the departments with their settings and messages (GetDepartmentList)."""
        return await self._request(routes.GET_DEPARTMENT_LIST, DepartmentList)

    # -- Customers -----------------------------------------------------------

    async def update_customer(
        self,
        customer_id: int,
        *,
        full_name: str | None = None,
        email_address: str | None = None,
        comment: str | None = None,
        tag_ids: Sequence[int] | None = None,
    ) -> None:
        """Update a customer; tags need the customer's chat to be active (UpdateCustomer)."""
        body = check.compact(
            {
                "CustomerID": check.identifier(customer_id, "customer_id"),
                "FullName": check.optional(check.text, full_name, "full_name"),
                "EmailAddress": check.optional(check.text, email_address, "email_address"),
                "Comment": check.optional(check.text, comment, "comment"),
                "TagID": check.optional(check.identifiers, tag_ids, "tag_ids"),
            }
        )
        await self._send(routes.UPDATE_CUSTOMER, body=body)

    async def find_customer(self, mobile_number: str, include_chats: bool) -> CustomerList:
        """Find customers by mobile number, in international format (FindCustomer)."""
        params = check.query(
            {
                "MobileNumber": check.text(mobile_number, "mobile_number"),
                "IncludeChats": check.boolean(include_chats, "include_chats"),
            }
        )
        return await self._request(routes.FIND_CUSTOMER, CustomerList, params=params)

    # -- Tags ----------------------------------------------------------------

    async def add_tag(
        self,
        *,
        chat_id: int | None = None,
        tag_id: int | None = None,
        customer_id: int | None = None,
    ) -> None:
        """Tag a chat, or a customer's active chat (AddTag): give ``chat_id`` or ``customer_id``.

        The reference spells the body field ``CustomrID``; the client sends that
        and ``CustomerID``, with the same value.
        """
        if (chat_id is None) == (customer_id is None):
            raise InvalidRequestError("add_tag needs exactly one of chat_id or customer_id")
        customer = check.optional(check.identifier, customer_id, "customer_id")
        body = check.compact(
            {
                "ChatID": check.optional(check.identifier, chat_id, "chat_id"),
                "TagID": check.optional(check.identifier, tag_id, "tag_id"),
                "CustomrID": customer,
                "CustomerID": customer,
            }
        )
        await self._send(routes.ADD_TAG, body=body)

    async def create_tag(self, tag_group_id: int, name: str, enabled: bool) -> Tag | None:
        """Create a tag in a tag group (CreateTag). Not retried once sent."""
        body = {
            "TagGroupID": check.identifier(tag_group_id, "tag_group_id"),
            "Name": check.text(name, "name"),
            "Enabled": check.boolean(enabled, "enabled"),
        }
        return await self._request_optional(routes.CREATE_TAG, Tag, body=body)

    async def remove_tag(self, chat_id: int, tag_id: int) -> None:
        """Remove a tag from a chat (RemoveTag)."""
        body = {
            "ChatID": check.identifier(chat_id, "chat_id"),
            "TagID": check.identifier(tag_id, "tag_id"),
        }
        await self._send(routes.REMOVE_TAG, body=body)

    async def update_tag(
        self, tag_id: int, *, name: str | None = None, enabled: bool | None = None
    ) -> None:
        """Rename, enable or disable a tag (UpdateTag)."""
        body = check.compact(
            {
                "TagID": check.identifier(tag_id, "tag_id"),
                "Name": check.optional(check.text, name, "name"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_TAG, body=body)

    async def delete_tag(self, tag_id: int) -> None:
        """Delete a tag (DeleteTag)."""
        params = check.query({"TagID": check.identifier(tag_id, "tag_id")})
        await self._send(routes.DELETE_TAG, params=params)

    async def create_tag_group(self, name: str, enabled: bool) -> TagGroup | None:
        """Create a group of tags (CreateTagGroup). Not retried once sent."""
        body = {"Name": check.text(name, "name"), "Enabled": check.boolean(enabled, "enabled")}
        return await self._request_optional(routes.CREATE_TAG_GROUP, TagGroup, body=body)

    async def update_tag_group(
        self, tag_group_id: int, *, name: str | None = None, enabled: bool | None = None
    ) -> None:
        """Rename, enable or disable a tag group (UpdateTagGroup)."""
        body = check.compact(
            {
                "TagGroupID": check.identifier(tag_group_id, "tag_group_id"),
                "Name": check.optional(check.text, name, "name"),
                "Enabled": check.optional(check.boolean, enabled, "enabled"),
            }
        )
        await self._send(routes.UPDATE_TAG_GROUP, body=body)

    # -- Canned responses ----------------------------------------------------

    async def create_canned_response(self, name: str, message_text: str) -> CannedResponse | None:
        """Store a reply agents can reuse (CreateCannedResponse). Not retried once sent."""
        body = {
            "Name": check.text(name, "name"),
            "MessageText": check.text(message_text, "message_text"),
        }
        return await self._request_optional(
            routes.CREATE_CANNED_RESPONSE, CannedResponse, body=body
        )

    async def update_canned_response(
        self,
        canned_response_id: int,
        *,
        name: str | None = None,
        message_text: str | None = None,
    ) -> None:
        """Change a canned response (UpdateCannedResponse)."""
        body = check.compact(
            {
                "CannedResponseID": check.identifier(canned_response_id, "canned_response_id"),
                "Name": check.optional(check.text, name, "name"),
                "MessageText": check.optional(check.text, message_text, "message_text"),
            }
        )
        await self._send(routes.UPDATE_CANNED_RESPONSE, body=body)

    async def delete_canned_response(self, canned_response_id: int) -> None:
        """Delete a canned response (DeleteCannedResponse)."""
        params = check.query(
            {"CannedResponseID": check.identifier(canned_response_id, "canned_response_id")}
        )
        await self._send(routes.DELETE_CANNED_RESPONSE, params=params)

    # -- Working hours -------------------------------------------------------

    async def update_working_hours(self, days: Sequence[WorkingDay]) -> None:
        """Set the working week, one ``WorkingDay`` per weekday given (UpdateWorkingHours)."""
        checked = check.sequence_of(WorkingDay, days, "days")
        seen = [day.day for day in checked]
        if len(set(seen)) != len(seen):
            raise InvalidRequestError("days must not name the same weekday twice")
        await self._send(routes.UPDATE_WORKING_HOURS, body={"Days": [d.to_wire() for d in checked]})

    # -- Reports -------------------------------------------------------------

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
        """Send a report to a recipient on given weekdays at a time (CreateReportSchedule).

        ``format`` (e.g. ``"CSV"``), ``grouping`` (e.g. ``["WEEK", "MONTH"]``) and
        ``delivery`` (e.g. ``"EMAIL"``) are passed as given: the reference lists
        no closed set. Not retried once sent.
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
        """Figures of the moment: chats waiting, agents online... (LiveMetrics)."""
        return await self._request(routes.LIVE_METRICS, LiveMetrics)

    async def get_reports(self) -> ReportList:
        """The reports that can be scheduled (GetReports)."""
        return await self._request(routes.GET_REPORTS, ReportList)

    async def data_insight(self, period: Period | str) -> DataInsight:
        """Chat figures grouped by a period such as ``"week"`` (DataInsight)."""
        params = check.query({"Period": check.enum_value(Period, period, "period").value})
        return await self._request(routes.DATA_INSIGHT, DataInsight, params=params)

    async def delete_report_schedule(self, schedule_id: int) -> None:
        """Delete a report schedule (DeleteReportSchedule)."""
        params = check.query({"ScheduleID": check.identifier(schedule_id, "schedule_id")})
        await self._send(routes.DELETE_REPORT_SCHEDULE, params=params)

    # -- Recipients ----------------------------------------------------------

    async def create_recipient(self, full_name: str, email_address: str) -> Recipient | None:
        """Add someone reports can be sent to (CreateRecipient). Not retried once sent."""
        body = {
            "FullName": check.text(full_name, "full_name"),
            "EmailAddress": check.text(email_address, "email_address"),
        }
        return await self._request_optional(routes.CREATE_RECIPIENT, Recipient, body=body)

    async def get_recipients(self) -> RecipientList:
        """The report recipients (GetRecipients)."""
        return await self._request(routes.GET_RECIPIENTS, RecipientList)

    async def delete_recipient(self, recipient_id: int) -> None:
        """Delete a report recipient (DeleteRecipient)."""
        params = check.query({"RecipientID": check.identifier(recipient_id, "recipient_id")})
        await self._send(routes.DELETE_RECIPIENT, params=params)

    # -- Settings ------------------------------------------------------------

    async def update_settings(self, settings: Mapping[str, Any]) -> None:
        """Change company settings by name, e.g. ``{"CompanyName": "Channel"}`` (UpdateSettings).

        Sent as the documented list of one-key objects.
        """
        values = check.json_mapping(settings, "settings")
        body = {"Settings": [{name: value} for name, value in values.items()]}
        await self._send(routes.UPDATE_SETTINGS, body=body)

    async def get_settings(self) -> Settings:
        """The company settings as one mapping (GetSettings)."""
        return await self._request(routes.GET_SETTINGS, Settings)

    # -- Bots ----------------------------------------------------------------

    def watch_chats(
        self,
        chat_type: ChatType | str | None = None,
        *,
        interval: float = 5.0,
        skip_backlog: bool = False,
    ) -> ChatWatcher:
        """Poll GetChatList every ``interval`` seconds; iterate over what changed.

        ::

            async for event in chat.watch_chats("unassigned", interval=2):
                if event.kind == "new":
                    ...

        Each chat is reported ``"new"`` once (on the first poll, every listed
        chat, unless ``skip_backlog``); later differences are ``"changed"`` and
        disappearances ``"gone"``. Transient failures back off and are never
        yielded; ``LogonError`` or a 4xx other than 429 ends the iteration by
        raising. The iteration ends when the client's block is left.
        """
        checked = check.optional(_chat_type, chat_type, "chat_type")
        self._open_core()
        return ChatWatcher(
            lambda: self.get_chat_list(chat_type=checked),
            self._closed,
            self._wait_closed,
            interval=check.positive_number(interval, "interval"),
            skip_backlog=check.boolean(skip_backlog, "skip_backlog"),
        )

    def chat_worker(
        self,
        handler: ChatHandler,
        *,
        max_concurrent: int = 4,
        poll_interval: float = 2.0,
        drain_timeout: float = 30.0,
    ) -> ChatWorker:
        """Grab chats and run ``await handler(chat, item)`` for each, at most N at once.

        ::

            async with chat.chat_worker(answer, max_concurrent=8) as worker:
                await shutdown_requested.wait()
            print(worker.report)

        Leaving the block stops taking chats and waits up to ``drain_timeout``
        seconds for running handlers; ``worker.report`` then says what was
        handled, what failed and what was left unfinished.
        """
        self._open_core()
        return ChatWorker(
            self,
            handler,
            max_concurrent=check.identifier(max_concurrent, "max_concurrent"),
            poll_interval=check.positive_number(poll_interval, "poll_interval"),
            drain_timeout=check.positive_number(drain_timeout, "drain_timeout"),
        )


def _chat_type(value: Any, name: str) -> str:
    return check.enum_value(ChatType, value, name).value


def _department_fields(
    fields: dict[str, Any],
    include_in_welcome_menu: bool | None,
    name_in_menu: str | None,
    welcome_returning: str | None,
    welcome_new: str | None,
    menu_index: int | None,
    enabled: bool | None,
    auto_tag_ids: Sequence[int] | None,
) -> dict[str, Any]:
    """The optional fields CreateDepartment and UpdateDepartment share."""
    return check.compact(
        {
            **fields,
            "IncludeInWelcomeMenu": check.optional(
                check.boolean, include_in_welcome_menu, "include_in_welcome_menu"
            ),
            "NameInMenu": check.optional(check.text, name_in_menu, "name_in_menu"),
            "WelcomeReturning": check.optional(check.text, welcome_returning, "welcome_returning"),
            "WelcomeNew": check.optional(check.text, welcome_new, "welcome_new"),
            "MenuIndex": check.optional(check.integer, menu_index, "menu_index"),
            "Enabled": check.optional(check.boolean, enabled, "enabled"),
            "AutoTagID": check.optional(check.identifiers, auto_tag_ids, "auto_tag_ids"),
        }
    )
