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
    """What goes wrong, and how often. Every probability is rolled per request on
    a ``random.Random`` seeded from ``SimulatorConfig.seed``, so a run repeats.

    In the order they are applied to a request:

    * ``error_rates``: per endpoint name (or ``"*"`` for every endpoint without
      its own entry), HTTP status -> probability; 429, 500, 502, 503 and 504 are
      supported. An injected error is answered *before* anything is processed:
      no state changes, nothing is journaled, the session is not refreshed.
      429 and 503 carry ``Retry-After: retry_after``.
    * ``drop_before``: the connection is dropped before the request is
      processed (nothing changed).
    * ``drop_after``: the request is processed (state changed, journal written)
      and then the connection is dropped instead of answering.
    * ``malformed``: a 2xx body is replaced by garbage (JSON cut in half; a CSV
      by bytes that are not UTF-8).
    * ``expire_every``: every session is expired every N seconds of the
      simulator's clock (checked on each request).

    ``drop_before``, ``drop_after`` and ``malformed`` are a probability for every
    endpoint, or a mapping of endpoint name (or ``"*"``) to probability.
    """

    error_rates: Mapping[str, Mapping[int, float]] = attrs.field(
        factory=dict, converter=_freeze_error_rates
    )
    #: Seconds sent in ``Retry-After`` with injected 429 and 503 answers.
    retry_after: float = attrs.field(default=0.0, validator=_non_negative)
    drop_before: Rate = attrs.field(default=0.0, converter=_freeze_rate)
    drop_after: Rate = attrs.field(default=0.0, converter=_freeze_rate)
    expire_every: float | None = attrs.field(default=None, validator=_positive_or_none)
    malformed: Rate = attrs.field(default=0.0, converter=_freeze_rate)

    def error_statuses(self, endpoint: str) -> list[tuple[int, float]]:
        """The (status, probability) pairs that apply to ``endpoint``, by status."""
        rates = self.error_rates.get(endpoint, self.error_rates.get("*", {}))
        return sorted((status, p) for status, p in rates.items() if p > 0)

    @staticmethod
    def rate(rate: Rate, endpoint: str) -> float:
        """The probability ``rate`` gives ``endpoint``."""
        if isinstance(rate, Mapping):
            return rate.get(endpoint, rate.get("*", 0.0))
        return rate


@attrs.frozen(kw_only=True)
class SimulatorConfig:
    """How a ``Simulator`` behaves.

    * ``seed``: seeds the generated data (agents, customers, chats...) and the
      fault rolls; the same seed gives the same run.
    * ``session_idle_timeout``: seconds without an authenticated call before a
      session token expires (any authenticated call, KeepAlive included,
      refreshes it). Measured on the simulator's clock.
    * ``casing``: ``"pascal"`` (``ChatID``) or ``"camel"`` (``chatId``) keys in
      JSON answers; setting names inside GetSettings are data and keep theirs.
    * ``latency``: seconds added to every request before it is looked at.
    * ``new_chat_interval``: with ``run_life()`` running, a customer starts a
      new chat this often (seconds); ``None``: never.
    * ``faults``: see ``Faults``.
    * ``api_key``: when set, every request must carry it in the ``apikey``
      header (else ``403``).
    * ``start_time``: the simulated wall-clock time at start (seed data is dated
      relative to it); ``None``: now, in South African time (UTC+2).
    """

    seed: int = 0
    session_idle_timeout: float = attrs.field(default=1800.0, validator=_positive_or_none)
    casing: Casing = attrs.field(
        default="pascal", validator=attrs.validators.in_(("pascal", "camel"))
    )
    latency: float = attrs.field(default=0.0, validator=_non_negative)
    new_chat_interval: float | None = attrs.field(default=None, validator=_positive_or_none)
    faults: Faults = attrs.field(factory=Faults)
    api_key: str | None = None
    start_time: datetime | None = None
