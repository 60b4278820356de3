"""The command line: real doses through main(argv) and a real subprocess, one-line refusals."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose
from plexodose import cli

EXAMPLE = ["--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "60",
           "--creatinine", "1 mg/dL", "--tpmt", "normal", "--nudt15", "normal"]  # Patient.example()


def run(*argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of main(argv), captured without pytest fixtures."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def run_json(*argv: str) -> dict[str, Any]:
    status, out, err = run(*argv, "--json")
    assert (status, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    return data


def assert_refused(status: int, out: str, err: str, code: int | None = None) -> str:
    """Exit 2 (usage) or 3 (clinical refusal), or exactly ``code``; nothing on stdout, exactly
    one line on stderr; returns that line."""
    assert status == code if code is not None else status in {cli.USAGE_ERROR, cli.REFUSED}
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    if err.startswith("{"):  # under --json the line is a JSON object naming the error
        error = json.loads(err)["error"]
        assert error["status"] == status and error["message"] and error["kind"]
    else:
        assert err.startswith("plexodose")
    assert "Traceback" not in err
    return err


def value(record: dict[str, Any], unit: str) -> float:
    assert record["unit"] == unit
    result: float = record["value"]
    return result


# Doses: hand-computed values.

def test_ivig_text_for_the_readme_patient() -> None:
    status, out, err = run("dose", "ivig", "--weight", "82 kg", "--height", "170 cm",
                           "--sex", "female")
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "Patient(weight='82 kg', height='170 cm', sex='female')"
    # 0.4 g/kg/day x 82 kg = 32.8 g/day; x 5 days = 164 g. BMI 82 / 1.7^2 = 28.4: actual weight.
    assert lines[1] == "IVIg: 32.8 g daily for 5 days (total 164 g)"
    assert "actual body weight (BMI 28.4 is not above 30)" in out
    assert "sources:" in out and "[seed]" in out


def test_ivig_json_obese_patient_uses_adjusted_weight() -> None:
    data = run_json("dose", "ivig", "--weight", "110 kg", "--height", "165 cm", "--sex", "female")
    # IBW = 45.5 + 2.3 x (165 / 2.54 - 60) = 56.909 kg; adjusted = 56.909 + 0.4 x (110 - 56.909)
    # = 78.1457 kg (reference: 78.15); daily = 0.4 x 78.1457 = 31.258 g; total x 5 = 156.29 g.
    # JSON values are rounded to 3 decimals.
    assert data["kind"] == "IVIgCourse"
    assert data["regimen"]["weight_basis"] == "adjusted"
    assert value(data["regimen"]["dosing_weight"], "kg") == 78.146
    assert value(data["calculated"]["daily_dose"], "g/d") == pytest.approx(31.258, abs=1e-3)
    assert value(data["calculated"]["total_dose"], "g") == pytest.approx(156.29, abs=1e-2)
    assert data["dispensed"] is None
    assert data["patient"]["weight"] == {"value": 110.0, "unit": "kg"}
    assert data["steps"] and all(isinstance(s, str) for s in data["steps"])
    tags = {s["tag"] for s in data["sources"]}
    assert "seed" in tags and tags <= {"seed", "label", "guideline", "secondary", "gap"}


def test_json_is_the_public_form_and_its_units_read_back() -> None:
    import jsonschema

    data = run_json("dose", "ciclosporin", "--weight", "72 kg")
    jsonschema.validate(data, plexodose.json_schema())
    daily = data["calculated"]["daily_dose"]
    assert plexodose.Q_(daily["value"], daily["unit"]).to("g/week").magnitude == pytest.approx(
        2.52)  # 360 mg/day x 7 = 2,520 mg/week
    weight = data["patient"]["weight"]  # a UCUM unit plexodose reads back
    assert plexodose.Patient(weight=f"{weight['value']} {weight['unit']}").weight_kg == 72.0


def test_ivig_product_rounds_to_vials() -> None:
    data = run_json("dose", "ivig", "--weight", "82 kg", "--product", "privigen")
    # 32.8 g / 5 g = 6.56 -> 7 x 5 = 35 g = 20 + 10 + 5 g vials; 35 / 32.8 - 1 = +6.7 %.
    assert value(data["dispensed"]["daily_dose"], "g/d") == 35.0
    assert value(data["dispensed"]["total_dose"], "g") == 175.0  # 35 g x 5 days
    vials = {value(v["strength"], "g"): v["count"] for v in data["dispensed"]["units"]}
    assert vials == {20.0: 1, 10.0: 1, 5.0: 1}
    assert data["dispensed"]["rounding_error_fraction"] == pytest.approx(35 / 32.8 - 1, abs=5e-4)
    assert data["regimen"]["product"] == "Privigen 10 %"
    # 10 %: 35 g in 350 mL
    assert value(data["dispensed"]["daily_volume"], "mL") == pytest.approx(350.0)


def test_ivig_pounds_are_converted() -> None:
    data = run_json("dose", "ivig", "--weight", "180 lb", "--weight-basis", "actual")
    # 180 lb x 0.45359237 = 81.6466 kg; x 0.4 = 32.6587 g/day
    assert value(data["calculated"]["daily_dose"], "g/d") == pytest.approx(32.6587, abs=1e-3)
    assert data["regimen"]["weight_basis"] == "actual"


def test_ivig_one_gram_course() -> None:
    data = run_json("dose", "ivig", "--weight", "72 kg", "--g-per-kg-day", "1", "--days", "2")
    # 1 g/kg/day x 72 kg = 72 g/day; x 2 days = 144 g
    assert value(data["calculated"]["daily_dose"], "g/d") == 72.0
    assert value(data["calculated"]["total_dose"], "g") == 144.0


def test_azathioprine_cap() -> None:
    data = run_json("dose", "azathioprine", "--weight", "90 kg", "--age", "40")
    # 2 mg/kg x 90 kg = 180 mg/day, capped at 150 mg/day
    assert value(data["calculated"]["daily_dose"], "mg/d") == 150.0
    assert data["regimen"]["cap_applied"] is True
    assert value(data["regimen"]["cap"], "mg/d") == 150.0


def test_azathioprine_options() -> None:
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--mg-per-kg-day", "1")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 72.0  # 1 mg/kg x 72 kg
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--allopurinol")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 36.0  # 2 x 72 = 144, x 1/4
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--doses-per-day", "2")
    assert value(data["calculated"]["per_dose"], "mg") == 72.0  # 144 mg/day in two doses


def test_azathioprine_reduced_metabolizer() -> None:
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--tpmt", "intermediate",
                    "--genotype-fraction", "0.5")
    # 144 x 0.5 = 72 -> the next multiple of 25 mg inside 72-115.2 mg: 75 (2026-12-07)
    assert value(data["calculated"]["daily_dose"], "mg/d") == 75.0


def test_cyclophosphamide_oral() -> None:
    data = run_json("dose", "cyclophosphamide-oral", *EXAMPLE)
    assert value(data["calculated"]["daily_dose"], "mg/d") == 144.0  # 2 mg/kg x 72 kg
    data = run_json("dose", "cyclophosphamide-oral", *EXAMPLE, "--mg-per-kg-day", "1.5")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 108.0  # 1.5 x 72


def test_cyclophosphamide_iv() -> None:
    data = run_json("dose", "cyclophosphamide-iv", *EXAMPLE)
    # Mosteller sqrt(175 x 72 / 3600) = 1.8708 m2; 0.75 g/m2 x 1.8708 = 1403.1 mg every 4 weeks
    assert value(data["regimen"]["bsa"], "m2") == pytest.approx(1.8708, abs=1e-3)
    assert value(data["calculated"]["dose"], "mg") == pytest.approx(1403.1, abs=0.1)
    assert value(data["regimen"]["interval"], "wk") == 4.0
    data = run_json("dose", "cyclophosphamide-iv", *EXAMPLE, "--g-per-m2", "0.5",
                    "--interval-weeks", "2", "--bsa-cap", "1.8 m**2")
    # capped BSA 1.8 m2 x 0.5 g/m2 = 900 mg every 2 weeks
    assert value(data["calculated"]["dose"], "mg") == pytest.approx(900.0)
    assert value(data["regimen"]["dosing_bsa"], "m2") == 1.8
    assert value(data["regimen"]["interval"], "wk") == 2.0
    data = run_json("dose", "cyclophosphamide-iv", *EXAMPLE, "--bsa-formula", "dubois")
    # DuBois 0.007184 x 175^0.725 x 72^0.425 = 1.8704 m2 x 750 mg/m2 = 1402.8 mg
    assert value(data["calculated"]["dose"], "mg") == pytest.approx(1402.8, abs=0.1)


def test_cyclophosphamide_iv_age_renal_reduction() -> None:
    argv = ["dose", "cyclophosphamide-iv", "--weight", "72 kg", "--height", "175 cm",
            "--age", "75", "--creatinine", "350 umol/L"]
    plain = run_json(*argv)
    assert any("--age-renal-reduction" not in w and "age_renal_reduction" in w
               for w in plain["warnings"])  # JSON keeps the library's words
    status, out, _ = run(*argv)
    assert status == 0 and "--age-renal-reduction" in out and "=True" not in out
    reduced = run_json(*argv, "--age-renal-reduction")
    # age > 70, creatinine 300-500 umol/L: 7.5 of 15 mg/kg = 50 %; 1403.1 mg x 0.5 = 701.6 mg
    assert value(reduced["calculated"]["dose"], "mg") == pytest.approx(701.55, abs=0.1)


def test_ciclosporin_and_its_alias() -> None:
    data = run_json("dose", "ciclosporin", "--weight", "72 kg")
    # 5 mg/kg/day x 72 kg = 360 mg/day, two doses of 180 mg
    assert value(data["calculated"]["daily_dose"], "mg/d") == 360.0
    assert value(data["calculated"]["per_dose"], "mg") == 180.0
    assert data["regimen"]["frequency"] == "twice daily"
    assert run("dose", "cyclosporin", "--weight", "72 kg") == run("dose", "ciclosporin",
                                                                  "--weight", "72 kg")
    data = run_json("dose", "cyclosporin", "--weight", "72 kg", "--mg-per-kg-day", "3")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 216.0  # 3 x 72


def test_ciclosporin_creatinine_rise() -> None:
    data = run_json("dose", "ciclosporin", "--weight", "72 kg", "--creatinine", "1.3 mg/dL",
                    "--baseline-creatinine", "1 mg/dL")
    # +30 % >= 25 %: reduced by 50 %: 360 x 0.5 = 180 mg/day
    assert value(data["calculated"]["daily_dose"], "mg/d") == pytest.approx(180.0)
    data = run_json("dose", "ciclosporin", "--weight", "72 kg", "--creatinine", "1.3 mg/dL",
                    "--baseline-creatinine", "1 mg/dL", "--creatinine-rise-reduction", "0.25")
    assert value(data["calculated"]["daily_dose"], "mg/d") == pytest.approx(270.0)  # 360 x 0.75


def test_mycophenolate() -> None:
    data = run_json("dose", "mycophenolate", "--weight", "72 kg")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 2000.0  # 1000 mg x 2
    assert data["regimen"]["dosing_weight"] is None
    data = run_json("dose", "mycophenolate", "--weight", "72 kg", "--mg-per-dose", "500")
    assert value(data["calculated"]["daily_dose"], "mg/d") == 1000.0  # 500 mg x 2


def test_override_is_required_then_reported() -> None:
    argv = ("dose", "ivig", "--weight", "72 kg", "--g-per-kg-day", "1", "--days", "5")
    line = assert_refused(*run(*argv))
    assert "--override 'reason'" in line and "override='reason'" not in line
    assert "(option --g-per-kg-day)" in line
    data = run_json(*argv, "--override", "neurologist's order, relapse")
    # 1 g/kg/day x 72 kg = 72 g/day; x 5 days = 360 g
    assert value(data["calculated"]["total_dose"], "g") == 360.0
    assert data["override"] == "neurologist's order, relapse"
    assert any("neurologist's order" in w for w in data["warnings"])


def test_override_never_lifts_a_hard_cap() -> None:
    line = assert_refused(*run("dose", "mycophenolate", "--weight", "72 kg", "--mg-per-dose",
                               "2000", "--override", "asked"))
    assert "hard limit" in line


def test_poor_metabolizer_refused_then_overridden() -> None:
    line = assert_refused(*run("dose", "azathioprine", "--weight", "72 kg", "--tpmt", "poor"))
    assert "(option --tpmt)" in line
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--tpmt", "poor",
                    "--override", "no alternative")
    # 144 mg / 10 = 14.4 mg three times a week; per day 14.4 x 3 / 7 = 6.1714
    assert value(data["calculated"]["per_dose"], "mg") == pytest.approx(14.4)
    # 14.4 x 3 / 7 = 6.1714 mg/day on average, written to 3 decimals
    assert value(data["calculated"]["daily_dose"], "mg/d") == round(14.4 * 3 / 7, 3)
    assert data["regimen"]["days_per_week"] == 3


# Refusals: exit 2, one line on stderr, nothing on stdout.

REFUSALS = {
    "bare number weight": (["dose", "ivig", "--weight", "82"], "bare number 82"),
    "wrong unit": (["dose", "ivig", "--weight", "82 cm"], "must be a mass"),
    "out of range": (["dose", "ivig", "--weight", "900 kg"], "plausible range 2-350 kg"),
    "unknown drug": (["dose", "aspirin", "--weight", "82 kg"], "invalid choice: 'aspirin'"),
    "missing weight": (["dose", "azathioprine"], "required: --weight"),
    "no drug": (["dose"], "required: DRUG"),
    "no command": ([], "required: COMMAND"),
    "stamp without ics": (["plan", "--weight", "82 kg", "--start", "2026-12-01", "--stamp",
                           "2026-12-01T09:00:00Z"], "--stamp applies to --format ics only"),
    "bad stamp": (["plan", "--weight", "82 kg", "--start", "2026-12-01", "--format", "ics",
                   "--stamp", "noon"], "2026-12-01T09:00:00Z"),
    "narrow width": (["dose", "ivig", "--weight", "82 kg", "--width", "10"], "at least 40"),
    "unknown command": (["dosage"], "invalid choice: 'dosage'"),
    "unknown option": (["dose", "ivig", "--weight", "82 kg", "--wieght", "3"], "unrecognized"),
    "not a number": (["dose", "ivig", "--weight", "82 kg", "--days", "five"], "not a whole number"),
    "nan parameter": (["dose", "ivig", "--weight", "82 kg", "--g-per-kg-day", "nan"], "finite"),
    "bad sex": (["dose", "ivig", "--weight", "82 kg", "--sex", "f"], "'female' or 'male'"),
    "bad phenotype": (["dose", "azathioprine", "--weight", "82 kg", "--tpmt", "slow"], "tpmt"),
    "minor": (["dose", "ivig", "--weight", "50 kg", "--age", "15"], "--minor-override"),
    "bare creatinine": (["dose", "ivig", "--weight", "82 kg", "--creatinine", "80"], "unit"),
    "creatinine unit": (["dose", "ivig", "--weight", "82 kg", "--creatinine", "80 kg"],
                        "(option --creatinine)"),
    "bad weight basis": (["dose", "ivig", "--weight", "82 kg", "--weight-basis", "lean"],
                         "weight_basis must be one of"),
    "unknown product": (["dose", "ivig", "--weight", "82 kg", "--product", "aspirin"],
                        "not an IVIg product"),
    "height for BSA": (["dose", "cyclophosphamide-iv", "--weight", "82 kg"], "height"),
    "bad BSA formula": (["dose", "cyclophosphamide-iv", "--weight", "82 kg", "--height",
                         "170 cm", "--bsa-formula", "x"], "bsa_formula must be one of"),
    "bare BSA cap": (["dose", "cyclophosphamide-iv", "--weight", "82 kg", "--height", "170 cm",
                      "--bsa-cap", "2"], "needs a unit"),
    "bad start date": (["plan", "--weight", "82 kg", "--start", "1/12/2026"], "2026-12-01"),
    "plan without start": (["plan", "--weight", "82 kg"], "--start"),
    "bad format": (["plan", "--weight", "82 kg", "--start", "2026-12-01", "--format", "pdf"],
                   "invalid choice: 'pdf'"),
}


USAGE = {"bare number weight", "unknown drug", "missing weight", "no drug", "no command",
         "unknown command", "unknown option", "not a number", "bare creatinine", "bare BSA cap",
         "bad start date", "plan without start", "bad format", "stamp without ics", "bad stamp",
         "narrow width"}  # caught by the parser: status 2


@pytest.mark.parametrize("name", REFUSALS)
def test_refusals_are_one_line(name: str) -> None:
    argv, expected = REFUSALS[name]
    code = cli.USAGE_ERROR if name in USAGE else cli.REFUSED  # the library refused: status 3
    line = assert_refused(*run(*argv), code=code)
    assert expected in line


def test_help_everywhere() -> None:
    commands = [[], ["dose"], ["plan"], ["demo"]]
    commands += [["dose", c.name] for c in cli.calculators()] + [["dose", "cyclosporin"]]
    for argv in commands:
        status, out, err = run(*argv, "--help")
        assert (status, err) == (0, ""), argv
        assert out.startswith("usage: plexodose"), argv
    _, out, _ = run("dose", "ivig", "--help")
    for flag in ("--weight", "--g-per-kg-day", "--days", "--weight-basis", "--product",
                 "--override", "--json", "Privigen 10 %", "(default 0.4)"):
        assert flag in out


def test_version() -> None:
    assert run("--version") == (0, f"plexodose {plexodose.__version__}\n", "")
    assert run("-V") == (0, f"plexodose {plexodose.__version__}\n", "")


def test_main_reads_sys_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["plexodose", "dose", "mycophenolate", "--weight", "72 kg"])
    status, out, _ = run_none()
    assert status == 0 and "mycophenolate mofetil: 1,000 mg twice daily (2,000 mg/day)" in out


def run_none() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main()
    return status, out.getvalue(), err.getvalue()


def test_a_bug_is_one_line_with_status_1(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("division by zero")

    from plexodose._drugs import ivig as ivig_module

    monkeypatch.setattr(ivig_module, "ivig", broken)
    monkeypatch.delenv("PLEXODOSE_TRACEBACK", raising=False)
    status, out, err = run("dose", "ivig", "--weight", "72 kg")
    assert (status, out) == (1, "")
    assert err == "plexodose: error: internal error, please report it: ZeroDivisionError: " \
                  "division by zero\n"


def test_cli_words() -> None:
    assert cli.cli_words("age 15 is under 18; pass minor_override='reason' to proceed") == (
        "age 15 is under 18; pass --minor-override 'reason' to proceed")
    assert cli.cli_words("weight 82 kg") == "weight 82 kg"
    assert cli.cli_words("used on override: debug=True") == "used on override: debug=True"


# Properties.

@given(st.floats(min_value=2, max_value=350, allow_nan=False))
def test_property_cli_dose_is_the_library_dose(kg: float) -> None:
    """The CLI adds nothing and loses nothing: its number is the library's for any weight."""
    data = run_json("dose", "ivig", "--weight", f"{kg!r} kg", "--weight-basis", "actual",
                    "--g-per-kg-day", "1", "--days", "2")
    expected = plexodose.ivig(plexodose.Patient(weight=f"{kg!r} kg"), weight_basis="actual",
                              g_per_kg_day=1, days=2)
    daily = value(data["calculated"]["daily_dose"], "g/d")
    assert daily == round(expected.daily_dose_g, 3)  # JSON values: 3 decimals
    assert daily == pytest.approx(kg, abs=5e-4)  # 1 g/kg x kg


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_property_bare_number_weight_always_refused(number: float) -> None:
    assert_refused(*run("dose", "ivig", "--weight", repr(number)), code=cli.USAGE_ERROR)


