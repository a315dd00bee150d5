"""Type-checked only (mypy --strict, in ``make typecheck``), never run or collected.

A small bot reads its worker's report after the ``async with`` block, with no
``assert worker.report is not None``: ``ChatWorker.report`` is a
``WorkerReport`` (reading it inside the block raises ``RuntimeError``). Each
use below was a mypy error when it was typed ``WorkerReport | None``.
"""

from __future__ import annotations

from agentchat import AsyncAgentChat, Chat, WorkerReport


async def answer(chat: AsyncAgentChat, item: Chat) -> None:
    await chat.close_chat(item.chat_id)


async def bot() -> int:
    async with AsyncAgentChat() as chat, chat.chat_worker(answer, max_concurrent=2) as worker:
        ...  # until the bot should stop
    handled: tuple[int, ...] = worker.report.handled
    failed = dict(worker.report.failed)
    report: WorkerReport = worker.report
    if report.unfinished or worker.report.error is not None:
        return 1
    return len(handled) - len(failed)
