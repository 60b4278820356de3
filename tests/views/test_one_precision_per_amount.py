"""One precision per amount everywhere (issue 21): every rendering of one amount (the headline,
the facts, the derivation, the summary, the notebook views, the JSON and FHIR texts, the screen
of the order and the plan's rows) writes it with the same digits, and every export states the
dispensed amount where the headline does.

The audit reads every number written before a unit in every rendering of a result and flags one
that is an amount of the result rounded to other digits (dispensed or calculated dose, daily and course totals,
mg/kg/day reached, BSA, dosing weight, infusion volume and pump rates) but written otherwise
than that amount is written in the block: "1,403.1 mg" beside "1,403.12 mg" is caught.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose import Order, Patient, plan, screen
from plexodose._core import format as fmt
from plexodose.strategies import patients, results

PATIENTS = {
    "example": Patient.example(),  # 72 kg, 175 cm, male, 60, creatinine 1 mg/dL
    "heavy": Patient(weight="143.7 kg", height="168 cm", sex="female", age=52,
                     serum_creatinine="0.83 mg/dL"),
    "short": Patient(weight="61.3 kg", height="149 cm", sex="female", age=71,
                     serum_creatinine="0.9 mg/dL"),
    "renal": Patient(weight="83.4 kg", height="181 cm", sex="male", age=67,
                     serum_creatinine="2.37 mg/dL"),
    "tpmt": Patient(weight="68.9 kg", height="171 cm", sex="male", age=44,
                    serum_creatinine="0.97 mg/dL", tpmt="intermediate", nudt15="normal"),
}
CALCULATORS: dict[str, Callable[[Patient], Any]] = {
    "ivig": px.ivig,
    "ivig_privigen": lambda p: px.ivig(p, product="privigen"),
    "azathioprine": px.azathioprine,
    "cyclophosphamide_oral": px.cyclophosphamide_oral,
    "cyclophosphamide_iv": px.cyclophosphamide_iv,
    "ciclosporin": px.ciclosporin,
    "mycophenolate": px.mycophenolate,
}
AGENTS = ("azathioprine", "mycophenolate", "cyclophosphamide_iv", "cyclophosphamide_oral")
START = dt.date(2026, 12, 1)

# unit -> what may follow it and still be that unit (mg, not mg/kg; g, not g/kg or g/m2)
_UNITS = {
    "mg": r"mg(?!/kg)(?!/m)", "g": r"g(?!/kg)(?!/m)", "kg": r"kg", "m2": r"m(?:2|\^2)\b",
    "mg/kg/day": r"mg/kg/day", "mL": r"mL(?!/)", "mL/h": r"mL/h",
}
_NUMBER = r"(?<![\d.,])(\d{1,3}(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?)"


def amounts(r: Any) -> list[tuple[str, float, str]]:
    """(what, value, unit) of every amount the result's block states, and its written form."""
    found: list[tuple[str, float, str]] = []
    if isinstance(r, px.IVIgCourse):
        found += [("calculated daily dose", r.daily_dose_g, "g"),
                  ("calculated course", r.daily_dose_g * r.days, "g"),
                  ("dispensed daily dose", r.given_daily_dose_g, "g"),
                  ("dispensed course", r.total_dose_g, "g"),
                  ("dosing weight", r.dosing_weight_kg, "kg")]
        if r.daily_volume_ml is not None:
            found.append(("infusion volume", r.daily_volume_ml, "mL"))
        found += [("pump rate", rate, "mL/h") for rate in r.pump_rates_ml_per_h]
    elif isinstance(r, px.CyclophosphamidePulse):
        found += [("calculated pulse", r.dose_mg, "mg"), ("BSA", r.bsa_m2, "m2")]
    else:
        found += [("calculated dose", r.per_dose_mg, "mg"),
                  ("calculated day", r.daily_dose_mg, "mg"),
                  ("dispensed dose", r.given_per_dose_mg, "mg")]
        if r.dosing_weight_kg is not None:
            # the calculated mg/kg/day is the regimen as typed (1.625), echoed as typed in the
            # derivation: the amount is the one reached
            found += [("dosing weight", r.dosing_weight_kg, "kg"),
                      ("mg/kg/day reached", r.dispensed_mg_per_kg_day, "mg/kg/day")]
    return found


def typed(r: Any) -> list[tuple[float, str]]:
    """The regimen's own figures, echoed as typed: the mg/kg/day asked for (2.5 beside 2.53
    reached) and a BSA cap (2.2 m2 beside a BSA of 2.1605)."""
    if isinstance(r, px.CyclophosphamidePulse):
        return [] if r.bsa_cap_m2 is None else [(r.bsa_cap_m2, "m2")]
    if isinstance(r, px.DailyDose) and r.mg_per_kg_day is not None:
        return [(r.mg_per_kg_day, "mg/kg/day")]
    return []


