"""Departments: the queues chats wait in, with their welcome-menu settings."""

from __future__ import annotations

import attrs

from ._base import Listing, Model

__all__ = ["Department", "DepartmentList"]


@attrs.frozen(kw_only=True)
class Department(Model):
    """A department, as GetDepartmentList lists it (and CreateDepartment may return it)."""

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
    """The departments GetDepartmentList returned; reads as a tuple of them."""

    departments: tuple[Department, ...] = ()

    @property
    def _items(self) -> tuple[Department, ...]:
        return self.departments
