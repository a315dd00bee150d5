"""The slots of a connection pool: callers past its size wait their turn, first come first served.

``Pipeline._attempt`` takes a slot before it sends and gives it back once the
answer is read, so the wire is never handed more requests than its pool has
connections and thousands of callers wait here cheaply instead of failing with
a pool timeout.

On asyncio (``_AsyncioSlots``), a waiting caller is one future in a queue, and
a slot given back goes straight to the first live waiter: no slot is free while
anyone waits. This is what anyio's ``CapacityLimiter`` does there with an
``asyncio.Event`` per waiter, an exception for "none free", and a borrower
table: with 1,000 callers for 100 slots the library's own cost per call was
24 µs with it and is 10 µs with this (``benchmarks/overhead.py``, its "1,000 at
once" rows). On trio, and any other anyio backend,
``_AnyioSlots`` is anyio's ``CapacityLimiter``.

A waiter that is cancelled leaves the queue; one that was given a slot as it
was cancelled gives it to the next waiter: no slot is lost, none is given twice
(``tests/test_slots.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Protocol

import anyio

__all__ = ["Slots", "new_slots"]


class Slots(Protocol):
    """A pool's slots. ``acquire`` waits; ``try_acquire`` does not; ``release`` gives one back."""

    def try_acquire(self) -> bool: ...

    async def acquire(self) -> None: ...

    def release(self) -> None: ...


def new_slots(total: int) -> Slots:
    """``total`` slots for callers of the running event loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # trio, or another anyio backend
        return _AnyioSlots(total)
    return _AsyncioSlots(total, loop)


class _AsyncioSlots:
    """Slots on asyncio: each waiter is a future; a slot given back goes to the first."""

    __slots__ = ("_free", "_loop", "_waiters")

    def __init__(self, total: int, loop: asyncio.AbstractEventLoop) -> None:
        self._free = total
        self._loop = loop
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        # A slot is never free while a live waiter is queued (release hands it
        # over), so taking a free one never jumps the queue.
        if self._free:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # given a slot as it was cancelled: the next one's
            else:
                # Still queued, unless a release meanwhile passed over it.
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot changes hands; none is freed
                return
        self._free += 1


class _AnyioSlots:
    """Slots on any anyio backend: anyio's ``CapacityLimiter``, one borrower per acquire."""

    __slots__ = ("_borrowers", "_limiter")

    def __init__(self, total: int) -> None:
        self._limiter = anyio.CapacityLimiter(total)
        # Given back in any order: anyio wants the one that took the slot.
        self._borrowers: list[object] = []

    def try_acquire(self) -> bool:
        borrower = object()
        try:
            self._limiter.acquire_on_behalf_of_nowait(borrower)
        except anyio.WouldBlock:
            return False
        self._borrowers.append(borrower)
        return True

    async def acquire(self) -> None:
        borrower = object()
        await self._limiter.acquire_on_behalf_of(borrower)
        self._borrowers.append(borrower)

    def release(self) -> None:
        self._limiter.release_on_behalf_of(self._borrowers.pop())
