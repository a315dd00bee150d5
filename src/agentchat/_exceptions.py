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
    ├── APIConnectionError        the request never reached the server; safe to resend
    ├── APITimeoutError           a safe call timed out (after its retries)
    ├── OutcomeUnknownError       an unsafe call may or may not have been processed
    └── ResponseFormatError       a 2xx body that cannot be understood

Messages never contain the password or a session token: every text that comes
from the network is passed through the redactor before it is put in an error.
"""

from __future__ import annotations

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
    """Base class of every error raised by the AgentChat client."""


class InvalidRequestError(AgentChatError, ValueError):
    """A method was given a value the API cannot accept; nothing was sent."""


class LogonError(AgentChatError):
    """The credentials were refused, or the session could not be re-established.

    ``status_code`` is the HTTP status of the refusal when there was one.
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class APIStatusError(AgentChatError):
    """The server answered with a non-2xx status.

    ``endpoint`` is the API name (``"SendMessage"``), ``body`` a short, redacted
    excerpt of what the server said (on one line), ``request_url`` the URL the
    request went to, without its query (which holds the session token).
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
    """400: the server rejected the request as invalid."""


class AuthenticationError(APIStatusError):
    """401 on a call that cannot log on again (SetPassword, AgentLogoff).

    A session call rejected with 401 logs on again and is resent once; if it is
    rejected again, ``LogonError`` is raised (with this as its ``__cause__``).
    """


class PermissionDeniedError(APIStatusError):
    """403: the agent is not allowed to do this (e.g. a Manager-only call)."""


class NotFoundError(APIStatusError):
    """404: no such endpoint or record."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the current state."""


class RateLimitError(APIStatusError):
    """429: too many requests (after the retries allowed)."""


class ServerError(APIStatusError):
    """5xx: the server failed (after the retries allowed)."""


class APIConnectionError(AgentChatError):
    """The call failed at the connection level, after its retries.

    Either the request never reached the server (connection refused, DNS, TLS,
    no free connection: any call may be resent), or a *safe* call lost its
    connection mid-response. An *unsafe* call that may have reached the server
    raises ``OutcomeUnknownError`` instead.
    """

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        #: Where the request went, without its query (which holds the token).
        self.request_url = request_url


class APITimeoutError(AgentChatError):
    """A safe (read or idempotent) call timed out, after its retries."""

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        #: Where the request went, without its query (which holds the token).
        self.request_url = request_url


class OutcomeUnknownError(AgentChatError):
    """An unsafe call may have been processed: the client cannot tell.

    Raised instead of retrying when the request of a call that is not safe to
    repeat (SendMessage, AddComment, GrabChat, Create*, password calls) may have
    reached the server: a timeout or a dropped connection after sending, or a
    gateway error. The library never resends such a call; the caller decides
    (check the chat, then send again or not).
    """

    def __init__(self, message: str, *, endpoint: str, request_url: str | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        #: Where the request went, without its query (which holds the token).
        self.request_url = request_url


class ResponseFormatError(AgentChatError):
    """A 2xx response whose body cannot be understood."""

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
        #: Where the request went, without its query (which holds the token).
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