WORDS = ["dose", "ivig", "azathioprine", "ciclosporin", "mycophenolate", "cyclophosphamide-iv",
         "plan", "--weight", "--height", "--sex", "--age", "--creatinine", "--days", "--json",
         "--override", "--g-per-kg-day", "--bsa-cap", "72 kg", "175 cm", "82", "-1 kg", "male",
         "nan", "1e400 kg", "80 umol/L", "2 m**2", "", "kg", "--", "-h5", "0", "1"]


@given(st.lists(st.sampled_from(WORDS), max_size=8))
def test_property_any_argv_gives_0_or_one_line_2(argv: list[str]) -> None:
    """Whatever is typed: success, or one line on stderr with status 2 or 3; no traceback."""
    status, out, err = run(*[a for a in argv if a not in {"--help", "-h"}])
    if status == 0:
        assert err == "" and out
    else:
        assert_refused(status, out, err)


# Plan and demo through the contract, with a stand-in schedule.

class FakeSchedule:
    def to_text(self) -> str:
        return "fake plan"

    def to_csv(self) -> str:
        return "date,drug\r\n2026-12-01,IVIg\r\n"

    def to_ics(self, **whose: Any) -> str:
        return "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"

    def to_fhir(self, **whose: Any) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "collection", "entry": []}

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "Schedule", "events": [{"date": "2026-12-01", "drug": "IVIg",
                                                "dose": {"value": 28.8, "unit": "g"}}]}


