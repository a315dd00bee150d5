"""The errors of the AgentChat client.

Every error the library raises on purpose derives from ``AgentChatError``; no
httpx, httpcore or anyio exception (or exception group) reaches a caller. Low-level
errors are translated in exactly one place, ``_retry.py``, and raised ``from``
a redacted copy of the original (never the original: its text or frames can hold
the token).

    AgentChatError
    ├── InvalidRequestError       (also a ValueError) bad input, nothing was sent
    ├── LogonError                credentials refused / session cannot be re-established
    ├── APIStatusError            the server answered with an error status
    │   ├── BadRequestError           400
    │   ├── AuthenticationError       401
    │   ├── PermissionDeniedError     403
    │   ├── NotFoundError             404
    │   ├── ConflictError             409
    │   ├── RateLimitError            429
    │   └── ServerError               5xx
    ├── APIConnectionError        never reached the server, or a safe call lost its connection
    ├── APITimeoutError           a safe call timed out (after its retries)
    ├── OutcomeUnknownError       an unsafe call may or may not have been processed
    └── ResponseFormatError       a 2xx body that cannot be understood

Messages never contain the password or a session token: every text that comes
from the network is passed through the redactor before it is put in an error.
"""

from __future__ import annotations

import copyreg
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AgentChatError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InvalidRequestError",
    "LogonError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
]


class AgentChatError(Exception):
    """Base class of every error raised by the AgentChat client.

    Catch it to handle any failure of a call: bad arguments, refused
    credentials, error answers, the network, unreadable bodies. ``str(error)``
    says what went wrong and, for a call that failed, which one; any text from
    the network in it is redacted.

    Misusing a client or a worker (a call outside its ``async with`` block,
    entering it twice) raises ``RuntimeError`` instead: that is a bug to fix,
    not a failure to handle.

    Errors pickle with their attributes (for ``multiprocessing`` or a task
    queue); their ``__cause__`` is not pickled.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # The default, ``cls(*self.args)``, would lose the keyword-only
        # attributes (``status_code``, ``endpoint``...) or fail without them:
        # made with ``cls.__new__`` instead, the attributes set from the state.
        newobj = copyreg.__newobj__  # type: ignore[attr-defined]  # not in typeshed
        return (newobj, (type(self), *self.args), self.__dict__)


class InvalidRequestError(AgentChatError, ValueError):
    """An argument the API cannot accept; nothing was sent.

    Raised by ``AsyncAgentChat(...)`` (missing credentials, a bad ``base_url``,
    proxy or timeout), by every endpoint method (an unknown ``chat_type``, an
    empty text, an ID that is not a positive integer...), and when an
    ``Attachment`` or a ``WorkingDay`` is built with a bad value. The message
    names the argument. Also a ``ValueError``, so code that catches
    ``ValueError`` around argument parsing keeps working.
    """


class LogonError(AgentChatError):
    """The credentials were refused, or the session could not be re-established.

    Raised when AgentLogon answers 400, 401 or 403: on entering
    ``async with AsyncAgentChat(...)``, on ``agent_logon()``, or on a re-logon
    after the session expired (then every later call raises it too, until
    ``agent_logon()`` succeeds), and when a session is rejected again right
    after a re-logon. A worker or watcher stops on it.

    Attributes:
        status_code: The HTTP status of the refusal, or ``None`` when there was
            none (the session had already ended).
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class APIStatusError(AgentChatError):
    """The server answered with a status other than 2xx, after the retries allowed.

    Raised as the subclass for its status (400, 401, 403, 404, 409, 429, 5xx);
    as ``APIStatusError`` itself for the others (405, 422...) and for a redirect
    (3xx), which is never followed: it would carry the session token elsewhere.

    Attributes:
        status_code: The HTTP status of the answer.
        endpoint: The API call's name, as the reference spells it (``"SendMessage"``).
        body: A short excerpt of what the server said: redacted, on one line.
        request_url: The URL the request went to, without its query (which
            holds the session token); ``None`` when not known.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        endpoint: str,
        body: str,
        request_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.endpoint = endpoint
        self.body = body
        self.request_url = request_url


class BadRequestError(APIStatusError):
    """400: the server rejected the request as invalid (not retried)."""


class AuthenticationError(APIStatusError):
    """401 on a call that cannot log on again (SetPassword, AgentLogoff).

    A session call rejected with 401 logs on again and is resent once; if it is
    rejected again, ``LogonError`` is raised (with this as its ``__cause__``).
    """


class PermissionDeniedError(APIStatusError):
    """403: the agent is not allowed to do this (e.g. a Manager-only call as an agent)."""


class NotFoundError(APIStatusError):
    """404: no such endpoint or record. (``grab_chat()`` returns ``None`` for it instead.)"""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state (not retried)."""


