"""Canned responses: stored replies agents send with one click."""

from __future__ import annotations

import attrs

from ._base import Model

__all__ = ["CannedResponse"]


@attrs.frozen(kw_only=True)
class CannedResponse(Model):
    """A canned response, as CreateCannedResponse may return it.

    Attributes:
        canned_response_id: Its ID (``CannedResponseID``), the one
            ``update_canned_response()`` and ``delete_canned_response()`` take.
        name: Its name, as agents pick it.
        message_text: The text it sends.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    canned_response_id: int
    name: str | None = None
    message_text: str | None = None
