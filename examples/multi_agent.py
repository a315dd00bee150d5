"""Several agents in one process working the shared queue, one chat worker each.

::

    python examples/multi_agent.py --simulate --agents 5
    python examples/multi_agent.py --base-url https://agentchat.example.com \\
        --credentials agents.txt --until-empty

Every agent is its own ``AsyncAgentChat`` (its own session and keep-alive task);
all of them share one ``httpx.AsyncClient``, so the process holds one connection
pool (``--connections``) however many agents it runs. Each agent runs
``chat_worker()``: GrabChat hands each waiting chat to exactly one agent, and
the handler greets the customer and closes the chat. The run ends after
``--duration`` seconds, or with ``--until-empty`` once no chat is waiting
(counting every department: give the agents all of them, or use --duration);
each worker then finishes the chats it holds, and a summary is printed.

Credentials: ``--credentials FILE`` holds one ``email password`` pair a line
(``#`` starts a comment); ``--email``/``--password`` (or ``AGENTCHAT_EMAIL``/
``AGENTCHAT_PASSWORD``) add one more agent. ``--simulate`` starts the local
simulator (the ``simulator`` extra): its manager creates ``--agents`` agents in
every department, who log on with the simulator's rule for new accounts
(password ``welcome-<AgentID>``; a real server sends new agents their own).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import anyio
import httpx

from agentchat import AgentChatError, AsyncAgentChat, Chat, ChatType, WorkerReport


@dataclass(frozen=True)
class Options:
    base_url: str | None
    credentials: tuple[tuple[str, str], ...]
    agents: int
    connections: int
    max_concurrent: int
    poll_interval: float
    duration: float | None
    until_empty: bool
    simulate: bool


def read_credentials(path: Path) -> list[tuple[str, str]]:
    """``email password`` pairs, one a line; blank lines and ``#`` comments skipped."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        email, _, password = line.partition(" ")
        if not password.strip():
            raise ValueError(f"{path}:{number}: expected 'email password'")
        pairs.append((email, password.strip()))
    return pairs


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Several agents sharing one connection pool work the chat queue."
    )
    env = os.environ.get
    parser.add_argument("--base-url", default=env("AGENTCHAT_BASE_URL"))
    parser.add_argument("--email", default=env("AGENTCHAT_EMAIL"), help="one more agent")
    parser.add_argument("--password", default=env("AGENTCHAT_PASSWORD"))
    parser.add_argument("--credentials", type=Path, help="a file of 'email password' lines")
    parser.add_argument("--agents", type=int, default=3, help="agents to create (--simulate)")
    parser.add_argument("--connections", type=int, default=10, help="the shared pool's size")
    parser.add_argument("--max-concurrent", type=int, default=2, help="chats per agent at once")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument("--until-empty", action="store_true", help="stop once no chat is waiting")
    parser.add_argument(
        "--simulate", action="store_true", help="run against an embedded local simulator"
    )
    args = parser.parse_args(argv)
    credentials: list[tuple[str, str]] = []
    if args.credentials is not None:
        try:
            credentials += read_credentials(args.credentials)
        except (OSError, ValueError) as exc:
            parser.error(str(exc))
    if args.email and args.password:
        credentials.append((args.email, args.password))
    if not args.simulate and not credentials:
        parser.error("give --credentials FILE or --email/--password, or --simulate")
    if args.agents < 1 or args.connections < 1 or args.max_concurrent < 1:
        parser.error("--agents, --connections and --max-concurrent must be at least 1")
    until_empty = args.until_empty
    if args.simulate and args.duration is None:
        until_empty = True  # a demo that ends by itself
    if args.duration is None and not until_empty:
        parser.error("give --duration or --until-empty, so the run ends")
    return Options(
        base_url=args.base_url,
        credentials=tuple(credentials),
        agents=args.agents,
        connections=args.connections,
        max_concurrent=args.max_concurrent,
        poll_interval=args.poll_interval,
        duration=args.duration,
        until_empty=until_empty,
        simulate=args.simulate,
    )


async def greet_and_close(chat: AsyncAgentChat, item: Chat) -> None:
    """The handler each worker runs once per chat it grabs."""
    me = chat.agent.name if chat.agent and chat.agent.name else "an agent"
    customer = item.customer_name or "there"
    await chat.send_message(item.chat_id, f"Hi {customer}, this is {me}. Sorted, thank you!")
    await chat.close_chat(item.chat_id)


