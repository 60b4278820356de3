"""Frozen, slotted value records whose fields live in one tuple: what results are made of.

A calculation builds one result and one dispensing record. attrs' frozen classes parse keyword
arguments and set each field through ``object.__setattr__``: about 1.5 us for twelve fields,
a sixth of a whole calculation. A record stores one tuple, built positionally by the private
``_of`` (about 0.3 us); the public constructor still takes keywords only, fields are read
through properties, and every instance runs its ``__post_init__`` check however it is made
(``_of``, the constructor, or unpickling).

>>> class Point(Record):
...     __slots__ = ()
...     x: float
...     y: float = 0.0
>>> Point(x=1.0)
Point(x=1.0, y=0.0)
>>> Point._of(1.0, 2.0) == Point(x=1.0, y=2.0)
True
>>> Point(x=1.0).x = 2.0
Traceback (most recent call last):
attr.exceptions.FrozenInstanceError: can't set attribute
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform

import attrs
from attrs.exceptions import FrozenInstanceError

_NO_DEFAULT: Any = object()
_R = TypeVar("_R", bound="Record")


class _Field:
    __slots__ = ("default", "eq")

    def __init__(self, default: Any, eq: bool) -> None:
        self.default, self.eq = default, eq


def field(*, default: Any = _NO_DEFAULT, eq: bool = True) -> Any:
    """A field left out of equality and hashing (``eq=False``), with or without a default."""
    return _Field(default, eq)


def _rebuild(cls: type[_R], values: tuple[Any, ...]) -> _R:
    return cls._of(*values)  # unpickling checks the values again


_set = object.__setattr__
_new = object.__new__


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class Record:
    """Base of the records: subclasses declare ``__slots__ = ()`` and annotated fields."""

    __slots__ = ("_v",)
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[int, ...]] = ()
    _specs: ClassVar[dict[str, _Field]] = {}
    _v: tuple[Any, ...]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        specs = dict(cls._specs)
        own = {n: str(a) for n, a in inspect.get_annotations(cls).items()
               if not str(a).startswith(("ClassVar", "typing.ClassVar"))}
        for name in own:
            value = cls.__dict__.get(name, _NO_DEFAULT)
            specs[name] = value if isinstance(value, _Field) else _Field(value, True)
            if name not in fields:
                fields.append(name)
        cls._fields = tuple(fields)
        cls._specs = specs
        cls._compared = tuple(i for i, n in enumerate(fields) if specs[n].eq)
        for index, name in enumerate(fields):
            if name in own:  # a base class's field keeps the base's reader
                setattr(cls, name, property(_reader(index, name, own[name])))
        setattr(cls, "__init__", _make_init(cls.__qualname__, fields, specs))  # noqa: B010

    @classmethod
    def _of(cls: type[_R], *values: Any) -> _R:
        """Every field's value, in declaration order (base class first): the fast path."""
        if len(values) != len(cls._fields):
            raise ValueError(f"{cls.__name__} takes {len(cls._fields)} values, got {len(values)}")
        made = _new(cls)
        _set(made, "_v", values)
        made.__post_init__()
        return made

    @classmethod
    def _getter(cls, *names: str) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """Reads ``names`` from a record's values by name, in one C call (for a check that runs
        on every record); a subclass's own fields come after its base's, so it reads them too."""
        return operator.itemgetter(*(cls._fields.index(name) for name in names))

    def _evolve(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` (by field name), checked as any new record is."""
        values = dict(zip(self._fields, self._v, strict=True))
        unknown = set(changes) - set(values)
        if unknown:
            raise ValueError(f"{self.__class__.__name__} has no field {', '.join(sorted(unknown))}")
        values.update(changes)
        return self._of(*values.values())

    def __post_init__(self) -> None:
        """Check the values; a subclass refuses what it cannot stand behind."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError()

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError()

    def _key(self) -> tuple[Any, ...]:
        values = self._v
        return tuple(values[i] for i in self._compared)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._key()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.__class__, self._v))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self._v, strict=True))
        return f"{self.__class__.__name__}({shown})"


def _reader(index: int, name: str, annotation: str) -> Any:
    def read(self: Record) -> Any:
        return self._v[index]

    read.__name__ = read.__qualname__ = name
    read.__annotations__ = {"return": annotation}  # what the docs show as the field's type
    return read


def _make_init(owner: str, fields: list[str], specs: dict[str, _Field]) -> Any:
    """``__init__(self, *, field=default, ...)``: keywords only, by name."""
    params, values, defaults = [], [], {}
    for name in fields:
        spec = specs[name]
        if spec.default is _NO_DEFAULT:
            params.append(name)
        else:
            defaults[f"_d_{name}"] = spec.default
            params.append(f"{name}=_d_{name}")
        values.append(name)
    source = (
        f"def __init__(self, *, {', '.join(params)}):\n"
        f"    _set(self, '_v', ({', '.join(values)},))\n"
        "    self.__post_init__()\n"
    )
    namespace: dict[str, Any] = {"_set": _set, **defaults}
    exec(compile(source, f"<record {owner}.__init__>", "exec"), namespace)
    return namespace["__init__"]


_T = TypeVar("_T")


def keyword_maker(cls: type[_T]) -> Callable[..., _T]:
    """A keyword-only constructor of the frozen, slotted attrs class ``cls`` taking every field
    (by its ``alias``, no defaults), set through the slots' own setters a line per field, as
    attrs writes its ``__init__`` (without its bound setter per field: half the time). No
    validator, converter or ``__attrs_post_init__`` runs, so it refuses a class that has any:
    for values the caller made and checked itself, on a hot path (a screen makes a verdict and
    several findings per order)."""
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__attrs_post_init__") or any(
            field.validator is not None or field.converter is not None for field in fields):
        raise TypeError(f"{cls.__name__} checks its values: use its constructor")
    setters = {f"_set_{i}_": getattr(cls, field.name).__set__ for i, field in enumerate(fields)}
    lines = "".join(f"    _set_{i}_(_made_, {field.alias})\n" for i, field in enumerate(fields))
    source = (f"def made(*, {', '.join(field.alias for field in fields)}):\n"
              f"    _made_ = _new_(_cls_)\n{lines}    return _made_\n")
    namespace: dict[str, Any] = {"_new_": _new, "_cls_": cls, **setters}
    exec(compile(source, f"<keyword_maker {cls.__qualname__}>", "exec"), namespace)
    made: Callable[..., _T] = namespace["made"]
    return made
