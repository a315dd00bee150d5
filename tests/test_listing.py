"""The list-like models read as tuples of their items: len, iteration, indexing, slices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import pytest

from agentchat._converters import make_converter, structure
from agentchat.models import (
    Chat,
    ChatExport,
    ChatList,
    Customer,
    CustomerList,
    DataInsight,
    Department,
    DepartmentList,
    ExportRow,
    InsightPoint,
    Recipient,
    RecipientList,
    Report,
    ReportList,
)
from agentchat.models._base import Listing

from .strategies import model_classes

#: Each list-like model: the field holding its items, and how to make item ``i``.
LISTINGS: Final[dict[type[Any], tuple[str, Callable[[int], Any]]]] = {
    ChatList: ("chats", lambda i: Chat(chat_id=i)),
    ChatExport: ("rows", lambda i: ExportRow(sender=f"sender {i}")),
    CustomerList: ("customers", lambda i: Customer(customer_id=i)),
    DataInsight: ("points", lambda i: InsightPoint(chats=i)),
    DepartmentList: ("departments", lambda i: Department(department_id=i)),
    RecipientList: ("recipients", lambda i: Recipient(recipient_id=i)),
    ReportList: ("reports", lambda i: Report(report_id=i)),
}


def test_every_list_like_model_is_a_listing() -> None:
    assert {cls for cls in model_classes() if issubclass(cls, Listing)} == set(LISTINGS)


@pytest.mark.parametrize("cls", LISTINGS, ids=lambda cls: cls.__name__)
def test_a_listing_reads_as_the_tuple_of_its_items(cls: type[Any]) -> None:
    field, make = LISTINGS[cls]
    items = tuple(make(i) for i in range(4))
    listing = cls(**{field: items})
    assert len(listing) == 4
    assert tuple(listing) == items
    assert listing[0] == items[0]
    assert listing[-1] == items[3]
    assert listing[1:3] == items[1:3]
    assert listing[::-1] == items[::-1]
    assert tuple(reversed(listing)) == items[::-1]
    assert items[2] in listing
    assert make(99) not in listing
    with pytest.raises(IndexError):
        listing[4]
    with pytest.raises(TypeError):
        listing["0"]
    empty = cls()
    assert not empty
    assert len(empty) == 0
    assert list(empty) == []


def test_structured_lists_index_like_their_items() -> None:
    chats = structure(make_converter(), [{"ChatID": 7}, {"ChatID": 8}], ChatList)
    assert chats[0].chat_id == 7
    assert [chat.chat_id for chat in chats[1:]] == [8]
