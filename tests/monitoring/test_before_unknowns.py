"""Issue 18 (before starting): unknown is not safe; the newer renal value wins over an old one;
azathioprine asks about prior alkylating agents."""

from __future__ import annotations

import pytest

from plexodose import ContraindicationError, InputRangeError, Labs, Patient, before_starting
from plexodose._monitoring.before import ALKYLATING_AGENTS
from plexodose._patient import provenance as prov

ON = "2026-12-02"


def test_old_baseline_egfr_does_not_hide_todays_creatinine() -> None:
    # male 60 y, creatinine 3 mg/dL: CKD-EPI 2021 142 x (3/0.9)^-1.2 x 0.9938^60
    # = 142 x 0.23577 x 0.68856 = 23.05 mL/min/1.73 m^2; the 2019 eGFR of 90 is stale
    p = Patient(weight="72 kg", sex="male", age=60, serum_creatinine="3 mg/dL",
                measured={"serum_creatinine": "2026-12-01"}, on=ON)
    with pytest.raises(ContraindicationError, match=r"eGFR 23\.1 mL/min/1\.73 m\^2 is below 60"):
        before_starting("ciclosporin", p, baseline=[Labs(date="2019-05-01", egfr="90 mL/min/1.73 m^2")],
                        on=ON)
    # an undated creatinine, with only a stale eGFR: used, and said to have no date
    undated = Patient(weight="72 kg", sex="male", age=60, serum_creatinine="3 mg/dL")
    with pytest.raises(ContraindicationError, match=r"eGFR 23\.1"):
        before_starting("ciclosporin", undated, baseline=[Labs(date="2019-05-01", egfr="90 mL/min/1.73 m^2")],
                        on=ON)


def test_newest_dated_renal_value_wins_and_stale_baselines_are_named() -> None:
    p = Patient.example()  # male 60 y
    b = before_starting(
        "ciclosporin", p, on=ON,
        baseline=[Labs(date="2026-09-01", creatinine="0.9 mg/dL", blood_pressure="120/80 mmHg"),
                  Labs(date="2026-11-20", creatinine="1.0 mg/dL", blood_pressure="120/80 mmHg"),
                  Labs(date="2026-11-27", creatinine="1.0 mg/dL", blood_pressure="120/80 mmHg")])
    # 2026-09-01 is 92 days before 2026-12-02 (more than 30): not in the baseline mean
    assert b.baseline_creatinine_mg_dl == 1.0  # (1.0 + 1.0) / 2, not (0.9 + 1.0 + 1.0) / 3
    assert any(w.startswith("stale baseline results not used (older than 30 days on 2026-12-02): "
                            "2026-09-01 (creatinine, blood_pressure)") for w in b.warnings)
    assert prov.BASELINE_WINDOW in b.sources
    # the newest dated creatinine (2026-11-27) wins over the patient's undated one
    assert any("newer dated value is used" in w for w in b.warnings)


def test_ciclosporin_without_any_renal_value_is_not_ready() -> None:
    b = before_starting("ciclosporin", Patient(weight="72 kg"), on=ON)
    assert not b.ready
    assert any(c.item.startswith("renal function within 30 days") and c.status == "to do"
               for c in b.checks)


def test_ivig_with_unknown_age_or_renal_function_is_not_ready() -> None:
    b = before_starting("ivig", Patient(weight="72 kg"), on=ON)
    assert not b.ready and "2 item(s) to do" in repr(b)
    items = [c.item for c in b.to_do]
    assert items == [
        "renal function before each course (creatinine or eGFR within 7 days): not known (age, "
        "sex, serum_creatinine not given)",
        "age: not known (over 65 is a renal and thrombosis risk factor)"]
    # at 70 the same patient is at risk, and told so
    old = before_starting("ivig", Patient(weight="72 kg", age=70, sex="male",
                                          serum_creatinine="1 mg/dL"), on=ON)
    assert old.ready
    assert any(c.item == "age 70: over 65, a renal and thrombosis risk factor" for c in old.checks)
    assert any(w.startswith("at risk (boxed warning)") for w in old.warnings)
    # a dated creatinine older than 7 days before the course: not known
    stale = Patient(weight="72 kg", age=50, sex="male", serum_creatinine="1 mg/dL",
                    measured={"serum_creatinine": "2026-11-20"}, on=ON)
    assert not before_starting("ivig", stale, on=ON).ready


def test_azathioprine_asks_about_prior_alkylating_agents() -> None:
    p = Patient.example()
    ask = before_starting("azathioprine", p, on=ON)
    open_ = [c for c in ask.checks if c.source == ALKYLATING_AGENTS]
    assert len(open_) == 1 and open_[0].status == "to do" and not ask.ready
    yes = before_starting("azathioprine", p, prior_alkylating_agents=True, on=ON)
    assert any("prohibitive risk of malignancy" in w for w in yes.warnings)  # a warning,
    assert [c.status for c in yes.checks if c.source == ALKYLATING_AGENTS] == ["done"]  # not a refusal
    no = before_starting("azathioprine", p, prior_alkylating_agents=False, on=ON)
    assert not any("malignancy" in w for w in no.warnings)
    with pytest.raises(InputRangeError) as caught:
        before_starting("azathioprine", p, prior_alkylating_agents="no", on=ON)  # type: ignore[arg-type]
    assert caught.value.field == "prior_alkylating_agents"


def test_pregnancy_test_from_the_future_is_refused() -> None:
    woman = Patient(weight="60 kg", height="165 cm", sex="female", age=30)
    with pytest.raises(InputRangeError, match="after the date of this check") as caught:
        before_starting("mycophenolate", woman, pregnancy_tests=["2026-11-25", "2026-12-04"], on=ON)
    assert caught.value.field == "pregnancy_tests"
