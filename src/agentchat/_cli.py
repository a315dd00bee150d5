"""The ``agentchat`` command: ``agentchat simulate`` and ``agentchat demo``.

Both need the ``simulator`` extra (``pip install 'agentchat-client[simulator]'``);
it is imported only when a command runs, so ``import agentchat`` never needs it.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from collections.abc import Sequence
from typing import Any, Final

from ._routes import ROUTES

__all__ = ["ENVIRONMENT_COMMENT", "main", "shell_lines"]

# The statuses the simulator can inject (the simulator itself is imported only
# when a command runs: it needs the optional extra).
_ERROR_STATUSES: Final = (429, 500, 502, 503, 504)


def _error_rate(text: str) -> tuple[str, int, float]:
    """``ENDPOINT:STATUS:PROBABILITY``, e.g. ``SendMessage:503:0.1`` or ``*:500:0.05``."""
    try:
        endpoint, status, probability = text.split(":")
        rate = (endpoint, int(status), float(probability))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected ENDPOINT:STATUS:PROBABILITY (e.g. '*:503:0.1'), got {text!r}"
        ) from None
    if rate[1] not in _ERROR_STATUSES or not 0 <= rate[2] <= 1:
        statuses = ", ".join(map(str, _ERROR_STATUSES))
        raise argparse.ArgumentTypeError(
            f"STATUS must be one of {statuses} and 0 <= P <= 1: {text!r}"
        )
    if rate[0] != "*" and rate[0] not in ROUTES:
        raise argparse.ArgumentTypeError(f"unknown endpoint {rate[0]!r} (an API name, or *)")
    return rate


def _number(text: str) -> float:
    """``float(text)``, or -1 (out of every range below) when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return -1.0


def _probability(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text!r}")
    return value


