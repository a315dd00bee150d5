"""The one cattrs converter: JSON bodies to the public models, and back.

The models carry no serialization settings; everything about the wire lives here
(hynek's "keep 'em separated"). The reference documents no response bodies, so
structuring is lenient and loses nothing:

* object keys match case-insensitively, ignoring ``_`` and ``-``: ``ChatID``,
  ``chatId`` and ``chat_id`` all fill ``chat_id``;
* IDs and numbers given as numeric strings become ints; booleans may be
  ``"true"``/``"false"``/``0``/``1``; numbers where text is expected become text;
* dates in ISO 8601 (with or without offset, ``Z`` included) or .NET
  ``/Date(ms)/`` form become ``datetime``;
* a list may come bare or wrapped in an object with one list in it; a model that
  is only a list (``ChatList``) may come as a bare list, and an empty body is an
  empty list;
* unknown keys are kept in the model's ``extra``, and the decoded JSON in ``raw``.

``strict=True`` rejects unknown keys instead (the tests run both modes).
Unstructuring gives the PascalCase wire names back (``chat_id`` -> ``ChatID``),
with ``extra`` merged in, so structure(unstructure(model)) == model.

This module is the plain converter: the hooks, and the exact per-key path for
models (``_ExactModel``). Speed: the items of a list nearly always share one
layout (the same keys in the same order), so each model also compiles a builder
per layout it meets more than once; those live in ``_fastpath``, and must give
what this module gives. A builder decides only what it is sure of and leaves
everything else (errors included) to the exact path, so results and error
messages are the same either way; ``make_converter(fast=False)`` has the exact
path only, and the tests compare.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any, Final, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)

from .models._base import Model
from .models.settings import Settings

__all__ = ["make_converter", "norm_key", "structure", "wire_name"]

T = TypeVar("T")

_MODEL_FIELDS: Final = frozenset({"extra", "raw"})
_DOTNET_DATE: Final = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_FRACTION: Final = re.compile(r"\.(\d+)")
_INT_TEXT: Final = re.compile(r"[+-]?\d+")


def norm_key(key: str) -> str:
    """A key as matched: case-insensitive, ignoring ``_``, ``-`` and spaces."""
    return key.replace("_", "").replace("-", "").replace(" ", "").lower()


# Array fields the reference names in the singular (``DepartmentID: integer[]``).
_SINGULAR_WIRE: Final = {"scheduled_days": "scheduled_day"}


def wire_name(field_name: str) -> str:
    """The PascalCase wire name of a snake_case field.

    ``chat_id`` -> ``ChatID``; arrays of IDs keep the reference's singular:
    ``department_ids`` -> ``DepartmentID``, ``scheduled_days`` -> ``ScheduledDay``.
    """
    name = _SINGULAR_WIRE.get(field_name, field_name)
    if name.endswith("_ids"):
        name = name[:-1]
    return "".join("ID" if part == "id" else part.capitalize() for part in name.split("_"))


def _keys_for(field_name: str) -> set[str]:
    """Every normalised key that fills ``field_name``: its own and its wire name's."""
    return {norm_key(field_name), norm_key(wire_name(field_name))}


# -- scalars ------------------------------------------------------------------


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got a boolean {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if value.isdigit() and value.isascii():  # the usual "419": no strip, no pattern
            return int(value)
        text = value.strip()
        if _INT_TEXT.fullmatch(text):
            return int(text)
    raise ValueError(f"expected an integer, got {_short(value)}")


def _structure_float(value: Any, _: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got a boolean {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise ValueError(f"expected a number, got {_short(value)}")


def _structure_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"expected text, got {_short(value)}")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and isinstance(value, int):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "0", "1"):
        return value.strip().lower() in ("true", "1")
    raise ValueError(f"expected a boolean, got {_short(value)}")


def _structure_datetime(value: Any, _: Any) -> datetime:
    # Text first: it is what servers send (no value is both a str and a number).
    if isinstance(value, str):
        return _parse_date_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Unix time: seconds, or milliseconds when it is too large to be seconds.
        seconds = value / 1000 if abs(value) >= 100_000_000_000 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"expected a date, got {_short(value)}") from None
    raise ValueError(f"expected a date, got {_short(value)}")


def _parse_date_text(value: str) -> datetime:
    text = value.strip()
    # Each pattern is tried only when it can match: "/" starts a .NET date, and
    # a fraction needs a ".". ISO text without either goes straight to the parser.
    if text[:1] == "/":
        match = _DOTNET_DATE.match(text)
        if match:
            try:
                moment = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=timezone.utc)
            except (OverflowError, OSError, ValueError):
                raise ValueError(f"expected a date, got {_short(value)}") from None
            if match.group(2):
                sign = 1 if match.group(2)[0] == "+" else -1
                hours, minutes = int(match.group(2)[1:3]), int(match.group(2)[3:5])
                offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
                moment = moment.astimezone(offset)
            return moment
    # Python 3.10's fromisoformat knows neither "Z" nor fractions other than 3 or 6 digits.
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if "." in text:
        text = _ISO_FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected an ISO 8601 or /Date(ms)/ date, got {_short(value)}") from None


