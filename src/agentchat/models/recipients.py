"""Recipients: the people scheduled reports are sent to."""

from __future__ import annotations

import attrs

from ._base import Listing, Model

__all__ = ["Recipient", "RecipientList"]


@attrs.frozen(kw_only=True)
class Recipient(Model):
    """A report recipient (GetRecipients, CreateRecipient).

    Attributes:
        recipient_id: Its ID (``RecipientID``), the one
            ``create_report_schedule()`` and ``delete_recipient()`` take.
        full_name: The recipient's name.
        email_address: Where the reports are sent.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    recipient_id: int
    full_name: str | None = None
    email_address: str | None = None


@attrs.frozen(kw_only=True)
class RecipientList(Listing[Recipient], Model):
    """The recipients GetRecipients returned; reads as a tuple of them.

    Attributes:
        recipients: The recipients, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    recipients: tuple[Recipient, ...] = ()

    @property
    def _items(self) -> tuple[Recipient, ...]:
        return self.recipients
