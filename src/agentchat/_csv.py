"""ExportChat parsing: the CSV text the server sends, into a ``ChatExport``.

The reference only says the export "will be in a csv format", so the reader is
lenient about everything a server could plausibly do: UTF-8 with or without a
byte order mark, CRLF or LF line endings, quoted cells holding commas, quotes
and line breaks, a ``;`` or tab delimiter (chosen from the header line, outside
quotes), a CSV sent as a JSON string, blank lines, and lines shorter or longer
than the header. What is not CSV text (invalid UTF-8, a JSON object or array, an
HTML page) raises ``ValueError``; the transport turns that into
``ResponseFormatError``.

Cells are typed by the client's one converter (its hooks for the ExportRow
fields), so a date column accepts what every other date does (ISO 8601 with a
``T`` or a space, ``/Date(ms)/``). Whether unknown columns are allowed is the
converter's call too: a strict converter rejects them, as it rejects unknown
keys in JSON.

Speed: the lines as wide as the header (nearly all) go through a loop compiled
for the header, which does for each line what the row-by-row path does, the
per-column decisions taken once; see ``_rows_builder``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, get_args

import attrs
import cattrs

from ._converters import _structure_datetime, _structure_str, structure
from ._fastpath import _compile_function, _construction, _plain_iso_test
from .models.exports import ChatExport, ExportRow

__all__ = ["parse_export"]

#: The delimiters a header line is checked for, in order of preference on a tie.
_DELIMITERS: Final = (",", ";", "\t")
_LEADING_SPACE: Final = re.compile(r"\s*")
_LEADING_BREAKS: Final = re.compile(r"[\r\n]*")
_MARKUP: Final = ("<!doctype", "<html", "<?xml")
#: Where str.splitlines breaks a line besides \r and \n; csv lines do not end there.
_OTHER_BREAKS: Final = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")

#: Header names (lower case, without spaces, ``_`` and ``-``) -> ExportRow field.
#: An assumption, documented on ExportRow: the reference names no columns.
_FIELD_BY_HEADER: Final[Mapping[str, str]] = {
    **dict.fromkeys(
        (
            "date",
            "datetime",
            "datesent",
            "timestamp",
            "sent",
            "sentat",
            "senton",
            "created",
            "createdat",
            "createdon",
            "messagedate",
        ),
        "date",
    ),
    **dict.fromkeys(("sender", "sendername", "from", "author", "sentby"), "sender"),
    **dict.fromkeys(
        ("message", "messagetext", "messagebody", "text", "body", "content"), "message"
    ),
    **dict.fromkeys(
        (
            "attachment",
            "attachments",
            "attachmentname",
            "attachmenturl",
            "attachmentlink",
            "file",
            "filename",
            "media",
            "mediaurl",
        ),
        "attachment",
    ),
}


def parse_export(
    converter: cattrs.Converter, body: bytes, *, chat_id: int | None = None
) -> ChatExport:
    """Parse an ExportChat response body.

    Raises ``ValueError`` naming the problem (and the line, for a cell that does
    not fit its field) when the body is not CSV text the converter accepts.
    """
    text = _decode(body)
    if not text or text.isspace():
        return ChatExport(chat_id=chat_id, text=text, raw=text)
    start = _skip(_LEADING_BREAKS, text)
    reader = csv.reader(_lines(text), delimiter=_detect_delimiter(text, start))
    try:
        header = next((record for record in reader if record), None)  # blank lines skipped
        if header is None:
            return ChatExport(chat_id=chat_id, text=text, raw=text)
        head = _Header(converter, header)
        # Lines as wide as the header (nearly all of them) go through a loop
        # compiled for this header: the same steps, without the inner loops.
        build_rows = _rows_builder(tuple(head.keys), frozenset(head.unknown), head.typed)
        if build_rows is None:
            rows = [head.row(record) for record in reader if record]
        else:
            rows = build_rows(reader, head.row)
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num} of the export is not valid CSV: {exc}") from exc
    _check_unknown_columns(converter, head.unknown + head.surplus)
    return ChatExport(chat_id=chat_id, columns=tuple(header), rows=tuple(rows), text=text, raw=text)


class _Header:
    """What the header says about each line: the key of each cell in ``raw``,
    the cells kept in ``extra``, the cells typed for an ExportRow field.

    ``typed`` holds, per field, the index of the first column that fills it and
    the converter's own hook for it, looked up once: a row costs a few calls,
    not a structure() walk over every key.
    """

    __slots__ = ("_taken", "_width", "keys", "surplus", "typed", "unknown")

    def __init__(self, converter: cattrs.Converter, header: list[str]) -> None:
        self.keys = _unique_keys(header)
        self._taken = set(self.keys)
        self._width = len(header)
        self.surplus: list[str] = []  # keys for cells beyond the header: "_extra_1", ...
        types = {f.name: _not_none(f.type) for f in attrs.fields(attrs.resolve_types(ExportRow))}
        fields: dict[str, int] = {}  # field -> column index; the first matching column wins
        self.unknown: list[str] = []
        for index, (name, key) in enumerate(zip(header, self.keys, strict=True)):
            field = _field_for(name)
            if field is not None and field not in fields:
                fields[field] = index
            else:
                self.unknown.append(key)
        self.typed: tuple[Column, ...] = tuple(
            (field, index, converter.get_structure_hook(types[field]), types[field])
            for field, index in fields.items()
        )

    def row(self, record: list[str]) -> ExportRow:
        """A line of any length (shorter or longer than the header)."""
        width = self._width
        cells: list[str | None] = list(record)
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        # zip() stops at the header's end; cells past it are added below.
        raw: dict[str, str | None] = dict(zip(self.keys, cells, strict=False))
        extra: dict[str, str | None] = {key: raw[key] for key in self.unknown}
        if len(cells) > width:
            beyond = dict(zip(self._surplus_keys(len(cells) - width), cells[width:], strict=False))
            raw.update(beyond)
            extra.update(beyond)
        values: dict[str, Any] = {}
        for field, index, hook, type_ in self.typed:
            cell = cells[index]
            if cell and not cell.isspace():  # an empty cell is None
                try:
                    values[field] = hook(cell, type_)
                except (ValueError, TypeError):
                    # The columns are guesses: a date in a form we do not read
                    # stays None on the row and whole in ``raw``.
                    continue
        return ExportRow(**values, extra=extra, raw=raw)

    def _surplus_keys(self, count: int) -> list[str]:
        """Keys for ``count`` cells beyond the header: ``_extra_1``, ``_extra_2``..."""
        while len(self.surplus) < count:
            self.surplus.append(_unique_key(f"_extra_{len(self.surplus) + 1}", self._taken))
        return self.surplus


def _check_unknown_columns(converter: cattrs.Converter, keys: list[str]) -> None:
    """The converter decides whether unknown columns are welcome: a strict one
    rejects them exactly as it rejects unknown keys in a JSON body."""
    if not keys:
        return
    try:
        structure(converter, dict.fromkeys(keys), ExportRow)
    except ValueError as exc:
        raise ValueError(f"the export has columns ExportRow does not know: {exc}") from exc


def _decode(body: bytes) -> str:
    """The CSV text: UTF-8 without a BOM, taken out of a JSON string if in one."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"the export is not UTF-8 text: {exc.reason} at byte {exc.start} "
            f"({body[exc.start : exc.start + 4]!r})"
        ) from exc
    first = _skip(_LEADING_SPACE, text)
    lead = text[first : first + 9].lower()
    if lead.startswith('"'):
        # A JSON string holding the CSV. A CSV whose first cell is quoted is not
        # valid JSON (more follows the closing quote), so it falls through.
        try:
            value: Any = json.loads(text)
        except (ValueError, RecursionError):
            return text
        return value.removeprefix("\ufeff") if isinstance(value, str) else text
    if lead.startswith(("{", "[")):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return text  # e.g. a header like "[Date],[Sender]"
        kind = "an object" if isinstance(value, dict) else "an array"
        raise ValueError(f"the export is JSON ({kind}), not CSV text")
    if lead.startswith(_MARKUP):
        raise ValueError("the export is an HTML or XML page, not CSV text")
    return text


