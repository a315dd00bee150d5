"""Departments: the queues chats wait in, with their welcome-menu settings."""

from __future__ import annotations

import attrs

from ._base import Listing, Model

__all__ = ["Department", "DepartmentList"]


@attrs.frozen(kw_only=True)
class Department(Model):
    """A department, as GetDepartmentList lists it (and CreateDepartment may return it).

    Attributes:
        department_id: Its ID (``DepartmentID``), the one ``transfer_chat()``
            and ``update_department()`` take.
        name: Its name.
        include_in_welcome_menu: Whether customers can pick it in the welcome menu.
        name_in_menu: Its name in the welcome menu.
        welcome_returning: The welcome text for a returning customer (with
            placeholders such as ``#CUSTOMERNAME#``).
        welcome_new: The welcome text for a new customer.
        menu_index: Its place in the welcome menu.
        enabled: Whether the department is enabled.
        auto_tag_ids: The tags put on its chats automatically (``AutoTagID``).
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    department_id: int
    name: str | None = None
    include_in_welcome_menu: bool | None = None
    name_in_menu: str | None = None
    welcome_returning: str | None = None
    welcome_new: str | None = None
    menu_index: int | None = None
    enabled: bool | None = None
    auto_tag_ids: tuple[int, ...] = ()


@attrs.frozen(kw_only=True)
class DepartmentList(Listing[Department], Model):
    """The departments GetDepartmentList returned; reads as a tuple of them.

    Attributes:
        departments: The departments, in the server's order.
        extra: Keys no field matched, with their values (see ``Model``).
        raw: The decoded JSON it was read from (see ``Model``).
    """

    departments: tuple[Department, ...] = ()

    @property
    def _items(self) -> tuple[Department, ...]:
        return self.departments
