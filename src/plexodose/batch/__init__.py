"""Audit many orders at once: a pandas DataFrame of orders in, a DataFrame of verdicts out.

Each row is one order for one patient. :func:`audit` applies the order screen's rules
(:func:`plexodose.screen`, clinical rules "Screening an order someone else wrote") on whole
columns, with the scalar calculators' own constants and kernels, and gives each row a status
and the screen's category. :func:`audit_dask` runs it on every partition of a Dask DataFrame.
``import plexodose`` does not import this package (it needs numpy and pandas).

Input columns (a missing optional column counts as not given):

============================  ======================================================================
``drug``                      ``ivig``, ``azathioprine``, ``cyclophosphamide_oral``,
                              ``cyclophosphamide_iv`` (g/m2), ``ciclosporin``,
                              ``mycophenolate``, ``cyclophosphamide_iv_mg_per_kg``, the
                              names results and schedules write (``IVIg``, ``cyclophosphamide
                              (oral)``, ``mycophenolate mofetil``) and ``cyclosporin``; case,
                              spaces and hyphens are ignored. ``cyclophosphamide`` alone takes
                              its route from ``route``. Any other name is refused
                              (:class:`~plexodose.InputRangeError`) unless
                              ``unknown_drugs="flag"``.
``route``                     ``oral`` or ``IV`` (as ``Schedule.to_records()`` writes it); read
                              for ``cyclophosphamide`` only
``weight``, ``weight_unit``   a number and a mass unit (``kg``, ``g``, ``lb``); or, without the
                              unit column, text such as ``"72.4 kg"``
``dose``, ``dose_unit``       the ordered dose (or text such as ``"150 mg/day"``): a mass per
                              time (``mg/day``, ``g/day``) is the dosing day's amount; a mass
                              (``mg``, ``g``) is one administration: the pulse for IV
                              cyclophosphamide, else one of ``doses_per_day`` doses. At most
                              200 g as written (the order screen's typing guard)
``per_dose``                  optional, in ``dose_unit`` (as ``Schedule.to_records()`` writes
                              it): one administration. A row with one is read from it, and its
                              ``dose`` is the dosing day's amount (the pulse for IV), which must
                              be ``per_dose`` x ``doses_per_day``
``doses_per_day``             optional whole number, 1-24 (as :class:`plexodose.Order`); not
                              given: the protocol's (ciclosporin and mycophenolate 2, the others
                              1), said in ``note``. Azathioprine's protocol has 1 or 2, so its
                              plain mass needs the column (how often is it given?)
``days_per_week``             optional whole number, 1-7 (default 7)
``height``, ``height_unit``   optional (or text); needed for ``cyclophosphamide_iv`` (BSA);
                              with ``sex``, for IVIg's dosing weight (adjusted above BMI 30)
``sex``                       optional, ``female`` or ``male``
``age``                       optional, plain years (as ``Patient(age=...)``)
``serum_creatinine``,         optional (or text); ``mg/dL`` or ``umol/L``; with age and sex it
``creatinine_unit``           gives the renal checks of azathioprine, mycophenolate and
                              ciclosporin; with age the EULAR table of IV pulses
============================  ======================================================================

Output columns, on the input's index: ``drug`` (the canonical name), ``ordered_mg`` (the order
in mg per dosing day, or per pulse for the IV cyclophosphamide pulses), ``per`` (``day`` or
``pulse``), ``low_mg``, ``high_mg`` (the calculator's dose at the two ends of the protocol),
``accepted_low_mg``, ``accepted_high_mg`` (the band the audit accepts: the range widened to
what the calculator dispenses for its ends, whole tablets or vials, never past a cap; for IVIg
the lowest and highest amounts of its courses), ``cap_mg`` (the hard cap; NaN without one),
``status``, ``category`` (the order screen's), ``reason`` (why the row is flagged: for an
input, its field, value and accepted range; for a dose, each rule it breaks, worst first, whose
numbers are in the columns; empty when ``ok``) and ``note`` (what the audit could not check,
and the warnings of an order within the rules: ciclosporin above the label's 4 mg/kg/day, an
IV pulse above the EULAR/CYCLOPS share for age and creatinine).
``drug``, ``per``, ``status``, ``category`` and ``note`` are categoricals, ``reason`` a
``string[pyarrow]`` column, the rest floats: the result writes to Parquet as it is.

A bad row never stops the audit: ``status`` is the first that applies, and ``category`` is the
order screen's category for it (:data:`CATEGORY_OF`):

=====================  ===============  ===========================================================
status                 category         the row
=====================  ===============  ===========================================================
``unknown_drug``       not_screened     a drug the audit does not know (``unknown_drugs="flag"``)
``over_cap``           above_hard       above an absolute limit: refused, reason or not (a limit
                                        that needs no patient value is judged even when one is
                                        missing, as the screen does)
``missing_data``       not_screened     a value the rules need is not given (weight, dose, height
                                        for a BSA, height and sex for IVIg's dosing weight, age
                                        and creatinine for a mg/kg pulse)
``wrong_unit``         not_screened     no unit, an unknown unit or one of the wrong dimension
``implausible_input``  not_screened     outside the limits of :mod:`plexodose._core.limits` (the
                                        ones :class:`plexodose.Patient` enforces), not a real
                                        number, infinity, a dose that is not ``per_dose`` x
                                        ``doses_per_day``
``minor``              not_screened     under 18 (the scalar API needs ``minor_override``)
``contraindicated``    above_soft       ciclosporin at eGFR < 60; an IV cyclophosphamide pulse
                                        with creatinine above the EULAR table's 500 umol/L
``off_protocol``       above_soft       a frequency that is not the protocol's (``doses_per_day``,
                                        ``days_per_week``), or an IVIg daily amount that is not
                                        one of its courses
``above_range``        above_soft       above the patient's range: needs a stated reason
``under_range``        below            under the range: a warning
``ok``                 within           within the rules the audit reads
=====================  ===============  ===========================================================

The statuses are ranked as the screen ranks its categories (above_hard, not_screened,
above_soft, below, within), so the first that applies is the worst finding; the reason names
every finding. A band end is crossed only beyond float rounding (relative 1e-9, the screen's).

What the audit judges is the order screen's dimensions a row holds (:data:`SCREENED_DIMENSIONS`):
per dose, per day, frequency, and the patient's condition (ciclosporin's eGFR, the EULAR
age/creatinine table of IV pulses). A row holds no interval between pulses or courses, no course
length, no cumulative cyclophosphamide, no last pulse, pre-pulse counts, baseline creatinine,
genotype or allopurinol: those the audit does not judge (screen the order for them).
``tests/batch/test_batch_screen_agreement.py`` checks that the category equals the screen's on
10^5 generated orders and names where the screen departs from the reference (the calculators'
own doses: azathioprine twice daily, a renally reduced azathioprine range, the rounded low ends,
a capped mg/kg pulse).

The range is what the scalar calculators give at the ends of the protocol, for a patient built
from the row with normal TPMT/NUDT15 and no baseline creatinine: the same formulas in the same
order, equal to float rounding (``tests/batch/test_batch.py`` checks random samples to a relative
1e-12). The rules, one function each in :mod:`plexodose.batch._rules`:

* ``ivig``: ``ivig(p, g_per_kg_day=0.4, days=5)`` to ``ivig(p, g_per_kg_day=1, days=1)`` daily
  (auto weight basis); the cap is ``MAX_G_PER_KG_DAY`` times the same dosing weight. Within: the
  amount of a seed or labelled course (0.4 or 1 g/kg/day, 1 g/kg over 2-4 days) within 10 %, or
  its nearest 5 g; another amount is ``off_protocol``. Without height and sex no dosing weight
  is chosen: not screened, unless above 1 g/kg/day of actual weight. Only the daily amount is
  audited.
* ``azathioprine``: ``azathioprine(p, mg_per_kg_day=1)`` to ``(..., =2)`` (150 mg/day cap, renal
  reduction); accepted: the 25/50 mg tablets the calculator dispenses at the order's frequency
  (144 -> 150 mg), never past a renally reduced range's upper end.
* ``cyclophosphamide_oral``: 1 to 2 mg/kg/day with the creatinine band, at most
  ``ORAL_MAX_MG_PER_DAY``; the cap is the band's mg/kg/day (2, 1.75, 1.5) and that maximum.
* ``cyclophosphamide_iv``: 0.3 to 1 g/m2 x Mosteller BSA per pulse (a pulse is prepared to the
  whole mg: half a mg at those edges); the cap is ``IV_HARD_MAX_G_PER_M2`` times the BSA. Above
  the EULAR/CYCLOPS share for age and creatinine it warns (``note``); with creatinine above the
  table's 500 umol/L it is ``contraindicated``.
* ``ciclosporin``: 2.5 to 5 mg/kg/day; 5 mg/kg/day is the cap, and capsules round down where
  the nearest would pass it; at eGFR < 60, ``contraindicated`` beside the range's finding.
* ``cyclophosphamide_iv_mg_per_kg``: the EULAR/CYCLOPS pulse,
  ``cyclophosphamide_pulse_reduction(p).dose`` (15 mg/kg reduced for age and creatinine; needs
  both), at most ``PULSE_MAX_MG``, which is also the cap.
* ``mycophenolate``: 500 to 1,500 mg a dose and 1,000 to 3,000 mg a day; below eGFR 25 at most
  ``LOW_EGFR_MAX_MG_PER_DAY`` a day, whatever the number of doses.

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "drug": ["azathioprine", "azathioprine", "ivig", "mycophenolate mofetil"],
...     "weight": [72, 72, 158, 72], "weight_unit": ["kg", "kg", "lb", "kg"],
...     "height": 175, "height_unit": "cm", "sex": "male",
...     "dose": [150, 200, 30, 250], "dose_unit": ["mg/day", "mg/day", "g/day", "mg"]})
>>> result = audit(orders)  # 158 lb = 71.668 kg: IVIg 0.4 g/kg/day = 28.7 g, 30 g within 10 %
>>> result[["ordered_mg", "low_mg", "high_mg", "accepted_high_mg", "status", "category"]].round(1)
   ordered_mg   low_mg  high_mg  accepted_high_mg       status    category
0       150.0     72.0    144.0             150.0           ok      within
1       200.0     72.0    144.0             150.0     over_cap  above_hard
2     30000.0  28667.0  71667.6           71667.6           ok      within
3       500.0   1000.0   3000.0            3000.0  under_range       below
>>> result.loc[1, "reason"]
'over the hard cap: azathioprine 150 mg/day'

A contraindication is never missing data: ciclosporin at eGFR 33 (male, 60 years, 2.2 mg/dL):

>>> row = {"drug": "ciclosporin", "weight": 72, "weight_unit": "kg", "sex": "male", "age": 60,
...        "serum_creatinine": 2.2, "creatinine_unit": "mg/dL", "dose": 180, "dose_unit": "mg"}
>>> found = audit(pd.DataFrame([row])).iloc[0]  # 2 x 180 = 360 mg/day, 5 mg/kg/day
>>> found["status"], found["category"], found["reason"]
('contraindicated', 'above_soft', 'ciclosporin is contraindicated at eGFR below 60 (label): refused without a stated reason')

A schedule's records are audited as they are, joined to the patient's columns (one row per dose
event; ``kind == "dose"`` keeps those):

>>> from plexodose import Patient, plan
>>> records = pd.DataFrame(plan(Patient.example(), start="2026-12-01",
...                             second_agent="mycophenolate").to_records())
>>> doses = records[records["kind"] == "dose"].assign(
...     weight=72, weight_unit="kg", height=175, height_unit="cm", sex="male", age=60,
...     serum_creatinine=1, creatinine_unit="mg/dL")
>>> audit(doses)["category"].value_counts()["within"], len(doses)
(np.int64(352), 352)
"""

