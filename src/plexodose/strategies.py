"""Hypothesis strategies for testing code that uses plexodose (install ``plexodose[hypothesis]``).

``import plexodose`` never imports this module; importing it imports hypothesis.

- :func:`quantities`: a value of a dimension in varied but equivalent units and forms
  (a pint Quantity of :data:`plexodose.ureg`, or a string such as ``"158 lb"``);
- :func:`patients`: valid adult :class:`~plexodose.Patient` objects with a realistic joint
  distribution of sex, height, weight, age, creatinine and baseline creatinine (options for
  obesity, old age, renal impairment and each TPMT/NUDT15 phenotype), with quantities in
  varied units, UCUM spellings (``"180 [lb_av]"``) among them;
- :func:`regimens`: in-protocol keyword arguments for each calculator;
- :func:`invalid_inputs` and :func:`invalid_cases`: what every entry point must refuse;
- :func:`orders`: valid and borderline :class:`~plexodose.Order` values for
  :func:`plexodose.screen` (in-protocol, and at and around each edge of the reference's
  screening table), and :func:`invalid_orders`: order arguments it must refuse.

Unit factors here are written from the definitions of the units (1 lb = 0.45359237 kg,
1 in = 2.54 cm, creatinine 113.12 g/mol), not taken from plexodose, so a test that compares
the library with these strategies checks the library's conversions.

Installing plexodose registers :func:`patients` with hypothesis (its ``hypothesis`` entry
point), so ``st.from_type(Patient)`` and ``st.builds`` with a ``Patient`` argument draw
valid patients.

>>> from hypothesis import given
>>> from plexodose import azathioprine
>>> @given(patients(tpmt="normal", nudt15="normal"), regimens("azathioprine"))
... def test_cap(patient, kwargs):
...     assert azathioprine(patient, **kwargs).daily_dose_mg <= 150  # the seed's hard cap
>>> test_cap()
"""

from __future__ import annotations

import datetime as dt
import decimal
import fractions
import math
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from plexodose._core.checks import one_of, whole_number
from plexodose._core.errors import choice_error, safe_repr
from plexodose._core.vocab import Drug

from plexodose._core.extras import needs_hypothesis  # noqa: F401  # isort: skip  (names the extra)
import hypothesis.strategies as st
from hypothesis import reject

from plexodose._core.errors import DoseRangeError, InputRangeError, PlexodoseError, UnitError
from plexodose._core.units import CREATININE_MOLAR_MASS_G_PER_MOL, ureg
from plexodose._patient.patient import PHENOTYPES, Patient

__all__ = [
    "DIMENSIONS",
    "KINDS",
    "ORDER_FAULTS",
    "ORDER_KINDS",
    "InvalidInput",
    "InvalidOrder",
    "as_units",
    "invalid_cases",
    "invalid_inputs",
    "invalid_orders",
    "labs",
    "orders",
    "patients",
    "plans",
    "quantities",
    "regimens",
    "results",
]

_UMOL_L_IN_MG_DL = CREATININE_MOLAR_MASS_G_PER_MOL * 1e-4  # 1 umol/L = 113.12 ug/L = 0.011312 mg/dL


@attrs.frozen
class _Dim:
    canonical: str
    factors: dict[str, float]  # unit -> canonical units per one of that unit (by definition)
    spelling: dict[str, str] = attrs.field(factory=dict)  # unit -> how a string writes it


DIMENSIONS: dict[str, _Dim] = {
    "mass": _Dim("kg", {"kg": 1.0, "g": 1e-3, "lb": 0.45359237, "[lb_av]": 0.45359237}),
    "dose": _Dim("mg", {"mg": 1.0, "g": 1e3, "ug": 1e-3}),
    "length": _Dim("cm", {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54, "ft": 30.48,
                          "[in_i]": 2.54, "[ft_i]": 30.48}),
    "creatinine": _Dim("mg/dL", {"mg/dL": 1.0, "umol/L": _UMOL_L_IN_MG_DL,
                                 "mmol/L": _UMOL_L_IN_MG_DL * 1e3, "mg/L": 0.1}),
    "area": _Dim("m**2", {"m**2": 1.0, "cm**2": 1e-4}, {"m**2": "m^2"}),
    "cell_count": _Dim("1/uL", {"1/uL": 1.0, "1/L": 1e-6, "1/mm**3": 1.0, "10*9/L": 1e3,
                                "10*3/uL": 1e3},
                       {"1/uL": "/uL", "1/L": "/L"}),
}
"""Dimension name -> canonical unit and the units :func:`quantities` draws from (UCUM codes
such as ``[lb_av]`` and ``10*9/L`` among them)."""

# A UCUM code has no pint spelling: its Quantity form is this pint unit times this scale.
_UCUM_AS_PINT = {"[lb_av]": ("lb", 1.0), "[in_i]": ("inch", 1.0), "[ft_i]": ("foot", 1.0),
                 "10*9/L": ("1/L", 1e9), "10*3/uL": ("1/uL", 1e3)}


def _dim(dimension: str) -> _Dim:
    return DIMENSIONS[one_of(dimension, DIMENSIONS, "dimension")]


def _units(dim: _Dim, units: Sequence[str] | None) -> list[str]:
    chosen = list(dim.factors) if units is None else list(units)
    unknown = [name for name in chosen if name not in dim.factors]
    if unknown or not chosen:
        raise InputRangeError(f"units must be some of {', '.join(dim.factors)}; got {safe_repr(units)}",
                              field="units", value=units)
    return chosen


def as_units(dimension: str, value: float, units: Sequence[str] | None = None,
             forms: Sequence[str] = ("quantity", "string")) -> st.SearchStrategy[Any]:
    """``value`` (in the dimension's canonical unit) written in a drawn unit and form.

    >>> from hypothesis import find
    >>> find(as_units("mass", 72.0, units=["kg"], forms=["string"]), lambda x: True)
    '72.0 kg'
    """
    dim = _dim(dimension)
    names = _units(dim, units)
    return st.sampled_from(names).flatmap(
        lambda name: st.sampled_from(list(forms)).map(
            lambda form: _write(dim, name, value / dim.factors[name], form)))


