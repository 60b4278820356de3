"""The schedule generator: a calculator's result laid out on a calendar, and the seed's plan.

Doses always come from the calculators; this module only places them on dates, adds the
monitoring calendar of each drug, the response assessments and the decision points, and tracks
the cumulative cyclophosphamide dose. Dates are computed on plain ``datetime.date`` values and
floats; Quantities are built when read.

Month arithmetic: monitoring "months" are 4 weeks (checks come a little more often than
calendar months: conservative); response assessments use calendar months, so they never come
earlier than the seed's 3 and 6 months.

>>> from plexodose import Patient, ivig, schedule
>>> s = schedule(ivig(Patient.example()), start="2026-12-01")  # 28.8 g/day x 5 days
>>> [e.date.isoformat() for e in s.filter(kind="dose")]
['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05']
>>> s.total_dose("IVIg")  # 28.8 g x 5 = 144 g
<Quantity(144.0, 'gram')>
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import attrs

from plexodose import _format as fmt
from plexodose import _sources as src
from plexodose import _units as u
from plexodose._azathioprine import azathioprine
from plexodose._ciclosporin import ciclosporin
from plexodose._common import whole_number
from plexodose._cyclophosphamide import (
    CUMULATIVE_THRESHOLD_G,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
)
from plexodose._errors import InputRangeError
from plexodose._ivig import ivig
from plexodose._mycophenolate import mycophenolate
from plexodose._patient import Patient
from plexodose._products import IVIgProduct
from plexodose._results import CyclophosphamidePulse, DailyDose, IVIgCourse, frequency_text
from plexodose._sources import Source

KINDS = ("dose", "monitoring", "assessment", "decision")
DAY_ORDER = ("assessment", "decision", "monitoring", "dose")  # within one day
IVIG, AZATHIOPRINE, CYCLOPHOSPHAMIDE = "IVIg", "azathioprine", "cyclophosphamide"
CICLOSPORIN, MYCOPHENOLATE = "ciclosporin", "mycophenolate mofetil"
DRUGS = (IVIG, AZATHIOPRINE, CYCLOPHOSPHAMIDE, CICLOSPORIN, MYCOPHENOLATE)
ALIASES = {
    "ivig": IVIG,
    "cyclosporin": CICLOSPORIN,
    "cyclosporine": CICLOSPORIN,
    "mycophenolate": MYCOPHENOLATE,
    "cyclophosphamide (oral)": CYCLOPHOSPHAMIDE,
    "cyclophosphamide iv": CYCLOPHOSPHAMIDE,
}
# A DailyDose's drug -> (schedule drug, route)
ORAL = {
    "azathioprine": (AZATHIOPRINE, "oral"),
    "cyclophosphamide (oral)": (CYCLOPHOSPHAMIDE, "oral"),
    "ciclosporin": (CICLOSPORIN, "oral"),
    "mycophenolate mofetil": (MYCOPHENOLATE, "oral"),
}

# Rules the schedule adds to the calculators' (each cited on the schedule that uses it).
IVIG_MAINTENANCE_INTERVAL_WEEKS = 3.0  # [label]
IVIG_MAINTENANCE_G_PER_KG = 1.0  # [label]
IVIG_ASSESS_AFTER_DAYS = 14  # [gap] seed: "response typically within days"
AZATHIOPRINE_FIRST_STEP_WEEK = 8  # [label] 6-8 weeks; the later start is the default
AZATHIOPRINE_STEP_WEEKS = 4  # [label]
MYCOPHENOLATE_STEP_WEEKS = 1  # [secondary]
CICLOSPORIN_MAINTENANCE_WEEK = 4  # [gap]
ASSESS_MONTHS = (3, 6)  # [seed] 3-6 months for full effect
REFRACTORY_DECISION_MONTHS = 6  # [seed] upper end of 3-6 months: conservative
PULSE_COUNT = 6  # [guideline] NIH regimen: monthly x 6
NADIR_DAYS = (10, 14)  # [guideline] Michigan protocol
# [guideline] Travis 1995 (20 g), Faurschou 2008 (the core's 36 g), Travis 1995 (50 g)
THRESHOLDS_G = (20.0, CUMULATIVE_THRESHOLD_G, 50.0)
ORAL_MONTHS = 6  # the seed's 3-6 months, so both assessments fall inside the course
# Monitoring calendars in weeks from the first dose; None: every 4 weeks after the last listed.
CBC_WEEKS = (1, 2, 3, 4, 6, 8, 10, 12)  # weekly in month 1, every 2 weeks in months 2-3
CREATININE_WEEKS = (0, 2, 4, 6, 8, 10, 12)  # baseline, then every 2 weeks for 3 months
BLOOD_PRESSURE_WEEKS = (0, 1, 2, 3, 4)  # baseline, then weekly for a month
EARLIEST_START, LATEST_START = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
SECOND_AGENTS = ("azathioprine", "mycophenolate", "cyclophosphamide_iv", "cyclophosphamide_oral")
REFRACTORY_AGENTS = ("ciclosporin", "cyclosporin", "cyclophosphamide_iv", "cyclophosphamide_oral")

SEED_ALGORITHM = Source(
    "seed",
    src.SEED,
    "IVIg; inadequate response -> azathioprine, mycophenolate or "
    "cyclophosphamide; refractory -> ciclosporin (or cyclophosphamide)",
)
SEED_IVIG_RESPONSE = Source("seed", src.SEED, "IVIg: response typically within days")
SEED_MONITORING = Source(
    "seed",
    src.SEED,
    "repeat MRI when there is no response (rule out structural causes); repeat "
    "electrodiagnostic studies to document the course; monitor side effects of immunosuppression",
)
SEED_PITFALLS = Source(
    "seed",
    src.SEED,
    "pitfalls: escalating before ruling out neoplastic or compressive lesions; "
    "judging failure before 3-6 months; forgetting neuropathic pain; stopping abruptly",
)
IVIG_ASSESSMENT_GAP = Source(
    "gap",
    "plexodose conservative choice (the seed says only 'within days')",
    "assess the IVIg response 14 days after the last infusion, so a slow response is not "
    "judged a failure; configurable (assess_after_days)",
)
IVIG_RATE_GAP = Source(
    "gap",
    "plexodose conservative choice (label rate increments are not in the reference)",
    "pump rates: start and maximum only, increase as tolerated per label; the duration is given "
    "as a range (all at the maximum rate .. all at the starting rate); a product may carry "
    "rate_increments_mg_per_kg_min and minutes_per_rate_step",
)
AZATHIOPRINE_TITRATION = Source(
    "label",
    "azathioprine US prescribing information (rheumatoid arthritis)",
    "start about 1 mg/kg/day (50-100 mg); from 6-8 weeks increase by 0.5 mg/kg/day every 4 weeks",
)
AZATHIOPRINE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "first azathioprine increase at week 8, the later "
    "end of the label's 6-8 weeks; configurable (first_step_week)",
)
AZATHIOPRINE_MONITORING = Source(
    "label",
    "azathioprine prescribing information",
    "CBC weekly for the first month, every 2 weeks in months 2-3, then monthly; LFTs",
)
CICLOSPORIN_MONITORING = Source(
    "label",
    "US modified ciclosporin prescribing information",
    "creatinine every 2 weeks for 3 months, then monthly; blood pressure weekly for a month, then "
    "monthly; a creatinine rise is judged against the baseline",
)
CICLOSPORIN_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no week for the step-down)",
    "ciclosporin 5 mg/kg/day (above the US label's 4 mg/kg/day) for 4 weeks, then maintenance "
    "at 2.5 mg/kg/day, the lower end of 2.5-3; configurable (maintenance_week)",
)
MYCOPHENOLATE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (a '500 mg weekly step' may be per dose or per day)",
    "weekly steps of 500 mg a day (250 mg a dose): 500, 750, then 1000 mg twice daily",
)
MYCOPHENOLATE_MONITORING = Source(
    "secondary",
    "plexodose dosing-rules.md (no primary source named)",
    "mycophenolate: CBC weekly for the first month, twice monthly in months 2-3, then monthly",
)
MONTH_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "monitoring 'months' are 4 weeks (checks come a "
    "little early, never late); response assessments use calendar months (never early)",
)
ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP = Source(
    "gap",
    "plexodose (no monitoring calendar for oral cyclophosphamide in the reference)",
    "no blood-count calendar is generated: set one locally",
)
NIH_REGIMEN = Source(
    "guideline", "NIH cyclophosphamide regimen", "0.75-1 g/m2 monthly x 6 (6 pulses by default)"
)
REFRACTORY_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "the refractory decision comes 6 months after the "
    "second agent starts (the end of the seed's 3-6 months); the reference gives no change-over "
    "or taper schedule",
)


@attrs.frozen(kw_only=True, repr=False)
class Event:
    """One dated item: a dose, a monitoring test, a response assessment or a decision point.

    ``dose`` is what is given on ``date`` (the day's total for an oral drug taken
    ``doses_per_day`` times; ``per_dose`` is one administration). ``until`` ends a window
    (a nadir check at day 10-14). An IVIg infusion with a product carries ``volume_ml``,
    ``rate_steps_ml_per_h`` and ``infusion_hours`` (shortest, longest).
    """

    date: dt.date
    drug: str
    kind: str
    description: str
    dose_amount: float | None = None
    dose_unit: str | None = None
    doses_per_day: int = 1
    days_per_week: int = 7
    route: str | None = None
    phase: str = ""
    until: dt.date | None = None
    volume_ml: float | None = None
    rate_steps_ml_per_h: tuple[float, ...] = ()
    infusion_hours: tuple[float, float] | None = None
    cumulative_amount: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def dose(self) -> Any:
        """The amount given on this date (Quantity), or None for a non-dose event."""
        if self.dose_amount is None or self.dose_unit is None:
            return None
        return u.quantity(self.dose_amount, self.dose_unit)

    @property
    def per_dose(self) -> Any:
        """One administration (Quantity), or None."""
        if self.dose_amount is None or self.dose_unit is None:
            return None
        return u.quantity(self.dose_amount / self.doses_per_day, self.dose_unit)

    @property
    def dose_text(self) -> str:
        """The dose written the ISMP-safe way ("75 mg daily", "180 mg twice daily", "30 g")."""
        if self.dose_amount is None or self.dose_unit is None:
            return ""
        per = self.dose_amount / self.doses_per_day
        text = fmt.mass_g(per) if self.dose_unit == "g" else fmt.mass_mg(per)
        if self.kind == "dose" and self.route == "oral":
            text += " " + frequency_text(self.doses_per_day, self.days_per_week)
        return text

    def __repr__(self) -> str:
        dose = f" {self.dose_text}" if self.dose_amount is not None else ""
        return f"<Event {self.date.isoformat()} {self.drug} {self.kind}{dose}: {self.description}>"


def _sort_key(event: Event) -> tuple[dt.date, int, str]:
    return event.date, DAY_ORDER.index(event.kind), event.drug


def _sorted(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=_sort_key))


def _unit_of(drug: str) -> str:
    return "g" if drug == IVIG else "mg"


def drug_name(drug: Any) -> str:
    """The schedule's name for ``drug`` ("cyclosporin" -> "ciclosporin"); refuses unknown names."""
    if isinstance(drug, str):
        key = drug.strip().lower()
        for name in DRUGS:
            if key == name.lower():
                return name
        if key in ALIASES:
            return ALIASES[key]
    raise InputRangeError(
        f"drug must be one of {', '.join(DRUGS)}; got {drug!r:.60}", field="drug", value=drug
    )


