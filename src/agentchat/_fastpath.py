"""The compiled fast path: builders that do what the exact path does, faster.

The items of a list nearly always share one layout (the same keys in the same
order), so each model compiles a builder per layout it meets more than once
(``_Layouts``), which does the per-key work (which field, which hook, what
counts as absent) once instead of per object, and makes the object through a
writable twin of its class (``_twin``) instead of calling the class. The
export's row loop (``_csv._compiled_rows_builder``) is built from the same
pieces (``_construction``, ``_compile_function``, ``_plain_iso_test``).

What it must agree with: the plain converter in ``_converters`` (the exact
per-key path, ``_ExactModel.structure``; the scalar hooks, which
``_IDENTITY_HOOKS`` says return a value of their own type unchanged; and
``_parse_date_text``, which hands plain ISO text to ``fromisoformat`` as
``_plain_iso_test`` assumes; and ``_structure_int``, which reads ASCII digits
text with ``int()`` as the builders do inline) and, for the row loop, ``_csv._Header.row``. A
builder decides only what it is sure of and raises for everything else
(errors included), and the caller then takes the exact path, so results and
error messages are the same either way.

How that is tested: ``make_converter(fast=False)`` has the exact path only, and
``tests/test_converters.py`` compares the two on generated objects for every
model, lenient and strict, alone and in lists
(``test_builders_give_what_the_exact_path_gives``,
``test_chat_lists_fast_and_exact``), and checks that every model gets a twin
and a class whose ``__init__`` does more gets none; ``tests/test_csv.py``
parses generated exports with the row loop and with ``_rows_builder`` patched
out, and compares; ``tests/test_properties.py`` and
``tests/reliability/test_fuzz.py`` send arbitrary and hostile bodies through
the fast converters; ``python -m benchmarks.parsing`` checks its results
against the exact path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from keyword import iskeyword
from typing import Any, Final, Generic

import attrs
import cattrs

from ._compat import cattrs_optional_inner, has_attrs_generated_init
from ._converters import (
    _is_wrapper_key,
    _structure_bool,
    _structure_datetime,
    _structure_float,
    _structure_int,
    _structure_str,
    norm_key,
)
from .models._base import Model

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
_DIGITS: Final = frozenset("0123456789")

Builder = Callable[[dict[Any, Any], tuple[Any, ...]], Model]
Hook = Callable[[Any, Any], Model]
BatchHook = Callable[[Sequence[Any]], list[Model]]


def _unseen(value: dict[Any, Any], keys: tuple[Any, ...]) -> Model:
    """The stand-in for a layout not seen yet (never called)."""
    raise AssertionError("not a builder")


class _Fallback(Exception):
    """Raised by a builder for a value it does not decide: the exact path does."""


# -- the hooks a model gets -------------------------------------------------------


def _layout_hooks(layouts: _Layouts, exact: Callable[[Any], Model]) -> tuple[Hook, BatchHook]:
    """A model's hook, which takes an object through its layout's builder when
    there is one and through ``exact`` otherwise (or when the builder raises),
    and its batch form for a list of objects (see ``_converters.Batches``)."""
    builders = layouts.builders

    def structure_model(value: Any, _: Any) -> Model:
        if type(value) is dict:
            keys = tuple(value)
            build = builders.get(keys, _unseen)
            if build is _unseen:
                build = layouts.sight(keys)
            if build is not None:
                try:
                    return build(value, keys)
                except Exception:  # noqa: BLE001, S110 - the exact path says what is wrong
                    pass
        return exact(value)

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

    return structure_model, structure_many


# -- the builders of one model ------------------------------------------------------


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
        """The builder for a layout, or ``None`` for one that gets none."""
        placed = self._place(keys) if self._may_compile(keys) else None
        if placed is None:
            return None
        mapped, extra = placed
        namespace: dict[str, Any] = {
            "_Fallback": _Fallback,
            "_fromisoformat": datetime.fromisoformat,
        }
        lines = ["def build(value, keys):"]
        if keys:
            lines.append(f"    {', '.join(f'v{i}' for i in range(len(keys)))}, = value.values()")
        fields = {f.name: f for f in self._fields}
        for name, i in mapped.items():
            steps = self._field_steps(fields[name], i, namespace)
            if steps is None:
                return None
            lines += steps
        given = {name: f"v{i}" for name, i in mapped.items()}
        given["extra"] = "{" + ", ".join(f"keys[{i}]: v{i}" for i in extra) + "}"
        given["raw"] = "value"
        lines += _construction(self._cls, given, namespace)
        builder: Builder = _compile_function(f"build {self._cls.__name__}", lines, namespace)
        return builder

    def _may_compile(self, keys: tuple[Any, ...]) -> bool:
        """Plain ``str`` keys, not too long in all, and not a lone key that the
        exact path would take for a wrapper."""
        if not all(type(key) is str for key in keys) or sum(map(len, keys)) > _MAX_LAYOUT_CHARS:
            return False
        return not (len(keys) == 1 and _is_wrapper_key(keys[0], self._own_keys))

    def _place(self, keys: tuple[str, ...]) -> tuple[dict[str, int], list[int]] | None:
        """Which key fills which field (field name -> index of its key) and the
        indexes of the keys kept in ``extra``; ``None`` when two keys fill one
        field, a strict converter meets unknown keys, or a required field has
        no key."""
        mapped: dict[str, int] = {}
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
        return mapped, extra

    def _field_steps(
        self, field: attrs.Attribute[Any], i: int, namespace: dict[str, Any]
    ) -> list[str] | None:
        """Source lines that turn ``v{i}`` into the value of ``field``, as the
        exact path would (``None`` for a field whose default is a factory)."""
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            return None
        hook, type_, keeps = _fast_hook(self._converter, field.type)
        namespace.update({f"hook_{i}": hook, f"type_{i}": type_, f"absent_{i}": field.default})
        text = field.name in self._text_fields
        empty = f"v{i} is None" if text else f'v{i} is None or v{i} == ""'
        steps = [f"if {empty}:"]
        if hook is _structure_datetime:  # plain ISO text first: it is the usual
            plain = _plain_iso_test(f"v{i}", namespace)
            steps = [
                f"if type(v{i}) is str and {plain}:",
                f"    v{i} = _fromisoformat(v{i})",
                f"elif {empty}:",
            ]
        elif hook is _structure_int:  # IDs come as digits text ("419"), as _structure_int reads it
            steps = [
                f"if type(v{i}) is str and v{i}.isdigit() and v{i}.isascii():",
                f"    v{i} = int(v{i})",
                f"elif {empty}:",
            ]
        if field.default is attrs.NOTHING:
            steps.append("    raise _Fallback")
        else:
            steps.append(f"    v{i} = absent_{i}")
        steps += ["else:", f"    v{i} = hook_{i}(v{i}, type_{i})"]
        if keeps is None:
            return [f"    {step}" for step in steps]
        namespace[f"keeps_{i}"] = keeps
        return [f"    if type(v{i}) is not keeps_{i}:", *(f"        {step}" for step in steps)]


def _fast_hook(
    converter: cattrs.Converter, type_: Any
) -> tuple[Callable[[Any, Any], Any], Any, type | None]:
    """The hook for a value that is not ``None``, the type to pass it, and the
    type whose values that hook returns unchanged (``None`` if none)."""
    hook = converter.get_structure_hook(type_)
    inner = cattrs_optional_inner(hook, type_)
    if inner is not None:
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


# -- making objects ------------------------------------------------------------------


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
    if not _subclassing_runs_no_code(cls) or not _init_only_fills_slots(cls):
        return None
    return _make_twin(cls)


def _subclassing_runs_no_code(cls: type) -> bool:
    """An attrs class whose subclass can be made without running any of its code."""
    if not attrs.has(cls) or type(cls) is not type:
        return False  # (a metaclass could do anything when the twin is made)
    if cls.__new__ is not object.__new__:
        return False
    # Making the twin would call an __init_subclass__ (Generic's only notes type parameters).
    return not any("__init_subclass__" in k.__dict__ for k in cls.__mro__[:-1] if k is not Generic)


def _init_only_fills_slots(cls: type) -> bool:
    """``cls(...)`` sets each field's slot to its argument or default, and nothing else."""
    if not has_attrs_generated_init(cls):
        return False
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return False
    fields = attrs.fields(cls)
    return _slots_are_fields(cls, fields) and all(map(_is_plain_field, fields))