from __future__ import annotations

import re
from typing import Any, Literal, NamedTuple

from plexodose._core import vocab

from plexodose._core.extras import needs_batch  # noqa: F401  # isort: skip  (names the extra)
import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from plexodose._core import limits as lim
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError, MissingInputError, safe_repr
from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf
from plexodose._screening import order as _order
from plexodose._screening import screen as _screen
from plexodose.batch import _read, _rules
from plexodose.batch._problems import (
    ABOVE,
    CATEGORIES,
    CATEGORY_CODES,
    CATEGORY_OF,
    CONTRAINDICATED,
    IMPLAUSIBLE,
    MINOR,
    MISSING,
    OFF_PROTOCOL,
    OK,
    OVER_CAP,
    STATUSES,
    UNDER,
    UNKNOWN_DRUG,
    WRONG_UNIT,
    Problems,
)

__all__ = ["CATEGORIES", "CATEGORY_OF", "DRUGS", "OUTPUT_COLUMNS", "SCREENED_DIMENSIONS",
           "STATUSES", "audit", "audit_dask", "meta"]

# The order screen's dimensions a batch row holds: interval, course and cumulative exposure
# are not in a row, so the audit's category is the screen's worst finding on these.
SCREENED_DIMENSIONS = ("per_dose", "per_day", "frequency", "condition")

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]

