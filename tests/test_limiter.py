"""The concurrency limiter: callers far outnumbering the connections wait for a slot, not fail.

The server (``tests/loopback.py``) listens on 127.0.0.1 in the test's own event
loop. ``AsyncAgentChat`` sizes its limiter to the caller's pool (``POOL``
connections), so at most ``POOL`` requests are ever handed to httpx at once and
the rest wait for a slot before any httpx timeout starts: none can hit
``PoolTimeout``, so none is retried.

* The 2,000-call bursts (a warm pool, then a cold one) check this at scale:
  every call succeeds, ``retries == 0``, and httpx never holds more than
  ``POOL`` requests (counted with its public event hooks).
* The control shows the premise with raw httpx, and the test after it runs the
  very same burst through the client. See the control's docstring for why it
  uses a slow server and not the 2,000-call burst.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from agentchat import APITimeoutError, AsyncAgentChat, ChatList

from .fakes import EMAIL, PASSWORD
from .hostile import serve as serve_hostile
from .loopback import LoopbackServer, serve

pytestmark = pytest.mark.anyio

POOL = 10
POOL_TIMEOUT = 0.5
TIMEOUT = httpx.Timeout(5.0, pool=POOL_TIMEOUT)
CALLS = 2_000
DELAY = 0.005  # server time per GetChatList: a burst lasts >= CALLS / POOL * DELAY = 1 s
KEEPALIVE_EXPIRY = 0.05
SLOW_CALLS = 2 * POOL
SLOW_DELAY = 2 * POOL_TIMEOUT  # the slow server: one GetChatList outlasts the pool timeout
TEST_BUDGET = 60  # seconds; each test takes a few

assert CALLS / POOL * DELAY >= 2 * POOL_TIMEOUT  # the bursts outlast the pool timeout


class InFlight:
    """Requests httpx holds (from its request hook to its response hook), now and at most."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def request(self, request: httpx.Request) -> None:
        self.now += 1
        self.most = max(self.most, self.now)

    async def response(self, response: httpx.Response) -> None:
        self.now -= 1


def pooled_client(in_flight: InFlight, **limits: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=POOL, max_keepalive_connections=POOL, **limits),
        timeout=TIMEOUT,
        event_hooks={"request": [in_flight.request], "response": [in_flight.response]},
    )


def agent_chat(server: LoopbackServer, http: httpx.AsyncClient) -> AsyncAgentChat:
    return AsyncAgentChat(
        EMAIL,
        PASSWORD,
        base_url=server.base_url,
        http_client=http,
        keep_alive_interval=None,
        timeout=TIMEOUT,
    )


async def burst(chat: AsyncAgentChat, calls: int) -> tuple[list[ChatList], float]:
    """``calls`` concurrent GetChatList calls; their results and the seconds they took."""
    results: list[ChatList] = []

    async def one() -> None:
        results.append(await chat.get_chat_list())

    begun = anyio.current_time()
    async with anyio.create_task_group() as tg:
        for _ in range(calls):
            tg.start_soon(one)
    return results, anyio.current_time() - begun


def assert_all_queued_and_succeeded(
    results: list[ChatList],
    calls: int,
    chat: AsyncAgentChat,
    server: LoopbackServer,
    in_flight: InFlight,
) -> None:
    assert len(results) == calls
    assert all(len(result) == 2 for result in results)
    assert [item.chat_id for item in results[0]] == [101, 102]
    assert chat.stats.retries == 0  # a PoolTimeout (or anything else) would have been retried
    assert in_flight.most <= POOL  # the rest waited in the client, not in httpx's pool
    assert server.max_in_progress <= POOL


async def test_a_burst_far_larger_than_the_pool_queues_and_succeeds() -> None:
    in_flight = InFlight()
    with anyio.fail_after(TEST_BUDGET):
        async with (
            serve(delay=DELAY) as server,
            # No connection may expire, even on a loaded machine, where one of
            # them can sit idle past httpx's default 5 s while the others serve.
            pooled_client(in_flight, keepalive_expiry=TEST_BUDGET) as http,
            agent_chat(server, http) as chat,
        ):
            results, elapsed = await burst(chat, CALLS)
    assert_all_queued_and_succeeded(results, CALLS, chat, server, in_flight)
    assert elapsed > 2 * POOL_TIMEOUT, f"the burst took only {elapsed:.2f}s"
    assert server.requests["/api/GetChatList"] == CALLS
    assert server.requests["/api/AgentLogon"] == server.requests["/api/AgentLogoff"] == 1
    assert server.accepted <= POOL
    assert server.max_open <= POOL