def _write(dim: _Dim, name: str, magnitude: float, form: str) -> Any:
    if form == "string":
        return f"{magnitude!r} {dim.spelling.get(name, name)}"
    if form == "quantity":
        pint_name, scale = _UCUM_AS_PINT.get(name, (name, 1.0))
        return ureg.Quantity(magnitude * scale, pint_name)
    raise InputRangeError(f"forms must be 'quantity' or 'string'; got {safe_repr(form)}",
                          field="forms", value=form)


def quantities(dimension: str, min: float, max: float, units: Sequence[str] | None = None,
               forms: Sequence[str] = ("quantity", "string")) -> st.SearchStrategy[Any]:
    """Values of ``dimension`` from ``min`` to ``max`` (canonical unit), in varied units and forms.

    ``dimension`` is one of :data:`DIMENSIONS` (canonical units: mass kg, dose mg, length cm,
    creatinine mg/dL, area m**2, cell_count 1/uL). A drawn unit converts back to within float
    rounding of a value in [min, max].

    >>> from hypothesis import find
    >>> from plexodose._core.units import to_float, MASS
    >>> x = find(quantities("mass", 60, 80, units=["lb"], forms=["string"]), lambda x: True)
    >>> x.endswith(" lb"), 60 <= round(to_float(x, "weight", MASS), 9) <= 80
    (True, True)
    """
    if not (math.isfinite(min) and math.isfinite(max) and min <= max):
        raise InputRangeError(f"min and max must be finite with min <= max; got {min!r}, {max!r}",
                              field="min", value=min)
    _units(_dim(dimension), units)  # refuse a bad dimension or unit now, not at the first draw
    return st.floats(min, max).flatmap(lambda v: as_units(dimension, v, units, forms))


# Test-data distributions (not clinical rules): adult heights by sex, BMI bands, creatinine bands.
_HEIGHT_CM = {"female": (150.0, 180.0), "male": (160.0, 195.0)}
_BMI = {None: (17.0, 45.0), False: (18.5, 29.9), True: (30.5, 55.0)}
_AGE = {None: (18, 95), False: (18, 64), True: (65, 100)}
_CREATININE_MG_DL = {None: (0.5, 6.0), False: (0.5, 1.2), True: (1.8, 12.0)}
_BASELINE_RATIO = (0.8, 1.6)  # current / baseline creatinine: a 20 % fall to a 60 % rise


def _phenotypes(choice: str | Sequence[str] | None) -> st.SearchStrategy[str]:
    if choice is None:
        return st.sampled_from(PHENOTYPES)
    names = [choice] if isinstance(choice, str) else list(choice)
    if not names or any(name not in PHENOTYPES for name in names):
        raise choice_error(choice, PHENOTYPES, "phenotype", label="a phenotype")
    return st.sampled_from(names)


@st.composite
def _patient(draw: Any, obese: bool | None, elderly: bool | None,
             renal_impairment: bool | None, tpmt: st.SearchStrategy[str],
             nudt15: st.SearchStrategy[str], complete: bool, varied_units: bool,
             baseline: bool | None) -> Patient:
    sex = draw(st.sampled_from(("female", "male")))
    height = draw(st.floats(*_HEIGHT_CM[sex]))
    bmi = draw(st.floats(*_BMI[obese]))
    weight = bmi * (height / 100) ** 2
    age = draw(st.integers(*_AGE[elderly]))
    scr = draw(st.floats(*_CREATININE_MG_DL[renal_impairment]))
    base = scr / draw(st.floats(*_BASELINE_RATIO))
    with_baseline = draw(st.booleans()) if baseline is None else baseline

    def given(name: str, value: Any) -> Any:
        return value if complete or draw(st.booleans()) else None

    def written(dimension: str, value: float) -> Any:
        if not varied_units:
            return f"{value!r} {DIMENSIONS[dimension].canonical}"
        return draw(as_units(dimension, value))

    return Patient(
        weight=written("mass", weight),
        height=given("height", written("length", height)),
        sex=given("sex", sex),
        age=given("age", age),
        serum_creatinine=given("serum_creatinine", written("creatinine", scr)),
        tpmt=given("tpmt", draw(tpmt)),
        nudt15=given("nudt15", draw(nudt15)),
        baseline_creatinine=written("creatinine", base) if with_baseline else None,
    )


def patients(*, obese: bool | None = None, elderly: bool | None = None,
             renal_impairment: bool | None = None, tpmt: str | Sequence[str] | None = None,
             nudt15: str | Sequence[str] | None = None, complete: bool = True,
             varied_units: bool = True,
             baseline_creatinine: bool | None = None) -> st.SearchStrategy[Patient]:
    """Valid adult patients: sex, then height by sex, BMI (so weight), age and creatinine.

    ``obese`` True draws BMI 30.5-55, False 18.5-29.9, None 17-45; ``elderly`` True draws age
    65-100, False 18-64; ``renal_impairment`` True draws creatinine 1.8-12 mg/dL, False
    0.5-1.2. ``tpmt`` / ``nudt15`` fix a phenotype or a list of them (default: any, poor
    included). ``complete=False`` leaves optional fields out at random (a missing height, sex,
    age or creatinine: what "not known" paths need); the default draws every field, because a
    property about a dose needs a patient every calculator can dose. ``varied_units=False``
    writes every quantity in its canonical unit. ``baseline_creatinine`` True always draws a
    baseline (the current creatinine over 0.8-1.6: a 20 % fall to a 60 % rise), False never,
    None either.

    >>> from hypothesis import find
    >>> p = find(patients(obese=True, elderly=True, tpmt="poor"), lambda p: True)
    >>> p.bmi.magnitude > 30, p.age >= 65, p.tpmt
    (True, True, 'poor')
    """
    return _patient(obese, elderly, renal_impairment, _phenotypes(tpmt), _phenotypes(nudt15),
                    complete, varied_units, baseline_creatinine)