def written(value: float, unit: str) -> str:
    """How the block writes an amount of this kind (one helper per kind)."""
    if unit == "m2":
        return fmt.bsa_m2(value).removesuffix(" m2")
    if unit in ("mL", "mL/h"):
        return fmt.number(value, 1)
    return fmt.number(value)


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _untagged(page: str) -> str:
    return html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", page))


def renderings(r: Any, p: Patient | None) -> dict[str, str]:
    """Every text that states the result's amounts, by where it is written."""
    headline, facts = r._view()
    texts = {
        "headline": headline,
        "facts": "\n".join(facts),
        "derivation": "\n".join(r.steps),
        "warnings": "\n".join(r.warnings),
        "summary": r.summary,
        # the sources cite the rules' own figures (a 2.2 m2 cap), not this result's amounts
        "html": _untagged(r._repr_html_().split("<details><summary>Sources")[0]),
        "markdown": r._repr_markdown_().split("<details><summary>Sources")[0].replace("\\", ""),
        # the values used are echoed as typed (39.375 kg), not an amount the result computed
        "json": "\n".join(_strings({k: v for k, v in json.loads(r.to_json()).items()
                                    if k not in ("values_used", "sources", "limits")})),
        "fhir": "\n".join(_strings(r.to_fhir())),
    }
    if p is None:  # a drawn result does not carry its patient
        return texts
    verdict = screen(Order.from_result(r), p)
    texts["screen"] = "\n".join([verdict.headline, verdict.range_text, verdict.calculated_text,
                                 *(f.text for f in verdict.findings)])
    return texts


