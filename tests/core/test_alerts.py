"""Warnings with a stable code, a severity and a source (issue 21): every call names them, each
drug's warnings carry the expected codes, the text view is unchanged, JSON and FHIR carry them,
the docs' table is the package's, and results and schedules pickled before codes still load."""

from __future__ import annotations

import ast
import datetime as dt
import json
import pickle
import re
from collections import defaultdict
from pathlib import Path

import attrs
import pytest

import plexodose as px
from plexodose._core import alerts as al
from plexodose._core import sources as src
from plexodose._core.errors import InputRangeError
from plexodose._core.record import _rebuild
from plexodose._interop.fhir_out import ALERT_CODE, ALERT_SEVERITY
from plexodose._schedule.model import with_alerts

DOCS = Path(__file__).resolve().parents[2] / "docs"
CODE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
START = dt.date(2027, 1, 1)


def _calls() -> list[tuple[str, int, ast.Call, str]]:
    return [(path.name, call.lineno, call, text) for path, call, text in al.warn_calls()]


# Every call site names its code and severity.


def test_every_warning_call_in_src_names_a_literal_code_and_severity() -> None:
    calls = _calls()
    assert len(calls) >= 82  # the 82 warn calls of issue 21, and the Alert(...) calls of plans
    for name, line, call, _ in calls:
        given = {k.arg: k.value for k in call.keywords}
        for key in ("code", "severity"):
            value = given.get(key)
            assert isinstance(value, ast.Constant) and isinstance(value.value, str), (
                f"{name}:{line} passes no literal {key}=")
        assert CODE.match(given["code"].value), f"{name}:{line}: {given['code'].value}"
        assert given["severity"].value in al.SEVERITIES, f"{name}:{line}"


def test_one_code_is_one_kind_one_severity_one_rule() -> None:
    """A code used at two calls (IVIg's and the dose calculator's Devine caution) means one
    kind: the same severity and the same rule cited."""
    seen: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for _, _, call, text in _calls():
        given = {k.arg: k.value for k in call.keywords}
        cited = call.args[1] if len(call.args) > 1 else given.get("source")
        rule = "" if cited is None else (ast.get_source_segment(text, cited) or "").split(".")[-1]
        code, severity = given["code"], given["severity"]
        assert isinstance(code, ast.Constant) and isinstance(severity, ast.Constant)
        seen[code.value].add((severity.value, rule))
    assert {code: kinds for code, kinds in seen.items() if len(kinds) > 1} == {}
    assert len(seen) == len(al.catalogue())  # the table lists each code once


def test_trace_warn_refuses_a_call_without_a_code() -> None:
    from plexodose._dosing.trace import Trace

    with pytest.raises(TypeError, match="code"):
        Trace().warn("w")  # type: ignore[call-arg]


# The docs' table is the package's.


def test_the_docs_table_is_the_catalogue() -> None:
    page = (DOCS / "warnings.md").read_text(encoding="utf-8")
    table = page.split("<!-- warning codes: generated, do not edit -->")[1]
    table = table.split("<!-- end of warning codes -->")[0]
    assert table.strip() == al.catalogue_markdown().strip(), (
        "regenerate: python -c 'from plexodose._core.alerts import catalogue_markdown as m; "
        "print(m())'")
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert "\nwarnings\n" in index


def test_the_catalogue_names_the_rule_by_its_id() -> None:
    kinds = {k.code: k for k in al.catalogue()}
    assert kinds["ivig.renal_risk.unknown"].severity == "high"
    assert kinds["ivig.renal_risk.unknown"].source == src.IVIG_BOXED_WARNING.id
    assert kinds["dispense.rounding.over_10_percent"].source == src.ROUNDING_WARNING_GAP.id
    assert kinds["dose.protocol.override"].source == "the rule applied"  # protocol_range's
    assert kinds["cyclophosphamide.wbc.hold"].example == (
        "pre-pulse WBC {wbc}/uL is below 2,000: hold the pulse")


# Each drug's warnings, for hand-built patients.


def _codes(result: object) -> list[tuple[str, str]]:
    return [(a.code, a.severity) for a in result.alerts]  # type: ignore[attr-defined]


def test_ivig_without_age_or_creatinine_is_a_high_renal_risk_not_excluded() -> None:
    course = px.ivig(px.Patient(weight="70 kg", height="170 cm", sex="male"))
    (alert,) = course.alerts
    assert (alert.code, alert.severity) == ("ivig.renal_risk.unknown", "high")
    assert alert.source == src.IVIG_BOXED_WARNING
    assert alert.text == course.warnings[0]
    assert alert.text.startswith("renal and thrombosis risk not excluded: age not known")


def test_ivig_for_an_at_risk_patient_with_a_product() -> None:
    # age 70: over 65 is a risk factor (the boxed warning)
    p = px.Patient(weight="70 kg", height="170 cm", sex="male", age=70,
                   serum_creatinine="80 umol/L")
    codes = [c for c, _ in _codes(px.ivig(p, product="privigen"))]
    assert codes[0] == "ivig.renal_risk.present"
    assert "ivig.at_risk_rate.product" in codes