# the vocabulary's drugs, in its order, and the CYCLOPS mg/kg pulse (a regimen the audit checks)
DRUGS = (*vocab.DRUGS, "cyclophosphamide_iv_mg_per_kg")
IVIG, AZA, CYC_ORAL, CYC_IV, CSA, MMF, CYC_KG = range(len(DRUGS))
PULSES = (CYC_IV, CYC_KG)
BY_ROUTE = -2  # "cyclophosphamide": the route column decides
ALIASES = {"cyclosporin": CSA, "cyclosporine": CSA, "ciclosporine": CSA,
           "mycophenolate_mofetil": MMF, "cyclophosphamide": BY_ROUTE}
ROUTES = {"oral": CYC_ORAL, "iv": CYC_IV}

OUTPUT_COLUMNS = ("drug", "ordered_mg", "per", "low_mg", "high_mg", "accepted_low_mg",
                  "accepted_high_mg", "cap_mg", "status", "category", "reason", "note")
REQUIRED_COLUMNS = ("drug", "weight", "dose")
READ_COLUMNS = (*REQUIRED_COLUMNS, "route", "weight_unit", "dose_unit", "per_dose",
                "doses_per_day", "days_per_week", "height", "height_unit", "sex", "age",
                "serum_creatinine", "creatinine_unit")
ROUNDING = 1e-9  # float rounding only: not a clinical tolerance
CHUNK_ROWS = 1 << 18  # rows audited at a time

DAILY = u.Dimension("mass per day", "mg/day", '"150 mg/day"')
# The order screen's frequencies: its default when an order does not say, and those within
# (others are off the protocol: a stated reason). Any whole number of 1-24 is read, as Order.
_KEYS = (*vocab.DRUGS, "cyclophosphamide_iv")  # the mg/kg pulse is an IV pulse
DEFAULT_DOSES_PER_DAY = tuple(_screen.PROTOCOL_TIMES[k] for k in _KEYS)
ALLOWED_DOSES_PER_DAY: tuple[tuple[int, ...], ...] = tuple(_screen.ALLOWED_TIMES[k] for k in _KEYS)
MOST_DOSES_PER_DAY = 24
MOST_MG = _order.MAX_AMOUNT["mg"]  # the order screen's typing guards: 200 g, a microgram
LEAST_MG = _order.MIN_AMOUNT["mg"]
# Drugs whose protocol has one frequency, so a plain mass without doses_per_day is read as it
# (noted); azathioprine is given in 1 or 2 doses, so its plain mass does not say its day.
_FIXED_FREQUENCY = tuple(d for d in range(len(DRUGS)) if len(ALLOWED_DOSES_PER_DAY[d]) == 1)
# [drug code, doses a day] -> within the protocol; each drug's default (-1, unknown: last)
_ALLOWED = np.zeros((len(DRUGS), MOST_DOSES_PER_DAY + 1), dtype=bool)
for _code, _times in enumerate(ALLOWED_DOSES_PER_DAY):
    _ALLOWED[_code, list(_times)] = True
_DEFAULTS = np.array([*DEFAULT_DOSES_PER_DAY, 1], dtype=float)
# Why a drug's rule may have no range for a row whose inputs were all read
_UNCHECKED = {CYC_KG: f"the EULAR/CYCLOPS table needs age and serum_creatinine, up to "
                      f"{cyc.EULAR_CREATININE_UMOL_L[1]:g} umol/L (above: dose individually)",
              CYC_IV: "height not given: the BSA of an IV pulse needs it",
              IVIG: "no IVIg dosing weight (the note says why)"}


def _range_text(drug: int) -> str:
    def span(pair: tuple[float, float]) -> str:
        return f"{pair[0]:g}-{pair[1]:g}"
    return (
        f"ivig {min(ivg.SEED_REGIMENS):g}-{max(ivg.SEED_REGIMENS):g} g/kg/day x dosing weight "
        "(seed)",
        f"azathioprine {span(aza.MG_PER_KG_DAY)} mg/kg/day (seed), renal reduction",
        f"cyclophosphamide oral {span(cyc.ORAL_MG_PER_KG_DAY)} mg/kg/day (seed), creatinine "
        f"limit, at most {cyc.ORAL_MAX_MG_PER_DAY:g} mg/day",
        f"cyclophosphamide IV {span(cyc.IV_G_PER_M2)} g/m2 x Mosteller BSA (seed), EULAR/CYCLOPS "
        "age and creatinine reduction",
        f"ciclosporin {span(csa.MG_PER_KG_DAY)} mg/kg/day (seed)",
        f"mycophenolate {span(mmf.MG_PER_DOSE)} mg a dose, "
        f"{span((mmf.MG_PER_DOSE[0] * mmf.DOSES_PER_DAY, mmf.MAX_MG_PER_DAY))} mg/day",
        f"cyclophosphamide IV {cyc.EULAR_STANDARD_MG_PER_KG:g} mg/kg, EULAR/CYCLOPS age and "
        "creatinine reduction",
    )[drug]