async def test_a_burst_on_a_cold_pool_queues_and_succeeds() -> None:
    in_flight = InFlight()
    with anyio.fail_after(TEST_BUDGET):
        async with (
            serve(delay=DELAY) as server,
            pooled_client(in_flight, keepalive_expiry=KEEPALIVE_EXPIRY) as http,
            agent_chat(server, http) as chat,
        ):
            async with anyio.create_task_group() as tg:  # warm the pool up ...
                for _ in range(POOL):
                    tg.start_soon(chat.get_chat_list)
            warm = server.accepted
            await anyio.sleep(KEEPALIVE_EXPIRY * 4)  # ... and let every connection expire
            results, elapsed = await burst(chat, CALLS)
    assert_all_queued_and_succeeded(results, CALLS, chat, server, in_flight)
    assert elapsed > 2 * POOL_TIMEOUT, f"the burst took only {elapsed:.2f}s"
    assert server.requests["/api/GetChatList"] == POOL + CALLS
    # ``warm`` may exceed POOL by one: the logon's connection can expire before
    # the warm-up reuses it. Either way the burst found no live connection.
    assert warm >= 1
    assert server.accepted > warm, "the burst reused connections: the pool was not cold"


async def test_control_raw_httpx_times_out_on_the_pool_when_the_queue_outlasts_it() -> None:
    """The premise: without the limiter, callers queued past the pool timeout fail.

    Deliberately not the 2,000-call burst. httpcore 1.0 restarts a queued
    request's pool timeout whenever it wakes it, and wakes every queued request
    each time a connection frees up, so with a fast server a long queue does not
    time out by its length. At 2,000 calls raw httpx does fail (every request
    but the first 10, plus ConnectTimeouts), but only because that bookkeeping
    is quadratic: on 2 cores ~16 s pass before the first PoolTimeout, ~30 s in
    all. A server slower than the pool timeout makes the premise quick and
    independent of CPU speed: the first ``POOL`` calls hold every connection
    for ``SLOW_DELAY`` = 2 x the pool timeout, and nothing wakes the others.
    """
    in_flight = InFlight()
    errors: list[Exception] = []
    successes = 0

    async def one(http: httpx.AsyncClient, url: str) -> None:
        nonlocal successes
        try:
            response = await http.get(url)
        except httpx.HTTPError as exc:  # collected, so the task group never raises
            errors.append(exc)
        else:
            assert response.status_code == 200
            successes += 1

    with anyio.fail_after(TEST_BUDGET):
        async with serve(delay=SLOW_DELAY) as server, pooled_client(in_flight) as http:
            url = server.base_url + "/api/GetChatList"
            async with anyio.create_task_group() as tg:
                for _ in range(SLOW_CALLS):
                    tg.start_soon(one, http, url)
    assert in_flight.most == SLOW_CALLS  # all handed to httpx at once
    assert successes == POOL
    assert len(errors) == SLOW_CALLS - POOL
    assert all(isinstance(exc, httpx.PoolTimeout) for exc in errors), errors
    assert server.accepted == POOL


async def test_the_controls_burst_through_the_client_waits_and_succeeds() -> None:
    in_flight = InFlight()
    with anyio.fail_after(TEST_BUDGET):
        async with (
            serve(delay=SLOW_DELAY) as server,
            pooled_client(in_flight) as http,
            agent_chat(server, http) as chat,
        ):
            results, elapsed = await burst(chat, SLOW_CALLS)
    assert_all_queued_and_succeeded(results, SLOW_CALLS, chat, server, in_flight)
    # The second half waited a whole SLOW_DELAY (twice the pool timeout) for a slot.
    assert elapsed >= 2 * SLOW_DELAY * 0.99, f"took {elapsed:.2f}s"
    assert server.requests["/api/GetChatList"] == SLOW_CALLS
    assert server.accepted <= POOL


async def test_callers_cut_off_behind_a_trickling_server_give_every_slot_back() -> None:
    """The slots against a raw-socket server that never finishes an answer
    (``tests/hostile.py``'s ``trickle-head``), on the suite's transport
    (``AGENTCHAT_TRANSPORT``).

    Twenty calls share two slots: two trickle on the wire, eighteen queue, and
    every one is cut off by its deadline, most while waiting for a slot. If a
    cancelled waiter kept a slot, or lost one, the KeepAlive after them (the
    server answers it at once) would wait for a slot for ever.

    It is sent once the attempts' bound has passed: pyreqwest goes on with a
    cancelled request until then, holding its connection (docs/transports.md),
    and a KeepAlive sent sooner can time out on reqwest's own pool.
    """
    calls = 20
    bound = 1.0  # timeout=: each attempt's bound
    timed_out: list[APITimeoutError] = []
    with serve_hostile("trickle-head") as server:
        async with AsyncAgentChat(
            EMAIL,
            PASSWORD,
            base_url=server.base_url,
            max_concurrency=2,
            timeout=bound,
            keep_alive_interval=None,
        ) as chat:
            late = chat.with_options(deadline=0.3, max_retries=0)

            async def one() -> None:
                try:
                    await late.get_chat_list()
                except APITimeoutError as exc:
                    timed_out.append(exc)

            with anyio.fail_after(TEST_BUDGET):
                async with anyio.create_task_group() as tg:
                    for _ in range(calls):
                        tg.start_soon(one)
                await anyio.sleep(bound)
                await chat.keep_alive()
    assert len(timed_out) == calls
    assert server.errors == []
    sent = [request.target.split("?")[0] for request in server.requests]
    assert sent.count("/api/GetChatList") <= calls
    assert "/api/KeepAlive" in sent
