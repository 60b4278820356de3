"""Result values: floats inside, Quantities on access, a readable block in the REPL.

Every result carries ``steps`` (the derivation, in order), ``warnings`` (and ``alerts``, the same
warnings with their codes and severities) and ``sources``.
Quantities are built when read, so a calculation costs float arithmetic only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from plexodose._core import format as fmt
from plexodose._core import units as u
from plexodose._core.alerts import Alert, alerts_of
from plexodose._core.errors import DoseRangeError
from plexodose._core.public import public
from plexodose._core.record import Record, field
from plexodose._core.sources import Source
from plexodose._core.units import Quantity
from plexodose._core.version import __version__
from plexodose._dosing import guard as guard
from plexodose._dosing.dispense import Dispensed
from plexodose._dosing.guard import Limit
from plexodose._dosing.products import FORMULATIONS, IVIgProduct, medication_text
from plexodose._dosing.pump import Pump, duration, pump
from plexodose._dosing.trace import Step, step_text, unique_sources
from plexodose._patient.provenance import ValueUsed
from plexodose._views import render as _views

_T = TypeVar("_T", bound="_Traced")
_FREQUENCY = {1: "daily", 2: "twice daily", 3: "three times daily"}


_SUMMARY_FACTS = ("dosing weight:", "BSA:", "regimen:", "override:")


def frequency_text(doses_per_day: int, days_per_week: int = 7) -> str:
    if days_per_week == 7:
        return _FREQUENCY.get(doses_per_day, f"{doses_per_day} times daily")
    per_day = "" if doses_per_day == 1 else f" ({_FREQUENCY.get(doses_per_day)} on those days)"
    weekly = {3: "three times a week"}.get(days_per_week, f"{days_per_week} days a week")
    return weekly + per_day


class _Traced(Record):
    __slots__ = ()
    _steps: tuple[Step, ...] = field(eq=False)
    warnings: tuple[str, ...]
    # As cited, repeats included: made unique when read (hashing a Source costs ~0.3 us).
    _cited: tuple[Source | None, ...] = field(eq=False)
    override: str | None = None
    values_used: tuple[ValueUsed, ...] = ()
    """The patient values the result rests on, each with its date ("date not stated" when none
    was given) and origin."""
    # Each warning's (code, severity, source), in step with ``warnings``: see ``alerts``.
    _kinds: tuple[tuple[str, str, Source | None], ...] = field(default=(), eq=False)

    @classmethod
    def _of(cls: type[_T], *values: Any) -> _T:
        missing = len(cls._fields) - len(values)
        if missing == 2:  # pickled by 0.1.0, before values carried dates and warnings codes
            values = (*values[:4], (), (), *values[4:])
        elif missing == 1:  # pickled by 0.2.0 or 0.3.0, before warnings had codes
            values = (*values[:5], (), *values[5:])
        return super()._of(*values)

    @property
    def alerts(self) -> tuple[Alert, ...]:
        """``warnings`` with their stable codes, severities and sources, in the same order (a
        result pickled before codes has every warning coded ``plexodose.uncoded``, ``high``)."""
        return alerts_of(self.warnings, self._kinds)

    def _key(self) -> tuple[Any, ...]:
        return (*super()._key(), self.sources)  # results compare by the sources they show

    @property
    def summary(self) -> str:
        """One line for a chart note: the dose as given, what it rests on (dosing weight or
        BSA), an override, the warnings counted with their codes, and the release that made it.

        >>> from plexodose import Patient, azathioprine
        >>> print(azathioprine(Patient.example()).summary)  # 2 mg/kg x 72 kg = 144 -> 150 mg
        azathioprine: 150 mg daily; calculated 144 mg; dosing weight: 72 kg (2.08 mg/kg/day reached; calculated 2); no warnings [plexodose ...]
        """
        headline, facts = self._view()
        parts = [headline, *(f for f in facts if f.startswith(_SUMMARY_FACTS))]
        codes = tuple(dict.fromkeys(a.code for a in self.alerts))
        n = len(self.warnings)
        parts.append(f"{n} warning{'s' if n != 1 else ''} ({', '.join(codes)})" if n
                     else "no warnings")
        return " ".join("; ".join(parts).split()) + f" [plexodose {__version__}]"

    @property
    def steps(self) -> tuple[str, ...]:
        """The derivation, in order, in words and numbers."""
        return tuple(step_text(step) for step in self._steps)

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source the calculation cited, each once, in the order first cited."""
        return unique_sources(self._cited)

    def _administration(self) -> tuple[float, float, str]:
        """(as calculated, as dispensed, unit) for one administration: each result says which."""
        raise NotImplementedError  # every public result defines it

    @property
    def calculated_dose(self) -> Quantity:
        """One administration as calculated (the same name on every result: a dose, a day's
        IVIg infusion, a pulse)."""
        calculated, _, unit = self._administration()
        return u.quantity(calculated, unit)

    @property
    def dispensed_dose(self) -> Quantity:
        """One administration as dispensed (whole tablets or vials), or as calculated when the
        result is not rounded: what is ordered, on every result."""
        _, dispensed, unit = self._administration()
        return u.quantity(dispensed, unit)

    def _view(self) -> tuple[str, list[str]]:
        """(headline, facts): what the text, HTML and Markdown views show first, built once
        here (the views never parse the text)."""
        raise NotImplementedError  # every public result defines it

    def __repr__(self) -> str:
        return self._render(*self._view())

    def _render(self, headline: str, facts: list[str]) -> str:
        lines = [headline, *(f"  {fact}" for fact in facts)]
        if self.values_used:
            lines.append("  values used:")
            lines += [f"    {value}" for value in self.values_used]
        lines.append("  derivation:")
        lines += [f"    {n}. {step}" for n, step in enumerate(self.steps, 1)]
        if self.warnings:
            lines.append("  warnings:")
            lines += [f"    ! {warning}" for warning in self.warnings]
        lines.append("  sources:")
        lines += [f"    - {source}" for source in self.sources]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form: calculated and dispensed doses, steps, warnings, sources."""
        from plexodose._interop.json import result_dict

        return result_dict(self)

    def to_fhir(self, *, subject: dict[str, Any] | None = None) -> dict[str, Any]:
        """This result as one FHIR R4 MedicationRequest (a JSON-ready dict): the dose as
        dispensed, its frequency and interval, coded (RxNorm, UCUM, SNOMED CT route); it reads
        back (``Order.from_fhir``) as an order that screens the same. ``subject``: a FHIR
        Reference to the patient."""
        from plexodose._interop.fhir_orders import order_to_fhir
        from plexodose._screening.order import Order

        request: dict[str, Any] = order_to_fhir(Order.from_result(self), subject=subject)
        return request

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (keys sorted; the schema is ``plexodose.json_schema()``)."""
        from plexodose._interop.json import dumps

        return dumps(self.to_dict(), indent)

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: wrapped to its width
        from plexodose._views.render import terminal_text

        printer.text(terminal_text(repr(self), getattr(printer, "max_width", 0)))

    def _repr_html_(self) -> str:  # Jupyter: see plexodose._views.render
        return _views.html(self)

    def _repr_markdown_(self) -> str:
        return _views.markdown(self)


