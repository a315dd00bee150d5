"""Watching GetChatList: typed new / changed / gone events from successive polls.

``ChatWatcher`` is an async iterator with no task and no async generator behind
it: each ``__anext__`` hands out an event it already has, or sleeps until the
next poll, polls once and diffs. Leaving an ``async for`` early, cancelling the
task that iterates, or leaving the client's block therefore leaves nothing
running (the classic async-generator and task-group pitfalls cannot happen).
``async with chat.watch_chats() as events:`` is there for code that wants the
end to be explicit.

Transient failures (connection errors, timeouts, 429 and 5xx, unreadable
bodies) back off with jitter, reset after a success, and are never yielded.
Fatal ones (``LogonError``, any other 4xx) end the iteration by raising.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Final, Literal

import anyio
import attrs

from ._exceptions import TRANSIENT_ERRORS, AgentChatError
from .models import Chat, ChatList

__all__ = ["ChatEvent", "ChatWatcher"]

logger: Final = logging.getLogger("agentchat")

#: Longest wait between polls after repeated transient failures.
BACKOFF_MAX: Final = 60.0


@attrs.frozen(kw_only=True)
class ChatEvent:
    """What changed about one chat between two polls of GetChatList.

    What a ``ChatWatcher`` yields.

    Attributes:
        kind: ``"new"``: the first time this watcher sees the chat (on the
            first poll, every listed chat, unless ``skip_backlog``).
            ``"changed"``: a field differs from the previous poll, or the chat
            came back after being gone. ``"gone"``: no longer listed.
        chat: The chat as this poll saw it; for ``"gone"``, as it was last seen.
        previous: The chat as the poll before saw it, for a ``"changed"``
            chat that did not come back from being gone; else ``None``.
    """

    kind: Literal["new", "changed", "gone"]
    chat: Chat
    previous: Chat | None = None


class ChatWatcher:
    """The async iterator of ``ChatEvent`` that ``AsyncAgentChat.watch_chats()`` returns.

    Each step hands out an event it already has, or waits for the next poll,
    polls GetChatList once and compares. Nothing runs in the background:
    leaving an ``async for`` early, or cancelling the task that iterates, leaves
    nothing behind. The iteration ends when the client's block is left, or on
    ``aclose()``; use it as ``async with`` to make that end explicit.

    Transient failures (connection errors, timeouts, 429 and 5xx, unreadable
    bodies) back off with jitter, up to 60 seconds, and are never yielded.

    Example:
        ```python
        async with chat.watch_chats("unassigned", interval=2) as events:
            async for event in events:
                if event.kind == "new":
                    print("waiting:", event.chat.customer_name)
        ```

    Attributes:
        polls: The polls that succeeded so far.
        failures: The transient failures met so far (each was retried).

    Raises:
        LogonError: The session could not be re-established; the iteration ends.
        APIStatusError: An error answer other than 429 and 5xx (a 4xx such as
            ``PermissionDeniedError``, or a redirect); the iteration ends.
    """

    def __init__(
        self,
        poll: Callable[[], Awaitable[ChatList]],
        closed: Callable[[], bool],
        wait_closed: Callable[[float, anyio.Event], Awaitable[bool]],
        *,
        interval: float,
        skip_backlog: bool,
        claim: Callable[[int], Awaitable[bool]] | None = None,
    ) -> None:
        self._poll = poll
        self._closed = closed
        self._wait_closed = wait_closed
        self._interval = interval
        self._skip_backlog = skip_backlog
        self._claim = claim
        #: Chats another watcher of the fleet claimed: none of their events is ours.
        self._others: set[int] = set()
        self._pending: deque[ChatEvent] = deque()
        self._last: dict[int, Chat] | None = None
        self._seen: set[int] = set()
        self._next_poll = 0.0
        self._failures = 0
        self._ended = False
        self._stop = anyio.Event()
        self.polls = 0
        self.failures = 0

    def __aiter__(self) -> ChatWatcher:
        return self

    async def __aenter__(self) -> ChatWatcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """End the iteration: the next step raises ``StopAsyncIteration``.

        Wakes an iteration waiting for its next poll. Safe to call more than once.
        """
        self._ended = True
        self._pending.clear()
        self._stop.set()  # wakes an iteration waiting for its next poll

    async def __anext__(self) -> ChatEvent:
        while True:
            event = await self._next_event()
            if self._claim is None or await self._mine(event):
                return event

    async def _mine(self, event: ChatEvent) -> bool:
        """Whether an event is this watcher's: a new chat it claims, or one it claimed."""
        assert self._claim is not None
        chat_id = event.chat.chat_id
        if chat_id in self._others:
            return False
        if event.kind == "new" and not await self._claim(chat_id):
            self._others.add(chat_id)
            return False
        return True

    async def _next_event(self) -> ChatEvent:
        while not self._pending:
            if self._ended or self._closed():
                self._ended = True
                raise StopAsyncIteration
            delay = self._next_poll - anyio.current_time()
            if delay > 0:
                await self._wait_closed(delay, self._stop)
                if self._ended or self._closed():
                    continue  # closed while we waited: the loop's top ends it
            try:
                chat_list = await self._poll()
            except TRANSIENT_ERRORS as exc:
                self._back_off(exc)
                continue
            except AgentChatError:
                self._ended = True
                raise
            self.polls += 1
            self._failures = 0
            self._next_poll = anyio.current_time() + self._interval
            self._diff(chat_list)
        return self._pending.popleft()

    def _back_off(self, exc: AgentChatError) -> None:
        self._failures += 1
        self.failures += 1
        step = min(BACKOFF_MAX, self._interval * 2.0 ** min(self._failures, 16))
        delay = step * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography
        logger.warning("watch_chats: GetChatList failed (%s); polling again in %.2fs", exc, delay)
        self._next_poll = anyio.current_time() + delay

    def _diff(self, chat_list: ChatList) -> None:
        """Events between the last poll and this one; linear in the list sizes."""
        current = {chat.chat_id: chat for chat in chat_list.chats}
        previous, self._last = self._last, current
        if previous is None:
            self._seen.update(current)
            if not self._skip_backlog:
                self._pending.extend(ChatEvent(kind="new", chat=chat) for chat in current.values())
            return
        pending, seen = self._pending, self._seen
        for chat_id, chat in current.items():
            before = previous.get(chat_id)
            if before is None:
                if chat_id in seen:
                    pending.append(ChatEvent(kind="changed", chat=chat))
                else:
                    seen.add(chat_id)
                    pending.append(ChatEvent(kind="new", chat=chat))
            elif before != chat:
                pending.append(ChatEvent(kind="changed", chat=chat, previous=before))
        for chat_id, chat in previous.items():
            if chat_id not in current:
                pending.append(ChatEvent(kind="gone", chat=chat))
