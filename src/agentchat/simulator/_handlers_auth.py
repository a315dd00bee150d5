"""Handlers of the reference's Authentication and Agent/User calls.

* AgentLogon: wrong or unknown credentials, or a disabled agent: 401
  ``{"Message": "Invalid email address or password"}``; else a new session with
  a 32-hex-digit token: ``{"SessionToken", "AgentID", "Name", "EmailAddress",
  "RoleID"}``. Sessions expire after ``session_idle_timeout`` seconds without an
  authenticated call (checked by the app, not here). With
  ``one_session_per_agent`` the new session ends the agent's earlier ones. Each
  success is counted in ``state.logons`` (``Simulator.logon_count()``); the
  app waits ``logon_latency`` before calling the handler.
* AgentLogoff invalidates the token it was called with; KeepAlive does nothing
  but the refresh every authenticated call gets.
* RequestPasswordReset (EmailAddress; an Agent only for their own address, a
  Manager for anyone) makes a reset code, as the e-mailed link would carry it;
  it is in the journal entry (``reset_code``) and ``state.reset_codes``.
  SetPassword (ResetCode; no session) consumes the code and sets a new
  generated password (journaled as ``new_password``: the reference's body has
  no field for a chosen one); an unknown or used code is 400.
* CreateAgent (Managers only): ``RoleID`` is the string ``"1"`` or ``"2"`` as
  documented; DepartmentID must name existing departments; a used e-mail
  address is 409. The new agent is Offline, enabled, and can log on with the
  password ``welcome-<AgentID>``.
* UpdateAgent: Managers update anyone; an Agent only themselves, and not their
  RoleID, DepartmentID or Enabled (403). Notifications must be known names
  (only ``UnassignedChatsWaiting`` in this version). Disabling an agent ends
  their sessions.
"""

from __future__ import annotations

import hmac
from typing import Final

from ..models import LogonResult
from ._context import ApiError, Call, Json, Reply, bad, handler
from ._render import CONVERTER, agent_model
from ._state import AGENT, MANAGER, OFFLINE, ONLINE, AgentRecord, SessionRecord

__all__ = ["KNOWN_NOTIFICATIONS", "new_agent_password"]

#: The notifications UpdateAgent accepts ("the current version only has
#: UnassignedChatsWaiting").
KNOWN_NOTIFICATIONS: Final = frozenset({"UnassignedChatsWaiting"})


def new_agent_password(agent_id: int) -> str:
    """The password an agent made by CreateAgent logs on with."""
    return f"welcome-{agent_id}"


# -- Authentication ---------------------------------------------------------


@handler("AgentLogon")
def agent_logon(call: Call) -> Reply:
    email = call.fields.text("EmailAddress")
    password = call.fields.text("Password")
    agent = call.state.agent_by_email(email)
    if (
        agent is None
        or not hmac.compare_digest(agent.password.encode(), password.encode())
        or not agent.enabled
    ):
        raise ApiError(401, "Invalid email address or password")
    token = f"{call.rng.getrandbits(128):032x}"
    if call.one_session_per_agent:
        call.state.drop_sessions_of(agent.agent_id)
    call.state.logons[agent.agent_id] += 1
    call.state.sessions[token] = SessionRecord(
        token=token, agent_id=agent.agent_id, last_used=call.clock
    )
    call.state.issued_tokens.append(token)
    result = LogonResult(
        agent_id=agent.agent_id,
        name=agent.name,
        email_address=agent.email_address,
        role_id=agent.role_id,
    )
    return Json({"SessionToken": token, **CONVERTER.unstructure(result)})


@handler("SetPassword")
def set_password(call: Call) -> Reply:
    code = call.fields.text("ResetCode").strip()
    agent_id = call.state.reset_codes.get(code)
    agent = call.state.agents.get(agent_id) if agent_id is not None else None
    if agent is None:
        raise bad("ResetCode is not a valid reset code, or was already used")
    del call.state.reset_codes[code]
    agent.password = f"new-password-{call.rng.randrange(16**8):08x}"
    call.record(target_agent_id=agent.agent_id, reset_code=code, new_password=agent.password)
    return None


