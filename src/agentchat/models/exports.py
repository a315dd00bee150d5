"""Chat exports: what ExportChat returns, parsed from its CSV."""

from __future__ import annotations

from datetime import datetime

import attrs

from ._base import Listing, Model

__all__ = ["ChatExport", "ExportRow"]


@attrs.frozen(kw_only=True)
class ExportRow(Model):
    """One line of a chat export: usually one message.

    The reference does not document the export's columns, so the typed fields
    are an assumption about what chat exports usually carry, each ``None`` when
    the column is absent or the cell is empty (or only whitespace):

    * ``date``: when the message was sent, from a column named like ``Date``,
      ``Date Time``, ``Timestamp``, ``Sent At`` or ``Created``;
    * ``sender``: who sent it, from ``Sender``, ``Sender Name``, ``From`` or
      ``Author``;
    * ``message``: its text, from ``Message``, ``Message Text``, ``Text``,
      ``Body`` or ``Content``;
    * ``attachment``: the attached file's name or link, from ``Attachment``,
      ``Attachment Name``, ``Attachment URL``, ``File`` or ``Media``.

    Header names match case-insensitively, ignoring spaces, ``_`` and ``-``; the
    first column that matches a field fills it. Every other column is in
    ``extra`` under its header text (``None`` where the line was short), and
    cells beyond the header under ``"_extra_1"``, ``"_extra_2"``, ...

    ``raw`` is the whole line as a dict of header -> cell text, typed columns
    included. A header that appears twice gets a suffix the second time
    (``"Notes"``, ``"Notes_2"``); the header as given is ``ChatExport.columns``.

    Attributes:
        date: When the message was sent.
        sender: Who sent it.
        message: Its text.
        attachment: The attached file's name or link.
        extra: The line's other columns, header -> cell text (``None`` where
            the line was short).
        raw: The whole line, header -> cell text.
    """

    date: datetime | None = None
    sender: str | None = None
    message: str | None = None
    attachment: str | None = None


@attrs.frozen(kw_only=True)
class ChatExport(Listing[ExportRow], Model):
    """A chat exported by ExportChat: its header, its lines, and the CSV text.

    A tuple-like view of its rows: ``for row in export``, ``len(export)`` and
    ``export[0]`` work. ``columns`` is the header line as given; ``text`` is the CSV as the
    server sent it (taken out of its JSON string if it came in one, without a
    byte order mark), for saving or handing to another CSV reader.

    Attributes:
        chat_id: The ID of the chat asked for (not read from the body).
        columns: The header line's cells, as given.
        rows: One ``ExportRow`` per line, in the CSV's order.
        text: The CSV as the server sent it (not in ``repr``).
        extra: Empty: each row keeps its own other columns.
        raw: The CSV text, as ``text``.
    """

    chat_id: int | None = None
    columns: tuple[str, ...] = ()
    rows: tuple[ExportRow, ...] = ()
    text: str = attrs.field(default="", repr=False)

    @property
    def _items(self) -> tuple[ExportRow, ...]:
        return self.rows
