"""The schedule's event model: :class:`Event` and :class:`Schedule`, and nothing that computes a dose.

The exporters (``plexodose._interop``) depend on this module only; the Schedule's export methods
import them lazily, on use.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import attrs

from plexodose._core import format as fmt
from plexodose._core import units as u
from plexodose._core import vocab
from plexodose._core.alerts import Alert, matched
from plexodose._core.checks import one_of
from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._dosing.results import frequency_text

KINDS = ("dose", "monitoring", "assessment", "decision")
DAY_ORDER = ("assessment", "decision", "monitoring", "dose")  # within one day
IVIG, AZATHIOPRINE, CYCLOPHOSPHAMIDE = "IVIg", "azathioprine", "cyclophosphamide"
CICLOSPORIN, MYCOPHENOLATE = "ciclosporin", "mycophenolate mofetil"
DRUGS = vocab.SCHEDULE_DRUGS  # (IVIG, AZATHIOPRINE, CYCLOPHOSPHAMIDE, CICLOSPORIN, MYCOPHENOLATE)
drug_name = vocab.drug_name


def _maximum(_: Any, attribute: Any, value: Any) -> None:
    """A maximum is None or a finite amount above 0: every export writes it as it is."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InputRangeError(
            f"{attribute.name} must be a finite amount above 0 or None; got {safe_repr(value)}",
            field=attribute.name,
            value=value,
        )