def _ivig() -> st.SearchStrategy[dict[str, Any]]:
    course = st.sampled_from([(0.4, 5), (1.0, 1), (1.0, 2)])  # [seed]
    return st.fixed_dictionaries(
        {"weight_basis": st.sampled_from(("auto", "actual", "ideal", "adjusted")),
         "auto_rule": st.sampled_from(("bmi_over_30", "over_120_percent_ibw", "australia_2026")),
         "product": st.sampled_from((None, "privigen", "gamunex"))},
    ).flatmap(lambda kw: course.map(lambda c: {**kw, "g_per_kg_day": c[0], "days": c[1]}))


def _rate(low: float, high: float) -> st.SearchStrategy[float]:
    return st.one_of(st.sampled_from((low, high)), st.floats(low, high))


_REGIMENS: dict[str, Any] = {
    "ivig": _ivig,
    "azathioprine": lambda: st.fixed_dictionaries(
        {"mg_per_kg_day": _rate(1.0, 2.0), "doses_per_day": st.sampled_from((1, 2)),
         "allopurinol": st.booleans()}),
    "cyclophosphamide_oral": lambda: st.fixed_dictionaries({"mg_per_kg_day": _rate(1.0, 2.0)}),
    "cyclophosphamide_iv": lambda: st.fixed_dictionaries(
        {"g_per_m2": _rate(0.3, 1.0), "interval_weeks": _rate(2.0, 4.0),
         "bsa_formula": st.sampled_from(("mosteller", "dubois", "haycock", "gehan_george", "boyd")),
         "bsa_cap": st.sampled_from((None, "2 m**2", "2.2 m**2")),
         "age_renal_reduction": st.booleans()}),
    "ciclosporin": lambda: st.fixed_dictionaries(
        {"mg_per_kg_day": _rate(2.5, 5.0), "creatinine_rise_threshold": _rate(0.25, 0.30),
         "creatinine_rise_reduction": _rate(0.25, 0.5)}),
    "mycophenolate": lambda: st.fixed_dictionaries(
        {"mg_per_dose": st.one_of(st.sampled_from((500.0, 1000.0, 1500.0)), st.floats(500, 1500)),
         "doses_per_day": st.just(2)}),
    "cyclophosphamide_pulse_reduction": lambda: st.fixed_dictionaries(
        {"mg_per_kg": st.just(15.0)}),
}
_REGIMENS["cyclosporin"] = _REGIMENS["ciclosporin"]


def regimens(drug: Drug | Literal["cyclosporin"]) -> st.SearchStrategy[dict[str, Any]]:
    """In-protocol keyword arguments for the calculator named ``drug`` (no override needed).

    >>> from hypothesis import find
    >>> find(regimens("mycophenolate"), lambda kw: True)
    {'mg_per_dose': 500.0, 'doses_per_day': 2}
    """
    factory = _REGIMENS[one_of(drug, _REGIMENS, "drug")]
    result: st.SearchStrategy[dict[str, Any]] = factory()
    return result


@attrs.frozen
class InvalidInput:
    """One bad value, what kind of bad it is, and the PlexodoseError it must raise."""

    kind: str
    value: Any
    error: type[PlexodoseError]


KINDS = ("bare number", "wrong dimension", "nan", "inf", "negative", "zero", "absurd magnitude",
         "wrong type", "malformed string")


def _wrong_dimension(dimension: str) -> list[Any]:
    other = {"mass": ["175 cm", ureg.Quantity(2, "m**2")], "dose": ["72 cm", "5 mL"],
             "length": ["72 kg", ureg.Quantity(3, "s")],
             "creatinine": ["1 mg", "80 umol", ureg.Quantity(1, "mg/kg")],
             "area": ["175 cm", ureg.Quantity(72, "kg")],
             "cell_count": ["3500 kg", ureg.Quantity(1, "1/s")]}
    return other[dimension]


def _quantity_cases(dimension: str) -> list[InvalidInput]:
    dim = _dim(dimension)
    unit = dim.canonical
    text = dim.spelling.get(unit, unit)
    cases = [InvalidInput("bare number", v, UnitError)
             for v in (72, 72.0, -1, 0, decimal.Decimal("72"), fractions.Fraction(1, 2),
                       1e308, float("nan"), complex(1, 1))]
    cases += [InvalidInput("wrong dimension", v, UnitError) for v in _wrong_dimension(dimension)]
    cases += [InvalidInput("wrong dimension", f"72 {unit}*s", UnitError)]
    cases += [InvalidInput("nan", v, InputRangeError)
              for v in (f"nan {text}", ureg.Quantity(math.nan, unit))]
    cases += [InvalidInput("inf", v, InputRangeError)
              for v in (f"inf {text}", f"-inf {text}", ureg.Quantity(math.inf, unit),
                        f"1e999 {text}")]
    cases += [InvalidInput("negative", v, InputRangeError)
              for v in (f"-1 {text}", ureg.Quantity(-72, unit))]
    if dimension != "cell_count":  # a count of zero cells is a real (and alarming) value
        cases += [InvalidInput("zero", v, InputRangeError)
                  for v in (f"0 {text}", ureg.Quantity(0, unit))]
        cases += [InvalidInput("absurd magnitude", f"1e-300 {text}", InputRangeError)]
    cases += [InvalidInput("absurd magnitude", v, InputRangeError)
              for v in (f"1e300 {text}", ureg.Quantity(1e12, unit))]
    cases += [InvalidInput("wrong type", v, UnitError)
              for v in (True, False, [72, unit], {"value": 72}, b"72 kg", object(), (72, unit),
                        ureg.Unit(unit), ureg.Quantity(complex(1, 1), unit), *_arrays(unit))]
    cases += [InvalidInput("malformed string", v, UnitError)
              for v in ("", " ", text, f"{text} 72", "seventy two", f"72 {text}{text}x",
                        f"72 {text} {text} 1", "72 kgs of stuff", "7 2 zz", "72 ?", "72 %",
                        "0x48 kg", "72,5", "\x00", "💊 72", "1 1", "(", "72 " + "/" * 5)]
    return cases


