"""The chat worker: grab chats and run a handler for each, at most N at a time.

``ChatWorker`` is an async context manager (``AsyncAgentChat.chat_worker()``).
Inside its block a background task grabs chats (GrabChat) whenever a handler
slot is free and runs the user's handler for each in its own task. Every chat
is handled at most once per worker: a chat ID that comes back (after a
re-logon, a transfer back, a grab whose answer was lost) is not handled again.

A GrabChat whose answer was lost (``OutcomeUnknownError``) may have assigned a
chat to us: the worker then looks at the open chats assigned to this agent and
takes any it has not handled, so no grabbed chat is stranded.

Leaving the block (or ``stop()``) stops taking chats, waits up to
``drain_timeout`` seconds for running handlers, cancels those still running,
and writes ``report``: what was handled, what failed, what was left unfinished.
Handlers run shielded from an outside cancellation, so a cancelled service
still drains within the bound; leaving never takes longer than that.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Final

import anyio
import attrs
from anyio.abc import TaskStatus

from ._exceptions import TRANSIENT_ERRORS, AgentChatError, OutcomeUnknownError
from .models import Chat, ChatType

if TYPE_CHECKING:
    from ._client import AsyncAgentChat

__all__ = ["ChatHandler", "ChatWorker", "WorkerReport"]

logger: Final = logging.getLogger("agentchat")

#: ``async def handler(chat: AsyncAgentChat, item: Chat) -> None``
ChatHandler = Callable[["AsyncAgentChat", Chat], Awaitable[object]]


@attrs.frozen(kw_only=True)
class WorkerReport:
    """What a worker did: ``ChatWorker.report``, written when its block ends.

    The chats the worker took, by how their handler ended, in the order they
    ended.

    Attributes:
        handled: The IDs of the chats whose handler returned.
        failed: ``(chat ID, "ValueError: ...")`` for each handler that raised:
            the exception's type and text.
        unfinished: The IDs of the chats whose handler was cancelled when
            ``drain_timeout`` ran out: they stay assigned to the agent,
            unanswered, and need someone's attention.
        error: The fatal error that stopped the worker taking chats (e.g. a
            ``LogonError``), as text; ``None`` when none did.
    """

    handled: tuple[int, ...]
    failed: tuple[tuple[int, str], ...]
    unfinished: tuple[int, ...]
    error: str | None = None


class ChatWorker:
    """Grabs chats and runs a handler for each, at most N at a time, inside its block.

    Made by ``AsyncAgentChat.chat_worker()``; used once, as ``async with``.
    Inside the block a background task grabs chats (GrabChat) whenever a
    handler slot is free, and runs ``await handler(chat, item)`` for each in
    its own task; with nothing to grab it waits ``poll_interval`` seconds.
    Each chat is handled at most once per worker, however it comes back.

    Leaving the block (or ``stop()``) stops taking chats, waits up to
    ``drain_timeout`` seconds for running handlers, cancels those still running,
    and writes ``report``. Handlers are shielded from a cancellation of the code
    around the worker, so leaving never takes longer than ``drain_timeout``.

    Example:
        ```python
        async with chat.chat_worker(answer, max_concurrent=8) as worker:
            while worker.error is None and not stopping.is_set():
                with anyio.move_on_after(1):
                    await stopping.wait()
        print(worker.report.handled)
        ```

    A handler's exception is recorded in ``report.failed`` and the worker goes
    on; transient GrabChat failures back off (up to 60 s) and retry; a fatal
    one (``LogonError``, another 4xx) stops the taking of chats and sets
    ``error``, but does not end your block.
    """

    def __init__(
        self,
        client: AsyncAgentChat,
        handler: ChatHandler,
        *,
        max_concurrent: int,
        poll_interval: float,
        drain_timeout: float,
    ) -> None:
        self._client = client
        self._handler = handler
        self._poll_interval = poll_interval
        self._drain_timeout = drain_timeout
        self._slots = anyio.Semaphore(max_concurrent)
        self._stopping = anyio.Event()
        self._taking_done = anyio.Event()
        self._handlers_done = anyio.Event()
        self._task_group = anyio.create_task_group()
        self._running: dict[int, anyio.CancelScope] = {}
        self._taken: set[int] = set()
        self._handled: list[int] = []
        self._failed: list[tuple[int, str]] = []
        self._unfinished: list[int] = []
        self._error: AgentChatError | None = None
        self._must_recover = False
        self._entered = False
        self._report: WorkerReport | None = None

    @property
    def error(self) -> AgentChatError | None:
        """The fatal error that stopped taking chats (e.g. ``LogonError``), if one did.

        The worker does not end your block: check this while you wait.
        """
        return self._error

    @property
    def report(self) -> WorkerReport:
        """What the worker did: chats handled, failed and unfinished.

        Written as the ``async with`` block ends (by an exception or a
        cancellation too), so code after the block reads it without a check.

        Raises:
            RuntimeError: Read before the block ended. Read it after the block;
                inside it, ``error`` says whether taking chats stopped.
        """
        if self._report is None:
            state = "is still running" if self._entered else "was never entered"
            raise RuntimeError(
                f"ChatWorker.report is written when the `async with chat.chat_worker(...)` "
                f"block ends, and this worker {state}: read worker.report after the block "
                "(inside it, worker.error says whether taking chats stopped)"
            )
        return self._report

    def stop(self) -> None:
        """Stop taking chats; running handlers go on (leaving the block drains them).

        Safe to call more than once, and from a handler.
        """
        self._stopping.set()

    async def __aenter__(self) -> ChatWorker:
        if self._entered:
            raise RuntimeError("a ChatWorker can be entered once")
        self._entered = True
        await self._task_group.__aenter__()
        try:
            await self._task_group.start(self._take_chats, name="agentchat chat worker")
        except BaseException:
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        with anyio.CancelScope(shield=True):
            with anyio.move_on_after(self._drain_timeout):
                # A GrabChat in flight finishes (a chat it takes is ours to
                # handle); then the handlers finish.
                await self._taking_done.wait()
                if self._running:
                    await self._handlers_done.wait()
            for scope in self._running.values():
                scope.cancel()
        try:
            self._task_group.cancel_scope.cancel()
            await self._task_group.__aexit__(None, None, None)
        finally:
            # Written even when the surrounding scope's cancellation comes out here.
            self._report = WorkerReport(
                handled=tuple(self._handled),
                failed=tuple(self._failed),
                unfinished=tuple(self._unfinished),
                error=str(self._error) if self._error else None,
            )

    # -- taking chats --------------------------------------------------------

    async def _take_chats(self, *, task_status: TaskStatus[None]) -> None:
        task_status.started()
        try:
            await self._take_until_stopped()
        finally:
            self._taking_done.set()

    async def _take_until_stopped(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            await self._slots.acquire()
            started = False
            try:
                if self._stopping.is_set():
                    return
                chats = [chat for chat in await self._next_chats() if await self._claimed(chat)]
                failures = 0
                if not chats:
                    await self._pause(self._poll_interval)
                    continue
                for chat in chats:
                    if started:  # one slot was taken per round; more chats take more
                        await self._slots.acquire()
                    self._start(chat)
                    started = True
            except TRANSIENT_ERRORS as exc:
                failures += 1
                delay = min(60.0, self._poll_interval * 2.0 ** min(failures, 10))
                logger.warning("chat worker: %s; trying again in %.2fs", exc, delay)
                await self._pause(delay)
            except AgentChatError as exc:
                logger.error("chat worker stopped taking chats: %s", exc)
                self._error = exc
                self._stopping.set()
            finally:
                if not started:
                    self._slots.release()

    async def _next_chats(self) -> list[Chat]:
        """A grabbed chat, or the ones a lost GrabChat answer may have given us."""
        if self._must_recover:
            # A lost grab not yet recovered (the look-up failed): look again
            # before grabbing more, so no chat assigned to us is stranded.
            chats = await self._recover()
            self._must_recover = False
            return chats
        try:
            chat = await self._client.grab_chat()
        except OutcomeUnknownError as exc:
            logger.warning("chat worker: %s; looking for chats assigned to us", exc)
            self._must_recover = True
            chats = await self._recover()
            self._must_recover = False
            return chats
        if chat is None or chat.chat_id in self._taken:
            return []
        return [chat]

    async def _claimed(self, chat: Chat) -> bool:
        """Whether this worker may handle the chat: no other member of the fleet claimed it.

        ``_next_chats`` hands out only chats not taken yet; one another member
        claimed is marked taken, so it is not asked about again.
        """
        if await self._client._claim(chat.chat_id):
            return True
        self._taken.add(chat.chat_id)
        return False

    async def _recover(self) -> list[Chat]:
        me = self._client.agent.agent_id if self._client.agent else None
        if me is None:
            return []
        open_chats = await self._client.get_chat_list(chat_type=ChatType.OPEN)
        return [c for c in open_chats if c.agent_id == me and c.chat_id not in self._taken]

    async def _pause(self, seconds: float) -> None:
        with anyio.move_on_after(seconds):
            await self._stopping.wait()

    def _start(self, chat: Chat) -> None:
        if self._handlers_done.is_set():
            self._handlers_done = anyio.Event()
        self._taken.add(chat.chat_id)
        scope = anyio.CancelScope(shield=True)
        self._running[chat.chat_id] = scope
        self._task_group.start_soon(self._handle, chat, scope, name=f"chat {chat.chat_id}")

    async def _handle(self, chat: Chat, scope: anyio.CancelScope) -> None:
        try:
            with scope:
                await self._handler(self._client, chat)
            if scope.cancel_called:
                self._unfinished.append(chat.chat_id)
            else:
                self._handled.append(chat.chat_id)
        except Exception as exc:
            logger.exception("chat worker: the handler failed for chat %d", chat.chat_id)
            self._failed.append((chat.chat_id, f"{type(exc).__name__}: {exc}"))
        finally:
            del self._running[chat.chat_id]
            if not self._running:
                self._handlers_done.set()
            self._slots.release()
