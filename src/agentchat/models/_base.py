from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Model"]


@attrs.frozen(kw_only=True)
class Model:
    """Base of every response model.

    The API reference documents no response bodies, so every model keeps what
    it did not recognise in ``extra`` (wire key -> decoded JSON value) and the
    whole decoded JSON it came from in ``raw``. Neither takes part in ``repr``;
    ``raw`` takes no part in equality either.
    """

    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False, hash=False)
    raw: Any = attrs.field(default=None, repr=False, eq=False, hash=False)
