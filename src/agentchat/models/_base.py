from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, SupportsIndex, TypeVar, overload

import attrs

__all__ = ["Listing", "Model"]

_T_co = TypeVar("_T_co", covariant=True)


@attrs.frozen(kw_only=True)
class Model:
    """Base of every response model: frozen, slotted, keyword-only attrs classes.

    The API reference documents no response bodies, so the models are read
    leniently and lose nothing: each keeps what it did not recognise in
    ``extra`` and the whole decoded JSON it came from in ``raw``. Neither takes
    part in ``repr``; ``raw`` takes no part in equality either. Models compare
    by value, hash, and pickle.

    Attributes:
        extra: The keys of the answer's object that no field matched, as sent,
            with their decoded JSON values (``{"Mood": "happy"}``). Empty with
            ``strict=True``, where an unknown key is a ``ResponseFormatError``.
        raw: What the model was built from: the decoded JSON (for a list
            model the whole body, for an item its own object; AgentLogon's
            token masked), or for an export the CSV text (``ExportRow``: its
            line as a dict). ``None`` for a model built in code.
    """

    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False, hash=False)
    raw: Any = attrs.field(default=None, repr=False, eq=False, hash=False)


class Listing(Generic[_T_co]):
    """What the list-like models share (``ChatList``, ``ChatExport``...).

    ``len()``, iteration, ``in``, ``reversed()``, indexing and slicing go to the
    model's items (a slice is a tuple): ``chat_list[0]`` is the first chat.
    Each model names its items in ``_items``.
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def _items(self) -> tuple[_T_co, ...]: ...

    def __iter__(self) -> Iterator[_T_co]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: SupportsIndex) -> _T_co: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[_T_co, ...]: ...
    def __getitem__(self, index: SupportsIndex | slice) -> _T_co | tuple[_T_co, ...]:
        return self._items[index]
