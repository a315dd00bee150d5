"""The endpoint methods of ``AsyncAgentChat``, one mixin per group of the reference.

Each module holds one group's methods (as ``models/`` holds its types) on a
``ClientBase`` subclass: a method checks its arguments (``_validation``), builds
the documented query or body, and sends it with its route from ``_routes``
through ``ClientBase._send`` / ``_request``. ``AsyncAgentChat`` (``_client.py``)
composes the mixins.

Each method's docstring (Google style, rendered by mkdocstrings) names its HTTP
call and retry class in one form, its second paragraph, which
``tests/test_docstrings.py`` checks against the route table::

    `POST /api/SendMessage` · retry class **unsafe**: never resent once it may
    have reached the server; a lost answer raises `OutcomeUnknownError`.
"""

from .agents import AgentEndpoints
from .auth import AuthEndpoints
from .canned_responses import CannedResponseEndpoints
from .chats import ChatEndpoints, chat_type_value
from .customers import CustomerEndpoints
from .departments import DepartmentEndpoints
from .recipients import RecipientEndpoints
from .reports import ReportEndpoints
from .settings import SettingsEndpoints
from .tags import TagEndpoints
from .working_hours import WorkingHoursEndpoints

__all__ = [
    "AgentEndpoints",
    "AuthEndpoints",
    "CannedResponseEndpoints",
    "ChatEndpoints",
    "CustomerEndpoints",
    "DepartmentEndpoints",
    "RecipientEndpoints",
    "ReportEndpoints",
    "SettingsEndpoints",
    "TagEndpoints",
    "WorkingHoursEndpoints",
    "chat_type_value",
]
