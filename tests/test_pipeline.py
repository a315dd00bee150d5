"""The request pipeline: auth injection, re-logon, retries, timeouts and error mapping.

Every test runs on asyncio and on trio.
"""

from __future__ import annotations

import json

import anyio
import httpx
import pytest

from agentchat import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InvalidRequestError,
    LogonError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
)

from .fakes import FakeAgentChat, FakeClock, make_client

# Backoff waits are recorded on a fake clock, not slept through.
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("fake_clock")]


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


CHATS = [{"ChatID": "101", "CustomerName": "Ann"}]


def ok_chats(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=CHATS)


async def test_version_and_session_token_are_added(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").mock(side_effect=api.session_ok(ok_chats))
    async with make_client(version="2.5") as chat:
        await chat.get_chat_list()
    params = route.calls.last.request.url.params
    assert params["Version"] == "2.5"
    assert params["SessionToken"] == api.issued[0]
    assert set(params) == {"Version", "SessionToken"}


async def test_hundred_callers_meeting_an_expired_session_share_one_logon(
    api: FakeAgentChat,
) -> None:
    route = api.router.get("/api/GetChatList").mock(side_effect=api.session_ok(ok_chats))
    results: list[int] = []

    async def call(chat: object) -> None:
        chat_list = await chat.get_chat_list()  # type: ignore[attr-defined]
        results.append(len(chat_list))

    async with make_client() as chat:
        api.expire_all()
        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(call, chat)
        assert chat.stats.logons == 2
    assert api.logon.call_count == 2  # the first logon, and exactly one re-logon
    assert results == [1] * 100
    rejected = [c for c in route.calls if c.response.status_code == 401]
    # Callers take the token once they hold a slot (here all 100 may: the pool
    # is 100), and no caller sends a rejected token twice (test_deep_queue.py
    # counts a deep queue over a socket) ...
    assert 1 <= len(rejected) <= 100
    assert route.call_count == 100 + len(rejected)  # ... and a rejected call is resent once


async def test_an_unsafe_call_is_resent_once_after_a_rejected_session(
    api: FakeAgentChat,
) -> None:
    route = api.router.post("/api/SendMessage").mock(side_effect=api.session_ok())
    async with make_client() as chat:
        api.expire_all()
        await chat.send_message(408, "hello")
    assert route.call_count == 2
    assert [c.response.status_code for c in route.calls] == [401, 200]
    assert route.calls.last.request.url.params["SessionToken"] == api.issued[1]


async def test_an_expired_session_said_in_the_body_also_logs_on_again(api: FakeAgentChat) -> None:
    answers = iter([httpx.Response(400, json={"Message": "Session token has expired"})])

    def side_effect(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json=CHATS))

    api.router.get("/api/GetChatList").mock(side_effect=side_effect)
    async with make_client() as chat:
        assert len(await chat.get_chat_list()) == 1
    assert api.logon.call_count == 2


async def test_rejected_again_after_relogon_is_a_logon_error(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").respond(401)
    async with make_client() as chat:
        with pytest.raises(LogonError, match="again") as info:
            await chat.get_chat_list()
    assert isinstance(info.value.__cause__, AuthenticationError)
    assert route.call_count == 2
    assert api.logon.call_count == 2


async def test_503_with_retry_after_is_waited_for_then_succeeds(
    api: FakeAgentChat, fake_clock: FakeClock
) -> None:
    route = api.router.get("/api/GetChatList").mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "1"}),
            httpx.Response(200, json=CHATS),
        ]
    )
    async with make_client() as chat:
        chat_list = await chat.get_chat_list()
        assert chat.stats.retries == 1
    assert len(chat_list) == 1
    assert route.call_count == 2
    assert fake_clock.waits == [1.0]


