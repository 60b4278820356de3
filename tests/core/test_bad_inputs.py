"""The bad-input matrix: every public entry point against every kind of invalid input.

Each must raise the documented PlexodoseError subclass with a message that names the field
(and ``exc.field`` set to it); nothing else may escape and nothing may return a result. The
CLI must exit 2 with one line on stderr and nothing on stdout. The number of cases is printed
by ``pytest tests/core/test_bad_inputs.py --collect-only -q``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import plexodose
from plexodose import (
    DoseRangeError,
    InputRangeError,
    IVIgProduct,
    Patient,
    PlexodoseError,
    Source,
    UnitError,
)
from plexodose.strategies import InvalidInput, invalid_cases

P = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal
PULSE = plexodose.cyclophosphamide_iv(P)
SOURCE = Source("label", "test label", "test sizes")


def _cases(kind: str) -> list[InvalidInput]:
    return invalid_cases(kind)


def _reason_cases() -> list[InvalidInput]:
    return [InvalidInput(kind, v, InputRangeError) for kind, v in (
        ("malformed string", ""), ("malformed string", "   "), ("wrong type", 5),
        ("wrong type", True), ("wrong type", b"why"), ("wrong type", ["why"]))]


def _whole_cases() -> list[InvalidInput]:
    return [InvalidInput(kind, v, InputRangeError) for kind, v in (
        ("zero", 0), ("negative", -1), ("malformed string", "2"), ("wrong type", 1.5),
        ("nan", math.nan), ("inf", math.inf), ("absurd magnitude", 10**9),
        ("absurd magnitude", 1e300), ("wrong type", True), ("wrong type", None),
        ("wrong type", plexodose.Q_(2, "1/day")))]


def _fraction_cases() -> list[InvalidInput]:
    return [InvalidInput(kind, v, InputRangeError) for kind, v in (
        ("zero", 0), ("negative", -0.3), ("absurd magnitude", 30), ("nan", math.nan),
        ("inf", math.inf), ("malformed string", "0.3"), ("wrong type", True),
        ("wrong type", plexodose.Q_(30, "percent")))]


def _flag_cases() -> list[InvalidInput]:
    return [InvalidInput("wrong type", v, InputRangeError)
            for v in (1, 0, "yes", "False", None, math.nan)]


def _patient_cases() -> list[InvalidInput]:
    return [InvalidInput("wrong type", v, InputRangeError)
            for v in (None, "72 kg", {"weight": "72 kg"}, 72, PULSE, Patient)]


def _age_cases() -> list[InvalidInput]:
    # age: a plain number of years or a time quantity.
    return [
        *(InvalidInput(kind, v, InputRangeError) for kind, v in (
            ("negative", -1), ("nan", math.nan), ("inf", math.inf), ("absurd magnitude", 1000),
            ("absurd magnitude", "1e6 year"), ("negative", "-5 year"), ("nan", "nan year"))),
        *(InvalidInput(kind, v, UnitError) for kind, v in (
            ("wrong dimension", "60 kg"), ("malformed string", "60"), ("malformed string", "sixty"),
            ("malformed string", ""), ("wrong type", [60]))),
        InvalidInput("wrong type", complex(60, 1), InputRangeError),
    ]


def _is_text(value: Any, text: str) -> bool:
    return isinstance(value, str) and value == text


def _date_cases() -> list[InvalidInput]:
    return [InvalidInput(kind, v, InputRangeError) for kind, v in (
        ("malformed string", "2026-13-01"), ("malformed string", "tomorrow"),
        ("malformed string", ""), ("malformed string", "01/12/2026"), ("wrong type", 20261201),
        ("wrong type", None), ("wrong type", b"2026-12-01"), ("wrong type", 1.5),
        ("wrong type", ["2026-12-01"]))]


def _choice(extra: tuple[Any, ...] = ()) -> list[InvalidInput]:
    return _cases("choice") + [InvalidInput("malformed string", v, InputRangeError) for v in extra]


def _number(absurd: type[PlexodoseError] = DoseRangeError) -> list[InvalidInput]:
    # Absurd magnitudes of a protocol parameter are a DoseRangeError (outside the protocol).
    return [InvalidInput(c.kind, c.value, absurd if c.kind == "absurd magnitude" else c.error)
            for c in _cases("number")]


def _optional(cases: list[InvalidInput]) -> list[InvalidInput]:
    return [c for c in cases if c.value is not None]  # None means "not given" there


# entry point -> (function, valid keyword arguments, {parameter: its invalid cases})
MATRIX: dict[str, tuple[Callable[..., Any], dict[str, Any], dict[str, list[InvalidInput]]]] = {
    "Patient": (Patient, dict(weight="72 kg", height="175 cm", sex="male", age=60,
                              serum_creatinine="1 mg/dL", baseline_creatinine="1 mg/dL",
                              tpmt="normal", nudt15="normal"), {
        "weight": _cases("mass"), "height": _cases("length"),
        "serum_creatinine": _cases("creatinine"), "baseline_creatinine": _cases("creatinine"),
        "sex": _choice(("M", "F", "other")), "tpmt": _choice(("Normal metaboliser",)),
        "nudt15": _choice(("*3/*3",)), "age": _age_cases(), "minor_override": _reason_cases()}),
    "bmi": (plexodose.bmi, dict(weight="72 kg", height="175 cm"), {
        "weight": _cases("mass"), "height": _cases("length")}),
    "bsa": (plexodose.bsa, dict(weight="72 kg", height="175 cm"), {
        "weight": _cases("mass"), "height": _cases("length"),
        "formula": _choice(("Mosteller ", "du bois"))}),
    "ideal_body_weight": (plexodose.ideal_body_weight, dict(height="175 cm", sex="male"), {
        "height": _cases("length"), "sex": _choice()}),
    "adjusted_body_weight": (plexodose.adjusted_body_weight,
                             dict(weight="110 kg", height="165 cm", sex="female"), {
        "weight": _cases("mass"), "height": _cases("length"), "sex": _choice(),
        "factor": [c for c in _number(InputRangeError) if c.kind != "zero"]}),
    "creatinine_clearance": (plexodose.creatinine_clearance,
                             dict(age=60, weight="72 kg", sex="male", serum_creatinine="1 mg/dL"), {
        "age": _age_cases(), "weight": _cases("mass"), "sex": _choice(),
        "serum_creatinine": _cases("creatinine")}),
    "egfr": (plexodose.egfr, dict(age=60, sex="male", serum_creatinine="1 mg/dL"), {
        "age": _age_cases(), "sex": _choice(), "serum_creatinine": _cases("creatinine")}),
    "ivig": (plexodose.ivig, dict(patient=P), {
        "patient": _patient_cases(), "g_per_kg_day": _number(), "days": _whole_cases(),
        "weight_basis": _choice(("Actual",)), "auto_rule": _choice(("bmi>30",)),
        "product": _optional(_choice(("flebogamma",))), "max_g_per_kg_day": _number(),
        # an absurd rounding step is not refused: nothing can be dispensed and a warning says so
        "round_to_g": [c for c in _number() if c.kind != "absurd magnitude"],
        "override": _optional(_reason_cases())}),
    "azathioprine": (plexodose.azathioprine, dict(patient=P), {
        "patient": _patient_cases(), "mg_per_kg_day": _number(), "doses_per_day": _whole_cases(),
        "allopurinol": _flag_cases(), "override": _optional(_reason_cases())}),
    "cyclophosphamide_oral": (plexodose.cyclophosphamide_oral, dict(patient=P), {
        "patient": _patient_cases(), "mg_per_kg_day": _number(),
        "override": _optional(_reason_cases())}),
    "cyclophosphamide_iv": (plexodose.cyclophosphamide_iv, dict(patient=P), {
        "patient": _patient_cases(), "g_per_m2": _number(), "interval_weeks": _number(),
        "bsa_formula": _choice(("Mosteller",)), "bsa_cap": _cases("area"),
        "age_renal_reduction": _flag_cases(), "override": _optional(_reason_cases())}),
    "cyclophosphamide_next_pulse": (plexodose.cyclophosphamide_next_pulse,
                                    dict(previous=PULSE, nadir_wbc="3500 /uL"), {
        "previous": [InvalidInput("wrong type", v, InputRangeError)
                     for v in (None, "1403 mg", {"dose": "1403 mg"}, 1403, P, Patient)],
        "nadir_wbc": _optional(_cases("cell_count")),
        "pre_pulse_wbc": _optional(_cases("cell_count")),
        "pre_pulse_neutrophils": _optional(_cases("cell_count")),
        "cut_fraction": [InvalidInput(c.kind, c.value, c.error if c.kind != "absurd magnitude"
                                      else InputRangeError) for c in _fraction_cases()],
        "override": _optional(_reason_cases())}),
    "cyclophosphamide_pulse_reduction": (plexodose.cyclophosphamide_pulse_reduction,
                                         dict(patient=P), {
        "patient": _patient_cases(), "override": _optional(_reason_cases()),
        "mg_per_kg": _number()}),
    "ciclosporin": (plexodose.ciclosporin, dict(patient=P), {
        "patient": _patient_cases(), "mg_per_kg_day": _number(),
        "creatinine_rise_threshold": _fraction_cases(),
        "creatinine_rise_reduction": _fraction_cases(), "override": _optional(_reason_cases())}),
    "cyclosporin": (plexodose.cyclosporin, dict(patient=P), {
        "patient": _patient_cases(), "mg_per_kg_day": _number()}),
    "mycophenolate": (plexodose.mycophenolate, dict(patient=P), {
        "patient": _patient_cases(), "mg_per_dose": _number(), "doses_per_day": _whole_cases(),
        "override": _optional(_reason_cases())}),
    "convert_mycophenolate": (plexodose.convert_mycophenolate, dict(dose="1000 mg", to="sodium"), {
        # a huge dose is above the conversion's daily maximum: DoseRangeError
        "dose": [InvalidInput(c.kind, c.value, DoseRangeError)
                 if c.kind == "absurd magnitude" and not _is_text(c.value, "1e-300 mg") else c
                 for c in _cases("dose")],
        "to": _choice(("Sodium", "mycophenolate sodium"))}),
    "IVIgProduct": (IVIgProduct, dict(name="test", vial_sizes_g=(5, 10), source=SOURCE), {
        "initial_rate_mg_per_kg_min": _optional([c for c in _number() if c.kind != "absurd magnitude"]),
        "max_rate_mg_per_kg_min": _optional([c for c in _number() if c.kind != "absurd magnitude"]),
        "concentration_g_per_ml": [c for c in _number() if c.kind != "absurd magnitude"],
        "vial_sizes_g": [InvalidInput("wrong type", v, InputRangeError)
                         for v in (["a"], None, [None], 5, [0], [-5], [math.nan], "5 g")]}),
    "plan": (plexodose.plan, dict(patient=P, start="2026-12-01"), {
        "patient": _patient_cases(), "start": _date_cases(),
        "second_agent": _choice(("aza", "ivig")),
        "refractory_agent": _choice(("cyclosporin A",)), "months": _whole_cases(),
        "ivig_product": _optional(_choice(("flebogamma",)))}),
    "schedule": (plexodose.schedule, dict(result=plexodose.azathioprine(P), start="2026-12-01"), {
        "result": [InvalidInput("wrong type", v, InputRangeError)
                   for v in (None, P, "azathioprine", 150, PULSE.steps)],
        "start": _date_cases(), "months": _optional(_whole_cases()),
        "assess_after_days": _optional(_whole_cases())}),
}

# Core bugs this matrix finds: strict xfail until the core is fixed (all fixed so far).
KNOWN_BUGS: dict[tuple[str, str], tuple[Callable[[InvalidInput], bool], str]] = {}


def _marks(entry: str, param: str, case: InvalidInput) -> list[Any]:
    known = KNOWN_BUGS.get((entry, param))
    if known is not None and known[0](case):
        return [pytest.mark.xfail(reason=known[1], strict=True)]
    return []


CASES = [
    pytest.param(entry, param, case, id=f"{entry}-{param}-{case.kind}-{index}",
                 marks=_marks(entry, param, case))
    for entry, (_, _, params) in MATRIX.items()
    for param, cases in params.items()
    for index, case in enumerate(cases)
]


@pytest.mark.parametrize(("entry", "param", "case"), CASES)
def test_refused_with_the_documented_error_naming_the_field(entry, param, case):
    function, valid, _ = MATRIX[entry]
    kwargs = {**valid, param: case.value}
    with pytest.raises(PlexodoseError) as info:
        function(**kwargs)
    exc = info.value
    assert isinstance(exc, case.error), f"{type(exc).__name__}: {exc}"
    assert exc.field == param
    assert param in str(exc)
    assert "\n" not in str(exc)


# --- the command line: exit 2, one line on stderr, nothing on stdout --------------------------

cli = pytest.importorskip("plexodose.cli")

_BASE = ["dose", "azathioprine", "--weight", "72 kg", "--height", "175 cm", "--sex", "male",
         "--age", "60", "--creatinine", "1 mg/dL"]


def _cli_strings(kind: str) -> list[str]:
    return [c.value for c in invalid_cases(kind)
            if isinstance(c.value, str) and c.value.strip() and "\x00" not in c.value]


CLI_CASES = [
    *(("--weight", v) for v in ["72", "-72 kg", *_cli_strings("mass")]),
    *(("--height", v) for v in ["175", *_cli_strings("length")]),
    *(("--creatinine", v) for v in ["1", *_cli_strings("creatinine")]),
    *(("--sex", v) for v in ["M", "unknown", "1"]),
    *(("--tpmt", v) for v in ["Normal metaboliser", "2"]),
    *(("--age", v) for v in ["-1", "nan", "1e6", "sixty", "60 kg"]),
    *(("--mg-per-kg-day", v) for v in ["abc", "nan", "inf", "-1", "0", "1e300", "2 mg/kg"]),
    *(("--doses-per-day", v) for v in ["0", "1.5", "x", "3"]),
    *(("--override", v) for v in ["", "   "]),
]


@pytest.mark.parametrize(("option", "value"), CLI_CASES, ids=[f"{o}={v!r}" for o, v in CLI_CASES])
def test_cli_refuses_with_exit_2_and_one_line(option, value, capsys):
    argv = [a for a in _BASE]
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    assert cli.main(argv) in (cli.USAGE_ERROR, cli.REFUSED)  # the parser's or the library's
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert option.lstrip("-").split("-")[0] in err  # names the option at fault


def test_matrix_size():
    # The report quotes this number; it grows with the matrix, never silently shrinks.
    assert len(CASES) + len(CLI_CASES) >= 500
