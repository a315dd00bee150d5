"""A session store shared by several clients of one agent: ``MemoryStore`` and ``RedisStore``.

Every test runs on both stores (Redis: a real ``redis-server`` on a free port).

Against a simulator that keeps one session per agent, two clients that log on
for themselves evict each other's token in a loop of re-logons; sharing a store,
they use one session, make one logon, one keep-alive per interval, and the last
one to leave logs off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import pytest

from agentchat import (
    AsyncAgentChat,
    Chat,
    InvalidRequestError,
    MemoryStore,
    RedisStore,
    SessionStore,
)
from agentchat.simulator import Faults, Simulator, SimulatorConfig
from agentchat.simulator._state import OPEN

from .redis_server import RedisServer

# asyncio: RedisStore is redis-py's asyncio client (MemoryStore runs on trio too:
# see test_a_memory_store_runs_on_trio).
pytestmark = [pytest.mark.anyio, pytest.mark.httpx_only]

NewStore = Callable[[], SessionStore]


@pytest.fixture(params=["memory", "redis"])
async def new_store(request: pytest.FixtureRequest) -> AsyncIterator[NewStore]:
    """Makes fresh stores of one kind; Redis ones are closed after the test."""
    made: list[RedisStore] = []
    server: RedisServer | None = None
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")

    def make() -> SessionStore:
        if server is None:
            return MemoryStore()
        store = RedisStore(server.url, prefix=f"test{len(made)}:")
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


def client(sim: Simulator, **options: object) -> AsyncAgentChat:
    return AsyncAgentChat(
        sim.agent_email,
        sim.agent_password,
        base_url="http://127.0.0.1",
        transport=sim.transport(),
        **options,  # type: ignore[arg-type]
    )


async def interleave(first: AsyncAgentChat, second: AsyncAgentChat, rounds: int) -> None:
    for _ in range(rounds):
        await first.get_chat_list(chat_type="open")
        await second.get_chat_list(chat_type="open")


@pytest.fixture
def sim() -> Simulator:
    return Simulator(SimulatorConfig(one_session_per_agent=True))


async def test_without_a_store_two_clients_evict_each_other(sim: Simulator) -> None:
    async with client(sim) as first, client(sim) as second:
        await interleave(first, second, 5)
        relogons = first.stats.relogons + second.stats.relogons
    assert relogons >= 9  # every call after the first meets an evicted token
    assert sim.logon_count(sim.agent_email) >= 11


async def test_a_shared_store_makes_one_session(sim: Simulator, new_store: NewStore) -> None:
    store = new_store()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 5)
        assert first.agent == b.agent is not None
        stats = first.stats, b.stats
    assert sim.logon_count(sim.agent_email) == 1
    assert [s.logons for s in stats] == [1, 0]  # the second adopted the first's session
    assert [s.relogons for s in stats] == [0, 0]


async def test_an_expired_session_is_renewed_once_for_every_member(
    sim: Simulator, new_store: NewStore
) -> None:
    store = new_store()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 1)
        sim.expire_sessions()
        async with anyio.create_task_group() as group:
            for member in (first, b) * 10:
                group.start_soon(member.get_chat_list)
    assert sim.logon_count(sim.agent_email) == 2  # entering, and one renewal


async def test_only_the_last_member_logs_off(sim: Simulator, new_store: NewStore) -> None:
    store = new_store()
    async with client(sim, session_store=store) as first:
        async with client(sim, session_store=store) as second:
            await second.get_chat_list()
        assert sim.requests["AgentLogoff"] == 0  # the first still uses the session
        await first.get_chat_list()  # and it is still alive
    assert sim.requests["AgentLogoff"] == 1
    assert await store.current(_key(sim)) is None  # forgotten once logged off


async def test_a_fleet_after_the_last_member_left_shares_a_session_again(
    sim: Simulator, new_store: NewStore
) -> None:
    """The logged-off session is forgotten, not its generation: the next one is published."""
    store = new_store()
    async with client(sim, session_store=store) as chat:
        await chat.get_chat_list()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 2)
        stats = first.stats, b.stats
    assert [s.logons for s in stats] == [1, 0]  # the second adopted the first's session
    assert sim.logon_count(sim.agent_email) == 2


async def test_keep_alive_runs_once_for_the_fleet(sim: Simulator, new_store: NewStore) -> None:
    store = new_store()
    interval = 0.2
    members = [client(sim, session_store=store, keep_alive_interval=interval) for _ in range(3)]
    async with members[0], members[1], members[2]:
        await anyio.sleep(interval * 6)
        sent = sum(member.stats.keep_alives for member in members)
    # Three clients alone would send about 3 x 6; the fleet sends one per interval.
    assert 2 <= sent <= 7, sent
    assert sim.requests["KeepAlive"] == sent


async def test_another_agent_is_another_session(new_store: NewStore) -> None:
    sim = Simulator(SimulatorConfig(one_session_per_agent=True))
    store = new_store()
    agent = client(sim, session_store=store)
    manager = AsyncAgentChat(
        sim.manager_email,
        sim.manager_password,
        base_url="http://127.0.0.1",
        transport=sim.transport(),
        session_store=store,
    )
    async with agent, manager:
        await interleave(agent, manager, 3)
    assert sim.logon_count(sim.agent_email) == sim.logon_count(sim.manager_email) == 1


def _key(sim: Simulator) -> str:
    from agentchat._store import session_key

    return session_key("http://127.0.0.1", sim.agent_email)


async def work_the_queue(sim: Simulator, store: SessionStore | None) -> list[list[int]]:
    """Two workers of one agent; every GrabChat answer is lost (processed, then dropped).

    Each worker then recovers the chats assigned to the agent from GetChatList:
    the same list for both.
    """
    handled: list[list[int]] = [[], []]

    def handler(index: int) -> Callable[[AsyncAgentChat, Chat], Awaitable[None]]:
        async def handle(chat: AsyncAgentChat, item: Chat) -> None:
            handled[index].append(item.chat_id)

        return handle

    options = {} if store is None else {"session_store": store}
    async with (
        client(sim, **options) as first,
        client(sim, **options) as second,
        first.chat_worker(handler(0), poll_interval=0.05),
        second.chat_worker(handler(1), poll_interval=0.05),
    ):
        # Long enough to grab (and lose the answers of) every chat the agent can take.
        await anyio.sleep(1.5)
    return handled


async def test_without_a_store_two_workers_handle_the_same_chats() -> None:
    sim = Simulator(SimulatorConfig(faults=Faults(drop_after={"GrabChat": 1.0})))
    first, second = await work_the_queue(sim, None)
    assert set(first) & set(second)  # the recovery path hands both the same chats


async def test_a_shared_store_claims_each_chat_for_one_worker(new_store: NewStore) -> None:
    sim = Simulator(SimulatorConfig(faults=Faults(drop_after={"GrabChat": 1.0})))
    first, second = await work_the_queue(sim, new_store())
    agent = sim.state.agent_by_email(sim.agent_email)
    assert agent is not None
    chats = sim.state.chats.values()
    assigned = {c.chat_id for c in chats if c.agent_id == agent.agent_id and c.status == OPEN}
    assert not set(first) & set(second)  # no chat handled by both
    assert sorted(first + second) == sorted(assigned)  # and every one of the agent's once


async def test_watchers_that_claim_share_the_new_chats(sim: Simulator, new_store: NewStore) -> None:
    store = new_store()
    seen: list[list[int]] = [[], []]

    async def watch(chat: AsyncAgentChat, into: list[int]) -> None:
        with anyio.move_on_after(1.0):
            async for event in chat.watch_chats("unassigned", interval=0.1, claim=True):
                if event.kind == "new":
                    into.append(event.chat.chat_id)

    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        waiting = {item.chat_id for item in await first.get_chat_list(chat_type="unassigned")}
        async with anyio.create_task_group() as group:
            group.start_soon(watch, first, seen[0])
            group.start_soon(watch, b, seen[1])
    assert not set(seen[0]) & set(seen[1])
    assert set(seen[0]) | set(seen[1]) == waiting
    assert len(waiting) > 2


async def test_claiming_needs_a_store(sim: Simulator) -> None:
    async with client(sim) as chat:
        with pytest.raises(InvalidRequestError, match="session_store"):
            chat.watch_chats(claim=True)


async def test_a_rate_limit_is_shared_through_the_store(
    sim: Simulator, new_store: NewStore
) -> None:
    """Two clients at 50 requests a second each: 100 calls take 1 s alone, 2 s shared."""

    async def burst(store: SessionStore | None) -> float:
        options: dict[str, object] = {"rate_limit": 50.0}
        if store is not None:
            options["session_store"] = store
        async with client(sim, **options) as first, client(sim, **options) as second:
            started = anyio.current_time()
            async with anyio.create_task_group() as group:
                for member in (first, second) * 75:
                    group.start_soon(member.keep_alive)
            return anyio.current_time() - started

    alone, shared = await burst(None), await burst(new_store())
    # 150 calls: 50 of each bucket go at once, the rest at 50/s per bucket.
    assert alone >= 0.45
    assert shared >= 1.9
    assert shared > alone * 2


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_a_memory_store_runs_on_trio(sim: Simulator) -> None:
    store = MemoryStore()
    async with client(sim, session_store=store) as first, client(sim, session_store=store) as b:
        await interleave(first, b, 3)
    assert sim.logon_count(sim.agent_email) == 1


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_a_redis_store_refuses_trio(sim: Simulator) -> None:
    with pytest.raises(InvalidRequestError, match="asyncio"):
        async with client(sim, session_store="redis://127.0.0.1:1/0"):
            pass


async def test_the_environment_names_the_store(
    sim: Simulator, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTCHAT_SESSION_STORE", redis_server.url)
    async with client(sim) as first, client(sim) as second:
        await interleave(first, second, 3)
    assert sim.logon_count(sim.agent_email) == 1


@pytest.mark.parametrize("value", ["http://user:hunter2pw@127.0.0.1:6379", "redis", 42, object()])
async def test_a_store_that_is_neither_a_store_nor_a_redis_url_is_refused(
    sim: Simulator, value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidRequestError, match="session_store must be") as caught:
        client(sim, session_store=value)
    assert "hunter2pw" not in str(caught.value)
    if isinstance(value, str):
        monkeypatch.setenv("AGENTCHAT_SESSION_STORE", value)
        with pytest.raises(
            InvalidRequestError, match="AGENTCHAT_SESSION_STORE must be a redis:"
        ) as env:
            client(sim)
        assert "hunter2pw" not in str(env.value)
