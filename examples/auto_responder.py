"""Answer new chats with a canned reply chosen by keyword, then tag and close them.

::

    python examples/auto_responder.py --simulate
    python examples/auto_responder.py --base-url https://agentchat.example.com \\
        --email bot@example.com --password ... --tag-id 12 --max-chats 50

How it works: ``watch_chats("unassigned")`` reports each chat entering the queue
once (``"new"``). For each new chat the bot calls GrabChat, which hands out the
oldest waiting chat of the bot's departments (so two bots never take the same
chat), reads the customer's last message (``Chat.last_message``), picks a reply
from ``REPLIES`` by keyword, sends it, tags the chat and closes it.

The API can create canned responses but has no call that lists them, so the
keyword table lives here. Given a manager account (``--manager-email`` and
``--manager-password``), the bot also stores its replies as canned responses
(for human agents to reuse; each run stores them again, as the API cannot tell
which exist) and creates an "Auto-answered" tag when ``--tag-id`` is not given.
Without a tag ID nor a manager account, chats are answered and closed untagged.

``--simulate`` starts the local simulator (the ``simulator`` extra) and uses its
seeded agent and manager: no server or credentials needed. Credentials also come
from ``AGENTCHAT_BASE_URL``, ``AGENTCHAT_EMAIL`` and ``AGENTCHAT_PASSWORD``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import anyio

from agentchat import AgentChatError, AsyncAgentChat, Chat, LogonError

#: (keywords, canned response name, reply). The first entry with a keyword in the
#: customer's last message (case-insensitively) answers it: "charged twice" is a
#: billing question, "won't charge" a warranty one, so billing comes first.
REPLIES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("price", "cost", "how much"),
        "auto: pricing",
        "Our current prices, handsets included, are at channelmobile.example/prices.",
    ),
    (
        ("deliver", "order", "arrive"),
        "auto: delivery",
        "Orders arrive within 3 working days; track yours at channelmobile.example/track.",
    ),
    (
        ("bill", "charged", "invoice"),
        "auto: billing",
        "Your statements and payments are at channelmobile.example/billing.",
    ),
    (
        ("warranty", "charge", "damage", "broken"),
        "auto: warranty",
        "Devices are under warranty for 24 months: log a claim at channelmobile.example/claim.",
    ),
    (
        ("upgrade", "contract"),
        "auto: upgrades",
        "You can upgrade from the 20th month of your contract at channelmobile.example/upgrade.",
    ),
)
#: The reply when no keyword matches.
FALLBACK = (
    "auto: other",
    "Thanks for your message! For anything else, call 0860 000 000 (Mon-Fri 08:00-17:00).",
)


def pick_reply(message: str | None) -> tuple[str, str]:
    """The (canned response name, reply) for a customer's message."""
    text = (message or "").lower()
    for keywords, name, reply in REPLIES:
        if any(keyword in text for keyword in keywords):
            return name, reply
    return FALLBACK


@dataclass(frozen=True)
class Options:
    base_url: str | None
    email: str | None
    password: str | None
    manager_email: str | None
    manager_password: str | None
    tag_id: int | None
    interval: float
    max_chats: int | None
    duration: float | None
    simulate: bool


def parse_args(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        description="Answer new chats with a reply chosen by keyword, tag and close them."
    )
    env = os.environ.get
    parser.add_argument("--base-url", default=env("AGENTCHAT_BASE_URL"))
    parser.add_argument("--email", default=env("AGENTCHAT_EMAIL"), help="the bot's agent")
    parser.add_argument("--password", default=env("AGENTCHAT_PASSWORD"))
    parser.add_argument("--manager-email", help="a manager, to store the canned responses")
    parser.add_argument("--manager-password")
    parser.add_argument("--tag-id", type=int, help="the tag put on answered chats")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls")
    parser.add_argument("--max-chats", type=int, help="stop after answering this many")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--simulate", action="store_true", help="run against an embedded local simulator"
    )
    args = parser.parse_args(argv)
    if not args.simulate and not (args.email and args.password):
        parser.error("give --email and --password (or AGENTCHAT_EMAIL/PASSWORD), or --simulate")
    if bool(args.manager_email) != bool(args.manager_password):
        parser.error("give both --manager-email and --manager-password, or neither")
    max_chats = args.max_chats
    if args.simulate and max_chats is None and args.duration is None:
        max_chats = 5  # a demo that ends by itself
    return Options(
        base_url=args.base_url,
        email=args.email,
        password=args.password,
        manager_email=args.manager_email,
        manager_password=args.manager_password,
        tag_id=args.tag_id,
        interval=args.interval,
        max_chats=max_chats,
        duration=args.duration,
        simulate=args.simulate,
    )


