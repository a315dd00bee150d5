"""Authentication: AgentLogon, SetPassword, RequestPasswordReset, AgentLogoff."""

from __future__ import annotations

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from .._exceptions import InvalidRequestError
from .._redaction import wrap
from .._session import Credentials, check_password
from ..models import LogonResult

__all__ = ["AuthEndpoints"]


class AuthEndpoints(ClientBase):
    """The reference's "Authentication" group."""

    async def agent_logon(
        self, email_address: str | None = None, password: str | None = None
    ) -> LogonResult:
        """Log on again, optionally as other credentials, and adopt the new session.

        `POST /api/AgentLogon` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        The client already logged on when its block was entered; call this to
        switch agent or to start a fresh session. Other credentials are kept only
        if AgentLogon accepts them: a refused switch leaves the current session as
        it was. The previous session is not logged off (`agent_logoff()` ends it).
        It uses the constructor's retries and timeouts, not `with_options()`'s.

        Args:
            email_address: The agent's log-on name (`EmailAddress`): non-empty
                text. Give it with `password`, or neither to log on again as the
                client's own credentials.
            password: Its password (`Password`): non-empty text, kept masked.

        Returns:
            Who is now logged on (agent ID, name, role), also kept as `agent`.

        Raises:
            InvalidRequestError: Only one of the two was given, or one is not
                text; nothing was sent.
            LogonError: AgentLogon refused the credentials (400, 401 or 403).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            ResponseFormatError: The answer holds no session token.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        secret = wrap(password)  # before anything can raise: see check_password
        del password
        _, session = self._open_core()
        if (email_address is None) != (secret is None):
            raise InvalidRequestError("give both email_address and password, or neither")
        if email_address is not None and secret is not None:
            switch_to = Credentials(
                check.text(email_address, "email_address"), check_password(secret, "password")
            )
            return await session.logon(switch_to)
        return await session.logon()

    async def set_password(self, reset_code: str) -> None:
        """Set an agent's password from the reset code of a reset request.

        `POST /api/SetPassword` · retry class **unsafe**: never resent once it may
        have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            reset_code: The `ResetCode` of the reset link `request_password_reset()`
                had e-mailed: non-empty text.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: `reset_code` is not non-empty text; nothing was sent.
            APIStatusError: The server refused the call, e.g. an unknown or used
                code (`status_code` and `body` say why).
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        body = {"ResetCode": check.text(reset_code, "reset_code")}
        await self._send(routes.SET_PASSWORD, body=body)

    async def request_password_reset(self, email_address: str) -> None:
        """Start a password reset: the agent is e-mailed a link with a reset code.

        `GET /api/RequestPasswordReset` · retry class **unsafe**: never resent once
        it may have reached the server; a lost answer raises `OutcomeUnknownError`.

        Args:
            email_address: The agent's log-on name (`EmailAddress`): non-empty text.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: `email_address` is not non-empty text; nothing
                was sent.
            NotFoundError: No agent has that e-mail address (404).
            PermissionDeniedError: Only a Manager may reset another agent's
                password (403).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            OutcomeUnknownError: It may have been processed but its answer was
                lost (a timeout, a dropped connection, 502 or 504); it is not resent.
            APIConnectionError: The server could not be reached; nothing was sent.
            APITimeoutError: The call's `deadline` passed before it was sent.
        """
        params = {"EmailAddress": check.text(email_address, "email_address")}
        await self._send(routes.REQUEST_PASSWORD_RESET, params=params)

    async def agent_logoff(self) -> None:
        """End the session; the next call logs on again.

        `GET /api/AgentLogoff` · retry class **idempotent**: repeating it leaves the
        same state; retried after connection failures, timeouts, 429 and 502-504.

        The session's own call: tried once (never retried, never re-logged on),
        and the token is forgotten whatever the answer. Leaving the client's
        block logs off by itself.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            AuthenticationError: The server no longer knew the session (401).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            APITimeoutError: No answer in time.
            APIConnectionError: The connection failed.
        """
        _, session = self._open_core()
        await session.logoff()