async def test_retry_after_beyond_the_bound_is_not_waited_for(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").respond(429, headers={"Retry-After": "3600"})
    async with make_client() as chat:
        with anyio.fail_after(2):
            with pytest.raises(RateLimitError):
                await chat.get_chat_list()
    assert route.call_count == 1


@pytest.mark.httpx_only  # raises httpx's exceptions in process
async def test_send_message_read_timeout_is_outcome_unknown_and_sent_once(
    api: FakeAgentChat,
) -> None:
    route = api.router.post("/api/SendMessage").mock(side_effect=httpx.ReadTimeout("slow"))
    async with make_client() as chat:
        with pytest.raises(OutcomeUnknownError) as info:
            await chat.send_message(408, "Hallo there")
    assert route.call_count == 1
    assert info.value.endpoint == "SendMessage"
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("connection reset"),
        httpx.WriteTimeout("slow write"),
        httpx.Response(502),
        httpx.Response(504),
    ],
    ids=["dropped", "reset", "write-timeout", "502", "504"],
)
async def test_unsafe_calls_are_never_resent_when_they_may_have_been_processed(
    api: FakeAgentChat, failure: Exception | httpx.Response
) -> None:
    route = api.router.post("/api/SendMessage").mock(side_effect=[failure, httpx.Response(200)])
    async with make_client() as chat:
        with pytest.raises(OutcomeUnknownError):
            await chat.send_message(408, "once only")
    assert route.call_count == 1


@pytest.mark.parametrize(
    "refusal",
    [
        # On the aiohttp transport tests/test_wires.py makes these happen on real sockets.
        pytest.param(httpx.ConnectError("refused"), marks=pytest.mark.httpx_only),
        pytest.param(httpx.ConnectTimeout("no answer"), marks=pytest.mark.httpx_only),
        pytest.param(httpx.PoolTimeout("pool"), marks=pytest.mark.httpx_only),
        httpx.Response(503),
        httpx.Response(429, headers={"Retry-After": "0"}),
    ],
    ids=["connect-error", "connect-timeout", "pool-timeout", "503", "429"],
)
async def test_unsafe_calls_are_resent_when_they_provably_never_arrived(
    api: FakeAgentChat, refusal: Exception | httpx.Response
) -> None:
    route = api.router.post("/api/SendMessage").mock(side_effect=[refusal, httpx.Response(200)])
    async with make_client() as chat:
        await chat.send_message(408, "hello")
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        httpx.Response(502),
        httpx.Response(504),
        httpx.Response(503),
    ],
    ids=["read-timeout", "dropped", "502", "504", "503"],
)
async def test_safe_calls_are_retried_on_transient_failures(
    api: FakeAgentChat, failure: Exception | httpx.Response
) -> None:
    route = api.router.get("/api/GetChatList").mock(
        side_effect=[failure, failure, httpx.Response(200, json=CHATS)]
    )
    async with make_client() as chat:
        assert len(await chat.get_chat_list()) == 1
    assert route.call_count == 3


@pytest.mark.httpx_only  # raises httpx's exceptions in process
async def test_retries_stop_at_max_retries(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").mock(side_effect=httpx.ReadTimeout("slow"))
    async with make_client(max_retries=1) as chat:
        with pytest.raises(APITimeoutError):
            await chat.get_chat_list()
        assert route.call_count == 2
        with pytest.raises(APITimeoutError):
            await chat.with_options(max_retries=0).get_chat_list()
        assert route.call_count == 3


@pytest.mark.httpx_only  # raises httpx's exceptions in process
async def test_connection_errors_after_retries_are_api_connection_errors(
    api: FakeAgentChat,
) -> None:
    route = api.router.get("/api/GetChatList").mock(side_effect=httpx.ConnectError("refused"))
    async with make_client(max_retries=2) as chat:
        with pytest.raises(APIConnectionError, match="could not connect"):
            await chat.get_chat_list()
    assert route.call_count == 3


async def test_500_is_never_retried(api: FakeAgentChat) -> None:
    route = api.router.get("/api/GetChatList").respond(500, text="boom")
    async with make_client() as chat:
        with pytest.raises(ServerError) as info:
            await chat.get_chat_list()
    assert route.call_count == 1
    assert info.value.status_code == 500
    assert info.value.body == "boom"
    assert info.value.endpoint == "GetChatList"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitError),
        (418, APIStatusError),
    ],
)
async def test_status_errors_map_to_their_classes(
    api: FakeAgentChat, status: int, error: type[APIStatusError]
) -> None:
    api.router.get("/api/GetChatList").respond(
        status, json={"Message": "nope"}, headers={"Retry-After": "0"}
    )
    async with make_client() as chat:
        with pytest.raises(error) as info:
            await chat.get_chat_list()
    assert type(info.value) is error
    assert info.value.status_code == status
    assert "nope" in str(info.value)