@public
class DailyDose(_Traced):
    """A daily oral regimen: azathioprine, oral cyclophosphamide, ciclosporin, mycophenolate."""

    __slots__ = ()

    drug: str
    daily_dose_mg: float
    doses_per_day: int
    dosing_weight_kg: float | None
    days_per_week: int = 7
    limits: tuple[Limit, ...] = ()
    """Every maximum this dose respects after rounding (per dose or per dosing day)."""
    cap_applied: bool = False
    """True when a limit lowered the calculated dose."""
    dispensed: Dispensed | None = None

    def __post_init__(self) -> None:
        # The float-only fast path; anything it doubts goes through the checks that name it.
        # The values are read once, by name (a subclass's own fields come after these).
        daily, per_day, weight, days, limits, dispensed = _DAILY_DOSE_CHECKED(self._v)
        if not (type(per_day) is int and type(days) is int and per_day > 0 and 0 < days <= 7):
            self._check()
        per_dose = daily * 7 / days / per_day
        given = per_dose if dispensed is None else dispensed.amount
        if (
            (weight is None or 0.0 < weight < math.inf)
            and guard.fine(per_dose, given, per_day, limits)
            and (dispensed is None or guard.agrees(dispensed.calculated, per_dose))
        ):
            return
        self._check()

    def _check(self) -> None:
        guard.count(self.doses_per_day, "doses_per_day", 1, None)
        guard.count(self.days_per_week, "days_per_week", 1, 7)
        guard.amount(self.daily_dose_mg, f"{self.drug} daily dose")
        if self.dosing_weight_kg is not None:
            guard.amount(self.dosing_weight_kg, "dosing weight")
        given = self.given_per_dose_mg
        guard.amount(given, f"{self.drug} dose")
        for per_dose, what in ((self.per_dose_mg, "calculated dose"), (given, "dispensed dose")):
            guard.within(self.limits, per_dose, self.doses_per_day, "mg", f"{self.drug} {what}")
        if self.dispensed is not None:
            guard.same(self.dispensed.calculated, self.per_dose_mg, f"{self.drug} dose")

    @property
    def per_dose_mg(self) -> float:
        """One administration as calculated (mg)."""
        return self.daily_dose_mg * 7 / self.days_per_week / self.doses_per_day

    def _administration(self) -> tuple[float, float, str]:
        return self.per_dose_mg, self.given_per_dose_mg, "mg"

    @property
    def given_per_dose_mg(self) -> float:
        """One administration as dispensed (whole tablets), or as calculated when not rounded."""
        return self.per_dose_mg if self.dispensed is None else self.dispensed.amount

    @property
    def cap_mg_per_day(self) -> float | None:
        """The most a dosing day may hold under every limit (None without limits)."""
        return guard.tightest_per_day(self.limits, self.doses_per_day)

    @property
    def daily_dose(self) -> Quantity:
        """Average dose per day as calculated (mg/day); ``dispensed_daily_dose`` is what is given."""
        return u.quantity(self.daily_dose_mg, "mg/day")

    @property
    def dispensed_daily_dose(self) -> Quantity:
        """Average dose per day as dispensed (mg/day): whole tablets, after rounding."""
        per_day = self.given_per_dose_mg * self.doses_per_day * self.days_per_week / 7
        return u.quantity(per_day, "mg/day")

    @property
    def per_dose(self) -> Quantity:
        """One administration as calculated (mg)."""
        return u.quantity(self.per_dose_mg, "mg")

    @property
    def dosing_weight(self) -> Quantity | None:
        return None if self.dosing_weight_kg is None else u.quantity(self.dosing_weight_kg, "kg")

    @property
    def frequency(self) -> str:
        return frequency_text(self.doses_per_day, self.days_per_week)

    @property
    def mg_per_kg_day(self) -> float | None:
        """The dose actually reached, per kg of dosing weight."""
        return None if self.dosing_weight_kg is None else self.daily_dose_mg / self.dosing_weight_kg

    @property
    def dispensed_mg_per_kg_day(self) -> float | None:
        """The dose as dispensed (whole tablets), per day and per kg of dosing weight: what the
        patient takes (150 mg for 71.67 kg is 2.09), beside :attr:`mg_per_kg_day` as calculated."""
        if self.dosing_weight_kg is None:
            return None
        return self.given_per_dose_mg * self.doses_per_day * self.days_per_week / 7 / self.dosing_weight_kg

    @property
    def formulation(self) -> str | None:
        """The formulation the rules are for, where the reference names one ("modified" for
        ciclosporin), else None."""
        return FORMULATIONS.get(self.drug)

    def _view(self) -> tuple[str, list[str]]:
        given = self.given_per_dose_mg
        headline = f"{medication_text(self.drug)}: {fmt.mass_mg(given)} {self.frequency}"
        if self.doses_per_day > 1 or self.days_per_week != 7:
            per_day = given * self.doses_per_day * self.days_per_week / 7
            headline += f" ({fmt.mass_mg(per_day)}/day)"
        if self.dispensed is not None and self.dispensed.amount != self.per_dose_mg:
            headline += f"; calculated {fmt.mass_mg(self.per_dose_mg)}"
        facts = []
        if self.formulation is not None:
            facts.append(f"formulation: {self.formulation} {self.drug} (the US label the dosing "
                         "and monitoring rules come from)")
        if self.dosing_weight_kg is not None:
            # mg/kg/day as dispensed (150 mg for 71.67 kg is 2.09), the calculated one beside it
            given_rate = fmt.number(self.dispensed_mg_per_kg_day or 0)
            calculated_rate = fmt.number(self.mg_per_kg_day or 0)
            facts.append(
                f"dosing weight: {fmt.weight_kg(self.dosing_weight_kg)} ({given_rate} mg/kg/day "
                + ("reached)" if given_rate == calculated_rate else f"reached; calculated {calculated_rate})")
            )
        facts += _limit_facts(self.limits, self.cap_applied, fmt.mass_mg)
        if self.dispensed is not None:
            facts.append("dispense: " + describe_dispensed(self.dispensed, fmt.mass_mg))
        if self.override:
            facts.append(f"override: {self.override}")
        return headline, facts