@handler("RequestPasswordReset")
def request_password_reset(call: Call) -> Reply:
    email = call.fields.text("EmailAddress")
    target = call.state.agent_by_email(email)
    if target is None:
        raise ApiError(404, f"No agent with EmailAddress {email}")
    if target is not call.caller and not call.is_manager:
        raise ApiError(403, "Only managers may reset another agent's password")
    code = "".join(str(call.rng.randrange(10)) for _ in range(23))
    call.state.reset_codes[code] = target.agent_id
    call.record(
        email_address=target.email_address, target_agent_id=target.agent_id, reset_code=code
    )
    return None


@handler("AgentLogoff")
def agent_logoff(call: Call) -> Reply:
    if call.token is not None:
        call.state.sessions.pop(call.token, None)
    return None


@handler("KeepAlive")
def keep_alive(call: Call) -> Reply:
    return None  # the app refreshed the session before calling this


# -- Agents -----------------------------------------------------------------


def _departments(call: Call, department_ids: list[int]) -> list[int]:
    for department_id in department_ids:
        call.department(department_id)
    return list(dict.fromkeys(department_ids))


@handler("CreateAgent")
def create_agent(call: Call) -> Reply:
    fields = call.fields
    name = fields.text("Name")
    email = fields.email("EmailAddress")
    mobile = fields.opt_text("MobileNumber")
    role_text = fields.text("RoleID").strip()
    if role_text not in (str(AGENT), str(MANAGER)):
        raise bad('RoleID must be "1" (Agent) or "2" (Manager)')
    department_ids = fields.integers("DepartmentID")
    if not department_ids:
        raise bad("DepartmentID must name at least one department")
    department_ids = _departments(call, department_ids)
    if call.state.agent_by_email(email) is not None:
        raise ApiError(409, f"An agent with EmailAddress {email} already exists")
    agent_id = call.state.new_id("agent")
    agent = AgentRecord(
        agent_id=agent_id, name=name, email_address=email, password=new_agent_password(agent_id),
        role_id=int(role_text), status_id=OFFLINE, mobile_number=mobile,
        department_ids=department_ids,
    )  # fmt: skip
    call.state.agents[agent_id] = agent
    call.record(
        created_id=agent_id,
        name=name,
        email_address=email,
        role_id=agent.role_id,
        department_ids=tuple(department_ids),
    )
    return agent_model(agent)


@handler("UpdateAgent")
def update_agent(call: Call) -> Reply:
    fields = call.fields
    target = call.agent_record(fields.integer("AgentID"))
    name = fields.text("Name")
    email = fields.email("EmailAddress")
    role_id = fields.integer("RoleID")
    if role_id not in (AGENT, MANAGER):
        raise bad("RoleID must be 1 (Agent) or 2 (Manager)")
    status_id = fields.integer("StatusID")
    if not OFFLINE <= status_id <= ONLINE:
        raise bad("StatusID must be 1 (Offline), 2 (Busy), 3 (OnBreak) or 4 (Online)")
    mobile = fields.opt_text("MobileNumber")
    notifications = fields.opt_texts("Notifications")
    for index, notification in enumerate(notifications or ()):
        if notification not in KNOWN_NOTIFICATIONS:
            raise bad(
                f"Notifications[{index}] must be one of {', '.join(sorted(KNOWN_NOTIFICATIONS))}"
            )
    department_ids = fields.opt_integers("DepartmentID")
    if department_ids is not None:
        department_ids = _departments(call, department_ids)
    enabled = fields.opt_boolean("Enabled")
    if not call.is_manager:
        if target is not call.caller:
            raise ApiError(403, "Only managers may update other agents")
        if (
            role_id != target.role_id
            or (department_ids is not None and set(department_ids) != set(target.department_ids))
            or (enabled is not None and enabled != target.enabled)
        ):
            raise ApiError(403, "Only managers may change an agent's role, departments or Enabled")
    other = call.state.agent_by_email(email)
    if other is not None and other is not target:
        raise ApiError(409, f"An agent with EmailAddress {email} already exists")
    target.name = name
    target.email_address = email
    target.role_id = role_id
    target.status_id = status_id
    if mobile is not None:
        target.mobile_number = mobile
    if notifications is not None:
        target.notifications = list(dict.fromkeys(notifications))
    if department_ids is not None:
        target.department_ids = department_ids
    if enabled is not None:
        target.enabled = enabled
        if not enabled:
            call.state.drop_sessions_of(target.agent_id)
    return None