def _seconds(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return value


def _delay(text: str) -> float:
    return 0.0 if text.strip() in ("0", "0.0") else _seconds(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentchat", description="The AgentChat client's local tools."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="run a scripted agent against a local simulator, printing a transcript"
    )
    demo.set_defaults(run=_demo)

    simulate = commands.add_parser("simulate", help="serve a local AgentChat simulator")
    simulate.set_defaults(run=_simulate)
    simulate.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    simulate.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    simulate.add_argument("--seed", type=int, default=0, help="seed of the data and faults")
    simulate.add_argument(
        "--casing", choices=("pascal", "camel"), default="pascal", help="response key casing"
    )
    simulate.add_argument(
        "--session-timeout", type=_seconds, default=1800.0, metavar="SECONDS",
        help="idle seconds before a session expires (default: %(default)s)",
    )  # fmt: skip
    simulate.add_argument(
        "--latency", type=_delay, default=0.0, metavar="SECONDS", help="added to every request"
    )
    simulate.add_argument(
        "--logon-latency", type=_delay, default=0.0, metavar="SECONDS",
        help="added to every AgentLogon (a logon under way, e.g. for killing its caller)",
    )  # fmt: skip
    simulate.add_argument(
        "--one-session-per-agent", action="store_true",
        help="a logon ends the agent's earlier sessions (their tokens get 401, as if expired)",
    )  # fmt: skip
    simulate.add_argument(
        "--new-chat-interval", type=_seconds, default=None, metavar="SECONDS",
        help="a new customer chat arrives this often (default: never)",
    )  # fmt: skip
    faults = simulate.add_argument_group("faults")
    faults.add_argument(
        "--error-rate", type=_error_rate, action="append", default=[],
        metavar="ENDPOINT:STATUS:P",
        help="answer ENDPOINT (or *) with STATUS (429, 500, 502, 503, 504) instead of processing "
        "it, with probability P; repeatable",
    )  # fmt: skip
    faults.add_argument(
        "--retry-after", type=_delay, default=1.0, metavar="SECONDS",
        help="Retry-After sent with injected 429 and 503 (default: %(default)s)",
    )  # fmt: skip
    faults.add_argument(
        "--drop-before", type=_probability, default=0.0, metavar="P",
        help="drop the connection before processing, with probability P",
    )  # fmt: skip
    faults.add_argument(
        "--drop-after", type=_probability, default=0.0, metavar="P",
        help="process, then drop the connection instead of answering, with probability P",
    )  # fmt: skip
    faults.add_argument(
        "--expire-every", type=_seconds, default=None, metavar="SECONDS",
        help="force every session to expire this often",
    )  # fmt: skip
    faults.add_argument(
        "--malformed", type=_probability, default=0.0, metavar="P",
        help="replace a 2xx body with garbage, with probability P",
    )  # fmt: skip
    return parser


def _simulate(args: argparse.Namespace) -> int:
    import anyio

    from .simulator import Faults, Simulator, SimulatorConfig
    from .simulator._serve import bind, serve

    rates: dict[str, dict[int, float]] = {}
    for endpoint, status, probability in args.error_rate:
        rates.setdefault(endpoint, {})[status] = probability
    try:
        config = SimulatorConfig(
            seed=args.seed,
            session_idle_timeout=args.session_timeout,
            casing=args.casing,
            latency=args.latency,
            logon_latency=args.logon_latency,
            one_session_per_agent=args.one_session_per_agent,
            new_chat_interval=args.new_chat_interval,
            faults=Faults(
                error_rates=rates,
                retry_after=args.retry_after,
                drop_before=args.drop_before,
                drop_after=args.drop_after,
                expire_every=args.expire_every,
                malformed=args.malformed,
            ),
        )
        sim = Simulator(config)
    except ValueError as exc:
        print(f"agentchat simulate: error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(
            f"agentchat simulate: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2
    url = f"http://{args.host}:{sock.getsockname()[1]}"
    print(f"AgentChat simulator on {url} (Ctrl+C stops it)")
    faults = config.describe()
    if faults != "none":
        print(f"faults: {faults}")
    for line in shell_lines(sim.environment(url)):
        print(line)
    # SIGTERM (a service manager, `kill`) stops it as Ctrl+C does: with the summary.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        anyio.run(_serve_until_stopped, serve, sim, sock)
    except BaseException as exc:
        if not _interrupted(exc):
            raise
        # Ctrl+C or SIGTERM: the summary below, and a clean exit. (uvicorn raises
        # the signal it caught again as it returns: SIGTERM's KeyboardInterrupt
        # then comes out of the server's task group, inside an exception group.)
    finally:
        print(served(sim), flush=True)
    return 0


def _interrupted(exc: BaseException) -> bool:
    """A ``KeyboardInterrupt``, alone or all that an exception group holds."""
    inner = getattr(exc, "exceptions", None)
    if inner is None:
        return isinstance(exc, KeyboardInterrupt)
    return all(_interrupted(one) for one in inner)


def served(sim: Any) -> str:
    """What ``agentchat simulate`` prints when it stops: requests and logons it saw.

    So that what a client promises (one logon for a fleet, one KeepAlive per
    interval) can be checked on the server's side.
    """
    requests = sim.requests
    counted = ", ".join(f"{name} {count}" for name, count in sorted(requests.items()) if count)
    return (
        f"stopped after {sum(requests.values())} requests ({counted or 'none'}); "
        f"{sim.logon_count()} successful logons"
    )


#: The comment before the ``export`` lines ``agentchat simulate`` prints.
ENVIRONMENT_COMMENT: Final = "# The agent (AGENTCHAT_*), and a manager for the Manager-only calls:"


def shell_lines(environment: dict[str, str]) -> list[str]:
    """A comment, then one ``export NAME=value`` line per variable, each value
    quoted for a POSIX shell: lines a user can paste into the shell that will run
    their programs."""
    exports = [f"export {name}={shlex.quote(value)}" for name, value in environment.items()]
    return [ENVIRONMENT_COMMENT, *exports]


async def _serve_until_stopped(serve: Any, sim: Any, sock: Any) -> None:
    await serve(sim, sock=sock)


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    return run_demo(sys.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    args = _parser().parse_args(argv)
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        print(
            "agentchat: this command needs the simulator extra: "
            "pip install 'agentchat-client[simulator]'",
            file=sys.stderr,
        )
        return 2
    code: int = args.run(args)
    return code
