"""BeforeStarting carries alerts beside its warnings, as results do (issue 21): each warning's
code, severity and source, in the same order; `.warnings` stays the list of texts; JSON too."""

from __future__ import annotations

import datetime as dt
import pickle

import jsonschema
import pytest

import plexodose
from plexodose import BeforeStarting, Labs, Patient, before_starting
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.before import ALKYLATING_AGENTS

ON = dt.date(2026, 11, 20)
VALIDATOR = jsonschema.Draft202012Validator(plexodose.json_schema())


def _kinds(b: BeforeStarting) -> list[tuple[str, str]]:
    assert tuple(a.text for a in b.alerts) == b.warnings  # one alert per warning, in order
    assert all(type(w) is str for w in b.warnings)
    return [(a.code, a.severity) for a in b.alerts]


def test_ivig_at_risk_with_an_undated_creatinine() -> None:
    # age 70 (over 65) is at risk; the creatinine has no date: confirm it
    b = before_starting("ivig", Patient(weight="70 kg", age=70, sex="male",
                                        serum_creatinine="1 mg/dL"), on=ON)
    assert _kinds(b) == [("before.creatinine.undated", "caution"), ("ivig.before.renal_risk", "high")]
    assert b.alerts[1].source is rules.IVIG_BOXED_WARNING and b.alerts[0].source is None


def test_azathioprine_after_alkylating_agents() -> None:
    b = before_starting("azathioprine", Patient.example(), prior_alkylating_agents=True, on=ON)
    assert ("azathioprine.before.prior_alkylating", "high") in _kinds(b)
    assert next(a for a in b.alerts if a.code.endswith("prior_alkylating")).source is ALKYLATING_AGENTS


def test_ciclosporin_started_on_override_and_stale_results() -> None:
    # male 60 y, creatinine 1.4 mg/dL: CKD-EPI 2021 eGFR 57.5 < 60, started on the override;
    # a baseline of 2026-09-01 is 80 days old on 2026-11-20 (> 30): stale
    impaired = Patient(weight="72 kg", sex="male", age=60, serum_creatinine="1.4 mg/dL")
    old = [Labs(date="2026-09-01", creatinine="1.0 mg/dL")]
    b = before_starting("ciclosporin", impaired, baseline=old, on=ON, override="renal team")
    assert _kinds(b) == [
        ("before.baseline.stale", "caution"),
        ("before.creatinine.undated", "caution"),
        ("ciclosporin.before.contraindication_overridden", "high"),
        ("before.override.used", "high"),
    ]
    assert b.warnings[-1] == "started on override: renal team"


def test_json_carries_the_alerts_and_validates() -> None:
    b = before_starting("ivig", Patient(weight="70 kg", age=70, sex="male",
                                        serum_creatinine="1 mg/dL"), on=ON)
    data = b.to_dict()
    VALIDATOR.validate(data)
    assert data["kind"] == "BeforeStarting" and data["warnings"] == list(b.warnings)
    assert data["alerts"][1] == {"code": "ivig.before.renal_risk", "severity": "high",
                                 "text": b.warnings[1], "source": "ivig.label.boxed_warning"}
    assert '"ready": true' in b.to_json()


def test_warnings_given_without_alerts_are_uncoded_and_pickles_keep_them() -> None:
    made = BeforeStarting(drug="IVIg", checks=(), warnings=("check the pump",))
    assert [(a.code, a.severity, a.text) for a in made.alerts] == [
        ("plexodose.uncoded", "high", "check the pump")]
    b = before_starting("azathioprine", Patient.example(), prior_alkylating_agents=True, on=ON)
    assert pickle.loads(pickle.dumps(b)).alerts == b.alerts
    # a checklist pickled before alerts (its state has no "alerts"): its warnings, uncoded
    state = {name: getattr(b, name) for name in ("drug", "checks", "baseline_creatinine_mg_dl",
                                                 "warnings", "sources", "override")}
    old = BeforeStarting.__new__(BeforeStarting)
    old.__setstate__(state)
    assert [a.code for a in old.alerts] == ["plexodose.uncoded"] * len(b.warnings)


@pytest.mark.parametrize("drug", ["azathioprine", "mycophenolate", "cyclophosphamide oral", "IVIg"])
def test_every_checklist_validates(drug: str) -> None:
    VALIDATOR.validate(before_starting(drug, Patient.example(), on=ON).to_dict())
