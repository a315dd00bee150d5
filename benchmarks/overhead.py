"""Per-call overhead of the library's pipeline against raw httpx, side by side.

Both clients talk to the same in-memory ``httpx.MockTransport`` (no sockets), so
what differs is only what each does per call: raw httpx builds, sends and
decodes a GetChatList request; ``AsyncAgentChat`` adds the limiter, token
injection, retry bookkeeping, redaction hooks and structuring into typed models.
Rounds alternate between the two so machine noise hits both alike; the ratio of
the medians is the figure that matters.

    .venv/bin/python -m benchmarks.overhead [--calls 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

import anyio
import httpx

from agentchat import AsyncAgentChat

BASE_URL = "http://127.0.0.1:9"
CHATS = json.dumps(
    [{"ChatID": str(100 + i), "CustomerName": f"Customer {i}", "Status": "open"} for i in range(3)]
).encode()


def handler(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/api/AgentLogon":
        return httpx.Response(200, json={"SessionToken": "bench-token-000000"})
    if request.url.path == "/api/GetChatList":
        return httpx.Response(200, content=CHATS, headers={"Content-Type": "application/json"})
    return httpx.Response(200)


async def raw_httpx(calls: int) -> float:
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        params = {"Version": "1", "SessionToken": "bench-token-000000"}
        begun = time.perf_counter()
        for _ in range(calls):
            response = await http.get(BASE_URL + "/api/GetChatList", params=params)
            response.raise_for_status()
            json.loads(response.content)
        return time.perf_counter() - begun


async def library(calls: int) -> float:
    chat = AsyncAgentChat(
        "bench@example.com",
        "bench-password",
        base_url=BASE_URL,
        transport=httpx.MockTransport(handler),
        keep_alive_interval=None,
    )
    async with chat:
        begun = time.perf_counter()
        for _ in range(calls):
            await chat.get_chat_list()
        return time.perf_counter() - begun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    raw_times: list[float] = []
    lib_times: list[float] = []
    for _ in range(args.rounds):
        raw_times.append(anyio.run(raw_httpx, args.calls))
        lib_times.append(anyio.run(library, args.calls))
    raw_us = statistics.median(raw_times) / args.calls * 1e6
    lib_us = statistics.median(lib_times) / args.calls * 1e6
    print(
        f"machine: {platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {args.rounds} rounds x {args.calls} calls"
    )
    print(f"raw httpx      {raw_us:8.1f} us/call")
    print(f"AsyncAgentChat {lib_us:8.1f} us/call")
    print(
        f"pipeline overhead {lib_us - raw_us:+.1f} us/call; library/raw-httpx throughput "
        f"ratio {raw_us / lib_us:.2f}x"
    )


if __name__ == "__main__":
    main()
