"""Canned responses: stored replies agents send with one click."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["CannedResponse"]


@attrs.frozen(kw_only=True)
class CannedResponse(Model):
    """A canned response, as CreateCannedResponse may return it."""

    canned_response_id: int
    name: str | None = None
    message_text: str | None = None