@pytest.fixture
def fake_plan(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def plan(patient: Any, **kwargs: Any) -> FakeSchedule:
        calls.append({"patient": patient, **kwargs})
        return FakeSchedule()

    from plexodose._schedule import algorithm

    monkeypatch.setattr(algorithm, "plan", plan)
    return calls


def test_plan_passes_options_through(fake_plan: list[dict[str, Any]]) -> None:
    status, out, err = run("plan", "--weight", "82 kg", "--start", "2026-12-01",
                           "--second-agent", "mycophenolate", "--refractory-agent",
                           "cyclophosphamide-iv", "--months", "6", "--ivig-product", "privigen")
    assert (status, out, err) == (0, "fake plan\n", "")
    (call,) = fake_plan
    assert call["patient"] == plexodose.Patient(weight="82 kg")
    assert call["start"] == dt.date(2026, 12, 1)
    assert (call["second_agent"], call["refractory_agent"], call["months"],
            call["ivig_product"]) == ("mycophenolate", "cyclophosphamide_iv", 6, "privigen")


def test_plan_unset_options_keep_the_library_defaults(fake_plan: list[dict[str, Any]]) -> None:
    assert run("plan", "--weight", "82 kg", "--start", "2026-12-01")[0] == 0
    assert set(fake_plan[0]) == {"patient", "start"}


def test_plan_formats(fake_plan: list[dict[str, Any]], tmp_path: Path) -> None:
    base = ["plan", "--weight", "82 kg", "--start", "2026-12-01", "--format"]
    assert run(*base, "csv")[1] == "date,drug\r\n2026-12-01,IVIg\r\n"
    assert run(*base, "ics")[1].startswith("BEGIN:VCALENDAR")
    assert json.loads(run(*base, "fhir")[1])["resourceType"] == "Bundle"
    records = json.loads(run(*base, "json")[1])["events"]  # the public JSON form (to_dict)
    assert records == [{"date": "2026-12-01", "drug": "IVIg", "dose": {"value": 28.8, "unit": "g"}}]
    target = tmp_path / "plan.csv"
    assert run(*base, "csv", "--output", str(target)) == (0, "", "")
    assert target.read_bytes() == b"date,drug\r\n2026-12-01,IVIg\r\n"  # CRLF kept
    line = assert_refused(*run(*base, "csv", "--output", str(tmp_path / "no" / "x.csv")))
    assert "cannot write" in line


def test_plan_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoIcalendar(FakeSchedule):
        def to_ics(self, **whose: Any) -> str:
            raise ModuleNotFoundError("No module named 'icalendar'", name="icalendar")

    from plexodose._core import extras
    from plexodose._schedule import algorithm

    monkeypatch.setattr(algorithm, "plan", lambda *a, **k: NoIcalendar())
    monkeypatch.setattr(extras, "_installed_from", lambda: None)  # installed from an index
    line = assert_refused(*run("plan", "--weight", "82 kg", "--start", "2026-12-01",
                               "--format", "ics"))
    assert line == ("plexodose: error: --format ics needs the optional package icalendar: "
                    'pip install "plexodose[ics]"\n')


def test_demo_with_stand_in_plan(fake_plan: list[dict[str, Any]]) -> None:
    status, out, err = run("demo", "--start", "2026-12-01")
    assert (status, err) == (0, "")
    # Patient.example(): 72 kg -> IVIg 0.4 x 72 = 28.8 g/day, 144 g; azathioprine 2 x 72 = 144
    assert "IVIg: 28.8 g daily for 5 days (total 144 g)" in out
    assert "azathioprine: 150 mg daily; calculated 144 mg" in out  # 2 x 72, 3 x 50 mg tablets
    assert out.endswith("12-month plan from 2026-12-01:\nfake plan\n")
    assert fake_plan[0]["patient"] == plexodose.Patient.example()


# The real schedule generator.

@pytest.mark.parametrize("form", ["text", "csv", "ics", "fhir", "json"])
def test_real_plan_every_format(form: str, tmp_path: Path) -> None:
    target = tmp_path / f"plan.{form}"
    status, out, err = run("plan", *EXAMPLE, "--start", "2026-12-01", "--format", form,
                           "--output", str(target))
    assert (status, out, err) == (0, "", "")
    text = target.read_bytes().decode("utf-8")  # as written: CSV and ICS keep their CRLF
    api: Any = plexodose  # plan is the schedule helper's, absent from the type checker's view
    schedule = api.plan(plexodose.Patient.example(), start=dt.date(2026, 12, 1))
    if form == "text":
        assert text.rstrip("\n") == schedule.to_text().rstrip("\n")
    elif form == "csv":
        assert text == schedule.to_csv()
    elif form == "ics":
        assert text.startswith("BEGIN:VCALENDAR")
    elif form == "fhir":
        assert json.loads(text)["resourceType"] == "Bundle"
    else:
        assert len(json.loads(text)["events"]) == len(schedule.to_records())


def test_real_demo_without_arguments() -> None:
    status, out, err = run("demo")
    assert (status, err) == (0, "")
    assert "IVIg: 28.8 g daily for 5 days (total 144 g)" in out
    assert "12-month plan from" in out


# A real process: the console entry point and python -m.

def test_subprocess_demo_needs_no_arguments() -> None:
    done = subprocess_run("demo")
    assert (done.returncode, done.stderr) == (0, "")
    assert "IVIg: 28.8 g daily for 5 days (total 144 g)" in done.stdout  # 0.4 x 72 kg
    assert "azathioprine: 150 mg daily; calculated 144 mg" in done.stdout  # 2 mg/kg x 72 kg
    assert "12-month plan from " in done.stdout

def subprocess_run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("PLEXODOSE_TRACEBACK", None)
    return subprocess.run([sys.executable, "-m", "plexodose", *argv], capture_output=True,
                          text=True, env=env, check=False, timeout=120)


def test_subprocess_dose() -> None:
    done = subprocess_run("dose", "ivig", "--weight", "82 kg", "--height", "170 cm", "--sex",
                          "female")
    assert (done.returncode, done.stderr) == (0, "")
    assert "IVIg: 32.8 g daily for 5 days (total 164 g)" in done.stdout  # 0.4 x 82, x 5


@pytest.mark.parametrize("argv", [
    ["dose", "ivig", "--weight", "82"],
    ["dose", "ivig", "--weight", "82 cm"],
    ["dose", "ivig", "--weight", "900 kg"],
    ["dose", "aspirin", "--weight", "82 kg"],
    ["dose", "ivig"],
])
def test_subprocess_refusals(argv: list[str]) -> None:
    done = subprocess_run(*argv)
    assert_refused(done.returncode, done.stdout, done.stderr)


def test_subprocess_help_and_lazy_imports() -> None:
    code = ("import sys; from plexodose.cli import main; main(['dose', 'ivig', '--weight', "
            "'72 kg']); main(['--help']); print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'icalendar', 'fhir', 'matplotlib', 'pandas', 'hypothesis'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


@pytest.mark.parametrize("form, allowed", [("text", set()), ("csv", set()), ("json", set()),
                                           ("ics", {"icalendar"}), ("fhir", {"fhir"})])
def test_plan_loads_only_the_extra_its_format_needs(form: str, allowed: set[str]) -> None:
    code = ("import sys; from plexodose.cli import main; status = main(['plan', '--weight', "
            f"'72 kg', '--start', '2026-12-01', '--format', {form!r}]); print(); print(status); "
            "print(*sorted({m.split('.')[0] for m in sys.modules} & {'icalendar', 'fhir', "
            "'matplotlib', 'pandas', 'hypothesis'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    *_, status, loaded = done.stdout.split("\n")[:-1]
    assert status == "0"
    assert set(loaded.split()) <= allowed


def test_console_script() -> None:
    script = shutil.which("plexodose", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the plexodose console script is not installed in this environment")
    done = subprocess.run([script, "dose", "mycophenolate", "--weight", "72 kg", "--json"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    daily = json.loads(done.stdout)["calculated"]["daily_dose"]
    assert daily == {"value": 2000.0, "unit": "mg/d"}


# Core bugs found while building the CLI (the fix belongs to the core's owner).

def test_oral_rounding_warning_does_not_cite_an_ivig_source() -> None:
    data = run_json("dose", "azathioprine", "--weight", "72 kg", "--tpmt", "normal",
                    "--nudt15", "normal", "--allopurinol")
    # 2 mg/kg x 72 kg = 144 mg x 0.25 (allopurinol) = 36 mg -> one 25 mg tablet: -30.6 %, above
    # 10 % (a reduced metabolizer's amount is a whole multiple of 25 mg since 2026-12-07)
    assert any("rounding to whole tablets" in w for w in data["warnings"])
    assert not any("IVIg" in s["citation"] for s in data["sources"])


def test_crcl_weight_option_reaches_the_library() -> None:
    # female 60 y, 100 kg, 160 cm, SCr 1.8: CrCl on actual weight 52.5 (> 50, no reduction),
    # on the default (ideal 52.38 kg) 27.5 -> 75 % of the capped 150 mg = 112.5 mg/day
    base = ("dose", "azathioprine", "--weight", "100 kg", "--height", "160 cm", "--sex", "female",
            "--age", "60", "--creatinine", "1.8 mg/dL", "--tpmt", "normal", "--nudt15", "normal")
    assert run_json(*base)["calculated"]["daily_dose"]["value"] == pytest.approx(112.5)
    assert run_json(*base, "--crcl-weight", "actual")["calculated"]["daily_dose"][
        "value"] == pytest.approx(150.0)


# Conventions: help without the library, exit codes, pipes, JSON everywhere, stamps, wrapping.

def test_help_defaults_are_the_library_s() -> None:
    """--help states defaults without importing the library: they must match its signatures
    (the choices themselves are the vocabulary's own lists)."""
    import inspect

    pairs = [(cli._load(c.function), c.options) for c in cli.calculators()]
    pairs.append((plexodose.plan, cli.PLAN_OPTIONS))
    for function, options in pairs:
        parameters = inspect.signature(function).parameters
        for opt in options:
            default = parameters[opt.dest].default
            stated = "" if default in (None, False) else (
                f"{default:g}" if isinstance(default, (int, float)) else str(default))
            assert opt.default == stated, (function.__name__, opt.flag)


def _ivig_products(catalogue: Any) -> list[str]:
    names = []
    for name in catalogue.names():
        try:
            catalogue.ivig(name)
        except plexodose.PlexodoseError:
            continue
        names.append(name)
    return names


def test_help_and_version_load_neither_pint_nor_the_calculators() -> None:
    code = ("import sys; from plexodose.cli import main; main(['--help']); main(['-V']); "
            "main(['dose', 'ivig', '--help']); main(['plan', '--help']); print(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pint' "
            "or m.startswith(('plexodose._drugs.ivig', 'plexodose._core.units', 'plexodose._schedule'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "usage: plexodose dose ivig" in done.stdout
    assert done.stdout.splitlines()[-1] == "[]"


def test_exit_codes_are_distinct_and_documented() -> None:
    codes = [cli.DONE, cli.INTERNAL_ERROR, cli.USAGE_ERROR, cli.REFUSED, cli.CLOSED_PIPE]
    assert len(set(codes)) == 5 and set(cli.EXIT_CODES) == set(codes)
    _, out, _ = run("--help")
    for code in codes:
        assert f"{code} {cli.EXIT_CODES[code].split()[0]}" in cli.one_line(out)
    assert run("dose", "ivig", "--weight", "900 kg")[0] == cli.REFUSED  # implausible weight
    assert run("dose", "ivig", "--weight", "82")[0] == cli.USAGE_ERROR  # a bare number


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    """The reader is gone before the first write: no traceback, no message, status 141."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen([sys.executable, "-m", "plexodose", "plan", *EXAMPLE, "--start",
                           "2026-12-01", "--format", "fhir"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read()
        status = process.wait(timeout=120)
    assert (status, err) == (cli.CLOSED_PIPE, b"")


def test_head_takes_one_line_quietly() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash")
    command = (f"set -o pipefail; {sys.executable} -m plexodose plan --weight '72 kg' --start "
               "2026-12-01 --format fhir | head -1; echo status=$?")
    done = subprocess.run([bash, "-c", command], capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.stderr == ""  # no BrokenPipeError, no "Exception ignored"
    first, status = done.stdout.splitlines()
    assert first == "{"
    assert status in {"status=0", f"status={cli.CLOSED_PIPE}"}  # 0 if it all fit in the pipe


def test_json_on_every_command_that_prints_a_result() -> None:
    plan_json = json.loads(run("plan", *EXAMPLE, "--start", "2026-12-01", "--json")[1])
    assert plan_json == json.loads(run("plan", *EXAMPLE, "--start", "2026-12-01", "--format",
                                       "json")[1])
    first = plan_json["events"][0]
    assert (first["date"], first["drug"], first["dose"]) == (
        "2026-12-01", "IVIg", {"value": 28.8, "unit": "g"})  # 0.4 x 72
    status, out, err = run("demo", "--start", "2026-12-01", "--json")
    assert (status, err) == (0, "")
    demo = json.loads(out)
    assert set(demo) == {"patient", "ivig", "azathioprine", "plan"}
    assert demo["patient"]["weight"] == {"value": 72.0, "unit": "kg"}
    assert demo["ivig"]["calculated"]["daily_dose"] == {"value": 28.8, "unit": "g/d"}  # 0.4 x 72
    azathioprine = demo["azathioprine"]
    assert azathioprine["calculated"]["daily_dose"]["value"] == 144.0  # 2 mg/kg x 72 kg
    assert azathioprine["dispensed"]["per_dose"]["value"] == 150.0  # 3 x 50 mg tablets
    assert demo["plan"] == plan_json


def test_stamp_makes_the_calendar_reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = ("plan", *EXAMPLE, "--start", "2026-12-01", "--format", "ics", "--subject", "Patient/7")
    one = run(*argv, "--stamp", "2026-11-30T08:00:00Z")[1]
    two = run(*argv, "--stamp", "2026-11-30T10:00:00+02:00")[1]  # the same instant
    assert one == two and "DTSTAMP:20261130T080000Z" in one
    assert run(*argv, "--stamp", "2026-11-30T08:00:00")[1] == one  # no zone: UTC
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796025600")  # 2026-11-30T08:00:00Z
    assert run(*argv)[1] == one
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    assert "SOURCE_DATE_EPOCH" in assert_refused(*run(*argv), code=cli.USAGE_ERROR)


def test_text_wraps_to_the_width_and_keeps_every_word() -> None:
    argv = ("plan", *EXAMPLE, "--start", "2026-12-01")
    plain = run(*argv)[1]
    assert max(len(line) for line in plain.splitlines()) > 200  # a wide table unwrapped in a pipe
    wrapped = run(*argv, "--width", "80")[1]
    assert max(len(line) for line in wrapped.splitlines()) <= 80
    assert wrapped.split() == plain.split()  # only whitespace moved
    assert run(*argv, "--width", "0")[1] == plain


def test_a_command_registered_from_another_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMANDS", dict(cli.COMMANDS))

    def arguments(parser: Any) -> None:
        parser.add_argument("--json", action="store_true")

    cli.register("bmi", "body mass index", arguments,
                 lambda args: plexodose.ivig(cli.make_patient(args)))
    status, out, err = run("bmi", "--weight", "72 kg", "--json")
    assert (status, err) == (0, "")
    assert json.loads(out)["calculated"]["daily_dose"] == {"value": 28.8, "unit": "g/d"}  # 0.4 x 72
    cli.register("example", "the demo, by name", "plexodose.cli:demo_arguments",
                 "plexodose.cli:run_demo", patient=False)  # loaded only when used
    assert run("example", "--start", "2026-12-01") == run("demo", "--start", "2026-12-01")
    cli.register("hello", "a line of text", lambda parser: None, lambda args: "one line")
    assert run("hello", "--weight", "72 kg") == (0, "one line\n", "")


def test_rules_lists_the_registry() -> None:
    from plexodose._core import registry as _registry

    rules = _registry.registry()
    status, out, err = run("rules", "--json")
    assert (status, err) == (0, "")
    assert json.loads(out) == [{"module": r.module, "name": r.name, "id": r.source.id,
                                "tag": r.source.tag, "citation": r.source.citation,
                                "rule": r.source.rule, "year": r.source.year,
                                "edition": r.source.edition, "links": list(r.source.links)}
                               for r in rules]
    text = run("rules")[1]
    assert text.startswith(f"{len(rules)} rules (evidence: seed ")
    assert all(r.source.rule in text for r in rules)
    assert "\n  ivig.weight.ontario [guideline] adjusted body weight when BMI > 30" in text
    assert all(f"\n  {r.source.id} [{r.source.tag}] " in text for r in rules)


def test_text_on_a_terminal_wraps_to_its_width() -> None:
    """On a terminal (a pseudo-terminal here) the text fits its width; COLUMNS sets it."""
    pty = pytest.importorskip("pty")
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "COLUMNS": "72", "PYTHONIOENCODING": "utf-8"}
    with subprocess.Popen([sys.executable, "-m", "plexodose", "demo", "--start", "2026-12-01"],
                          stdout=child_fd, stderr=subprocess.PIPE, env=env) as process:
        os.close(child_fd)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=120) == 0
    os.close(main_fd)
    lines = b"".join(chunks).decode("utf-8").replace("\r\n", "\n").splitlines()
    assert len(lines) > 100
    assert max(len(line) for line in lines) <= 72
    assert "IVIg: 28.8 g daily for 5 days (total 144 g)" in lines  # 0.4 g/kg x 72 kg


def test_a_refusal_under_json_is_a_json_object_naming_the_field() -> None:
    status, out, err = run("dose", "azathioprine", "--weight", "72 kg", "--age", "10", "--json")
    assert (status, out) == (cli.REFUSED, "")
    error = json.loads(err)["error"]
    assert (error["kind"], error["field"], error["status"]) == ("InputRangeError", "age", 3)
    status, out, err = run("dose", "azathioprine", "--weight", "72", "--json")
    assert status == cli.USAGE_ERROR and json.loads(err)["error"]["kind"] == "usage"


def test_an_unknown_option_names_the_nearest_known_ones() -> None:
    status, out, err = run("dose", "azathioprine", "--weight", "72 kg", "--serum-creatinine",
                           "1 mg/dL")
    assert status == cli.USAGE_ERROR and out == ""
    assert "did you mean --creatinine" in err