def _slots_are_fields(cls: type, fields: Sequence[attrs.Attribute[Any]]) -> bool:
    """Instances have no ``__dict__``, and a slot for each field and no other
    (``__weakref__`` aside)."""
    if cls.__dictoffset__:
        return False  # its instances have a __dict__ too
    slots: set[str] = set()
    for klass in cls.__mro__[:-1]:
        declared = klass.__dict__.get("__slots__", ())  # () for C types (Generic on 3.12+)
        slots.update([declared] if isinstance(declared, str) else declared)
    return slots - {"__weakref__"} == {f.name for f in fields}


def _is_plain_field(field: attrs.Attribute[Any]) -> bool:
    """A field that ``__init__`` takes by its own name and stores as given: no
    validator, no converter, no default that takes ``self``."""
    if field.validator is not None or field.converter is not None or not field.init:
        return False
    if field.alias != field.name or not field.name.isidentifier() or iskeyword(field.name):
        return False
    return not (isinstance(field.default, attrs.Factory) and field.default.takes_self)  # type: ignore[arg-type,union-attr]


def _make_twin(cls: type) -> type | None:
    """The twin class, or ``None`` when the interpreter refuses the class swap."""
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
        for field in attrs.fields(cls):
            object.__setattr__(probe, field.name, None)
        probe.__class__ = cls
    except (TypeError, ValueError, AttributeError):  # layouts differ, slots clash
        return None
    return twin
