"""Departments: the queues chats wait in, with their welcome-menu settings."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from ._base import Model

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
class DepartmentList(Model):
    """The departments GetDepartmentList returned; iterable and sized."""

    departments: tuple[Department, ...] = ()

    def __iter__(self) -> Iterator[Department]:
        return iter(self.departments)

    def __len__(self) -> int:
        return len(self.departments)
