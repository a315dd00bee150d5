"""``agentchat demo``: a scripted agent's shift against the local simulator, over real HTTP.

The simulator serves on a free 127.0.0.1 port from a background thread; the
script drives it through the public client only, and prints a transcript with
the time each call took.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TextIO, TypeVar

import anyio
import httpx

from . import AsyncAgentChat, Attachment, ChatType
from .simulator import Simulator, SimulatorConfig
from .simulator._serve import serve_in_thread

__all__ = ["run_demo"]

T = TypeVar("T")

# A small PDF, so the attachment is a real file type end to end.
BROCHURE = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
)


class Transcript:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self.steps = 0

    def say(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    async def step(
        self, call: str, action: Callable[[], Awaitable[T]], done: Callable[[T], str]
    ) -> T:
        begun = time.perf_counter()
        result = await action()
        elapsed = (time.perf_counter() - begun) * 1000
        self.steps += 1
        self.say(f"  {elapsed:7.1f} ms  {call:<22} {done(result)}")
        return result


async def _shift(url: str, sim: Simulator, transcript: Transcript) -> None:
    say, step = transcript.say, transcript.step
    async with httpx.AsyncClient() as http:
        agent = AsyncAgentChat(
            sim.agent_email, sim.agent_password, base_url=url, http_client=http,
            keep_alive_interval=30,
        )  # fmt: skip
        manager = AsyncAgentChat(
            sim.manager_email, sim.manager_password, base_url=url, http_client=http,
            keep_alive_interval=None,
        )  # fmt: skip
        begun = time.perf_counter()
        async with agent as chat:
            say(f"  {(time.perf_counter() - begun) * 1000:7.1f} ms  {'AgentLogon':<22} "
                f"logged on as {sim.agent_email}")  # fmt: skip
            await step("KeepAlive", chat.keep_alive, lambda _: "session refreshed")
            waiting = await step(
                "GetChatList",
                lambda: chat.get_chat_list(chat_type=ChatType.UNASSIGNED),
                lambda found: f"{len(found)} unassigned chats waiting",
            )
            for item in list(waiting)[:3]:
                say(f"{'':34}#{item.chat_id} {item.customer_name} ({item.department_name})")
            grabbed = await step(
                "GrabChat",
                chat.grab_chat,
                lambda c: f"grabbed chat #{c.chat_id} with {c.customer_name}" if c else "none",
            )
            if grabbed is None:
                raise RuntimeError("the simulator had no chat to grab")
            name = grabbed.customer_name or "there"
            brochure = Attachment(
                name="brochure.pdf", content_type="application/pdf", data=BROCHURE
            )
            await step(
                "SendMessage",
                lambda: chat.send_message(
                    grabbed.chat_id, f"Hi {name}, here is our brochure.", attachment=brochure
                ),
                lambda sent: (
                    f"sent a message with brochure.pdf ({len(BROCHURE)} bytes)"
                    + (f", message #{sent.message_id}" if sent.message_id else "")
                ),
            )
            await step(
                "AddTag",
                lambda: chat.add_tag(chat_id=grabbed.chat_id, tag_id=sim.demo_tag_id),
                lambda _: f"tagged chat #{grabbed.chat_id} with tag #{sim.demo_tag_id}",
            )
            if grabbed.customer_id is not None:
                customer_id = grabbed.customer_id
                await step(
                    "AddComment",
                    lambda: chat.add_comment(customer_id, "Asked for the brochure; sent it."),
                    lambda _: f"commented on customer #{customer_id}",
                )
            async with manager as boss:
                canned = await step(
                    "CreateCannedResponse",
                    lambda: boss.create_canned_response(
                        "opening hours", "We are open from 9am to 5pm, Monday to Friday."
                    ),
                    lambda c: (
                        f"manager stored canned response #{c.canned_response_id}"
                        if c
                        else "manager stored a canned response"
                    ),
                )
            text = (canned.message_text if canned else None) or "We are open from 9am to 5pm."
            await step(
                "SendMessage",
                lambda: chat.send_message(grabbed.chat_id, text),
                lambda _: f'sent the canned response: "{text}"',
            )
            others = list(await chat.get_chat_list(chat_type=ChatType.UNASSIGNED))
            if others:
                moving = others[0]
                target = sim.other_department_id(moving.department_id)
                await step(
                    "TransferChat",
                    lambda: chat.transfer_chat(moving.chat_id, target),
                    lambda _: f"moved chat #{moving.chat_id} to department #{target}",
                )
            export = await step(
                "ExportChat",
                lambda: chat.export_chat(grabbed.chat_id),
                lambda e: (
                    f"exported chat #{grabbed.chat_id}: {len(e)} messages, "
                    f"{len(e.text)} characters of CSV"
                ),
            )
            for row in list(export)[-2:]:
                say(f"{'':34}{row.sender}: {row.message}")
            await step(
                "CloseChat",
                lambda: chat.close_chat(grabbed.chat_id),
                lambda _: f"closed chat #{grabbed.chat_id}",
            )
            begun = time.perf_counter()
        say(f"  {(time.perf_counter() - begun) * 1000:7.1f} ms  {'AgentLogoff':<22} logged off")


def run_demo(out: TextIO) -> int:
    """Run the scripted shift; return the process exit code."""
    sim = Simulator(SimulatorConfig(seed=7))
    transcript = Transcript(out)
    begun = time.perf_counter()
    with serve_in_thread(sim) as url:
        transcript.say(f"AgentChat demo: a scripted agent against the local simulator at {url}")
        anyio.run(_shift, url, sim, transcript)
    total = time.perf_counter() - begun
    entries = [(e.endpoint, tuple(sorted(map(str, e.fields.items())))) for e in sim.journal]
    duplicates = len(entries) - len(set(entries))
    transcript.say(
        f"done: {sum(sim.requests.values())} requests in {total:.2f}s; the simulator journaled "
        f"{len(entries)} unsafe operations, duplicates: {duplicates}"
    )
    return 0 if duplicates == 0 else 1