def _lines(text: str) -> Iterable[str]:
    """The lines of the text with their line breaks, for ``csv.reader``.

    Lines end at ``\r\n``, ``\r`` or ``\n``, as ``io.StringIO(text, newline="")``
    reads them. ``str.splitlines`` gives the same lines faster (and holds less
    memory than StringIO's buffer), unless the text holds one of the other
    characters that it also breaks at.
    """
    if any(char in text for char in _OTHER_BREAKS):
        return io.StringIO(text, newline="")
    return text.splitlines(keepends=True)


def _skip(pattern: re.Pattern[str], text: str) -> int:
    """Where the text after a leading ``pattern`` starts."""
    match = pattern.match(text)
    return match.end() if match else 0


def _detect_delimiter(text: str, start: int) -> str:
    """The delimiter used most in the header line (outside quotes); ``,`` if none."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    pos, end = start, len(text)
    while pos < end:
        quote = text.find('"', pos)
        stop = end if quote < 0 else quote
        line_end = _line_break(text, pos, stop)
        segment = text[pos : stop if line_end < 0 else line_end]
        for delimiter in _DELIMITERS:
            counts[delimiter] += segment.count(delimiter)
        if line_end >= 0 or quote < 0:
            break
        close = text.find('"', quote + 1)  # a doubled quote closes and reopens: same thing
        if close < 0:
            break
        pos = close + 1
    return max(_DELIMITERS, key=counts.__getitem__)  # max() keeps the first on a tie


def _line_break(text: str, start: int, stop: int) -> int:
    found = [i for i in (text.find("\n", start, stop), text.find("\r", start, stop)) if i >= 0]
    return min(found) if found else -1


def _not_none(type_: Any) -> Any:
    """``X`` for ``X | None``: the cells given to a hook are never None."""
    args = [arg for arg in get_args(type_) if arg is not type(None)]
    return args[0] if len(args) == 1 else type_


def _field_for(header: str) -> str | None:
    """The ExportRow field a column fills, or ``None`` for a column kept in ``extra``."""
    name = header.strip().lower().replace(" ", "").replace("_", "").replace("-", "")
    return _FIELD_BY_HEADER.get(name)


def _unique_keys(header: list[str]) -> list[str]:
    taken: set[str] = set()
    return [_unique_key(name, taken) for name in header]


def _unique_key(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... if taken; the result is then taken."""
    key, suffix = name, 2
    while key in taken:
        key, suffix = f"{name}_{suffix}", suffix + 1
    taken.add(key)
    return key


