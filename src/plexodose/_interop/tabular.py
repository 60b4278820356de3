"""Records (plain dicts), CSV and a pandas DataFrame of a schedule.

All text is written by plexodose from the events' floats and its own unit words ("g", "mg"),
never from pint, so it reads the same under any pint format setting; every string goes through
:func:`~plexodose._core.text.clean` (no control characters or line separators).

A dose row carries what a screen of the order needs: ``drug_key`` (the library's key, with the
route for cyclophosphamide), ``dose`` (the dosing day's amount, or the pulse), ``per_dose`` (one
administration), ``doses_per_day``, ``days_per_week`` and ``dose_unit``. Joined to the patient's
columns it is audited as it is by :func:`plexodose.batch.audit`.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

from plexodose._core import vocab
from plexodose._core.extras import require
from plexodose._core.text import clean

if TYPE_CHECKING:
    from plexodose._schedule.model import Event, Schedule

FIELDS = (
    "date",
    "until",
    "drug",
    "kind",
    "phase",
    "description",
    "dose",
    "dose_unit",
    "per_dose",
    "doses_per_day",
    "route",
    "volume_ml",
    "rate_steps_ml_per_h",
    "infusion_hours_min",
    "infusion_hours_max",
    "cumulative",
    "max_per_dose",
    "max_per_day",
    "warnings",
    "drug_key",  # added last: a CSV's earlier columns keep their places
    "days_per_week",
)


def record(e: Event) -> dict[str, Any]:
    """One event as a JSON-serialisable dict: ISO dates, floats in ``dose_unit``, lists."""
    dose, per_dose = e.dose_amount, None
    if dose is not None:
        # The guard lets a dose reach its maximum within float noise (1e-9): such a dose is
        # written as the maximum, so no record states a dose above the maximum beside it.
        if e.max_per_day is not None:
            dose = min(dose, e.max_per_day)
        if e.max_per_dose is not None:
            dose = min(dose, e.max_per_dose * e.doses_per_day)
        per_dose = dose / e.doses_per_day
    hours = e.infusion_hours or (None, None)
    return {
        "date": e.date.isoformat(),
        "until": None if e.until is None else e.until.isoformat(),
        "drug": clean(e.drug),
        "kind": clean(e.kind),
        "phase": clean(e.phase),
        "description": clean(e.description),
        "dose": dose,
        "dose_unit": e.dose_unit,
        "per_dose": per_dose,
        "doses_per_day": e.doses_per_day if e.dose_amount is not None else None,
        "route": None if e.route is None else clean(e.route),
        "volume_ml": e.volume_ml,
        "rate_steps_ml_per_h": list(e.rate_steps_ml_per_h),
        "infusion_hours_min": hours[0],
        "infusion_hours_max": hours[1],
        "cumulative": e.cumulative_amount,
        "max_per_dose": e.max_per_dose,
        "max_per_day": e.max_per_day,
        "warnings": [clean(w) for w in e.warnings],
        "drug_key": drug_key(e),
        "days_per_week": e.days_per_week if e.dose_amount is not None else None,
    }


def drug_key(e: Event) -> str | None:
    """The library's key of the event's drug (``cyclophosphamide_iv``...): a schedule names both
    cyclophosphamides "cyclophosphamide", so its route tells them apart (None when it has none)."""
    if e.drug == vocab.CYCLOPHOSPHAMIDE:
        route = (e.route or "").lower()
        return f"{vocab.CYCLOPHOSPHAMIDE}_{route}" if route in ("oral", "iv") else None
    return vocab.drug_key(e.drug)


def records(schedule: Schedule) -> list[dict[str, Any]]:
    return [record(e) for e in schedule]


def csv_text(schedule: Schedule) -> str:
    """CSV with a header row; empty cells for None, lists joined with "; "."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in records(schedule):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(csv_value(v)) for v in value)
    return csv_value(value)


CSV_RELATIVE_TOLERANCE = 1e-12  # a CSV number reads back within this of the record's float


def csv_number(x: float) -> str:
    """The shortest text of ``x`` that reads back within a relative 1e-12 (float noise such as
    0.4 x 82 = 32.800000000000004 is not written), in Python's float form.

    >>> csv_number(0.4 * 82), csv_number(0.8892276422764227), csv_number(100.0)
    ('32.8', '0.889227642276', '100.0')
    """
    if x != x or x in (float("inf"), float("-inf")):
        return repr(x)
    for digits in range(1, 18):  # 17 significant digits always read back exactly
        rounded = f"{x:.{digits}g}"
        if abs(float(rounded) - x) <= CSV_RELATIVE_TOLERANCE * abs(x):
            text = repr(float(rounded))  # Python's form: "100.0", not "1e+02"
            # ... unless that form brings the noise back (2.0908545421845002e+18)
            return rounded if _significant(text) > digits else text
    return repr(x)


def _significant(text: str) -> int:
    return max(1, len(text.lower().split("e")[0].lstrip("-").replace(".", "").strip("0")))


def csv_value(value: Any) -> Any:
    """A float as :func:`csv_number`; an integer (bool included) and text as they are."""
    return csv_number(value) if isinstance(value, float) else value


def to_dataframe(schedule: Any) -> Any:
    """The schedule's records as a pandas DataFrame, dates as ``datetime64`` (needs pandas).

    >>> from plexodose import Patient, ivig, schedule
    >>> frame = schedule(ivig(Patient.example()), start="2026-12-01").to_dataframe()
    >>> row = frame.iloc[0]
    >>> row["drug"], row["kind"], float(row["dose"]), row["dose_unit"]  # 0.4 g/kg x 72 kg
    ('IVIg', 'dose', 28.8, 'g')
    >>> frame["date"].iloc[0].isoformat()  # a pandas Timestamp
    '2026-12-01T00:00:00'
    """
    pandas: Any = require("pandas", "Schedule.to_dataframe()")

    frame = pandas.DataFrame.from_records(schedule.to_records(), columns=list(FIELDS))
    for column in ("date", "until"):
        frame[column] = pandas.to_datetime(frame[column])
    return frame
