"""Recipients: the people scheduled reports are sent to."""

from __future__ import annotations

import attrs

from ._base import Listing, Model

__all__ = ["Recipient", "RecipientList"]


@attrs.frozen(kw_only=True)
class Recipient(Model):
    """A report recipient (GetRecipients, CreateRecipient)."""

    recipient_id: int
    full_name: str | None = None
    email_address: str | None = None


@attrs.frozen(kw_only=True)
class RecipientList(Listing[Recipient], Model):
    """The recipients GetRecipients returned; reads as a tuple of them."""

    recipients: tuple[Recipient, ...] = ()

    @property
    def _items(self) -> tuple[Recipient, ...]:
        return self.recipients