@public
@attrs.frozen(kw_only=True, repr=False)
class Event:
    """One dated item: a dose, a monitoring test, a response assessment or a decision point.

    ``dose`` is what is given on ``date`` (the day's total for an oral drug taken
    ``doses_per_day`` times; ``per_dose`` is one administration). ``until`` ends a window
    (a nadir check at day 10-14). An IVIg infusion with a product carries ``volume_ml``,
    ``rate_steps_ml_per_h`` and ``infusion_hours`` (shortest, longest). ``max_per_dose`` and
    ``max_per_day`` are the most one administration and one dosing day may hold under the limits
    of the result the dose came from (in ``dose_unit``; None where there is none: an IV pulse
    has a limit per pulse, not per day).
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
    max_per_dose: float | None = attrs.field(default=None, validator=_maximum)
    max_per_day: float | None = attrs.field(default=None, validator=_maximum)
    warnings: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = attrs.field(default=(), eq=False)
    """``warnings`` with their codes, severities and sources, in the same order. ``warnings``
    is what the event says: an alert whose text is not among them is dropped, a warning given
    without its alert is coded ``plexodose.uncoded`` (``with_alerts`` sets both)."""

    def __attrs_post_init__(self) -> None:
        if self.alerts or self.warnings:
            _reconcile(self)

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


def _reconcile(made: Event | Schedule) -> None:
    """One alert per warning, text for text; the warnings decide (see :attr:`Event.alerts`)."""
    alerts, warnings = made.alerts, made.warnings
    if len(alerts) != len(warnings) or any(a.text != w for a, w in zip(alerts, warnings, strict=True)):
        object.__setattr__(made, "alerts", matched(warnings, alerts))


def with_alerts(made: Any, alerts: Iterable[Alert], **changes: Any) -> Any:
    """``made`` (an Event or Schedule) with ``alerts``, its warnings their texts."""
    kept = tuple(alerts)
    return attrs.evolve(made, alerts=kept, warnings=tuple(a.text for a in kept), **changes)


def _sort_key(event: Event) -> tuple[dt.date, int, str]:
    return event.date, DAY_ORDER.index(event.kind), event.drug


def _sorted(events: Iterable[Event]) -> tuple[Event, ...]:
    return tuple(sorted(events, key=_sort_key))


def _unit_of(drug: str) -> str:
    return "g" if drug == IVIG else "mg"


@public
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
    original: Schedule | None = attrs.field(default=None, eq=False)
    """The plan before :func:`replan` changed it (None for a plan no result has changed)."""
    reviews: tuple[Any, ...] = attrs.field(default=(), eq=False)
    """The reviews (``plexodose.Review``) a re-plan made, one per result, in date order."""
    alerts: tuple[Alert, ...] = attrs.field(default=(), eq=False)
    """The schedule's own ``warnings`` with their codes, severities and sources (as
    :attr:`Event.alerts`)."""

    def __attrs_post_init__(self) -> None:
        if self.alerts or self.warnings:
            _reconcile(self)

    def changes(self) -> tuple[tuple[Event, ...], tuple[Event, ...]]:
        """(removed, added): the events of the original plan that a re-plan dropped, and the
        events it added; both empty when there is no original.
        """
        if self.original is None:
            return (), ()
        before, after = Counter(self.original.events), Counter(self.events)
        removed = _sorted((before - after).elements())
        added = _sorted((after - before).elements())
        return removed, added

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def __getitem__(self, index: int) -> Event:
        return self.events[index]

    def filter(self, *, drug: str | None = None, kind: str | None = None) -> Schedule:
        """The events of ``drug`` and/or ``kind``, as a Schedule with the same warnings."""
        name = None if drug is None else drug_name(drug)
        if kind is not None:
            kind = one_of(kind, KINDS, "kind")
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
        from plexodose._interop import tabular

        return tabular.records(self)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form: events with UCUM quantities, warnings, sources, prior exposure."""
        from plexodose._interop.json import schedule_dict

        return schedule_dict(self)

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (keys sorted)."""
        from plexodose._interop.json import dumps

        return dumps(self.to_dict(), indent)

    def to_csv(self) -> str:
        """The records as CSV (one row per event; lists joined with "; ").

        >>> from plexodose import Patient, ivig, schedule
        >>> schedule(ivig(Patient.example()), start="2026-12-01").to_csv().splitlines()[1][:40]
        '2026-12-01,,IVIg,dose,loading,"IVIg infu'
        """
        from plexodose._interop import tabular

        return tabular.csv_text(self)

    def to_text(self) -> str:
        """An aligned table for a person: runs of identical daily doses on one line."""
        from plexodose._views import table

        return table.text(self)

    def to_ics(
        self,
        *,
        stamp: dt.datetime | None = None,
        subject: dict[str, Any] | None = None,
        namespace: Any = None,
    ) -> str:
        """An RFC 5545 calendar, one all-day VEVENT per event; ``stamp`` an aware datetime.

        UIDs are unique per patient and plan: stable for the same ``subject`` (a FHIR Reference)
        or ``namespace`` (a uuid.UUID or text), random when neither is given.
        """
        from plexodose._interop import ics

        return ics.to_ics(self, stamp=stamp, subject=subject, namespace=namespace)

    def to_fhir(
        self,
        *,
        subject: dict[str, Any] | None = None,
        namespace: Any = None,
        bundle_type: Literal["collection", "transaction"] = "collection",
    ) -> dict[str, Any]:
        """A FHIR R4 Bundle (JSON-ready dict): MedicationRequest per drug phase, ServiceRequest
        per monitoring, assessment or decision event; ``subject`` is a FHIR Reference.

        Ids are unique per patient and plan: stable for the same ``subject`` or ``namespace``
        (a uuid.UUID or text), random when neither is given. ``bundle_type="transaction"``
        gives POST entries with a conditional create on each resource's identifier.

        >>> from plexodose import Patient, ivig, schedule
        >>> bundle = schedule(ivig(Patient.example()), start="2026-12-01").to_fhir()
        >>> [e["resource"]["resourceType"] for e in bundle["entry"]]
        ['MedicationRequest', 'ServiceRequest']
        >>> bundle["entry"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
        {'value': 28.8, 'unit': 'g', 'system': 'http://unitsofmeasure.org', 'code': 'g'}
        """
        from plexodose._interop import fhir_out

        return fhir_out.to_fhir(self, subject=subject, namespace=namespace, bundle_type=bundle_type)

    def plot(self, path: Any = None) -> Any:
        """A matplotlib Figure: one lane per drug; saved as PNG when ``path`` is given."""
        from plexodose._interop import plot

        return plot.plot(self, path)

    def __repr__(self) -> str:
        return self.to_text()

    def __str__(self) -> str:
        return self.to_text()

    def to_dataframe(self) -> Any:
        """The records as a pandas DataFrame with datetime columns (needs ``plexodose[batch]``)."""
        from plexodose._interop import tabular

        return tabular.to_dataframe(self)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: wrapped to its width
        from plexodose._views.render import terminal_text

        printer.text(terminal_text(self.to_text(), getattr(printer, "max_width", 0)))

    def _repr_html_(self) -> str:  # Jupyter: see plexodose._views.render
        from plexodose._views import render as _views

        return _views.html(self)

    def _repr_markdown_(self) -> str:
        from plexodose._views import render as _views

        return _views.markdown(self)


def _recovered_alerts(made: Event | Schedule) -> dict[str, Any]:
    """An event or schedule pickled before alerts (0.3.0): its warnings, uncoded."""
    return {"alerts": matched(made.warnings, ())}


loads_older_pickles(Event, recover=_recovered_alerts)
loads_older_pickles(Schedule, recover=_recovered_alerts)