def _unstructure_datetime(value: datetime) -> str:
    return value.isoformat()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _add_note(exc: BaseException, note: str) -> None:
    # cattrs reads __notes__ (PEP 678); BaseException.add_note is 3.11+.
    setattr(exc, "__notes__", [*getattr(exc, "__notes__", []), note])  # noqa: B010


# -- sequences ----------------------------------------------------------------


def _unwrap_list(value: Any) -> Sequence[Any]:
    """A bare list, or the one list inside a wrapping object."""
    if isinstance(value, list | tuple):
        return value
    if value is None:
        return ()
    if isinstance(value, Mapping):
        lists = [item for item in value.values() if isinstance(item, list)]
        if len(lists) == 1:
            return lists[0]
    raise ValueError(f"expected a list, got {_short(value)}")


def _is_homogeneous_sequence(type_: Any) -> bool:
    origin = get_origin(type_)
    if origin is list:
        return True
    args = get_args(type_)
    return origin is tuple and len(args) == 2 and args[1] is Ellipsis


#: Per converter: a model's hook -> its batch form, which structures a list of
#: items (all of them, or raises; the caller then takes the item by item path).
Batches = dict[Callable[[Any, Any], Any], Callable[[Sequence[Any]], list[Any]]]


def _sequence_hook_factory(
    type_: Any, converter: cattrs.Converter, batches: Batches
) -> Callable[[Any, Any], Any]:
    inner = get_args(type_)[0]
    inner_hook = converter.get_structure_hook(inner)
    batch = batches.get(inner_hook)
    make = list if get_origin(type_) is list else tuple

    def structure_sequence(value: Any, _: Any) -> Any:
        items = _unwrap_list(value)
        if batch is not None:
            try:
                return make(batch(items))
            except Exception:  # noqa: BLE001, S110 - the loop below says which items fail
                pass
        result = []
        errors: list[Exception] = []
        for index, item in enumerate(items):
            try:
                result.append(inner_hook(item, inner))
            except Exception as exc:  # noqa: BLE001 - collected into the group below
                note = IterableValidationNote(f"Structuring {type_} @ index {index}", index, inner)
                _add_note(exc, note)
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {type_!r}", errors, type_)
        return make(result)

    return structure_sequence


# -- models -------------------------------------------------------------------


def _is_model(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, Model)


def _model_structure_factory(
    cls: type[Model],
    converter: cattrs.Converter,
    *,
    strict: bool,
    fast: bool = True,
    batches: Batches | None = None,
) -> Callable[[Any, Any], Model]:
    exact = _ExactModel(cls, converter, strict=strict)
    if not fast:
        return exact.structure
    if exact.list_field is not None:
        return _bare_list_hook(exact, exact.list_field)
    # Objects of one layout (the same keys in the same order: the items of a
    # list, nearly always) go through a builder compiled for that layout; see
    # _fastpath. Anything else, and anything a builder does not like, takes the
    # exact path, which also says what is wrong. (Imported here: _fastpath is
    # built on this module's hooks, so it imports this module.)
    from ._fastpath import _layout_hooks, _Layouts

    layouts = _Layouts(
        cls, converter, exact.fields, exact.by_key, exact.text_fields, exact.own_keys, strict=strict
    )
    structure_model, structure_many = _layout_hooks(layouts, exact.structure)
    if batches is not None:
        batches[structure_model] = structure_many
    return structure_model


def _bare_list_hook(exact: _ExactModel, list_field: str) -> Callable[[Any, Any], Model]:
    """The hook of a model that is only a list (ChatList), for what servers send
    most: the bare list, handed straight to the list's hook. Anything else, and
    a list the hook refuses, takes the exact path, which says what is wrong."""
    cls = exact.cls
    hook = exact.hooks[list_field]
    list_type = next(f.type for f in exact.fields if f.name == list_field)

    def structure_list_model(value: Any, _: Any) -> Model:
        if type(value) is list:
            try:
                items = hook(value, list_type)
            except Exception:  # noqa: BLE001, S110 - the exact path says what is wrong
                pass
            else:
                return cls(**{list_field: items}, extra={}, raw=value)
        return exact.structure(value)

    return structure_list_model


