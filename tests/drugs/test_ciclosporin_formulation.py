"""Ciclosporin states its formulation, modified, on the result (issue 21): the reference's
ciclosporin rules are the US modified ciclosporin label's (dosing-rules.md, Ciclosporin). The
reference says nothing of interchange with other formulations, so neither does the result."""

from __future__ import annotations

import datetime as dt

import jsonschema
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir_schema import schema_errors

import plexodose
from plexodose import Order, Patient, azathioprine, ciclosporin, schedule, screen

EX = Patient.example()  # 72 kg, creatinine 1 mg/dL
VALIDATOR = jsonschema.Draft202012Validator(plexodose.json_schema())


def test_the_block_and_views_name_the_formulation() -> None:
    r = ciclosporin(EX)
    headline, facts = r._view()
    # 5 mg/kg/day x 72 kg = 360 mg/day, 180 mg a dose -> 175 mg (nearest 25 mg under the cap)
    assert headline.startswith("ciclosporin (modified): 175 mg twice daily")
    assert ("formulation: modified ciclosporin (the US label the dosing and monitoring rules come "
            "from)") in facts
    assert r.formulation == "modified"
    assert "modified ciclosporin" in r._repr_html_() and "modified ciclosporin" in r._repr_markdown_()
    assert "interchangeable" not in repr(r)  # the reference does not say it
    assert azathioprine(EX).formulation is None  # no formulation named for the others
    assert not any(f.startswith("formulation:") for f in azathioprine(EX)._view()[1])


def test_json_states_it() -> None:
    data = ciclosporin(EX).to_dict()
    VALIDATOR.validate(data)
    assert data["regimen"]["formulation"] == "modified"
    assert data["drug"] == "ciclosporin"  # the drug's name is unchanged for apps
    assert azathioprine(EX).to_dict()["regimen"]["formulation"] is None


def test_fhir_medication_text_names_it_valid_and_read_back() -> None:
    r = ciclosporin(EX)
    request = r.to_fhir(subject={"reference": "Patient/p1"})
    MedicationRequest.model_validate(request)
    assert schema_errors(request) == []
    concept = request["medicationCodeableConcept"]
    assert concept["text"] == "ciclosporin (modified)"
    assert concept["coding"][0]["code"] == "3008"  # RxNorm cyclosporine, unchanged
    back = Order.from_fhir(request)
    assert back.drug == "ciclosporin"
    assert screen(back, EX).verdict == screen(r, EX).verdict


def test_schedule_fhir_names_it() -> None:
    bundle = schedule(ciclosporin(EX), start=dt.date(2026, 12, 1)).to_fhir()
    texts = {e["resource"]["medicationCodeableConcept"]["text"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "MedicationRequest"}
    assert texts == {"ciclosporin (modified)"}
    assert schema_errors(bundle) == []
