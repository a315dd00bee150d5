"""A scripted AgentChat server for respx: sessions, tokens and expiry, nothing more.

Each test registers the endpoint it is about on ``api.router``; ``FakeAgentChat``
answers AgentLogon, AgentLogoff and KeepAlive, issues a new token per logon, and
can expire every session at once, so tests see what the client puts on the wire.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import respx

from agentchat import AsyncAgentChat
from agentchat._pipeline import Clock

BASE_URL = "https://agentchat.test"
EMAIL = "agent@example.com"
PASSWORD = "correct-horse-battery-staple"  # the canary: must never be logged
TOKEN_PREFIX = "tok-3a4783a081028a59e7b3"  # every issued token starts with this


class FakeAgentChat:
    def __init__(self, router: respx.MockRouter) -> None:
        self.router = router
        self._counter = itertools.count(1)
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.password = PASSWORD
        self.logon = router.post("/api/AgentLogon").mock(side_effect=self._logon)
        self.logoff = router.get("/api/AgentLogoff").mock(side_effect=self._logoff)
        self.keep_alive = router.get("/api/KeepAlive").mock(side_effect=self.session_ok())

    # -- behaviour -------------------------------------------------------------

    def _logon(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body.get("EmailAddress") != EMAIL or body.get("Password") != self.password:
            return httpx.Response(401, json={"Message": "Invalid email address or password"})
        token = f"{TOKEN_PREFIX}{next(self._counter):08d}"
        self.issued.append(token)
        self.valid.add(token)
        return httpx.Response(200, json={"SessionToken": token, "AgentID": 7, "Name": "Ann"})

    def _logoff(self, request: httpx.Request) -> httpx.Response:
        self.valid.discard(request.url.params.get("SessionToken", ""))
        return httpx.Response(200)

    def authorized(self, request: httpx.Request) -> bool:
        return request.url.params.get("SessionToken") in self.valid

    def session_ok(
        self, respond: Callable[[httpx.Request], httpx.Response] | None = None
    ) -> Callable[[httpx.Request], httpx.Response]:
        """A side effect: 401 unless the token is valid, else ``respond`` (or 200)."""

        def side_effect(request: httpx.Request) -> httpx.Response:
            if not self.authorized(request):
                return httpx.Response(401, json={"Message": "Session expired"})
            return respond(request) if respond else httpx.Response(200)

        return side_effect

    def expire_all(self) -> None:
        self.valid.clear()

    # -- helpers -----------------------------------------------------------------

    @staticmethod
    def chats_json(count: int = 2) -> list[dict[str, Any]]:
        return [
            {"ChatID": str(100 + i), "CustomerName": f"Customer {i}", "Status": "unassigned"}
            for i in range(count)
        ]


#: The transport the suite runs on: ``AGENTCHAT_TRANSPORT=aiohttp make pytest``
#: runs it on the aiohttp transport, ``=pyreqwest`` on pyreqwest (the library
#: reads the same variable).
TRANSPORT = os.environ.get("AGENTCHAT_TRANSPORT", "httpx").strip().lower() or "httpx"

#: Where the fake server listens when the suite runs on the aiohttp or pyreqwest
#: transport (``tests/bridge.py``); ``None`` on httpx, where respx intercepts in process.
BRIDGE_URL: str | None = None


def make_client(**kwargs: Any) -> AsyncAgentChat:
    """An ``AsyncAgentChat`` for the fake server; keep-alive off unless asked."""
    own_wire = "http_client" in kwargs or "transport" in kwargs
    if BRIDGE_URL is not None and not own_wire and kwargs.get("base_url", BASE_URL) == BASE_URL:
        kwargs["base_url"] = BRIDGE_URL
    kwargs.setdefault("base_url", BASE_URL)
    kwargs.setdefault("keep_alive_interval", None)
    return AsyncAgentChat(EMAIL, PASSWORD, **kwargs)


class FakeClock(Clock):
    """The pipeline's clock in tests: records each wait instead of sleeping through it.

    Jitter is 1, so a wait is the backoff step itself (``min(8, 0.25 * 2**n)``)
    or the ``Retry-After``; ``conftest.fake_clock`` installs it.
    """

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await anyio.lowlevel.checkpoint()

    def jitter(self) -> float:
        return 1.0