class _ExactModel:
    """The exact path for one model: each key looked at on its own, every
    problem collected (``ClassValidationError``, as cattrs raises it)."""

    __slots__ = (
        "bare_list_field",
        "by_key",
        "cls",
        "fields",
        "hooks",
        "item_keys",
        "list_field",
        "list_key",
        "own_keys",
        "required",
        "strict",
        "text_fields",
    )

    def __init__(self, cls: type[Model], converter: cattrs.Converter, *, strict: bool) -> None:
        fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name not in _MODEL_FIELDS]
        self.cls = cls
        self.strict = strict
        self.fields = fields
        self.by_key = {key: f for f in fields for key in _keys_for(f.name)}
        self.hooks = {f.name: converter.get_structure_hook(f.type) for f in fields}
        self.required = [f.name for f in fields if f.default is attrs.NOTHING]
        self.list_field, self.bare_list_field = _list_fields(fields)
        self.list_key = norm_key(self.list_field) if self.list_field else ""
        self.item_keys = (
            frozenset(_item_required_keys(fields[0].type)) if self.list_field else frozenset()
        )
        self.own_keys = frozenset(self.by_key)
        # "" in a number, date or bool field means "not given", as null does.
        self.text_fields = frozenset(f.name for f in fields if f.type in (str, str | None))

    def structure(self, value: Any, _: Any = None) -> Model:
        """The model ``value`` holds (a hook: ``_`` is the type cattrs passes)."""
        kwargs, extra, errors = self._values(self._object(value))
        if self.strict and extra:
            errors.append(ForbiddenExtraKeysError("", self.cls, set(map(str, extra))))
        if errors:
            raise ClassValidationError(f"While structuring {self.cls.__name__}", errors, self.cls)
        return self.cls(**kwargs, extra=extra, raw=value)

    def _object(self, value: Any) -> Mapping[Any, Any]:
        """The object that holds the fields, out of a wrapper, or made for a bare list."""
        if value is None and self.list_field is None:  # an empty body: "no content"
            value = {}
        value = _unwrap_object(value, self.own_keys)
        if self.list_field is not None:
            value = self._list_object(value, self.list_field)
        elif self.bare_list_field is not None and isinstance(value, list):
            value = {self.bare_list_field: value}
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object, got {_short(value)}")
        return value

    def _list_object(self, value: Any, list_field: str) -> Any:
        """For a model that is only a list: an object with the list, as given or made."""
        if not isinstance(value, Mapping):
            return {list_field: _unwrap_list(value)}
        keys = {norm_key(k) for k in value if isinstance(k, str)}
        if self.list_key in keys:
            return value
        single = bool(self.item_keys) and self.item_keys <= keys
        return {list_field: [value] if single else _unwrap_list(value)}

    def _values(
        self, value: Mapping[Any, Any]
    ) -> tuple[dict[str, Any], dict[Any, Any], list[Exception]]:
        """The fields' values, the unknown keys' values, and what went wrong."""
        kwargs: dict[str, Any] = {}
        extra: dict[Any, Any] = {}
        errors: list[Exception] = []
        failed: set[str] = set()
        by_key, hooks, text_fields = self.by_key, self.hooks, self.text_fields
        for key, item in value.items():
            field = by_key.get(norm_key(key)) if isinstance(key, str) else None
            if field is None:
                extra[key] = item
                continue
            if item is None or (item == "" and field.name not in text_fields):
                continue  # absent, null and "" are the same to a lenient reader
            try:
                kwargs[field.name] = hooks[field.name](item, field.type)
            except Exception as exc:  # noqa: BLE001 - collected into the group below
                errors.append(self._noted(exc, field.name, field.type))
                failed.add(field.name)
        for name in self.required:
            if name not in kwargs and name not in failed:
                missing = KeyError(f"required field {wire_name(name)!r} is missing")
                errors.append(self._noted(missing, name, None))
        return kwargs, extra, errors

    def _noted(self, exc: Exception, name: str, type_: Any) -> Exception:
        """``exc`` with a note that names the attribute, for ``transform_error``."""
        note = AttributeValidationNote(
            f"Structuring class {self.cls.__qualname__} @ attribute {name}", name, type_
        )
        _add_note(exc, note)
        return exc


def _list_fields(fields: Sequence[attrs.Attribute[Any]]) -> tuple[str | None, str | None]:
    """The field of a model that is only a list, and the field a bare list fills.

    A model that is only a list (ChatList) also accepts the bare list, a
    wrapped list, and a single item (an object with the item's ID key). A
    model with one list of models among other fields (DataInsight) accepts
    that list bare.
    """
    if len(fields) == 1 and _is_homogeneous_sequence(fields[0].type):
        return fields[0].name, fields[0].name
    sequences = [f for f in fields if _is_model_sequence(f.type)]
    return None, sequences[0].name if len(sequences) == 1 else None


_WRAPPERS: Final = frozenset({"data", "result", "response", "value", "item"})


def _is_wrapper_key(key: Any, own_keys: frozenset[str]) -> bool:
    """A lone key like this holds the object or list itself (``{"Data": {...}}``)."""
    return isinstance(key, str) and norm_key(key) in _WRAPPERS and norm_key(key) not in own_keys


