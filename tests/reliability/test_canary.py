"""The secrets canary: full sessions over real sockets, every logger at DEBUG, no secret out.

The simulator is served on 127.0.0.1 (``serve_in_thread``) with faults on: error
statuses, connections dropped before and after processing, garbage bodies, every
session force-expired every 0.3 s, latency. An Agent runs a full session (calls of
every kind, a watcher, idle keep-alive ticks that fail, a SendMessage that ends in
``OutcomeUnknownError``, re-logons, logoff and logon again), a Manager calls every
endpoint with the reference's examples and ends by switching to refused
credentials, and a last client is refused at the door.

Meanwhile every logger (root, agentchat, httpx, httpcore.*, hpack, uvicorn.*, and
any other that exists) is at DEBUG and propagates to ``caplog``. Then the password
of each account, the refused ones, and every session token the simulator ever
issued (``sim.state.issued_tokens``: at least three, re-logons happened) must
appear in no formatted log record, no exception (str, repr, args, formatted
traceback, attributes) anywhere in the ``__cause__``/``__context__`` chains of the
errors caught, no model repr (nor its ``raw``/``extra``), no client repr and no
``stats`` repr.

The simulator runs in this process, so its uvicorn records are captured too; the
canary is about the client library, so records of the server's thread are checked
on their own (uvicorn's access log is off in ``_serve.py``: no URL, so no token).
"""

from __future__ import annotations

import json
import logging
import pathlib
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from typing import Any, Final, TypeVar

import anyio
import httpx
import pytest

from agentchat import (
    AgentChatError,
    AsyncAgentChat,
    Attachment,
    ChatType,
    InvalidRequestError,
    LogonError,
    Model,
    OutcomeUnknownError,
    ResponseFormatError,
)
from agentchat._redaction import MASK
from agentchat.simulator import Faults, Simulator, SimulatorConfig, serve_in_thread

from ..fakes import EMAIL, PASSWORD, TRANSPORT
from ..loopback import serve
from ..strategies import ENDPOINTS, call_arguments, chosen

pytestmark = pytest.mark.anyio

T = TypeVar("T")

#: A password the Agent never had, and the reference's example one (agent_logon).
WRONG_PASSWORD: Final = "not-the-password-7c41e2"
EXAMPLE_PASSWORD: Final = "123smith$$"
#: The thread ``serve_in_thread`` runs the server in.
SERVER_THREAD: Final = "agentchat-simulator"
#: Loggers that exist before any is created by the run; all others are set too.
LOGGERS: Final = (
    "agentchat", "agentchat.simulator", "httpx", "httpcore", "httpcore.connection",
    "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks", "hpack",
    "uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "asyncio",
)  # fmt: skip
#: Frames of the tests themselves: left out of the locals checked.
TESTS_DIR: Final = str(pathlib.Path(__file__).resolve().parents[1])
#: Attributes every LogRecord has; anything else came in through ``extra=``.
RECORD_FIELDS: Final = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
FORMATTER: Final = logging.Formatter(
    "%(asctime)s %(threadName)s %(name)s %(levelname)s %(pathname)s:%(lineno)d %(message)s"
)
#: Manager calls left out of the sweep: they end or switch the session (done on purpose
#: at the end instead).
NOT_SWEPT: Final = frozenset({"agent_logon", "agent_logoff"})


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def faults() -> Faults:
    return Faults(
        error_rates={
            "*": {500: 0.04, 503: 0.06},
            # Logons are refused (503, retried) but never fail for good, so the
            # sessions start; KeepAlive fails often, so idle ticks fail.
            "AgentLogon": {503: 0.2},
            "KeepAlive": {500: 0.3, 503: 0.2},
        },
        retry_after=0,
        drop_before={"GetChatList": 0.1, "AgentLogon": 0.1, "KeepAlive": 0.15, "AgentLogoff": 0.2},
        drop_after={"SendMessage": 0.4, "GetChatList": 0.05, "CloseChat": 0.3},
        malformed={
            "GetChatList": 0.15,
            "GetDepartmentList": 0.3,
            "ExportChat": 0.3,
            "SendMessage": 0.1,
            "AgentLogon": 0.05,
            "FindCustomer": 0.3,
            "LiveMetrics": 0.3,
            "GrabChat": 0.3,
        },
        expire_every=0.3,
    )