def _cap_text(drug: int) -> str:
    return (
        f"ivig {ivg.MAX_G_PER_KG_DAY:g} g/kg/day",
        f"azathioprine {aza.CAP_MG_PER_DAY:g} mg/day",
        f"cyclophosphamide oral {cyc.ORAL_MG_PER_KG_DAY[1]:g} mg/kg/day ("
        f"{cyc.ORAL_FROM_250_UMOL_L:g} from creatinine {cyc.ORAL_CREATININE_BANDS_UMOL_L[0]:g}, "
        f"{cyc.ORAL_OVER_500_UMOL_L:g} above {cyc.ORAL_CREATININE_BANDS_UMOL_L[1]:g} umol/L), "
        f"at most {cyc.ORAL_MAX_MG_PER_DAY:g} mg/day",
        f"cyclophosphamide IV {cyc.IV_HARD_MAX_G_PER_M2:g} g/m2",
        f"ciclosporin {csa.MG_PER_KG_DAY[1]:g} mg/kg/day",
        f"mycophenolate {mmf.MAX_MG_PER_DOSE:g} mg a dose and {mmf.MAX_MG_PER_DAY:g} mg/day "
        f"({mmf.LOW_EGFR_MAX_MG_PER_DAY:g} mg/day when eGFR < {mmf.LOW_EGFR:g}, whatever the "
        "number of doses)",
        f"cyclophosphamide IV mg/kg pulse {cyc.PULSE_MAX_MG:g} mg (CYCLOPS)",
    )[drug]


def _frequency_text(drug: int) -> str:
    if drug in PULSES:
        return "one infusion a pulse"
    allowed = " or ".join(f"{n} dose{'s' if n > 1 else ''}" for n in ALLOWED_DOSES_PER_DAY[drug])
    return f"{DRUGS[drug]} {allowed} a day, every day of the week"


_CONTRAINDICATED = (
    f"ciclosporin is contraindicated at eGFR below {csa.MIN_EGFR:g} (label): refused without a "
    "stated reason")
_BEYOND_EULAR = (
    f"creatinine above {cyc.EULAR_CREATININE_UMOL_L[1]:g} umol/L is beyond the EULAR/CYCLOPS "
    "table: a pulse is refused without a stated reason (dose individually)")
_NOT_A_COURSE = ("not a seed or labelled IVIg course (0.4 g/kg/day x 5, 1 g/kg/day x 1-2, 1 g/kg "
                 "over 1-4 days; within 10 % or the nearest 5 g): needs a stated reason")
_ALL = range(len(DRUGS))
# (status, reason per drug) of each dose finding, worst first
_VERDICTS = (
    (OVER_CAP, [f"over the hard cap: {_cap_text(d)}" for d in _ALL]),
    (CONTRAINDICATED, [_CONTRAINDICATED if d == CSA else _BEYOND_EULAR for d in _ALL]),
    (OFF_PROTOCOL, [f"not the protocol's frequency: {_frequency_text(d)}: needs a stated reason"
                    for d in _ALL]),
    (OFF_PROTOCOL, [_NOT_A_COURSE for _ in _ALL]),
    (ABOVE, [f"above the protocol range: {_range_text(d)}" for d in _ALL]),
    (UNDER, [f"under the protocol range: {_range_text(d)}" for d in _ALL]),
)


def audit(orders: Any, *, unknown_drugs: Literal["raise", "flag"] = "raise") -> Any:
    """Flag each order outside its protocol range; see the module docstring for the columns.

    A drug name the audit does not know raises :class:`~plexodose.InputRangeError` naming it;
    with ``unknown_drugs="flag"`` its rows get the status ``unknown_drug`` instead. A Dask
    DataFrame is passed on to :func:`audit_dask`.

    >>> import pandas as pd
    >>> verdict = audit(pd.DataFrame({"drug": ["ciclosporin"], "weight": ["72 kg"],
    ...                               "dose": ["180 mg"]}))
    >>> float(verdict.loc[0, "ordered_mg"]), verdict.loc[0, "status"]  # 2 doses x 180 mg; 180-360
    (360.0, 'ok')
    >>> audit(pd.DataFrame({"drug": ["prednisolone"], "weight": ["72 kg"], "dose": ["5 mg/day"]}))
    Traceback (most recent call last):
    ...
    plexodose.InputRangeError: drug 'prednisolone' is not one the audit knows: ivig, azathioprine, cyclophosphamide_oral, cyclophosphamide_iv, ciclosporin, mycophenolate, cyclophosphamide_iv_mg_per_kg (or cyclosporin, cyclosporine, ciclosporine, mycophenolate_mofetil, cyclophosphamide with a route); pass unknown_drugs="flag" to flag such rows instead
    """
    if type(orders).__module__.split(".")[0] == "dask":
        return audit_dask(orders, unknown_drugs=unknown_drugs)
    if not isinstance(orders, pd.DataFrame):
        raise InputRangeError(f"orders must be a pandas DataFrame; got {type(orders).__name__}",
                              field="orders", value=type(orders).__name__)
    if unknown_drugs not in ("raise", "flag"):
        raise InputRangeError(f"unknown_drugs must be 'raise' or 'flag'; got {safe_repr(unknown_drugs)}",
                              field="unknown_drugs", value=unknown_drugs)
    _check_column_names(orders.columns)
    for name in REQUIRED_COLUMNS:
        if name not in orders.columns:
            raise MissingInputError(f"orders has no {name!r} column; required: "
                                    f"{', '.join(REQUIRED_COLUMNS)}", field=name)
    refuse = unknown_drugs == "raise"
    reasons = Problems(0)  # the reason texts, shared by the slices
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # In slices that stay in the processor's caches: as fast per row at 10^7 rows as at
        # 10^5, and the temporaries are a slice's, not the whole frame's.
        # Each slice's output goes straight into the whole frame's arrays (no list of slices
        # to concatenate at the end: one copy, and a slice's arrays are let go at once).
        whole = _Audit(orders.iloc[:CHUNK_ROWS], refuse, reasons).columns()  # an empty frame too
        if len(orders) > CHUNK_ROWS:
            first, whole = whole, _Columns(*(np.empty(len(orders), dtype=a.dtype) for a in whole))
            for start in range(0, len(orders), CHUNK_ROWS):
                part = first if start == 0 else _Audit(
                    orders.iloc[start:start + CHUNK_ROWS], refuse, reasons).columns()
                for into, a in zip(whole, part, strict=True):
                    into[start:start + a.size] = a
    return _frame(whole, orders.index, reasons)