#: Headers wider than this, or longer in all, get no row builder (nor a cache entry).
_MAX_BUILDER_COLUMNS: Final = 256
_MAX_BUILDER_CHARS: Final = 8192

Column = tuple[str, int, Callable[[Any, Any], Any], Any]
RowsBuilder = Callable[[Iterator[list[str]], Callable[[list[str]], ExportRow]], list[ExportRow]]


def _rows_builder(
    keys: tuple[str, ...], unknown: frozenset[str], columns: tuple[Column, ...]
) -> RowsBuilder | None:
    """A function that reads the lines after the header into ``ExportRow`` objects.

    ``build_rows(reader, any_row)`` skips blank lines, gives lines of another
    width than the header to ``any_row`` (``_Header.row``), and does for each
    other line what ``any_row`` does (``raw`` and ``extra`` by key, typed cells through their
    hooks, an empty or blank cell or a hook's ``ValueError``/``TypeError`` as
    ``None``), unrolled for this header. A hook that returns a text cell as it
    is is not called; a date in plain ISO form goes straight to
    ``fromisoformat``, as the date hook would send it.
    """
    if len(keys) > _MAX_BUILDER_COLUMNS or sum(map(len, keys)) > _MAX_BUILDER_CHARS:
        return None
    return _compiled_rows_builder(keys, unknown, columns)


@lru_cache(maxsize=32)
def _compiled_rows_builder(
    keys: tuple[str, ...], unknown: frozenset[str], columns: tuple[Column, ...]
) -> RowsBuilder | None:
    defaults = {f.name: f.default for f in attrs.fields(ExportRow)}
    if any(defaults[field] is not None for field, *_ in columns):
        return None  # an empty cell leaves such a field to its default: _Header.row does that
    namespace: dict[str, Any] = {"_fromisoformat": datetime.fromisoformat}
    cells = [f"c{i}" for i in range(len(keys))]
    lines = [
        "def build_rows(reader, any_row):",
        "    rows = []",
        "    append = rows.append",
        "    for record in reader:",
        "        if not record:",
        "            continue  # a blank line",
        "        try:",
        f"            {', '.join(cells)}, = record",
        "        except ValueError:  # not as wide as the header",
        "            append(any_row(record))",
        "            continue",
    ]
    given: dict[str, str] = {}
    for field, index, hook, type_ in columns:
        namespace.update({f"hook_{index}": hook, f"type_{index}": type_})
        given[field] = f"x{index}"
        lines += _cell_lines(cells[index], index, hook, namespace)
    for index, key in enumerate(keys):
        namespace[f"k{index}"] = key
    given["extra"] = (
        "{" + ", ".join(f"k{i}: {cells[i]}" for i, key in enumerate(keys) if key in unknown) + "}"
    )
    given["raw"] = "{" + ", ".join(f"k{i}: {cell}" for i, cell in enumerate(cells)) + "}"
    lines += _construction(ExportRow, given, namespace, indent=" " * 8, finish="append({})")
    lines.append("    return rows")
    builder: RowsBuilder = _compile_function("build_rows", lines, namespace)
    return builder


def _cell_lines(
    cell: str, index: int, hook: Callable[[Any, Any], Any], namespace: dict[str, Any]
) -> list[str]:
    """Source lines that set ``x{index}`` to the typed value of ``cell`` as
    ``_Header.row`` would: ``None`` for an empty or blank cell or one the hook
    refuses with ``ValueError`` or ``TypeError``."""
    if hook is _structure_str:  # a cell is text already: the hook gives it back
        return [f"        x{index} = {cell} if {cell} and not {cell}.isspace() else None"]
    lines = [f"        x{index} = None"]
    if hook is _structure_datetime:
        # Plain ISO text (the usual) goes straight to fromisoformat.
        lines += [
            f"        if {_plain_iso_test(cell, namespace)}:",
            "            try:",
            f"                x{index} = _fromisoformat({cell})",
            "            except (ValueError, TypeError):",
            "                pass",
            f"        elif {cell} and not {cell}.isspace():",
        ]
    else:
        lines.append(f"        if {cell} and not {cell}.isspace():")
    return [
        *lines,
        "            try:",
        f"                x{index} = hook_{index}({cell}, type_{index})",
        "            except (ValueError, TypeError):",
        "                pass",
    ]