@attrs.frozen(kw_only=True, repr=False)
class Schedule:
    """An immutable, date-ordered collection of :class:`Event` with its warnings and sources.

    ``prior`` holds earlier exposure per drug (in the drug's unit: g for IVIg, mg otherwise),
    counted by :meth:`cumulative_dose` and by the cumulative-dose warnings but not by
    :meth:`total_dose`.

    >>> from plexodose import Patient, azathioprine, schedule
    >>> s = schedule(azathioprine(Patient.example()), start="2026-12-01", months=1)
    >>> len(s.filter(kind="dose")), s.total_dose("azathioprine")  # 31 days x 150 mg
    (31, <Quantity(4650.0, 'milligram')>)
    """

    start: dt.date
    events: tuple[Event, ...] = attrs.field(converter=_sorted)
    warnings: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    prior: tuple[tuple[str, float], ...] = ()

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def filter(self, *, drug: str | None = None, kind: str | None = None) -> Schedule:
        """The events of ``drug`` and/or ``kind``, as a Schedule with the same warnings."""
        name = None if drug is None else drug_name(drug)
        if kind is not None and kind not in KINDS:
            raise InputRangeError(
                f"kind must be one of {', '.join(KINDS)}; got {kind!r:.60}",
                field="kind",
                value=kind,
            )
        kept = tuple(
            e
            for e in self.events
            if (name is None or e.drug == name) and (kind is None or e.kind == kind)
        )
        return attrs.evolve(self, events=kept)

    def _amounts(self, drug: str) -> tuple[str, list[Event]]:
        name = drug_name(drug)
        return name, [
            e
            for e in self.events
            if e.drug == name and e.kind == "dose" and e.dose_amount is not None
        ]

    def total_dose(self, drug: str) -> Any:
        """The sum of this schedule's doses of ``drug`` (g for IVIg, mg otherwise)."""
        name, doses = self._amounts(drug)
        return u.quantity(math.fsum(e.dose_amount or 0.0 for e in doses), _unit_of(name))

    def cumulative_dose(self, drug: str) -> list[tuple[dt.date, Any]]:
        """(date, running total including ``prior`` exposure) after each dose of ``drug``."""
        name, doses = self._amounts(drug)
        running = dict(self.prior).get(name, 0.0)
        out = []
        for event in doses:
            running += event.dose_amount or 0.0
            out.append((event.date, u.quantity(running, _unit_of(name))))
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """One plain, JSON-serialisable dict per event (dates as ISO strings).

        The schedule's own ``warnings`` are not in the rows: show them beside the records.

        >>> from plexodose import Patient, ivig, schedule
        >>> row = schedule(ivig(Patient.example()), start="2026-12-01").to_records()[0]
        >>> row["date"], row["drug"], row["kind"], row["dose"], row["dose_unit"]
        ('2026-12-01', 'IVIg', 'dose', 28.8, 'g')
        """
        from plexodose._exports import tabular

        return tabular.records(self)

    def to_csv(self) -> str:
        """The records as CSV (one row per event; lists joined with "; ").

        >>> from plexodose import Patient, ivig, schedule
        >>> schedule(ivig(Patient.example()), start="2026-12-01").to_csv().splitlines()[1][:40]
        '2026-12-01,,IVIg,dose,loading,"IVIg infu'
        """
        from plexodose._exports import tabular

        return tabular.csv_text(self)

    def to_text(self) -> str:
        """An aligned table for a person: runs of identical daily doses on one line."""
        from plexodose._exports import tabular

        return tabular.text(self)

    def to_ics(self, *, stamp: dt.datetime | None = None) -> str:
        """An RFC 5545 calendar, one all-day VEVENT per event."""
        from plexodose._exports import ics

        return ics.to_ics(self, stamp=stamp)

    def to_fhir(self, *, subject: dict[str, Any] | None = None) -> dict[str, Any]:
        """A FHIR R4 Bundle (JSON-ready dict): MedicationRequest per drug phase, ServiceRequest
        per monitoring, assessment or decision event; ``subject`` is a FHIR Reference.

        >>> from plexodose import Patient, ivig, schedule
        >>> bundle = schedule(ivig(Patient.example()), start="2026-12-01").to_fhir()
        >>> [e["resource"]["resourceType"] for e in bundle["entry"]]
        ['MedicationRequest', 'ServiceRequest']
        >>> bundle["entry"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
        {'value': 28.8, 'unit': 'g', 'system': 'http://unitsofmeasure.org', 'code': 'g'}
        """
        from plexodose._exports import fhir

        return fhir.to_fhir(self, subject=subject)

    def plot(self, path: Any = None) -> Any:
        """A matplotlib Figure: one lane per drug; saved as PNG when ``path`` is given."""
        from plexodose._exports import plot

        return plot.plot(self, path)

    def __repr__(self) -> str:
        return self.to_text()

    def __str__(self) -> str:
        return self.to_text()

    def to_dataframe(self) -> Any:
        """The records as a pandas DataFrame with datetime columns (needs ``plexodose[batch]``)."""
        from plexodose import _views

        return _views.to_dataframe(self)

    def _repr_html_(self) -> str:  # Jupyter: see plexodose._views
        from plexodose import _views

        return _views.html(self)

    def _repr_markdown_(self) -> str:
        from plexodose import _views

        return _views.markdown(self)


