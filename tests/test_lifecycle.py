"""The session lifecycle: logon on enter, keep-alive, logoff on exit; on asyncio and trio."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import httpx
import pytest
import respx

from agentchat import AsyncAgentChat, InvalidRequestError, LogonError, NotFoundError

from . import fakes
from .fakes import BASE_URL, EMAIL, PASSWORD, FakeAgentChat, make_client
from .loopback import serve

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_enter_logs_on_and_exit_logs_off(api: FakeAgentChat) -> None:
    async with make_client() as chat:
        assert api.logon.call_count == 1
        assert api.logoff.call_count == 0
        assert "state=opened" in repr(chat)
    assert api.logoff.call_count == 1
    logoff = api.logoff.calls.last.request
    assert logoff.url.params["SessionToken"] == api.issued[0]
    assert api.valid == set()
    assert "state=closed" in repr(chat)


async def test_logon_sends_credentials_and_version(api: FakeAgentChat) -> None:
    async with make_client(version="7.3"):
        request = api.logon.calls.last.request
    assert request.url.params["Version"] == "7.3"
    assert "SessionToken" not in request.url.params
    assert request.headers["content-type"] == "application/json"
    assert (
        request.content
        == b'{"EmailAddress":"agent@example.com","Password":"%s"}' % PASSWORD.encode()
    )


async def test_refused_credentials_raise_logon_error_and_close_the_pool(
    api: FakeAgentChat,
) -> None:
    api.password = "something else"
    client = make_client()
    with pytest.raises(LogonError) as info:
        await client.__aenter__()
    assert info.value.status_code == 401
    assert "state=closed" in repr(client)
    assert api.logoff.call_count == 0
    with pytest.raises(RuntimeError, match="closed"):
        await client.get_chat_list()


async def test_methods_need_the_block_and_it_opens_once(api: FakeAgentChat) -> None:
    client = make_client()
    with pytest.raises(RuntimeError, match="not open"):
        await client.get_chat_list()
    async with client:
        with pytest.raises(RuntimeError, match="entered once"):
            await client.__aenter__()
    with pytest.raises(RuntimeError, match="is closed"):
        await client.get_chat_list()
    with pytest.raises(RuntimeError, match="entered once"):
        await client.__aenter__()
    assert api.logon.call_count == 1


async def test_user_exception_comes_out_unwrapped_and_still_logs_off(
    api: FakeAgentChat,
) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):  # not an ExceptionGroup
        async with make_client(keep_alive_interval=10):
            raise Boom
    assert api.logoff.call_count == 1


async def test_caller_http_client_is_never_closed(api: FakeAgentChat) -> None:
    async with httpx.AsyncClient() as http:
        async with make_client(http_client=http):
            pass
        assert not http.is_closed
        async with make_client(http_client=http):  # reusable by the next session
            pass
        assert not http.is_closed
    assert api.logon.call_count == 2


async def test_owned_http_client_is_closed() -> None:
    async with serve() as server:
        client = AsyncAgentChat(
            EMAIL, PASSWORD, base_url=server.base_url, transport="httpx", keep_alive_interval=None
        )
        before = client.stats
        async with client:
            during = client.stats
        after = client.stats
        assert before.connections is None  # not entered: no pool yet
        assert during.connections == 1  # the logon's, kept for the next call
        assert after.connections == 0
        with anyio.fail_after(2):
            while server.open:  # the server sees it closed
                await anyio.sleep(0.01)


async def test_leaving_with_a_slow_request_in_flight_is_prompt_and_logs_off(
    api: FakeAgentChat,
) -> None:
    started = anyio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep(30)
        return httpx.Response(200, json=[])

    api.router.get("/api/GetChatList").mock(side_effect=slow)
    with anyio.CancelScope() as outer:
        async with make_client(keep_alive_interval=0.01) as chat, anyio.create_task_group() as tg:
            tg.start_soon(chat.get_chat_list)
            await started.wait()
            begun = anyio.current_time()
            outer.cancel()  # leave the block while GetChatList is in flight
    elapsed = anyio.current_time() - begun
    assert elapsed < 0.1, f"leaving took {elapsed:.3f}s"
    assert api.logoff.call_count == 1


async def test_leaving_while_keep_alive_is_in_flight_is_prompt(api: FakeAgentChat) -> None:
    started = anyio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        started.set()
        await anyio.sleep(30)
        return httpx.Response(200)

    api.keep_alive.mock(side_effect=slow)
    async with make_client(keep_alive_interval=0.01):
        await started.wait()
        begun = anyio.current_time()
    assert anyio.current_time() - begun < 0.1
    assert api.logoff.call_count == 1


async def test_logoff_that_hangs_is_bounded_by_logoff_timeout(api: FakeAgentChat) -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        return httpx.Response(200)

    api.logoff.mock(side_effect=hang)
    async with make_client(logoff_timeout=0.05):
        begun = anyio.current_time()
    assert anyio.current_time() - begun < 0.5


async def test_keep_alive_ticks_while_idle(api: FakeAgentChat) -> None:
    async with make_client(keep_alive_interval=0.02) as chat:
        with anyio.fail_after(5):
            while api.keep_alive.call_count < 3:
                await anyio.sleep(0.01)
        assert chat.stats.keep_alives >= 3
    for call in api.keep_alive.calls:
        assert call.request.url.params["SessionToken"] == api.issued[0]


async def test_keep_alive_skips_ticks_while_other_calls_succeed(api: FakeAgentChat) -> None:
    api.router.get("/api/GetChatList").mock(side_effect=api.session_ok())
    async with make_client(keep_alive_interval=0.1) as chat:
        before = api.keep_alive.call_count
        end = anyio.current_time() + 0.6
        calls = 0
        while anyio.current_time() < end and calls < 1000:
            await chat.get_chat_list()
            calls += 1
            await anyio.sleep(0.01)
        during = api.keep_alive.call_count - before
        assert during == 0, f"{during} KeepAlive calls while busy"
        assert chat.stats.keep_alives_skipped >= 1
        # Idle again: ticks resume.
        with anyio.fail_after(5):
            while api.keep_alive.call_count == before:
                await anyio.sleep(0.02)


async def test_failing_tick_does_not_end_the_task_or_the_body(
    api: FakeAgentChat, caplog: pytest.LogCaptureFixture
) -> None:
    api.keep_alive.mock(
        side_effect=[
            httpx.Response(500),
            httpx.ConnectError("refused"),
            httpx.Response(200),
            httpx.Response(200),
        ]
    )
    with caplog.at_level(logging.WARNING, logger="agentchat"):
        async with make_client(keep_alive_interval=0.02) as chat:
            with anyio.fail_after(5):
                while api.keep_alive.call_count < 4:
                    await anyio.sleep(0.01)
            assert chat.stats.keep_alive_failures == 2
            assert chat.stats.keep_alives >= 2
    assert any("keep-alive failed" in r.getMessage() for r in caplog.records)
    assert api.logoff.call_count == 1


async def test_expired_session_on_a_tick_logs_on_again(api: FakeAgentChat) -> None:
    async with make_client(keep_alive_interval=0.02) as chat:
        api.expire_all()
        with anyio.fail_after(5):
            while api.logon.call_count < 2:
                await anyio.sleep(0.01)
        assert len(api.valid) == 1
        assert chat.stats.relogons == 1
    assert api.logoff.calls.last.request.url.params["SessionToken"] == api.issued[-1]


async def test_refused_credentials_stop_keep_alive_and_surface_on_next_call(
    api: FakeAgentChat,
) -> None:
    seen: list[LogonError] = []
    async with make_client(keep_alive_interval=0.02, on_logon_error=seen.append) as chat:
        api.password = "revoked"
        api.expire_all()
        with anyio.fail_after(5):
            while not seen:
                await anyio.sleep(0.01)
        ticks = api.keep_alive.call_count
        await anyio.sleep(0.1)
        assert api.keep_alive.call_count == ticks  # the task stopped
        with pytest.raises(LogonError):
            await chat.get_chat_list()
        assert api.logon.call_count == 2  # no spinning on refused credentials
        # New credentials: the session recovers and keep-alive resumes.
        api.password = "rotated-password"
        await chat.agent_logon(EMAIL, "rotated-password")
        with anyio.fail_after(5):
            while api.keep_alive.call_count == ticks:
                await anyio.sleep(0.01)
        assert chat.stats.logons == 2


async def test_a_logon_answer_that_is_not_a_refusal_does_not_end_the_session(
    api: FakeAgentChat,
) -> None:
    answers: list[Any] = [httpx.Response(404), api.logon.side_effect]
    api.logon.mock(side_effect=answers)
    client = make_client()
    with pytest.raises(NotFoundError):
        await client.__aenter__()
    async with make_client():
        pass


def test_an_async_logon_error_callback_is_refused() -> None:
    async def callback(error: LogonError) -> None:
        pass

    with pytest.raises(InvalidRequestError, match="plain function"):
        make_client(on_logon_error=callback)


async def test_api_key_travels_in_the_apikey_header(api: FakeAgentChat) -> None:
    async with make_client(api_key="key-123456"):
        pass
    assert api.logon.calls.last.request.headers["apikey"] == "key-123456"
    assert api.logoff.calls.last.request.headers["apikey"] == "key-123456"


async def test_configuration_falls_back_to_the_environment(
    monkeypatch: pytest.MonkeyPatch, router: respx.MockRouter
) -> None:
    monkeypatch.setenv("AGENTCHAT_EMAIL", EMAIL)
    monkeypatch.setenv("AGENTCHAT_PASSWORD", PASSWORD)
    monkeypatch.setenv("AGENTCHAT_BASE_URL", (fakes.BRIDGE_URL or BASE_URL) + "/")
    monkeypatch.setenv("AGENTCHAT_VERSION", "9")
    monkeypatch.setenv("AGENTCHAT_API_KEY", "env-key-1")
    api = FakeAgentChat(router)
    async with AsyncAgentChat(keep_alive_interval=None):
        pass
    request = api.logon.calls.last.request
    assert request.url.params["Version"] == "9"
    assert request.headers["apikey"] == "env-key-1"


def test_missing_credentials_are_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTCHAT_EMAIL", raising=False)
    monkeypatch.delenv("AGENTCHAT_PASSWORD", raising=False)
    with pytest.raises(InvalidRequestError, match="AGENTCHAT_EMAIL"):
        AsyncAgentChat()
    with pytest.raises(InvalidRequestError, match="AGENTCHAT_PASSWORD"):
        AsyncAgentChat(EMAIL)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"api_key": 123}, "api_key must be a string"),
        ({"keep_alive_interval": "60"}, "keep_alive_interval must be a number > 0"),
        ({"keep_alive_interval": 0}, "keep_alive_interval must be a number > 0"),
        ({"max_concurrency": "3"}, "max_concurrency must be an int"),
        ({"max_concurrency": 0}, "max_concurrency must be between 1"),
        ({"http_client": object()}, "http_client must be an httpx.AsyncClient"),
        ({"allow_insecure_http": "no"}, "allow_insecure_http must be True or False"),
        ({"strict": 1}, "strict must be True or False"),
        ({"on_logon_error": 5}, "on_logon_error must be a function or None"),
        ({"version": 1}, "version must be a string"),
        ({"base_url": b"https://x"}, "base_url must be a string"),
    ],
)
def test_bad_constructor_arguments_are_clear_errors(kwargs: dict[str, Any], match: str) -> None:
    # Each a typed error naming the argument, not a TypeError from deep inside.
    with pytest.raises(InvalidRequestError, match=match):
        AsyncAgentChat(EMAIL, PASSWORD, **kwargs)


def test_default_base_url_is_the_documented_host_over_https(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AGENTCHAT_BASE_URL", raising=False)
    assert "base_url='https://agentchat.abcsoftware.dnsalias.com'" in repr(
        AsyncAgentChat(EMAIL, PASSWORD)
    )


@pytest.mark.parametrize(
    "url", ["http://agentchat.example.com", "http://10.0.0.8:8080", "ftp://x", "nonsense"]
)
def test_credentials_are_refused_over_plain_http_to_other_hosts(url: str) -> None:
    with pytest.raises(InvalidRequestError):
        AsyncAgentChat(EMAIL, PASSWORD, base_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9"])
def test_plain_http_is_fine_on_loopback(url: str) -> None:
    AsyncAgentChat(EMAIL, PASSWORD, base_url=url)


def test_plain_http_elsewhere_needs_an_explicit_opt_in() -> None:
    AsyncAgentChat(EMAIL, PASSWORD, base_url="http://chat.internal", allow_insecure_http=True)