def _unwrap_object(value: Any, own_keys: frozenset[str]) -> Any:
    """``{"Data": {...}}`` -> ``{...}`` when the one key is a wrapper, not a field."""
    if isinstance(value, Mapping) and len(value) == 1:
        [(key, inner)] = value.items()
        if _is_wrapper_key(key, own_keys) and isinstance(inner, Mapping | list):
            return inner
    return value


def _is_model_sequence(type_: Any) -> bool:
    return _is_homogeneous_sequence(type_) and _is_model(get_args(type_)[0])


def _item_required_keys(sequence_type: Any) -> list[str]:
    inner = get_args(sequence_type)[0]
    if not _is_model(inner):
        return []
    fields = attrs.fields(attrs.resolve_types(inner))
    return [norm_key(f.name) for f in fields if f.default is attrs.NOTHING]


# -- settings -----------------------------------------------------------------


def _settings_values(value: Any) -> dict[str, Any]:
    """Settings as an object, a list of one-key objects, or Name/Value pairs."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        inner = _settings_inside(value)
        return dict(value) if inner is None else _settings_values(inner)
    if isinstance(value, list):
        return _settings_from_list(value)
    raise ValueError(f"expected settings as an object or a list, got {_short(value)}")


def _settings_inside(value: Mapping[Any, Any]) -> Any:
    """The list or object under a ``Settings``, ``Values`` or ``Data`` key, else ``None``."""
    for key, item in value.items():
        wrapper = isinstance(key, str) and norm_key(key) in ("settings", "values", "data")
        if wrapper and isinstance(item, list | Mapping):
            return item
    return None


def _settings_from_list(value: list[Any]) -> dict[str, Any]:
    """A list of one-key objects (``{"Greeting": "Hi"}``) or Name/Value pairs."""
    values: dict[str, Any] = {}
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise ValueError(f"expected a setting object at index {index}, got {_short(item)}")
        named = {norm_key(k): v for k, v in item.items() if isinstance(k, str)}
        if {"name", "value"} <= set(named) and isinstance(named["name"], str):
            values[named["name"]] = named["value"]
        else:
            values.update(item)
    return values


def _structure_settings(value: Any, _: Any) -> Settings:
    return Settings(values=_settings_values(value), raw=value)


def _unstructure_settings(settings: Settings) -> list[dict[str, Any]]:
    return [{name: value} for name, value in settings.values.items()]


def _model_unstructure_factory(
    cls: type[Model], converter: cattrs.Converter
) -> Callable[[Model], dict[str, Any]]:
    fields = [f for f in attrs.fields(cls) if f.name not in _MODEL_FIELDS]
    names = [(f.name, wire_name(f.name)) for f in fields]

    def unstructure_model(model: Model) -> dict[str, Any]:
        out: dict[str, Any] = dict(model.extra)
        for name, wire in names:
            value = getattr(model, name)
            if value is not None:
                out[wire] = converter.unstructure(value)
        return out

    return unstructure_model


def make_converter(*, strict: bool = False, fast: bool = True) -> cattrs.Converter:
    """Build the client's converter. Lenient by default; ``strict`` rejects unknown keys.

    ``fast=False`` leaves out the compiled builders (every object takes the
    exact path); the results are the same, the tests compare the two.
    """
    converter = cattrs.Converter()
    batches: Batches = {}
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook_factory(
        _is_homogeneous_sequence, lambda t: _sequence_hook_factory(t, converter, batches)
    )
    converter.register_structure_hook_factory(
        _is_model,
        lambda cls: _model_structure_factory(
            cls, converter, strict=strict, fast=fast, batches=batches
        ),
    )
    converter.register_unstructure_hook_factory(
        _is_model, lambda cls: _model_unstructure_factory(cls, converter)
    )
    converter.register_structure_hook(Settings, _structure_settings)
    converter.register_unstructure_hook(Settings, _unstructure_settings)
    return converter


@cache
def default_converter(*, strict: bool = False) -> cattrs.Converter:
    """The converter shared by every client in the process (built once per mode)."""
    return make_converter(strict=strict)


def _format_exception(exc: BaseException, type_: Any) -> str:
    """Our hooks' own messages ("expected an integer, got 'x'") over cattrs' generic ones."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, ValueError | TypeError) and str(exc):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def structure(converter: cattrs.Converter, data: Any, cls: type[T]) -> T:
    """Structure ``data`` into ``cls``; errors come out as one readable line each.

    Raises ``ValueError`` whose message lists the problems as ``… @ $.field[0]``.
    """
    try:
        return converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError) as exc:
        messages = cattrs.transform_error(exc, path="$", format_exception=_format_exception)
        raise ValueError("; ".join(messages[:5])) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{exc} @ $") from exc