# ---------------------------------------------------------------------------------------------
# Building blocks


class _Builder:
    """Events, warnings and sources collected while one schedule is built."""

    def __init__(self, *sources: Source) -> None:
        self.events: list[Event] = []
        self.warnings: list[str] = []
        self.sources: list[Source] = list(sources)
        self.prior: dict[str, float] = {}

    def add(self, **fields: Any) -> None:
        self.events.append(Event(**fields))

    def warn(self, text: str, source: Source | None = None) -> None:
        if text not in self.warnings:
            self.warnings.append(text)
        self.cite(source)

    def cite(self, source: Source | None) -> None:
        if source is not None and source not in self.sources:
            self.sources.append(source)

    def absorb(self, result: Any, label: str) -> None:
        """A calculator result's warnings (prefixed with ``label``) and sources."""
        for warning in result.warnings:
            self.warn(f"{label}: {warning}")
        for source in result.sources:
            self.cite(source)

    def merge(self, other: _Builder) -> None:
        self.events += other.events
        for text in other.warnings:
            self.warn(text)
        for source in other.sources:
            self.cite(source)
        for drug, amount in other.prior.items():
            self.prior[drug] = self.prior.get(drug, 0.0) + amount

    def build(self, start: dt.date) -> Schedule:
        return Schedule(
            start=start,
            events=self.events,
            warnings=tuple(self.warnings),
            sources=tuple(self.sources),
            prior=tuple(self.prior.items()),
        )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def start_date(value: Any, field: str = "start") -> dt.date:
    """A ``datetime.date`` or an ISO string "2026-12-01"; anything else is refused."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value.strip())
    if type(value) is not dt.date:
        raise InputRangeError(
            f'{field} must be a date such as "2026-12-01" (an ISO string) or '
            f"datetime.date(2026, 12, 1); got {value!r:.60}",
            field=field,
            value=value,
        )
    if not EARLIEST_START <= value <= LATEST_START:
        raise InputRangeError(
            f"{field} {value.isoformat()} is outside the plausible range "
            f"{EARLIEST_START.isoformat()} to {LATEST_START.isoformat()}",
            field=field,
            value=value,
        )
    return value


def add_months(day: dt.date, months: int) -> dt.date:
    """``months`` calendar months later; a day the month lacks moves to the next month's 1st
    (never early).

    >>> add_months(dt.date(2026, 11, 30), 3), add_months(dt.date(2026, 12, 1), 6)
    (datetime.date(2027, 3, 1), datetime.date(2027, 6, 1))
    """
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    try:
        return dt.date(year, month, day.day)
    except ValueError:  # the month is too short for that day
        return add_months(dt.date(year, month, 1), 1)


def calendar_weeks(listed: tuple[int, ...], last_day: int) -> list[int]:
    """Days from the first dose: the listed weeks, then every 4 weeks, up to ``last_day``.

    >>> calendar_weeks(CBC_WEEKS, 120)  # weeks 1-4, 6-12 every 2, then 16 (112 days)
    [7, 14, 21, 28, 42, 56, 70, 84, 112]
    """
    days = [7 * w for w in listed]
    day = days[-1] + 28
    while day <= last_day:
        days.append(day)
        day += 28
    return [d for d in days if d <= last_day]


def _number(value: Any, field: str, low: float, high: float) -> float:
    number = u.plain_number(value, field)
    if not low <= number <= high:
        raise InputRangeError(
            f"{field} must be from {low:g} to {high:g}; got {number:g}", field=field, value=value
        )
    return number


def _not_for(given: dict[str, Any], what: str) -> None:
    """Refuse options that do not apply to this result, rather than ignore them."""
    for name, value in given.items():
        if value is not None:
            raise InputRangeError(f"{name} does not apply to {what}", field=name, value=value)


# ---------------------------------------------------------------------------------------------
# IVIg


def _rates(
    product: Any, weight_kg: float, volume_ml: float, b: _Builder
) -> tuple[tuple[float, ...], tuple[float, float] | None]:
    """Pump rates (mL/h) and infusion hours (shortest, longest) for one infusion."""
    first, top = product.initial_rate_mg_per_kg_min, product.max_rate_mg_per_kg_min
    if first is None or top is None:
        b.warn(
            f"{product.name} has no label infusion rates in the catalogue: set the pump "
            "rate from the label"
        )
        return (), None
    b.cite(product.source)
    mg_per_ml = product.concentration_g_per_ml * 1000
    increments, minutes = _increments(product, first, top)
    mg_rates = (first, *increments, top) if minutes else (first, top)
    # The course's dosing weight: in obesity the adjusted weight gives slower (safer) rates.
    steps = tuple(r * weight_kg * 60 / mg_per_ml for r in mg_rates)
    if not minutes:
        b.warn(
            "IVIg pump: start and maximum rate only; increase as tolerated per the label "
            "(the label's increments are not in the reference)",
            IVIG_RATE_GAP,
        )
        return steps, (volume_ml / steps[-1], volume_ml / steps[0])
    hours = _stepped_hours(steps, float(minutes), volume_ml)
    return steps, (hours, hours)


def _increments(product: Any, first: float, top: float) -> tuple[tuple[float, ...], float | None]:
    """A product's optional label increments (mg/kg/min, rising between start and maximum)
    and minutes per step; both or neither."""
    raw = getattr(product, "rate_increments_mg_per_kg_min", ()) or ()
    minutes = getattr(product, "minutes_per_rate_step", None)
    if minutes is None:
        return (), None
    field = "rate_increments_mg_per_kg_min"
    try:
        rates = tuple(float(r) for r in raw)
        per_step = float(minutes)
    except (TypeError, ValueError) as exc:
        raise InputRangeError(
            f"{product.name}: {field} must be numbers and minutes_per_rate_step a number",
            field=field,
            value=raw,
        ) from exc
    chain = (first, *rates, top)
    if not (0 < per_step < math.inf) or any(a >= b for a, b in itertools.pairwise(chain)):
        raise InputRangeError(
            f"{product.name}: rate increments must rise strictly from the initial "
            f"{first:g} to the maximum {top:g} mg/kg/min, with a positive minutes_per_rate_step; "
            f"got {rates} every {minutes!r}",
            field=field,
            value=raw,
        )
    return rates, per_step


def _stepped_hours(steps: tuple[float, ...], minutes: float, volume_ml: float) -> float:
    """Each step runs ``minutes``, the last until the volume is given."""
    left, hours = volume_ml, 0.0
    for rate in steps[:-1]:
        part = rate * minutes / 60
        if left <= part:
            return hours + left / rate
        left, hours = left - part, hours + minutes / 60
    return hours + left / steps[-1]


def _infusions(b: _Builder, course: IVIgCourse, first: dt.date, phase: str, title: str) -> None:
    per_day = course.daily_dose_g if course.dispensed is None else course.dispensed.amount
    # With a product the volume follows from its concentration, even when no vials rounded it.
    volume = None if course.product is None else per_day / course.product.concentration_g_per_ml
    steps: tuple[float, ...] = ()
    hours = None
    if volume is not None:
        steps, hours = _rates(course.product, course.dosing_weight_kg, volume, b)
    for n in range(course.days):
        text = f"IVIg infusion, {title} day {n + 1} of {course.days}: {fmt.mass_g(per_day)}"
        if volume is not None:
            text += f" ({fmt.number(volume, 1)} mL of {course.product.name})"
        if steps:
            text += (
                f"; pump {fmt.number(steps[0], 1)} mL/h rising to at most "
                f"{fmt.number(steps[-1], 1)} mL/h"
            )
        b.add(
            date=first + dt.timedelta(days=n),
            drug=IVIG,
            kind="dose",
            description=text,
            dose_amount=per_day,
            dose_unit="g",
            route="IV",
            phase=phase,
            volume_ml=volume,
            rate_steps_ml_per_h=steps,
            infusion_hours=hours,
        )


def _ivig(
    course: IVIgCourse,
    start: dt.date,
    maintenance: Any,
    count: Any,
    interval: Any,
    assess_after_days: Any,
) -> _Builder:
    b = _Builder(SEED_IVIG_RESPONSE)
    b.absorb(course, IVIG)
    _infusions(b, course, start, "loading", "loading")
    last = start + dt.timedelta(days=course.days - 1)
    wait = int(
        _number(
            IVIG_ASSESS_AFTER_DAYS if assess_after_days is None else assess_after_days,
            "assess_after_days",
            1,
            90,
        )
    )
    b.add(
        date=last + dt.timedelta(days=wait),
        drug=IVIG,
        kind="assessment",
        description=f"IVIg response assessment ({wait} days after the last infusion; the seed "
        "expects a response within days)",
    )
    b.cite(IVIG_ASSESSMENT_GAP)
    if maintenance is None:
        _not_for(
            {"maintenance_count": count, "maintenance_interval_weeks": interval},
            "IVIg without maintenance=",
        )
        return b
    _maintenance(b, course, maintenance, start, count, interval)
    return b


def _maintenance(
    b: _Builder, course: IVIgCourse, maintenance: Any, start: dt.date, count: Any, interval: Any
) -> None:
    if not isinstance(maintenance, IVIgCourse):
        raise InputRangeError(
            "maintenance must be an IVIgCourse, such as ivig(patient, g_per_kg_day=1, days=1)",
            field="maintenance",
            value=maintenance,
        )
    _same_patient(maintenance, course, "maintenance")
    n = whole_number(1 if count is None else count, "maintenance_count", 1, 52)
    weeks = _number(
        IVIG_MAINTENANCE_INTERVAL_WEEKS if interval is None else interval,
        "maintenance_interval_weeks",
        1,
        12,
    )
    b.absorb(maintenance, "IVIg maintenance")
    b.cite(src.IVIG_MAINTENANCE)
    per_cycle = maintenance.g_per_kg_day * maintenance.days
    if abs(per_cycle - IVIG_MAINTENANCE_G_PER_KG) > 1e-9:
        b.warn(
            f"IVIg maintenance of {fmt.number(per_cycle)} g/kg per cycle differs from the "
            "label's 1 g/kg",
            src.IVIG_MAINTENANCE,
        )
    if weeks != IVIG_MAINTENANCE_INTERVAL_WEEKS:
        b.warn(
            f"IVIg maintenance every {fmt.number(weeks)} weeks differs from the label's 3 weeks",
            src.IVIG_MAINTENANCE,
        )
    if maintenance.days + 0.0 > weeks * 7:
        raise InputRangeError(
            "maintenance cycles would overlap", field="maintenance_interval_weeks", value=interval
        )
    for k in range(1, n + 1):
        # Whole days: a fractional interval is rounded up, never early.
        first = start + dt.timedelta(days=math.ceil(k * weeks * 7 - 1e-9))
        _infusions(b, maintenance, first, "maintenance", f"maintenance {k} of {n}")


# ---------------------------------------------------------------------------------------------
# Daily oral regimens


def _daily_amount(result: DailyDose) -> float:
    """One dosing day's amount as dispensed (mg): per dose x doses a day."""
    per_dose = result.per_dose_mg if result.dispensed is None else result.dispensed.amount
    return per_dose * result.doses_per_day