class Evidence:
    """Everything the run showed a user: objects' reprs, and the errors it raised."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.errors: list[BaseException] = []
        self.models = 0

    def show(self, *objects: object) -> None:
        for obj in objects:
            self.texts += [repr(obj), str(obj)]
            if isinstance(obj, Model):
                self.models += 1
                self.texts += [repr(obj.raw), repr(dict(obj.extra))]
                for item in vars(obj).values() if hasattr(obj, "__dict__") else ():
                    self.texts.append(repr(item))
                for name in ("chats", "departments", "customers", "rows", "reports", "recipients"):
                    for item in getattr(obj, name, ()):
                        self.show(item)

    async def attempt(self, call: Awaitable[T]) -> T | None:
        """Await ``call``; a typed error is kept as evidence, anything else fails the test."""
        try:
            result = await call
        except AgentChatError as exc:
            self.errors.append(exc)
            return None
        self.show(result)
        return result


async def enter(
    stack: AsyncExitStack, make: Callable[[], AsyncAgentChat], ev: Evidence
) -> AsyncAgentChat:
    """Enter a new client until one gets past the faults (a garbled logon, say)."""
    for _ in range(10):
        try:
            return await stack.enter_async_context(make())
        except AgentChatError as exc:
            ev.errors.append(exc)
    raise AssertionError(f"no client could log on: {ev.errors[-3:]}")


def client(
    sim: Simulator, url: str, *, manager: bool = False, **options: Any
) -> Callable[[], AsyncAgentChat]:
    email = sim.manager_email if manager else sim.agent_email
    password = sim.manager_password if manager else sim.agent_password
    options = {"keep_alive_interval": 0.1, "max_retries": 5, "timeout": 15, **options}
    return lambda: AsyncAgentChat(email, password, base_url=url, **options)


async def agent_session(sim: Simulator, url: str, ev: Evidence) -> None:
    me = sim.state.agent_by_email(sim.agent_email)
    assert me is not None
    mine = next(
        c for c in sim.state.chats.values() if c.status == "open" and c.agent_id == me.agent_id
    )
    chat_id, customer_id = mine.chat_id, mine.customer_id
    mobile = sim.state.customers[customer_id].mobile_number
    attachment = Attachment(name="note.txt", content_type="text/plain", data=b"canary " * 50)

    async with AsyncExitStack() as stack:
        chat = await enter(stack, client(sim, url), ev)
        ev.show(chat, chat.with_options(max_retries=1, deadline=30), chat.agent, chat.stats)
        ev.show(chat._core.session, chat._core.pipeline, chat._core)
        with anyio.fail_after(60):
            # A SendMessage dropped after processing: OutcomeUnknownError (and some get through).
            unknown = sent = 0
            for _ in range(60):
                try:
                    ev.show(
                        await chat.send_message(
                            chat_id, "Hello from the canary", attachment=attachment
                        )
                    )
                    sent += 1
                except OutcomeUnknownError as exc:
                    ev.errors.append(exc)
                    unknown += 1
                except AgentChatError as exc:
                    ev.errors.append(exc)
                if unknown and sent:
                    break
            assert unknown >= 1, (unknown, sent)
            assert sent >= 1, (unknown, sent)

            for _ in range(2):
                await ev.attempt(chat.get_chat_list())
                await ev.attempt(chat.get_chat_list(chat_type=ChatType.OPEN))
                await ev.attempt(chat.get_chat_list(chat_type="unassigned"))
                await ev.attempt(chat.export_chat(chat_id))
                await ev.attempt(chat.find_customer(mobile, True))
                await ev.attempt(chat.get_department_list())
                await ev.attempt(chat.live_metrics())
                await ev.attempt(chat.get_reports())
                await ev.attempt(chat.data_insight("week"))
                await ev.attempt(chat.get_recipients())
                await ev.attempt(chat.get_settings())
                await ev.attempt(chat.add_comment(customer_id, "canary comment"))
                await ev.attempt(chat.add_tag(chat_id=chat_id, tag_id=sim.demo_tag_id))
                await ev.attempt(chat.remove_tag(chat_id, sim.demo_tag_id))
                await ev.attempt(chat.update_customer(customer_id, comment="canary"))
                await ev.attempt(chat.request_password_reset(sim.agent_email))
                await ev.attempt(chat.keep_alive())
                await ev.attempt(chat.with_options(max_retries=0).get_chat_list())
                await ev.attempt(chat.with_options(deadline=0.001).get_chat_list())

            # A watcher, through the faults.
            seen = 0
            with anyio.move_on_after(3):
                async with chat.watch_chats(interval=0.05) as watcher:
                    async for event in watcher:
                        ev.show(event)
                        seen += 1
                        if seen >= 3:
                            break
            ev.show(watcher.polls, watcher.failures)

            # Idle: keep-alive ticks, some fail; sessions expire under it.
            while chat.stats.keep_alive_failures < 1 or chat.stats.keep_alives < 1:
                await anyio.sleep(0.05)
            while chat.stats.relogons < 1:
                await anyio.sleep(0.35)
                await ev.attempt(chat.get_chat_list())

            # Log off, come back by calling; log on afresh; a grab; the end of the chat.
            await ev.attempt(chat.agent_logoff())
            await ev.attempt(chat.get_chat_list())
            await ev.attempt(chat.agent_logon())
            await ev.attempt(chat.agent_logon(sim.agent_email, sim.agent_password))
            await ev.attempt(chat.grab_chat())
            await ev.attempt(chat.close_chat(chat_id))
            ev.show(chat, chat.stats, chat.agent)
        stats = chat.stats
    ev.show(chat, stats)
    assert stats.relogons >= 1, stats
    assert stats.keep_alive_failures >= 1, stats


async def manager_session(sim: Simulator, url: str, ev: Evidence) -> None:
    """Every endpoint with the reference's examples, then refused credentials mid-session."""
    refusals: list[LogonError] = []
    async with AsyncExitStack() as stack:
        chat = await enter(
            stack, client(sim, url, manager=True, on_logon_error=refusals.append), ev
        )
        ev.show(chat)
        with anyio.fail_after(60):
            for endpoint in ENDPOINTS:
                if endpoint["python"] in NOT_SWEPT:
                    continue
                args, kwargs = call_arguments(endpoint, chosen(endpoint, "example"))
                await ev.attempt(getattr(chat, endpoint["python"])(*args, **kwargs))
            # The reference's example credentials: refused, the session is kept ...
            with pytest.raises(LogonError) as refused:
                await chat.agent_logon("canary-someone@example.com", EXAMPLE_PASSWORD)
            ev.errors.append(refused.value)
            ev.show(chat, chat.agent)
            # ... until the server refuses the session's own credentials: then it
            # ends, and every later call says so at once.
            manager = sim.state.agent_by_email(sim.manager_email)
            assert manager is not None
            manager.password = "changed-by-the-canary"
            sim.expire_sessions()
            for _ in range(50):  # through the injected faults
                if refusals:
                    break
                await ev.attempt(chat.get_chat_list())
            with pytest.raises(LogonError, match="the session has ended") as ended:
                await chat.get_chat_list()
            ev.errors.append(ended.value)
            ev.show(chat, chat.stats)
    ev.errors += refusals
    assert refusals, "on_logon_error was not told"