def test_azathioprine_indeterminate_tpmt_and_untested_nudt15() -> None:
    p = px.Patient(weight="72 kg", height="170 cm", sex="female", age=50,
                   serum_creatinine="80 umol/L", tpmt="indeterminate")
    assert _codes(px.azathioprine(p)) == [
        ("azathioprine.tpmt.indeterminate", "high"), ("azathioprine.genotype.not_given", "high")]


def test_ciclosporin_example_starts_above_the_label_and_without_a_baseline() -> None:
    assert _codes(px.ciclosporin(px.Patient.example())) == [
        ("ciclosporin.dose.above_label", "high"), ("ciclosporin.creatinine_rise.not_checked", "high")]


def test_mycophenolate_below_egfr_25_is_limited_high() -> None:
    # creatinine 3 mg/dL, female, 50: CKD-EPI 2021 eGFR 18.4, below 25; 1,500 mg x 2 = 3,000
    # mg/day is cut to the 2,000 mg a day of dosing-rules.md
    p = px.Patient(weight="72 kg", height="170 cm", sex="female", age=50,
                   serum_creatinine="3 mg/dL")
    result = px.mycophenolate(p, mg_per_dose=1500)
    (alert,) = result.alerts
    assert (alert.code, alert.severity) == ("mycophenolate.low_egfr.limited", "high")
    assert alert.source == src.MYCOPHENOLATE_RENAL
    assert alert.text == "eGFR 18.4 < 25: limited to 2,000 mg a day"


def test_cyclophosphamide_codes() -> None:
    p = px.Patient.example()
    assert _codes(px.cyclophosphamide_oral(p)) == [
        ("cyclophosphamide.cumulative.threshold_projected", "caution"),
        ("dispense.rounding.over_10_percent", "caution")]
    assert _codes(px.cyclophosphamide_iv(p)) == [
        ("cyclophosphamide.eular_reduction.not_applied", "high"),
        ("cyclophosphamide.mesna_hydration", "caution")]


def test_a_result_without_warnings_has_no_alerts() -> None:
    result = px.azathioprine(px.Patient.example())
    assert result.warnings == () and result.alerts == ()


@pytest.mark.parametrize("make", [px.ivig, px.azathioprine, px.ciclosporin, px.mycophenolate,
                                  px.cyclophosphamide_oral, px.cyclophosphamide_iv])
def test_the_text_view_is_unchanged(make: object) -> None:
    p = px.Patient(weight="70 kg", height="170 cm", sex="male", age=60,
                   serum_creatinine="1 mg/dL", tpmt="indeterminate")
    result = make(p)  # type: ignore[operator]
    assert all(type(w) is str for w in result.warnings)
    assert tuple(a.text for a in result.alerts) == result.warnings
    shown = repr(result)
    assert all(f"    ! {w}" in shown for w in result.warnings)
    assert "plexodose.uncoded" not in {a.code for a in result.alerts}


# Alert values.


def test_an_alert_is_a_frozen_slotted_value() -> None:
    alert = px.Alert(code="a.b", severity="info", text="t")
    assert alert == px.Alert(code="a.b", severity="info", text="t", source=None)
    assert not hasattr(alert, "__dict__") and str(alert) == "t"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        alert.code = "c.d"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(alert)) == alert


@pytest.mark.parametrize(("field", "changes"), [
    ("code", {"code": "Renal risk"}), ("code", {"code": "ivig"}),
    ("severity", {"severity": "critical"}), ("text", {"text": ""}),
    ("source", {"source": "ivig.label.boxed_warning"}),
])
def test_an_alert_refuses_what_it_cannot_stand_behind(field: str, changes: dict[str, str]) -> None:
    given = {"code": "a.b", "severity": "info", "text": "t", **changes}
    with pytest.raises(InputRangeError) as caught:
        px.Alert(**given)  # type: ignore[arg-type]
    assert caught.value.field == field and caught.value.value == changes[field]


# Schedules and events.


def test_a_plan_s_alerts_follow_its_warnings_and_keep_the_calculator_s_code() -> None:
    s = px.plan(px.Patient.example(), start="2026-12-01")
    assert tuple(a.text for a in s.alerts) == s.warnings
    assert s.alerts[0].code == "plan.confirm_steroid_failure" and s.alerts[0].severity == "info"
    # ciclosporin's starting-dose warning, prefixed by the plan, keeps its code
    above = [a for a in s.alerts if a.text.startswith("ciclosporin, starting dose: ")]
    assert [a.code for a in above][:1] == ["ciclosporin.dose.above_label"]
    for event in s.events:
        assert tuple(a.text for a in event.alerts) == event.warnings
        assert "plexodose.uncoded" not in {a.code for a in event.alerts}
    decisions = [e for e in s.events if e.kind == "decision" and e.warnings]
    assert decisions and decisions[0].alerts[0].code == "plan.escalation.rule_out_lesions"