def _dosing_days(first: dt.date, end: dt.date, days_per_week: int) -> Iterator[dt.date]:
    offsets = {i * 7 // days_per_week for i in range(days_per_week)}
    day = first
    while day < end:
        if (day - first).days % 7 in offsets:
            yield day
        day += dt.timedelta(days=1)


def _phases(
    result: DailyDose,
    first: dt.date,
    titration: Sequence[Any] | None,
    first_week: Any,
    step_weeks: Any,
    maintenance: Any,
    maintenance_week: Any,
    b: _Builder,
) -> list[tuple[dt.date, DailyDose, str]]:
    """(first day, regimen, label) of each phase of a daily course."""
    drug, _ = ORAL[result.drug]
    if drug == CICLOSPORIN:
        _not_for(
            {"titration": titration, "first_step_week": first_week, "step_weeks": step_weeks},
            "ciclosporin (it steps down: use maintenance=)",
        )
        return _ciclosporin_phases(result, first, maintenance, maintenance_week, b)
    _not_for(
        {"maintenance": maintenance, "maintenance_week": maintenance_week},
        f"{drug} (only ciclosporin has a maintenance step)",
    )
    steps = _checked_steps(result, () if titration is None else titration)
    if not steps:
        _not_for(
            {"first_step_week": first_week, "step_weeks": step_weeks}, "a course without titration="
        )
        if drug == AZATHIOPRINE:
            b.warn(
                "azathioprine starts at the target dose: the label starts at about 1 mg/kg/day "
                "and increases from week 6-8 (pass titration=, or use plan())",
                AZATHIOPRINE_TITRATION,
            )
        return [(first, result, "")]
    defaults = {
        AZATHIOPRINE: (AZATHIOPRINE_FIRST_STEP_WEEK, AZATHIOPRINE_STEP_WEEKS),
        MYCOPHENOLATE: (MYCOPHENOLATE_STEP_WEEKS, MYCOPHENOLATE_STEP_WEEKS),
    }
    if drug not in defaults and (first_week is None or step_weeks is None):
        raise InputRangeError(
            f"{drug} has no titration timing in the reference: give first_step_week and step_weeks",
            field="first_step_week",
        )
    default_first, default_step = defaults.get(drug, (0, 0))
    week1 = _number(default_first if first_week is None else first_week, "first_step_week", 1, 26)
    every = _number(default_step if step_weeks is None else step_weeks, "step_weeks", 1, 12)
    _cite_titration(drug, week1, every, b)
    out = []
    for n, step in enumerate((*steps, result)):
        day = (
            first if n == 0 else first + dt.timedelta(days=math.ceil(7 * (week1 + every * (n - 1))))
        )
        label = f"titration step {n + 1} of {len(steps) + 1}" if n < len(steps) else "target dose"
        out.append((day, step, label))
    return out


def _cite_titration(drug: str, first_week: float, every: float, b: _Builder) -> None:
    if drug == AZATHIOPRINE:
        b.cite(AZATHIOPRINE_TITRATION)
        b.cite(AZATHIOPRINE_STEP_GAP)
        if not (6 <= first_week <= 8 and every == AZATHIOPRINE_STEP_WEEKS):
            b.warn(
                f"azathioprine titration (first increase at week {fmt.number(first_week)}, then "
                f"every {fmt.number(every)} weeks) differs from the label's week 6-8, then "
                "every 4 weeks",
                AZATHIOPRINE_TITRATION,
            )
    elif drug == MYCOPHENOLATE:
        b.cite(src.MYCOPHENOLATE_TITRATION)
        b.cite(MYCOPHENOLATE_STEP_GAP)


def _checked_steps(result: DailyDose, titration: Sequence[Any]) -> tuple[DailyDose, ...]:
    if isinstance(titration, (str, DailyDose)) or not isinstance(titration, Sequence):
        raise InputRangeError(
            "titration must be a list of the calculator's earlier doses, such "
            "as [azathioprine(p, mg_per_kg_day=1)]",
            field="titration",
            value=titration,
        )
    previous, target = 0.0, _daily_amount(result)
    for step in titration:
        if not isinstance(step, DailyDose) or step.drug != result.drug:
            raise InputRangeError(
                f"each titration step must be a {result.drug} DailyDose",
                field="titration",
                value=step,
            )
        _same_patient(step, result, "titration")
        amount = _daily_amount(step)
        if step.days_per_week != result.days_per_week or not previous < amount < target:
            raise InputRangeError(
                f"titration steps must rise and stay below the target of {fmt.mass_mg(target)} "
                f"a dosing day (as dispensed); got {fmt.mass_mg(amount)}",
                field="titration",
                value=step,
            )
        previous = amount
    return tuple(titration)


def _same_patient(part: Any, result: Any, field: str) -> None:
    """Refuse a step or maintenance dose computed for another patient (another dosing weight)."""
    if part.dosing_weight_kg != result.dosing_weight_kg:
        raise InputRangeError(
            f"{field} was calculated for a dosing weight of {part.dosing_weight_kg} kg, the course "
            f"for {result.dosing_weight_kg} kg: use the same patient",
            field=field,
            value=part,
        )


def _ciclosporin_phases(
    result: DailyDose, first: dt.date, maintenance: Any, week: Any, b: _Builder
) -> list[tuple[dt.date, DailyDose, str]]:
    if maintenance is None:
        _not_for({"maintenance_week": week}, "ciclosporin without maintenance=")
        if (result.mg_per_kg_day or 0) > 3 + 1e-9:
            b.warn(
                "ciclosporin stays at the starting dose: the seed steps down to 2.5-3 "
                "mg/kg/day (pass maintenance=ciclosporin(p, mg_per_kg_day=2.5))",
                src.SEED_CICLOSPORIN,
            )
        return [(first, result, "")]
    if not isinstance(maintenance, DailyDose) or maintenance.drug != result.drug:
        raise InputRangeError(
            "maintenance must be a ciclosporin DailyDose, such as "
            "ciclosporin(p, mg_per_kg_day=2.5)",
            field="maintenance",
            value=maintenance,
        )
    _same_patient(maintenance, result, "maintenance")
    if maintenance.daily_dose_mg > result.daily_dose_mg:
        raise InputRangeError(
            "ciclosporin maintenance must not be above the starting dose",
            field="maintenance",
            value=maintenance,
        )
    weeks = _number(
        CICLOSPORIN_MAINTENANCE_WEEK if week is None else week, "maintenance_week", 1, 26
    )
    b.cite(CICLOSPORIN_STEP_GAP)
    b.absorb(maintenance, "ciclosporin maintenance")
    later = first + dt.timedelta(days=math.ceil(7 * weeks))
    return [(first, result, "starting dose"), (later, maintenance, "maintenance")]


def _oral(
    result: DailyDose,
    first: dt.date,
    end: dt.date,
    titration: Sequence[Any] | None,
    first_week: Any,
    step_weeks: Any,
    maintenance: Any,
    maintenance_week: Any,
    thresholds: tuple[float, ...],
    prior_mg: float,
) -> _Builder:
    drug, route = ORAL[result.drug]
    b = _Builder()
    phases = _phases(
        result, first, titration, first_week, step_weeks, maintenance, maintenance_week, b
    )
    for step in (p[1] for p in phases):
        b.absorb(step, drug)
    for n, (day, step, label) in enumerate(phases):
        stop = phases[n + 1][0] if n + 1 < len(phases) else end
        amount = _daily_amount(step)
        text = _oral_text(step, label)
        for when in _dosing_days(day, min(stop, end), step.days_per_week):
            b.add(
                date=when,
                drug=drug,
                kind="dose",
                description=text,
                dose_amount=amount,
                dose_unit="mg",
                doses_per_day=step.doses_per_day,
                days_per_week=step.days_per_week,
                route=route,
                phase=label,
            )
    if drug == CYCLOPHOSPHAMIDE:
        _cumulative(b, thresholds, prior_mg)
    _monitoring(b, drug, first, end)
    _assessments(b, drug, first, end)
    return b


def _oral_text(step: DailyDose, label: str) -> str:
    per_dose = step.per_dose_mg if step.dispensed is None else step.dispensed.amount
    text = f"{step.drug} {fmt.mass_mg(per_dose)} {step.frequency}"
    if step.dispensed is not None:
        units = " + ".join(f"{n} x {fmt.mass_mg(s)}" for s, n in step.dispensed.units)
        text += f" ({units} {step.dispensed.form})"
    if step.mg_per_kg_day is not None:
        text += f", {fmt.number(step.mg_per_kg_day)} mg/kg/day"
    return f"{text}; {label}" if label else text


def _monitoring(b: _Builder, drug: str, first: dt.date, end: dt.date) -> None:
    last = (end - first).days
    plan: list[tuple[tuple[int, ...], str, Source]] = []
    if drug == AZATHIOPRINE:
        plan = [(CBC_WEEKS, "CBC and LFTs (azathioprine)", AZATHIOPRINE_MONITORING)]
    elif drug == MYCOPHENOLATE:
        plan = [(CBC_WEEKS, "CBC (mycophenolate)", MYCOPHENOLATE_MONITORING)]
    elif drug == CICLOSPORIN:
        plan = [
            (CREATININE_WEEKS, "serum creatinine (ciclosporin)", CICLOSPORIN_MONITORING),
            (BLOOD_PRESSURE_WEEKS, "blood pressure (ciclosporin)", CICLOSPORIN_MONITORING),
        ]
    elif drug == CYCLOPHOSPHAMIDE:
        b.warn(
            "oral cyclophosphamide: the reference gives no blood-count calendar; set one locally",
            ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP,
        )
    for weeks, text, source in plan:
        b.cite(source)
        b.cite(MONTH_GAP)
        for day in calendar_weeks(weeks, last):
            when = "baseline" if day == 0 else f"week {fmt.number(day / 7)}"
            b.add(
                date=first + dt.timedelta(days=day),
                drug=drug,
                kind="monitoring",
                description=f"{text}, {when}",
            )


def _assessments(b: _Builder, drug: str, first: dt.date, end: dt.date) -> None:
    b.cite(src.SEED_DURATION)
    b.cite(MONTH_GAP)
    for months in ASSESS_MONTHS:
        day = add_months(first, months)
        if day <= end:
            b.add(
                date=day,
                drug=drug,
                kind="assessment",
                description=f"{drug} response assessment at {months} months (3-6 months for "
                "full effect; do not judge failure earlier)",
            )
    if add_months(first, ASSESS_MONTHS[0]) > end:
        b.warn(
            f"{drug}: the course ends before 3 months; the seed needs 3-6 months before "
            "judging failure",
            src.SEED_DURATION,
        )


# ---------------------------------------------------------------------------------------------
# Cyclophosphamide IV and cumulative dose


def _thresholds(values: Any) -> tuple[float, ...]:
    if values is None:
        return THRESHOLDS_G
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise InputRangeError(
            "cumulative_thresholds_g must be a list of numbers of grams, such as (20, 36, 50)",
            field="cumulative_thresholds_g",
            value=values,
        )
    return tuple(sorted({_number(v, "cumulative_thresholds_g", 1e-3, 1e3) for v in values}))


def _threshold_source(grams: float) -> Source | None:
    return {
        CUMULATIVE_THRESHOLD_G: src.FAURSCHOU_2008,
        20.0: src.TRAVIS_1995,
        50.0: src.TRAVIS_1995,
    }.get(grams)


def _cumulative(b: _Builder, thresholds: tuple[float, ...], prior_mg: float) -> None:
    """Running cyclophosphamide total on each dose; a warning on any dose that crosses a
    threshold (reaching it counts: conservative)."""
    b.cite(src.FAURSCHOU_2008)
    if prior_mg == 0:
        b.warn(
            "cyclophosphamide: the cumulative dose counts this schedule only; give earlier "
            "exposure as prior_cyclophosphamide_g"
        )
    else:
        b.prior[CYCLOPHOSPHAMIDE] = prior_mg
        passed = [t for t in thresholds if prior_mg >= t * 1000]
        if passed:
            b.warn(
                f"prior cyclophosphamide ({fmt.number(prior_mg / 1000)} g) is already at or above "
                f"the {fmt.number(max(passed))} g threshold: every dose here adds to that risk",
                _threshold_source(max(passed)),
            )
    running = prior_mg
    for i, event in enumerate(b.events):
        if event.drug != CYCLOPHOSPHAMIDE or event.kind != "dose" or event.dose_amount is None:
            continue
        before, running = running, running + event.dose_amount
        crossed = [t for t in thresholds if before < t * 1000 <= running]
        warnings = tuple(
            f"this dose takes the cumulative cyclophosphamide from {fmt.number(before / 1000)} g "
            f"to {fmt.number(running / 1000)} g, reaching the {fmt.number(t)} g threshold"
            + (f" ({source.citation}: {source.rule})" if (source := _threshold_source(t)) else "")
            for t in crossed
        )
        for t, text in zip(crossed, warnings, strict=True):
            b.warn(f"{event.date.isoformat()}: {text}", _threshold_source(t))
        b.events[i] = attrs.evolve(
            event, cumulative_amount=running, warnings=event.warnings + warnings
        )


def _pulses(
    pulse: CyclophosphamidePulse,
    first: dt.date,
    count: Any,
    end: dt.date | None,
    thresholds: tuple[float, ...],
    prior_mg: float,
) -> _Builder:
    if pulse.held:
        raise InputRangeError(
            "a held pulse (0 mg) cannot be scheduled", field="result", value=pulse
        )
    n = whole_number(PULSE_COUNT if count is None else count, "count", 1, 52)
    b = _Builder(NIH_REGIMEN)
    b.absorb(pulse, "cyclophosphamide IV")
    b.cite(src.CYCLOPHOSPHAMIDE_NADIR)
    every = pulse.interval_weeks * 7
    for k in range(n):
        day = first + dt.timedelta(days=math.ceil(k * every - 1e-9))
        if end is not None and day >= end:
            break
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"pre-pulse WBC before pulse {k + 1} (2,000-3,000/uL: give 50 %; below "
            "2,000/uL: hold)",
        )
        b.add(
            date=day,
            drug=CYCLOPHOSPHAMIDE,
            kind="dose",
            route="IV",
            phase="pulses",
            description=f"cyclophosphamide IV pulse {k + 1} of {n}: {fmt.mass_mg(pulse.dose_mg)} "
            f"({fmt.number(pulse.g_per_m2, 3)} g/m2); adjust by nadir WBC "
            "(cyclophosphamide_next_pulse)",
            dose_amount=pulse.dose_mg,
            dose_unit="mg",
        )
        low, high = NADIR_DAYS
        b.add(
            date=day + dt.timedelta(days=low),
            until=day + dt.timedelta(days=high),
            drug=CYCLOPHOSPHAMIDE,
            kind="monitoring",
            description=f"nadir WBC after pulse {k + 1} (10-14 days after the pulse; target about 2,000/uL)",
        )
    _cumulative(b, thresholds, prior_mg)
    last = max(e.date for e in b.events)
    _assessments(
        b,
        CYCLOPHOSPHAMIDE,
        first,
        max(last, add_months(first, ASSESS_MONTHS[-1])) if end is None else end,
    )
    return b


