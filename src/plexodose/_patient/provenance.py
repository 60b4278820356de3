"""Whose value, from when: the dates and origins of a patient's values, and how old is too old.

A :class:`~plexodose.Patient` may say when each value was measured (``measured``), where it
came from (``origins``, such as a FHIR Observation id), the date of the decision (``on``) and
when a value older than its window was confirmed (``confirmed``). Every result lists the values
it used as :class:`ValueUsed` records; a value given without a date is "date not stated", never
assumed fresh. The windows are the reference's defaults ("Whose value, from when") and can be
set per patient (``windows``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from plexodose._core.checks import checked_date, checked_text, whole_number
from plexodose._core.errors import InputRangeError, choice_error
from plexodose._core.record import Record
from plexodose._core.sources import Source

DATED = ("weight", "height", "serum_creatinine", "baseline_creatinine")
"""The Patient values that may carry a measurement date and an origin."""
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

# [gap, hospital practice] clinical rules, "Whose value, from when"
WEIGHT_WINDOW_DAYS = 30
PULSE_WINDOW_DAYS = 7  # an IV cyclophosphamide pulse or an IVIg course
CREATININE_WINDOW_DAYS = 30  # renal dose rules at the start (or the drug's test interval)
HEIGHT_WARNING_DAYS = 365  # an adult height older than 1 year: "re-measure"
WINDOW_RANGE_DAYS = (1, 3650)

WEIGHT_STALE = Source(
    "gap",
    "plexodose choice from hospital practice (MGB chemotherapy ordering: weight re-entered "
    "every 30 days; pre-infusion work-up within 1 week, Michigan protocol)",
    "a weight older than 30 days (7 days for an IV cyclophosphamide pulse or an IVIg course) "
    "is not used for a dose unless confirmed",
    id="values.weight.stale",
    links=(
        "clinicalhelp.mgb.org/orderentry/defineChemoWeight.htm",
        "wiki.med.umich.edu/display/NEURO/VA+Cyclophosphamide+Protocol",
    ),
)
CREATININE_STALE = Source(
    "gap",
    "plexodose choice (clinical rules, 'Whose value, from when'; documentation: Values and dates)",
    "renal dose rules need a creatinine no older than 30 days at the start (7 days before an "
    "IV pulse or an IVIg course)",
    id="values.creatinine.stale",
)
HEIGHT_OLD = Source(
    "gap",
    "plexodose choice (clinical rules, 'Whose value, from when'; documentation: Values and dates)",
    "an adult height older than 1 year gives a warning: re-measure",
    id="values.height.old",
)
DATE_NOT_STATED = Source(
    "gap",
    "plexodose choice (clinical rules, 'Whose value, from when'; documentation: Values and dates)",
    "a value given without a date is reported as 'date not stated', never assumed fresh",
    id="values.date.not_stated",
)
REVIEW_WINDOW = Source(
    "gap",
    "plexodose choice (clinical rules, 'Labs for a review decision'; documentation: Values and "
    "dates)",
    "a result older than the drug's current test interval cannot support 'continue': repeat it",
    id="values.review.window",
)
BASELINE_WINDOW = Source(
    "gap",
    "plexodose choice (clinical rules, 'Labs for a dose decision'; documentation: Values and "
    "dates)",
    "baseline labs no older than 30 days at the start; the newer value wins",
    id="values.baseline.window",
)
DATE_ORDER = Source(
    "gap",
    "plexodose data hygiene (clinical rules, 'Whose value, from when'; documentation: Values and "
    "dates)",
    "a baseline is dated before the start; a nadir after its pulse and not after the decision "
    "date; 'stable since' not before the start; nothing after the decision date",
    id="values.date.order",
)
BASELINE_WINDOW_DAYS = 30


class ValueUsed(Record):
    """One patient value a result rests on: what it was, when it was measured, where from.

    ``text`` is the value as it was typed, with the canonical value beside it where the
    reading changed the number ("80 umol/L (0.905 mg/dL)", "72 kg"); a value given as a
    Quantity, or kept by a pickle older than 0.3, shows the canonical value alone.
    """

    __slots__ = ()

    name: str
    text: str
    measured: dt.date | None = None
    origin: str | None = None
    confirmed: dt.date | None = None

    def __str__(self) -> str:
        when = "date not stated" if self.measured is None else f"measured {self.measured.isoformat()}"
        parts = [when]
        if self.origin is not None:
            parts.append(self.origin)
        if self.confirmed is not None:
            parts.append(f"confirmed {self.confirmed.isoformat()}")
        return f"{self.name.replace('_', ' ')} {self.text} ({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.text,
            "measured": None if self.measured is None else self.measured.isoformat(),
            "origin": self.origin,
            "confirmed": None if self.confirmed is None else self.confirmed.isoformat(),
        }


def _pairs(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, tuple) and all(isinstance(p, tuple) and len(p) == 2 for p in value):
        value = dict(value)  # the form a Patient stores (attrs.evolve, pickles)
    if not isinstance(value, Mapping):
        raise InputRangeError(
            f'{field} must map value names to dates, such as {{"weight": "2026-11-30"}}; '
            f"got {type(value).__name__}",
            field=field,
            value=value,
        )
    out = {}
    for key, item in value.items():
        if not isinstance(key, str) or key not in DATED:
            raise choice_error(key, DATED, field)
        out[key] = item
    return out


def dates(value: Any, field: str) -> tuple[tuple[str, dt.date], ...]:
    """``{"weight": "2026-11-30"}`` as sorted (name, date) pairs, each date checked."""
    found = _pairs(value, field)
    return tuple(sorted((k, checked_date(v, f"{field}[{k}]", EARLIEST, LATEST)) for k, v in found.items()))


def texts(value: Any, field: str) -> tuple[tuple[str, str], ...]:
    found = _pairs(value, field)
    return tuple(sorted((k, checked_text(v, f"{field}[{k}]")) for k, v in found.items()))


def windows(value: Any, field: str = "windows") -> tuple[tuple[str, int], ...]:
    found = _pairs(value, field)
    low, high = WINDOW_RANGE_DAYS
    return tuple(sorted((k, whole_number(v, f"{field}[{k}]", low, high)) for k, v in found.items()))


def check_order(
    *,
    given: dict[str, bool],
    measured: tuple[tuple[str, dt.date], ...],
    confirmed: tuple[tuple[str, dt.date], ...],
    origins: tuple[tuple[str, str], ...],
    on: dt.date | None,
    age: float | None,
) -> None:
    """Refuse dates that make no sense: a date for a value not given, after the decision date,
    before birth (as far as the age tells), a confirmation before the measurement."""
    for field, pairs in (("measured", measured), ("confirmed", confirmed), ("origins", origins)):
        for name, _ in pairs:
            if not given[name]:
                raise InputRangeError(
                    f"{field}[{name}] is given but the patient has no {name}",
                    field=field,
                    value=name,
                )
    when = dict(measured)
    for field, pairs in (("measured", measured), ("confirmed", confirmed)):
        for name, date in pairs:
            if on is not None and date > on:
                raise InputRangeError(
                    f"{field}[{name}] {date.isoformat()} is after the decision date "
                    f"{on.isoformat()} (on=): a value cannot come from the future",
                    field=field,
                    value=date,
                )
            if on is not None and age is not None:
                born_by = on - dt.timedelta(days=round((age + 1) * 365.25))
                if date < born_by:
                    raise InputRangeError(
                        f"{field}[{name}] {date.isoformat()} is before the patient's birth (age "
                        f"{age:g} on {on.isoformat()}: born after {born_by.isoformat()})",
                        field=field,
                        value=date,
                    )
    for name, date in confirmed:
        if name in when and date < when[name]:
            raise InputRangeError(
                f"confirmed[{name}] {date.isoformat()} is before the value was measured "
                f"({when[name].isoformat()})",
                field="confirmed",
                value=date,
            )
