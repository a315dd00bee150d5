"""Export every closed chat's transcript to ``<folder>/chat-<id>.csv``; resumable.

::

    python examples/export_closed.py --simulate
    python examples/export_closed.py --base-url https://agentchat.example.com \\
        --email me@example.com --password ... --folder exports/

Lists the closed chats (GetChatList), then exports each one (ExportChat) that has
no file yet, a few at a time (``--jobs``). Each file is written under a
temporary name and renamed when complete, so an interrupted run never leaves a
half-written ``.csv``: run it again and it exports only what is missing. A text
progress bar goes to stderr; the summary to stdout. A chat that fails to export
is reported and skipped (the exit status is then 1); the rest go on.

``--simulate`` exports from an embedded local simulator (the ``simulator``
extra). Credentials also come from ``AGENTCHAT_BASE_URL``, ``AGENTCHAT_EMAIL``
and ``AGENTCHAT_PASSWORD``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TextIO

import anyio

from agentchat import AgentChatError, AsyncAgentChat, Chat, ChatType


@dataclass(frozen=True)
class Options:
    base_url: str | None
    email: str | None
    password: str | None
    folder: Path
    jobs: int
    simulate: bool


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description="Export every closed chat's CSV to a folder.")
    env = os.environ.get
    parser.add_argument("--base-url", default=env("AGENTCHAT_BASE_URL"))
    parser.add_argument("--email", default=env("AGENTCHAT_EMAIL"))
    parser.add_argument("--password", default=env("AGENTCHAT_PASSWORD"))
    parser.add_argument("--folder", type=Path, default=Path("exports"))
    parser.add_argument("--jobs", type=int, default=4, help="exports in flight at once")
    parser.add_argument(
        "--simulate", action="store_true", help="export from an embedded local simulator"
    )
    args = parser.parse_args(argv)
    if not args.simulate and not (args.email and args.password):
        parser.error("give --email and --password (or AGENTCHAT_EMAIL/PASSWORD), or --simulate")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return Options(
        base_url=args.base_url,
        email=args.email,
        password=args.password,
        folder=args.folder,
        jobs=args.jobs,
        simulate=args.simulate,
    )


class ProgressBar:
    """``[##########----------]  7/13  chat-412.csv`` on one line of a stream."""

    def __init__(self, total: int, *, done: int = 0, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.done = done
        self.stream = stream

    def advance(self, label: str = "") -> None:
        self.done += 1
        self.draw(label)

    def draw(self, label: str = "") -> None:
        width = 30
        filled = width * self.done // self.total if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        count = f"{self.done:>{len(str(self.total))}}/{self.total}"
        self.stream.write(f"\r[{bar}] {count}  {label:<20}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def target(folder: Path, chat_id: int) -> Path:
    return folder / f"chat-{chat_id}.csv"


async def export_one(chat: AsyncAgentChat, item: Chat, folder: Path) -> None:
    """Export one chat: write ``chat-<id>.csv.part``, then rename it into place."""
    export = await chat.export_chat(item.chat_id)
    final = target(folder, item.chat_id)
    partial = anyio.Path(final.with_name(final.name + ".part"))
    await partial.write_text(export.text, encoding="utf-8", newline="")
    await partial.replace(final)  # atomic: the .csv is complete or absent


async def export_all(options: Options) -> int:
    folder = options.folder
    await anyio.Path(folder).mkdir(parents=True, exist_ok=True)
    failed: list[tuple[int, str]] = []
    async with AsyncAgentChat(options.email, options.password, base_url=options.base_url) as chat:
        closed = list(await chat.get_chat_list(chat_type=ChatType.CLOSED))
        todo = [item for item in closed if not target(folder, item.chat_id).exists()]
        progress = ProgressBar(len(closed), done=len(closed) - len(todo))
        progress.draw()
        limiter = anyio.CapacityLimiter(options.jobs)

        async def export(item: Chat) -> None:
            async with limiter:
                try:
                    await export_one(chat, item, folder)
                except AgentChatError as exc:
                    failed.append((item.chat_id, f"{type(exc).__name__}: {exc}"))
                    progress.advance(f"chat-{item.chat_id} failed")
                else:
                    progress.advance(target(folder, item.chat_id).name)

        try:
            async with anyio.create_task_group() as tg:
                for item in todo:
                    tg.start_soon(export, item)
        finally:
            progress.close()
    for chat_id, error in failed:
        print(f"chat #{chat_id} was not exported: {error}", file=sys.stderr)
    exported = len(todo) - len(failed)
    print(
        f"{len(closed)} closed chats: exported {exported}, "
        f"{len(closed) - len(todo)} already in {folder}, {len(failed)} failed"
    )
    return 1 if failed else 0


@contextlib.contextmanager
def simulated(options: Options) -> Iterator[Options]:
    from agentchat.simulator import Simulator, serve_in_thread

    sim = Simulator()
    with serve_in_thread(sim) as url:
        print(f"simulator at {url}; logged on as {sim.agent_email}")
        yield replace(options, base_url=url, email=sim.agent_email, password=sim.agent_password)


async def amain(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        if options.simulate:
            with simulated(options) as local:
                return await export_all(local)
        return await export_all(options)
    except AgentChatError as exc:
        print(f"export_closed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return anyio.run(amain, argv)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
