"""``RedisStore``: the session store of a fleet, in Redis (the ``redis`` extra).

Keys, under a prefix (``agentchat:`` by default) and the agent's ``session_key``
(a hash of base URL and e-mail address: no secret in a key name):

* ``{p}s:{key}``: hash ``token``, ``generation``, ``agent`` (the masked logon
  answer as JSON). **The token is a live session token**: protect the server
  (ACL, ``rediss://``, no exposure beyond the fleet). It is never logged.
* ``{p}lock:{key}``: the logon lock, ``SET NX PX``: a crashed holder's lock
  expires after ``lock_timeout``;
* ``{p}used:{key}``, ``{p}ka:{key}``: the fleet's last use, and the claim of the
  current keep-alive interval;
* ``{p}m:{key}``: members (sorted by their last tick), ``{p}c:{key}:{item}``:
  claims, ``{p}rate:{key}``: the token bucket.

Every step that reads and writes is one Lua script, so members never race; times
come from the Redis server's clock (``TIME``), not the members'.
"""

from __future__ import annotations

import importlib
import json
import logging
import secrets
from collections.abc import Awaitable, Mapping
from typing import Any, Final

import anyio

from ._exceptions import InvalidRequestError
from ._redaction import Secret, redact
from ._store import Logon, Shared

__all__ = ["RedisStore", "StoreUnavailable"]

logger: Final = logging.getLogger("agentchat")

#: Connections to Redis a store opens at most (more calls wait their turn).
MAX_CONNECTIONS: Final = 50
#: Seconds a connection to Redis, or an answer from it, may take.
STORE_TIMEOUT: Final = 5.0
#: How long a session hash lives without a new logon or keep-alive.
SESSION_TTL_MS: Final = 24 * 3600 * 1000

# KEYS: session hash, lock. ARGV: stale generation, token, agent JSON, owner, ttl ms.
# Writes the new session unless a newer one is there (a session forgotten at
# logoff is not: its generation stays, its token is gone); releases the lock if
# still ours. Returns the generation, and 1 when this session was written.
_PUBLISH: Final = """
local gen = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
local stale = tonumber(ARGV[1])
local written = 0
if gen <= stale or redis.call('HEXISTS', KEYS[1], 'token') == 0 then
  gen = math.max(gen, stale) + 1
  written = 1
  redis.call('HSET', KEYS[1], 'generation', gen, 'token', ARGV[2], 'agent', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
if redis.call('GET', KEYS[2]) == ARGV[4] then redis.call('DEL', KEYS[2]) end
return {gen, written}
"""

# KEYS: lock. ARGV: owner. Releases the lock if still ours.
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: used, keep-alive claim, members. ARGV: idle ms, interval ms, member.
_KEEP_ALIVE_DUE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[3])
redis.call('PEXPIRE', KEYS[3], interval * 10)
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local mine = now - tonumber(ARGV[1])
if mine > used then used = mine end
redis.call('SET', KEYS[1], used, 'PX', interval * 10)
if now - used < interval then return 0 end
if not redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', interval) then return 0 end
redis.call('SET', KEYS[1], now, 'PX', interval * 10)
return 1
"""

# KEYS: members. ARGV: member.
_JOIN: Final = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 1
"""

# KEYS: members. ARGV: member, ttl ms. 1 when no other member is live.
_LEAVE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) == 0 then return 1 end
return 0
"""

# KEYS: claim. ARGV: member, ttl ms.
_CLAIM: Final = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# KEYS: bucket. ARGV: rate per second, burst. The seconds to wait, as a string
# (a Lua number would be truncated to an integer reply).
_RESERVE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate)
local wait = 0
if tokens < 1 then wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst / rate + 60) * 1000))
return tostring(wait)
"""


class StoreUnavailable(Exception):
    """The store could not be reached; the session carries on by itself."""


def _redis() -> Any:
    try:
        import redis.asyncio as redis_asyncio
    except ImportError:
        raise InvalidRequestError(
            "session_store='redis://...' needs the redis package: "
            "pip install 'agentchat-client[redis]'"
        ) from None
    return redis_asyncio


