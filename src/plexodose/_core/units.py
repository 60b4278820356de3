"""Units at the boundary: turn what the caller typed into a float in one canonical unit.

Everything inside plexodose computes on floats; this module is the only door in. A value
arrives as a pint Quantity (from the application registry or any other registry) or as a
string such as ``"72 kg"``; a bare number is refused, because its unit is a guess.

Conversion factors are cached per (registry, unit), so the common case costs a dictionary
look-up and a multiplication instead of a pint conversion. Strings of the plain form
"number unit" skip pint's expression parser; anything else goes through pint itself.
"""

from __future__ import annotations

import decimal
import itertools
import math
import numbers
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeAlias, TypeVar

import attrs

from plexodose._core import format as _format
from plexodose._core import ucum as _ucum
from plexodose._core.errors import InputRangeError, PlexodoseError, UnitError, safe_repr, safe_str

if TYPE_CHECKING:
    import pint
    import pint.registry  # its Quantity is the class both checkers read the magnitude of


def _pint() -> Any:
    """pint, imported on first need: a dose read from plain text in the common units never needs
    it (the command line answers without it), and nothing else changes when it loads."""
    import pint

    return pint


CACHE_ENV = "PLEXODOSE_PINT_CACHE"
"""Set to ``off`` to build pint's default registry without its disk cache."""


