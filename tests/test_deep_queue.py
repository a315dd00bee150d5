"""A session expiry under a deep queue, over a real socket, on the suite's transport.

Calls queue for a slot behind ``max_concurrency``; each takes its token once it
holds one. When the server rejects a token, the session marks it rejected at
once, so no queued call sends it: only the calls already on the wire meet the
expiry (fewer than the slots, and never twice the slots), they share one
re-logon, and the queue flows on without a stall.
"""

from __future__ import annotations

import itertools
from typing import Any, Final

import anyio
import pytest

from agentchat import AsyncAgentChat

from .fakes import EMAIL, PASSWORD
from .loopback import LoopbackServer, serve

pytestmark = pytest.mark.anyio

SLOTS: Final = 10
QUEUED: Final = 600


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def client(server: LoopbackServer, **kwargs: Any) -> AsyncAgentChat:
    kwargs.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(EMAIL, PASSWORD, base_url=server.base_url, **kwargs)


async def test_one_expiry_under_a_deep_queue_costs_at_most_the_calls_on_the_wire() -> None:
    finished: list[float] = []
    async with serve(delay=0.005) as server:
        server.check_sessions = True
        async with client(server, max_concurrency=SLOTS) as chat:

            async def call() -> None:
                await chat.get_chat_list()
                finished.append(anyio.current_time())

            with anyio.fail_after(60):
                async with anyio.create_task_group() as tg:
                    for _ in range(QUEUED):
                        tg.start_soon(call)
                    while len(finished) < QUEUED // 5:  # bounded by fail_after
                        await anyio.sleep(0.002)
                    server.expire()
                    expired_at = len(finished)
            relogons = chat.stats.relogons
    assert len(finished) == QUEUED
    assert expired_at < QUEUED // 2  # most of the queue was still waiting
    assert relogons == 1
    # Only requests already on the wire carried the dead token (the old code
    # sent it from every queued call: hundreds).
    assert 1 <= server.rejected < 2 * SLOTS
    assert server.requests["/api/GetChatList"] == QUEUED + server.rejected
    # No stall: the queue went on as soon as the one re-logon was done.
    assert max(later - earlier for earlier, later in itertools.pairwise(finished)) < 1.0


async def test_a_relogon_whose_caller_is_cancelled_keeps_the_session_it_made() -> None:
    async with serve() as server:
        server.check_sessions = True
        async with client(server) as chat:
            server.expire()
            server.logon_delay = 0.3
            with anyio.fail_after(10):
                with anyio.move_on_after(0.05) as scope:
                    await chat.get_chat_list()  # cancelled during its re-logon
                assert scope.cancelled_caught
                server.logon_delay = 0.0
                assert len(await chat.get_chat_list()) == 2
            # The cancelled caller's re-logon finished, and its session is the
            # one in use: no third logon, no session left behind on the server.
            assert server.requests["/api/AgentLogon"] == 2
            assert chat.stats.relogons == 1
            assert len(server.live) == 1
