"""Departments: CreateDepartment, UpdateDepartment, GetDepartmentList."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import Department, DepartmentList

__all__ = ["DepartmentEndpoints"]


class DepartmentEndpoints(ClientBase):
    """The reference's "Department" group."""

    async def create_department(
        self,
        name: str,
        *,
        include_in_welcome_menu: bool | None = None,
        name_in_menu: str | None = None,
        welcome_returning: str | None = None,
        welcome_new: str | None = None,
        menu_index: int | None = None,
        enabled: bool | None = None,
        auto_tag_ids: Sequence[int] | None = None,
    ) -> Department | None:
        """Create a department (Managers only).

        `POST /api/CreateDepartment` · retry class **unsafe**: never resent once it
        may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            name: Its name (`Name`): non-empty text.
            include_in_welcome_menu: Whether customers can pick it in the welcome
                menu (`IncludeInWelcomeMenu`): `True` or `False`. Not sent when not
                given.
            name_in_menu: Its name in that menu (`NameInMenu`): non-empty text.
                Not sent when not given.
            welcome_returning: The welcome message for returning customers
                (`WelcomeReturning`): non-empty text. Not sent when not given.
            welcome_new: The welcome message for new customers (`WelcomeNew`),
                typically with the POPIA notice: non-empty text. Not sent when not
                given.
            menu_index: Its option number in the welcome menu (`MenuIndex`): an
                int, 0 to 2147483647. Not sent when not given.
            enabled: Whether it is enabled (`Enabled`): `True` or `False`. Not
                sent when not given.
            auto_tag_ids: The tags its chats get by themselves (`AutoTagID`): a
                list or tuple of int IDs, 1 to 2147483647 each. Not sent when not
                given.

        Returns:
            The new department when the server describes it, else `None` (an
            empty answer, as documented).

        Raises:
            InvalidRequestError: A bad argument (empty text, a number out of
                range); nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: An `auto_tag_ids` item names no tag (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = _department_fields(
            {"Name": check.text(name, "name")},
            include_in_welcome_menu, name_in_menu, welcome_returning, welcome_new,
            menu_index, enabled, auto_tag_ids,
        )  # fmt: skip
        return await self._request_optional(routes.CREATE_DEPARTMENT, Department, body=body)

    async def update_department(
        self,
        department_id: int,
        *,
        name: str | None = None,
        include_in_welcome_menu: bool | None = None,
        name_in_menu: str | None = None,
        welcome_returning: str | None = None,
        welcome_new: str | None = None,
        menu_index: int | None = None,
        enabled: bool | None = None,
        auto_tag_ids: Sequence[int] | None = None,
    ) -> None:
        """Update a department; only the fields given change (Managers only).

        `POST /api/UpdateDepartment` · retry class **idempotent**: repeating it
        leaves the same state; retried after connection failures, timeouts, 429
        and 502-504.

        Args:
            department_id: The department (`DepartmentID`): an int ID, 1 to
                2147483647.
            name: Its name (`Name`): non-empty text. Not sent when not given.
            include_in_welcome_menu: Whether customers can pick it in the welcome
                menu (`IncludeInWelcomeMenu`): `True` or `False`. Not sent when not
                given.
            name_in_menu: Its name in that menu (`NameInMenu`): non-empty text.
                Not sent when not given.
            welcome_returning: The welcome message for returning customers
                (`WelcomeReturning`): non-empty text. Not sent when not given.
            welcome_new: The welcome message for new customers (`WelcomeNew`):
                non-empty text. Not sent when not given.
            menu_index: Its option number in the welcome menu (`MenuIndex`): an
                int, 0 to 2147483647. Not sent when not given.
            enabled: Whether it is enabled (`Enabled`): `True` or `False`. Not
                sent when not given.
            auto_tag_ids: The tags its chats get by themselves (`AutoTagID`): a
                list or tuple of int IDs, 1 to 2147483647 each. Not sent when not
                given.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: A bad argument (empty text, a number out of
                range); nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            NotFoundError: No such department, or an `auto_tag_ids` item names
                no tag (404).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        body = _department_fields(
            {
                "DepartmentID": check.identifier(department_id, "department_id"),
                "Name": check.optional(check.text, name, "name"),
            },
            include_in_welcome_menu, name_in_menu, welcome_returning, welcome_new,
            menu_index, enabled, auto_tag_ids,
        )  # fmt: skip
        await self._send(routes.UPDATE_DEPARTMENT, body=body)

    async def get_department_list(self) -> DepartmentList:
        """List the departments with their settings and messages.

        `GET /api/GetDepartmentList` · retry class **read**: changes nothing;
        retried after connection failures, timeouts, 429 and 502-504.

        Returns:
            The departments in the server's order (empty for an empty answer).

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as departments.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        return await self._request(routes.GET_DEPARTMENT_LIST, DepartmentList)


def _department_fields(
    fields: dict[str, Any],
    include_in_welcome_menu: bool | None,
    name_in_menu: str | None,
    welcome_returning: str | None,
    welcome_new: str | None,
    menu_index: int | None,
    enabled: bool | None,
    auto_tag_ids: Sequence[int] | None,
) -> dict[str, Any]:
    """The optional fields CreateDepartment and UpdateDepartment share."""
    return check.compact(
        {
            **fields,
            "IncludeInWelcomeMenu": check.optional(
                check.boolean, include_in_welcome_menu, "include_in_welcome_menu"
            ),
            "NameInMenu": check.optional(check.text, name_in_menu, "name_in_menu"),
            "WelcomeReturning": check.optional(check.text, welcome_returning, "welcome_returning"),
            "WelcomeNew": check.optional(check.text, welcome_new, "welcome_new"),
            "MenuIndex": check.optional(check.integer, menu_index, "menu_index"),
            "Enabled": check.optional(check.boolean, enabled, "enabled"),
            "AutoTagID": check.optional(check.identifiers, auto_tag_ids, "auto_tag_ids"),
        }
    )