def _check_column_names(columns: Any) -> None:
    """One level of names, each column the audit reads named once: ``orders["weight_unit"]`` is
    otherwise a frame, not a column (which one would the audit read?)."""
    if columns.nlevels != 1:
        raise InputRangeError(
            f"orders must have one level of column names (such as {', '.join(REQUIRED_COLUMNS)}); "
            f"got {columns.nlevels} levels", field="orders", value=columns.nlevels)
    twice = columns[columns.duplicated()]
    for name in READ_COLUMNS:
        if name in twice:
            raise InputRangeError(
                f"orders has {int((columns == name).sum())} columns named {name!r}: keep one",
                field=name, value=name)


def meta(index: Any = None) -> Any:
    """An empty frame with the output's columns and dtypes (Dask's ``meta``).

    >>> list(meta().columns) == list(OUTPUT_COLUMNS)
    True
    """
    index = pd.RangeIndex(0) if index is None else index[:0]
    empty = np.empty(0)
    return pd.DataFrame({
        "drug": pd.Categorical([], categories=DRUGS), "ordered_mg": empty,
        "per": pd.Categorical([], categories=("day", "pulse")),
        "low_mg": empty, "high_mg": empty, "accepted_low_mg": empty, "accepted_high_mg": empty,
        "cap_mg": empty, "status": pd.Categorical([], categories=STATUSES),
        "category": pd.Categorical([], categories=CATEGORIES),
        "reason": Problems(0).reasons(),
        "note": pd.Categorical([], categories=_rules.NOTE_TEXTS),
    }, index=index)


def audit_dask(orders: Any, *, unknown_drugs: Literal["raise", "flag"] = "raise") -> Any:
    """:func:`audit` on every partition of a Dask DataFrame (``map_partitions`` with ``meta``).

    Returns a lazy Dask DataFrame: call ``.compute()`` or ``.to_parquet(...)`` on it. Each
    partition is audited on its own (rows are independent), so the result equals :func:`audit`
    on the whole frame.

    >>> import dask.dataframe as dd, pandas as pd
    >>> orders = pd.DataFrame({"drug": ["azathioprine"] * 4, "weight": [60, 72, 90, 120],
    ...                        "weight_unit": "kg", "dose": 150, "dose_unit": "mg/day"})
    >>> lazy = audit_dask(dd.from_pandas(orders, npartitions=2))
    >>> lazy.npartitions, lazy.compute()["status"].tolist()  # top: 120 (125 dispensed), 150
    (2, ['above_range', 'ok', 'ok', 'ok'])
    """
    return orders.map_partitions(audit, unknown_drugs=unknown_drugs,
                                 meta=meta(orders._meta.index))