def _arrays(unit: str) -> list[Any]:
    try:  # an array quantity needs numpy (an optional dependency)
        return [ureg.Quantity([72.0, 73.0], unit)]
    except Exception:
        return []


def _number_cases() -> list[InvalidInput]:
    cases = [InvalidInput("wrong type", v, InputRangeError)
             for v in ("0.4", "1 mg", True, [1], None, object(), complex(1, 0),
                       ureg.Quantity(0.4, "g/kg/day"))]
    cases += [InvalidInput("nan", math.nan, InputRangeError),
              InvalidInput("inf", math.inf, InputRangeError),
              InvalidInput("inf", -math.inf, InputRangeError),
              InvalidInput("inf", 10**400, InputRangeError),
              InvalidInput("negative", -1, InputRangeError),
              InvalidInput("zero", 0, InputRangeError),
              InvalidInput("absurd magnitude", 1e300, DoseRangeError)]
    return cases


def _choice_cases() -> list[InvalidInput]:
    return [InvalidInput("wrong type", v, InputRangeError)
            for v in (1, 1.0, True, b"male", ["male"], object(), ureg.Quantity(1, "kg"))] + [
            InvalidInput("malformed string", v, InputRangeError)
            for v in ("", " ", "unknown", "m", "\x00", "💊", "x" * 1000)]


def invalid_cases(kind: str) -> list[InvalidInput]:
    """Every bad value of one kind of input, labelled with the error it must raise.

    ``kind`` is a dimension of :data:`DIMENSIONS` (a quantity field such as ``weight``),
    ``"number"`` (a parameter whose name states its unit, such as ``g_per_kg_day``; an absurd
    magnitude there is a DoseRangeError) or ``"choice"`` (a named option such as ``sex``).

    >>> sorted({case.kind for case in invalid_cases("mass")}) == sorted(KINDS)
    True
    """
    if kind == "number":
        return _number_cases()
    if kind == "choice":
        return _choice_cases()
    return _quantity_cases(kind)


def invalid_inputs(kind: str = "mass") -> st.SearchStrategy[Any]:
    """Values an input of ``kind`` (see :func:`invalid_cases`) must refuse with a PlexodoseError.

    The fixed cases of :func:`invalid_cases` plus generated ones: any bare number, any text
    that is not a number followed by a unit of the dimension, NaN and infinite magnitudes.

    >>> from hypothesis import given
    >>> from plexodose import Patient, PlexodoseError
    >>> @given(invalid_inputs("mass"))
    ... def test_refused(value):
    ...     try:
    ...         Patient(weight=value)
    ...     except PlexodoseError as exc:
    ...         assert exc.field == "weight"
    ...     else:
    ...         raise AssertionError(f"accepted {value!r}")
    >>> test_refused()
    """
    fixed = st.sampled_from([case.value for case in invalid_cases(kind)])
    if kind == "choice":
        return st.one_of(fixed, st.text().filter(lambda s: s.strip().lower() not in _CHOICES))
    if kind == "number":
        return st.one_of(fixed, st.floats(max_value=0.0), st.text(), st.none())
    dim = _dim(kind)
    unit = dim.canonical
    return st.one_of(
        fixed,
        st.integers() | st.floats(),  # bare numbers: refused whatever their value
        st.sampled_from([math.nan, math.inf, -math.inf]).map(lambda v: ureg.Quantity(v, unit)),
        # zero cells is a real count; anything below zero is refused
        st.floats(max_value=0.0).filter(lambda v: v < 0 or kind != "cell_count")
        .map(lambda v: ureg.Quantity(v, unit)),
        st.floats(min_value=1e7, allow_infinity=False).map(lambda v: f"{v!r} {unit}"),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=12).filter(_not_a_quantity),
    )


_CHOICES = {"female", "male", *PHENOTYPES, "auto", "actual", "ideal", "adjusted"}


def _not_a_quantity(text: str) -> bool:
    # Text without any digit cannot name an amount: it must be refused for every dimension.
    return not any(c.isdigit() for c in text)


# ---------------------------------------------------------------------------------------------
# Orders someone else wrote (plexodose.screen): valid, borderline and invalid.
#
# The numbers are the reference's screening table (clinical rules, "Screening an order someone
# else wrote"), written here rather than read from plexodose so that a suite drawing from them
# checks the library's edges; the unit factors are the units' definitions (1 g = 1,000 mg).

_AMOUNT_UNITS: dict[str, dict[str, float]] = {  # basis -> pint unit -> basis units per one
    "mg": {"mg": 1.0, "g": 1e3, "ug": 1e-3},
    "mg/kg": {"mg/kg": 1.0, "g/kg": 1e3},
    "mg/m2": {"mg/m**2": 1.0, "g/m**2": 1e3},
}
_SPELLINGS = {"mg/m**2": ("mg/m**2", "mg/m2", "mg/m^2"), "g/m**2": ("g/m**2", "g/m2")}
_PER_DAY = ("/day", "/d")
_INTERVAL_UNITS = {"days": 1.0, "d": 1.0, "weeks": 7.0, "wk": 7.0, "h": 1 / 24}  # days per one
ORDER_KINDS = ("valid", "borderline")
IVIG_PRODUCT_NAMES = ("privigen", "gamunex", "gammagard", "panzyga", "octagam")  # prefixes


@st.composite
def _written_amount(draw: Any, value: float, basis: str, per: str, varied: bool) -> Any:
    """``value`` (mg, mg/kg or mg/m2, per dose or per day) as a caller writes it."""
    units = _AMOUNT_UNITS[basis]
    name = draw(st.sampled_from(sorted(units))) if varied else next(iter(units))
    magnitude = value / units[name]
    day = per == "day"
    if varied and draw(st.booleans()):
        return ureg.Quantity(magnitude, name + ("/day" if day else ""))
    spelled = draw(st.sampled_from(_SPELLINGS.get(name, (name,)))) if varied else name
    suffix = (draw(st.sampled_from(_PER_DAY)) if varied else "/day") if day else ""
    number = repr(magnitude)
    if varied and magnitude >= 1000 and magnitude == int(magnitude) and draw(st.booleans()):
        number = f"{int(magnitude):,}"  # "1,500 mg"
    return f"{number} {spelled}{suffix}"


