"""Handlers of the administration calls: departments, tags and tag groups, canned
responses, working hours and settings (all but GetDepartmentList Managers-only,
see ``_context.MANAGER_ONLY``).

* Names need not be unique (the reference says nothing of it; e-mail addresses,
  on agents and recipients, are what a 409 is for).
* IDs that name nothing are 404 (``AutoTagID`` items included).
* DeleteTag also takes the tag off every chat and out of every department's
  ``AutoTagID``; a chat that starts in a department gets its auto tags.
* UpdateWorkingHours replaces the days it is given: ``Day`` 1..7 (Monday is 1),
  each at most once; an enabled day must end after it starts.
* UpdateSettings takes the documented ``{"Settings": [{"Name": value}, ...]}``
  and merges the values in; GetSettings answers in the same shape.
"""

from __future__ import annotations

from typing import Any

from ..models import Settings
from ._context import Call, Json, Reply, bad, handler
from ._render import (
    CONVERTER,
    canned_response_model,
    department_model,
    tag_group_model,
    tag_model,
)
from ._state import (
    CannedResponseRecord,
    DepartmentRecord,
    TagGroupRecord,
    TagRecord,
    WorkingDayRecord,
)

__all__: list[str] = []


# -- Departments ------------------------------------------------------------


def _department_changes(call: Call, record: DepartmentRecord | None) -> dict[str, Any]:
    fields = call.fields
    changes: dict[str, Any] = {
        "include_in_welcome_menu": fields.opt_boolean("IncludeInWelcomeMenu"),
        "name_in_menu": fields.opt_text("NameInMenu"),
        "welcome_returning": fields.opt_text("WelcomeReturning"),
        "welcome_new": fields.opt_text("WelcomeNew"),
        "menu_index": fields.opt_integer("MenuIndex"),
        "enabled": fields.opt_boolean("Enabled"),
        "auto_tag_ids": fields.opt_integers("AutoTagID"),
    }
    if changes["menu_index"] is not None and changes["menu_index"] < 0:
        raise bad("MenuIndex must not be negative")
    for tag_id in changes["auto_tag_ids"] or ():
        call.tag(tag_id, "AutoTagID")
    if changes["auto_tag_ids"] is not None:
        changes["auto_tag_ids"] = list(dict.fromkeys(changes["auto_tag_ids"]))
    name = fields.text("Name") if record is None else fields.opt_text("Name")
    if name is not None:
        changes["name"] = name
    return {key: value for key, value in changes.items() if value is not None}


@handler("CreateDepartment")
def create_department(call: Call) -> Reply:
    changes = _department_changes(call, None)
    department_id = call.state.new_id("department")
    department = DepartmentRecord(department_id=department_id, **changes)
    call.state.departments[department_id] = department
    call.record(created_id=department_id, name=department.name)
    return department_model(department)


@handler("UpdateDepartment")
def update_department(call: Call) -> Reply:
    department = call.department(call.fields.integer("DepartmentID"))
    for key, value in _department_changes(call, department).items():
        setattr(department, key, value)
    return None


@handler("GetDepartmentList")
def get_department_list(call: Call) -> Reply:
    return [department_model(d) for d in call.state.departments.values()]


# -- Tags and tag groups ----------------------------------------------------


def _group(call: Call, tag_group_id: int) -> TagGroupRecord:
    return call.find(call.state.tag_groups, tag_group_id, "TagGroupID", "tag group")


@handler("CreateTag")
def create_tag(call: Call) -> Reply:
    group = _group(call, call.fields.integer("TagGroupID"))
    name = call.fields.text("Name")
    enabled = call.fields.boolean("Enabled")
    tag_id = call.state.new_id("tag")
    tag = TagRecord(tag_id=tag_id, tag_group_id=group.tag_group_id, name=name, enabled=enabled)
    call.state.tags[tag_id] = tag
    call.record(created_id=tag_id, tag_group_id=group.tag_group_id, name=name)
    return tag_model(tag)


@handler("UpdateTag")
def update_tag(call: Call) -> Reply:
    tag = call.tag(call.fields.integer("TagID"))
    name = call.fields.opt_text("Name")
    enabled = call.fields.opt_boolean("Enabled")
    if name is not None:
        tag.name = name
    if enabled is not None:
        tag.enabled = enabled
    return None