def test_cumulative_cyclophosphamide_threshold_on_the_dose_that_reaches_it() -> None:
    # 150 mg/day from a prior 35.9 g: 35.9 + 0.15 x 1 = 36.05 g >= 36 g on the first dose
    p = px.Patient.example()
    s = px.schedule(px.cyclophosphamide_oral(p), start=START, months=1,
                    prior_cyclophosphamide_g=35.9)
    first = s.filter(kind="dose")[0]
    reached = [a for a in first.alerts if a.code == "cyclophosphamide.cumulative.threshold_reached"]
    assert len(reached) == 1 and reached[0].severity == "high"
    assert "reaching the 36 g threshold" in reached[0].text


def test_an_event_with_warnings_only_is_uncoded_and_evolving_its_warnings_keeps_its_codes() -> None:
    event = px.Event(date=START, drug="IVIg", kind="decision", description="d", warnings=("x",))
    assert event.alerts == (px.Alert(code="plexodose.uncoded", severity="high", text="x"),)
    coded = with_alerts(event, [px.Alert(code="a.b", severity="info", text="y"),
                                px.Alert(code="c.d", severity="high", text="z")])
    assert coded.warnings == ("y", "z") and [a.code for a in coded.alerts] == ["a.b", "c.d"]
    kept = attrs.evolve(coded, warnings=("z",))  # a warning dropped: its alert goes with it
    assert [a.code for a in kept.alerts] == ["c.d"]
    assert attrs.evolve(coded, warnings=()).alerts == ()


def test_replan_alerts() -> None:
    s = px.schedule(px.azathioprine(px.Patient.example()), start=START, months=3)
    same = px.replan(s, [px.Labs(date="2027-01-15", wbc="6 x10^9/L")], on="2027-01-20")
    assert same.alerts[-1] == px.Alert(code="replan.unchanged", severity="info",
                                       text="re-plan: no result changed the plan")
    held = px.replan(s, [px.Labs(date="2027-01-29", wbc="3.1 x10^9/L")], on="2027-01-29")
    changed = [a for a in held.alerts if a.code == "replan.drug.changed"]
    assert len(changed) == 1 and changed[0].severity == "high"
    assert changed[0].text.startswith("re-planned from 2027-01-29: withhold azathioprine")


# JSON and FHIR.


def test_json_alerts_beside_the_warnings_and_valid() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    course = px.ivig(px.Patient(weight="70 kg", height="170 cm", sex="male"))
    data = json.loads(course.to_json())
    assert data["warnings"] == list(course.warnings)
    assert data["alerts"] == [{"code": "ivig.renal_risk.unknown", "severity": "high",
                               "text": course.warnings[0], "source": "ivig.label.boxed_warning"}]
    s = px.plan(px.Patient.example(), start="2026-12-01")
    plan = json.loads(s.to_json())
    assert [a["code"] for a in plan["alerts"]] == [a.code for a in s.alerts]
    assert all(len(e["alerts"]) == len(e["warnings"]) for e in plan["events"])
    validator = jsonschema.Draft202012Validator(px.json_schema())
    for document in (data, plan):
        validator.validate(document)
    data["alerts"][0]["severity"] = "critical"  # not a level: the schema refuses it
    assert not validator.is_valid(data)


def test_fhir_notes_keep_the_text_and_carry_the_code() -> None:
    s = px.plan(px.Patient.example(), start="2026-12-01")
    bundle = s.to_fhir(subject={"reference": "Patient/1"})
    notes = [n for entry in bundle["entry"] for n in entry["resource"].get("note", ())]
    assert notes
    by_text = {a.text: a for a in s.alerts}
    by_text.update({a.text: a for e in s.events for a in e.alerts})
    for note in notes:
        alert = by_text[note["text"]]
        assert note["extension"] == [{"url": ALERT_CODE, "valueCode": alert.code},
                                     {"url": ALERT_SEVERITY, "valueCode": alert.severity}]


# Pickles made before codes.


def test_a_result_pickled_by_0_3_0_loads_with_its_warnings_uncoded() -> None:
    result = px.ivig(px.Patient(weight="70 kg", height="170 cm", sex="male"))
    values = result._v
    # 0.3.0's state: every value but the codes (the sixth)
    old = _rebuild(type(result), (*values[:5], *values[6:]))
    assert old == result and old.warnings == result.warnings
    assert old.alerts == (al.uncoded(result.warnings[0]),)
    assert old.alerts[0].code == "plexodose.uncoded" and old.alerts[0].severity == "high"
    # 0.1.0's: no values used either
    older = _rebuild(type(result), (*values[:4], *values[6:]))
    assert older.values_used == () and [a.code for a in older.alerts] == ["plexodose.uncoded"]


def test_an_event_and_a_schedule_pickled_before_alerts_load_uncoded() -> None:
    s = px.plan(px.Patient.example(), start="2026-12-01")
    event = next(e for e in s.events if e.warnings)
    for made in (event, s):
        state = made.__getstate__()  # type: ignore[attr-defined]
        assert isinstance(state, dict)
        del state["alerts"]
        old = type(made).__new__(type(made))
        old.__setstate__(state)  # type: ignore[attr-defined]
        assert old.warnings == made.warnings
        assert [a.text for a in old.alerts] == list(made.warnings)
        assert {a.code for a in old.alerts} == {"plexodose.uncoded"}
