"""``Simulator``: the state, the Starlette app over it, and the rules every call shares.

Every route of ``agentchat._routes.ROUTES`` becomes a Starlette route to its
handler (``_handlers_*``); a route without a handler fails at construction.
Before a handler runs, in this order:

1. ``Version`` must be in the query (400 ``"Version is required"``);
2. with ``SimulatorConfig.api_key`` set, the ``apikey`` header must match (403);
3. on session endpoints, ``SessionToken`` must name a live session: missing,
   unknown, logged off or idle for more than ``session_idle_timeout`` seconds is
   401 ``{"Message": "Session expired or invalid"}``; a live session is
   refreshed (every authenticated call counts as a keep-alive); a token ended
   by a later logon of its agent (``one_session_per_agent``) gets the same 401;
4. Managers-only calls (``_context.MANAGER_ONLY``) refuse Agents with 403
   ``{"Message": "Only managers may ..."}``;
5. a POST body must be a JSON object (400), GET and DELETE take their fields from
   the query.

An AgentLogon waits ``SimulatorConfig.logon_latency`` seconds (its body read and
the request counted in ``requests`` first) before any of this. Errors are
``{"Message": "..."}`` (``{"message": ...}`` in camel casing).
"""

from __future__ import annotations

import collections
import contextlib
import hmac
import json
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, Final

import anyio
import httpx
from anyio.abc import TaskStatus
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from .._routes import ROUTES, Route
from ..models import Model
from . import _handlers_admin, _handlers_auth, _handlers_chats, _handlers_reports
from ._config import SimulatorConfig
from ._context import HANDLERS, MANAGER_ONLY, ApiError, Call, Csv, Fields, Json, Reply
from ._faults import ConnectionDropped, FaultInjector, FaultMiddleware
from ._render import CONVERTER, recase
from ._seed import (
    AGENT_EMAIL,
    AGENT_PASSWORD,
    CUSTOMER_LINES,
    DEMO_TAG_ID,
    MANAGER_EMAIL,
    MANAGER_PASSWORD,
    seed_state,
)
from ._state import (
    MANAGER,
    OPEN,
    UNASSIGNED,
    AgentRecord,
    ChatRecord,
    CustomerRecord,
    JournalEntry,
    MessageRecord,
    State,
)

__all__ = ["SAST", "SESSION_EXPIRED", "Simulator"]

# The handler modules register themselves on import.
_HANDLER_MODULES: Final = (_handlers_admin, _handlers_auth, _handlers_chats, _handlers_reports)

#: South African Standard Time, the seed data's offset.
SAST: Final = timezone(timedelta(hours=2), "SAST")
#: The message of every 401 on a session endpoint.
SESSION_EXPIRED: Final = "Session expired or invalid"