# ---------------------------------------------------------------------------------------------
# Public entry points


def schedule(
    result: Any,
    *,
    start: Any,
    months: int | None = None,
    titration: Sequence[DailyDose] | None = None,
    first_step_week: float | None = None,
    step_weeks: float | None = None,
    maintenance: Any = None,
    maintenance_week: float | None = None,
    maintenance_count: int | None = None,
    maintenance_interval_weeks: float | None = None,
    count: int | None = None,
    cumulative_thresholds_g: Sequence[float] | None = None,
    prior_cyclophosphamide_g: float = 0,
    assess_after_days: int | None = None,
) -> Schedule:
    """Lay one calculator result out on a calendar from ``start``.

    - IVIgCourse: one infusion a day; ``maintenance=ivig(p, g_per_kg_day=1, days=1)`` with
      ``maintenance_count`` cycles every ``maintenance_interval_weeks`` (3, label);
      ``assess_after_days`` (14, a gap) after the last infusion the response is assessed.
    - DailyDose (azathioprine, mycophenolate, ciclosporin, oral cyclophosphamide): daily for
      ``months`` (6) calendar months; ``titration`` lists earlier, lower doses from the calculator
      (azathioprine: first increase at ``first_step_week`` 8, then every ``step_weeks`` 4;
      mycophenolate: weekly); ciclosporin steps down to ``maintenance`` at ``maintenance_week``
      (4, a gap). The drug's monitoring calendar and 3- and 6-month assessments are added.
    - CyclophosphamidePulse: ``count`` (6) pulses at the pulse's interval, a pre-pulse and a nadir
      (day 10-14) WBC check each.

    Cyclophosphamide (IV or oral) tracks the cumulative dose from ``prior_cyclophosphamide_g`` and
    warns on any dose that reaches one of ``cumulative_thresholds_g`` (20, 36 and 50 g).

    >>> from plexodose import Patient, cyclophosphamide_iv
    >>> s = schedule(cyclophosphamide_iv(Patient.example(), g_per_m2=1), start="2026-12-01",
    ...              count=3)  # 1 g/m2 x 1.8708 m2 = 1,870.8 mg every 4 weeks
    >>> [(str(d), round(q, 1)) for d, q in s.cumulative_dose("cyclophosphamide")]
    [('2026-12-01', <Quantity(1870.8, 'milligram')>), ('2026-12-29', <Quantity(3741.7, 'milligram')>), ('2027-01-26', <Quantity(5612.5, 'milligram')>)]
    """
    first = start_date(start)
    thresholds = _thresholds(cumulative_thresholds_g)
    prior = _number(prior_cyclophosphamide_g, "prior_cyclophosphamide_g", 0, 1000) * 1000
    oral_only = {
        "months": months,
        "titration": titration,
        "first_step_week": first_step_week,
        "step_weeks": step_weeks,
        "maintenance_week": maintenance_week,
    }
    ivig_only = {
        "maintenance_count": maintenance_count,
        "maintenance_interval_weeks": maintenance_interval_weeks,
        "assess_after_days": assess_after_days,
    }
    cyclophosphamide = {
        "cumulative_thresholds_g": cumulative_thresholds_g,
        "prior_cyclophosphamide_g": prior_cyclophosphamide_g or None,
    }
    if isinstance(result, IVIgCourse):
        _not_for({**oral_only, "count": count, **cyclophosphamide}, "an IVIg course")
        b = _ivig(
            result,
            first,
            maintenance,
            maintenance_count,
            maintenance_interval_weeks,
            assess_after_days,
        )
    elif isinstance(result, CyclophosphamidePulse):
        _not_for({**oral_only, **ivig_only, "maintenance": maintenance}, "IV pulses")
        b = _pulses(result, first, count, None, thresholds, prior)
    elif isinstance(result, DailyDose) and result.drug in ORAL:
        _not_for({**ivig_only, "count": count}, "a daily oral course")
        if ORAL[result.drug][0] != CYCLOPHOSPHAMIDE:
            _not_for(cyclophosphamide, result.drug)
        n = whole_number(ORAL_MONTHS if months is None else months, "months", 1, 60)
        b = _oral(
            result,
            first,
            add_months(first, n),
            titration,
            first_step_week,
            step_weeks,
            maintenance,
            maintenance_week,
            thresholds,
            prior,
        )
    else:
        raise InputRangeError(
            "result must be an IVIgCourse, a CyclophosphamidePulse or the DailyDose of "
            "azathioprine, oral cyclophosphamide, ciclosporin or mycophenolate; got "
            f"{type(result).__name__}",
            field="result",
            value=result,
        )
    return b.build(first)