def rising_steps(steps: Iterable[DailyDose], below_mg: float) -> list[DailyDose]:
    """The titration steps that each rise above the last and stay below ``below_mg`` a dosing
    day, compared as dispensed (what plan() lays out)."""
    kept: list[DailyDose] = []
    for step in steps:
        last = given_day_mg(kept[-1]) if kept else 0.0
        if last < given_day_mg(step) < below_mg:
            kept.append(step)
    return kept


def given_day_mg(result: DailyDose) -> float:
    """One dosing day's amount as dispensed (mg): per dose x doses a day."""
    return result.given_per_dose_mg * result.doses_per_day


_DAILY_DOSE_CHECKED = DailyDose._getter(
    "daily_dose_mg", "doses_per_day", "dosing_weight_kg", "days_per_week", "limits", "dispensed"
)


def _limit_facts(limits: tuple[Limit, ...], applied: bool, mass: Any) -> list[str]:
    state = "applied" if applied else "respected"
    return [f"limit: {mass(lim.amount)} per {lim.per}, {lim.label} ({state})" for lim in limits]


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


@public
class IVIgCourse(_Traced):
    """An IVIg course: daily dose (g/day) for ``days`` days, on the stated weight basis."""

    __slots__ = ()

    g_per_kg_day: float
    days: int
    dosing_weight_kg: float
    weight_basis: Literal["actual", "ideal", "adjusted"]
    weight_basis_reason: str
    daily_dose_g: float
    product: IVIgProduct | None = None
    dispensed: Dispensed | None = None
    limits: tuple[Limit, ...] = ()
    """Every maximum the daily dose respects after rounding."""
    risk_factors: tuple[str, ...] = ()
    """Renal or thrombosis risk factors (boxed warning) seen in the patient or flagged."""

    def __post_init__(self) -> None:
        weight, daily, dispensed, limits = _IVIG_CHECKED(self._v)
        given = daily if dispensed is None else dispensed.amount
        if (
            0.0 < weight < math.inf
            and guard.fine(daily, given, 1, limits)
            and (dispensed is None or guard.agrees(dispensed.calculated, daily))
        ):
            return
        self._check()

    def _check(self) -> None:
        guard.amount(self.dosing_weight_kg, "dosing weight")
        guard.amount(self.daily_dose_g, "IVIg daily dose")
        given = self.given_daily_dose_g
        for per_day, what in ((self.daily_dose_g, "calculated"), (given, "dispensed")):
            guard.within(self.limits, per_day, 1, "g", f"IVIg {what} daily dose")
        if self.dispensed is not None:
            guard.same(self.dispensed.calculated, self.daily_dose_g, "IVIg daily dose")

    @property
    def given_daily_dose_g(self) -> float:
        """One day's dose as dispensed (whole vials), or as calculated without a product."""
        return self.daily_dose_g if self.dispensed is None else self.dispensed.amount

    def _administration(self) -> tuple[float, float, str]:
        return self.daily_dose_g, self.given_daily_dose_g, "g"

    @property
    def dosing_weight(self) -> Quantity:
        return u.quantity(self.dosing_weight_kg, "kg")

    @property
    def daily_dose(self) -> Quantity:
        """Calculated dose per day (g/day); ``rounded_daily_dose`` is what is dispensed."""
        return u.quantity(self.daily_dose_g, "g/day")

    @property
    def total_dose(self) -> Quantity:
        """Course total (g): the dispensed daily dose when a product is given, times days."""
        return u.quantity(self.total_dose_g, "g")

    @property
    def total_dose_g(self) -> float:
        return self.given_daily_dose_g * self.days

    @property
    def rounded_daily_dose(self) -> Quantity | None:
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
        return float(self.given_daily_dose_g / self.product.concentration_g_per_ml)

    def _pump(self) -> Pump | None:
        """One day's pump (the same the plan's infusion rows show); None without a product or
        without the label's start and maximum rates in the catalogue."""
        volume = self.daily_volume_ml
        if volume is None or self.product is None:
            return None
        return pump(self.product, self.dosing_weight_kg, volume, bool(self.risk_factors))

    @property
    def pump_rates(self) -> tuple[Quantity, ...]:
        """One day's pump rates (mL/h) in order, from the start rate to the most the pump may
        run (at risk: the product's at-risk figure, or its start rate held); empty without a
        product or without the label's rates."""
        return tuple(u.quantity(r, "mL/h") for r in self.pump_rates_ml_per_h)

    @property
    def pump_rates_ml_per_h(self) -> tuple[float, ...]:
        """:attr:`pump_rates` as numbers of mL/h."""
        found = self._pump()
        return () if found is None else found.ml_per_h

    @property
    def pump_rates_mg_per_kg_min(self) -> tuple[float, ...]:
        """:attr:`pump_rates` as the label gives them, in mg/kg/min of dosing weight."""
        found = self._pump()
        return () if found is None else found.mg_per_kg_min

    @property
    def infusion_hours(self) -> tuple[float, float] | None:
        """(shortest, longest) hours one day's volume takes at :attr:`pump_rates`: all at the
        fastest rate and all at the start rate (the same when the label's steps are timed);
        None without rates."""
        found = self._pump()
        return None if found is None else found.hours

    def _pump_facts(self) -> list[str]:
        product = self.product
        if product is None:
            return ["pump rates: choose a product (product=): the rates follow its label"]
        volume = self.daily_volume_ml
        assert volume is not None
        infusion = f"infusion: {fmt.volume_ml(volume)} of {product.name} a day"
        found = self._pump()
        if found is None:
            return [infusion, f"pump rates: {product.name} has no label infusion rates in the "
                    "catalogue: set the pump rate from the label"]
        mg = " then ".join(fmt.number(r) for r in found.mg_per_kg_min)
        ml = " then ".join(fmt.rate_ml_h(r).removesuffix(" mL/h") for r in found.ml_per_h)
        shortest, longest = found.hours
        row = f", {product.rate_row} row" if product.rate_row else ""
        if found.at_risk_why:
            how = ("not escalated" if len(found.ml_per_h) == 1
                   else "never faster") + f" (at risk: {found.at_risk_why})"
        elif found.minutes_per_step is None:
            how = "increased as tolerated per the label"
        else:
            how = f"each step {fmt.number(found.minutes_per_step)} min"
        if shortest == longest:
            infusion += f", about {duration(shortest)}"
        else:
            infusion += (f", takes {duration(shortest)} (all at {fmt.rate_ml_h(found.ml_per_h[-1])}) "
                         f"to {duration(longest)} (all at {fmt.rate_ml_h(found.ml_per_h[0])})")
        return [f"pump ({product.name}{row}, {fmt.weight_kg(self.dosing_weight_kg)}): {mg} "
                f"mg/kg/min = {ml} mL/h, {how}", infusion]

    def _view(self) -> tuple[str, list[str]]:
        per_day = self.given_daily_dose_g
        day_word = "day" if self.days == 1 else "days"
        headline = (
            f"IVIg: {fmt.mass_g(per_day)} daily for {self.days} {day_word} "
            f"(total {fmt.mass_g(self.total_dose_g)})"
        )
        facts = [
            f"dosing weight: {fmt.weight_kg(self.dosing_weight_kg)}, {self.weight_basis} body "
            f"weight ({self.weight_basis_reason})",
            f"regimen: {fmt.number(self.g_per_kg_day)} g/kg/day x {self.days}",
        ]
        if self.dispensed is not None and self.product is not None:
            facts.append(
                f"dispense ({self.product.name}): " + describe_dispensed(self.dispensed, fmt.mass_g)
            )
        facts += self._pump_facts()
        facts += _limit_facts(self.limits, False, fmt.mass_g)
        if self.risk_factors:
            facts.append("renal and thrombosis risk: " + "; ".join(self.risk_factors))
        if self.override:
            facts.append(f"override: {self.override}")
        return headline, facts


