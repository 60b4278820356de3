"""The product catalogue: IVIg products and oral strengths. Data, extensible by the user.

>>> CATALOGUE.ivig("privigen").vial_sizes_g
(40.0, 20.0, 10.0, 5.0)
>>> CATALOGUE.register(IVIgProduct(name="My IVIg 10 %", vial_sizes_g=(5.0, 10.0),
...                                source=Source("label", "My IVIg label", "vials 5, 10 g")))
>>> CATALOGUE.ivig("my ivig 10 %").name
'My IVIg 10 %'
>>> CATALOGUE.unregister("My IVIg 10 %")
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from plexodose._core import sources as src
from plexodose._core import vocab
from plexodose._core.checks import checked_text
from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._core.units import plain_number
from plexodose._dosing.trace import positive

MIN_SIZE, MAX_SIZE = 0.01, 100_000.0  # plausibility of a strength (mg) or vial size (g)


def _sizes(values: Any, field: str) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InputRangeError(
            f"{field} must be a list of sizes such as (5, 10, 20); got {safe_repr(values)}",
            field=field,
            value=values,
        )
    sizes = {plain_number(v, field) for v in values}
    if any(not MIN_SIZE <= size <= MAX_SIZE for size in sizes):
        raise InputRangeError(
            f"{field} must each be from {MIN_SIZE:,g} to {MAX_SIZE:,g}; got {safe_repr(values)}",
            field=field,
            value=values,
        )
    return tuple(sorted(sizes, reverse=True))


def _vial_sizes(values: Any) -> tuple[float, ...]:
    return _sizes(values, "vial_sizes_g")


def _strengths(values: Any) -> tuple[float, ...]:
    return _sizes(values, "strengths_mg")


def _rate(value: Any, field: str) -> float | None:
    return None if value is None else positive(plain_number(value, field), field)


def _concentration(value: Any) -> float:
    field = "concentration_g_per_ml"
    given = plain_number(value, field)
    if not 0.01 <= given <= 0.3:  # IVIg comes at 5-20 %; "10" for 10 % would be 100 x off
        raise InputRangeError(
            f"{field} must be from 0.01 to 0.3 g/mL (10 % is 0.1); got {safe_repr(value)}",
            field=field,
            value=value,
        )
    return given


def _increments(values: Any) -> tuple[float, ...]:
    field = "rate_increments_mg_per_kg_min"
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InputRangeError(
            f"{field} must be a list of rates such as (1, 2); got {safe_repr(values)}",
            field=field,
            value=values,
        )
    return tuple(positive(plain_number(v, field), field) for v in values)


def _minutes_per_step(value: Any) -> float | None:
    return _rate(value, "minutes_per_rate_step")


def _initial_rate(value: Any) -> float | None:
    return _rate(value, "initial_rate_mg_per_kg_min")


def _max_rate(value: Any) -> float | None:
    return _rate(value, "max_rate_mg_per_kg_min")


def _at_risk_rate(value: Any) -> float | None:
    return _rate(value, "at_risk_max_rate_mg_per_kg_min")


def _text(value: Any) -> str:
    return checked_text(value, "name")


_ADDED_FIELDS: dict[str, Any] = {"at_risk_max_rate_mg_per_kg_min": None, "rate_row": ""}


@public
@attrs.frozen
class IVIgProduct:
    """An IVIg product: vial sizes (g), concentration and the label's infusion rates (mg/kg/min)."""

    name: str = attrs.field(converter=_text)
    vial_sizes_g: tuple[float, ...] = attrs.field(converter=_vial_sizes)
    source: Source
    concentration_g_per_ml: float = attrs.field(default=0.1, converter=_concentration)
    initial_rate_mg_per_kg_min: float | None = attrs.field(default=None, converter=_initial_rate)
    max_rate_mg_per_kg_min: float | None = attrs.field(default=None, converter=_max_rate)
    rate_increments_mg_per_kg_min: tuple[float, ...] = attrs.field(
        default=(), converter=_increments
    )
    """The label's rate steps after the start rate; none are in the reference for the built-in
    products, so their schedules give only the start and maximum rate."""
    minutes_per_rate_step: float | None = attrs.field(default=None, converter=_minutes_per_step)
    at_risk_max_rate_mg_per_kg_min: float | None = attrs.field(
        default=None, converter=_at_risk_rate
    )
    """The label's own maximum rate for patients at risk of thrombosis or renal dysfunction
    (Panzyga, Octagam 10 %: 3.3 mg/kg/min); None where the label says only "minimum
    practicable" (clinical rules (monitoring), IVIg safety)."""
    rate_row: str = attrs.field(default="", converter=str)
    """Which indication's row of the label the rates come from ("CIDP" by default for the
    built-in products: the closest labelled neurological indication; plexopathy is off-label)."""

    def __getattr__(self, name: str) -> Any:
        """A field added after 0.1.0, read from a product pickled by 0.1.0: its default."""
        if name in _ADDED_FIELDS:
            return _ADDED_FIELDS[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __attrs_post_init__(self) -> None:
        if bool(self.rate_increments_mg_per_kg_min) != (self.minutes_per_rate_step is not None):
            raise InputRangeError(
                "rate_increments_mg_per_kg_min and minutes_per_rate_step go together: give both "
                "or neither",
                field="minutes_per_rate_step",
                value=self.minutes_per_rate_step,
            )
        first, most = self.initial_rate_mg_per_kg_min, self.max_rate_mg_per_kg_min
        if first is not None and most is not None and first > most:
            raise InputRangeError(  # a pump never starts above the label's maximum
                f"initial_rate_mg_per_kg_min {first:g} is above max_rate_mg_per_kg_min {most:g}: "
                "a label's start rate is at most its maximum",
                field="initial_rate_mg_per_kg_min", value=first)


@public
@attrs.frozen
class OralProduct:
    """Strengths (mg) of one drug's solid oral forms that may be combined in one dose."""

    drug: str = attrs.field(converter=_text)
    name: str = attrs.field(converter=_text)
    form: str = attrs.field(converter=_text)
    strengths_mg: tuple[float, ...] = attrs.field(converter=_strengths)
    source: Source


Product = IVIgProduct | OralProduct


@attrs.frozen(eq=False)  # one snapshot is itself only: a cache key and a change token
class _Snapshot:
    """One immutable state of the catalogue: products by lower-case name, oral products by drug."""

    products: Mapping[str, Product]
    oral: Mapping[str, OralProduct]

    @classmethod
    def of(cls, products: dict[str, Product]) -> _Snapshot:
        oral: dict[str, OralProduct] = {}
        for product in products.values():
            if isinstance(product, OralProduct):
                oral[product.drug] = product  # the newest registration wins
        return cls(MappingProxyType(products), MappingProxyType(oral))


class Catalogue:
    """Products by name (case-insensitive); oral products also by drug.

    Copy-on-write: a change builds a new snapshot and swaps it in under a lock; a reader takes
    the current snapshot once, so a dose computed while another thread registers a product sees
    the catalogue wholly before or wholly after the change, never half-way.
    """

    def __init__(self, products: list[Product]) -> None:
        self._lock = threading.Lock()
        self._state = _Snapshot.of({})
        for product in products:
            self.register(product)

    def snapshot(self) -> object:
        """An opaque token of the catalogue as it is now: another after any register or
        remove (a result worked out later can tell whether the catalogue changed since)."""
        return self._state

    def register(self, product: Product) -> None:
        """Add or replace a product; the newest oral product of a drug is the one dispensed."""
        if not isinstance(product, (IVIgProduct, OralProduct)):
            raise InputRangeError(
                f"register takes an IVIgProduct or an OralProduct; got {type(product).__name__}",
                field="product",
                value=product,
            )
        key = product.name.lower()
        with self._lock:
            products = {k: p for k, p in self._state.products.items() if k != key}
            products[key] = product  # re-registering moves it to the end
            self._state = _Snapshot.of(products)

    def unregister(self, name: str) -> None:
        if not isinstance(name, str):
            raise InputRangeError(f"name must be a product name; got {safe_repr(name)}", field="name",
                                  value=name)
        with self._lock:
            products = dict(self._state.products)
            products.pop(name.lower(), None)
            self._state = _Snapshot.of(products)

    def names(self) -> list[str]:
        return [p.name for p in self._state.products.values()]

    def __repr__(self) -> str:
        """The products by kind, as a pharmacist looks them up.

        >>> print(repr(CATALOGUE).splitlines()[0])
        Catalogue: 5 IVIg products, 4 oral products
        """
        products = list(self._state.products.values())
        ivig = [p for p in products if isinstance(p, IVIgProduct)]
        oral = [p for p in products if isinstance(p, OralProduct)]
        lines = [f"Catalogue: {len(ivig)} IVIg products, {len(oral)} oral products"]
        lines += [f"  IVIg: {p.name}: vials of "
                  f"{', '.join(f'{v:g}' for v in sorted(p.vial_sizes_g))} g" for p in ivig]
        lines += [f"  oral: {p.name} ({p.drug}): "
                  f"{', '.join(f'{s:g}' for s in sorted(p.strengths_mg))} mg" for p in oral]
        return "\n".join(lines)

    def ivig(self, product: str | IVIgProduct) -> IVIgProduct:
        """An IVIg product by name, or the product itself."""
        if isinstance(product, IVIgProduct):
            return product
        state = self._state
        found = _find(state, product) if isinstance(product, str) else None
        if not isinstance(found, IVIgProduct):
            known = ", ".join(p.name for p in state.products.values() if isinstance(p, IVIgProduct))
            raise InputRangeError(
                f"product {safe_repr(product)} is not an IVIg product in the catalogue; known: {known}",
                field="product",
                value=product,
            )
        return found

    def oral(self, drug: str) -> OralProduct | None:
        """The newest oral product registered for ``drug``, if any."""
        return self._state.oral.get(drug)


def _find(state: _Snapshot, name: str) -> Product | None:
    """By full name, or by a prefix that names one product only ("privigen")."""
    key = name.strip().lower()
    if key in state.products:
        return state.products[key]
    matches = [p for k, p in state.products.items() if key and k.startswith(key)]
    return matches[0] if len(matches) == 1 else None


CATALOGUE = Catalogue(
    [
        # IVIg at 10 %: each product's CIDP row by default (clinical rules, IVIg, 2026-12-07).
        IVIgProduct(
            name=vocab.IVIG_PRODUCTS[0],  # Gamunex-C 10 %
            vial_sizes_g=(1, 2.5, 5, 10, 20, 40),
            source=src.GAMUNEX_LABEL,
            initial_rate_mg_per_kg_min=2,
            max_rate_mg_per_kg_min=8,
            rate_row="CIDP",
        ),
        IVIgProduct(
            name=vocab.IVIG_PRODUCTS[1],  # Privigen 10 %
            vial_sizes_g=(5, 10, 20, 40),
            source=src.PRIVIGEN_LABEL,
            initial_rate_mg_per_kg_min=0.5,
            max_rate_mg_per_kg_min=8,  # the CIDP row (0.5 -> 8 mg/kg/min)
            rate_row="CIDP",
        ),
        IVIgProduct(
            name=vocab.IVIG_PRODUCTS[2],  # Gammagard Liquid 10 %
            vial_sizes_g=(1, 2.5, 5, 10, 20, 30),
            source=src.GAMMAGARD_LABEL,
            initial_rate_mg_per_kg_min=0.8,
            max_rate_mg_per_kg_min=9,
            rate_row="CIDP",
        ),
        IVIgProduct(
            name=vocab.IVIG_PRODUCTS[3],  # Panzyga 10 %
            vial_sizes_g=(1, 2.5, 5, 10, 20, 30),
            source=src.PANZYGA_LABEL,
            initial_rate_mg_per_kg_min=1,
            max_rate_mg_per_kg_min=12,
            at_risk_max_rate_mg_per_kg_min=3.3,
            rate_row="CIDP",
        ),
        IVIgProduct(
            name=vocab.IVIG_PRODUCTS[4],  # Octagam 10 %
            vial_sizes_g=(2, 5, 10, 20, 30),
            source=src.OCTAGAM_LABEL,
            initial_rate_mg_per_kg_min=1,
            max_rate_mg_per_kg_min=12,
            at_risk_max_rate_mg_per_kg_min=3.3,
            rate_row="ITP (no CIDP row in the US label)",
        ),
        OralProduct(
            drug="azathioprine",
            name="azathioprine tablets",
            form="tablet",
            strengths_mg=(25, 50),
            source=src.AZATHIOPRINE_LABEL,
        ),
        OralProduct(
            drug="ciclosporin",
            name="ciclosporin capsules",
            form="capsule",
            strengths_mg=(25, 50, 100),
            source=src.CICLOSPORIN_LABEL,
        ),
        OralProduct(
            drug="mycophenolate",
            name="mycophenolate mofetil tablets and capsules",
            form="tablet or capsule",
            strengths_mg=(250, 500),
            source=src.MYCOPHENOLATE_LABEL,
        ),
        OralProduct(
            drug="cyclophosphamide",
            name="cyclophosphamide tablets",
            form="tablet",
            strengths_mg=(25, 50),
            source=src.CYCLOPHOSPHAMIDE_TABLETS,
        ),
    ]
)
"""The starting catalogue (the dosing reference, with its changes of 2026-12-07): five IVIg
products with their vial sizes and the rates of their CIDP row (Octagam 10 %: ITP, its US label
having no CIDP row), and the oral strengths of azathioprine, ciclosporin, mycophenolate and
cyclophosphamide (25 and 50 mg tablets)."""

FORMULATIONS: dict[str, str] = {"ciclosporin": "modified"}
"""The formulation a drug's rules are written for, where the reference names one: ciclosporin's
dosing and monitoring rules are the US modified ciclosporin label's (clinical rules, Ciclosporin;
clinical rules (monitoring), Ciclosporin). The reference says nothing of other formulations."""


def medication_text(drug: str) -> str:
    """A drug's name with the formulation its rules are for: "ciclosporin (modified)"."""
    formulation = FORMULATIONS.get(drug)
    return drug if formulation is None else f"{drug} ({formulation})"