class _Audit:
    """One frame's orders: read once into arrays, each drug's rule on its rows, the verdicts."""

    def __init__(self, orders: Any, refuse_unknown: bool, reasons: Problems) -> None:
        self.orders = orders
        self.n = n = len(orders)
        self.problems = Problems(n, texts_of=reasons)
        self.drug = self._drugs(refuse_unknown)
        self.ordered, self.per_day = self._dose()
        # the order itself was read (drug, dose, frequency): an absolute limit that needs no
        # patient value is judged whatever the patient's values (the screen's steps)
        self.order_read = self.problems.status == OK
        self._patients()
        self.range = self._ranges()
        self._classify()

    def _column(self, name: str) -> Any:
        return self.orders[name] if name in self.orders.columns else None

    # -- reading -------------------------------------------------------------------------
    def _drugs(self, refuse_unknown: bool) -> Ints:
        found, names = _read.codes(self.orders["drug"])
        known = np.array([_drug_code(v) for v in names] + [-1], dtype=np.intp)
        drug: Ints = known[found]
        unknown = [v for v, code in zip(names, known, strict=False) if code == -1]
        if unknown and refuse_unknown:
            shown = ", ".join(safe_repr(v) for v in unknown[:5])
            raise InputRangeError(
                f"drug {shown} is not one the audit knows: {', '.join(DRUGS)} (or "
                f"{', '.join(ALIASES)} with a route); pass unknown_drugs=\"flag\" to flag such "
                "rows instead", field="drug", value=unknown[0])
        texts = [f"drug {safe_repr(v)} is not one of {', '.join(DRUGS)}" for v in names] + [""]
        self.problems.flag(MISSING, found < 0, "drug not given")
        self.problems.flag(UNKNOWN_DRUG, (found >= 0) & (drug == -1),
                           lambda rows: [texts[i] for i in found[rows]])
        by_route = drug == BY_ROUTE
        if by_route.any():
            drug[by_route] = self._routes(by_route)
        return drug

    def _routes(self, rows: Bools) -> Ints:
        column = self._column("route")
        if column is None:
            self.problems.flag(MISSING, rows, "route not given: cyclophosphamide needs 'oral' "
                                              "or 'IV'")
            return np.full(int(rows.sum()), -1, dtype=np.intp)
        found, routes = _read.codes(column[rows])
        table = np.array([ROUTES.get(v.strip().lower(), -1) if isinstance(v, str) else -1
                          for v in routes] + [-1], dtype=np.intp)
        drug = table[found]
        missing, bad = np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=bool)
        missing[rows] = found < 0
        bad[rows] = (found >= 0) & (drug < 0)
        self.problems.flag(MISSING, missing, "route not given: cyclophosphamide needs 'oral' or "
                                             "'IV'")
        self.problems.flag(IMPLAUSIBLE, bad, lambda r: [
            f"route {safe_repr(v)} must be 'oral' or 'IV'" for v in column.iloc[r]])
        return drug

    def _patients(self) -> None:
        p, orders = self.problems, self.orders
        weight, given, shown = _read.quantity(orders, "weight", "weight_unit", u.MASS, p)
        p.flag(MISSING, ~given, "weight not given")
        self.weight = self._plausible(weight, "weight", lim.WEIGHT_KG, "kg", shown)
        height, _, shown = _read.quantity(orders, "height", "height_unit", u.LENGTH, p)
        self.height = self._plausible(height, "height", lim.HEIGHT_CM, "cm", shown)
        creatinine, _, shown = _read.quantity(orders, "serum_creatinine", "creatinine_unit",
                                              u.CREATININE, p)
        self.creatinine = self._plausible(creatinine, "serum_creatinine",
                                          lim.CREATININE_MG_DL, "mg/dL", shown)
        self.age = self._age()
        self.female, self.male = self._sex()

    def _plausible(self, values: Floats, name: str, limits: tuple[float, float], unit: str,
                   shown: _read.Shown) -> Floats:
        low, high = limits
        outside = ~np.isnan(values) & ~((values >= low) & (values <= high))
        self.problems.flag(IMPLAUSIBLE, outside, lambda rows: [
            f"{name} {text} is outside the plausible range {low:g}-{high:g} {unit}"
            for text in shown(rows)])
        values[outside] = np.nan  # the row is flagged; keep the kernels in their domain
        return values

    def _age(self) -> Floats:
        column = self._column("age")
        if column is None:
            return np.full(self.n, np.nan)
        age = _read.numbers(column, "age", self.problems)
        age = self._plausible(age, "age", lim.AGE_YEARS, "years",
                              lambda rows: [f"{v:g}" for v in age[rows]])
        self.problems.flag(MINOR, age < lim.ADULT_AGE_YEARS, lambda rows: [
            f"age {v:g} is under {lim.ADULT_AGE_YEARS:g}: plexodose applies adult protocols "
            "(the scalar API needs minor_override)" for v in age[rows]])
        return age

    def _sex(self) -> tuple[Bools, Bools]:
        column = self._column("sex")
        if column is None:
            none = np.zeros(self.n, dtype=bool)
            return none, none.copy()
        found, values = _read.codes(column)
        # 0 female, 1 male, 2 anything else, 3 not given
        sexes = np.array([_sex_code(v) for v in values] + [3], dtype=np.int8)[found]
        texts = [f"sex {safe_repr(v)} must be 'female' or 'male'" for v in values] + [""]
        self.problems.flag(IMPLAUSIBLE, sexes == 2, lambda rows: [texts[i] for i in found[rows]])
        return sexes == 0, sexes == 1

    def _doses_per_day(self) -> Floats:
        """Each row's doses a day: the column's whole number of 1-24, else the protocol's."""
        per_day: Floats = _DEFAULTS.take(self.drug)
        column = self._column("doses_per_day")
        if column is None:
            return per_day
        given = _read.numbers(column, "doses_per_day", self.problems)
        allowed = (given == np.round(given)) & (given >= 1) & (given <= MOST_DOSES_PER_DAY)
        self.problems.flag(IMPLAUSIBLE, ~np.isnan(given) & ~allowed, lambda rows: [
            f"doses_per_day {v:g} must be a whole number from 1 to {MOST_DOSES_PER_DAY}"
            for v in given[rows]])
        self.frequency_given = ~np.isnan(given)
        return np.where(allowed, given, per_day)

    def _days_per_week(self) -> Floats | None:
        """The dosing days of a week: the column's whole number of 1-7, else 7 (None: no
        column, every day)."""
        column = self._column("days_per_week")
        if column is None:
            return None
        given = _read.numbers(column, "days_per_week", self.problems)
        allowed = (given == np.round(given)) & (given >= 1) & (given <= 7)
        self.problems.flag(IMPLAUSIBLE, ~np.isnan(given) & ~allowed, lambda rows: [
            f"days_per_week {v:g} must be a whole number from 1 to 7" for v in given[rows]])
        return np.where(allowed, given, 7.0)

    def _dose(self) -> tuple[Floats, Floats]:
        """(the ordered dose in mg per dosing day (per pulse for IV cyclophosphamide), doses a
        day). With a ``per_dose`` column (as ``Schedule.to_records()`` writes it) a row that has
        one is read from it, and its ``dose`` is the day's amount (or the pulse)."""
        self.frequency_given = np.zeros(self.n, dtype=bool)
        per_day = self._doses_per_day()
        self.days_per_week = self._days_per_week()
        m = _read.measured(self.orders, "dose", "dose_unit", DAILY.example, self.problems)
        daily, mass = (_read.factors(m, "dose_unit", dim) for dim in (DAILY, u.DOSE_MASS))
        fixed = _by_drug(_FIXED_FREQUENCY)[self.drug] | self.frequency_given
        pulse = self.pulse = _by_drug(PULSES)[self.drug]
        factor = np.where(pulse, mass, np.where(np.isnan(daily) & fixed, mass * per_day, daily))
        self.frequency_read = np.zeros(self.n, dtype=bool)  # read as the protocol's: noted
        if not self.frequency_given.all():
            self.frequency_read = ~pulse & ~self.frequency_given & np.isnan(daily) & fixed
        p = self.problems
        ordered = m.values * factor
        each, each_given = self._per_dose(m, mass, per_day, pulse)
        if each is not None:
            ordered = np.where(each_given, each, ordered)
            self.frequency_read &= ~each_given
        p.flag(MISSING, ~m.given & ~each_given, "dose not given")
        p.flag(WRONG_UNIT, (self.drug >= 0) & m.given & ~each_given & (m.unit_codes >= 0)
               & np.isnan(factor),
               lambda rows: [_dose_unit_problem(int(d), text)
                             for d, text in zip(self.drug[rows], m.shown(rows), strict=True)])
        p.flag(IMPLAUSIBLE, m.given & ~np.isnan(m.values) & ~(np.isfinite(m.values)
                                                               & (m.values > 0)),
               lambda rows: [f"dose {v:g} must be a finite number above 0"
                             for v in m.values[rows]])
        # the order screen's typing guards, on the amount as written (a dose, or a day: from
        # 1/24 of the day to the day, so only the rows near a guard are looked at)
        near = np.flatnonzero((ordered > MOST_MG) | (ordered < LEAST_MG * MOST_DOSES_PER_DAY))
        written = m.values[near] * np.where(np.isnan(daily[near]), mass[near], daily[near])
        outside = np.zeros(self.n, dtype=bool)
        outside[near] = ~each_given[near] & np.isfinite(written) & (written > 0) & (
            (written > MOST_MG) | (written < LEAST_MG))
        p.flag(IMPLAUSIBLE, outside,
               lambda rows: [f"dose {safe_repr(text)} is outside the plausible range "
                             f"({LEAST_MG:g} to {MOST_MG:,g} mg)" for text in m.shown(rows)])
        return ordered, per_day

    def _per_dose(self, m: _read.Measured, mass: Floats, per_day: Floats, pulse: Bools
                  ) -> tuple[Floats | None, Bools]:
        """(the day's amount in mg from ``per_dose`` x doses a day, the rows that give one);
        (None, no rows) without the column. A record's ``dose`` must be that day's amount."""
        none = np.zeros(self.n, dtype=bool)
        if "per_dose" not in self.orders.columns:
            return None, none
        p = self.problems
        each = _read.measured(self.orders, "per_dose", "dose_unit", '"500 mg"', p)
        given = each.given & ~np.isnan(each.values)
        each_mass = _read.factors(each, "per_dose", u.DOSE_MASS)  # dose_unit's, or its text's
        p.flag(IMPLAUSIBLE, given & ~(np.isfinite(each.values) & (each.values > 0)),
               lambda rows: [f"per_dose {v:g} must be a finite number above 0"
                             for v in each.values[rows]])
        p.flag(WRONG_UNIT, (self.drug >= 0) & given & (each.unit_codes >= 0)
               & np.isnan(each_mass),
               lambda rows: [f"per_dose {safe_repr(text)} must be a mass such as \"500 mg\""
                             for text in each.shown(rows)])
        times = np.where(pulse, 1.0, per_day)
        mg = each.values * each_mass
        p.flag(IMPLAUSIBLE, given & (mg > 0) & ((mg > MOST_MG) | (mg < LEAST_MG)), lambda rows: [
            f"per_dose {safe_repr(text)} is outside the plausible range ({LEAST_MG:g} to "
            f"{MOST_MG:,g} mg)" for text in each.shown(rows)])
        day = each.values * each_mass * times
        written = m.values * mass  # a record's dose: the dosing day's amount, in a mass unit
        differs = given & m.given & ~np.isnan(day) & ~np.isnan(written) & ~(
            np.abs(written - day) <= day * ROUNDING)
        p.flag(IMPLAUSIBLE, differs, lambda rows: [
            f"dose {safe_repr(d)} is not per_dose {safe_repr(e)} x doses_per_day {t:g} (with "
            "per_dose, dose is the dosing day's amount)"
            for d, e, t in zip(m.shown(rows), each.shown(rows), times[rows], strict=True)])
        return day, given

    # -- ranges: each drug's rule on its own rows ----------------------------------------
    def _ranges(self) -> _rules.Range:
        """Every row's range: unknown drugs (codes -2, -1) get NaN and no notes."""
        # Rows grouped by drug (a stable radix sort), so each rule works on contiguous slices.
        order = np.argsort(self.drug.astype(np.int8), kind="stable")
        ends = np.cumsum(np.bincount(self.drug + 2, minlength=len(DRUGS) + 2))
        columns: list[Any] = [a.take(order) for a in (self.weight, self.height, self.age,
                                                      self.creatinine, self.female, self.male,
                                                      self.per_day)]
        found = [rule(_rules.Rows(*(a[start:stop] for a in columns)))
                 for rule, start, stop in zip(_rules.RULES, ends[1:], ends[2:], strict=False)]
        place = np.empty(self.n, dtype=np.intp)  # each row's place in the sorted order
        place[order] = np.arange(self.n)
        whole = []
        for parts in zip(*found, strict=True):  # each field: the drugs' slices, in sorted order
            unknown = np.full(ends[1], {"u": 0, "b": False}.get(parts[0].dtype.kind, np.nan),
                              dtype=parts[0].dtype)
            whole.append(np.concatenate((unknown, *parts)).take(place))  # rows' own order
        return _rules.Range(*whole)

    # -- verdicts ------------------------------------------------------------------------
    def _classify(self) -> None:
        """The order screen's findings on the dimensions the audit reads (per dose, per day,
        frequency, condition), each a status; the row's status is the worst. A rule that
        concerns one drug's rows is worked on those rows only."""
        x, r, d = self.ordered, self.range, self.drug
        over = x > r.cap * (1 + ROUNDING)
        under = x < r.accepted_low * (1 - ROUNDING)
        above = x > r.accepted_high * (1 + ROUNDING)
        # mycophenolate's limits a dose (500 and 1,500 mg), on its rows
        mmf = np.flatnonzero(d == MMF)
        each = x[mmf] / self.per_day[mmf]
        least, most = _rules.MYCOPHENOLATE_PER_DOSE
        over[mmf] |= each > most * (1 + ROUNDING)
        under[mmf] |= each < least * (1 - ROUNDING)
        # a g/m2 pulse is prepared to the whole mg: half a mg at the range's edges (the screen)
        pulse = np.flatnonzero(d == CYC_IV)
        slack = _screen.PULSE_PREPARED_MG
        above[pulse] = x[pulse] - slack > r.accepted_high[pulse] * (1 + ROUNDING)
        under[pulse] = x[pulse] + slack < r.accepted_low[pulse] * (1 - ROUNDING)
        # IVIg: a course's amount, or off the protocol; never above or under a band
        ivig = np.flatnonzero(d == IVIG)
        above[ivig] = under[ivig] = False
        course = np.zeros(self.n, dtype=bool)
        rows = ivig[~over[ivig] & ~np.isnan(x[ivig] + r.dosing_kg[ivig])]
        course[rows] = ~_rules.ivig_course(x[rows], r.dosing_kg[rows])
        # the amount's one finding: over the cap, else above, else under
        above &= ~over
        under &= ~over & ~above
        read = self.problems.status == OK  # every input read
        masks = (over & self.order_read, r.contraindicated, self._frequency_off(), course,
                 above, under)
        for (status, texts), mask in zip(_VERDICTS, masks, strict=True):
            self.problems.verdict(status, mask & (read | (status == OVER_CAP)), texts, d)
        # Never "ok" without the numbers to say so: what could not be checked outranks every
        # finding but an absolute limit (the screen's order), and is named.
        unchecked = read & np.isnan(r.accepted_low)  # NaN at both ends, or neither
        unchecked &= ~(r.contraindicated & (d == CYC_KG))  # beyond the table: no pulse, refused
        for drug in np.unique(d[unchecked]):  # one text per drug: no per-row strings
            text = f"the order could not be checked: {_UNCHECKED.get(int(drug), 'no range')}"
            self.problems.flag(MISSING, unchecked & (d == drug), text)
        self.notes = r.notes
        _rules.add_note(self.notes, self.frequency_read, "frequency")
        for drug, key in ((CSA, "ciclosporin label"), (CYC_IV, "EULAR share")):  # warnings
            rows = np.flatnonzero((d == drug) & read & ~over)
            self.notes[rows[x[rows] > r.warn_above[rows] * (1 + ROUNDING)]] |= (
                _rules.NOTE_BIT[key])

    def _frequency_off(self) -> Bools:
        """Rows whose doses a day or days a week are not the protocol's (one look-up each)."""
        off = np.zeros(self.n, dtype=bool)
        if self.frequency_given.any():  # the protocol's default is always within: look past it
            rows = np.flatnonzero(self.per_day != _DEFAULTS.take(self.drug))
            rows = rows[self.drug[rows] >= 0]
            off[rows] = ~_ALLOWED[self.drug[rows], self.per_day[rows].astype(np.intp)]
        if self.days_per_week is not None:
            off |= (self.days_per_week != 7) & (self.drug >= 0)
        return off

    def columns(self) -> _Columns:
        """What the output needs (the slice's other arrays are let go)."""
        r = self.range
        return _Columns(self.drug, self.ordered, self.pulse, r.low, r.high, r.accepted_low,
                        r.accepted_high, r.cap, self.problems.status, self.problems.reason,
                        self.notes)