def audit(r: Any, texts: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(amount, as the block writes it, as found, where) for each amount written otherwise."""
    out = []
    stated = amounts(r)
    for what, value, unit in stated:
        shown = written(value, unit)
        # another amount of the unit may lie close by (22.52 g calculated, 22.5 g dispensed)
        forms = {written(v, u) for _, v, u in stated if u == unit}
        forms |= {f"{v:,g}" for v, u in typed(r) if u == unit}
        pattern = re.compile(_NUMBER + r"\s?" + _UNITS[unit])
        for where, text in texts.items():
            for match in pattern.finditer(text):
                token = match.group(1)
                if "." not in token and "." in shown:
                    continue  # a whole amount is another amount (1,403 mg prepared)
                places = len(token.partition(".")[2])
                if unit == "mg/kg/day" and places < len(shown.partition(".")[2]):
                    continue  # the rules' own rates (1, 1.5, 2.5 mg/kg/day) are written short
                # the same amount rounded to other digits (1,403.1 for 1,403.122), not another
                # amount close by (a typed 1.71875 mg/kg/day beside 1.75 reached)
                if fmt.number(value, places) == token and token not in forms:
                    out.append((what, shown, token, where))
    return sorted(set(out))


# The words of plexodose._dosing.calculation (the Cockcroft-Gault weight, the dispensing step's
# rounding error, the "cannot be made" and rounding warnings' doses) and the screen's mg/kg/day,
# audited on their own below (they were written to 3-5 significant digits until 0.5.0).
CALCULATION_WORDS = re.compile(
    r"creatinine clearance \(Cockcroft-Gault, \w+ weight [\d.,]+ kg"
    r"|dispensed per dose: [\d.,]+ mg \([^;()]*; [+-]?[\d.,]+ mg\)"
    r"|\([\d.,]+ -> [\d.,]+ mg\), more than 10 %"
    r"|[\d.,]+ mg cannot be made from")
# The regimen as typed (1.5 mg/kg/day x 65.25 kg), echoed as typed: not an amount computed.
TYPED_RATE = re.compile(r"[\d.,]+ mg/kg/day x ")


def _elsewhere(finding: tuple[str, str, str, str]) -> bool:
    what, _, _, where = finding
    return where == "calculation" or (where == "screen" and what.startswith("mg/kg/day"))


def _apart(texts: dict[str, str]) -> dict[str, str]:
    """``texts`` with the calculation's words moved to a text of their own."""
    kept = {where: TYPED_RATE.sub("", CALCULATION_WORDS.sub("", text))
            for where, text in texts.items()}
    kept["calculation"] = "\n".join(m.group(0) for text in texts.values()
                                     for m in CALCULATION_WORDS.finditer(text))
    return kept


CASES = [(name, calc) for name in PATIENTS for calc in CALCULATORS
         if (name, calc) != ("renal", "ciclosporin")]  # eGFR 29.3 < 60: refused


@pytest.mark.parametrize(("name", "calc"), CASES)
def test_every_rendering_writes_each_amount_with_one_precision(name: str, calc: str) -> None:
    p = PATIENTS[name]
    r = CALCULATORS[calc](p)
    found = [f for f in audit(r, _apart(renderings(r, p))) if not _elsewhere(f)]
    assert found == []


def test_the_screen_and_the_rounding_warning_write_amounts_as_the_block_does() -> None:
    # oral cyclophosphamide, 72 kg: 125 mg / 72 kg = 1.7361 mg/kg/day: the block "1.74", the
    # screen "1.736"; ciclosporin, 68.9 kg: 5 x 68.9 / 2 = 172.25 mg: the warning "172.2"
    found = []
    for name, calc in (("example", "cyclophosphamide_oral"), ("tpmt", "ciclosporin")):
        r = CALCULATORS[calc](PATIENTS[name])
        found += [f for f in audit(r, _apart(renderings(r, PATIENTS[name]))) if _elsewhere(f)]
    assert found == []


def test_the_audit_catches_one_amount_at_two_precisions() -> None:
    # 0.75 g/m2 x sqrt(175 x 72 / 3600) m2 = 0.75 x 1.870829 = 1.403122 g = 1,403.12 mg
    r = px.cyclophosphamide_iv(Patient.example())
    texts = {"derivation": "pulse = 1,403.1 mg", "facts": "BSA: 1.87 m2", "fine": "1,403 mg"}
    assert audit(r, texts) == [("BSA", "1.8708", "1.87", "facts"),
                               ("calculated pulse", "1,403.12", "1,403.1", "derivation")]


# The hand-made cases: before -> after of what the audit found (issue 21).

def test_the_ivig_derivation_writes_the_dosing_weight_and_dose_as_the_block_does() -> None:
    # 143.7 kg, 168 cm, female: IBW 45.5 + 2.3 x (168 / 2.54 - 60) = 59.626 kg; adjusted
    # 59.626 + 0.4 x (143.7 - 59.626) = 93.256 kg; 0.4 g/kg/day x 93.256 = 37.302 g/day;
    # x 5 days = 186.51 g. Before: the derivation wrote 59.626, 93.256 and 37.302 beside the
    # block's 93.26 kg and 37.3 g.
    r = px.ivig(PATIENTS["heavy"])
    assert r.steps[:4] == (
        "ideal body weight (Devine, female, 168 cm) = 59.63 kg; adjusted = 59.63 + 0.4 x "
        "(143.7 - 59.63) = 93.26 kg",
        "dosing weight: adjusted body weight 93.26 kg (BMI 50.9 is above 30)",
        "daily dose = 0.4 g/kg/day x 93.26 kg = 37.3 g/day",
        "course = 37.3 g/day x 5 days = 186.51 g",
    )
    assert str(r).splitlines()[:2] == [
        "IVIg: 37.3 g daily for 5 days (total 186.51 g)",
        "  dosing weight: 93.26 kg, adjusted body weight (BMI 50.9 is above 30)"]


def test_a_pulse_states_its_bsa_to_4_decimals_in_the_block_the_derivation_and_the_screen() -> None:
    # 72 kg, 175 cm: Mosteller sqrt(175 x 72 / 3600) = sqrt(3.5) = 1.870829 m2. Before: the
    # block and the summary wrote 1.87 m2, the derivation and the screen 1.8708 m2 (and
    # 0.75 x 1.87 = 1,402.5 mg does not check against the 1,403.12 mg beside it).
    p = Patient.example()
    r = px.cyclophosphamide_iv(p)
    assert "BSA: 1.8708 m2 (mosteller)" in r._view()[1]
    assert "BSA: 1.8708 m2 (mosteller)" in r.summary
    assert r.steps[1] == "pulse = 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg, every 4 weeks"
    assert "at 1.8708 m2" in screen(Order.from_result(r), p).range_text
    # 143.7 kg, 168 cm: sqrt(168 x 143.7 / 3600) = sqrt(6.706) = 2.5896 m2 (before: 2.59)
    heavy = px.cyclophosphamide_iv(PATIENTS["heavy"])
    assert "BSA: 2.5896 m2 (mosteller)" in heavy.summary


def test_a_plan_row_states_mg_per_kg_as_dispensed_as_the_block_does() -> None:
    # 72 kg: azathioprine 2 mg/kg/day x 72 = 144 mg -> 150 mg dispensed: 150 / 72 = 2.08 mg/kg/day
    # (the block: "2.08 mg/kg/day reached; calculated 2"). Before, the plan's row said "2".
    s = plan(Patient.example(), start=START)
    target = [e for e in s if e.drug == "azathioprine" and e.kind == "dose"][-1]
    assert target.description == ("azathioprine 150 mg daily (3 x 50 mg tablet), 2.08 mg/kg/day "
                                  "(calculated 2); target dose")
    assert "2.08 mg/kg/day reached; calculated 2" in px.azathioprine(Patient.example()).summary
    # 143.7 kg: ciclosporin 5 mg/kg/day x 143.7 = 718.5 mg/day, 359.25 a dose -> 350 mg:
    # 700 / 143.7 = 4.87 mg/kg/day (before: "5 mg/kg/day")
    heavy = plan(PATIENTS["heavy"], start=START)
    first = next(e for e in heavy if e.drug == "ciclosporin" and e.kind == "dose")
    assert first.description.startswith("ciclosporin 350 mg twice daily (3 x 100 mg + 1 x 50 mg "
                                        "capsule), 4.87 mg/kg/day (calculated 5)")
    assert px.DailyDose.dispensed_mg_per_kg_day.__doc__


def test_the_reduced_range_is_written_as_the_screen_writes_it() -> None:
    # TPMT intermediate, 68.9 kg: N = 2 x 68.9 = 137.8 mg; 30 % = 41.34 mg, 80 % = 110.24 mg
    p = PATIENTS["tpmt"]
    r = px.azathioprine(p)
    assert "reduced range: N 137.8 mg x 0.3 = 41.34 mg up to x 0.8 = 110.24 mg per day" in r.steps
    assert "41.34 mg-110.24 mg/day" in screen(Order.from_result(r), p).range_text


def test_a_reduced_pulse_headline_writes_the_pulse_as_its_derivation_does() -> None:
    # age 72, creatinine 88 umol/L: 10 of 15 mg/kg x 71.33 kg = 713.3 mg. Before: the headline
    # wrote 713 mg beside the derivation's 713.3 mg and the JSON's 713.3.
    r = px.cyclophosphamide_pulse_reduction(Patient(weight="71.33 kg", age=72,
                                                    serum_creatinine="1 mg/dL"))
    assert str(r).splitlines()[0] == ("cyclophosphamide pulse: 713.3 mg (10 mg/kg, 66.7 % of "
                                      "15 mg/kg)")
    assert r.steps[0].endswith("10 mg/kg x 71.33 kg = 713.3 mg")
    assert r.to_dict()["calculated"]["dose"] == {"unit": "mg", "value": 713.3}


def test_exports_state_the_dispensed_amount_where_the_headline_does() -> None:
    # 143.7 kg: IVIg 37.302 g/day -> 35 g of Privigen 10 % (5 g steps); 350 mL a day
    r = px.ivig(PATIENTS["heavy"], product="privigen")
    assert str(r).startswith("IVIg: 35 g daily for 5 days (total 175 g)")
    data = r.to_dict()
    assert data["dispensed"]["daily_dose"] == {"unit": "g/d", "value": 35.0}
    assert data["calculated"]["daily_dose"] == {"unit": "g/d", "value": 37.302}  # full, 3 dp
    quantity = r.to_fhir()["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (quantity["value"], quantity["code"]) == (35.0, "g")  # the dispensed 35 g, in g
    row = plan(PATIENTS["heavy"], start=START, ivig_product="privigen").to_records()[0]
    assert (row["dose"], row["volume_ml"]) == (35.0, 350.0)


def _dispensed_text(r: Any) -> str:
    _, given, unit = r._administration()
    return fmt.mass_g(given) if unit == "g" else fmt.mass_mg(given)


@given(patients(renal_impairment=False, tpmt="normal", nudt15="normal"),
       st.sampled_from(AGENTS), st.sampled_from((None, "privigen", "gamunex", "gammagard")))
def test_the_headlines_dispensed_amount_is_in_the_summary_the_views_and_the_plan(
        p: Patient, agent: str, product: str | None) -> None:
    r = px.ivig(p, product=product)
    amount = _dispensed_text(r)
    headline = str(r).splitlines()[0]
    assert f"IVIg: {amount} daily" in headline
    for text in (r.summary, _untagged(r._repr_html_()), r._repr_markdown_(),
                 r.to_dict()["summary"]):
        assert amount in text
    s = plan(p, start=START, second_agent=agent, ivig_product=product, months=6)  # type: ignore[arg-type]
    first = next(e for e in s if e.kind == "dose")
    assert first.dose_text == amount and f": {amount}" in first.description
    for oral in (px.azathioprine(p), px.mycophenolate(p)):
        given_oral = _dispensed_text(oral)
        assert f": {given_oral} " in str(oral).splitlines()[0]
        assert given_oral in oral.summary and given_oral in _untagged(oral._repr_html_())
        assert given_oral in oral._repr_markdown_()
    assert audit(r, _apart(renderings(r, p))) == []


@given(results())
def test_every_drawn_result_writes_each_amount_with_one_precision(r: Any) -> None:
    # any drug, any in-protocol regimen (strategies.results): the block, derivation, warnings,
    # summary, views, JSON and FHIR texts agree on every amount's digits
    assert [f for f in audit(r, _apart(renderings(r, None))) if not _elsewhere(f)] == []
