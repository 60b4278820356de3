"""Result values: floats inside, Quantities on access, a readable block in the REPL.

Every result carries ``steps`` (the derivation, in order), ``warnings`` and ``sources``.
Quantities are built when read, so a calculation costs float arithmetic only.
"""

from __future__ import annotations

from typing import Any

import attrs

from plexodose import _format as fmt
from plexodose import _units as u
from plexodose import _views
from plexodose._dispense import Dispensed
from plexodose._sources import Source
from plexodose._trace import Step, step_text

_FREQUENCY = {1: "daily", 2: "twice daily", 3: "three times daily"}


def frequency_text(doses_per_day: int, days_per_week: int = 7) -> str:
    if days_per_week == 7:
        return _FREQUENCY.get(doses_per_day, f"{doses_per_day} times daily")
    per_day = "" if doses_per_day == 1 else f" ({_FREQUENCY.get(doses_per_day)} on those days)"
    weekly = {3: "three times a week"}.get(days_per_week, f"{days_per_week} days a week")
    return weekly + per_day


@attrs.frozen(repr=False, kw_only=True)
class _Traced:
    _steps: tuple[Step, ...] = attrs.field(alias="steps", eq=False)
    warnings: tuple[str, ...]
    sources: tuple[Source, ...]
    override: str | None = None

    @property
    def steps(self) -> tuple[str, ...]:
        """The derivation, in order, in words and numbers."""
        return tuple(step_text(step) for step in self._steps)

    def _render(self, headline: str, facts: list[str]) -> str:
        lines = [headline, *(f"  {fact}" for fact in facts), "  derivation:"]
        lines += [f"    {n}. {step}" for n, step in enumerate(self.steps, 1)]
        if self.warnings:
            lines.append("  warnings:")
            lines += [f"    ! {warning}" for warning in self.warnings]
        lines.append("  sources:")
        lines += [f"    - {source}" for source in self.sources]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython/Jupyter
        printer.text(repr(self))

    def _repr_html_(self) -> str:  # Jupyter: see plexodose._views
        return _views.html(self)

    def _repr_markdown_(self) -> str:
        return _views.markdown(self)


@attrs.frozen(repr=False, kw_only=True)
class DailyDose(_Traced):
    """A daily oral regimen: azathioprine, oral cyclophosphamide, ciclosporin, mycophenolate."""

    drug: str
    daily_dose_mg: float
    doses_per_day: int
    dosing_weight_kg: float | None
    days_per_week: int = 7
    cap_mg_per_day: float | None = None
    cap_applied: bool = False
    dispensed: Dispensed | None = None

    @property
    def per_dose_mg(self) -> float:
        return self.daily_dose_mg * 7 / self.days_per_week / self.doses_per_day

    @property
    def daily_dose(self) -> Any:
        """Average dose per day (mg/day)."""
        return u.quantity(self.daily_dose_mg, "mg/day")

    @property
    def per_dose(self) -> Any:
        """One administration (mg)."""
        return u.quantity(self.per_dose_mg, "mg")

    @property
    def dosing_weight(self) -> Any:
        return None if self.dosing_weight_kg is None else u.quantity(self.dosing_weight_kg, "kg")

    @property
    def frequency(self) -> str:
        return frequency_text(self.doses_per_day, self.days_per_week)

    @property
    def mg_per_kg_day(self) -> float | None:
        """The dose actually reached, per kg of dosing weight."""
        return None if self.dosing_weight_kg is None else self.daily_dose_mg / self.dosing_weight_kg

    def __repr__(self) -> str:
        given = self.per_dose_mg if self.dispensed is None else self.dispensed.amount
        headline = f"{self.drug}: {fmt.mass_mg(given)} {self.frequency}"
        if self.doses_per_day > 1 or self.days_per_week != 7:
            per_day = given * self.doses_per_day * self.days_per_week / 7
            headline += f" ({fmt.mass_mg(per_day)}/day)"
        if self.dispensed is not None and self.dispensed.amount != self.per_dose_mg:
            headline += f"; calculated {fmt.mass_mg(self.per_dose_mg)}"
        facts = []
        if self.dosing_weight_kg is not None:
            facts.append(
                f"dosing weight: {fmt.number(self.dosing_weight_kg)} kg "
                f"({fmt.number(self.mg_per_kg_day or 0)} mg/kg/day reached)"
            )
        if self.cap_mg_per_day is not None:
            state = "applied" if self.cap_applied else "not reached"
            facts.append(f"cap: {fmt.mass_mg(self.cap_mg_per_day)}/day ({state})")
        if self.dispensed is not None:
            facts.append("dispense: " + describe_dispensed(self.dispensed, fmt.mass_mg))
        if self.override:
            facts.append(f"override: {self.override}")
        return self._render(headline, facts)


def describe_dispensed(d: Dispensed, mass: Any) -> str:
    units = " + ".join(f"{n} x {mass(size)}" for size, n in d.units)
    error = d.rounding_error
    if not error:
        return f"{mass(d.amount)} per dose as {units} {d.form} (exact)"
    sign = "+" if error > 0 else ""
    return (
        f"{mass(d.amount)} per dose as {units} {d.form} "
        f"(rounded {d.rounded}: {sign}{mass(error)}, {fmt.signed_percent(d.rounding_error_fraction)})"
    )