_IVIG_CHECKED = IVIgCourse._getter("dosing_weight_kg", "daily_dose_g", "dispensed", "limits")


@public
class CyclophosphamidePulse(_Traced):
    """One IV cyclophosphamide pulse, BSA-based, repeated every ``interval_weeks``."""

    __slots__ = ()

    g_per_m2: float
    bsa_m2: float
    bsa_formula: str
    bsa_cap_m2: float | None
    dose_mg: float
    interval_weeks: float
    reduction: float = 1.0
    """The EULAR/CYCLOPS share applied to this and every later pulse (1 when none)."""
    held: bool = False
    limits: tuple[Limit, ...] = ()

    def __post_init__(self) -> None:
        g_per_m2, bsa, dose, held, limits = _PULSE_CHECKED(self._v)
        if (
            not held
            and 0.0 < bsa < math.inf
            and 0.0 < g_per_m2 < math.inf
            and guard.fine(dose, prepared_pulse_mg(dose, limits), 1, limits)
        ):
            return
        self._check()

    def _check(self) -> None:
        guard.amount(self.bsa_m2, "BSA")
        guard.amount(self.g_per_m2, "g_per_m2")
        guard.amount(self.dose_mg, "cyclophosphamide pulse", zero_allowed=self.held)
        if self.held != (self.dose_mg == 0):
            raise DoseRangeError(
                f"refused: a {'held' if self.held else 'given'} cyclophosphamide pulse of "
                f"{self.dose_mg!r} mg (a held pulse is 0 mg, a given one more)",
                field="dose_mg",
                value=self.dose_mg,
            )
        guard.within(self.limits, self.dose_mg, 1, "mg", "cyclophosphamide pulse")
        guard.within(self.limits, self.prepared_mg, 1, "mg", "cyclophosphamide pulse as prepared")

    @property
    def prepared_mg(self) -> float:
        """The pulse as the pharmacy prepares it: the whole mg (the nearest, or down where the
        nearest would pass a limit); 0 for a held pulse."""
        return prepared_pulse_mg(self.dose_mg, self.limits)

    @property
    def bsa(self) -> Quantity:
        return u.quantity(self.bsa_m2, "m**2")

    def _administration(self) -> tuple[float, float, str]:
        return self.dose_mg, self.prepared_mg, "mg"

    @property
    def dosing_bsa_m2(self) -> float:
        return self.bsa_m2 if self.bsa_cap_m2 is None else min(self.bsa_m2, self.bsa_cap_m2)

    @property
    def dose(self) -> Quantity:
        return u.quantity(self.dose_mg, "mg")

    @property
    def interval(self) -> Quantity:
        return u.quantity(self.interval_weeks, "week")

    def _view(self) -> tuple[str, list[str]]:
        if self.held:
            headline = "cyclophosphamide IV: pulse held (0 mg)"
        else:
            headline = (
                f"cyclophosphamide IV: {fmt.mass_mg(self.prepared_mg)} every "
                f"{fmt.number(self.interval_weeks)} weeks"
            )
        facts = [
            f"BSA: {fmt.bsa_m2(self.bsa_m2)} ({self.bsa_formula})"
            + (f", capped at {fmt.bsa_m2(self.bsa_cap_m2)}" if self.bsa_cap_m2 else ""),
            f"regimen: {fmt.number(self.g_per_m2, 3)} g/m2",
        ]
        if not self.held:
            facts.append(f"prepare: {fmt.mass_mg(self.prepared_mg)} (to the whole mg)")
        if self.override:
            facts.append(f"override: {self.override}")
        return headline, facts


