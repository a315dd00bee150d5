"""Settings: UpdateSettings, GetSettings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _routes as routes
from .. import _validation as check
from .._base_client import ClientBase
from ..models import Settings

__all__ = ["SettingsEndpoints"]


class SettingsEndpoints(ClientBase):
    """The reference's "Settings" group."""

    async def update_settings(self, settings: Mapping[str, Any]) -> None:
        """Change company settings by name, e.g. `{"CompanyName": "Channel"}` (Managers only).

        `POST /api/UpdateSettings` · retry class **idempotent**: repeating it leaves
        the same state; retried after connection failures, timeouts, 429 and 502-504.

        Sent as the documented list of one-key objects:
        `{"Settings": [{"CompanyName": "Channel"}]}`.

        Args:
            settings: The settings to change (`Settings`): a non-empty mapping
                of names (non-empty text) to JSON values (`None`, bools, ints
                within int64, finite floats, text, and lists and mappings of
                them), at most 32 levels deep, 10,000 values and 1 MiB of JSON.

        Returns:
            Nothing; any body the server sends is ignored.

        Raises:
            InvalidRequestError: `settings` is empty, not a mapping, or holds a
                value that is not JSON or is past a bound; nothing was sent.
            PermissionDeniedError: You are not a Manager (403).
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        values = check.json_mapping(settings, "settings")
        body = {"Settings": [{name: value} for name, value in values.items()]}
        await self._send(routes.UPDATE_SETTINGS, body=body)

    async def get_settings(self) -> Settings:
        """The company's settings and messages, as one mapping.

        `GET /api/GetSettings` · retry class **read**: changes nothing; retried
        after connection failures, timeouts, 429 and 502-504.

        Returns:
            The settings by name (`settings["CompanyName"]`), whichever of the
            known shapes the server answers with; empty for an empty answer.

        Raises:
            APIStatusError: The server refused the call (`status_code` and
                `body` say why).
            LogonError: The session ended and could not be re-established.
            ResponseFormatError: A 2xx answer that cannot be read as settings.
            APITimeoutError: No answer in time, after the retries.
            APIConnectionError: The connection failed, after the retries.
        """
        return await self._request(routes.GET_SETTINGS, Settings)
