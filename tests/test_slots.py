"""The pool's slots (``_slots.py``): first come first served, and no slot lost or given twice.

Each test runs on asyncio (the library's own queue of futures) and on trio
(anyio's ``CapacityLimiter``). What they check is counted from outside: who
holds a slot, in what order they got it, and how many ``try_acquire`` still
hands out once everyone is done.
"""

from __future__ import annotations

import asyncio
import random

import anyio
import pytest

from agentchat._slots import Slots, new_slots

pytestmark = [pytest.mark.anyio, pytest.mark.httpx_only]

BUDGET = 10  # seconds; each test takes milliseconds


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def free_slots(slots: Slots, total: int) -> int:
    """How many slots ``try_acquire`` hands out now (taken back after counting)."""
    count = 0
    while count <= total and slots.try_acquire():
        count += 1
    for _ in range(count):
        slots.release()
    return count


async def settle() -> None:
    """Let every task that can run, run (a bounded number of turns)."""
    for _ in range(10):
        await anyio.lowlevel.checkpoint()


async def take_and_note(slots: Slots, got: list[object], name: object) -> None:
    """Take a slot (waiting for it), note who got it, and give it back."""
    await slots.acquire()
    got.append(name)
    slots.release()


async def test_waiters_get_slots_in_the_order_they_came() -> None:
    slots = new_slots(1)
    order: list[object] = []

    with anyio.fail_after(BUDGET):
        assert slots.try_acquire()
        async with anyio.create_task_group() as tg:
            for number in range(20):
                tg.start_soon(take_and_note, slots, order, number)
                await settle()  # queued before the next one starts
            assert not slots.try_acquire()  # the one slot is held: nobody may jump in
            slots.release()
    assert order == list(range(20))
    assert free_slots(slots, 1) == 1


async def test_a_free_slot_is_taken_without_waiting_and_none_past_the_total() -> None:
    slots = new_slots(3)
    assert [slots.try_acquire() for _ in range(4)] == [True, True, True, False]
    slots.release()
    assert slots.try_acquire()
    for _ in range(3):
        slots.release()
    assert free_slots(slots, 3) == 3


async def test_a_cancelled_waiter_leaves_the_queue_and_the_next_gets_the_slot() -> None:
    slots = new_slots(1)
    got: list[object] = []

    async def waiter(name: str, scope: anyio.CancelScope) -> None:
        with scope:
            await take_and_note(slots, got, name)

    with anyio.fail_after(BUDGET):
        assert slots.try_acquire()
        cancelled = [anyio.CancelScope() for _ in range(100)]
        last = anyio.CancelScope()
        async with anyio.create_task_group() as tg:
            for scope in cancelled:
                tg.start_soon(waiter, "cancelled", scope)
            tg.start_soon(waiter, "last", last)
            await settle()
            for scope in cancelled:
                scope.cancel()
            await settle()
            # Nothing of them is kept (asyncio's queue): callers timing out
            # while a hung server holds every slot must not grow it without end.
            assert len(getattr(slots, "_waiters", [last])) == 1
            slots.release()
    assert got == ["last"]
    assert all(scope.cancelled_caught for scope in cancelled)
    assert free_slots(slots, 1) == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(
    "cancel_first", [False, True], ids=["given-then-cancelled", "cancelled-then-passed-over"]
)
async def test_a_waiter_cancelled_around_a_release_ends_cancelled_and_the_slot_goes_on(
    cancel_first: bool,
) -> None:
    """asyncio's own cancellation (``Task.cancel``, as ``asyncio.timeout`` and
    ``TaskGroup`` do it), on either side of a release, before the waiter runs again.

    - Given, then cancelled: the slot changed hands, then the ``await`` raises:
      the waiter must hand the slot on.
    - Cancelled, then passed over: ``Task.cancel`` cancels the waiter's future
      at once, and the release passes over it: the waiter must still end
      cancelled (not with an error of the queue's).

    (anyio's and trio's cancellations let an await that already completed
    return: the holder runs, and is cancelled at its next checkpoint.)
    """
    slots = new_slots(1)
    got: list[object] = []

    with anyio.fail_after(BUDGET):
        assert slots.try_acquire()
        first = asyncio.create_task(take_and_note(slots, got, "first"))
        await settle()
        second = asyncio.create_task(take_and_note(slots, got, "second"))
        await settle()
        if cancel_first:
            first.cancel()
            slots.release()
        else:
            slots.release()
            first.cancel()
        await asyncio.wait([first, second])
    assert first.cancelled()
    assert got == ["second"]
    assert free_slots(slots, 1) == 1


async def test_holders_never_exceed_the_total_and_every_slot_comes_back() -> None:
    """Hundreds of callers, some cancelled while waiting and some while holding."""
    total = 3
    slots = new_slots(total)
    rng = random.Random(15)
    holding = most = served = 0

    async def caller(turns: int) -> None:
        nonlocal holding, most, served
        for _ in range(turns):
            with anyio.CancelScope() as scope:
                if rng.random() < 0.3:
                    scope.cancel()  # lands while it waits, or as it is given a slot
                await slots.acquire()
                try:
                    holding += 1
                    most = max(most, holding)
                    await anyio.lowlevel.checkpoint()
                    served += 1
                finally:
                    holding -= 1
                    slots.release()

    with anyio.fail_after(BUDGET):
        async with anyio.create_task_group() as tg:
            for _ in range(200):
                tg.start_soon(caller, rng.randint(1, 5))
    assert most == total
    assert served > 0
    assert holding == 0
    assert free_slots(slots, total) == total
