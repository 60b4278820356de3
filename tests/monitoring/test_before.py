"""before_starting(): what must be known or done first, and the ciclosporin refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from plexodose import Labs, Patient, azathioprine, before_starting
from plexodose._core.errors import ContraindicationError, InputRangeError
from plexodose._monitoring import thresholds as rules

P = Patient.example()  # male, 60 y, creatinine 1.0 mg/dL: eGFR 86.2
ON = dt.date(2026, 11, 20)


def pre(*readings: tuple[str, str]) -> list[Labs]:
    days = [dt.date(2026, 11, 2) + dt.timedelta(days=7 * k) for k in range(len(readings))]
    return [Labs(date=d, creatinine=c, blood_pressure=bp, potassium="4.2 mmol/L", alt="30 U/L",
                 wbc="6 x10^9/L") for d, (c, bp) in zip(days, readings, strict=True)]


def test_ciclosporin_checklist_and_baseline_mean() -> None:
    b = before_starting("ciclosporin", P, baseline=pre(("0.9 mg/dL", "128/80 mmHg"),
                                                        ("1.1 mg/dL", "132/84 mmHg")), on=ON)
    assert b.baseline_creatinine_mg_dl == pytest.approx(1.0)  # (0.9 + 1.1) / 2
    status = {c.item.split(" (")[0]: c.status for c in b.checks}
    assert status["blood pressure on at least two occasions"] == "done"
    assert status["serum creatinine on at least two occasions"] == "done"
    assert status["potassium"] == "done" and status["LFTs and FBC"] == "done"
    assert [c.item for c in b.to_do] == ["magnesium and lipids (plexodose does not record them: confirm)"]
    assert not b.ready and rules.CICLOSPORIN_BEFORE in b.sources
    one = before_starting("ciclosporin", P, baseline=pre(("1.0 mg/dL", "128/80 mmHg")), on=ON)
    assert {c.item.split(" (")[0] for c in one.to_do} >= {
        "blood pressure on at least two occasions", "serum creatinine on at least two occasions"}
    assert "before starting ciclosporin" in repr(one)


def test_ciclosporin_refused_in_renal_impairment_or_uncontrolled_hypertension() -> None:
    # eGFR: male 60 y, creatinine 1.4 mg/dL -> CKD-EPI 2021 57.5 (< 60)
    impaired = Patient(weight="72 kg", sex="male", age=60, serum_creatinine="1.4 mg/dL")
    with pytest.raises(ContraindicationError, match="eGFR 57") as caught:
        before_starting("ciclosporin", impaired, on=ON)
    assert "override" in str(caught.value)
    # eGFR 60 mL/min/1.73 m^2 given: not below 60
    ok = before_starting("ciclosporin", impaired, baseline=[Labs(date=ON, egfr="60 mL/min/1.73 m^2")], on=ON)
    assert ok.drug == "ciclosporin"
    # creatinine 25 % above its baseline (1.25 vs 1.0): refused; 24 %: not
    risen = Patient(weight="72 kg", sex="male", age=40, serum_creatinine="1.25 mg/dL",
                    baseline_creatinine="1.0 mg/dL")
    with pytest.raises(ContraindicationError, match="25 %"):
        before_starting("ciclosporin", risen, on=ON)
    fine = Patient(weight="72 kg", sex="male", age=40, serum_creatinine="1.24 mg/dL",
                   baseline_creatinine="1.0 mg/dL")
    before_starting("ciclosporin", fine, on=ON)
    # two readings above 140/90, or stated uncontrolled
    with pytest.raises(ContraindicationError, match="uncontrolled hypertension"):
        before_starting("ciclosporin", P, baseline=pre(("1 mg/dL", "150/95 mmHg"), ("1 mg/dL", "141/85 mmHg")), on=ON)
    before_starting("ciclosporin", P, baseline=pre(("1 mg/dL", "150/95 mmHg"), ("1 mg/dL", "140/90 mmHg")), on=ON)
    with pytest.raises(ContraindicationError):
        before_starting("ciclosporin", P, uncontrolled_hypertension=True, on=ON)
    overridden = before_starting("ciclosporin", impaired, override="nephrology agrees", on=ON)
    assert overridden.override == "nephrology agrees"
    assert any("started on override" in w for w in overridden.warnings)
    assert rules.CICLOSPORIN_START_GAP in overridden.sources


def test_azathioprine_needs_both_genotypes() -> None:
    done = before_starting(azathioprine(P), P, on=ON)
    assert [c.status for c in done.checks[:2]] == ["done", "done"]
    unknown = before_starting("azathioprine", Patient(weight="72 kg", nudt15="indeterminate"), on=ON)
    assert unknown.checks[0].status == "to do" and "TPMT" in unknown.checks[0].item
    assert unknown.checks[1].status == "consider" and "no activity assay" in unknown.checks[1].item
    indeterminate = before_starting("azathioprine", Patient(weight="72 kg", tpmt="indeterminate"), on=ON)
    assert "measure TPMT activity" in indeterminate.checks[0].item


def test_mycophenolate_pregnancy_tests_8_to_10_days_apart() -> None:
    woman = Patient(weight="60 kg", height="165 cm", sex="female", age=30)
    assert before_starting("mycophenolate", woman, on=ON).checks[0].status == "to do"
    tests_9 = before_starting("mycophenolate", woman, pregnancy_tests=["2026-11-01", "2026-11-10"], on=ON)
    assert tests_9.checks[0].status == "done"  # 9 days apart
    tests_7 = before_starting("mycophenolate", woman, pregnancy_tests=["2026-11-01", "2026-11-08"], on=ON)
    assert tests_7.checks[0].status == "to do"  # 7 days: too close
    tests_11 = before_starting("mycophenolate", woman, pregnancy_tests=["2026-11-01", "2026-11-12"], on=ON)
    assert tests_11.checks[0].status == "to do"
    assert before_starting("mycophenolate", woman, could_become_pregnant=False, on=ON).checks[0].status == "not needed"
    assert before_starting("mycophenolate", P, on=ON).checks[0].status == "not needed"


def test_infection_screening_is_to_consider_and_bad_inputs_refused() -> None:
    b = before_starting("cyclophosphamide oral", P, on=ON)
    assert b.checks[-1].status == "consider" and rules.INFECTION_SCREENING_GAP in b.sources
    assert before_starting("IVIg", P, on=ON).checks[0].status == "done"
    with pytest.raises(InputRangeError) as caught:
        before_starting("ciclosporin", "72 kg", on=ON)  # type: ignore[arg-type]
    assert caught.value.field == "patient"
    with pytest.raises(InputRangeError, match="in the future"):
        before_starting("ciclosporin", P, baseline=[Labs(date="2026-12-01", creatinine="1 mg/dL")], on=ON)