@st.composite
def _written_interval(draw: Any, days: float, varied: bool) -> Any:
    if not varied:
        return f"{days!r} days"
    name = draw(st.sampled_from(sorted(_INTERVAL_UNITS)))
    magnitude = days / _INTERVAL_UNITS[name]
    if draw(st.booleans()):
        return ureg.Quantity(magnitude, {"days": "day", "d": "day", "weeks": "week",
                                         "wk": "week", "h": "hour"}[name])
    return f"{magnitude!r} {name}"


@attrs.frozen
class _Plan:
    """An order in canonical numbers, before it is written: the amount a day (its basis), the
    administrations a day (None: not stated), and the rest as Order takes it."""

    drug: str
    day_amount: float
    basis: str
    times: int | None
    every_days: float | None = None
    days: int | None = None
    product: str | None = None
    per: str | None = None  # "dose" or "day": how to write it (None: drawn)


@st.composite
def _order(draw: Any, plan: _Plan, varied: bool) -> Any:
    from plexodose._screening.order import Order

    per = plan.per or draw(st.sampled_from(("dose", "day")))
    if per == "dose" and plan.times is None:
        per = "day"  # a per-dose amount needs its frequency to be the same order
    amount = plan.day_amount / (plan.times if per == "dose" and plan.times else 1)
    return Order(
        drug=plan.drug,
        dose=draw(_written_amount(amount, plan.basis, per, varied)),
        times_per_day=plan.times,
        every=None if plan.every_days is None else draw(_written_interval(plan.every_days,
                                                                          varied)),
        days=plan.days,
        product=plan.product,
    )


def _maybe(value: Any) -> st.SearchStrategy[Any]:
    """The value, or not stated."""
    return st.sampled_from((value, None))


def _valid_plans(drug: str) -> st.SearchStrategy[_Plan]:
    """In-protocol orders in the reference's own terms (per kg, per m2, or fixed)."""
    if drug == "ivig":  # 0.4 g/kg/day x 5, 1 g/kg/day x 1-2, 1 g/kg over 1-4 days [seed, label]
        courses = [(400.0, 5), (1000.0, 1), (1000.0, 2)] + [(1000.0 / n, n) for n in (1, 2, 3, 4)]
        return st.builds(
            lambda course, times, every, product: _Plan(
                "ivig", course[0], "mg/kg", times, every, course[1], product),
            st.sampled_from(courses), _maybe(1),
            st.none() | st.floats(21.0, 56.0),  # a new course 3 weeks or more after [gap]
            st.none() | st.sampled_from(IVIG_PRODUCT_NAMES))
    if drug == "azathioprine":  # 1-2 mg/kg/day in 1 or 2 doses [seed, label]
        return st.builds(lambda rate, times, days: _Plan(drug, rate, "mg/kg", times, days=days),
                         st.floats(1.0, 2.0), st.sampled_from((1, 2, None)),
                         st.none() | st.integers(90, 730))
    if drug == "mycophenolate":  # 500-1,500 mg twice daily [secondary eTG]
        return st.builds(lambda dose, times: _Plan(drug, 2 * dose, "mg", times),
                         st.sampled_from((500.0, 1000.0, 1500.0)) | st.floats(500.0, 1500.0),
                         _maybe(2))
    if drug == "ciclosporin":  # 2.5-5 mg/kg/day in two doses [seed, label]
        return st.builds(lambda rate, times: _Plan(drug, rate, "mg/kg", times),
                         st.floats(2.5, 5.0), _maybe(2))
    if drug == "cyclophosphamide_oral":  # 1-2 mg/kg/day once daily [seed, label]
        return st.builds(lambda rate, times, days: _Plan(drug, rate, "mg/kg", times, days=days),
                         st.floats(1.0, 2.0), _maybe(1), st.none() | st.integers(1, 180))
    # IV pulses: 0.3-1 g/m2 every 2-4 weeks [seed]
    return st.builds(lambda rate, every, times: _Plan(drug, rate, "mg/m2", times, every,
                                                      per="dose"),
                     st.floats(300.0, 1000.0), st.floats(14.0, 28.0), _maybe(1))