class RateLimitError(APIStatusError):
    """429: too many requests, once the retries allowed are used up.

    Also raised at once when the server's ``Retry-After`` asks for more than 60
    seconds.
    """


class ServerError(APIStatusError):
    """5xx: the server failed.

    502, 503 and 504 are retried first (502 and 504 only for a call that is
    safe to repeat: for one that is not, ``OutcomeUnknownError`` is raised);
    500 and the other 5xx are raised at once.
    """


class APIConnectionError(AgentChatError):
    """The call failed at the connection level, after its retries.

    Either the request never reached the server (connection refused, DNS, TLS,
    a proxy refusing the tunnel, no free connection: any call may be resent),
    or a *safe* call lost its connection mid-response. An *unsafe* call that
    may have reached the server raises ``OutcomeUnknownError`` instead.

    Attributes:
        endpoint: The API call's name (``"GetChatList"``).
        request_url: Where the request went, without its query (which holds
            the token); ``None`` when not known.
    """

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.request_url = request_url


class APITimeoutError(AgentChatError):
    """A safe (read or idempotent) call timed out, after its retries.

    Also raised when a call's ``deadline`` (``with_options(deadline=...)``)
    passes before an unsafe call is on the wire, or at any point of a safe one.

    Attributes:
        endpoint: The API call's name (``"GetChatList"``).
        request_url: Where the request went, without its query (which holds
            the token); ``None`` when not known.
    """

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.request_url = request_url


class OutcomeUnknownError(AgentChatError):
    """An unsafe call may have been processed: the client cannot tell.

    Raised instead of retrying when the request of a call that is not safe to
    repeat (SendMessage, AddComment, GrabChat, Create*, password calls) may have
    reached the server: a timeout or a dropped connection after sending, a
    gateway error (502, 504), or its ``deadline`` passing while it was on the
    wire. The library never resends such a call; the caller decides (check the
    chat, then send again or not).

    Attributes:
        endpoint: The API call's name (``"SendMessage"``).
        request_url: Where the request went, without its query (which holds
            the token); ``None`` when not known.
    """

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.request_url = request_url


class ResponseFormatError(AgentChatError):
    """A 2xx answer whose body cannot be understood.

    Raised when the body is not JSON, does not fit the model (a required ID
    missing, a number where a list should be...), when an AgentLogon answer
    holds no session token, and when an answer is larger than
    ``max_response_bytes`` (as sent, or once decompressed). With
    ``strict=True``, also for a key no field knows. For an unsafe call
    (SendMessage, Create*) the server has already done the work.

    Attributes:
        status_code: The HTTP status of the answer.
        endpoint: The API call's name (``"GetChatList"``).
        body: A short excerpt of the body: redacted, on one line (empty for an
            answer over ``max_response_bytes``).
        request_url: Where the request went, without its query (which holds
            the token); ``None`` when not known.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        endpoint: str,
        body: str,
        request_url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.endpoint = endpoint
        self.body = body
        self.request_url = request_url


#: Errors that say "try again later" to a loop that polls or grabs (the watcher,
#: the worker): the connection, a timeout, 429, 5xx, an unreadable body.
TRANSIENT_ERRORS: tuple[type[AgentChatError], ...] = (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    ServerError,
    ResponseFormatError,
)