def _cache_folder() -> Path | None:
    """pint's own cache folder when it can be written, else None (no cache)."""
    if os.environ.get(CACHE_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    try:
        import platformdirs  # pint's own dependency, where ":auto:" puts its cache

        folder = Path(platformdirs.user_cache_path(appname="pint", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return folder if os.access(folder, os.W_OK) else None
    except Exception:  # any trouble with the cache means no cache, never no plexodose
        return None


def _pristine() -> Any:
    """pint's own default application registry while nobody has set or built one, else None."""
    pint = _pint()
    current = pint.get_application_registry().get()
    untouched = type(current) is pint.registry.LazyRegistry  # not built (a built one changes type)
    return current if untouched and current.__dict__.get("params") == ((), {}) else None


_PINT_DEFAULT: Any = None  # pint's untouched default, as found when pint was first needed
_DEFAULT_BUILT: Any = None  # the same registry as plexodose built it (with pint's disk cache)


def _cached_registry() -> Any:
    """pint's default registry built with its disk cache (its parsed definition files), or
    None: no cache folder, or any failure (a cache file cut short by a crash, a race with
    another process writing it), after which pint builds its default as always."""
    folder = _cache_folder()
    if folder is None:
        return None
    try:
        # what pint's lazy default builds (on_redefinition="raise"), with the cache
        return _pint().UnitRegistry(cache_folder=folder, on_redefinition="raise")
    except Exception:
        return None


def _first_registry() -> Any:
    """The registry in force, on the first call: pint's untouched default registry (only that:
    a registry the host set, or one already built, is left alone) is replaced by the same
    registry built with pint's disk cache, which cuts its build from about 150 ms to 25 ms."""
    global _current, _DEFAULT_BUILT
    with _FIRST:  # one build, even when threads make their first dose together
        if _current is _first_registry:
            application = _application()
            if _PINT_DEFAULT is not None and _pristine() is _PINT_DEFAULT:
                built = _cached_registry()
                if built is not None:
                    _pint().set_application_registry(built)
                    _DEFAULT_BUILT = built
            _current = application.get
    return _current()


def _application() -> Any:
    """pint's application registry (the shared handle; ``.get()`` is the registry in force)."""
    global _PINT_DEFAULT
    if "pint" not in sys.modules or (_PINT_DEFAULT is None and _current is _first_registry):  # the first time pint loads: remember its untouched default
        _PINT_DEFAULT = _pristine()
    return _pint().get_application_registry()


def _defaults_in_force() -> bool:
    """Whether text is read with pint's own default definitions, which nobody can have changed:
    pint not loaded yet, its untouched default not built yet, or that default as plexodose
    built it (redefinitions raise there). Any other registry, a host's included: False."""
    if "pint" not in sys.modules:
        return True
    if _current is _first_registry:
        return _pristine() is not None
    return _DEFAULT_BUILT is not None and _current() is _DEFAULT_BUILT


_FIRST = threading.Lock()
_current: Any = _first_registry


def __getattr__(name: str) -> Any:
    if name == "Q_":  # built on first use, from the registry in force then
        return registry().Quantity
    if name == "ureg":  # pint's application registry, loaded on first use
        return _application()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

CREATININE_MOLAR_MASS_G_PER_MOL = 113.12  # the dosing reference: 1 mg/dL = 88.4 umol/L


@attrs.frozen
class Dimension:
    """A kind of input: its canonical unit and the example shown when the input is wrong."""

    name: str
    canonical: str
    example: str
    molar_mass_g_per_mol: float | None = None


MASS = Dimension("mass", "kg", '"72 kg"')
DOSE_MASS = Dimension("mass", "mg", '"500 mg"')
LENGTH = Dimension("length", "cm", '"175 cm"')
CREATININE = Dimension(
    "creatinine concentration",
    "mg/dL",
    '"0.9 mg/dL" or "80 umol/L"',
    molar_mass_g_per_mol=CREATININE_MOLAR_MASS_G_PER_MOL,
)
CELL_COUNT = Dimension("cell count per volume", "1/uL", '"3500 /uL" or "3.5e9 /L"')
AREA = Dimension("area", "m**2", '"2 m**2"')
AGE = Dimension("time", "year", '60 or "60 year"')

# What a quantity string may be: a number, then a unit made of unit words joined by "*", "/"
# or a space, each with an optional small whole power ("2 m**2", "80 umol / L", "3.5e9 /L").
# Nothing else reaches pint: its parser evaluates arithmetic, and fuzzing found expressions
# ("9**9**9 kg", "0 k**nan*mg/dL - 10") that it computes or searches for minutes.
# ASCII digits only, and (re.ASCII) no case folding of look-alike letters: the Kelvin sign and
# Greek capital Mu must never read as "k" and "u".
_NUMBER = r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf(?:inity)?)"
_UNIT_TERM = r"[A-Za-zµμΩ_]+(?:\s*(?:\*\*|\^)\s*-?[0-9]{1,2})?"
_UNIT = rf"(?:(?:1\s*)?/\s*)?{_UNIT_TERM}(?:\s*[*/]\s*{_UNIT_TERM}|\s+{_UNIT_TERM})*"
_QUANTITY_TEXT = re.compile(rf"\s*({_NUMBER})\s*({_UNIT})\s*", re.IGNORECASE | re.ASCII)
MAX_TEXT_LENGTH = 100

_T = TypeVar("_T")
FACTOR_CACHE_SIZE = 2048  # unit spellings remembered; bounded so free text cannot grow memory


class BoundedCache:
    """A dict that forgets its oldest entries past ``size``: memory stays bounded whatever
    the callers type. Reads are lock-free; writes take a lock so eviction never races."""

    __slots__ = ("_data", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._data: dict[Any, Any] = {}
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        return self._data.get(key)

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            if len(self._data) >= self._size:
                # The oldest eighth at once: finding the oldest walks past the holes that
                # earlier evictions left at the dict's front, so one at a time costs a walk
                # per put (microseconds once full); a batch costs one walk per size/8 puts.
                for old in list(itertools.islice(self._data, self._size // 8 or 1)):
                    self._data.pop(old, None)
            self._data[key] = value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def read_per_spelling(memo: BoundedCache, text: str, read: Callable[[str], _T]) -> _T:
    """``read(text)``, kept in ``memo`` per spelling and per unit registry reading it (as
    :func:`reader` names it): a host's registry never gets a figure read with another. A
    refusal raises from ``read`` and is not kept, so each names the field that read it."""
    key = (text, reader())
    known: _T | None = memo._data.get(key)
    if known is None:
        known = read(text)
        memo.put(key, known)
    return known


# (registry, canonical unit, unit text) -> factor to the canonical unit
_factors = BoundedCache(FACTOR_CACHE_SIZE)
# (registry, unit word) -> (factor to root units, root units as sorted (name, power) pairs)
_words = BoundedCache(FACTOR_CACHE_SIZE)
_result_units = BoundedCache(64)
# (registry, canonical unit, unit word) -> (scale, factor ratio) for the form "number word"
_simple = BoundedCache(FACTOR_CACHE_SIZE)
_simple_get = _simple._data.get
_SIMPLE_NUMBER = re.compile(_NUMBER, re.IGNORECASE | re.ASCII)

# (canonical unit, unit word) -> factor, for "number word" read with pint's own definitions.
# Exact decimal factors, each the very figure pint's reading gives (tests/core/test_units.py checks
# every entry against it): with these, a dose typed in the common units needs no pint at all.
COMMON_WORDS: dict[tuple[str, str], float] = {
    **{("kg", w): 1.0 for w in ("kg", "kilogram", "kilograms")},
    **{("kg", w): 0.001 for w in ("g", "gram", "grams")},
    **{("kg", w): 0.45359237 for w in ("lb", "lbs", "pound", "pounds")},
    **{("kg", w): 1.0 for w in ("kilo", "kilos")},  # read as kilograms: see _WORD_ALIASES
    **{("kg", w): 6.35029318 for w in ("st", "stone")},  # 14 x 0.45359237
    **{("cm", w): 1.0 for w in ("cm", "centimeter", "centimeters", "centimetre", "centimetres")},
    **{("cm", w): 100.0 for w in ("m", "meter", "meters", "metre", "metres")},
    **{("cm", w): 2.54 for w in ("in", "inch", "inches")},
    **{("cm", w): 30.48 for w in ("ft", "foot", "feet")},
    ("mg/dL", "mg/dL"): 1.0,
    ("mg/dL", "umol/L"): 0.011312,  # x 113.12 g/mol / 10,000
    ("mg/dL", "µmol/L"): 0.011312,
    ("mg/dL", "μmol/L"): 0.011312,
    ("mg", "mg"): 1.0,
    ("mg", "g"): 1000.0,
    ("1/uL", "/uL"): 1.0,
    ("m**2", "m2"): 1.0,
}
_result_unit_get = _result_units._data.get  # the lock-free read, without a method call

Quantity: TypeAlias = "pint.registry.Quantity[float]"
"""The type of every quantity plexodose hands out (a pint Quantity)."""
QuantityInput: TypeAlias = "str | pint.registry.Quantity[Any]"
"""What a quantity parameter accepts: a pint Quantity or a string such as ``"72 kg"``."""


class Canonical(float):
    """A float already checked and converted to its canonical unit: what a ``Patient`` stores,
    so that ``attrs.evolve`` can hand a value back to the constructor, which refuses every other
    bare number. One subclass per unit, so a value of one kind is never read as another (a
    creatinine in mg/dL passed as a weight is refused as a bare number).

    It keeps the text it was read from (:attr:`typed`), so a result can echo what was typed:
    the text travels with its own value, and a value replaced (``attrs.evolve``) brings its own
    text or none. Equality and hashing are the float's.

    >>> w = Kilograms.read(71.66759446, "11 st 4 lb")
    >>> w == 71.66759446, w.typed, w.echo()
    (True, '11 st 4 lb', '11 st 4 lb (71.668 kg)')
    >>> Kilograms(72.0).echo()
    '72 kg'
    """

    __slots__ = ("_echo", "_typed")
    unit: ClassVar[str] = ""

    @classmethod
    def read(cls, value: float, typed: str | None) -> Self:
        """``value`` with the text it was read from (None: not typed, such as a Quantity)."""
        made = cls(value)
        if typed is not None:
            _set_slot(made, "_typed", typed)
        return made

    @property
    def typed(self) -> str | None:
        """The text this value was read from, whitespace collapsed; None when it was not text."""
        return getattr(self, "_typed", None)

    def echo(self) -> str:
        """What was typed, with the canonical value beside it when the reading changed the
        number ("80 umol/L (0.905 mg/dL)"); the canonical value alone when nothing was typed."""
        shown: str | None = getattr(self, "_echo", None)
        if shown is None:
            shown = _echo(float(self), self.unit, self.typed)
            _set_slot(self, "_echo", shown)  # a cache of a pure function of the value and text
        return shown

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_canonical_of, (type(self), float(self), self.typed))


def _canonical_of(cls: type[Canonical], value: float, typed: str | None) -> Canonical:
    return cls.read(value, typed)


_set_slot = object.__setattr__  # the slots' own setter, past Canonical's refusal
_LEADING_NUMBER = re.compile(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?![0-9.eE])", re.ASCII)


def _echo(value: float, unit_word: str, typed: str | None) -> str:
    # 3 decimals, as Labs writes its values: 0.90496 mg/dL is "0.905 mg/dL"
    canonical = f"{_format.number(value, 3)} {unit_word}"
    if typed is None:
        return canonical
    lead = _LEADING_NUMBER.match(typed)
    if lead is not None and float(lead.group(1)) == value:
        return typed  # read without conversion ("72 kg", "72 kilos"): nothing to add
    return f"{typed} ({canonical})"


class Kilograms(Canonical):
    __slots__ = ()
    unit = "kg"


class Centimetres(Canonical):
    __slots__ = ()
    unit = "cm"


class MgPerDl(Canonical):
    __slots__ = ()
    unit = "mg/dL"


def registry() -> Any:
    """The registry in force now (a host app may have replaced the application registry)."""
    return _current()


def unit(name: str) -> Any:
    """A cached Unit object of the current registry, for building result quantities."""
    return _result_unit(registry(), name)[0]


def quantity(value: float, unit_name: str) -> Quantity:
    """A fresh result Quantity of the current registry, built at the edge.

    >>> quantity(28.8, "g/day")
    <Quantity(28.8, 'gram / day')>
    """
    reg = _current()
    found = _result_unit_get((reg, unit_name))
    if found is None:
        found = _result_unit(reg, unit_name)
    unit_object, quantity_class, fast = found
    if fast:
        # What pint's constructor ends up storing, without its type dispatch (~0.2 vs ~2.4 us).
        made = object.__new__(quantity_class)
        made._magnitude = value
        made._units = unit_object._units
        return made  # type: ignore[no-any-return]
    return quantity_class(value, unit_object)  # type: ignore[no-any-return]


def _result_unit(reg: Any, name: str) -> tuple[Any, Any, bool]:
    unit_object = _standard_bsa_unit(reg) if name == "mL/min/1.73 m**2" else reg.Unit(name)
    reference = reg.Quantity(1.0, unit_object)
    # Take the short cut only where it builds exactly what the constructor builds.
    fast = (
        set(vars(reference)) == {"_magnitude", "_units"}
        and not getattr(reg, "force_ndarray", False)
        and not getattr(reg, "force_ndarray_like", False)
    )
    found = (unit_object, reg.Quantity, fast)
    _result_units.put((reg, name), found)
    return found


def _standard_bsa_unit(reg: Any) -> Any:
    # eGFR is per 1.73 m^2 of body surface; pint has no such unit, so define one once.
    if "standard_body_surface" not in reg:
        reg.define("standard_body_surface = 1.73 * meter ** 2 = _1_73m2")
    return reg.Unit("mL/min/standard_body_surface")


def to_float(value: Any, field: str, dim: Dimension) -> float:
    """The value in ``dim.canonical`` as a finite float; a UnitError names what to type instead.

    >>> round(to_float("158 lb", "weight", MASS), 4)  # 158 * 0.45359237
    71.6676
    >>> round(to_float("80 umol/L", "serum_creatinine", CREATININE), 5)  # 80 * 113.12 / 10,000
    0.90496
    >>> to_float(72, "weight", MASS)
    Traceback (most recent call last):
    ...
    plexodose.UnitError: weight needs a unit: type "72 kg" (a string) or plexodose.Q_(72, 'kg'), not the bare number 72
    """
    pint = sys.modules.get("pint")  # never imported: nothing can be a pint Quantity
    if isinstance(value, str):  # read as plain text: a str subclass's own methods never run
        result = _from_string(str.__str__(value), field, dim)
    elif pint is not None and isinstance(value, pint.Quantity):
        result = _from_quantity(value, field, dim)
    elif _is_bare_number(value):
        raise UnitError(
            f'{field} needs a unit: type "{_plain(value)} {dim.canonical}" (a string) or '
            f"plexodose.Q_({_plain(value)}, '{dim.canonical}'), not the bare number {_plain(value)}",
            field=field,
            value=value,
        )
    else:
        raise UnitError(
            f"{field} must be {_article(dim.name)} {dim.name} such as {dim.example} or a pint Quantity; "
            f"got {type(value).__name__} {safe_repr(value)}",
            field=field,
            value=value,
        )
    return finite(result, field, value)


def reader() -> Any:
    """What text is read with now: None for pint's own default definitions (as
    ``_defaults_in_force`` finds them, where the table of common words may read it), else the
    registry in force, so a host's registry never sees a reading made with another."""
    if _current is not _first_registry:  # the common case, pint loaded
        reg = _current()
        return None if reg is _DEFAULT_BUILT else reg
    if "pint" not in sys.modules or _pristine() is not None:
        return None
    return _current()


def finite(result: float, field: str, given: Any) -> float:
    if not math.isfinite(result):
        raise InputRangeError(
            f"{field} must be a finite number; got {safe_repr(given)}", field=field, value=given
        )
    return result


def _is_bare_number(value: Any) -> bool:
    return isinstance(value, (numbers.Number, decimal.Decimal)) and not isinstance(value, bool)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _is_real(value: Any) -> bool:
    return _is_bare_number(value) and (
        isinstance(value, (numbers.Real, decimal.Decimal)) or not isinstance(value, numbers.Complex)
    )


def _plain(value: Any) -> str:
    try:
        return format(float(value), "g")
    except Exception:  # the message must be written whatever the number type does
        return safe_repr(value)


def _from_string(text: str, field: str, dim: Dimension) -> float:
    # The common form "number unit" (one space-free word each) is read from a memo of the unit
    # word, filled only by a word the full reading below accepted in that form: the full reading
    # of "N U" depends on U alone once N is a plain number, so the memo gives its very figure.
    # ASCII only, as the full reading: str.split() also splits at a no-break space, which the
    # full pattern refuses (the quick path took "72\xa0kg" once the word's memo was filled).
    parts = text.split() if len(text) <= MAX_TEXT_LENGTH and text.isascii() else []
    simple = len(parts) == 2 and _SIMPLE_NUMBER.fullmatch(parts[0]) is not None
    if simple:
        common = COMMON_WORDS.get((dim.canonical, parts[1]))
        if common is not None and _defaults_in_force():
            return float(parts[0]) * common
        known = _simple_get((_current(), dim.canonical, parts[1]))
        if known is not None:
            return float(parts[0]) * known[0] * known[1] / known[2]  # type: ignore[no-any-return]
    reg = _current()
    ucum = _ucum.parse(text, field, dim.example)  # UCUM codes ("180 [lb_av]") by their table
    scale = 1.0
    if ucum is not None:
        number, unit_text = ucum
        entry = _ucum.TABLE.get(parts[1]) if len(parts) == 2 else None
        scale = 1.0 if entry is None else entry.scale
    else:
        match = _QUANTITY_TEXT.fullmatch(text) if len(text) <= MAX_TEXT_LENGTH else None
        if match is None:
            compound = _compound(text, field, dim) if len(text) <= MAX_TEXT_LENGTH else None
            if compound is not None:
                return compound
            raise UnitError(
                f"{field} must be a number followed by a unit, such as {dim.example}; "
                f"got {safe_repr(text)}",
                field=field,
                value=text,
            )
        number_text, unit_text = match.groups()
        number = float(number_text)
    key = (reg, dim.canonical, unit_text)
    factor: tuple[float, float] | None = _factors.get(key)
    if factor is None:
        factor = _factor(reg, _terms(unit_text), field, dim, text)
        _factors.put(key, factor)
    if simple and (ucum is None or parts[1] in _ucum.TABLE):  # the two ways "N U" is read
        _simple.put((reg, dim.canonical, parts[1]), (scale, *factor))
    return number * factor[0] / factor[1]


# Compound forms people type: "5 ft 7 in", "11 st 4 lb", 5'9" (5' 9", 5'9, 5'9'') and 5'.
# Matched by these patterns alone (ASCII, bounded); each part is then read as "number unit" by
# the reading above, its guards included, so a part reaches pint as one unit word at most.
_PART = r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+"
_COMPOUND_TEXT = re.compile(
    rf"\s*({_PART})\s*([A-Za-z]+)\s*,?\s*({_PART})\s*([A-Za-z]+)\s*", re.ASCII
)
_FEET_INCHES = re.compile(rf"\s*([0-9]+)\s*'\s*(?:({_PART})\s*(?:\"|'')?)?\s*", re.ASCII)
_SMALLER = {"ft": "in", "foot": "in", "feet": "in", "st": "lb", "stone": "lb", "m": "cm"}
_NO_LAST_UNIT = re.compile(rf"\s*({_PART})\s*([A-Za-z]+)\s*,?\s*({_PART})\s*", re.ASCII)


def _compound(text: str, field: str, dim: Dimension) -> float | None:
    """The value of a compound form (the sum of its parts), or None when ``text`` is not one.

    Only what people mean is read: the larger unit first, a whole number of it, and a rest
    below one of it; "5 ft 13 in" or "11 st 20 lb" is refused as a likely slip, never summed.
    """
    feet = _FEET_INCHES.fullmatch(text)
    if feet is not None:
        whole, rest = feet.groups()
        if rest is None:  # 5' is 5 ft
            return _part(f"{whole} ft", field, dim, text)
        parts = (whole, "ft", rest, "in")
    else:
        found = _COMPOUND_TEXT.fullmatch(text)
        if found is None:
            missing = _NO_LAST_UNIT.fullmatch(text)
            if missing is not None:
                whole, big, rest = missing.groups()
                small = _SMALLER.get(big, "<unit>")
                raise UnitError(
                    f"{field} {safe_repr(text)}: the last part needs its unit; type it such as "
                    f'"{whole} {big} {rest} {small}"',
                    field=field,
                    value=text,
                )
            return None
        parts = found.groups()  # type: ignore[assignment]
    whole, big, rest, small = parts
    if big == small or not float(whole).is_integer():
        raise UnitError(
            f"{field} {safe_repr(text)}: a compound is a whole number of the larger unit, then "
            'the rest in a smaller one, such as "5 ft 7 in" or "11 st 4 lb"',
            field=field,
            value=text,
        )
    first, second = _part(f"{whole} {big}", field, dim, text), _part(f"{rest} {small}", field, dim, text)
    one_big, one_small = _part(f"1 {big}", field, dim, text), _part(f"1 {small}", field, dim, text)
    if not one_big > one_small:
        raise UnitError(
            f"{field} {safe_repr(text)}: write the larger unit first ({big} is not larger than "
            f'{small}), such as "5 ft 7 in" or "11 st 4 lb"',
            field=field,
            value=text,
        )
    if settled(second) >= settled(one_big):
        raise InputRangeError(
            f"{field} {safe_repr(text)}: {rest} {small} is 1 {big} or more (1 {big} is "
            f"{one_big / one_small:.6g} {small}); the rest must be below 1 {big}: is it a typing "
            "slip?",
            field=field,
            value=text,
        )
    # Fifteen significant digits, as the unit factors: 11 st 4 lb is 71.66759446 kg, as 158 lb
    # is, not 71.66759446000001 (69.85322498000001 + 1.81436948 in floats).
    return float(f"{first + second:.15g}")


def _part(part: str, field: str, dim: Dimension, whole: str) -> float:
    """One part of a compound, read as any "number unit"; a refusal names the whole text."""
    try:
        return _from_string(part, field, dim)
    except PlexodoseError as exc:
        raise type(exc)(f"{exc} (in {safe_repr(whole)})", field=field, value=whole) from exc


_TERM = re.compile(r"\s*([*/])?\s*([A-Za-zµμΩ_]+)(?:\s*(?:\*\*|\^)\s*(-?[0-9]{1,2}))?")
MAX_TERMS = 8  # unit words in one unit: more is not a unit anyone types
FACTOR_RANGE = (1e-60, 1e60)  # a product of unit factors outside this is refused, never rounded


def _terms(unit_text: str) -> tuple[tuple[str, int], ...]:
    """("mg", 1), ("dL", -1) for "mg/dL": each unit word with its power, left to right as pint
    reads it (a "/" divides by the next word only; a space multiplies)."""
    text = unit_text.strip()
    if text.startswith("1"):
        text = text[1:]
    if text.lstrip().startswith("/"):
        text = text.lstrip()
    terms = []
    at = 0
    for found in _TERM.finditer(text):
        if found.start() != at:  # every character must belong to a term: nothing is skipped
            return ()
        sign, word, power = found.groups()
        terms.append((word, (-1 if sign == "/" else 1) * int(power or 1)))
        at = found.end()
    return tuple(terms) if at == len(text) and text.strip() else ()


def _from_quantity(q: Any, field: str, dim: Dimension, given: Any = None) -> float:
    shown = q if given is None else given
    magnitude = _scalar_magnitude(q, field, shown, dim)
    reg = registry()
    own = q._REGISTRY
    # Another registry's unit names are resolved in that registry, where they are defined.
    key = (reg, dim.canonical, own, q._units)
    factor: tuple[float, float] | None = _factors.get(key)
    if factor is None:
        terms = tuple((str(name), power) for name, power in q._units.items())
        factor = _factor(own, terms, field, dim, shown, canonical_registry=reg)
        _factors.put(key, factor)
    return magnitude * factor[0] / factor[1]


def _scalar_magnitude(q: Any, field: str, shown: Any, dim: Dimension) -> float:
    m = q.magnitude
    if type(m).__module__ == "numpy" and hasattr(m, "ndim") and hasattr(m, "dtype"):
        # A registry built with force_ndarray(_like) holds 72 kg as a 0-d array; a numpy scalar
        # (np.float32) is one number too. Either is read once here as a float; an array of
        # numbers is refused by name.
        if m.ndim != 0:
            raise UnitError(
                f"{field} must be a single real {dim.name} such as {dim.example}, not an array "
                f"(shape {m.shape}); got {safe_repr(shown)}",
                field=field,
                value=shown,
            )
        if m.dtype.kind not in "iuf":
            raise UnitError(
                f"{field} must be a single real {dim.name} such as {dim.example}; "
                f"got {safe_repr(shown)}",
                field=field,
                value=shown,
            )
        m = m.item()
    if isinstance(m, bool) or not _is_real(m):
        raise UnitError(
            f"{field} must be a single real {dim.name} such as {dim.example}; got {safe_repr(shown)}",
            field=field,
            value=shown,
        )
    return _as_float(m, field, shown)


# ISMP error-prone: "gr" (grain) is misread as gram; apothecary units have no place in a dose.
_REFUSED_UNITS = frozenset(
    {
        "grain",
        "dram",
        "scruple",
        "apothecary_dram",
        "apothecary_ounce",
        "apothecary_pound",
        "pennyweight",
        "troy_ounce",
        "troy_pound",
    }
)

Roots = tuple[tuple[str, float], ...]

# Words pint reads as something else, or not at all, read as what a person typing a weight
# means. pint reads "kilos" as kilo-seconds (a time: "72 kilos" was refused as one) and has no
# "st"; "kilo" is the everyday word for a kilogram, "st" the stone's abbreviation (UK weights).
# Every registry, a host's included, reads them so; the dimension check still refuses them
# where a mass does not belong.
_WORD_ALIASES = {"kilo": "kilogram", "kilos": "kilogram", "st": "stone"}


def _factor(
    reg: Any,
    terms: tuple[tuple[str, float], ...],
    field: str,
    dim: Dimension,
    shown: Any,
    canonical_registry: Any = None,
) -> tuple[float, float]:
    """(from, to): the factors of ``terms`` and of ``dim.canonical`` to pint's root units,
    multiplied out on floats from each word's own factor. Only single unit words reach pint,
    never the caller's whole text, so pint's caches cannot grow with what callers type."""
    factor, roots = _combine(reg, terms, field, dim, shown)
    target_reg = reg if canonical_registry is None else canonical_registry
    target, target_roots = _combine(
        target_reg, _terms(dim.canonical), dim.canonical, dim, dim.canonical
    )
    if dim.molar_mass_g_per_mol is not None and dict(roots) == _SUBSTANCE_PER_VOLUME:
        factor, roots = factor * dim.molar_mass_g_per_mol, _MASS_PER_VOLUME
    if dict(roots) != dict(target_roots):
        raise UnitError(
            f"{field} must be {_article(dim.name)} {dim.name} such as {dim.example}; got "
            f"{safe_str(shown)} ({_dimension_text(roots)})",
            field=field,
            value=shown,
        )
    # 15 significant digits: the exact decimal factors (453.59237 g, 0.001 m**3) without the
    # float noise of multiplying root factors (a litre is 0.0010000000000000002 m**3 in floats).
    # Kept as a ratio, applied as number x factor / target: 720 months is 60 years, exactly.
    ratio = (float(f"{factor:.15g}"), float(f"{target:.15g}"))
    if not all(math.isfinite(x) and x > 0 for x in ratio):
        raise UnitError(f"{field}: cannot convert {safe_str(shown)} to {dim.canonical}", field=field,
                        value=shown)
    short = float(f"{ratio[0] / ratio[1]:.12g}")  # 1, 0.45359237, 0.011312: a decimal factor
    if math.isclose(short, ratio[0] / ratio[1], rel_tol=1e-14):
        return short, 1.0
    return ratio


_SUBSTANCE_PER_VOLUME = {"mole": 1.0, "meter": -3.0}
_MASS_PER_VOLUME: Roots = (("gram", 1.0), ("meter", -3.0))


def _combine(
    reg: Any, terms: tuple[tuple[str, float], ...], field: str, dim: Dimension, shown: Any
) -> tuple[float, Roots]:
    factor = 1.0
    roots: dict[str, float] = {}
    low, high = FACTOR_RANGE
    if not terms or len(terms) > MAX_TERMS:
        raise UnitError(
            f"{field}: cannot read the unit in {safe_str(shown)}; type it as {dim.example}",
            field=field,
            value=shown,
        )
    for word, power in terms:
        word_factor, word_roots = _word(reg, word, field, dim, shown)
        try:
            factor *= word_factor**power
        except OverflowError:
            factor = math.inf
        if not low <= factor <= high:  # overflow, or a subnormal that lost its precision
            raise UnitError(
                f"{field}: the unit in {safe_str(shown)} is out of any plausible scale; type it as "
                f"{dim.example}",
                field=field,
                value=shown,
            )
        for name, exponent in word_roots:
            roots[name] = roots.get(name, 0.0) + exponent * power
    return factor, tuple(sorted((n, e) for n, e in roots.items() if e))


def _word(reg: Any, word: str, field: str, dim: Dimension, shown: Any) -> tuple[float, Roots]:
    key = (reg, word)
    found = _words.get(key)
    if found is None:
        found = _resolve_word(reg, word, field, dim, shown)
        _words.put(key, found)
    return found  # type: ignore[no-any-return]


def _resolve_word(reg: Any, word: str, field: str, dim: Dimension, shown: Any) -> tuple[float, Roots]:
    unreadable = UnitError(
        f"{field}: cannot read the unit {word!r} in {safe_str(shown)}; type it as {dim.example}",
        field=field,
        value=shown,
    )
    try:
        # parse_unit_name defines and caches nothing (get_name would define every prefixed
        # spelling as a new unit, for ever).
        candidates = reg.parse_unit_name(_WORD_ALIASES.get(word, word))
        if not candidates:
            raise unreadable
        prefix, name, _ = candidates[0]
        if name in _REFUSED_UNITS:
            raise UnitError(
                f"{field}: {safe_str(shown)} uses an apothecary unit ({name}), which is easily "
                f"misread; type it as {dim.example}",
                field=field,
                value=shown,
            )
        scale, root = reg.get_root_units(name)
        if scale is None:  # a non-multiplicative unit (an offset temperature)
            raise unreadable
        prefix_scale = float(reg._prefixes[prefix].converter.scale) if prefix else 1.0
        roots = tuple(sorted((str(n), float(p)) for n, p in root._units.items()))
        return float(scale) * prefix_scale, roots
    except PlexodoseError:
        raise
    except Exception as exc:  # pint raises many types for what it cannot read; none may escape
        raise unreadable from exc


_DIMENSIONS = {
    "gram": "[mass]",
    "meter": "[length]",
    "second": "[time]",
    "mole": "[substance]",
    "kelvin": "[temperature]",
    "ampere": "[current]",
    "candela": "[luminosity]",
}


def _dimension_text(roots: Roots) -> str:
    """Root units as pint writes dimensions ("[length] ** 2 / [time]"), for an error message."""
    if not roots:
        return "dimensionless"
    parts = []
    for name, power in roots:
        word = _DIMENSIONS.get(name, name)
        parts.append(word if power == 1 else f"{word} ** {power:g}")
    return " * ".join(parts)


def to_years(value: Any, field: str = "age") -> float:
    """Age: a plain number of years, or a time quantity such as ``"60 year"``.

    >>> to_years(60), to_years("720 month")
    (60.0, 60.0)
    """
    if _is_bare_number(value):
        return plain_number(value, field)
    return to_float(value, field, AGE)


SMALLEST_PLAIN = 1e-9
"""The smallest magnitude of a plain number other than zero: no dose, rate, fraction, count or
limit is below it, and below it a dose rounds to nothing and a quotient of doses can overflow
(1e-310 g/m2, a subnormal, is a pulse of 1.9e-307 mg, and its count of pulses to 36 g is
infinite). A huge magnitude is left to each parameter's own limit (a DoseRangeError)."""


def plain_number(value: Any, field: str) -> float:
    """A parameter whose name states its unit (``g_per_kg_day``): a plain finite number, zero or
    of a magnitude from :data:`SMALLEST_PLAIN` (a subnormal 1e-310 is refused by that range).

    >>> plain_number(0.4, "g_per_kg_day")
    0.4
    >>> plain_number("0.4", "g_per_kg_day")
    Traceback (most recent call last):
    ...
    plexodose.InputRangeError: g_per_kg_day must be a plain number such as 0.4 (its unit is in its name); got str '0.4'
    """
    kind = type(value)
    if kind is float and (SMALLEST_PLAIN <= abs(value) < math.inf or value == 0):
        return value  # type: ignore[no-any-return]  # the common case (NaN, inf fail)
    if kind is not float and kind is not int and not _is_real(value):
        raise InputRangeError(
            f"{field} must be a plain number such as 0.4 (its unit is in its name); "
            f"got {type(value).__name__} {safe_repr(value)}",
            field=field,
            value=value,
        )
    number = finite(_as_float(value, field), field, value)
    if (number != 0 or not _is_zero(value)) and abs(number) < SMALLEST_PLAIN:
        raise InputRangeError(
            f"{field} must be 0 or at least {SMALLEST_PLAIN:g} in magnitude (the smallest "
            f"plausible dose parameter); got {safe_repr(value)}",
            field=field,
            value=value,
        )
    return number


def _is_zero(value: Any) -> bool:
    """Whether a number read as 0.0 was zero (Decimal("1e-400") and Fraction(1, 10**400) are
    not: their float rounds them to nothing)."""
    if type(value) is float or type(value) is int:
        return value == 0
    try:
        return bool(value == 0)
    except Exception:  # a number type whose comparison fails: not known to be zero
        return False


def _as_float(value: Any, field: str, shown: Any = None) -> float:
    try:
        return float(value)
    except Exception as exc:  # huge ints, Decimal sNaN, a number type whose __float__ fails
        given = value if shown is None else shown
        raise InputRangeError(
            f"{field} must be a finite number; got {safe_repr(given)}", field=field, value=given
        ) from exc


def settled(value: float) -> float:
    """``value`` without unit-conversion noise, for comparing with a threshold: 67.5 kg at 150 cm
    is BMI 30 whether typed in kg or lb (30.000000000000007), and 30 is not above 30; "5 ft" is
    152.4 cm (152.39999999999998), not below 60 inches."""
    return round(value, 9)


def in_range(
    value: float, field: str, low: float, high: float, unit_text: str, given: Any
) -> float:
    """``value`` if ``low <= value <= high``, else an InputRangeError naming the range."""
    if not low <= value <= high:
        raise InputRangeError(
            f"{field} {safe_str(given)} is outside the plausible range "
            f"{low:g}-{high:g} {unit_text}".rstrip(),
            field=field,
            value=given,
        )
    return value