# Edges of the reference's screening table, per drug: (what moves, the edge, the rest of the
# order). "amount": the amount a day in the basis; "every": the interval in days; "days": the
# course; "times": the administrations a day.
_EDGES: dict[str, tuple[tuple[str, float, _Plan], ...]] = {
    "ivig": (
        ("amount", 400.0, _Plan("ivig", 0, "mg/kg", 1, days=5)),  # 0.4 g/kg x 5 [seed]
        ("amount", 360.0, _Plan("ivig", 0, "mg/kg", 1, days=5)),  # its 10 % [secondary]
        ("amount", 440.0, _Plan("ivig", 0, "mg/kg", 1, days=5)),
        ("amount", 1000.0, _Plan("ivig", 0, "mg/kg", 1, days=1)),  # 1 g/kg/day: hard [gap]
        ("amount", 1000.0, _Plan("ivig", 0, "mg/kg", 1, days=2)),  # 2 g/kg a course [seed]
        ("amount", 250.0, _Plan("ivig", 0, "mg/kg", 1, days=4)),  # 1 g/kg over 4 days [label]
        ("days", 5, _Plan("ivig", 400.0, "mg/kg", 1)),  # 1-5 days a course [seed]
        ("every", 21.0, _Plan("ivig", 1000.0, "mg/kg", 1, days=1)),  # 3 weeks [gap]
    ),
    "azathioprine": (
        ("amount", 1.0, _Plan("azathioprine", 0, "mg/kg", 1)),  # 1-2 mg/kg/day [seed]
        ("amount", 2.0, _Plan("azathioprine", 0, "mg/kg", 2)),
        ("amount", 150.0, _Plan("azathioprine", 0, "mg", 1)),  # 150 mg/day [seed]
        ("amount", 150.0, _Plan("azathioprine", 0, "mg", 2)),
        ("times", 2, _Plan("azathioprine", 100.0, "mg", None, per="day")),  # 1 or 2 [label]
    ),
    "mycophenolate": (
        ("amount", 1000.0, _Plan("mycophenolate", 0, "mg", 2, per="dose")),  # 500 a dose
        ("amount", 3000.0, _Plan("mycophenolate", 0, "mg", 2, per="dose")),  # 1,500 a dose
        ("amount", 1000.0, _Plan("mycophenolate", 0, "mg", 2, per="day")),  # 1,000-3,000/day
        ("amount", 2000.0, _Plan("mycophenolate", 0, "mg", 2, per="day")),  # eGFR < 25 [label]
        ("amount", 3000.0, _Plan("mycophenolate", 0, "mg", 2, per="day")),  # [secondary eTG]
        ("times", 2, _Plan("mycophenolate", 2000.0, "mg", None, per="day")),  # twice [seed]
    ),
    "ciclosporin": (
        ("amount", 2.5, _Plan("ciclosporin", 0, "mg/kg", 2)),  # 2.5-5 mg/kg/day [seed]
        ("amount", 4.0, _Plan("ciclosporin", 0, "mg/kg", 2)),  # the label's 4: a warning
        ("amount", 5.0, _Plan("ciclosporin", 0, "mg/kg", 2)),
        ("times", 2, _Plan("ciclosporin", 3.0, "mg/kg", None, per="day")),  # twice [label]
    ),
    "cyclophosphamide_oral": (
        ("amount", 1.0, _Plan("cyclophosphamide_oral", 0, "mg/kg", 1)),  # 1-2 [seed]
        ("amount", 1.5, _Plan("cyclophosphamide_oral", 0, "mg/kg", 1)),  # creatinine bands
        ("amount", 1.75, _Plan("cyclophosphamide_oral", 0, "mg/kg", 1)),  # [secondary]
        ("amount", 2.0, _Plan("cyclophosphamide_oral", 0, "mg/kg", 1)),
        ("amount", 200.0, _Plan("cyclophosphamide_oral", 0, "mg", 1)),  # 200 mg/day
        ("times", 1, _Plan("cyclophosphamide_oral", 1.5, "mg/kg", None, per="day")),
    ),
    "cyclophosphamide_iv": (
        ("amount", 300.0, _Plan("cyclophosphamide_iv", 0, "mg/m2", 1, 21.0, per="dose")),
        ("amount", 1000.0, _Plan("cyclophosphamide_iv", 0, "mg/m2", 1, 21.0, per="dose")),
        ("amount", 1400.0, _Plan("cyclophosphamide_iv", 0, "mg/m2", 1, 21.0, per="dose")),
        ("amount", 1600.0, _Plan("cyclophosphamide_iv", 0, "mg/m2", 1, 21.0, per="dose")),
        ("amount", 15.0, _Plan("cyclophosphamide_iv", 0, "mg/kg", 1, 14.0, per="dose")),
        ("every", 14.0, _Plan("cyclophosphamide_iv", 750.0, "mg/m2", 1, per="dose")),  # 2-4
        ("every", 28.0, _Plan("cyclophosphamide_iv", 750.0, "mg/m2", 1, per="dose")),  # weeks
    ),
}
# Around an edge: on it, a hair (one part in a million) either side, 1 % either side, or
# anywhere within 1 %.
_NUDGES = st.sampled_from((1.0, 1 - 1e-6, 1 + 1e-6, 0.99, 1.01)) | st.floats(0.99, 1.01)


def _borderline_plans(drug: str) -> st.SearchStrategy[_Plan]:
    def moved(edge: tuple[str, float, _Plan]) -> st.SearchStrategy[_Plan]:
        what, value, plan = edge
        if what == "amount":
            return _NUDGES.map(lambda f: attrs.evolve(plan, day_amount=value * f))
        if what == "every":
            return _NUDGES.map(lambda f: attrs.evolve(plan, every_days=value * f))
        steps = st.sampled_from((-1, 0, 1))
        if what == "days":
            return steps.map(lambda d: attrs.evolve(plan, days=int(value) + d))
        return steps.map(lambda d: attrs.evolve(plan, times=max(1, int(value) + d)))

    return st.sampled_from(_EDGES[drug]).flatmap(moved)


def _drugs(drug: str | Sequence[str] | None) -> list[str]:
    from plexodose._core.vocab import DRUGS, drug_key

    names = list(DRUGS) if drug is None else [drug] if isinstance(drug, str) else list(drug)
    keys = [drug_key(name) for name in names]
    if not keys or None in keys:
        raise choice_error(drug, DRUGS, "drug")
    return [key for key in keys if key is not None]


