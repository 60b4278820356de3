"""Audit many orders at once: a pandas DataFrame of orders in, a DataFrame of verdicts out.

Each row is one order for one patient. :func:`audit` computes the protocol dose range for the
row from the same constants and kernels the scalar calculators use, and flags orders outside it.
:func:`audit_dask` runs the same function on every partition of a Dask DataFrame.
``import plexodose`` does not import this module (it needs numpy and pandas).

Input columns (a missing optional column counts as not given):

============================  ======================================================================
``drug``                      ``ivig``, ``azathioprine``, ``cyclophosphamide_oral``,
                              ``cyclophosphamide_iv``, ``ciclosporin`` (or ``cyclosporin``),
                              ``mycophenolate``; case and spaces are ignored
``weight``, ``weight_unit``   a number and a mass unit (``kg``, ``g``, ``lb``)
``dose``, ``dose_unit``       the ordered dose: a mass per time (``mg/day``, ``g/day``) is the daily
                              amount; a mass (``mg``, ``g``) is one administration: the pulse for
                              ``cyclophosphamide_iv`` (which needs a mass), one of the two daily
                              doses for ``ciclosporin`` and ``mycophenolate``. A plain mass is
                              refused for the other drugs (how often is it given?).
``height``, ``height_unit``   optional; required for ``cyclophosphamide_iv`` (BSA); with ``sex``
                              it lets IVIg check for obesity
``sex``                       optional, ``female`` or ``male``
``age``                       optional, plain years (as ``Patient(age=...)``)
``serum_creatinine``,         optional; ``mg/dL`` or ``umol/L``; with age and sex it gives the
``creatinine_unit``           renal checks of azathioprine and mycophenolate
============================  ======================================================================

Output columns, on the input's index: ``drug`` (the canonical name), ``ordered_mg`` (the order
in mg per day, or per pulse for ``cyclophosphamide_iv``), ``per`` (``day`` or ``pulse``),
``low_mg``, ``high_mg`` (the protocol range), ``cap_mg`` (the hard cap; NaN without one),
``status``, ``reason`` (why the row is flagged: for an input, its field, value and accepted
range; for a dose, the rule it breaks, whose numbers are in the columns; empty when ``ok``) and
``note`` (what the audit could not check for the row).

``status`` is the first that applies of: ``unknown_drug``, ``missing_data``, ``wrong_unit``
(no unit, an unknown unit or one of the wrong dimension), ``implausible_input`` (outside the
limits of :mod:`plexodose._limits`, the same ones :class:`plexodose.Patient` enforces),
``minor`` (under 18: the scalar API needs ``minor_override``), ``over_cap``, ``above_range``,
``under_range``, ``ok``. A range end is crossed only beyond float rounding (relative 1e-9).

The range is what the scalar calculators give at the ends of the protocol, for a patient built
from the row with normal TPMT/NUDT15 and no baseline creatinine: the same formulas in the same
order, equal to float rounding (the property test in ``tests/test_batch.py`` checks every row
of random samples to a relative 1e-12, the ``x 7 / 7`` of a daily average):

* ``ivig``: ``ivig(p, g_per_kg_day=0.4, days=5).daily_dose`` to ``ivig(p, g_per_kg_day=1,
  days=1).daily_dose`` (the seed's daily rates, on the auto weight basis); the cap is
  ``MAX_G_PER_KG_DAY`` times the same dosing weight, so above the range is over the cap.
  The audit checks the daily amount only: any amount between the two seed rates passes, while
  the scalar API takes only the seed regimens themselves (the note says so on every IVIg row).
* ``azathioprine``: ``azathioprine(p, mg_per_kg_day=1)`` to ``(..., mg_per_kg_day=2)``
  (renal reduction included, 150 mg/day cap); the cap is ``CAP_MG_PER_DAY``. Genotype is not
  audited: the range is a normal metabolizer's.
* ``cyclophosphamide_oral``: ``cyclophosphamide_oral(p, mg_per_kg_day=1)`` to ``(..., =2)``.
* ``cyclophosphamide_iv``: ``cyclophosphamide_iv(p, g_per_m2=0.3).dose`` to ``(..., =1)``
  (Mosteller BSA, no BSA cap); the cap is ``IV_HARD_MAX_G_PER_M2`` times the BSA.
* ``ciclosporin``: ``cyclosporin(p, mg_per_kg_day=2.5)`` to ``(..., =5)``; no cap.
* ``mycophenolate``: ``mycophenolate(p, mg_per_dose=500)`` to ``(..., mg_per_dose=1500)``
  (limited when eGFR < 25); the cap is that result's ``cap_mg_per_day``.

>>> import pandas as pd
>>> orders = pd.DataFrame({
...     "drug": ["azathioprine", "azathioprine", "ivig", "mycophenolate"],
...     "weight": [72, 72, 158, 72], "weight_unit": ["kg", "kg", "lb", "kg"],
...     "dose": [100, 200, 30, 1], "dose_unit": ["mg/day", "mg/day", "g/day", "kg"]})
>>> result = audit(orders)  # 158 lb = 71.668 kg: IVIg 0.4-1 g/kg/day = 28,667-71,668 mg/day
>>> result[["ordered_mg", "low_mg", "high_mg", "cap_mg", "status"]].round(1)
   ordered_mg   low_mg  high_mg   cap_mg    status
0       100.0     72.0    144.0    150.0        ok
1       200.0     72.0    144.0    150.0  over_cap
2     30000.0  28667.0  71667.6  71667.6        ok
3   2000000.0   1000.0   3000.0   3000.0  over_cap
>>> result.loc[1, "reason"]
'over the hard cap: azathioprine 150 mg/day'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from plexodose._extras import needs_batch  # noqa: F401  # isort: skip  (names the extra)
import numpy as np
import numpy.typing as npt
import pandas as pd  # type: ignore[import-untyped]

from plexodose import _azathioprine as aza
from plexodose import _body
from plexodose import _ciclosporin as csa
from plexodose import _cyclophosphamide as cyc
from plexodose import _ivig as ivg
from plexodose import _limits as lim
from plexodose import _mycophenolate as mmf
from plexodose import _units as u
from plexodose._common import UMOL_PER_L_PER_MG_DL
from plexodose._errors import InputRangeError, MissingInputError, PlexodoseError

__all__ = ["DRUGS", "OUTPUT_COLUMNS", "STATUSES", "audit", "audit_dask", "meta"]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.intp]
Objects = npt.NDArray[np.object_]
Ranges = tuple[Any, Any, Any]  # (low, high, cap): arrays over a drug's rows, or one number
Message = Callable[[Ints], "str | Sequence[str] | Objects"]

DRUGS = ("ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv", "ciclosporin",
         "mycophenolate")
IVIG, AZA, CYC_ORAL, CYC_IV, CSA, MMF = range(len(DRUGS))
_ALIASES = {"cyclosporin": CSA, "cyclosporine": CSA, "ciclosporine": CSA}

STATUSES = ("unknown_drug", "missing_data", "wrong_unit", "implausible_input", "minor",
            "over_cap", "above_range", "under_range", "ok")
(UNKNOWN_DRUG, MISSING, WRONG_UNIT, IMPLAUSIBLE, MINOR, OVER_CAP, ABOVE, UNDER,
 OK) = range(len(STATUSES))

OUTPUT_COLUMNS = ("drug", "ordered_mg", "per", "low_mg", "high_mg", "cap_mg", "status", "reason",
                  "note")
REQUIRED_COLUMNS = ("drug", "weight", "weight_unit", "dose", "dose_unit")
ROUNDING = 1e-9  # float rounding only: not a clinical tolerance

DAILY = u.Dimension("mass per day", "mg/day", '"150 mg/day"')
# Drugs whose protocol fixes how many administrations a day, so a plain mass can be read.
_PER_ADMINISTRATION = {CYC_IV: 1, CSA: csa.DOSES_PER_DAY, MMF: mmf.DOSES_PER_DAY}
# The scalar kernels below are plain arithmetic, so they run elementwise on arrays unchanged.
_elementwise: Any = _body


def _range_text(drug: int) -> str:
    def span(pair: tuple[float, float]) -> str:
        return f"{pair[0]:g}-{pair[1]:g}"
    return {
        IVIG: f"ivig {min(ivg.SEED_REGIMENS):g}-{max(ivg.SEED_REGIMENS):g} g/kg/day x dosing "
              "weight (seed)",
        AZA: f"azathioprine {span(aza.MG_PER_KG_DAY)} mg/kg/day (seed), renal reduction",
        CYC_ORAL: f"cyclophosphamide oral {span(cyc.ORAL_MG_PER_KG_DAY)} mg/kg/day (seed), "
                  "creatinine limit",
        CYC_IV: f"cyclophosphamide IV {span(cyc.IV_G_PER_M2)} g/m2 x Mosteller BSA (seed)",
        CSA: f"ciclosporin {span(csa.MG_PER_KG_DAY)} mg/kg/day (seed)",
        MMF: f"mycophenolate {span(mmf.MG_PER_DOSE)} mg x {mmf.DOSES_PER_DAY} a day, eGFR limit",
    }[drug]


def _cap_text(drug: int) -> str:
    return {
        IVIG: f"ivig {ivg.MAX_G_PER_KG_DAY:g} g/kg/day",
        AZA: f"azathioprine {aza.CAP_MG_PER_DAY:g} mg/day",
        CYC_IV: f"cyclophosphamide IV {cyc.IV_HARD_MAX_G_PER_M2:g} g/m2",
        MMF: f"mycophenolate {mmf.MAX_MG_PER_DOSE:g} mg a dose ({mmf.LOW_EGFR_MAX_MG_PER_DOSE:g} "
             f"when eGFR < {mmf.LOW_EGFR:g})",
    }.get(drug, "")


def _texts(template: str, make: Callable[[int], str]) -> Objects:
    return np.array([template.format(make(d)) for d in range(len(DRUGS))] + [""], dtype=object)


# What an audit could not check for a row, by key; a row's note joins those that apply.
NOTES = {
    "regimen": f"the daily amount only: whether it is exactly {min(ivg.SEED_REGIMENS):g} or "
               f"{max(ivg.SEED_REGIMENS):g} g/kg/day, and for how many days, is not audited",
    "obesity": "height and sex not both given: obesity not checked, actual weight used",
    "genotype": "range for normal TPMT/NUDT15 metabolizers (genotype not audited)",
    "renal reduction": "age, sex or serum_creatinine not given: renal reduction not checked",
    "creatinine limit": "serum_creatinine not given: creatinine limit not checked",
    "EULAR": "EULAR age/creatinine reduction not audited",
    "eGFR limit": f"age, sex or serum_creatinine not given: eGFR < {mmf.LOW_EGFR:g} limit not "
                  "checked",
}
_NOTE_TEXTS = np.array(["; ".join(text for bit, text in enumerate(NOTES.values()) if bits >> bit & 1)
                        for bits in range(1 << len(NOTES))], dtype=object)
_ABOVE_TEXT = _texts("above the protocol range: {}", _range_text)
_UNDER_TEXT = _texts("under the protocol range: {}", _range_text)
_CAP_TEXT = _texts("over the hard cap: {}", _cap_text)


def audit(orders: Any) -> Any:
    """Flag each order outside its protocol range; see the module docstring for the columns.

    A Dask DataFrame is passed on to :func:`audit_dask`.

    >>> import pandas as pd
    >>> verdict = audit(pd.DataFrame({"drug": ["ciclosporin"], "weight": [72], "weight_unit": ["kg"],
    ...                               "dose": [180], "dose_unit": ["mg"]}))
    >>> float(verdict.loc[0, "ordered_mg"]), verdict.loc[0, "status"]  # 2 doses x 180 mg; 180-360
    (360.0, 'ok')
    """
    if type(orders).__module__.split(".")[0] == "dask":
        return audit_dask(orders)
    if not isinstance(orders, pd.DataFrame):
        raise InputRangeError(f"orders must be a pandas DataFrame; got {type(orders).__name__}",
                              field="orders", value=type(orders).__name__)
    for name in REQUIRED_COLUMNS:
        if name not in orders.columns:
            raise MissingInputError(f"orders has no {name!r} column; required: "
                                    f"{', '.join(REQUIRED_COLUMNS)}", field=name)
    rows = _Rows(orders)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rows.read()
        rows.ranges()
        rows.classify()
    return rows.frame()


def meta(index: Any = None) -> Any:
    """An empty frame with the output's columns and dtypes (Dask's ``meta``).

    >>> list(meta().columns) == list(OUTPUT_COLUMNS)
    True
    """
    index = pd.RangeIndex(0) if index is None else index[:0]
    return pd.DataFrame({
        "drug": pd.Categorical([], categories=DRUGS),
        "ordered_mg": np.empty(0), "per": pd.Categorical([], categories=("day", "pulse")),
        "low_mg": np.empty(0), "high_mg": np.empty(0), "cap_mg": np.empty(0),
        "status": pd.Categorical([], categories=STATUSES),
        "reason": pd.Series([], dtype=object), "note": pd.Series([], dtype=object),
    }, index=index)


def audit_dask(orders: Any) -> Any:
    """:func:`audit` on every partition of a Dask DataFrame (``map_partitions`` with ``meta``).

    Returns a lazy Dask DataFrame: call ``.compute()`` on it. Each partition is audited on its
    own (rows are independent), so the result equals :func:`audit` on the whole frame.

    >>> import dask.dataframe as dd, pandas as pd
    >>> orders = pd.DataFrame({"drug": ["azathioprine"] * 4, "weight": [60, 72, 90, 120],
    ...                        "weight_unit": "kg", "dose": 150, "dose_unit": "mg/day"})
    >>> lazy = audit_dask(dd.from_pandas(orders, npartitions=2))
    >>> lazy.npartitions, lazy.compute()["status"].tolist()  # top: 120, 144, 150 and 150 (cap)
    (2, ['above_range', 'above_range', 'ok', 'ok'])
    """
    return orders.map_partitions(audit, meta=meta(orders._meta.index))


class _Rows:
    """The columns as float arrays, the ranges, and each row's verdict."""

    def __init__(self, orders: Any) -> None:
        self.orders = orders
        n = len(orders)
        self.n = n
        self.status = np.full(n, OK, dtype=np.int8)
        self.reason = np.full(n, "", dtype=object)
        self.notes = np.zeros(n, dtype=np.uint16)  # one bit per NOTES entry
        nan = np.full(n, np.nan)
        self.low, self.high, self.cap = nan.copy(), nan.copy(), nan.copy()
        self.drug: Ints = np.full(n, -1, dtype=np.intp)

    # -- reading -------------------------------------------------------------------------
    def read(self) -> None:
        self.drug = self._drugs()
        self.weight = self._quantity("weight", "weight_unit", u.MASS, lim.WEIGHT_KG, "kg",
                                     required=np.ones(self.n, dtype=bool))
        self.height = self._quantity("height", "height_unit", u.LENGTH, lim.HEIGHT_CM, "cm",
                                     required=self.drug == CYC_IV)
        self.creatinine = self._quantity("serum_creatinine", "creatinine_unit", u.CREATININE,
                                         lim.CREATININE_MG_DL, "mg/dL",
                                         required=np.zeros(self.n, dtype=bool))
        self.age = self._age()
        self.female, self.male = self._sex()
        self.ordered, self.per_pulse = self._dose()

    def _column(self, name: str) -> Any:
        return self.orders[name] if name in self.orders.columns else None

    def _flag(self, code: int, mask: Bools, message: Message) -> None:
        """Mark rows of ``mask`` with ``code`` (the first problem wins) and add the message."""
        rows = np.flatnonzero(mask)
        if rows.size:
            self.status[rows] = np.minimum(self.status[rows], code)
            _append(self.reason, rows, message(rows))

    def _drugs(self) -> Ints:
        codes, uniques = pd.factorize(self.orders["drug"])
        known = np.array([_drug_code(v) for v in uniques] + [-1], dtype=np.intp)
        drug: Ints = known[codes]
        given = codes >= 0
        texts = _per_value(uniques, lambda v: f"drug {v!r:.60} is not one of {', '.join(DRUGS)}")
        self._flag(MISSING, ~given, lambda r: "drug not given")
        self._flag(UNKNOWN_DRUG, given & (drug < 0), lambda r: texts[codes[r]])
        return drug

    def _numbers(self, name: str) -> tuple[Floats, Bools]:
        """(values, given) for a numeric column; a value that is not a number is flagged."""
        column = self._column(name)
        if column is None:
            return np.full(self.n, np.nan), np.zeros(self.n, dtype=bool)
        boolean = pd.api.types.is_bool_dtype(column.dtype)
        if pd.api.types.is_numeric_dtype(column.dtype) and not boolean:
            # A copy: the caller's frame is never written to.
            values = column.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
            return values, ~np.isnan(values)
        given = column.notna().to_numpy(dtype=bool)
        values = np.full(self.n, np.nan) if boolean else pd.to_numeric(
            column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        self._flag(IMPLAUSIBLE, given & np.isnan(values),
                   lambda r: [f"{name} {v!r:.60} is not a number (the unit goes in its own "
                              "column)" for v in column.iloc[r]])
        return values, given

    def _factors(self, name: str, *dims: u.Dimension) -> tuple[list[Floats], Bools]:
        """(factors to each dim.canonical, unit given) per row; NaN for an unusable unit."""
        column = self._column(name)
        if column is None:
            return [np.full(self.n, np.nan) for _ in dims], np.zeros(self.n, dtype=bool)
        codes, uniques = pd.factorize(column)
        factors = [np.array([_unit_factor(v, name, dim) for v in uniques] + [np.nan])[codes]
                   for dim in dims]
        return factors, codes >= 0

    def _quantity(self, name: str, unit_name: str, dim: u.Dimension,
                  limits: tuple[float, float], unit_text: str, required: Bools) -> Floats:
        values, given = self._numbers(name)
        (factors,), unit_given = self._factors(unit_name, dim)
        self._flag(MISSING, required & ~given, lambda r: f"{name} not given")
        self._flag(WRONG_UNIT, given & ~unit_given,
                   lambda r: [f"{name} {v:g} has no unit ({unit_name} is empty)"
                              for v in values[r]])
        self._flag(WRONG_UNIT, given & unit_given & np.isnan(factors),
                   lambda r: [f"{unit_name} {v!r:.60} is not a {dim.name} unit such as "
                              f"{dim.example}" for v in self.orders[unit_name].iloc[r]])
        result: Floats = values * factors
        low, high = limits
        outside = ~np.isnan(result) & ~((result >= low) & (result <= high))
        self._flag(IMPLAUSIBLE, outside,
                   lambda r: [f"{name} {v:g} {unit} is outside the plausible range "
                              f"{low:g}-{high:g} {unit_text}"
                              for v, unit in zip(values[r], self.orders[unit_name].iloc[r],
                                                 strict=True)])
        result[outside] = np.nan  # the row is flagged; keep the kernels in their domain
        return result

    def _age(self) -> Floats:
        age, given = self._numbers("age")
        low, high = lim.AGE_YEARS
        outside = given & ~np.isnan(age) & ~((age >= low) & (age <= high))
        self._flag(IMPLAUSIBLE, outside,
                   lambda r: [f"age {v:g} is outside the plausible range {low:g}-{high:g} years"
                              for v in age[r]])
        age[outside] = np.nan
        self._flag(MINOR, (age >= low) & (age < lim.ADULT_AGE_YEARS),
                   lambda r: [f"age {v:g} is under {lim.ADULT_AGE_YEARS:g}: plexodose applies "
                              "adult protocols (the scalar API needs minor_override)"
                              for v in age[r]])
        return age

    def _sex(self) -> tuple[Bools, Bools]:
        column = self._column("sex")
        if column is None:
            none = np.zeros(self.n, dtype=bool)
            return none, none.copy()
        codes, uniques = pd.factorize(column)
        # 0 female, 1 male, 2 anything else, 3 not given
        sexes = np.array([_sex_code(v) for v in uniques] + [3], dtype=np.int8)[codes]
        texts = _per_value(uniques, lambda v: f"sex {v!r:.60} must be 'female' or 'male'")
        self._flag(IMPLAUSIBLE, sexes == 2, lambda r: texts[codes[r]])
        return sexes == 0, sexes == 1

    def _dose(self) -> tuple[Floats, Bools]:
        """The ordered dose in mg per day (per pulse for IV cyclophosphamide)."""
        values, given = self._numbers("dose")
        (daily, mass), unit_given = self._factors("dose_unit", DAILY, u.DOSE_MASS)
        per_admin = np.zeros(self.n)
        for drug, times in _PER_ADMINISTRATION.items():
            per_admin[self.drug == drug] = times
        pulse = self.drug == CYC_IV
        factor = np.where(pulse, mass, np.where(np.isnan(daily), mass * per_admin, daily))
        factor[per_admin == 0] = daily[per_admin == 0]  # no plain mass for these drugs
        self._flag(MISSING, ~given, lambda r: "dose not given")
        self._flag(WRONG_UNIT, given & ~unit_given,
                   lambda r: [f"dose {v:g} has no unit (dose_unit is empty)" for v in values[r]])
        unit = self._column("dose_unit")
        self._flag(WRONG_UNIT, (self.drug >= 0) & given & unit_given & np.isnan(factor),
                   lambda r: [_dose_unit_problem(int(d), v)
                              for d, v in zip(self.drug[r], unit.iloc[r], strict=True)])
        self._flag(IMPLAUSIBLE, given & ~(np.isfinite(values) & (values > 0)),
                   lambda r: [f"dose {v:g} must be a finite number above 0" for v in values[r]])
        ordered: Floats = values * factor
        return ordered, pulse

    # -- ranges: each drug on its own rows; every method returns (low, high, cap) ----------
    def ranges(self) -> None:
        methods = {IVIG: self._ivig, AZA: self._azathioprine, CYC_ORAL: self._cyclophosphamide_oral,
                   CYC_IV: self._cyclophosphamide_iv, CSA: self._ciclosporin,
                   MMF: self._mycophenolate}
        for drug, method in methods.items():
            rows = np.flatnonzero(self.drug == drug)
            if rows.size:
                self.low[rows], self.high[rows], self.cap[rows] = method(rows)

    def _note(self, rows: Ints, note: str) -> None:
        self.notes[rows] |= np.uint16(1 << list(NOTES).index(note))

    def _per_sex(self, rows: Ints, kernel: Callable[[Bools, str], Floats]) -> Floats:
        """``kernel(chosen, sex)`` over ``rows``, one sex at a time (NaN where sex is not given);
        ``chosen`` selects among ``rows``."""
        out = np.full(rows.size, np.nan)
        for chosen, sex in ((self.female[rows], "female"), (self.male[rows], "male")):
            out[chosen] = kernel(chosen, sex)
        return out

    def _ideal(self, rows: Ints) -> Floats:
        h = self.height[rows]
        return self._per_sex(rows, lambda c, sex: _elementwise.ideal_body_weight_value(h[c], sex))

    def _renal_known(self, rows: Ints, purpose: str) -> Bools:
        known = ~np.isnan(self.age[rows]) & ~np.isnan(self.creatinine[rows]) & (
            self.female[rows] | self.male[rows])
        self._note(rows[~known], purpose)
        return known

    def _ivig(self, rows: Ints) -> Ranges:
        """The auto basis (BMI over 30): adjusted weight when obese, never above actual."""
        w, h = self.weight[rows], self.height[rows]
        known = ~np.isnan(h) & (self.female[rows] | self.male[rows])
        self._note(rows[~known], "obesity")
        self._note(rows, "regimen")
        adjusted = _elementwise.adjusted_body_weight_value(w, self._ideal(rows))
        obese = known & (np.round(_elementwise.bmi_value(w, h), 9) > ivg.OBESE_BMI)  # as _auto
        target = np.where(obese, adjusted, w)
        dosing = np.where(w < target, w, target) * 1000  # g/kg/day x kg -> mg/day
        rates = ivg.SEED_REGIMENS
        return min(rates) * dosing, max(rates) * dosing, ivg.MAX_G_PER_KG_DAY * dosing

    def _azathioprine(self, rows: Ints) -> Ranges:
        w = self.weight[rows]
        known = self._renal_known(rows, "renal reduction")
        self._note(rows, "genotype")
        ideal = self._ideal(rows)  # Cockcroft-Gault on the lower of actual and ideal weight
        lower = np.where(ideal < w, ideal, w)  # no height (NaN ideal): actual
        age, scr = self.age[rows], self.creatinine[rows]
        crcl = self._per_sex(rows, lambda c, sex: _elementwise.creatinine_clearance_value(
            age[c], lower[c], sex, scr[c]))
        factor = np.ones(rows.size)
        decided = ~known
        widest = max(below for below, _ in aza.RENAL_STEPS)
        for below, kept in aza.RENAL_STEPS:  # as _azathioprine._renal: the widest band is closed
            hit = ~decided & ((crcl < below) | ((crcl <= below) & (below == widest)))
            factor[hit] = kept
            decided |= hit
        low, high = (np.minimum(rate * w, aza.CAP_MG_PER_DAY) * factor  # cap, then reduce
                     for rate in aza.MG_PER_KG_DAY)
        return low, high, aza.CAP_MG_PER_DAY

    def _cyclophosphamide_oral(self, rows: Ints) -> Ranges:
        umol = np.round(self.creatinine[rows] * UMOL_PER_L_PER_MG_DL, 6)  # as creatinine_umol_l
        self._note(rows[np.isnan(umol)], "creatinine limit")
        limit = np.full(rows.size, np.inf)  # as _cyclophosphamide._oral_renal_limit
        from_, over = cyc.ORAL_CREATININE_BANDS_UMOL_L
        limit[umol >= from_] = cyc.ORAL_FROM_250_UMOL_L
        limit[umol > over] = cyc.ORAL_OVER_500_UMOL_L
        low, high = (np.minimum(np.minimum(rate, limit) * self.weight[rows],
                                cyc.ORAL_MAX_MG_PER_DAY) for rate in cyc.ORAL_MG_PER_KG_DAY)
        return low, high, np.nan

    def _cyclophosphamide_iv(self, rows: Ints) -> Ranges:
        self._note(rows, "EULAR")
        h, w = self.height[rows], self.weight[rows]
        ready = ~np.isnan(h) & ~np.isnan(w)
        bsa = np.full(rows.size, np.nan)
        # math.sqrt inside the kernel does not take arrays: call it per row, exactly.
        bsa[ready] = np.frompyfunc(_body.BSA_FORMULAS["mosteller"], 2, 1)(h[ready], w[ready])
        low, high = (rate * 1000 * bsa for rate in cyc.IV_G_PER_M2)
        return low, high, cyc.IV_HARD_MAX_G_PER_M2 * 1000 * bsa

    def _ciclosporin(self, rows: Ints) -> Ranges:
        low, high = (rate * self.weight[rows] for rate in csa.MG_PER_KG_DAY)
        return low, high, np.nan

    def _mycophenolate(self, rows: Ints) -> Ranges:
        known = self._renal_known(rows, "eGFR limit")
        egfr = np.full(rows.size, np.nan)
        r = rows[known]
        sexes = np.where(self.female[r], "female", "male").astype(object)
        # min() and max() inside the kernel do not take arrays: call it per row, exactly.
        egfr[known] = np.frompyfunc(_body.egfr_value, 3, 1)(self.age[r], sexes,
                                                             self.creatinine[r])
        limit = np.where(egfr < mmf.LOW_EGFR, mmf.LOW_EGFR_MAX_MG_PER_DOSE, mmf.MAX_MG_PER_DOSE)
        low, high = (np.minimum(dose, limit) * mmf.DOSES_PER_DAY for dose in mmf.MG_PER_DOSE)
        return low, high, limit * mmf.DOSES_PER_DAY

    # -- verdicts ------------------------------------------------------------------------
    def classify(self) -> None:
        valid = self.status == OK
        x = self.ordered
        over = valid & (x > self.cap * (1 + ROUNDING))
        above = valid & ~over & (x > self.high * (1 + ROUNDING))
        under = valid & (x < self.low * (1 - ROUNDING))
        drug = np.where(self.drug >= 0, self.drug, len(DRUGS))
        for mask, code, texts in ((over, OVER_CAP, _CAP_TEXT), (above, ABOVE, _ABOVE_TEXT),
                                  (under, UNDER, _UNDER_TEXT)):
            self.status[mask] = code
            self.reason[mask] = texts[drug[mask]]

    def frame(self) -> Any:
        index = self.orders.index
        drug = pd.Categorical.from_codes(np.where(self.drug >= 0, self.drug, -1),
                                         categories=DRUGS)
        per = pd.Categorical.from_codes(self.per_pulse.astype(np.int8), categories=("day", "pulse"))
        status = pd.Categorical.from_codes(self.status, categories=STATUSES)
        return pd.DataFrame({
            "drug": drug, "ordered_mg": self.ordered, "per": per, "low_mg": self.low,
            "high_mg": self.high, "cap_mg": self.cap, "status": status,
            "reason": pd.Series(self.reason, index=index, dtype=object),
            "note": pd.Series(_NOTE_TEXTS[self.notes], index=index, dtype=object),
        }, index=index, copy=False)  # the arrays are this audit's own


def _append(texts: Objects, rows: Ints, new: str | Sequence[str] | Objects) -> None:
    """Add ``new`` (one text, or one per row) to ``texts[rows]``, separated by "; "."""
    if not rows.size:
        return
    added = new if isinstance(new, str) else np.asarray(new, dtype=object)
    current = texts[rows]
    texts[rows] = np.where(current == "", added, current + "; " + added)


def _per_value(uniques: Any, make: Callable[[Any], str]) -> Objects:
    """One text per distinct value (indexed by pandas.factorize codes; -1 gives "")."""
    return np.array([make(v) for v in uniques] + [""], dtype=object)


def _drug_code(value: Any) -> int:
    if not isinstance(value, str):
        return -1
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    return DRUGS.index(key) if key in DRUGS else _ALIASES.get(key, -1)


def _sex_code(value: Any) -> int:
    text = value.strip().lower() if isinstance(value, str) else None
    return lim.SEXES.index(text) if text in lim.SEXES else 2


def _unit_factor(unit: Any, field: str, dim: u.Dimension) -> float:
    """The scalar API's own conversion factor for ``unit`` (NaN when it refuses the unit)."""
    if not isinstance(unit, str):
        return math.nan
    try:
        return u.to_float(f"1 {unit}", field, dim)
    except PlexodoseError:
        return math.nan


def _dose_unit_problem(drug: int, unit: Any) -> str:
    if drug == CYC_IV:
        return f"dose_unit {unit!r:.60} must be a mass per pulse such as \"1 g\" or \"750 mg\""
    if drug in _PER_ADMINISTRATION:
        return (f"dose_unit {unit!r:.60} must be a mass per day (\"mg/day\") or a mass per dose "
                f"(\"mg\", {_PER_ADMINISTRATION[drug]} doses a day)")
    return (f"dose_unit {unit!r:.60} must be a mass per day such as \"mg/day\" (a plain mass "
            f"does not say how often {DRUGS[drug]} is given)")