class RedisStore:
    """A session store in Redis, shared by every process that names the same server.

    ```python
    AsyncAgentChat(session_store=RedisStore(url="redis://127.0.0.1:6379/0"))
    # or session_store="redis://127.0.0.1:6379/0", or AGENTCHAT_SESSION_STORE
    ```

    Args:
        url: ``redis://[user:password@]host:port/db`` or ``rediss://`` (TLS).
        client: A ``redis.asyncio.Redis`` of yours instead of ``url`` (never
            closed by the store).
        prefix: Put before every key.
        lock_timeout: Seconds a logon may hold the fleet's lock; a holder that
            crashed frees it after this.
        poll_interval: Seconds between looks at the lock while another member
            logs on.
    """

    def __init__(
        self,
        url: str | Secret | None = None,
        *,
        client: Any = None,
        prefix: str = "agentchat:",
        lock_timeout: float = 30.0,
        poll_interval: float = 0.05,
    ) -> None:
        if (url is None) == (client is None):
            raise InvalidRequestError("RedisStore takes a url or a client (one of them)")
        if not lock_timeout > 0 or not poll_interval > 0:
            raise InvalidRequestError("lock_timeout and poll_interval must be > 0")
        # The URL may hold the Redis password: kept as a Secret, never shown.
        self._url = None if url is None else Secret(url.get() if isinstance(url, Secret) else url)
        self.client = client
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self.poll_interval = poll_interval
        self._owned = False
        self._scripts: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"RedisStore(prefix={self.prefix!r}, lock_timeout={self.lock_timeout:g})"

    def _redis(self) -> Any:
        if self.client is None:
            assert self._url is not None
            retry_module = importlib.import_module("redis.asyncio.retry")
            backoff = importlib.import_module("redis.backoff").ExponentialBackoff(
                cap=0.5, base=0.05
            )
            # Calls beyond MAX_CONNECTIONS wait for a connection (at most
            # STORE_TIMEOUT) rather than fail. A connection that a Redis restart
            # closed is retried at once; a Redis that is down fails within a
            # second, and the session goes on without it.
            pool = _redis().BlockingConnectionPool.from_url(
                self._url.get(),
                max_connections=MAX_CONNECTIONS,
                timeout=STORE_TIMEOUT,
                retry=retry_module.Retry(backoff, retries=2),
                socket_connect_timeout=STORE_TIMEOUT,
                socket_timeout=STORE_TIMEOUT,
            )
            self.client = _redis().Redis.from_pool(pool)  # closed with the client
            self._owned = True
        return self.client

    async def aclose(self) -> None:
        """Close the connection pool the store opened (not a client of yours)."""
        if self._owned and self.client is not None:
            client, self.client, self._owned = self.client, None, False
            self._scripts.clear()
            await client.aclose()

    async def _run(self, name: str, source: str, keys: list[str], args: list[Any]) -> Any:
        script = self._scripts.get(name)
        if script is None:
            script = self._scripts[name] = self._redis().register_script(source)
        try:
            return await _answer(script(keys=keys, args=args))
        except BaseException:
            # The arguments may hold a token in the clear (publish): no frame of
            # the traceback keeps them (a crash reporter records frames' locals).
            args.clear()
            raise

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return await _answer(getattr(self._redis(), method)(*args, **kwargs))

    def _k(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}:{key}"

    async def current(self, key: str) -> Shared | None:
        """The fleet's session for ``key`` (one ``HMGET``), or ``None``."""
        values = await self._call("hmget", self._k("s", key), "token", "generation", "agent")
        return _shared(values)

    async def renew(self, key: str, stale: int, logon: Logon) -> Shared:
        """A session newer than ``stale``: the fleet's lock taken (``SET NX PX``), or awaited."""
        lock, owner = self._k("lock", key), _owner()
        with anyio.fail_after(self.lock_timeout * 2 + 60):  # never forever
            while True:
                shared = await self.current(key)
                if shared is not None and shared.generation > stale:
                    return shared  # another member logged on
                timeout_ms = int(self.lock_timeout * 1000)
                taken = await self._call("set", lock, owner, px=timeout_ms, nx=True)
                if taken:
                    break
                await anyio.sleep(self.poll_interval)
        try:
            shared = await self.current(key)  # it may have changed before the lock was taken
            if shared is not None and shared.generation > stale:
                return shared
            token, agent = await logon()
        except BaseException:
            with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                await self._run("release", _RELEASE, [lock], [owner])
            raise
        generation, written = await self._run(
            "publish",
            _PUBLISH,
            [self._k("s", key), lock],
            [stale, token.get(), json.dumps(agent, default=str), owner, SESSION_TTL_MS],
        )
        if not int(written):
            # Another member published while this one logged on (its lock had
            # expired): theirs is the fleet's session.
            newer = await self.current(key)
            if newer is not None:
                return newer
        return Shared(token=token, generation=int(generation), agent=agent)

    async def forget(self, key: str, generation: int) -> None:
        """Drop the token if it is still ``generation`` (the generation count stays)."""
        shared = await self.current(key)
        if shared is not None and shared.generation == generation:
            await self._call("hdel", self._k("s", key), "token")

    async def keep_alive_due(self, key: str, member: str, idle_for: float, interval: float) -> bool:
        """One script, on the Redis server's clock: record the use, claim the interval."""
        keys = [self._k("used", key), self._k("ka", key), self._k("m", key)]
        idle_ms = int(min(idle_for * 1000, 2**52))  # idle_for is inf before any use
        due = await self._run(
            "keep_alive", _KEEP_ALIVE_DUE, keys, [idle_ms, max(1, int(interval * 1000)), member]
        )
        return bool(int(due))

    async def join(self, key: str, member: str) -> None:
        """Add ``member`` to the fleet's sorted set, scored by the server's clock."""
        await self._run("join", _JOIN, [self._k("m", key)], [member])

    async def leave(self, key: str, member: str, ttl: float) -> bool:
        """Remove ``member`` and the members silent for ``ttl``; True when none is left."""
        last = await self._run(
            "leave", _LEAVE, [self._k("m", key)], [member, max(1, int(ttl * 1000))]
        )
        return bool(int(last))

    async def claim(self, key: str, item: str, member: str, ttl: float) -> bool:
        """``SET NX PX`` on the item, unless ``member`` already holds it (then renewed)."""
        claimed = await self._run(
            "claim", _CLAIM, [f"{self._k('c', key)}:{item}"], [member, max(1, int(ttl * 1000))]
        )
        return bool(int(claimed))

    async def reserve(self, key: str, rate: float, burst: float) -> float:
        """A token bucket in one script; the fleet shares its ``rate`` and ``burst``."""
        wait = await self._run("reserve", _RESERVE, [self._k("rate", key)], [rate, burst])
        return float(wait)


async def _answer(pending: Awaitable[Any]) -> Any:
    """What Redis answered; ``StoreUnavailable`` (redacted, not chained) if it did not."""
    try:
        return await pending
    except Exception as exc:
        if not isinstance(exc, _redis().RedisError | OSError):
            raise
        problem = redact(f"{type(exc).__name__}: {exc}")
    raise StoreUnavailable(f"Redis did not answer: {problem}")


def _owner() -> str:
    return secrets.token_hex(16)


def _shared(values: list[Any]) -> Shared | None:
    """The session in an ``HMGET`` answer (emptied as it is read); ``None`` if absent or garbled.

    Never raises: the answer holds the token in the clear, and no frame of a
    traceback may keep it.
    """
    raw, generation, agent = values
    values.clear()
    if not raw or not isinstance(raw, bytes | str) or generation is None:
        return None
    token = Secret(raw.decode(errors="replace") if isinstance(raw, bytes) else raw)
    del raw
    try:
        number = int(generation)
        data = json.loads(agent) if agent else {}
    except (ValueError, TypeError):
        logger.warning("the session store holds a garbled session; it is renewed")
        return None
    return Shared(token=token, generation=number, agent=data if isinstance(data, Mapping) else {})