def orders(kind: str = "valid", *, drug: str | Sequence[str] | None = None,
           varied_units: bool = True) -> st.SearchStrategy[Any]:
    """:class:`~plexodose.Order` values for :func:`plexodose.screen`, in varied units.

    ``kind="valid"``: in-protocol orders in the reference's own terms (IVIg 0.4 g/kg/day x 5,
    1 g/kg/day x 1-2 or 1 g/kg over 1-4 days; azathioprine 1-2 mg/kg/day in 1 or 2 doses;
    mycophenolate 500-1,500 mg twice daily; ciclosporin 2.5-5 mg/kg/day twice daily; oral
    cyclophosphamide 1-2 mg/kg/day; IV pulses 0.3-1 g/m2 every 2-4 weeks), the frequency
    sometimes not stated. Per kg, they can still pass a heavy patient's absolute limit
    (azathioprine's 150 mg/day) or a patient's own reduced range: the screen judges that.

    ``kind="borderline"``: at and around each edge of the reference's screening table: each
    amount edge (per dose, per day, per kg, per m2, and the fixed mg limits), interval edge
    and the course and frequency edges; on the edge, one part in a million either side, or
    within 1 % of it (counts: the edge and one either side).

    ``drug`` is one drug or a list (default: all six); ``varied_units=False`` writes each
    amount in mg, mg/kg or mg/m**2 as a string. An invalid order cannot be an ``Order``: see
    :func:`invalid_orders`.

    >>> from hypothesis import given
    >>> from plexodose import Patient, screen
    >>> adult = Patient(weight="72 kg", height="175 cm", sex="male", age=45,
    ...                 serum_creatinine="0.9 mg/dL", tpmt="normal", nudt15="normal")
    >>> @given(orders("valid"))
    ... def test_in_protocol_orders_screen_within(order):
    ...     assert screen(order, adult, on="2027-01-04").verdict == "within"
    >>> test_in_protocol_orders_screen_within()
    >>> @given(orders("borderline", drug="mycophenolate"))
    ... def test_never_within_past_1500_mg_a_dose(order):
    ...     s = screen(order, adult, on="2027-01-04")
    ...     times = order.times_per_day or 2  # not stated: read as twice daily
    ...     per_dose = order.amount / times if order.per == "day" else order.amount
    ...     assert s.verdict != "within" or per_dose <= 1500 * (1 + 1e-9)
    >>> test_never_within_past_1500_mg_a_dose()
    """
    chosen = one_of(kind, ORDER_KINDS, "kind")
    plans = _valid_plans if chosen == "valid" else _borderline_plans
    return st.sampled_from(_drugs(drug)).flatmap(plans).flatmap(
        lambda plan: _order(plan, varied_units))


@attrs.frozen
class InvalidOrder:
    """Keyword arguments :class:`~plexodose.Order` must refuse: the kind of fault, the
    ``field`` the refusal names, and the :class:`~plexodose.PlexodoseError` it raises."""

    kind: str
    kwargs: dict[str, Any]
    field: str
    error: type[PlexodoseError]


ORDER_FAULTS = ("bare number", "wrong dimension", "not finite", "not positive",
                "absurd magnitude", "malformed", "unknown drug", "frequency", "interval",
                "course", "route", "product", "reason")


def _invalid_order_cases(drug: str) -> list[InvalidOrder]:
    base: dict[str, Any] = {"drug": drug, "dose": "100 mg"}

    def case(kind: str, field: str, value: Any, error: type[PlexodoseError]) -> InvalidOrder:
        return InvalidOrder(kind, {**base, field: value}, field, error)

    other_route = "oral" if drug in ("ivig", "cyclophosphamide_iv") else "iv"
    cases = [case("bare number", "dose", v, UnitError) for v in (500, 500.0, 0.5)]
    cases += [case("wrong dimension", "dose", v, UnitError)
              for v in ("500 mL", "72 cm", "1 mg/L", ureg.Quantity(5, "kg*m"), "2 m**2")]
    cases += [case("not finite", "dose", v, InputRangeError)
              for v in ("nan mg", "inf mg", ureg.Quantity(math.nan, "mg"), "1e999 mg/kg")]
    cases += [case("not positive", "dose", v, InputRangeError)
              for v in ("0 mg", "-5 mg", ureg.Quantity(-1, "g/kg/day"), "0 g/m**2")]
    cases += [case("absurd magnitude", "dose", v, InputRangeError)  # above 200 g of a drug
              for v in ("300 g", "1 kg", "6 g/kg", "11 g/m**2")]
    cases += [case("malformed", "dose", v, UnitError)
              for v in ("", " ", "mg", "five hundred mg", "500 mgs", None, True, b"500 mg",
                        [500, "mg"])]
    cases += [InvalidOrder("unknown drug", {"drug": v, "dose": "100 mg"}, "drug",
                           InputRangeError) for v in ("aspirin", "", None, 3, "cyclophosphamide")]
    cases += [case("frequency", "times_per_day", v, InputRangeError)
              for v in (0, 25, 1.5, "2", True, math.nan)]
    cases += [case("frequency", "days_per_week", v, InputRangeError) for v in (0, 8, None)]
    cases += [case("interval", "every", v, UnitError) for v in (14, "3 kg")]
    cases += [case("interval", "every", v, InputRangeError)
              for v in ("0 days", "12 h", "400 days", "-2 weeks")]
    cases += [case("course", "days", v, InputRangeError) for v in (0, 4000, 2.5, -1)]
    cases += [case("route", "route", v, InputRangeError) for v in ("im", other_route, 3)]
    if drug != "ivig":
        cases.append(case("product", "product", "privigen", InputRangeError))
    cases += [case("reason", "reason", v, InputRangeError)
              for v in ("", "a\x00b", 3, "x" * 501)]
    return cases


def invalid_orders(drug: str | Sequence[str] | None = None) -> st.SearchStrategy[InvalidOrder]:
    """:class:`InvalidOrder` cases: every field of an order written wrong, one at a time, for
    ``drug`` (default: all six); the kinds are :data:`ORDER_FAULTS`. Fixed cases, plus any bare
    number and any text without a digit as the dose.

    >>> from hypothesis import given
    >>> from plexodose import Order, PlexodoseError
    >>> @given(invalid_orders())
    ... def test_refused_naming_the_field(case):
    ...     try:
    ...         Order(**case.kwargs)
    ...     except case.error as exc:
    ...         assert exc.field == case.field
    ...     else:
    ...         raise AssertionError(f"accepted {case.kwargs!r}")
    >>> test_refused_naming_the_field()
    """
    keys = _drugs(drug)
    fixed = st.sampled_from([c for key in keys for c in _invalid_order_cases(key)])
    bare = st.tuples(st.sampled_from(keys), st.integers() | st.floats()).map(
        lambda kv: InvalidOrder("bare number", {"drug": kv[0], "dose": kv[1]}, "dose",
                                UnitError))
    wordy = st.tuples(st.sampled_from(keys), st.text(max_size=12).filter(_not_a_quantity)).map(
        lambda kv: InvalidOrder("malformed", {"drug": kv[0], "dose": kv[1]}, "dose", UnitError))
    return st.one_of(fixed, bare, wordy)


