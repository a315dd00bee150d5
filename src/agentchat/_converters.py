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

Speed: the items of a list nearly always share one layout (the same keys in the
same order), so each model compiles a builder per layout it meets more than
once, which does the per-key work (which field, which hook, what counts as
absent) once instead of per object; see ``_Layouts``. A builder decides only
what it is sure of and leaves everything else (errors included) to the exact
per-key path, so results and error messages are the same either way;
``make_converter(fast=False)`` has the exact path only, and the tests compare.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cache
from keyword import iskeyword
from typing import Any, Final, Generic, TypeVar, get_args, get_origin

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
    fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name not in _MODEL_FIELDS]
    by_key = {key: f for f in fields for key in _keys_for(f.name)}
    hooks = {f.name: converter.get_structure_hook(f.type) for f in fields}
    required = [f.name for f in fields if f.default is attrs.NOTHING]
    # A model that is only a list (ChatList) also accepts the bare list, a
    # wrapped list, and a single item (an object with the item's ID key). A
    # model with one list of models among other fields (DataInsight) accepts
    # that list bare.
    sequences = [f for f in fields if _is_model_sequence(f.type)]
    only_list = len(fields) == 1 and _is_homogeneous_sequence(fields[0].type)
    list_field = fields[0].name if only_list else None
    bare_list_field = sequences[0].name if len(sequences) == 1 else list_field
    list_key = norm_key(list_field) if list_field else ""
    item_keys = frozenset(_item_required_keys(fields[0].type)) if list_field else frozenset()
    own_keys = frozenset(by_key)
    # "" in a number, date or bool field means "not given", as null does.
    text_fields = frozenset(f.name for f in fields if f.type in (str, str | None))

    # Objects of one layout (the same keys in the same order: the items of a
    # list, nearly always) go through a builder compiled for that layout; see
    # _Layouts. Anything else, and anything a builder does not like, takes the
    # exact path below, which also says what is wrong.
    layouts = None
    if fast and list_field is None:
        layouts = _Layouts(cls, converter, fields, by_key, text_fields, own_keys, strict=strict)
    builders = layouts.builders if layouts is not None else {}

    def structure_model(value: Any, _: Any) -> Model:
        if layouts is not None and type(value) is dict:
            keys = tuple(value)
            build = builders.get(keys, _unseen)
            if build is _unseen:
                build = layouts.sight(keys)
            if build is not None:
                try:
                    return build(value, keys)
                except Exception:  # noqa: BLE001, S110 - the exact path says what is wrong
                    pass
        return structure_exactly(value)

    def structure_many(items: Sequence[Any]) -> list[Model]:
        """``structure_model`` for each item, with the builder looked up inline."""
        result: list[Model] = []
        append = result.append
        for item in items:
            if type(item) is dict:
                keys = tuple(item)
                build = builders.get(keys)
                if build is not None:
                    try:
                        append(build(item, keys))
                        continue
                    except Exception:  # noqa: BLE001, S110 - the item's own hook decides
                        pass
            append(structure_model(item, None))
        return result

    def structure_exactly(value: Any) -> Model:
        raw = value
        if value is None and list_field is None:  # an empty body: "no content"
            value = {}
        value = _unwrap_object(value, own_keys)
        if list_field is not None:
            if not isinstance(value, Mapping):
                value = {list_field: _unwrap_list(value)}
            else:
                keys = {norm_key(k) for k in value if isinstance(k, str)}
                if list_key not in keys:
                    single = bool(item_keys) and item_keys <= keys
                    value = {list_field: [value] if single else _unwrap_list(value)}
        elif bare_list_field is not None and isinstance(value, list):
            value = {bare_list_field: value}
        if not isinstance(value, Mapping):
            raise ValueError(f"expected an object, got {_short(value)}")
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        errors: list[Exception] = []
        failed: set[str] = set()
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
                note = AttributeValidationNote(
                    f"Structuring class {cls.__qualname__} @ attribute {field.name}",
                    field.name,
                    field.type,
                )
                _add_note(exc, note)
                errors.append(exc)
                failed.add(field.name)
        for name in required:
            if name not in kwargs and name not in failed:
                missing = KeyError(f"required field {wire_name(name)!r} is missing")
                note = AttributeValidationNote(
                    f"Structuring class {cls.__qualname__} @ attribute {name}", name, None
                )
                _add_note(missing, note)
                errors.append(missing)
        if strict and extra:
            errors.append(ForbiddenExtraKeysError("", cls, set(map(str, extra))))
        if errors:
            raise ClassValidationError(f"While structuring {cls.__name__}", errors, cls)
        return cls(**kwargs, extra=extra, raw=raw)

    if layouts is not None and batches is not None:
        batches[structure_model] = structure_many
    return structure_model


