"""The screen subcommand through the real command line (``main`` and a subprocess): one order,
the verdict as text or JSON and as the exit status; hand-computed verdicts."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from typing import Any

import pytest

from plexodose import Order, Patient, screen
from plexodose.cli import REFUSED, USAGE_ERROR, main
from plexodose.cli import _screen as cli_screen

ON = ["--on", "2027-01-04"]
# 72 kg, 175 cm (Mosteller BSA sqrt(175 x 72 / 3600) = sqrt(3.5) = 1.8708 m2), 45 years (under
# 60: no EULAR reduction), creatinine 0.9 mg/dL = 79.6 umol/L (under 250: the 2 mg/kg band)
ADULT = ["--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "45",
         "--creatinine", "0.9 mg/dL", *ON]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["screen", *argv])
    return status, out.getvalue(), err.getvalue()


def run_json(*argv: str) -> tuple[int, dict[str, Any]]:
    status, out, err = run(*argv, "--json")
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    return status, data


def findings(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["dimension"], f["category"]) for f in data["findings"]]


def test_exit_statuses_are_distinct_and_clear_of_the_cli_s_own() -> None:
    codes = list(cli_screen.EXIT_STATUS.values())
    assert codes == [0, 10, 11, 12, 13]  # within, below, above_soft, above_hard, not_screened
    assert not {1, 2, 3, 130, 141} & set(codes[1:])
    help_text = io.StringIO()
    with contextlib.redirect_stdout(help_text):
        assert main(["screen", "--help"]) == 0
    flat = " ".join(help_text.getvalue().split())
    for code, words in cli_screen.STATUS_WORDS.items():
        assert f"{code} {words}" in flat


def test_within_mycophenolate_one_gram_twice_daily() -> None:
    status, out, err = run("--drug", "mycophenolate", "--dose", "1 g", "--times-per-day", "2",
                           *ADULT)
    assert (status, err) == (0, "")
    assert out.startswith("mycophenolate 1 g twice daily: within the rules (1 thing not checked")
    assert "per day: within: 2,000 mg/day (1,000-3,000 mg/day)" in out  # 1,000 mg x 2
    assert "? dates not stated for weight, height, serum creatinine" in out


def test_within_at_the_edges_and_above_hard_just_past_them() -> None:
    # 1,500 mg x 2 = 3,000 mg/day: both at their upper edge, not above it
    status, data = run_json("--drug", "mycophenolate", "--dose", "1,500 mg", "--times-per-day",
                            "2", *ADULT)
    assert (status, data["verdict"]) == (0, "within")
    # 1,500.1 mg a dose is above 1,500 (and 3,000.2 mg/day above 3,000): an absolute limit
    status, data = run_json("--drug", "mycophenolate", "--dose", "1,500.1 mg",
                            "--times-per-day", "2", *ADULT)
    assert (status, data["verdict"]) == (12, "above_hard")
    assert ("per_dose", "above_hard") in findings(data)
    assert ("per_day", "above_hard") in findings(data)
    # "3 g/day" twice daily is the same order as 1,500 mg twice daily
    status, data = run_json("--drug", "mycophenolate", "--dose", "3 g/day", "--times-per-day",
                            "2", *ADULT)
    assert (status, data["verdict"]) == (0, "within")


def test_below_is_a_warning_with_status_10() -> None:
    status, data = run_json("--drug", "mycophenolate", "--dose", "250 mg", "--times-per-day",
                            "2", *ADULT)
    # 250 mg < 500 mg a dose; 250 x 2 = 500 mg/day < 1,000 mg/day
    assert (status, data["verdict"], data["accepted"]) == (10, "below", True)
    assert findings(data)[1:] == [("per_dose", "below"), ("per_day", "below")]


def test_above_hard_azathioprine_with_status_12_and_the_answer_on_stdout() -> None:
    status, out, err = run("--drug", "azathioprine", "--dose", "100 mg", "--times-per-day", "2",
                           *ADULT)
    assert (status, err) == (12, "")  # a verdict, not a refusal of the input: stdout is whole
    assert out.startswith("azathioprine 100 mg twice daily: ABOVE AN ABSOLUTE LIMIT: REFUSED")
    # 100 mg x 2 = 200 mg a dosing day > the seed's 150 mg/day
    assert "per day: above hard: 200 mg a dosing day is above the seed's maximum of 150 mg/day" in out
    status, data = run_json("--drug", "azathioprine", "--dose", "100 mg", "--times-per-day",
                            "2", "--reason", "the neurologist asked", *ADULT)
    assert (status, data["accepted"]) == (12, False)  # a reason never lifts an absolute limit


def test_above_soft_contraindication_is_never_missing_data() -> None:
    # eGFR (CKD-EPI 2021, female, 70 years, 3 mg/dL): 142 x (3/0.7)^-1.2 x 0.9938^70 x 1.012
    # = 142 x 0.17438 x 0.64706 x 1.012 = 16.2, below 60: contraindicated (soft)
    frail = ["--weight", "60 kg", "--sex", "female", "--age", "70", "--creatinine", "3 mg/dL", *ON]
    status, data = run_json("--drug", "ciclosporin", "--dose", "150 mg", "--times-per-day", "2",
                            *frail)
    assert (status, data["verdict"], data["accepted"]) == (11, "above_soft", False)
    condition = next(f for f in data["findings"] if f["dimension"] == "condition")
    assert condition["category"] == "above_soft" and "eGFR 16.2 is below 60" in condition["text"]
    # 150 mg x 2 / 60 kg = 5 mg/kg/day: at the seed's ceiling (within), above the label's 4
    per_day = next(f for f in data["findings"] if f["dimension"] == "per_day")
    assert (per_day["category"], per_day["warning"]) == ("within", True)
    # with a stated reason: still above_soft (the category), now accepted
    status, data = run_json("--drug", "ciclosporin", "--dose", "150 mg", "--times-per-day", "2",
                            "--reason", "no alternative, nephrologist agrees", *frail)
    assert (status, data["verdict"], data["accepted"]) == (11, "above_soft", True)
    assert data["order"]["reason"] == "no alternative, nephrologist agrees"


def test_the_calculator_s_override_advice_is_written_as_the_override_option() -> None:
    # one name per choice across commands: screen's reason is --override, as dose's and review's
    # (--reason stays an alias); the advice names the canonical option
    status, out, _ = run("--drug", "ciclosporin", "--dose", "150 mg", "--times-per-day", "2",
                         "--weight", "60 kg", "--sex", "female", "--age", "70", "--creatinine",
                         "3 mg/dL", *ON)
    assert status == 11
    assert "--override 'reason'" in out and "override=" not in out and "--reason" not in out


def test_not_screened_without_a_height_for_a_g_per_m2_pulse() -> None:
    status, out, err = run("--drug", "cyclophosphamide-iv", "--dose", "0.75 g/m2", "--weight",
                           "72 kg", *ON)
    assert (status, err) == (13, "")
    assert out.startswith("cyclophosphamide IV 0.75 g/m2: not screened\n")
    assert "needs the patient's height" in out


def test_iv_pulse_with_last_pulse_counts_and_prior_exposure() -> None:
    status, data = run_json("--drug", "cyclophosphamide-iv", "--dose", "1 g/m2", "--every",
                            "3 weeks", "--times-per-day", "1", "--last-pulse", "0.75 g/m2",
                            "--prior-cyclophosphamide", "3 g", "--wbc", "2.5 x10^9/L",
                            "--neutrophils", "2 x10^9/L", *ADULT)
    assert (status, data["verdict"]) == (11, "above_soft")
    texts = {f["text"] for f in data["findings"]}
    # 1 g/m2 over 0.75 g/m2 is a raise of 1/0.75 - 1 = 33.3 % > 25 %
    assert any("a raise of 33.3 % over the last pulse (0.75 g/m2)" in t for t in texts)
    # WBC 2.5 is in 2-3: half the last pulse, 0.75 g/m2 x 1.8708 m2 / 2 = 701.6 -> 702 mg
    assert any("half the pulse is due (702 mg): this order is more" in t for t in texts)
    # 3 g before + 1.871 g (1 x 1.8708 m2) = 4.871 g, below 20 g
    assert any("3 g before, 4.871 g with this pulse" in t for t in texts)
    assert ("interval", "within") in findings(data)  # 21 days, within 14-28
    # the raise, the counts and the record were given: none of them is on the list
    assert not any(item.startswith(("last pulse", "pre-pulse", "cumulative"))
                   for item in data["not_checked"])


def test_cumulative_oral_reaches_20_g_and_unknown_history_is_not_checked() -> None:
    argv = ("--drug", "cyclophosphamide-oral", "--dose", "100 mg", "--times-per-day", "1",
            "--days", "28", *ADULT)
    status, out, _ = run(*argv, "--prior-cyclophosphamide", "17.3 g")
    # 100 mg / 72 kg = 1.389 mg/kg/day (1-2); 17.3 g + 28 x 0.1 g = 20.1 g: reaches 20 g
    assert status == 0
    assert "20.1 g with this order (prior exposure given): reaches 20 g" in out
    status, out, _ = run(*argv)
    assert status == 0
    assert "cumulative dose not known: not checked (give --prior-cyclophosphamide)" in out
    assert "prior_cyclophosphamide=" not in out


def test_allopurinol_reduces_the_azathioprine_range() -> None:
    argv = ("--drug", "azathioprine", "--dose", "150 mg", "--times-per-day", "1", "--tpmt",
            "normal", "--nudt15", "normal", *ADULT)
    assert run_json(*argv)[0] == 0  # 150 mg within 72-150 mg/day (1-2 mg/kg, the cap)
    status, data = run_json(*argv, "--allopurinol")
    assert (status, data["verdict"]) == (11, "above_soft")  # above the reduced range


def test_json_is_the_library_s_screening_to_dict() -> None:
    status, data = run_json("--drug", "ivig", "--dose", "0.4 g/kg/day", "--days", "5", *ADULT)
    patient = Patient(weight="72 kg", height="175 cm", sex="male", age=45,
                      serum_creatinine="0.9 mg/dL")
    expected = screen(Order(drug="ivig", dose="0.4 g/kg/day", days=5), patient, on="2027-01-04")
    assert (status, data) == (0, expected.to_dict())
    assert data["calculated"] == "28.8 g daily x 5 days"  # 0.4 g/kg x 72 kg


def test_refusals_of_the_input_are_one_line_status_3_naming_the_option() -> None:
    status, out, err = run("--drug", "mycophenolate", "--dose", "1 kg", *ADULT)
    assert (status, out) == (REFUSED, "") and err.count("\n") == 1
    assert "(option --dose)" in err  # 1,000,000 mg: above the plausible 200,000 mg
    status, out, err = run("--drug", "azathioprine", "--dose", "50 mg", "--product", "privigen",
                           *ADULT)
    assert (status, out) == (REFUSED, "") and "(option --product)" in err
    status, out, err = run("--drug", "ivig", "--dose", "1 g/kg", "--every", "2 h", *ADULT)
    assert (status, out) == (REFUSED, "") and "(option --every)" in err
    status, out, err = run("--drug", "azathioprine", "--dose", "50 mg", "--weight", "900 kg")
    assert (status, out) == (REFUSED, "") and "(option --weight)" in err


@pytest.mark.parametrize("argv, message", [
    (("--drug", "aspirin", "--dose", "1 g"), "not a drug plexodose screens"),
    (("--drug", "ivig", "--dose", "1"), "needs a unit"),
    (("--drug", "ivig", "--dose", "1 g/kg", "--times-per-day", "two"), "not a whole number"),
    (("--drug", "ivig", "--dose", "1 g/kg", "--on", "04/01/2027"), "not a date"),
    (("--drug", "ivig"), "--drug and --dose are required (or --fhir FILE)"),
])
def test_usage_errors_are_one_line_status_2(argv: tuple[str, ...], message: str) -> None:
    status, out, err = run(*argv, "--weight", "72 kg")
    assert (status, out) == (USAGE_ERROR, "") and err.count("\n") == 1 and message in err


def test_a_real_process_exits_with_the_verdict_and_help_loads_no_pint() -> None:
    done = subprocess.run([sys.executable, "-m", "plexodose", "screen", "--drug", "azathioprine",
                           "--dose", "200 mg/day", "--weight", "72 kg", "--on", "2027-01-04"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert (done.returncode, done.stderr) == (12, "")  # 200 mg/day > 150 mg/day
    assert "ABOVE AN ABSOLUTE LIMIT" in done.stdout
    code = ("import sys; from plexodose.cli import main; main(['screen', '--help']); print(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pint' "
            "or m.startswith('plexodose._screening')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_last_raised_checks_the_one_raise_a_calendar_month_rule() -> None:
    # 1.4 -> 1.5 g/m2 (a raise of 0.1 g/m2, above 1 g/m2: on a stated reason), BSA 1.8708
    argv = ("--drug", "cyclophosphamide-iv", "--dose", "1.5 g/m2", "--every", "3 weeks",
            "--times-per-day", "1", "--last-pulse", "1.4 g/m2", "--reason", "Michigan step",
            "--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "45",
            "--creatinine", "0.9 mg/dL", "--on", "2027-01-20")
    status, out, _ = run(*argv)
    assert status == 11  # above the seed's 1 g/m2, with its reason; the month rule not checked
    assert "a second raise in the same calendar month is not checked (give --last-raised)" in out
    status, out, _ = run(*argv, "--last-raised", "2027-01-05")  # raised already in January
    assert status == 12 and "a second raise in January 2027 (the last on 2027-01-05)" in out
    assert run(*argv, "--last-raised", "2026-12-05")[0] == 11  # last raised in December


# --fhir FILE (or - for standard input): the order from a FHIR R4 MedicationRequest

UCUM, LOINC = "http://unitsofmeasure.org", "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def request(dose: dict[str, Any], medication: dict[str, Any]) -> dict[str, Any]:
    """A MedicationRequest for Patient/p1, twice daily."""
    return {"resourceType": "MedicationRequest", "id": "mr1", "status": "active",
            "intent": "order", "subject": {"reference": "Patient/p1"},
            "medicationCodeableConcept": medication,
            "dosageInstruction": [{
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": dose}]}]}


AZATHIOPRINE = request({"value": 100, "unit": "mg", "system": UCUM, "code": "mg"},
                       {"coding": [{"system": RXNORM, "code": "1256"}]})


def observation(oid: str, code: str, value: float, unit: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2027-01-10",
            "valueQuantity": {"value": value, "system": UCUM, "code": unit}}


def write(tmp_path: Any, data: Any) -> str:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_fhir_request_with_the_patient_as_options(tmp_path: Any) -> None:
    status, data = run_json("--fhir", write(tmp_path, AZATHIOPRINE), "--weight", "72 kg",
                            "--on", "2027-01-16")
    # 100 mg x 2 = 200 mg a day, above 150 mg/day
    assert (status, data["verdict"]) == (12, "above_hard")
    assert (data["order"]["amount"], data["order"]["times_per_day"]) == (100.0, 2)


def test_fhir_bundle_on_standard_input_with_its_patient(monkeypatch: pytest.MonkeyPatch) -> None:
    mycophenolate = request({"value": 500, "unit": "mg", "system": UCUM, "code": "mg"},
                            {"text": "mycophenolate mofetil"})
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (
        mycophenolate,
        {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1961-04-30"},
        observation("w", "29463-7", 80, "kg"), observation("h", "8302-2", 165, "cm"),
        observation("c", "2160-0", 0.8, "mg/dL"))]}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(bundle)))
    status, out, err = run("--fhir", "-", "--on", "2027-01-16")
    # 500 mg x 2 = 1,000 mg/day: inside 500-1,500 a dose and 1,000-3,000 a day
    assert (status, err) == (0, "")
    assert out.startswith("mycophenolate 500 mg twice daily: within the rules")
    assert "weight 80 kg (measured 2027-01-10" in out  # the patient is the Bundle's


def test_fhir_an_order_the_reader_cannot_understand_is_not_screened(tmp_path: Any) -> None:
    tablets = request({"value": 2, "unit": "tab", "system": UCUM, "code": "{tbl}"},
                      {"text": "azathioprine"})
    status, out, err = run("--fhir", write(tmp_path, tablets), "--weight", "72 kg", "--on",
                           "2027-01-16")
    assert (status, err) == (13, "")  # never within: the path of the field it could not read
    assert "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.code" in out


def test_fhir_usage_errors(tmp_path: Any) -> None:
    path = write(tmp_path, AZATHIOPRINE)
    status, out, err = run("--fhir", path, "--drug", "ivig", "--weight", "72 kg")
    assert (status, out) == (USAGE_ERROR, "") and "leave out --drug" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    status, out, err = run("--fhir", str(broken), "--weight", "72 kg")
    assert (status, out) == (USAGE_ERROR, "") and "is not JSON" in err
    status, out, err = run("--fhir", str(tmp_path / "absent.json"), "--weight", "72 kg")
    assert (status, out) == (USAGE_ERROR, "") and "cannot read" in err
    status, out, err = run("--drug", "ivig", "--dose", "1 g/kg")  # neither --weight nor --fhir
    assert (status, out) == (USAGE_ERROR, "") and "--weight is required" in err


def test_fhir_with_the_last_raise(tmp_path: Any) -> None:
    # 1.4 -> 1.5 g/m2 by the Michigan step (stated reason), raised already on 2027-01-05:
    # a second raise in January 2027 is above an absolute limit
    pulse = request({"value": 1.5, "unit": "g/m2", "system": UCUM, "code": "g/m2"},
                    {"coding": [{"system": RXNORM, "code": "3002"}]})
    pulse["dosageInstruction"][0]["timing"] = {
        "repeat": {"frequency": 1, "period": 3, "periodUnit": "wk"}}
    pulse["dosageInstruction"][0]["route"] = {"text": "intravenous"}
    argv = ("--fhir", write(tmp_path, pulse), "--weight", "72 kg", "--height", "175 cm",
            "--sex", "male", "--age", "45", "--creatinine", "0.9 mg/dL", "--on", "2027-01-20",
            "--last-pulse", "1.4 g/m2", "--reason", "Michigan step")
    assert run(*argv)[0] == 11
    status, out, _ = run(*argv, "--last-raised", "2027-01-05")
    assert status == 12 and "a second raise in January 2027 (the last on 2027-01-05)" in out
