"""Hypothesis strategies for testing code that uses plexodose (install ``plexodose[hypothesis]``).

``import plexodose`` never imports this module; importing it imports hypothesis.

- :func:`quantities`: a value of a dimension in varied but equivalent units and forms
  (a pint Quantity of :data:`plexodose.ureg`, or a string such as ``"158 lb"``);
- :func:`patients`: valid adult :class:`~plexodose.Patient` objects with a realistic joint
  distribution of sex, height, weight, age, creatinine and baseline creatinine (options for
  obesity, old age, renal impairment and each TPMT/NUDT15 phenotype), with quantities in
  varied units, UCUM spellings (``"180 [lb_av]"``) among them;
- :func:`regimens`: in-protocol keyword arguments for each calculator;
- :func:`invalid_inputs` and :func:`invalid_cases`: what every entry point must refuse.

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

import decimal
import fractions
import math
from collections.abc import Sequence
from typing import Any

import attrs

from plexodose._core.checks import one_of
from plexodose._core.errors import choice_error, safe_repr

from plexodose._core.extras import needs_hypothesis  # noqa: F401  # isort: skip  (names the extra)
import hypothesis.strategies as st

from plexodose._core.errors import DoseRangeError, InputRangeError, PlexodoseError, UnitError
from plexodose._core.units import CREATININE_MOLAR_MASS_G_PER_MOL, ureg
from plexodose._patient.patient import PHENOTYPES, Patient

__all__ = [
    "DIMENSIONS",
    "KINDS",
    "InvalidInput",
    "as_units",
    "invalid_cases",
    "invalid_inputs",
    "patients",
    "quantities",
    "regimens",
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
    included). ``complete=False`` leaves optional fields out at random; ``varied_units=False``
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


def regimens(drug: str) -> st.SearchStrategy[dict[str, Any]]:
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
