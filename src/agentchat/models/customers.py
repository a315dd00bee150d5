"""Customers: the people chats are with, and what FindCustomer returns."""

from __future__ import annotations

import attrs

from ._base import Listing, Model
from .chats import Chat

__all__ = ["Customer", "CustomerList"]


@attrs.frozen(kw_only=True)
class Customer(Model):
    """A customer; ``chats`` is filled when FindCustomer was asked to include them."""

    customer_id: int
    full_name: str | None = None
    mobile_number: str | None = None
    email_address: str | None = None
    comment: str | None = None
    tag_ids: tuple[int, ...] = ()
    chats: tuple[Chat, ...] = ()


@attrs.frozen(kw_only=True)
class CustomerList(Listing[Customer], Model):
    """The customers FindCustomer found (none, one or several); reads as a tuple
    of them.

    A server may answer with one customer object, a bare list, or a wrapped
    list; all three become this.
    """

    customers: tuple[Customer, ...] = ()

    @property
    def _items(self) -> tuple[Customer, ...]:
        return self.customers