# -- compiled builders ----------------------------------------------------------

#: Hooks that give back the value itself when it already has exactly that type.
_IDENTITY_HOOKS: Final[Mapping[type, Callable[[Any, Any], Any]]] = {
    int: _structure_int,
    str: _structure_str,
    float: _structure_float,
    bool: _structure_bool,
}
#: At most this many builders per model (then they are dropped, and made again
#: as their layouts come back), and layouts remembered while they wait for their
#: second sighting; a layout of more keys (or longer ones) gets no builder.
_MAX_BUILDERS: Final = 64
_MAX_SIGHTINGS: Final = 256
_MAX_LAYOUT_KEYS: Final = 64
_MAX_LAYOUT_CHARS: Final = 4096

Builder = Callable[[dict[Any, Any], tuple[Any, ...]], Model]


def _unseen(value: dict[Any, Any], keys: tuple[Any, ...]) -> Model:
    """The stand-in for a layout not seen yet (never called)."""
    raise AssertionError("not a builder")


class _Fallback(Exception):
    """Raised by a builder for a value it does not decide: the exact path does."""


def _optional_inner(type_: Any) -> Any:
    """``X`` for ``X | None`` (as cattrs' optional hook reads it), else ``None``."""
    args = get_args(type_)
    if len(args) == 2 and type(None) in args:
        return args[0] if args[1] is type(None) else args[1]
    return None


@cache
def _twin(cls: type) -> type | None:
    """A writable twin of an attrs class whose ``__init__`` only fills its slots.

    attrs' ``__init__`` for such a class sets each field's slot to the argument
    or the default, and nothing else. A builder does the same several times
    faster: it makes an instance of the twin (same bases, same slots, plain
    attribute assignment instead of the frozen class's refusal), assigns every
    field, then makes the instance what it is meant to be with
    ``obj.__class__ = cls``. The layouts are identical, so the object is then
    exactly the one ``cls(...)`` would have made.

    ``None`` when ``__init__`` may do more than fill slots (a validator, a
    converter, a pre- or post-init hook, a hand-written ``__init__`` or
    ``__new__``, a slot that is not a field, a default that takes ``self``),
    when making a subclass may run code (a metaclass, ``__init_subclass__``),
    or when the interpreter refuses the swap (checked once, here): builders
    then call the class.
    """
    if not attrs.has(cls) or type(cls) is not type:
        return None  # (a metaclass could do anything when the twin is made)
    if cls.__new__ is not object.__new__:
        return None
    if any("__init_subclass__" in k.__dict__ for k in cls.__mro__[:-1] if k is not Generic):
        return None  # making the twin would call it (Generic's only notes type parameters)
    init = cls.__dict__.get("__init__")
    filename = getattr(getattr(init, "__code__", None), "co_filename", "")
    if not filename.startswith("<attrs generated"):
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    fields = attrs.fields(cls)
    slots: set[str] = set()
    if cls.__dictoffset__:
        return None  # its instances have a __dict__ too
    for klass in cls.__mro__[:-1]:
        declared = klass.__dict__.get("__slots__", ())  # () for C types (Generic on 3.12+)
        slots.update([declared] if isinstance(declared, str) else declared)
    if slots - {"__weakref__"} != {f.name for f in fields}:
        return None
    for field in fields:
        if field.validator is not None or field.converter is not None or not field.init:
            return None
        if field.alias != field.name or not field.name.isidentifier() or iskeyword(field.name):
            return None
        if isinstance(field.default, attrs.Factory) and field.default.takes_self:  # type: ignore[arg-type]
            return None
    namespace = {
        "__slots__": cls.__dict__["__slots__"],
        "__module__": __name__,
        "__qualname__": f"_Twin[{cls.__qualname__}]",
        # Both: one C slot serves assignment and deletion, and the frozen base
        # defines both in Python.
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    try:
        twin = type(f"_Twin[{cls.__name__}]", cls.__bases__, namespace)
        probe: Any = object.__new__(twin)
        for field in fields:
            object.__setattr__(probe, field.name, None)
        probe.__class__ = cls
    except (TypeError, ValueError, AttributeError):  # layouts differ, slots clash
        return None
    return twin


def _construction(
    cls: type,
    given: Mapping[str, str],
    namespace: dict[str, Any],
    indent: str = "    ",
    finish: str = "return {}",
) -> list[str]:
    """Source lines that build ``cls(**given)`` (field name -> source expression)
    and then do ``finish`` with it (``"return {}"``, ``"append({})"``).

    The fields not given take their defaults, as they would from ``cls(...)``.
    """
    namespace["cls"] = cls
    twin = _twin(cls)
    if twin is None:
        arguments = ", ".join(f"{name}={expression}" for name, expression in given.items())
        return [indent + finish.format(f"cls({arguments})")]
    namespace.update({"_new": object.__new__, "twin": twin})
    lines = [f"{indent}obj = _new(twin)"]
    for index, field in enumerate(attrs.fields(cls)):
        expression = given.get(field.name)
        if expression is None and isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"factory_{index}"] = field.default.factory
            expression = f"factory_{index}()"
        elif expression is None:
            namespace[f"default_{index}"] = field.default
            expression = f"default_{index}"
        lines.append(f"{indent}obj.{field.name} = {expression}")
    lines += [f"{indent}obj.__class__ = cls", indent + finish.format("obj")]
    return lines