async def set_up(options: Options) -> int | None:
    """With a manager account: store the replies as canned responses; make the tag."""
    if not (options.manager_email and options.manager_password):
        return options.tag_id
    async with AsyncAgentChat(
        options.manager_email,
        options.manager_password,
        base_url=options.base_url,
        keep_alive_interval=None,
    ) as manager:
        canned = [(name, reply) for _, name, reply in REPLIES] + [FALLBACK]
        for name, reply in canned:
            await manager.create_canned_response(name, reply)
        print(f"stored {len(canned)} canned responses")
        if options.tag_id is not None:
            return options.tag_id
        group = await manager.create_tag_group("Auto-responder", True)
        tag = await manager.create_tag(group.tag_group_id, "Auto-answered", True) if group else None
        if tag is None:
            print("the server did not say which tag it created: chats stay untagged")
            return None
        print(f"created tag #{tag.tag_id} 'Auto-answered'")
        return tag.tag_id


async def answer(chat: AsyncAgentChat, item: Chat, tag_id: int | None) -> None:
    """Reply by keyword, tag, close."""
    name, reply = pick_reply(item.last_message)
    await chat.send_message(item.chat_id, reply)
    if tag_id is not None:
        await chat.add_tag(chat_id=item.chat_id, tag_id=tag_id)
    await chat.close_chat(item.chat_id)
    print(
        f"chat #{item.chat_id} ({item.customer_name}): {item.last_message!r} "
        f"-> {name}{f', tagged #{tag_id}' if tag_id is not None else ''}, closed"
    )


async def respond(options: Options) -> int:
    tag_id = await set_up(options)
    answered = 0
    bot = AsyncAgentChat(options.email, options.password, base_url=options.base_url)
    with anyio.move_on_after(options.duration):
        async with bot as chat, chat.watch_chats("unassigned", interval=options.interval) as events:
            async for event in events:
                if event.kind != "new":
                    continue  # "changed", or "gone": we grabbed it, or another agent did
                item = await chat.grab_chat()
                if item is None:
                    continue  # not in our departments, or taken already
                try:
                    await answer(chat, item, tag_id)
                except LogonError:
                    raise
                except AgentChatError as exc:  # one chat failed: say so, go on
                    print(f"chat #{item.chat_id}: {type(exc).__name__}: {exc}", file=sys.stderr)
                    continue
                answered += 1
                if options.max_chats is not None and answered >= options.max_chats:
                    break
    print(f"answered {answered} chats")
    return 0


@contextlib.contextmanager
def simulated(options: Options) -> Iterator[Options]:
    """The options pointed at a local simulator, served for the duration of the block."""
    from agentchat.simulator import Simulator, SimulatorConfig, serve_in_thread

    sim = Simulator(SimulatorConfig(new_chat_interval=0.5))
    with serve_in_thread(sim) as url:
        print(f"simulator at {url}; logged on as {sim.agent_email}")
        yield replace(
            options,
            base_url=url,
            email=sim.agent_email,
            password=sim.agent_password,
            manager_email=sim.manager_email,
            manager_password=sim.manager_password,
            interval=min(options.interval, 0.2),
        )


async def amain(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        if options.simulate:
            with simulated(options) as local:
                return await respond(local)
        return await respond(options)
    except AgentChatError as exc:
        print(f"auto_responder: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return anyio.run(amain, argv)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
