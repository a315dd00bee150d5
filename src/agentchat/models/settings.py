"""Settings: the company's free-form settings (GetSettings, UpdateSettings)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ._base import Model

__all__ = ["Settings"]


@attrs.frozen(kw_only=True)
class Settings(Model):
    """The company settings as one mapping of setting name to value.

    The reference documents settings only by UpdateSettings' example,
    ``[{"CompanyName": "Channel"}]``; servers answer with an object, a list of
    one-key objects, or a list of ``{"Name": ..., "Value": ...}`` pairs, and all
    three become ``values``. ``settings["CompanyName"]`` reads one; ``len()``
    and iteration (over the names) work as on a mapping.

    Attributes:
        values: Setting name -> value (any JSON value), in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    values: Mapping[str, Any] = attrs.field(factory=dict, hash=False)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)