def _compile_function(name: str, lines: Sequence[str], namespace: dict[str, Any]) -> Any:
    """The function ``name`` defined by ``lines``, compiled in ``namespace``."""
    code = compile("\n".join(lines), f"<agentchat {name}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own source: names and indexes, never data
    return namespace[name.split()[0]]


def _fast_hook(
    converter: cattrs.Converter, type_: Any
) -> tuple[Callable[[Any, Any], Any], Any, type | None]:
    """The hook for a value that is not ``None``, the type to pass it, and the
    type whose values that hook returns unchanged (``None`` if none)."""
    hook = converter.get_structure_hook(type_)
    inner = _optional_inner(type_)
    optional = getattr(cattrs.BaseConverter, "_structure_optional", None)
    if inner is not None and getattr(hook, "__func__", None) is optional:
        # cattrs' optional hook, given a value that is not None, calls the inner
        # type's hook: call that one directly.
        type_, hook = inner, converter.get_structure_hook(inner)
    keeps = type_ if _IDENTITY_HOOKS.get(type_) is hook else None
    return hook, type_, keeps


def _plain_iso_test(value: str, namespace: dict[str, Any]) -> str:
    """Source for a test that holds only for text ``_parse_date_text`` hands to
    ``fromisoformat`` unchanged: it starts and ends with an ASCII digit (so it is
    not blank, not .NET, not "Z") and has no "." (no fraction to pad)."""
    namespace["_DIGITS"] = _DIGITS
    return f'{value} and {value}[0] in _DIGITS and {value}[-1] in _DIGITS and "." not in {value}'


_DIGITS: Final = frozenset("0123456789")


class _Layouts:
    """The compiled builders of one model, one per layout of keys.

    A layout is the tuple of an object's keys in order. The first time a layout
    is seen the object takes the exact path; the second time a builder is
    compiled for it (so a list of many alike objects pays for one compile, and
    a one-off object for none). A builder unpacks the values positionally and
    does, per key, what the exact path does, with the per-key work done once at
    compile time: which field the key fills (or ``extra``), which hook, whether
    ``""`` means absent. A value whose type is already the field's (an int for
    an int field) skips the hook, which would return it unchanged. A builder
    raises for anything it does not decide (a hook's error, a required field
    that is null), and the caller then takes the exact path, so errors, their
    messages and every result are those of the exact path.

    Layouts that get no builder: a lone key that may be a wrapper
    (``{"Data": ...}``), two keys filling one field (the last non-empty wins),
    a required field not among the keys, unknown keys on a strict converter,
    keys that are not plain ``str``. The exact path handles them.
    """

    def __init__(
        self,
        cls: type[Model],
        converter: cattrs.Converter,
        fields: Sequence[attrs.Attribute[Any]],
        by_key: Mapping[str, attrs.Attribute[Any]],
        text_fields: frozenset[str],
        own_keys: frozenset[str],
        *,
        strict: bool,
    ) -> None:
        self.builders: dict[tuple[Any, ...], Builder | None] = {}
        self._cls = cls
        self._converter = converter
        self._fields = fields
        self._by_key = by_key
        self._text_fields = text_fields
        self._own_keys = own_keys
        self._strict = strict
        self._sighted: set[tuple[Any, ...]] = set()

    def sight(self, keys: tuple[Any, ...]) -> Builder | None:
        """The builder for a layout seen before, else ``None`` (take the exact path)."""
        if keys not in self._sighted:
            if len(keys) <= _MAX_LAYOUT_KEYS:
                if len(self._sighted) >= _MAX_SIGHTINGS:
                    self._sighted.clear()
                self._sighted.add(keys)
            return None
        self._sighted.discard(keys)
        if len(self.builders) >= _MAX_BUILDERS:
            # Many layouts (odd bodies, fuzzing): start again, so that the
            # layouts in use get their builders back at their next sightings.
            self.builders.clear()
        builder = self._compile(keys)
        self.builders[keys] = builder
        return builder

    def _compile(self, keys: tuple[Any, ...]) -> Builder | None:
        if not all(type(key) is str for key in keys) or sum(map(len, keys)) > _MAX_LAYOUT_CHARS:
            return None
        if (
            len(keys) == 1
            and norm_key(keys[0]) in _WRAPPERS
            and norm_key(keys[0]) not in self._own_keys
        ):
            return None
        mapped: dict[str, int] = {}  # field name -> index of its key
        extra: list[int] = []
        for index, key in enumerate(keys):
            field = self._by_key.get(norm_key(key))
            if field is None:
                extra.append(index)
            elif field.name in mapped:
                return None
            else:
                mapped[field.name] = index
        if self._strict and extra:
            return None
        if any(f.default is attrs.NOTHING and f.name not in mapped for f in self._fields):
            return None
        namespace: dict[str, Any] = {
            "_Fallback": _Fallback,
            "_fromisoformat": datetime.fromisoformat,
        }
        lines = ["def build(value, keys):"]
        if keys:
            lines.append(f"    {', '.join(f'v{i}' for i in range(len(keys)))}, = value.values()")
        fields = {f.name: f for f in self._fields}
        for name, i in mapped.items():
            field = fields[name]
            if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
                return None
            hook, type_, keeps = _fast_hook(self._converter, field.type)
            namespace.update({f"hook_{i}": hook, f"type_{i}": type_, f"absent_{i}": field.default})
            empty = f"v{i} is None" if name in self._text_fields else f'v{i} is None or v{i} == ""'
            steps = [f"if {empty}:"]
            if hook is _structure_datetime:  # plain ISO text first: it is the usual
                plain = _plain_iso_test(f"v{i}", namespace)
                steps = [
                    f"if type(v{i}) is str and {plain}:",
                    f"    v{i} = _fromisoformat(v{i})",
                    f"elif {empty}:",
                ]
            if field.default is attrs.NOTHING:
                steps.append("    raise _Fallback")
            else:
                steps.append(f"    v{i} = absent_{i}")
            steps += ["else:", f"    v{i} = hook_{i}(v{i}, type_{i})"]
            if keeps is not None:
                namespace[f"keeps_{i}"] = keeps
                lines.append(f"    if type(v{i}) is not keeps_{i}:")
                lines += [f"        {step}" for step in steps]
            else:
                lines += [f"    {step}" for step in steps]
        given = {name: f"v{i}" for name, i in mapped.items()}
        given["extra"] = "{" + ", ".join(f"keys[{i}]: v{i}" for i in extra) + "}"
        given["raw"] = "value"
        lines += _construction(self._cls, given, namespace)
        builder: Builder = _compile_function(f"build {self._cls.__name__}", lines, namespace)
        return builder


_WRAPPERS: Final = frozenset({"data", "result", "response", "value", "item"})


def _unwrap_object(value: Any, own_keys: frozenset[str]) -> Any:
    """``{"Data": {...}}`` -> ``{...}`` when the one key is a wrapper, not a field."""
    if isinstance(value, Mapping) and len(value) == 1:
        [(key, inner)] = value.items()
        wrapper = (
            isinstance(key, str) and norm_key(key) in _WRAPPERS and norm_key(key) not in own_keys
        )
        if wrapper and isinstance(inner, Mapping | list):
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
        for key, item in value.items():
            wrapper = isinstance(key, str) and norm_key(key) in ("settings", "values", "data")
            if wrapper and isinstance(item, list | Mapping):
                return _settings_values(item)
        return dict(value)
    if isinstance(value, list):
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
    raise ValueError(f"expected settings as an object or a list, got {_short(value)}")


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