async def refused_at_the_door(sim: Simulator, url: str, ev: Evidence) -> None:
    for _ in range(10):
        try:
            async with AsyncAgentChat(sim.agent_email, WRONG_PASSWORD, base_url=url, max_retries=5):
                pass
        except LogonError as exc:
            ev.errors.append(exc)
            return
        except AgentChatError as exc:  # a fault before the verdict
            ev.errors.append(exc)
    raise AssertionError("the wrong password was never refused")


def chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything in its ``__cause__``/``__context__`` (and group) chains."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
        stack += list(getattr(current, "exceptions", ()))


def exception_texts(exc: BaseException) -> list[str]:
    """What a user, a log handler and a crash reporter see of ``exc``.

    Crash reporters (Sentry by default, rich and structlog tracebacks) record the
    local variables of every frame: the traceback is formatted with locals too,
    for every exception in the chain (the test's own frames left out: their
    locals are the test's business). And every attribute of every exception in
    the chain is shown, whatever its class (a ``JSONDecodeError`` keeps its
    whole document in ``doc``).
    """
    texts = ["".join(traceback.format_exception(exc))]
    for link in chain(exc):
        texts += [str(link), repr(link), repr(link.args)]
        texts += [f"{name}={value!r}" for name, value in attributes(link)]
        if isinstance(link, AgentChatError):
            texts.append(json.dumps({key: repr(value) for key, value in vars(link).items()}))
        summary = traceback.TracebackException.from_exception(
            link, capture_locals=True, lookup_lines=False
        )
        for frame in summary.stack:
            if frame.filename.startswith(TESTS_DIR):
                continue
            texts.append(f"{type(link).__name__} in {frame.name}: {frame.locals!r}")
    return texts


