"""Customers: the people chats are with, and what FindCustomer returns."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ._base import Model
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
class CustomerList(Model):
    """The customers FindCustomer found (none, one or several); iterable and sized.

    A server may answer with one customer object, a bare list, or a wrapped
    list; all three become this.
    """

    customers: tuple[Customer, ...] = ()

    def __iter__(self) -> Iterator[Customer]:
        return iter(self.customers)

    def __len__(self) -> int:
        return len(self.customers)
