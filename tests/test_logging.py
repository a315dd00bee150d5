"""What an operator reads: one line per event, no WARNING doubling a raised error,
``AGENTCHAT_LOG`` for a quick look, and errors that say what was tried."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from typing import Final

import anyio
import pytest

from agentchat import (
    APIConnectionError,
    AsyncAgentChat,
    InvalidRequestError,
    LogonError,
    NotFoundError,
)

from .fakes import EMAIL, PASSWORD, FakeAgentChat, make_client
from .loopback import serve

pytestmark = pytest.mark.anyio

HTML_404: Final = (
    b"<!DOCTYPE html>\n<html>\n  <head>\n    <title>404 Not Found</title>\n  </head>\n"
    b"  <body>\n    <h1>Not Found</h1>\n    <p>The requested URL was not found.</p>\n"
    b"  </body>\n</html>\n"
)


async def test_a_refused_password_is_raised_not_also_warned(
    api: FakeAgentChat, caplog: pytest.LogCaptureFixture
) -> None:
    api.password = "another password"
    with caplog.at_level(logging.INFO, logger="agentchat"), pytest.raises(LogonError):
        async with make_client():
            pass
    levels = [r.levelno for r in caplog.records if r.name == "agentchat"]
    assert logging.INFO in levels  # the trail is there, at INFO
    assert max(levels) < logging.WARNING, caplog.text


async def test_a_keep_alive_that_meets_refused_credentials_warns(
    api: FakeAgentChat, caplog: pytest.LogCaptureFixture
) -> None:
    # Nobody awaits the keep-alive: its failure is a WARNING, with the reason.
    with caplog.at_level(logging.WARNING, logger="agentchat"):
        async with make_client(keep_alive_interval=0.02) as chat:
            api.password = "changed meanwhile"
            api.expire_all()
            with anyio.fail_after(5):
                while not chat.stats.keep_alive_failures:
                    await anyio.sleep(0.01)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("keep-alive failed" in m and "refused the credentials" in m for m in warnings)
    assert not any(PASSWORD in m or "changed meanwhile" in m for m in warnings)


async def test_a_status_error_names_what_was_tried_and_shows_html_on_one_line() -> None:
    async with serve() as server:
        # A base URL with "/api" appended: every path doubles it.
        base_url = server.base_url + "/api"
        server.raw["/api/api/AgentLogon"] = lambda target: (
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s"
            % (len(HTML_404), HTML_404)
        )
        with pytest.raises(NotFoundError) as caught:
            async with AsyncAgentChat(EMAIL, PASSWORD, base_url=base_url, keep_alive_interval=None):
                pass
    error = caught.value
    assert error.request_url == f"{server.base_url}/api/api/AgentLogon"
    message = str(error)
    assert f"(POST {server.base_url}/api/api/AgentLogon)" in message
    assert "\n" not in message
    assert "<title>404 Not Found</title> </head> <body>" in message
    assert "\n" not in error.body


async def test_a_connection_error_names_the_url_without_its_query() -> None:
    async with (
        serve() as server,
        AsyncAgentChat(
            EMAIL, PASSWORD, base_url=server.base_url, keep_alive_interval=None, max_retries=0
        ) as chat,
    ):
        server.faults["/api/GetChatList"] = "drop"
        with pytest.raises(APIConnectionError) as caught:
            await chat.get_chat_list()
    assert caught.value.request_url == f"{server.base_url}/api/GetChatList"
    assert f"GET {server.base_url}/api/GetChatList" in str(caught.value)
    assert "SessionToken" not in str(caught.value)
    assert "tok-" not in str(caught.value)


SCRIPT: Final = textwrap.dedent(
    """
    import asyncio, httpx, json
    from agentchat import AsyncAgentChat

    def answer(request):
        if request.url.path == "/api/AgentLogon":
            return httpx.Response(200, json={"SessionToken": "tok-env-log-0123456789"})
        return httpx.Response(200, json=[])

    async def main():
        async with AsyncAgentChat(
            "agent@example.com", "pw-env-log-canary", base_url="https://agentchat.test",
            transport=httpx.MockTransport(answer), keep_alive_interval=None,
        ) as chat:
            await chat.get_chat_list()

    asyncio.run(main())
    """
)


def run_script(level: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGENTCHAT_LOG": level}
    env.pop("AGENTCHAT_TRANSPORT", None)
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-W", "error", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_agentchat_log_shows_the_librarys_records_on_stderr_redacted() -> None:
    info = run_script("info")
    assert info.returncode == 0, info.stderr
    assert "INFO agentchat: logged on as agent@example.com" in info.stderr
    assert "DEBUG" not in info.stderr
    assert "tok-env-log" not in info.stderr
    assert "pw-env-log" not in info.stderr
    quiet = run_script("")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # off unless asked


def test_a_misspelt_agentchat_log_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCHAT_LOG", "verbose")
    with pytest.raises(InvalidRequestError, match="AGENTCHAT_LOG must be 'debug' or 'info'"):
        AsyncAgentChat(EMAIL, PASSWORD)
    # httpx is not what AGENTCHAT_LOG is about: its own logger is left alone.
    assert logging.getLogger("httpx").level == logging.NOTSET
