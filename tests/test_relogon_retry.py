"""A call that re-logs on, retries, and meets another expiry logs on again (not LogonError)."""

from __future__ import annotations

import httpx
import pytest

from .fakes import FakeAgentChat, make_client

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("fake_clock")]


async def test_each_attempt_may_log_on_again_once(api: FakeAgentChat) -> None:
    answers = iter(
        [
            httpx.Response(401),
            httpx.Response(503, headers={"Retry-After": "0"}),
            httpx.Response(401),
            httpx.Response(200, json=[{"ChatID": 1}]),
        ]
    )
    route = api.router.get("/api/GetChatList").mock(side_effect=lambda r: next(answers))
    async with make_client() as chat:
        assert len(await chat.get_chat_list()) == 1
        assert chat.stats.relogons == 2
    assert route.call_count == 4
