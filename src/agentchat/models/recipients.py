"""Recipients: the people scheduled reports are sent to."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ._base import Model

__all__ = ["Recipient", "RecipientList"]


@attrs.frozen(kw_only=True)
class Recipient(Model):
    """A report recipient (GetRecipients, CreateRecipient)."""

    recipient_id: int
    full_name: str | None = None
    email_address: str | None = None


@attrs.frozen(kw_only=True)
class RecipientList(Model):
    """The recipients GetRecipients returned; iterable and sized."""

    recipients: tuple[Recipient, ...] = ()

    def __iter__(self) -> Iterator[Recipient]:
        return iter(self.recipients)

    def __len__(self) -> int:
        return len(self.recipients)