def attributes(exc: BaseException) -> list[tuple[str, object]]:
    """Every data attribute of ``exc`` (its own and its class's), dunders aside."""
    found = dict(vars(exc))
    for name in dir(exc):
        if name.startswith("__") or name in found:
            continue
        try:
            value = getattr(exc, name)
        except Exception as error:  # noqa: BLE001 - httpx's .request raises RuntimeError when unset
            value = error
        if not callable(value):
            found[name] = value
    return list(found.items())


def record_texts(record: logging.LogRecord) -> list[str]:
    texts = [FORMATTER.format(record), record.getMessage(), str(record.msg), repr(record.args)]
    if record.exc_text:
        texts.append(record.exc_text)
    if record.exc_info and record.exc_info[1] is not None:
        texts += exception_texts(record.exc_info[1])
    if record.stack_info:
        texts.append(record.stack_info)
    texts += [repr(value) for key, value in vars(record).items() if key not in RECORD_FIELDS]
    return texts


def leaks(texts: list[str], secrets: list[str]) -> list[tuple[str, str]]:
    return [(secret, text[:300]) for text in texts for secret in secrets if secret in text]


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, propagating to caplog (call after the server is configured)."""
    caplog.set_level(logging.DEBUG)
    names = set(LOGGERS) | {
        name
        for name, obj in logging.root.manager.loggerDict.items()
        if isinstance(obj, logging.Logger)
    }
    propagate: dict[str, bool] = {}
    for name in sorted(names):
        logger = logging.getLogger(name)
        caplog.set_level(logging.DEBUG, logger=name)
        propagate[name] = logger.propagate
        logger.propagate = True
    try:
        yield caplog
    finally:
        for name, value in propagate.items():
            logging.getLogger(name).propagate = value


async def test_no_secret_leaves_a_faulty_session_at_debug(
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    sim = Simulator(SimulatorConfig(seed=7, latency=0.002, faults=faults()))
    with serve_in_thread(sim, log_level="debug") as url:
        # uvicorn configured its loggers when the server was built: now set every one.
        request.getfixturevalue("debug_everything")
        ev = Evidence()
        await agent_session(sim, url, ev)
        await manager_session(sim, url, ev)
        await refused_at_the_door(sim, url, ev)
    records = list(caplog.records)  # the server's shutdown included

    tokens = list(sim.state.issued_tokens)
    assert len(tokens) >= 3, "re-logons should have issued several tokens"
    assert sim.faults_injected["expired"] >= 1
    assert sim.faults_injected["drop_after"] >= 1
    assert sim.faults_injected["malformed"] >= 1
    passwords = [sim.agent_password, sim.manager_password, WRONG_PASSWORD, EXAMPLE_PASSWORD]
    secrets = passwords + tokens
    assert any(isinstance(e, OutcomeUnknownError) for e in ev.errors)
    assert not any(isinstance(e, InvalidRequestError) for e in ev.errors)

    client_records = [
        r for r in records if not r.name.startswith("uvicorn") and r.threadName != SERVER_THREAD
    ]
    server_records = [r for r in records if r not in client_records]
    texts = list(ev.texts)
    for error in ev.errors:
        texts += exception_texts(error)
    for record in client_records:
        texts += record_texts(record)

    # The capture saw what the contract is about: httpx's URLs, httpcore's traces.
    if TRANSPORT == "httpx":  # aiohttp and pyreqwest log no requests
        http_lines = [r.getMessage() for r in client_records if r.name == "httpx"]
        assert any(f"SessionToken={MASK}" in line for line in http_lines), http_lines[:3]
        assert any(
            r.name.startswith("httpcore") and r.levelno == logging.DEBUG for r in client_records
        )
    assert any(r.name == "agentchat" and r.levelno >= logging.WARNING for r in client_records)

    found = leaks(texts, secrets)
    assert not found, found[:3]
    # The server's records are counted, not asserted on: with every logger made to
    # propagate, uvicorn's access log comes back on and prints request URLs, tokens
    # and all (see test_the_simulator_writes_no_access_log_as_configured).
    server_texts = [text for record in server_records for text in record_texts(record)]
    server_leaks = leaks(server_texts, secrets)
    print(  # for -s / -rP runs: what the canary looked at
        f"\ncanary: {len(client_records)} client records, {len(server_records)} server records, "
        f"{len(ev.errors)} errors, {ev.models} models, {len(texts)} texts, "
        f"{len(tokens)} tokens + {len(passwords)} passwords checked; "
        f"server-side texts showing a secret: {len(server_leaks)}; "
        f"faults: {dict(sim.faults_injected)}"
    )


async def test_the_simulator_writes_no_access_log_as_configured(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As ``_serve.py`` configures uvicorn (access_log=False), no request line, so no token.

    Everything uvicorn writes (its ``uvicorn`` logger does not propagate) is captured.
    """
    sim = Simulator(SimulatorConfig(seed=3))
    caplog.set_level(logging.DEBUG)
    with serve_in_thread(sim, log_level="debug") as url:
        uvicorn_logger = logging.getLogger("uvicorn")
        uvicorn_logger.addHandler(caplog.handler)
        try:
            async with AsyncAgentChat(
                sim.agent_email, sim.agent_password, base_url=url, keep_alive_interval=None
            ) as chat:
                await chat.get_chat_list()
                await chat.keep_alive()
        finally:
            uvicorn_logger.removeHandler(caplog.handler)
    tokens = sim.state.issued_tokens
    assert tokens
    texts = [text for record in caplog.records for text in record_texts(record)]
    assert not any("SessionToken=" in text and MASK not in text for text in texts)
    assert not leaks(texts, tokens)


