"""ExportChat parsing: encodings, line endings, quoting, delimiters, odd shapes."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from itertools import chain
from typing import Any
from unittest import mock

import cattrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import agentchat._csv
from agentchat._converters import make_converter
from agentchat._csv import _compiled_rows_builder, _field_for, _lines, parse_export
from agentchat.models.exports import ChatExport, ExportRow

pytestmark = pytest.mark.httpx_only  # no wire: the CSV reader, the same on every transport

LENIENT = make_converter()
STRICT = make_converter(strict=True)
BOM = b"\xef\xbb\xbf"
SAMPLE = "Date,Sender,Message\r\n2024-05-01 08:30:00,Ann,hello\r\n2024-05-01T08:31:00Z,Bob,hi\r\n"
ANN = datetime(2024, 5, 1, 8, 30)
BOB = datetime(2024, 5, 1, 8, 31, tzinfo=timezone.utc)


def _check_sample(export: ChatExport) -> None:
    assert export.columns == ("Date", "Sender", "Message")
    assert [(r.date, r.sender, r.message, r.attachment) for r in export] == [
        (ANN, "Ann", "hello", None),
        (BOB, "Bob", "hi", None),
    ]
    assert tuple(export.rows[0].raw) == export.columns
    assert list(export.rows[0].raw.values()) == ["2024-05-01 08:30:00", "Ann", "hello"]
    assert export.rows[0].extra == {}


@pytest.mark.parametrize("bom", [b"", BOM])
@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_utf8_with_or_without_bom_and_crlf_or_lf(bom: bytes, newline: str) -> None:
    text = SAMPLE.replace("\r\n", newline)
    export = parse_export(LENIENT, bom + text.encode(), chat_id=7)
    _check_sample(export)
    assert export.chat_id == 7
    assert export.text == text  # without the BOM
    assert export.raw == text


def test_iterable_and_sized() -> None:
    export = parse_export(LENIENT, SAMPLE.encode())
    assert len(export) == 2
    assert list(export) == list(export.rows)
    assert all(isinstance(row, ExportRow) for row in export)
    assert "2024" not in repr(export).split("rows=")[0]  # the CSV text is not in repr


def test_quoted_fields_with_commas_quotes_and_newlines() -> None:
    body = 'Sender,Message\r\n"Doe, Ann","She said ""hi"",\r\nthen left"\r\nBob,"a\nb"\r\n'
    export = parse_export(LENIENT, body.encode())
    assert [(r.sender, r.message) for r in export] == [
        ("Doe, Ann", 'She said "hi",\r\nthen left'),
        ("Bob", "a\nb"),
    ]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_delimiters(delimiter: str) -> None:
    body = SAMPLE.replace(",", delimiter).encode()
    _check_sample(parse_export(LENIENT, body))


def test_delimiter_is_counted_outside_quotes_only() -> None:
    body = b'"Sender;Name","Message;Text";x\r\nAnn,hi\r\n'  # two `;` inside quotes, three `,`
    export = parse_export(LENIENT, body)
    assert export.columns == ("Sender;Name", "Message;Text;x")
    assert export.rows[0].raw == {"Sender;Name": "Ann", "Message;Text;x": "hi"}


def test_quoted_or_bracketed_header_is_csv_not_json() -> None:
    export = parse_export(LENIENT, b'"Date","Sender"\r\n"2024-05-01 08:30:00","Ann"\r\n')
    assert export.columns == ("Date", "Sender")
    assert (export.rows[0].date, export.rows[0].sender) == (ANN, "Ann")
    assert parse_export(LENIENT, b"[Sender],[Date]\n").columns == ("[Sender]", "[Date]")


def test_header_only_export_has_no_rows() -> None:
    export = parse_export(LENIENT, b"Date,Sender,Message\r\n")
    assert (export.columns, export.rows, len(export)) == (("Date", "Sender", "Message"), (), 0)


@pytest.mark.parametrize("body", [b"", b"  \r\n", BOM, BOM + b"\n"])
def test_empty_body_has_no_columns_and_no_rows(body: bytes) -> None:
    export = parse_export(LENIENT, body, chat_id=3)
    assert (export.chat_id, export.columns, export.rows) == (3, (), ())


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("outer_bom", [b"", BOM])
@pytest.mark.parametrize("inner_bom", ["", "\ufeff"])
def test_csv_in_a_json_string(ensure_ascii: bool, outer_bom: bytes, inner_bom: str) -> None:
    wrapped = json.dumps(inner_bom + SAMPLE, ensure_ascii=ensure_ascii)
    export = parse_export(LENIENT, outer_bom + b" " + wrapped.encode() + b"\n")
    _check_sample(export)
    assert export.text == SAMPLE


def test_blank_lines_are_skipped() -> None:
    body = b"\r\n\r\nSender,Message\r\n\r\nAnn,hi\r\n\r\n"
    export = parse_export(LENIENT, body)
    assert [(r.sender, r.message) for r in export] == [("Ann", "hi")]


def test_short_rows_give_none_and_long_rows_keep_extra_cells() -> None:
    body = b"Sender,Message,Notes\r\nAnn\r\nBob,hi,n,x,y\r\n"
    short, long = parse_export(LENIENT, body)
    assert (short.sender, short.message) == ("Ann", None)
    assert short.raw == {"Sender": "Ann", "Message": None, "Notes": None}
    assert short.extra == {"Notes": None}
    assert long.extra == {"Notes": "n", "_extra_1": "x", "_extra_2": "y"}
    assert long.raw == {"Sender": "Bob", "Message": "hi", **long.extra}


def test_empty_and_blank_cells_are_none_in_typed_fields_but_kept_in_raw() -> None:
    export = parse_export(LENIENT, b"Date,Sender,Message,Attachment\r\n,  ,,\r\n")
    row = export.rows[0]
    assert (row.date, row.sender, row.message, row.attachment) == (None, None, None, None)
    assert row.raw == {"Date": "", "Sender": "  ", "Message": "", "Attachment": ""}


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-05-01 08:30:00", ANN),
        ("2024-05-01T08:30", ANN),
        ("2024-05-01T08:31:00Z", BOB),
        ("2024-05-01T10:31:00.1234567+02:00", BOB.replace(microsecond=123456)),
        ("/Date(1714552260000)/", BOB),
    ],
)
def test_dates_become_datetimes(cell: str, expected: datetime) -> None:
    export = parse_export(LENIENT, f"Date\r\n{cell}\r\n".encode())
    assert export.rows[0].date == expected


def test_a_date_in_a_form_we_do_not_read_stays_in_raw() -> None:
    body = b"Sender,Sent At\r\nAnn,2024-05-01 08:30:00\r\nBob,01/05/2024 08:30\r\n"
    export = parse_export(LENIENT, body)
    assert export.rows[0].date == datetime(2024, 5, 1, 8, 30)
    assert export.rows[1].date is None
    assert export.rows[1].raw["Sent At"] == "01/05/2024 08:30"
    assert export.rows[1].sender == "Bob"


def test_headers_are_matched_loosely_and_unknown_columns_kept_by_their_header() -> None:
    header = ["Date Time", "SENDER NAME", "message_text", "Attachment-URL", "Chat Status"]
    row = parse_export(LENIENT, (",".join(header) + "\n,Ann,hi,a.png,open\n").encode()).rows[0]
    assert (row.sender, row.message, row.attachment) == ("Ann", "hi", "a.png")
    assert row.extra == {"Chat Status": "open"}
    assert list(row.raw) == header


def test_repeated_headers_get_suffixes_and_the_first_match_wins() -> None:
    export = parse_export(LENIENT, b"Sender,From,Notes,Notes\r\nAnn,+2782,a,b\r\n")
    row = export.rows[0]
    assert (export.columns, row.sender) == (("Sender", "From", "Notes", "Notes"), "Ann")
    assert row.raw == {"Sender": "Ann", "From": "+2782", "Notes": "a", "Notes_2": "b"}
    assert row.extra == {"From": "+2782", "Notes": "a", "Notes_2": "b"}


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"Sender,Message\r\nAnn,caf\xe9\r\n", "not UTF-8"),
        (b'{"Message": "error"}', r"JSON \(an object\)"),
        (b" [1, 2]", r"JSON \(an array\)"),
        (b"<!DOCTYPE html><html><body>Oops</body></html>", "HTML"),
    ],
)
def test_what_is_not_csv_text_raises(body: bytes, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_export(LENIENT, body)


def test_strict_converter_accepts_known_columns() -> None:
    _check_sample(parse_export(STRICT, SAMPLE.encode()))
    parse_export(STRICT, b"Timestamp,Sender Name,Message Text,Attachment\r\n")


@pytest.mark.parametrize(
    "body",
    [b"Sender,Notes\r\nAnn,x\r\n", b"Sender,Notes\r\n", b"Sender\r\nAnn,x\r\n"],
    ids=["unknown-column", "unknown-column-no-rows", "extra-cell"],
)
def test_strict_converter_rejects_unknown_columns(body: bytes) -> None:
    with pytest.raises(ValueError, match="columns ExportRow does not know"):
        parse_export(STRICT, body)
    parse_export(LENIENT, body)


def test_ten_thousand_rows() -> None:
    line = '2024-05-01 08:{0:02d}:00,user {0},"hi, ""{0}""\nbye",read\r\n'
    body = "Date,Sender,Message,Status\r\n" + "".join(line.format(i % 60) for i in range(10_000))
    export = parse_export(LENIENT, body.encode())
    assert len(export) == 10_000
    last = export.rows[-1]
    assert (last.date, last.sender, last.message) == (
        ANN.replace(minute=39),
        "user 39",
        'hi, "39"\nbye',
    )
    assert last.extra == {"Status": "read"}


# -- round trip: whatever csv.writer writes comes back cell for cell ------------

_SPECIAL = ',;\t"\r\n \u00e9\u2028\U0001f600'
_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")
CELLS = st.text(st.one_of(st.sampled_from(_SPECIAL), _CHARS), max_size=8)
# A header cell holds no unquoted delimiter candidate (csv.writer leaves `,` unquoted
# in a `;` file: that header would be ambiguous), and does not start the body with
# `[`, `{` or `<` (a header `[1,2]` is also a JSON array).
HEADERS = st.text(
    st.one_of(st.sampled_from('"\r\n \u00e9'), _CHARS.filter(lambda c: c not in ",;\t[{<")),
    max_size=6,
).filter(lambda h: _field_for(h) is None)
DATES = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.none() | st.sampled_from([timezone.utc, timezone(timedelta(hours=-5))]),
)
BYTE_FORMS = st.tuples(st.booleans(), st.booleans())  # with a BOM, in a JSON string
Table = tuple[list[str], list[list[str]]]
TYPED = {"Date": "date", "Sender Name": "sender", "Message": "message", "Attachment": "attachment"}


@st.composite
def tables(draw: st.DrawFn) -> Table:
    typed = draw(st.lists(st.sampled_from(sorted(TYPED)), unique=True))
    unknown = draw(st.lists(HEADERS, unique=True, min_size=2 - min(len(typed), 2), max_size=4))
    header = draw(st.permutations(typed + unknown))
    date_cells = st.just("") | st.builds(datetime.isoformat, DATES, sep=st.sampled_from("T "))
    row = st.tuples(*(date_cells if name == "Date" else CELLS for name in header)).map(list)
    return header, draw(st.lists(row, max_size=5))


@settings(max_examples=300, deadline=None)
@given(
    tables(), st.sampled_from(",;\t"), st.sampled_from(["\r\n", "\n"]), st.booleans(), BYTE_FORMS
)
def test_round_trip(
    table: Table, delimiter: str, newline: str, quote_all: bool, form: tuple[bool, bool]
) -> None:
    header, rows = table
    bom, json_wrapped = form
    # A header of blank cells only is a blank line: skipped, as blank lines are.
    assume(any(cell.strip() for cell in header))
    # Python < 3.12 leaves a bare "\r" unquoted when the line ending is "\n".
    bare_cr = newline == "\n" and any("\r" in cell for cell in chain(header, *rows))
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all or bare_cr else csv.QUOTE_MINIMAL,
    )
    writer.writerows([header, *rows])
    text = buffer.getvalue()
    body = (json.dumps(text) if json_wrapped else text).encode()
    if bom:
        body = BOM + body

    export = parse_export(LENIENT, body)
    assert export.columns == tuple(header)
    assert export.text == text
    assert [row.raw for row in export] == [dict(zip(header, row, strict=True)) for row in rows]
    for parsed, cells in zip(export, rows, strict=True):
        by_name = dict(zip(header, cells, strict=True))
        for name, field in TYPED.items():
            cell = by_name.get(name, "").strip() and by_name[name]
            expected = datetime.fromisoformat(cell) if cell and name == "Date" else cell or None
            assert getattr(parsed, field) == expected
        assert parsed.extra == {k: v for k, v in by_name.items() if k not in TYPED}

    if any(name not in TYPED for name in header):
        with pytest.raises(ValueError, match="columns ExportRow does not know"):
            parse_export(STRICT, body)
    else:
        assert [row.raw for row in parse_export(STRICT, body)] == [row.raw for row in export]


# -- the compiled row loop gives what the row-by-row path gives ----------------------
#
# Lines as wide as the header go through a loop compiled for the header; with
# ``_rows_builder`` and ``_lines`` patched out, every line takes the row-by-row
# path and StringIO, the reader as it was. Both must agree on everything.

_DATE_CELLS = (
    st.builds(datetime.isoformat, DATES, sep=st.sampled_from("T "))
    | st.sampled_from(
        [
            "2024-05-01T08:30:00.1234567+02:00",
            "2024-05-01T08:30:00.5Z",
            "2024-05-01T08:31:00z",
            " 2024-05-01 08:30:00 ",
            "2024-05-01",
            "20240501T083000",
            "/Date(1714552260000)/",
            "/Date(1714552260000+0200)/",
            "/Date(1714552260000+2400)/",
            "/Date(99999999999999999999)/",
            "2024-13-45 08:30:00",
            "01/05/2024 08:30",
            "2024",
            "",
            "  ",
        ]
    )
    | CELLS
)
_ODD_HEADERS = st.sampled_from(
    ["Date", "Date Time", "Sent At", "Sender", "From", "Message", "Text", "File", "Notes", ""]
)


@st.composite
def ragged_tables(draw: st.DrawFn) -> Table:
    """Headers with known, repeated and unknown columns; lines of any width."""
    header = draw(st.lists(_ODD_HEADERS | HEADERS, min_size=1, max_size=6))
    assume(any(cell.strip() for cell in header))
    dated = [_field_for(name) == "date" for name in header]

    def line(width: int) -> st.SearchStrategy[list[str]]:
        cells = [_DATE_CELLS if i < len(dated) and dated[i] else CELLS for i in range(width)]
        return st.tuples(*cells).map(list)

    widths = st.integers(1, len(header) + 2) | st.just(len(header))
    rows = draw(st.lists(widths.flatmap(line), max_size=8))
    return header, rows


def _export_outcome(converter: cattrs.Converter, body: bytes) -> Any:
    try:
        export = parse_export(converter, body, chat_id=1)
    except ValueError as exc:
        return str(exc)
    rows = [
        (
            type(row),
            repr(row.date),
            row.sender,
            row.message,
            row.attachment,
            list(row.extra.items()),
            list(row.raw.items()),
        )
        for row in export
    ]
    return export.columns, export.text, export.chat_id, rows


def _row_by_row(converter: cattrs.Converter, body: bytes) -> Any:
    with (
        mock.patch.object(agentchat._csv, "_rows_builder", return_value=None),
        mock.patch.object(agentchat._csv, "_lines", lambda text: io.StringIO(text, newline="")),
    ):
        return _export_outcome(converter, body)


@settings(max_examples=150, deadline=None)
@given(
    ragged_tables(), st.sampled_from(",;\t"), st.sampled_from(["\r\n", "\n", "\r"]), st.booleans()
)
def test_compiled_rows_give_what_the_row_by_row_path_gives(
    table: Table, delimiter: str, newline: str, strict: bool
) -> None:
    header, rows = table
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerows([header, *rows])
    body = buffer.getvalue().encode()
    converter = STRICT if strict else LENIENT
    assert _export_outcome(converter, body) == _row_by_row(converter, body)


@pytest.mark.parametrize(
    "body",
    [
        SAMPLE,
        "Date,Sender\r\n2024-05-01 08:30:00,Ann\r\n\r\n2024-05-01T08:31:00Z,Bob,x\r\nshort\r\n",
        "Date,Date,Sender,Sender\n2024-05-01,2024-05-02,Ann,Bob\n",
        'Message\n"a\rb"\n"c\u2028d"\ne\u2029f\n',
        'Sender,Message\r\nAnn,"unclosed\r\n',
        "Sender\r\n\x0b\x0c\x1c\x1d\x1e\x85\r\nBob\r\n",
    ],
)
@pytest.mark.parametrize("converter", [LENIENT, STRICT], ids=["lenient", "strict"])
def test_compiled_rows_on_odd_exports(body: str, converter: cattrs.Converter) -> None:
    assert _export_outcome(converter, body.encode()) == _row_by_row(converter, body.encode())


@settings(max_examples=200, deadline=None)
@given(st.text(st.sampled_from('ab,"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029 ')))
def test_lines_are_split_as_stringio_splits_them(text: str) -> None:
    assert list(_lines(text)) == list(io.StringIO(text, newline=""))


def test_an_export_header_gets_one_compiled_loop() -> None:
    body = "Date,Sender,Message,Notes\r\n" + "2024-05-01 08:30:00,Ann,hi,n\r\n" * 3
    before = _compiled_rows_builder.cache_info().misses
    for _ in range(3):
        parse_export(LENIENT, body.encode())
    assert _compiled_rows_builder.cache_info().misses == before + 1