def prepared_pulse_mg(dose_mg: float, limits: tuple[Limit, ...]) -> float:
    """``dose_mg`` to the whole mg a pharmacy prepares: the nearest, or down where the nearest
    would pass a per-dose limit (a pulse at its ceiling is never prepared above it); a dose
    under 1 mg, or not finite, is returned as it is (the guards refuse it)."""
    if not 1.0 <= dose_mg < math.inf:
        return dose_mg
    nearest = float(math.floor(dose_mg + 0.5))
    most = guard.tightest_per_dose(limits, 1)
    return float(math.floor(dose_mg)) if most is not None and nearest > most else nearest


_PULSE_CHECKED = CyclophosphamidePulse._getter("g_per_m2", "bsa_m2", "dose_mg", "held", "limits")


@public
class Conversion(_Traced):
    """A dose converted between salts (mycophenolate mofetil and sodium)."""

    __slots__ = ()

    from_drug: str
    to_drug: str
    from_mg: float
    to_mg: float

    def __post_init__(self) -> None:
        guard.amount(self.to_mg, "converted dose")

    def _administration(self) -> tuple[float, float, str]:
        return self.to_mg, self.to_mg, "mg"

    @property
    def dose(self) -> Quantity:
        return u.quantity(self.to_mg, "mg")

    def _view(self) -> tuple[str, list[str]]:
        headline = (
            f"{fmt.mass_mg(self.from_mg)} {self.from_drug} is about "
            f"{fmt.mass_mg(self.to_mg)} {self.to_drug}"
        )
        return headline, []