# Clinically common ranges for drawn results (the plausibility limits are wider: they refuse
# typing errors, these draw what a lab reports).
_LAB_RANGES = {
    "wbc": (0.5, 20.0, "x10^9/L"), "neutrophils": (0.1, 15.0, "x10^9/L"),
    "platelets": (20.0, 600.0, "x10^9/L"), "alt": (5.0, 600.0, "U/L"),
    "ast": (5.0, 600.0, "U/L"), "albumin": (20.0, 50.0, "g/L"), "mcv": (70.0, 120.0, "fL"),
    "creatinine": (0.4, 6.0, "mg/dL"), "potassium": (2.5, 7.5, "mmol/L"),
}


@st.composite
def _labs(draw: Any, on: dt.date | None) -> Any:
    from plexodose._monitoring.labs import Labs

    day = on if on is not None else draw(st.dates(dt.date(2025, 1, 1), dt.date(2028, 12, 31)))
    names = draw(st.sets(st.sampled_from(sorted(_LAB_RANGES)), min_size=1))
    given: dict[str, str] = {}
    for name in sorted(names):
        low, high, unit = _LAB_RANGES[name]
        given[name] = f"{draw(st.floats(low, high)):.3g} {unit}"
    if draw(st.booleans()):
        systolic = draw(st.integers(90, 200))
        given["blood_pressure"] = f"{systolic}/{draw(st.integers(50, systolic - 20))} mmHg"
    return Labs(date=day, **given)


def labs(*, on: Any = None) -> st.SearchStrategy[Any]:
    """:class:`~plexodose.Labs`: one dated set of one or more results in the ranges a lab
    reports (counts, liver enzymes, albumin, MCV, creatinine, potassium, blood pressure), all
    dated ``on`` when given. ``st.from_type(Labs)`` draws from it.

    >>> from hypothesis import find
    >>> find(labs(on="2027-01-16"), lambda s: s.value("wbc") is not None).date.isoformat()
    '2027-01-16'
    """
    from plexodose._monitoring.labs import lab_date

    return _labs(None if on is None else lab_date(on, "on"))


# -- results and plans: what the calculators and plan() give for drawn patients -------------

_CALCULATED: dict[str, tuple[str, str]] = {  # drug -> (module, calculator) under plexodose._drugs
    "ivig": ("ivig", "ivig"),
    "azathioprine": ("azathioprine", "azathioprine"),
    "mycophenolate": ("mycophenolate", "mycophenolate"),
    "ciclosporin": ("ciclosporin", "cyclosporin"),
    "cyclophosphamide_oral": ("cyclophosphamide", "cyclophosphamide_oral"),
    "cyclophosphamide_iv": ("cyclophosphamide", "cyclophosphamide_iv"),
}
_ORAL = ("azathioprine", "mycophenolate", "ciclosporin", "cyclophosphamide_oral")


@st.composite
def _result(draw: Any, drug: str) -> Any:
    import importlib

    module, name = _CALCULATED[drug]
    calculator = getattr(importlib.import_module(f"plexodose._drugs.{module}"), name)
    # patients every regimen of the drug is given for: renal function in range (ciclosporin and
    # mycophenolate refuse or cap below it), no poor metabolizer (azathioprine refuses one)
    patient = draw(patients(renal_impairment=False, tpmt=["normal", "intermediate"],
                            nudt15=["normal", "intermediate"]))
    try:
        return calculator(patient, **draw(_REGIMENS[drug]()))
    except PlexodoseError:
        reject()  # a rare combination the reference refuses (the calculator says why)


def results(drug: Drug | Literal["cyclosporin"] | None = None) -> st.SearchStrategy[Any]:
    """Calculator results for drawn patients and in-protocol regimens: ``drug``'s (a
    ``DailyDose``, ``IVIgCourse`` or ``CyclophosphamidePulse``), or any drug's when None.
    ``st.from_type(DailyDose)`` draws the oral drugs' results, ``st.from_type(IVIgCourse)`` and
    ``st.from_type(CyclophosphamidePulse)`` the others.

    >>> from hypothesis import find
    >>> r = find(results("azathioprine"), lambda r: True)
    >>> r.drug, r.daily_dose_mg <= 150  # the seed's maximum
    ('azathioprine', True)
    """
    if drug is None:
        return st.sampled_from(tuple(_CALCULATED)).flatmap(_result)
    return _result(one_of("ciclosporin" if drug == "cyclosporin" else drug, _CALCULATED,
                          "drug"))


def _oral_results() -> st.SearchStrategy[Any]:
    return st.sampled_from(_ORAL).flatmap(_result)


@st.composite
def _plan(draw: Any, months: int) -> Any:
    from plexodose._core.vocab import REFRACTORY_AGENTS, SECOND_AGENTS
    from plexodose._schedule.algorithm import plan

    patient = draw(patients(renal_impairment=False, tpmt="normal", nudt15="normal"))
    second = draw(st.sampled_from(SECOND_AGENTS))
    refractory = draw(st.sampled_from(tuple(
        a for a in REFRACTORY_AGENTS
        if not (second.startswith("cyclophosphamide") and a.startswith("cyclophosphamide")))))
    start = draw(st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)))
    return plan(patient, start=start, second_agent=second, refractory_agent=refractory,
                months=months)


def plans(*, months: int = 12) -> st.SearchStrategy[Any]:
    """:func:`plexodose.plan` schedules for drawn patients (renal function in range, normal
    metabolizers), every second and refractory agent the plan offers (never cyclophosphamide
    twice), starting 2026-2030, over ``months``. ``st.from_type(Schedule)`` draws from it.

    >>> from hypothesis import find
    >>> s = find(plans(months=6), lambda s: True)
    >>> len(s.filter(kind="decision")) >= 2
    True
    """
    return _plan(whole_number(months, "months", 1, 60))