def plan(
    patient: Patient,
    *,
    start: Any,
    second_agent: str = "azathioprine",
    refractory_agent: str = "ciclosporin",
    months: int = 12,
    ivig_product: str | IVIgProduct | None = None,
) -> Schedule:
    """The seed's algorithm on a calendar: IVIg, a decision point, the second agent, a
    refractory decision point, then the refractory agent, with the seed's pitfalls as warnings.

    The IVIg response is assessed 14 days after the last infusion (a gap); the second agent
    starts at that decision point and is judged at 3 and 6 months; the refractory decision comes
    at 6 months (the end of the seed's 3-6). Every dose comes from the calculators: azathioprine
    1 then 1.5 mg/kg/day (label titration) up to its default 2 mg/kg/day; mycophenolate 500, 750,
    then 1000 mg twice daily; ciclosporin 5 mg/kg/day, then 2.5 mg/kg/day from week 4;
    cyclophosphamide IV 0.75 g/m2 every 4 weeks, up to 6 pulses inside the phase; oral
    cyclophosphamide 2 mg/kg/day. An agent stops where the next phase starts.

    >>> from plexodose import Patient
    >>> s = plan(Patient.example(), start="2026-12-01")
    >>> [(str(e.date), e.description[:40]) for e in s.filter(kind="decision")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2026-12-19', 'inadequate response to IVIg? If so, star'),
     ('2027-06-19', 'refractory to azathioprine? If so, start'),
     ('2027-12-01', 'end of the 12-month plan: review. Do not')]
    """
    if not isinstance(patient, Patient):
        raise InputRangeError(
            f"patient must be a plexodose.Patient; got {type(patient).__name__}",
            field="patient",
            value=patient,
        )
    p = patient
    first = start_date(start)
    n_months = whole_number(months, "months", 1, 60)
    second = _agent(second_agent, SECOND_AGENTS, "second_agent")
    refractory = _agent(refractory_agent, REFRACTORY_AGENTS, "refractory_agent")
    if second.startswith(CYCLOPHOSPHAMIDE) and refractory.startswith(CYCLOPHOSPHAMIDE):
        raise InputRangeError(
            "refractory_agent must differ from the second agent (both are cyclophosphamide)",
            field="refractory_agent",
            value=refractory_agent,
        )
    end = add_months(first, n_months)
    b = _Builder(SEED_ALGORITHM, SEED_PITFALLS, SEED_MONITORING)
    _pitfalls(b)
    try:
        course = ivig(p, product=ivig_product)
    except InputRangeError as exc:
        if exc.field != "product":
            raise
        raise InputRangeError(
            str(exc).replace("product", "ivig_product", 1),
            field="ivig_product",
            value=ivig_product,
        ) from None
    ivig_part = _ivig(course, first, None, None, None, None)
    b.merge(ivig_part)
    decided = max(e.date for e in ivig_part.events)
    if decided >= end:
        b.warn("the plan ends before the IVIg response can be assessed")
        return _finish(b, first, end, n_months, IVIG)
    b.add(
        date=decided,
        drug=IVIG,
        kind="decision",
        description=(
            f"inadequate response to IVIg? If so, start {_label(second)}; if it responded, consider "
            "maintenance 1 g/kg every 3 weeks (label). Before escalating, rule out structural, "
            "neoplastic or compressive causes"
        ),
        warnings=(_ESCALATE,),
    )
    b.cite(src.IVIG_MAINTENANCE)
    _restudy(b, decided, IVIG)
    switch = add_months(decided, REFRACTORY_DECISION_MONTHS)
    b.cite(REFRACTORY_GAP)
    b.merge(_agent_part(p, second, decided, min(switch, end)))
    if switch >= end:
        b.warn(
            f"the plan ends before the refractory decision ({switch.isoformat()}): extend "
            "months to lay out the refractory agent"
        )
        return _finish(b, first, end, n_months, _drug_of(second))
    b.add(
        date=switch,
        drug=_drug_of(second),
        kind="decision",
        description=(
            f"refractory to {_label(second)}? If so, start {_label(refractory)} (this plan stops "
            f"{_label(second)} here: the reference gives no change-over or taper schedule)"
        ),
        warnings=(_ESCALATE,),
    )
    _restudy(b, switch, _drug_of(second))
    b.merge(_agent_part(p, refractory, switch, end))
    return _finish(b, first, end, n_months, _drug_of(refractory))