class Simulator:
    """A local AgentChat server: in-memory state, business rules, dialects and faults.

    Each simulator starts from the seed data (agents and a manager, departments,
    tags, canned responses, customers, chats in every state, reports,
    recipients, settings), which holds every example ID of the API reference:
    chat 407, department 8, tag 22... A test builds one, reaches it in process
    through `transport()` (no socket) or serves it on a loopback port with
    `serve_in_thread()`, and then looks at what it did: `state`, `journal`,
    `requests`, `faults_injected`.

    Example:
        ```python
        sim = Simulator(SimulatorConfig(seed=1))
        async with AsyncAgentChat(
            sim.agent_email, sim.agent_password,
            base_url="http://127.0.0.1", transport=sim.transport(),
        ) as chat:
            grabbed = await chat.grab_chat()
        assert [entry.endpoint for entry in sim.journal] == ["GrabChat"]
        ```

    Args:
        config: How it behaves: seed, timing, casing, faults. Default:
            `SimulatorConfig()`.
        clock: A monotonic clock in seconds (default `time.monotonic`). It
            drives session expiry, `expire_every`, the journal's times and the
            simulated wall clock (`now()`); a test passes a function it
            controls to expire sessions without waiting.

    Attributes:
        config (SimulatorConfig): The configuration it was built with.
        state (State): Everything it stores, keyed by ID (`state.chats`,
            `state.customers`, `state.agents`...). Tests may read it and, to
            set a scene, change it.
        journal (list[JournalEntry]): Every unsafe operation processed
            (SendMessage, AddComment, GrabChat, the Create* calls, the password
            calls), in order: what a test checks "exactly once" against.
        requests (collections.Counter[str]): API requests that got past fault
            injection, by endpoint name (`sim.requests["GetChatList"]`). With
            `logon_latency`, an AgentLogon is counted once its body is in,
            before the wait: a test can tell that a logon is under way (and
            will be processed, even if its caller dies now). Successful
            logons, per agent: `logon_count()`.
        agent_email (str): The seeded Agent's (RoleID 1) e-mail address.
        agent_password (str): The seeded Agent's password.
        manager_email (str): The seeded Manager's (RoleID 2) e-mail address.
        manager_password (str): The seeded Manager's password.
        demo_tag_id (int): An enabled tag, for demos.
        app (starlette.applications.Starlette): The ASGI app; serve it with
            uvicorn (or `serve()`, `serve_in_thread()`) for real sockets.

    Raises:
        RuntimeError: An endpoint of the client's route table has no handler
            (a packaging error, not a usage one).
    """

    def __init__(
        self, config: SimulatorConfig | None = None, *, clock: Callable[[], float] | None = None
    ) -> None:
        missing = sorted(set(ROUTES) - set(HANDLERS))
        if missing:
            raise RuntimeError(f"the simulator has no handler for {', '.join(missing)}")
        self.config = config if config is not None else SimulatorConfig()
        self._clock: Callable[[], float] = clock if clock is not None else time.monotonic
        self._clock_at_start = self._clock()
        start = self.config.start_time or datetime.now(SAST).replace(microsecond=0)
        self._start_time = start if start.tzinfo is not None else start.replace(tzinfo=SAST)
        self._rng = random.Random(self.config.seed)  # noqa: S311 - simulation, not crypto
        self.state: State = seed_state(self._rng, self._start_time)
        self.journal: list[JournalEntry] = []
        self.requests: collections.Counter[str] = collections.Counter()
        self.agent_email: str = AGENT_EMAIL
        self.agent_password: str = AGENT_PASSWORD
        self.manager_email: str = MANAGER_EMAIL
        self.manager_password: str = MANAGER_PASSWORD
        self.demo_tag_id: int = DEMO_TAG_ID
        self._faults = FaultInjector(self.config, clock=self._clock, expire=self.expire_sessions)
        self.app = Starlette(
            routes=[
                StarletteRoute(route.path, self._endpoint(route), methods=[route.method])
                for route in ROUTES.values()
            ],
            middleware=[Middleware(FaultMiddleware, injector=self._faults)],
        )

    def __repr__(self) -> str:
        return (
            f"<Simulator seed={self.config.seed} chats={len(self.state.chats)} "
            f"sessions={len(self.state.sessions)} journal={len(self.journal)}>"
        )

    # -- what tests and the command line use -----------------------------

    @property
    def faults_injected(self) -> collections.Counter[str]:
        """Faults injected so far, by kind.

        The kinds are `"error_429"` ... `"error_504"`, `"drop_before"`,
        `"drop_after"`, `"malformed"` and `"expired"` (a forced expiry of
        every session by `Faults.expire_every`).

        Returns:
            A live counter: it goes on counting as requests come in.
        """
        return self._faults.counts

    def environment(self, base_url: str) -> dict[str, str]:
        """The environment variables that point a program at this simulator.

        What `agentchat simulate` prints for a shell: `AGENTCHAT_BASE_URL`,
        `AGENTCHAT_EMAIL` and `AGENTCHAT_PASSWORD` (the seeded Agent, which
        `AsyncAgentChat()` reads when given no arguments),
        `AGENTCHAT_MANAGER_EMAIL` and `AGENTCHAT_MANAGER_PASSWORD` (the seeded
        Manager: a convention of the docs and examples, the client does not
        read them), and `AGENTCHAT_API_KEY` when `SimulatorConfig.api_key` is
        set.

        Example:
            ```python
            with serve_in_thread(sim) as url:
                env = {**os.environ, **sim.environment(url)}
                subprocess.run([sys.executable, "bot.py"], env=env, check=True)
            ```

        Args:
            base_url: Where the simulator is served, as `serve_in_thread()`
                yields it (`"http://127.0.0.1:8000"`).

        Returns:
            Variable name to value, in the order above; a new dict each call.
        """
        environment = {
            "AGENTCHAT_BASE_URL": base_url,
            "AGENTCHAT_EMAIL": self.agent_email,
            "AGENTCHAT_PASSWORD": self.agent_password,
            "AGENTCHAT_MANAGER_EMAIL": self.manager_email,
            "AGENTCHAT_MANAGER_PASSWORD": self.manager_password,
        }
        if self.config.api_key is not None:
            environment["AGENTCHAT_API_KEY"] = self.config.api_key
        return environment

    def now(self) -> datetime:
        """The simulated wall-clock time.

        Returns:
            `SimulatorConfig.start_time` (or the time of construction) plus the
            clock's progress since construction, in South African time (UTC+2)
            unless `start_time` had another offset.
        """
        return self._start_time + timedelta(seconds=self._clock() - self._clock_at_start)

    def transport(self) -> httpx.AsyncBaseTransport:
        """An in-process httpx transport to `app`: no socket, no port.

        Give it to the client as `AsyncAgentChat(..., base_url="http://127.0.0.1",
        transport=sim.transport())`. Each call makes a new transport over the
        same simulator, so several clients can share the simulator.

        Returns:
            A transport on which a dropped connection (`Faults.drop_before`,
            `Faults.drop_after`) raises `httpx.RemoteProtocolError`, as it
            would over a socket.
        """
        return _InProcessTransport(self.app)

    def logon_count(self, email: str | None = None) -> int:
        """Successful AgentLogon calls so far, of one agent or of every agent.

        A refused logon (wrong password, disabled agent, an injected error) is
        not counted; one still waiting out `SimulatorConfig.logon_latency` is
        not counted yet (`requests["AgentLogon"]` counts it before the wait).

        Example:
            ```python
            sim = Simulator(SimulatorConfig(one_session_per_agent=True))
            ...  # two clients logged on as the seeded agent, each called once
            assert sim.logon_count(sim.agent_email) == 3  # the first one's re-logon
            ```

        Args:
            email: The agent's current e-mail address (any case); `None`:
                every agent.

        Returns:
            The count; a live figure, read it again after more calls.

        Raises:
            LookupError: No agent has the address `email`.
        """
        if email is None:
            return sum(self.state.logons.values())
        agent = self.state.agent_by_email(email)
        if agent is None:
            raise LookupError(f"no agent with EmailAddress {email}")
        return self.state.logons[agent.agent_id]

    def expire_sessions(self) -> None:
        """Expire every session now: the next call with any token gets 401.

        The client then logs on again by itself and resends the call.
        """
        self.state.sessions.clear()

    def other_department_id(self, department_id: int | None) -> int:
        """An enabled department other than `department_id`, for transfers.

        Args:
            department_id: The department to avoid (a chat's current one), or
                `None`.

        Returns:
            The lowest such DepartmentID.

        Raises:
            LookupError: No other department is enabled.
        """
        for other in self.state.departments.values():
            if other.enabled and other.department_id != department_id:
                return other.department_id
        raise LookupError("there is no other enabled department")

    def new_chat(
        self,
        *,
        customer_id: int | None = None,
        department_id: int | None = None,
        text: str | None = None,
    ) -> int:
        """A customer starts a chat: unassigned, waiting in a department's queue.

        The chat gets the department's auto tags and the customer's first
        message, and is not journaled (customers are not API callers).

        Args:
            customer_id: Who starts it. Default: a customer without an active
                chat, or a new customer when every one has one.
            department_id: Whose queue it waits in (any department, enabled or
                not). Default: a random enabled department of the welcome menu
                (`IncludeInWelcomeMenu`), as a customer picks one.
            text: The customer's first message. Default: a random opening line.

        Returns:
            The new chat's ChatID.

        Raises:
            LookupError: `customer_id` or `department_id` names nothing, or no
                department is both enabled and in the welcome menu.
        """
        state, rng = self.state, self._rng
        if customer_id is None:
            customer = self._idle_customer()
        elif customer_id in state.customers:
            customer = state.customers[customer_id]
        else:
            raise LookupError(f"no customer with CustomerID {customer_id}")
        if department_id is None:
            menu = [
                d.department_id
                for d in state.departments.values()
                if d.enabled and d.include_in_welcome_menu
            ]
            if not menu:
                raise LookupError("there is no enabled department in the welcome menu")
            department_id = rng.choice(menu)
        elif department_id not in state.departments:
            raise LookupError(f"no department with DepartmentID {department_id}")
        now = self.now()
        chat = ChatRecord(
            chat_id=state.new_id("chat"), customer_id=customer.customer_id,
            department_id=department_id, created=now, status=UNASSIGNED,
            tag_ids=list(state.departments[department_id].auto_tag_ids),
        )  # fmt: skip
        state.chats[chat.chat_id] = chat
        self.customer_says(chat.chat_id, text or rng.choice(CUSTOMER_LINES))
        return chat.chat_id

    def customer_says(self, chat_id: int, text: str) -> int:
        """The chat's customer sends a message (in any state of the chat).

        Args:
            chat_id: The chat.
            text: What the customer writes.

        Returns:
            The new message's MessageID.

        Raises:
            KeyError: There is no chat `chat_id`.
        """
        chat = self.state.chats[chat_id]
        message = MessageRecord(
            message_id=self.state.new_id("message"), sender="customer", text=text,
            sent_at=self.now(),
        )  # fmt: skip
        chat.messages.append(message)
        return message.message_id

    async def run_life(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Customers come and talk, until cancelled.

        Every `SimulatorConfig.new_chat_interval` seconds a new chat arrives
        (`new_chat()`; skipped while no welcome-menu department is enabled),
        and half the time a customer of an open chat writes. `serve()` and
        `serve_in_thread()` run it; in process, start it in a task group:
        `await tg.start(sim.run_life)`.

        Args:
            task_status: Set by `TaskGroup.start()`; reports the start at once.

        Returns:
            At once when `new_chat_interval` is `None`; otherwise it never
            returns (cancel it).
        """
        task_status.started()
        interval = self.config.new_chat_interval
        if interval is None:
            return
        while True:
            await anyio.sleep(interval)
            with contextlib.suppress(LookupError):  # no department to choose: nobody comes
                self.new_chat()
            open_chats = [c for c in self.state.chats.values() if c.status == OPEN]
            if open_chats and self._rng.random() < 0.5:
                self.customer_says(
                    self._rng.choice(open_chats).chat_id, self._rng.choice(CUSTOMER_LINES)
                )

    def _idle_customer(self) -> CustomerRecord:
        state, rng = self.state, self._rng
        idle = [c for c in state.customers.values() if not state.active_chats_of(c.customer_id)]
        if idle:
            return rng.choice(idle)
        names = [c.full_name.split(" ", 1) for c in state.customers.values()]
        first = rng.choice([n[0] for n in names])
        last = rng.choice([n[-1] for n in names if len(n) > 1] or ["Smith"])
        customer_id = state.new_id("customer")
        customer = CustomerRecord(
            customer_id=customer_id,
            full_name=f"{first} {last}",
            mobile_number=f"+2782{rng.randrange(10**7):07d}",
        )
        state.customers[customer_id] = customer
        return customer

    # -- the shared rules ---------------------------------------------------

    def _endpoint(self, route: Route) -> Callable[[Request], Awaitable[Response]]:
        run = HANDLERS[route.name]
        delay = self.config.logon_latency if route.name == "AgentLogon" else 0.0

        async def endpoint(request: Request) -> Response:
            if delay > 0:
                # The body first: a caller gone during the wait does not stop the
                # logon, and one counted here is sure to be processed.
                await request.body()
                self.requests[route.name] += 1
                await anyio.sleep(delay)
            else:
                self.requests[route.name] += 1
            try:
                call = await self._call_for(route, request)
                reply = run(call)
            except ApiError as exc:
                return self._json({"Message": exc.message}, exc.status)
            return self._render(reply)

        endpoint.__name__ = route.name
        return endpoint

    async def _call_for(self, route: Route, request: Request) -> Call:
        params = request.query_params
        version = params.get("Version")
        if version is None or not version.strip():
            raise ApiError(400, "Version is required")
        api_key = self.config.api_key
        if api_key is not None and not hmac.compare_digest(
            request.headers.get("apikey", "").encode(), api_key.encode()
        ):
            raise ApiError(403, "The apikey header is missing or wrong")
        clock = self._clock()
        agent: AgentRecord | None = None
        token: str | None = None
        if route.session:
            token = params.get("SessionToken")
            agent = self._authenticate(token, clock)
            if route.name in MANAGER_ONLY and agent.role_id != MANAGER:
                raise ApiError(403, f"Only managers may {MANAGER_ONLY[route.name]}")
        if route.method == "POST":
            fields = Fields(await _json_object(request), in_query=False)
        else:
            query = {k: v for k, v in params.items() if k not in ("Version", "SessionToken")}
            fields = Fields(query, in_query=True)
        return Call(
            route=route, fields=fields, state=self.state, agent=agent, token=token, clock=clock,
            now=self.now(), rng=self._rng, seed=self.config.seed, journal=self.journal,
            one_session_per_agent=self.config.one_session_per_agent,
        )  # fmt: skip

    def _authenticate(self, token: str | None, clock: float) -> AgentRecord:
        session = self.state.sessions.get(token) if token else None
        if session is None:
            raise ApiError(401, SESSION_EXPIRED)
        agent = self.state.agents.get(session.agent_id)
        idle = clock - session.last_used
        if idle > self.config.session_idle_timeout or agent is None or not agent.enabled:
            del self.state.sessions[session.token]
            raise ApiError(401, SESSION_EXPIRED)
        session.last_used = clock
        return agent

    def _render(self, reply: Reply) -> Response:
        if reply is None:
            return Response(b"", status_code=200)
        if isinstance(reply, Csv):
            return Response(reply.text.encode("utf-8"), media_type="text/csv; charset=utf-8")
        data: Any
        if isinstance(reply, Json):
            data = reply.data
        elif isinstance(reply, Model):
            data = CONVERTER.unstructure(reply)
        else:
            data = [CONVERTER.unstructure(item) for item in reply]
        return self._json(data, 200)

    def _json(self, data: Any, status: int) -> Response:
        return JSONResponse(recase(data, self.config.casing), status_code=status)


async def _json_object(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, "The request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "The request body must be a JSON object")
    return data


class _InProcessTransport(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` to the app, with dropped connections as httpx sees them."""

    def __init__(self, app: Starlette) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._asgi.handle_async_request(request)
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request
            ) from exc

    async def aclose(self) -> None:
        await self._asgi.aclose()
