"""Where an agent's session lives: in one client, or shared by a fleet of processes.

By default every ``AsyncAgentChat`` keeps its session to itself (``_session.py``
alone). With a ``session_store``, clients logged on as the same agent at the same
server, in this process or in others, share one session through the store:

* one token per (base URL, agent), with a *generation* that grows at each logon;
* logon and re-logon are single-flight across the fleet: a client that meets a
  rejected token asks the store to ``renew`` the generation it saw; the first
  takes a lock (with a timeout, so a crashed holder never blocks the others) and
  logs on, the others wait and adopt its token;
* keep-alive once per agent for the fleet: each member tells the store when it
  last used the session, and only a member that finds the whole fleet idle for
  an interval, and wins that interval's claim, sends KeepAlive;
* the last member to leave logs off;
* claims (a chat handled once across the fleet) and a token bucket (a rate limit
  shared by the fleet).

``MemoryStore`` does this for the clients of one process (several clients of one
agent); ``RedisStore`` (``_redis_store.py``, the ``redis`` extra) for a fleet.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from typing import Any, Final, Protocol, runtime_checkable

import anyio
import attrs

from ._exceptions import InvalidRequestError
from ._redaction import Secret, redact

logger = logging.getLogger("agentchat")

__all__ = [
    "STORE_RETRY",
    "Logon",
    "MemoryStore",
    "SessionStore",
    "Shared",
    "Throttle",
    "open_store",
    "session_key",
    "store_failed",
]


@attrs.frozen(repr=False)
class Shared:
    """A session as the store holds it: the token, its generation, who it is."""

    token: Secret
    #: How many logons the fleet made for this key (grows with every one).
    generation: int
    #: The logon answer, its token masked: ``LogonResult`` is rebuilt from it.
    agent: Mapping[str, Any]

    def __repr__(self) -> str:
        return f"Shared(generation={self.generation})"


#: What ``renew`` calls to log on when it holds the lock: the token and the
#: logon answer (its token masked).
Logon = Callable[[], Awaitable[tuple[Secret, Mapping[str, Any]]]]


@runtime_checkable
class SessionStore(Protocol):
    """What a client asks of a session store (``MemoryStore``, ``RedisStore``).

    ``key`` names one agent at one server (``session_key``); ``member`` one
    client. Times are seconds.
    """

    async def current(self, key: str) -> Shared | None:
        """The session the fleet uses now, or ``None``."""
        ...

    async def renew(self, key: str, stale: int, logon: Logon) -> Shared:
        """A session newer than generation ``stale``: another member's, or ``logon()``'s.

        Single-flight: of the members that ask with the same ``stale``
        generation, one calls ``logon`` while the others wait for its result.
        """
        ...

    async def forget(self, key: str, generation: int) -> None:
        """Drop the session if it is still ``generation`` (it was logged off)."""
        ...

    async def keep_alive_due(self, key: str, member: str, idle_for: float, interval: float) -> bool:
        """Record this member's last use; whether it must send the fleet's KeepAlive now.

        ``idle_for`` is how long ago this member last used the session. True
        only when no member used it for ``interval`` and this member won the
        claim for the interval; the others skip their tick.
        """
        ...

    async def join(self, key: str, member: str) -> None:
        """Count ``member`` as live from now (its keep-alive ticks keep it live)."""
        ...

    async def leave(self, key: str, member: str, ttl: float) -> bool:
        """This member is done; whether it was the last live one (then it logs off).

        A member is live when it recorded a use or a tick within ``ttl``.
        """
        ...

    async def claim(self, key: str, item: str, member: str, ttl: float) -> bool:
        """Claim ``item`` (a chat) for ``member`` for ``ttl`` seconds; False if another holds it."""
        ...

    async def reserve(self, key: str, rate: float, burst: float) -> float:
        """Take one request from the token bucket; the seconds to wait before sending it."""
        ...


#: Seconds a store that failed is left alone before it is asked again.
STORE_RETRY: Final = 5.0


def store_failed(exc: BaseException, then: str) -> None:
    """Say (a WARNING, redacted) that the store failed, and what the client does instead."""
    logger.warning("the session store failed (%s); %s", redact(f"{exc}"), then)


def session_key(base_url: str, email_address: str) -> str:
    """The store's name for one agent at one server (no secret in it)."""
    text = f"{base_url.rstrip('/')}\n{email_address.strip().lower()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@attrs.define
class _Entry:
    shared: Shared | None = None
    generation: int = 0
    lock: anyio.Lock = attrs.field(factory=anyio.Lock)
    used: float = -math.inf
    keep_alive_claimed: float = -math.inf
    members: dict[str, float] = attrs.field(factory=dict)
    tokens: float | None = None
    tokens_at: float = 0.0