_ESCALATE = (
    "before escalating immunotherapy, rule out neoplastic or compressive lesions (repeat MRI)"
)


def _pitfalls(b: _Builder) -> None:
    b.warn("confirm that initial pulse steroids failed before starting this plan", SEED_ALGORITHM)
    b.warn(_ESCALATE[0].upper() + _ESCALATE[1:], SEED_PITFALLS)
    b.warn(
        "judge an immunosuppressant's failure only after 3-6 months (most need that long for "
        "full effect)",
        SEED_PITFALLS,
    )
    b.warn("address neuropathic pain alongside the immunotherapy", SEED_PITFALLS)
    b.warn(
        "never stop immunotherapy abruptly after improvement (relapse): taper; the reference "
        "gives no taper schedule",
        SEED_PITFALLS,
    )
    b.warn(
        "repeat electrodiagnostic studies to document progression or improvement; monitor "
        "the side effects of immunosuppression",
        SEED_MONITORING,
    )


def _restudy(b: _Builder, day: dt.date, drug: str) -> None:
    b.add(
        date=day,
        drug=drug,
        kind="assessment",
        description="repeat MRI if there is no "
        "response: rule out structural, neoplastic or compressive causes",
    )
    b.add(
        date=day,
        drug=drug,
        kind="assessment",
        description="repeat electrodiagnostic studies to document progression or improvement",
    )