class _Columns(NamedTuple):
    """One slice's output as arrays (codes for the categorical columns and the reasons)."""

    drug: Ints
    ordered: Floats
    pulse: Bools
    low: Floats
    high: Floats
    accepted_low: Floats
    accepted_high: Floats
    cap: Floats
    status: Any
    reason: Any
    notes: Any


def _frame(c: _Columns, index: Any, reasons: Problems) -> Any:
    """The output frame, built once from the arrays (``reasons`` holds their texts)."""
    return pd.DataFrame({
        "drug": pd.Categorical.from_codes(np.where(c.drug >= 0, c.drug, -1), categories=DRUGS),
        "ordered_mg": c.ordered,
        "per": pd.Categorical.from_codes(c.pulse.astype(np.int8), categories=("day", "pulse")),
        "low_mg": c.low, "high_mg": c.high, "accepted_low_mg": c.accepted_low,
        "accepted_high_mg": c.accepted_high, "cap_mg": c.cap,
        "status": pd.Categorical.from_codes(c.status, categories=STATUSES),
        "category": pd.Categorical.from_codes(CATEGORY_CODES[c.status], categories=CATEGORIES),
        "reason": pd.Series(reasons.reasons(c.reason), index=index, copy=False),
        "note": pd.Categorical.from_codes(c.notes.astype(np.int16),
                                          categories=_rules.NOTE_TEXTS),
    }, index=index, copy=False)  # the arrays are this audit's own