async def work(
    email: str,
    password: str,
    options: Options,
    http: httpx.AsyncClient,
    stop: anyio.Event,
    reports: dict[str, WorkerReport],
    *,
    watch_queue: bool = False,
) -> None:
    """One agent: its own session on the shared pool and its own worker, until ``stop``.

    With ``watch_queue``, this agent also looks at the queue once a poll
    interval and sets ``stop`` when no chat is waiting (and when it ends, for
    whatever reason, so the run never outlives its watcher).
    """
    try:
        async with AsyncAgentChat(
            email, password, base_url=options.base_url, http_client=http
        ) as chat:
            async with chat.chat_worker(
                greet_and_close,
                max_concurrent=options.max_concurrent,
                poll_interval=options.poll_interval,
            ) as worker:
                while not stop.is_set() and worker.error is None:
                    if watch_queue and await queue_is_empty(chat):
                        break
                    with anyio.move_on_after(options.poll_interval):
                        await stop.wait()
            reports[email] = worker.report
    except AgentChatError as exc:  # e.g. LogonError: these credentials were refused
        reports[email] = WorkerReport(
            handled=(), failed=(), unfinished=(), error=f"{type(exc).__name__}: {exc}"
        )
    finally:
        if watch_queue:
            stop.set()


async def queue_is_empty(chat: AsyncAgentChat) -> bool:
    try:
        return not await chat.get_chat_list(chat_type=ChatType.UNASSIGNED)
    except AgentChatError as exc:
        print(f"could not look at the queue: {exc}", file=sys.stderr)
        return False


async def run(options: Options) -> int:
    reports: dict[str, WorkerReport] = {}
    stop = anyio.Event()
    limits = httpx.Limits(
        max_connections=options.connections, max_keepalive_connections=options.connections
    )
    async with httpx.AsyncClient(limits=limits) as http, anyio.create_task_group() as tg:
        for index, (email, password) in enumerate(options.credentials):
            tg.start_soon(
                partial(
                    work, email, password, options, http, stop, reports,
                    watch_queue=options.until_empty and index == 0,
                )
            )  # fmt: skip
        with anyio.move_on_after(options.duration):
            await stop.wait()
        stop.set()  # every worker drains what it holds, then logs off
    return summarize(options, reports)


def summarize(options: Options, reports: dict[str, WorkerReport]) -> int:
    width = max(len(email) for email in reports) if reports else 5
    print(f"{'agent':<{width}}  handled  failed  unfinished")
    seen: set[int] = set()
    twice = 0
    for email, report in reports.items():
        print(
            f"{email:<{width}}  {len(report.handled):>7}  {len(report.failed):>6}  "
            f"{len(report.unfinished):>10}" + (f"  stopped: {report.error}" if report.error else "")
        )
        twice += len(seen.intersection(report.handled))
        seen.update(report.handled)
    print(
        f"total: {len(seen)} chats handled by {len(reports)} agents sharing one pool of "
        f"{options.connections} connections; handled twice: {twice}"
    )
    trouble = any(report.failed or report.error for report in reports.values())
    return 1 if twice or trouble else 0


@contextlib.asynccontextmanager
async def simulated(options: Options) -> AsyncIterator[Options]:
    """A local simulator with more chats waiting, and agents its manager creates."""
    from agentchat.simulator import Simulator, serve_in_thread

    sim = Simulator()
    for _ in range(20):
        sim.new_chat()
    with serve_in_thread(sim) as url:
        credentials = []
        async with AsyncAgentChat(
            sim.manager_email, sim.manager_password, base_url=url, keep_alive_interval=None
        ) as manager:
            departments = [d.department_id for d in await manager.get_department_list()]
            for index in range(1, options.agents + 1):
                agent = await manager.create_agent(
                    f"Agent {index}", f"agent{index}@example.com", 1, departments
                )
                if agent is None or agent.email_address is None:
                    raise RuntimeError("CreateAgent did not describe the new agent")
                credentials.append((agent.email_address, f"welcome-{agent.agent_id}"))
        print(f"simulator at {url}: {len(credentials)} agents created, chats waiting")
        yield replace(
            options,
            base_url=url,
            credentials=tuple(credentials),
            poll_interval=min(options.poll_interval, 0.1),
        )


async def amain(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        if options.simulate:
            async with simulated(options) as local:
                return await run(local)
        return await run(options)
    except AgentChatError as exc:
        print(f"multi_agent: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return anyio.run(amain, argv)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
