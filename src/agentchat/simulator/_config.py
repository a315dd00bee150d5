"""What a simulator is told: its seed, timing, response dialect and faults.

Both classes are frozen attrs value objects checked when built, so a typo in an
endpoint name or a probability of 1.5 fails at once instead of silently doing
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs

from .._routes import ROUTES

__all__ = ["ERROR_STATUSES", "Casing", "Faults", "Rate", "SimulatorConfig"]

#: ``"pascal"``: ``ChatID``, ``CustomerName`` (the default, like an ASP.NET
#: server out of the box); ``"camel"``: ``chatId``, ``customerName``.
Casing = Literal["pascal", "camel"]

#: A probability for every endpoint, or per endpoint name with ``"*"`` for the rest.
Rate = float | Mapping[str, float]

#: The statuses ``Faults.error_rates`` can inject. 429 and 503 carry ``Retry-After``.
ERROR_STATUSES: Final = frozenset({429, 500, 502, 503, 504})


def _check_probability(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{where} must be a probability between 0 and 1, got {value!r}")
    return float(value)


def _check_endpoint(name: Any, where: str) -> str:
    if name != "*" and name not in ROUTES:
        raise ValueError(
            f"{where}: unknown endpoint {name!r} (use an API name such as 'SendMessage', or '*')"
        )
    return str(name)


def _freeze_rate(value: Any) -> Rate:
    if isinstance(value, Mapping):
        return MappingProxyType(
            {
                _check_endpoint(name, "fault rate"): _check_probability(p, f"rate of {name}")
                for name, p in value.items()
            }
        )
    return _check_probability(value, "fault rate")


def _freeze_error_rates(value: Any) -> Mapping[str, Mapping[int, float]]:
    if not isinstance(value, Mapping):
        raise ValueError(f"error_rates must be a mapping, got {value!r}")
    frozen: dict[str, Mapping[int, float]] = {}
    for name, statuses in value.items():
        _check_endpoint(name, "error_rates")
        if not isinstance(statuses, Mapping):
            raise ValueError(f"error_rates[{name!r}] must map statuses to probabilities")
        rates: dict[int, float] = {}
        for status, p in statuses.items():
            if status not in ERROR_STATUSES:
                raise ValueError(
                    f"error_rates[{name!r}]: status {status!r} is not one of "
                    f"{sorted(ERROR_STATUSES)}"
                )
            rates[int(status)] = _check_probability(p, f"error_rates[{name!r}][{status}]")
        if sum(rates.values()) > 1:
            raise ValueError(f"error_rates[{name!r}]: the probabilities add up to more than 1")
        frozen[str(name)] = MappingProxyType(rates)
    return MappingProxyType(frozen)


def _non_negative(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or value < 0):
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


def _positive_or_none(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and (isinstance(value, bool) or value <= 0):
        raise ValueError(f"{attribute.name} must be > 0 or None, got {value!r}")


@attrs.frozen(kw_only=True)
class Faults:
    """What goes wrong, and how often.

    Every probability is rolled per request on a `random.Random` seeded from
    `SimulatorConfig.seed`, so a run repeats. The faults apply to a request in
    this order:

    1. `error_rates`: an error status is answered *before* anything is
       processed: no state changes, nothing is journaled, the session is not
       refreshed. 429 and 503 carry `Retry-After: retry_after`.
    2. `drop_before`: the connection is dropped before the request is
       processed (nothing changed).
    3. The request is processed.
    4. `drop_after`: the request was processed (state changed, journal
       written), then the connection is dropped instead of answering.
    5. `malformed`: a 2xx body is replaced by garbage (JSON cut in half; a CSV
       by bytes that are not UTF-8).

    `expire_every` expires every session every N seconds of the simulator's
    clock (checked on each request). `describe()` says it all in words.

    Example:
        ```python
        Faults(error_rates={"*": {503: 0.1}, "SendMessage": {500: 0.05}}, drop_after=0.02)
        ```

    Attributes:
        error_rates: Endpoint name (or `"*"` for every endpoint without an
            entry of its own) to {HTTP status: probability}; the statuses are
            429, 500, 502, 503 and 504, and an endpoint's probabilities add up
            to at most 1.
        retry_after: Seconds sent in `Retry-After` with injected 429 and 503
            answers.
        drop_before: Probability of dropping the connection before processing:
            one for every endpoint, or a mapping of endpoint name (or `"*"`) to
            probability.
        drop_after: Probability of processing, then dropping the connection:
            one for every endpoint, or a mapping as for `drop_before`.
        expire_every: Seconds between forced expiries of every session; `None`:
            never.
        malformed: Probability of a garbled 2xx body: one for every endpoint,
            or a mapping as for `drop_before`.

    Raises:
        ValueError: An unknown endpoint name, a status that cannot be injected,
            a probability outside 0..1 (or rates adding up to more than 1), a
            negative `retry_after` or an `expire_every` that is not > 0.
    """

    error_rates: Mapping[str, Mapping[int, float]] = attrs.field(
        factory=dict, converter=_freeze_error_rates
    )
    retry_after: float = attrs.field(default=0.0, validator=_non_negative)
    drop_before: Rate = attrs.field(default=0.0, converter=_freeze_rate)
    drop_after: Rate = attrs.field(default=0.0, converter=_freeze_rate)
    expire_every: float | None = attrs.field(default=None, validator=_positive_or_none)
    malformed: Rate = attrs.field(default=0.0, converter=_freeze_rate)

    def error_statuses(self, endpoint: str) -> list[tuple[int, float]]:
        """The error statuses that may be injected on an endpoint.

        Args:
            endpoint: An API name (`"SendMessage"`).

        Returns:
            (status, probability) pairs, by status; none for an endpoint
            without errors.
        """
        rates = self.error_rates.get(endpoint, self.error_rates.get("*", {}))
        return sorted((status, p) for status, p in rates.items() if p > 0)

    @staticmethod
    def rate(rate: Rate, endpoint: str) -> float:
        """The probability a rate gives an endpoint.

        Args:
            rate: `drop_before`, `drop_after` or `malformed`.
            endpoint: An API name.

        Returns:
            The endpoint's own probability, else that of `"*"`, else 0.
        """
        if isinstance(rate, Mapping):
            return rate.get(endpoint, rate.get("*", 0.0))
        return rate

    def describe(self) -> str:
        """These faults in words, as `agentchat simulate` prints them.

        Example:
            ```python
            Faults(error_rates={"*": {503: 0.1}}, drop_after=0.02, expire_every=5).describe()
            # '10% 503 on every endpoint, drop 2% after processing, sessions expire every 5 s'
            ```

        `Retry-After` is mentioned when 429 or 503 is injected and
        `retry_after` is not 0.

        Returns:
            One line: the faults separated by commas, or `"none"`.
        """
        parts = [_describe_errors(self.error_rates, self.retry_after)]
        parts.append(_describe_rate(self.drop_before, "drop", when=" before processing"))
        parts.append(_describe_rate(self.drop_after, "drop", when=" after processing"))
        parts.append(_describe_rate(self.malformed, "garble", what=" of the answers"))
        if self.expire_every is not None:
            parts.append(f"sessions expire every {_seconds(self.expire_every)}")
        return ", ".join(part for part in parts if part) or "none"


def _percent(probability: float) -> str:
    return f"{round(probability * 100, 4):g}%"


def _seconds(seconds: float) -> str:
    return f"{seconds:g} s"


def _where(endpoint: str, rates: Mapping[str, object]) -> str:
    if endpoint != "*":
        return f"on {endpoint}"
    return "on every other endpoint" if len(rates) > 1 else "on every endpoint"


def _describe_errors(error_rates: Mapping[str, Mapping[int, float]], retry_after: float) -> str:
    parts: list[str] = []
    retry = False
    for endpoint in sorted(error_rates, key=lambda name: (name == "*", name)):
        statuses = [(status, p) for status, p in sorted(error_rates[endpoint].items()) if p > 0]
        if not statuses:
            continue
        retry = retry or any(status in (429, 503) for status, _ in statuses)
        each = " and ".join(f"{_percent(p)} {status}" for status, p in statuses)
        parts.append(f"{each} {_where(endpoint, error_rates)}")
    if parts and retry and retry_after > 0:
        parts[-1] += f" (Retry-After {_seconds(retry_after)})"
    return ", ".join(parts)


def _describe_rate(rate: Rate, verb: str, *, what: str = "", when: str = "") -> str:
    """``drop 2% after processing``, ``garble 5% of the answers on GetChatList and 1%
    on every other endpoint``; empty when nothing is injected."""
    if not isinstance(rate, Mapping):
        return f"{verb} {_percent(rate)}{what}{when}" if rate > 0 else ""
    each = [
        f"{_percent(p)} {_where(endpoint, rate)}"
        for endpoint, p in sorted(rate.items(), key=lambda item: (item[0] == "*", item[0]))
        if p > 0
    ]
    if not each:
        return ""
    first, space, where = each[0].partition(" ")
    each[0] = f"{first}{what}{space}{where}"
    return f"{verb} {' and '.join(each)}{when}"


@attrs.frozen(kw_only=True)
class SimulatorConfig:
    """How a `Simulator` behaves: its data, timing, dialect and faults.

    Example:
        ```python
        SimulatorConfig(seed=3, casing="camel", faults=Faults(drop_after=0.02))
        ```

    Attributes:
        seed: Seeds the generated data (customers, chat histories, times) and
            the fault rolls: the same seed gives the same run. The reference's
            example records are there whatever the seed.
        session_idle_timeout: Seconds without an authenticated call before a
            session token expires (any authenticated call, KeepAlive included,
            refreshes it), on the simulator's clock.
        casing: `"pascal"` (`ChatID`, like an ASP.NET server out of the box) or
            `"camel"` (`chatId`) keys in JSON answers; setting names inside
            GetSettings are data and keep theirs.
        latency: Seconds added to every request before it is looked at.
        logon_latency: Seconds an AgentLogon takes on top of `latency`: its
            body is read and the request counted (`Simulator.requests`), then
            waited on, then processed. A client that gives up or dies during
            the wait still leaves a session behind, as a server that finished
            the work would (and, with `one_session_per_agent`, that logon
            still ends the agent's earlier sessions).
        one_session_per_agent: A successful AgentLogon ends every earlier
            session of the same agent: a call with an older token gets the
            answer of an expired session (401 "Session expired or invalid"),
            and the client holding it logs on again (which ends the other
            one's session in turn). `False`: sessions of one agent live side by
            side.
        new_chat_interval: With `Simulator.run_life()` running (as it does
            when served), a customer starts a new chat this often, in seconds;
            `None`: never.
        faults: What goes wrong; see `Faults`.
        api_key: When set, every request must carry it in the `apikey` header
            (else 403).
        start_time: The simulated wall-clock time at start (the seed data is
            dated relative to it; a naive time is taken as UTC+2); `None`: now,
            in South African time (UTC+2).

    Raises:
        ValueError: A negative `latency` or `logon_latency`, a
            `session_idle_timeout` or `new_chat_interval` that is not > 0, or an
            unknown `casing`.
        TypeError: `one_session_per_agent` is not a bool.
    """

    seed: int = 0
    session_idle_timeout: float = attrs.field(default=1800.0, validator=_positive_or_none)
    casing: Casing = attrs.field(
        default="pascal", validator=attrs.validators.in_(("pascal", "camel"))
    )
    latency: float = attrs.field(default=0.0, validator=_non_negative)
    logon_latency: float = attrs.field(default=0.0, validator=_non_negative)
    one_session_per_agent: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    new_chat_interval: float | None = attrs.field(default=None, validator=_positive_or_none)
    faults: Faults = attrs.field(factory=Faults)
    api_key: str | None = None
    start_time: datetime | None = None

    def describe(self) -> str:
        """What goes wrong with sessions and requests, in words: the line
        `agentchat simulate` prints after `faults:`.

        Example:
            ```python
            SimulatorConfig(
                faults=Faults(expire_every=5), one_session_per_agent=True
            ).describe()
            # 'sessions expire every 5 s, one session per agent (a logon ends the earlier ones)'
            ```

        Returns:
            `Faults.describe()`, then `one_session_per_agent` when on;
            `"none"` when neither says anything.
        """
        faults = self.faults.describe()
        parts = [faults] if faults != "none" else []
        if self.one_session_per_agent:
            parts.append("one session per agent (a logon ends the earlier ones)")
        return ", ".join(parts) or "none"