def test_plain_http_to_a_remote_host_is_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Beyond tests/test_lifecycle.py's cases: look-alike hosts, and the environment."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(handler)
    lookalikes = [
        "http://localhost.evil.example",
        "http://127.0.0.1.nip.io",
        "http://0.0.0.0:8000",
        "http://[::ffff:10.0.0.1]",
        "HTTP://agentchat.example.com",
    ]
    for url in lookalikes:
        with pytest.raises(InvalidRequestError, match="allow_insecure_http"):
            AsyncAgentChat("a@example.com", WRONG_PASSWORD, base_url=url, transport=transport)
    monkeypatch.setenv("AGENTCHAT_BASE_URL", "http://agentchat.example.com")
    with pytest.raises(InvalidRequestError, match="allow_insecure_http"):
        AsyncAgentChat("a@example.com", WRONG_PASSWORD, transport=transport)
    assert sent == []


async def test_allow_insecure_http_really_sends_to_a_remote_host() -> None:
    """The opt-in is honoured: the logon goes to the plain-http host, password and all."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"SessionToken": "tok-insecure-0123"})

    async with AsyncAgentChat(
        "a@example.com",
        WRONG_PASSWORD,
        base_url="http://chat.internal:8080",
        allow_insecure_http=True,
        transport=httpx.MockTransport(handler),
        keep_alive_interval=None,
    ):
        pass
    assert str(sent[0].url).startswith("http://chat.internal:8080/api/AgentLogon?")
    assert json.loads(sent[0].content)["Password"] == WRONG_PASSWORD


@pytest.mark.parametrize("fault", ["hang", "drop"])
async def test_a_callers_own_timeout_and_a_logon_cut_short_chain_no_secret(fault: str) -> None:
    """The errors a crash reporter sees most: the caller's own ``fail_after``
    (the cancellation that went through the wire is its context) and a logon
    answered with garbage holding the token; locals of every frame included."""
    errors: list[BaseException] = []
    async with serve() as server:
        server.faults["/api/GetChatList"] = server.faults["/api/SendMessage"] = fault
        async with AsyncAgentChat(
            EMAIL, PASSWORD, base_url=server.base_url, keep_alive_interval=None, max_retries=0
        ) as chat:
            try:
                with anyio.fail_after(0.3):
                    await chat.with_options(deadline=0.2 if fault == "drop" else None).send_message(
                        101, "hi"
                    )
            except (TimeoutError, AgentChatError) as exc:
                errors.append(exc)
            try:
                with anyio.fail_after(0.2):
                    await chat.get_chat_list()
            except (TimeoutError, AgentChatError) as exc:
                errors.append(exc)
        garbled = b"{'SessionToken': 'tok-99999999'"  # not JSON, and holds a token
        server.raw["/api/AgentLogon"] = lambda target: (
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(garbled), garbled)
        )
        with pytest.raises(ResponseFormatError) as refused:
            async with AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, max_retries=0):
                pass
        errors.append(refused.value)
    assert len(errors) == 3
    texts = [text for error in errors for text in exception_texts(error)]
    assert any("send_message" in text or "_call" in text for text in texts)  # locals were seen
    found = leaks(texts, [PASSWORD, "tok-0000000", "tok-99999999"])
    assert not found, found[:3]