async def test_deadline_bounds_a_safe_call(api: FakeAgentChat) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        return httpx.Response(200, json=CHATS)

    api.router.get("/api/GetChatList").mock(side_effect=slow)
    async with make_client() as chat:
        begun = anyio.current_time()
        with pytest.raises(APITimeoutError, match="deadline"):
            await chat.with_options(deadline=0.05).get_chat_list()
        assert anyio.current_time() - begun < 1


async def test_deadline_on_an_unsafe_call_in_flight_is_outcome_unknown(
    api: FakeAgentChat,
) -> None:
    arrived: list[httpx.Request] = []

    async def slow(request: httpx.Request) -> httpx.Response:
        arrived.append(request)
        await anyio.sleep(30)
        return httpx.Response(200)

    api.router.post("/api/SendMessage").mock(side_effect=slow)
    async with make_client() as chat:
        with pytest.raises(OutcomeUnknownError, match="deadline; the server may have processed it"):
            await chat.with_options(deadline=0.05).send_message(1, "hi")
    assert len(arrived) == 1


async def test_with_options_validates_and_shares_the_session(api: FakeAgentChat) -> None:
    api.router.get("/api/GetChatList").mock(side_effect=api.session_ok(ok_chats))
    async with make_client() as chat:
        view = chat.with_options(max_retries=5, timeout=3)
        await view.get_chat_list()
        with pytest.raises(InvalidRequestError):
            chat.with_options(deadline=0)
        with pytest.raises(InvalidRequestError):
            chat.with_options(max_retries=-1)
    assert api.logon.call_count == 1


async def test_a_2xx_body_that_is_not_json_is_a_response_format_error(
    api: FakeAgentChat,
) -> None:
    api.router.get("/api/GetChatList").respond(200, text="<html>oops</html>")
    async with make_client() as chat:
        with pytest.raises(ResponseFormatError) as info:
            await chat.get_chat_list()
    assert info.value.endpoint == "GetChatList"
    assert info.value.status_code == 200
    assert "<html>oops" in info.value.body


async def test_a_2xx_body_of_the_wrong_shape_is_a_response_format_error(
    api: FakeAgentChat,
) -> None:
    api.router.get("/api/GetChatList").respond(200, json=[{"ChatID": "abc"}, {"Name": "x"}])
    async with make_client() as chat:
        with pytest.raises(ResponseFormatError, match=r"\$\.chats\[0\]\.chat_id"):
            await chat.get_chat_list()


async def test_bad_input_is_refused_before_anything_is_sent(api: FakeAgentChat) -> None:
    sent = api.router.post("/api/SendMessage").respond(200)
    listed = api.router.get("/api/GetChatList").respond(200, json=[])
    async with make_client() as chat:
        with pytest.raises(InvalidRequestError, match="chat_type"):
            await chat.get_chat_list(chat_type="weird")
        with pytest.raises(InvalidRequestError, match="message_text"):
            await chat.send_message(1, "   ")
        with pytest.raises(InvalidRequestError, match="chat_id"):
            await chat.send_message(True, "hi")
        with pytest.raises(InvalidRequestError, match="chat_id"):
            await chat.send_message(-3, "hi")
        with pytest.raises(InvalidRequestError, match="attachment"):
            await chat.send_message(1, "hi", attachment=b"raw")  # type: ignore[arg-type]
    assert sent.call_count == 0
    assert listed.call_count == 0


async def test_request_body_is_compact_json(api: FakeAgentChat) -> None:
    route = api.router.post("/api/SendMessage").respond(200)
    async with make_client() as chat:
        await chat.send_message(408, "Hallo there")
    request = route.calls.last.request
    assert json.loads(request.content) == {"ChatID": "408", "MessageText": "Hallo there"}
    assert request.headers["content-type"] == "application/json"
