"""Customers: the people chats are with, and what FindCustomer returns."""

from __future__ import annotations

import attrs

from ._base import Listing, Model
from .chats import Chat

__all__ = ["Customer", "CustomerList"]


@attrs.frozen(kw_only=True)
class Customer(Model):
    """A customer, as FindCustomer finds it.

    Attributes:
        customer_id: The customer's ID (``CustomerID``), the one
            ``add_comment()`` and ``update_customer()`` take.
        full_name: The customer's name.
        mobile_number: The customer's mobile number, as FindCustomer searches it.
        email_address: The customer's email address.
        comment: The comment kept on the customer.
        tag_ids: The tags on the customer (``TagID``).
        chats: The customer's chats, when ``find_customer()`` was asked to
            include them (``include_chats=True``); else empty.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

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

    Attributes:
        customers: The customers, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    customers: tuple[Customer, ...] = ()

    @property
    def _items(self) -> tuple[Customer, ...]:
        return self.customers