class MemoryStore:
    """A session store for the clients of this process.

    Several ``AsyncAgentChat`` objects logged on as the same agent share one
    session, one re-logon and one keep-alive through it (pass the same object to
    each as ``session_store``). Not shared with other processes: that is
    ``RedisStore``'s job. It has no arguments and no attributes of its own.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._claims: dict[tuple[str, str], tuple[str, float]] = {}

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._entries)} sessions)"

    def _entry(self, key: str) -> _Entry:
        return self._entries.setdefault(key, _Entry())

    async def current(self, key: str) -> Shared | None:
        """The session the clients of this process share for ``key``, or ``None``."""
        return self._entry(key).shared

    async def renew(self, key: str, stale: int, logon: Logon) -> Shared:
        """A session newer than ``stale``; one ``logon()`` at a time (an anyio lock per key)."""
        entry = self._entry(key)
        async with entry.lock:
            if entry.shared is not None and entry.generation > stale:
                return entry.shared  # another member logged on while this one waited
            token, agent = await logon()
            entry.generation = max(entry.generation, stale) + 1
            entry.shared = Shared(token=token, generation=entry.generation, agent=agent)
            return entry.shared

    async def forget(self, key: str, generation: int) -> None:
        """Drop the session if it is still ``generation`` (the generation count stays)."""
        entry = self._entry(key)
        if entry.shared is not None and entry.shared.generation == generation:
            entry.shared = None

    async def keep_alive_due(self, key: str, member: str, idle_for: float, interval: float) -> bool:
        """Record ``member``'s last use; True when all were idle and it won this interval."""
        entry, now = self._entry(key), anyio.current_time()
        entry.members[member] = now
        entry.used = max(entry.used, now - idle_for)
        if now - entry.used < interval or now - entry.keep_alive_claimed < interval:
            return False
        entry.keep_alive_claimed = entry.used = now
        return True

    async def join(self, key: str, member: str) -> None:
        """Count ``member`` as live from now."""
        self._entry(key).members[member] = anyio.current_time()

    async def leave(self, key: str, member: str, ttl: float) -> bool:
        """Remove ``member``; True when no other member ticked within ``ttl``."""
        entry, now = self._entry(key), anyio.current_time()
        entry.members.pop(member, None)
        return not any(now - seen < ttl for seen in entry.members.values())

    async def claim(self, key: str, item: str, member: str, ttl: float) -> bool:
        """Hold ``item`` for ``member`` until ``ttl`` runs out; False if another holds it."""
        now = anyio.current_time()
        holder = self._claims.get((key, item))
        if holder is not None and holder[0] != member and holder[1] > now:
            return False
        self._claims[(key, item)] = (member, now + ttl)
        return True

    async def reserve(self, key: str, rate: float, burst: float) -> float:
        """Take a request from the bucket (``burst`` deep, ``rate`` per second); the wait."""
        entry, now = self._entry(key), anyio.current_time()
        tokens = burst if entry.tokens is None else entry.tokens
        tokens = min(burst, tokens + (now - entry.tokens_at) * rate)
        entry.tokens, entry.tokens_at = tokens - 1, now
        return 0.0 if tokens >= 1 else (1 - tokens) / rate


async def open_store(
    value: SessionStore | str | Secret | None, stack: AsyncExitStack
) -> SessionStore | None:
    """The store of a client's block: a caller's (as it is), or one from a URL (closed at exit)."""
    if value is None:
        return None
    from ._redis_store import RedisStore  # here: it imports this module

    if isinstance(value, SessionStore):
        store = value
    else:
        store = RedisStore(url=value)
        stack.push_async_callback(store.aclose)
    if isinstance(store, RedisStore) and not _on_asyncio():
        raise InvalidRequestError("a RedisStore needs asyncio (redis-py's asyncio client)")
    return store


def _on_asyncio() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@attrs.define(eq=False)
class Throttle:
    """``rate_limit``: at most ``rate`` requests a second, with bursts of ``burst``.

    With a session store the bucket is the fleet's (every client of the server
    that shares the store takes from it); without one, or while the store does not
    answer, this client's own.
    """

    rate: float
    burst: float
    store: SessionStore | None
    key: str
    _local: MemoryStore = attrs.field(factory=MemoryStore, init=False)
    _store_back: float = attrs.field(default=-math.inf, init=False)

    async def __call__(self) -> None:
        """Wait until the bucket lets one more request through."""
        wait = None
        if self.store is not None and anyio.current_time() >= self._store_back:
            try:
                wait = await self.store.reserve(self.key, self.rate, self.burst)
            except Exception as exc:  # noqa: BLE001 - the calls go on, limited locally
                self._store_back = anyio.current_time() + STORE_RETRY
                store_failed(exc, "rate limited by this client alone")
        if wait is None:
            wait = await self._local.reserve(self.key, self.rate, self.burst)
        if wait > 0:
            await anyio.sleep(wait)