def _by_drug(drugs: tuple[int, ...]) -> Bools:
    """A look-up by drug code (-1 last): True for ``drugs``."""
    return np.array([d in drugs for d in range(len(DRUGS))] + [False])


def _drug_code(value: Any) -> int:
    key = vocab.drug_key(value)
    if key is not None:
        return DRUGS.index(key)
    if not isinstance(value, str):
        return -1
    words = re.sub(r"[\s\-()]+", "_", value.strip().lower()).strip("_")
    return DRUGS.index(words) if words in DRUGS else ALIASES.get(words, -1)


def _sex_code(value: Any) -> int:
    text = value.strip().lower() if isinstance(value, str) else None
    return lim.SEXES.index(text) if text in lim.SEXES else 2


def _dose_unit_problem(drug: int, shown: str) -> str:
    if drug in PULSES:
        return f"dose {safe_repr(shown)} must be a mass per pulse such as \"1 g\" or \"750 mg\""
    if drug in _FIXED_FREQUENCY:
        times = DEFAULT_DOSES_PER_DAY[drug]
        return (f"dose {safe_repr(shown)} must be a mass per day (\"mg/day\") or a mass per dose "
                f"(\"mg\", {times} dose{'s' if times > 1 else ''} a day)")
    return (f"dose {safe_repr(shown)} must be a mass per day such as \"mg/day\" (a plain mass does "
            f"not say how often {DRUGS[drug]} is given: add a doses_per_day column)")