@handler("DeleteTag")
def delete_tag(call: Call) -> Reply:
    tag = call.tag(call.fields.integer("TagID"))
    del call.state.tags[tag.tag_id]
    for chat in call.state.chats.values():
        if tag.tag_id in chat.tag_ids:
            chat.tag_ids.remove(tag.tag_id)
    for department in call.state.departments.values():
        if tag.tag_id in department.auto_tag_ids:
            department.auto_tag_ids.remove(tag.tag_id)
    return None


@handler("CreateTagGroup")
def create_tag_group(call: Call) -> Reply:
    name = call.fields.text("Name")
    enabled = call.fields.boolean("Enabled")
    group_id = call.state.new_id("tag_group")
    group = TagGroupRecord(tag_group_id=group_id, name=name, enabled=enabled)
    call.state.tag_groups[group_id] = group
    call.record(created_id=group_id, name=name)
    return tag_group_model(call.state, group)


@handler("UpdateTagGroup")
def update_tag_group(call: Call) -> Reply:
    group = _group(call, call.fields.integer("TagGroupID"))
    name = call.fields.opt_text("Name")
    enabled = call.fields.opt_boolean("Enabled")
    if name is not None:
        group.name = name
    if enabled is not None:
        group.enabled = enabled
    return None


# -- Canned responses -------------------------------------------------------


def _canned(call: Call) -> CannedResponseRecord:
    return call.find(
        call.state.canned_responses,
        call.fields.integer("CannedResponseID"),
        "CannedResponseID",
        "canned response",
    )


@handler("CreateCannedResponse")
def create_canned_response(call: Call) -> Reply:
    name = call.fields.text("Name")
    text = call.fields.text("MessageText")
    response_id = call.state.new_id("canned_response")
    response = CannedResponseRecord(canned_response_id=response_id, name=name, message_text=text)
    call.state.canned_responses[response_id] = response
    call.record(created_id=response_id, name=name, message_text=text)
    return canned_response_model(response)


@handler("UpdateCannedResponse")
def update_canned_response(call: Call) -> Reply:
    response = _canned(call)
    name = call.fields.opt_text("Name")
    text = call.fields.opt_text("MessageText")
    if name is not None:
        response.name = name
    if text is not None:
        response.message_text = text
    return None


@handler("DeleteCannedResponse")
def delete_canned_response(call: Call) -> Reply:
    response = _canned(call)
    del call.state.canned_responses[response.canned_response_id]
    return None


# -- Working hours and settings ---------------------------------------------


@handler("UpdateWorkingHours")
def update_working_hours(call: Call) -> Reply:
    items = call.fields.objects("Days")
    if not items:
        raise bad("Days must not be empty")
    days: dict[int, WorkingDayRecord] = {}
    for index, item in enumerate(items):
        fields = call.fields.nested(item, f"Days[{index}].")
        day = fields.integer("Day")
        if not 1 <= day <= 7:
            raise bad(f"Days[{index}].Day must be a weekday 1..7 (Monday is 1)")
        if day in days:
            raise bad(f"Days[{index}].Day: weekday {day} is given twice")
        enabled = fields.boolean("Enabled")
        start = fields.time_of_day("StartTime")
        end = fields.time_of_day("EndTime")
        if enabled and end <= start:
            raise bad(f"Days[{index}].EndTime must be after StartTime")
        days[day] = WorkingDayRecord(day=day, enabled=enabled, start_time=start, end_time=end)
    call.state.working_hours.update(days)
    return None


@handler("UpdateSettings")
def update_settings(call: Call) -> Reply:
    items = call.fields.objects("Settings")
    if not items:
        raise bad("Settings must not be empty")
    values: dict[str, Any] = {}
    for index, item in enumerate(items):
        if not item:
            raise bad(f"Settings[{index}] must name a setting")
        for name, value in item.items():
            if not name.strip():
                raise bad(f"Settings[{index}] has an empty setting name")
            values[name] = value
    call.state.settings.update(values)
    return None


@handler("GetSettings")
def get_settings(call: Call) -> Reply:
    settings = Settings(values=dict(call.state.settings))
    return Json({"Settings": CONVERTER.unstructure(settings)})
