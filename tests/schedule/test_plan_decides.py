"""Issue 19, class 8: a plan lays out what can be given and decides, instead of refusing as a
whole; every piece of advice names a parameter of the function that was called."""

from __future__ import annotations

import datetime as dt
import inspect
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import (
    Labs,
    Patient,
    PlexodoseError,
    azathioprine,
    ciclosporin,
    plan,
    replan,
    schedule,
)
from plexodose._core import vocab
from plexodose._core.errors import ContraindicationError, InputRangeError
from plexodose.strategies import patients

START = dt.date(2026, 12, 1)
# eGFR (CKD-EPI 2021, male, 60 y, creatinine 2.6 mg/dL): 142 x (2.6/0.9)^-1.200 x 0.9938^60
# = 142 x 0.2800 x 0.6886 = 27.4 mL/min/1.73 m2: below 60, so ciclosporin is contraindicated
RENAL = Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                serum_creatinine="2.6 mg/dL", tpmt="normal", nudt15="normal")
PASS = re.compile(r"\bpass (\w+)=")


def _parameters(function: object) -> set[str]:
    return set(inspect.signature(function).parameters)  # type: ignore[arg-type]


def _texts(s: object) -> list[str]:
    texts = list(s.warnings)  # type: ignore[attr-defined]
    for e in s:  # type: ignore[attr-defined]
        texts += [e.description, *e.warnings]
    return texts


def test_plan_decides_contraindicated_refractory_agent_named_with_its_reason() -> None:
    with pytest.raises(ContraindicationError):  # the calculator itself still refuses
        ciclosporin(RENAL)
    s = plan(RENAL, start=START)  # was: ContraindicationError for the whole plan
    decision = s.filter(kind="decision")[1]
    # IVIg 5 days Dec 1-5, assessed 14 days after the last (Dec 19); + 6 months = Jun 19
    assert decision.date == dt.date(2027, 6, 19)
    text = decision.description
    assert text.startswith("refractory to azathioprine? If so, ciclosporin is contraindicated")
    assert "eGFR 27.4 mL/min/1.73 m2 is below 60" in text
    assert "cyclophosphamide IV (plan(..., refractory_agent='cyclophosphamide_iv'))" in text
    assert "refractory_agent='cyclophosphamide_oral'" in text
    assert not s.filter(drug="ciclosporin")  # nothing of ciclosporin laid out
    aza = s.filter(drug="azathioprine", kind="dose")
    assert aza and aza[-1].date == dt.date(2027, 6, 18)  # stops the day before the decision
    assert any(w.startswith("ciclosporin is not laid out: eGFR 27.4") for w in s.warnings)
    assert s.filter(kind="decision")[-1].date == dt.date(2027, 12, 1)  # end of the 12 months


def test_plan_decides_alternative_is_laid_out_when_asked() -> None:
    s = plan(RENAL, start=START, refractory_agent="cyclophosphamide_iv")
    pulses = s.filter(drug="cyclophosphamide", kind="dose")
    assert pulses and pulses[0].date == dt.date(2027, 6, 19)


def test_plan_decides_refused_second_agent_offers_the_others() -> None:
    poor = Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                   serum_creatinine="1 mg/dL", tpmt="poor", nudt15="normal")
    with pytest.raises(ContraindicationError):
        azathioprine(poor)
    s = plan(poor, start=START)
    first = s.filter(kind="decision")[0]
    assert first.date == dt.date(2026, 12, 19)
    assert "azathioprine is contraindicated for this patient (poor metabolizer (TPMT)" in (
        first.description)
    for other in ("mycophenolate", "cyclophosphamide_iv", "cyclophosphamide_oral"):
        assert f"second_agent='{other}'" in first.description
    assert not s.filter(drug="azathioprine") and not s.filter(drug="ciclosporin")
    # nothing after the IVIg decision but the end of the plan
    assert [e.date for e in s.filter(kind="decision")] == [dt.date(2026, 12, 19), dt.date(2027, 12, 1)]


def test_plan_decides_advice_names_only_plan_parameters() -> None:
    s = plan(RENAL, start=START)
    accepted = _parameters(plan)
    for text in _texts(s):
        assert set(PASS.findall(text)) <= accepted, text
    assert "lay out ciclosporin(patient, override='reason') with schedule()" in (
        s.filter(kind="decision")[1].description)


AGENTS = st.sampled_from([(a, b) for a in vocab.SECOND_AGENTS for b in vocab.REFRACTORY_AGENTS
                          if not (a.startswith("cyclophosphamide") and b.startswith("cyclophosphamide"))])


@settings(max_examples=40, deadline=None)
@given(patients(complete=False), AGENTS, st.integers(1, 24))
def test_plan_decides_property_never_refuses_for_an_agent_and_advice_is_its_own(
    p: Patient, agents: tuple[str, str], months: int
) -> None:
    """Over valid patients (renal impairment, poor metabolizers, missing values), plan() either
    lays a plan out, or refuses with advice naming only plan()'s parameters."""
    second, refractory = agents
    try:
        s = plan(p, start=START, second_agent=second, refractory_agent=refractory, months=months)
    except PlexodoseError as exc:  # the IVIg step itself (the plan's first step)
        assert set(PASS.findall(str(exc))) <= _parameters(plan), str(exc)
        return
    for text in _texts(s):
        assert set(PASS.findall(text)) <= _parameters(plan), text


def test_plan_decides_replan_refuses_unknown_options_by_name() -> None:
    s = schedule(azathioprine(Patient.example()), start="2027-01-01", months=2)
    labs = [Labs(date="2027-01-15", wbc="6 x10^9/L")]
    with pytest.raises(InputRangeError) as info:
        replan(s, labs, on="2027-12-01", thresold="local")  # a typo: was a TypeError
    assert info.value.field == "thresold" and "thresholds" in str(info.value)
    for name in ("drug", "labs"):  # was: TypeError "got multiple values"
        with pytest.raises(InputRangeError, match="set by replan itself"):
            replan(s, labs, on="2027-12-01", **{name: "x"})


def test_plan_decides_parameter_lists_match_the_signatures() -> None:
    from plexodose._schedule import algorithm

    assert set(algorithm._PLAN_PARAMETERS) == _parameters(plan) - {"patient"}
    assert set(algorithm._SCHEDULE_PARAMETERS) == _parameters(schedule) - {"result", "start", "months"}


def test_azathioprine_after_cyclophosphamide_warns_of_alkylating_agents() -> None:
    """Issue 19 class 8: azathioprine laid out after cyclophosphamide names the label's
    alkylating-agent contraindication (a warning: plexopathy is off-label)."""
    from plexodose import Patient, azathioprine, mycophenolate, schedule
    from plexodose._monitoring.before import ALKYLATING_AGENTS

    after = schedule(azathioprine(Patient.example()), start="2026-12-01", prior_cyclophosphamide_g=12)
    (warning,) = [w for w in after.warnings if "alkylating" in w]
    assert warning.startswith("azathioprine after 12 g of cyclophosphamide")
    assert ALKYLATING_AGENTS in after.sources
    plain = schedule(azathioprine(Patient.example()), start="2026-12-01")
    assert not any("alkylating" in w for w in plain.warnings)
    with pytest.raises(InputRangeError, match="does not apply to mycophenolate"):
        schedule(mycophenolate(Patient.example()), start="2026-12-01", prior_cyclophosphamide_g=12)