def _finish(b: _Builder, first: dt.date, end: dt.date, months: int, drug: str) -> Schedule:
    b.add(
        date=end,
        drug=drug,
        kind="decision",
        description=(
            f"end of the {months}-month plan: review. Do not stop immunotherapy abruptly after "
            "improvement (relapse): taper"
        ),
    )
    return b.build(first)


def _agent(value: Any, allowed: tuple[str, ...], field: str) -> str:
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in allowed:
        raise InputRangeError(
            f"{field} must be one of {', '.join(allowed)}; got {value!r:.60}",
            field=field,
            value=value,
        )
    return "ciclosporin" if key == "cyclosporin" else key


def _label(agent: str) -> str:
    return agent.replace("_iv", " IV").replace("_oral", " (oral)")


def _drug_of(agent: str) -> str:
    return drug_name(agent.split("_")[0])


def _agent_part(p: Patient, agent: str, first: dt.date, end: dt.date) -> _Builder:
    """One agent's phase of the plan, every dose from its calculator's defaults."""
    none: tuple[float, ...] = ()
    if agent == "cyclophosphamide_iv":
        pulse = cyclophosphamide_iv(p)
        return _pulses(pulse, first, PULSE_COUNT, end, THRESHOLDS_G, 0.0)
    if agent == "cyclophosphamide_oral":
        return _oral(
            cyclophosphamide_oral(p), first, end, None, None, None, None, None, THRESHOLDS_G, 0.0
        )
    if agent == "azathioprine":
        target = azathioprine(p)
        steps = _rising([azathioprine(p, mg_per_kg_day=r) for r in (1.0, 1.5)], target)
        return _oral(target, first, end, steps, None, None, None, None, none, 0.0)
    if agent == "mycophenolate":
        target = mycophenolate(p)
        steps = _rising([mycophenolate(p, mg_per_dose=d) for d in (500, 750)], target)
        return _oral(target, first, end, steps, None, None, None, None, none, 0.0)
    start_dose = ciclosporin(p)
    return _oral(
        start_dose, first, end, None, None, None, ciclosporin(p, mg_per_kg_day=2.5), None, none, 0.0
    )


def _rising(steps: list[DailyDose], target: DailyDose) -> list[DailyDose]:
    """The steps that each rise above the last and stay below the target."""
    kept: list[DailyDose] = []
    for step in steps:
        last = _daily_amount(kept[-1]) if kept else 0.0
        if last < _daily_amount(step) < _daily_amount(target):
            kept.append(step)
    return kept