@public
class PulseReduction(_Traced):
    """The EULAR/CYCLOPS age and creatinine reduction of a mg/kg pulse."""

    __slots__ = ()

    standard_mg_per_kg: float
    reduced_mg_per_kg: float
    weight_kg: float
    dose_mg: float
    """The pulse: reduced mg/kg x weight, never above the per-pulse maximum."""
    limits: tuple[Limit, ...] = ()
    cap_applied: bool = False

    def __post_init__(self) -> None:
        guard.amount(self.weight_kg, "weight")
        guard.amount(self.dose_mg, "cyclophosphamide pulse")
        guard.within(self.limits, self.dose_mg, 1, "mg", "cyclophosphamide pulse")

    @property
    def fraction(self) -> float:
        return self.reduced_mg_per_kg / self.standard_mg_per_kg

    def _administration(self) -> tuple[float, float, str]:
        return self.dose_mg, self.dose_mg, "mg"

    @property
    def dose(self) -> Quantity:
        return u.quantity(self.dose_mg, "mg")

    def _view(self) -> tuple[str, list[str]]:
        headline = (
            f"cyclophosphamide pulse: {fmt.mass_mg(self.dose_mg)} "
            f"({fmt.number(self.reduced_mg_per_kg)} mg/kg, {fmt.percent(self.fraction)} of "
            f"{fmt.number(self.standard_mg_per_kg)} mg/kg"
            + (", capped)" if self.cap_applied else ")")
        )
        return headline, _limit_facts(self.limits, self.cap_applied, fmt.mass_mg)