@attrs.frozen(repr=False, kw_only=True)
class IVIgCourse(_Traced):
    """An IVIg course: daily dose (g/day) for ``days`` days, on the stated weight basis."""

    g_per_kg_day: float
    days: int
    dosing_weight_kg: float
    weight_basis: str
    weight_basis_reason: str
    daily_dose_g: float
    product: Any = None
    dispensed: Dispensed | None = None

    @property
    def dosing_weight(self) -> Any:
        return u.quantity(self.dosing_weight_kg, "kg")

    @property
    def daily_dose(self) -> Any:
        """Calculated dose per day (g/day); ``rounded_daily_dose`` is what is dispensed."""
        return u.quantity(self.daily_dose_g, "g/day")

    @property
    def total_dose(self) -> Any:
        """Course total (g): the dispensed daily dose when a product is given, times days."""
        return u.quantity(self.total_dose_g, "g")

    @property
    def total_dose_g(self) -> float:
        per_day = self.daily_dose_g if self.dispensed is None else self.dispensed.amount
        return per_day * self.days

    @property
    def rounded_daily_dose(self) -> Any:
        return None if self.dispensed is None else u.quantity(self.dispensed.amount, "g/day")

    @property
    def vials(self) -> tuple[tuple[Any, int], ...]:
        """(vial size, count) for one day's dose; empty without a product."""
        if self.dispensed is None:
            return ()
        return tuple((u.quantity(size, "g"), n) for size, n in self.dispensed.units)

    @property
    def daily_volume_ml(self) -> float | None:
        """One day's infusion volume at the product's concentration (None without a product)."""
        if self.product is None:
            return None
        grams = self.daily_dose_g if self.dispensed is None else self.dispensed.amount
        return float(grams / self.product.concentration_g_per_ml)

    def __repr__(self) -> str:
        per_day = self.daily_dose_g if self.dispensed is None else self.dispensed.amount
        day_word = "day" if self.days == 1 else "days"
        headline = (
            f"IVIg: {fmt.mass_g(per_day)} daily for {self.days} {day_word} "
            f"(total {fmt.mass_g(self.total_dose_g)})"
        )
        facts = [
            f"dosing weight: {fmt.number(self.dosing_weight_kg)} kg, {self.weight_basis} body "
            f"weight ({self.weight_basis_reason})",
            f"regimen: {fmt.number(self.g_per_kg_day)} g/kg/day x {self.days}",
        ]
        if self.dispensed is not None:
            facts.append(
                f"dispense ({self.product.name}): " + describe_dispensed(self.dispensed, fmt.mass_g)
            )
        if self.override:
            facts.append(f"override: {self.override}")
        return self._render(headline, facts)


@attrs.frozen(repr=False, kw_only=True)
class CyclophosphamidePulse(_Traced):
    """One IV cyclophosphamide pulse, BSA-based, repeated every ``interval_weeks``."""

    g_per_m2: float
    bsa_m2: float
    bsa_formula: str
    bsa_cap_m2: float | None
    dose_mg: float
    interval_weeks: float
    reduction: float = 1.0
    """The EULAR/CYCLOPS share applied to this and every later pulse (1 when none)."""
    held: bool = False

    @property
    def bsa(self) -> Any:
        return u.quantity(self.bsa_m2, "m**2")

    @property
    def dosing_bsa_m2(self) -> float:
        return self.bsa_m2 if self.bsa_cap_m2 is None else min(self.bsa_m2, self.bsa_cap_m2)

    @property
    def dose(self) -> Any:
        return u.quantity(self.dose_mg, "mg")

    @property
    def interval(self) -> Any:
        return u.quantity(self.interval_weeks, "week")

    def __repr__(self) -> str:
        if self.held:
            headline = "cyclophosphamide IV: pulse held (0 mg)"
        else:
            headline = (
                f"cyclophosphamide IV: {fmt.mass_mg(self.dose_mg, 0)} every "
                f"{fmt.number(self.interval_weeks)} weeks"
            )
        facts = [
            f"BSA: {fmt.number(self.bsa_m2)} m2 ({self.bsa_formula})"
            + (f", capped at {fmt.number(self.bsa_cap_m2)} m2" if self.bsa_cap_m2 else ""),
            f"regimen: {fmt.number(self.g_per_m2, 3)} g/m2",
        ]
        if self.override:
            facts.append(f"override: {self.override}")
        return self._render(headline, facts)


@attrs.frozen(repr=False, kw_only=True)
class Conversion(_Traced):
    """A dose converted between salts (mycophenolate mofetil and sodium)."""

    from_drug: str
    to_drug: str
    from_mg: float
    to_mg: float

    @property
    def dose(self) -> Any:
        return u.quantity(self.to_mg, "mg")

    def __repr__(self) -> str:
        headline = (
            f"{fmt.mass_mg(self.from_mg)} {self.from_drug} is about "
            f"{fmt.mass_mg(self.to_mg)} {self.to_drug}"
        )
        return self._render(headline, [])


@attrs.frozen(repr=False, kw_only=True)
class PulseReduction(_Traced):
    """The EULAR/CYCLOPS age and creatinine reduction of a mg/kg pulse."""

    standard_mg_per_kg: float
    reduced_mg_per_kg: float
    weight_kg: float

    @property
    def fraction(self) -> float:
        return self.reduced_mg_per_kg / self.standard_mg_per_kg

    @property
    def dose(self) -> Any:
        return u.quantity(self.reduced_mg_per_kg * self.weight_kg, "mg")

    def __repr__(self) -> str:
        headline = (
            f"cyclophosphamide pulse: {fmt.number(self.reduced_mg_per_kg)} mg/kg "
            f"({fmt.mass_mg(self.reduced_mg_per_kg * self.weight_kg, 0)}), "
            f"{fmt.percent(self.fraction)} of {fmt.number(self.standard_mg_per_kg)} mg/kg"
        )
        return self._render(headline, [])
