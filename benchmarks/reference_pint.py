"""The five calculators written the straightforward way: pint quantities throughout.

This is the yardstick for plexodose's speed, not a second implementation to use: each function
takes a prepared patient (quantities), checks its dose parameter with quantity comparisons,
converts with ``.to()`` and computes with quantities, as a careful pint user would. The rules and
numbers are plexodose's (imported where plexodose names them; the formulas' own coefficients come
from shared/reference/dosing-rules.md), and ``bench.py`` checks that both give the same doses
for the example patient before it times them. No trace, warnings or dispensing: the reference
does strictly less work than plexodose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pint

from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf

ureg: Any = pint.get_application_registry()  # type: ignore[no-untyped-call]
Q_ = ureg.Quantity


@dataclass(frozen=True)
class RefPatient:
    weight: Any
    height: Any
    sex: str
    age: Any
    serum_creatinine: Any

    @classmethod
    def example(cls) -> RefPatient:
        return cls(weight=Q_(72, "kg"), height=Q_(175, "cm"), sex="male", age=Q_(60, "year"),
                   serum_creatinine=Q_(1, "mg/dL"))


def _in_range(value: Any, low: Any, high: Any, name: str) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} {value} is outside {low}-{high}")


def ideal_body_weight(p: RefPatient) -> Any:
    # Devine: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over 60 inches
    base = Q_(50.0, "kg") if p.sex == "male" else Q_(45.5, "kg")
    return base + Q_(2.3, "kg/inch") * (p.height - Q_(60, "inch"))


def adjusted_body_weight(p: RefPatient) -> Any:
    ideal = ideal_body_weight(p)
    return ideal + 0.4 * (p.weight - ideal)


def creatinine_clearance(p: RefPatient, weight: Any) -> Any:
    # Cockcroft-Gault is empirical: (140 - age) x kg / (72 x mg/dL), in mL/min
    age = p.age.to("year").magnitude
    clearance = (140 - age) * weight.to("kg").magnitude / (72 * p.serum_creatinine.to("mg/dL").magnitude)
    return Q_(clearance * (0.85 if p.sex == "female" else 1.0), "mL/min")


def egfr(p: RefPatient) -> Any:
    # CKD-EPI 2021, mL/min/1.73 m2
    female = p.sex == "female"
    kappa = Q_(0.7 if female else 0.9, "mg/dL")
    alpha = -0.241 if female else -0.302
    ratio = (p.serum_creatinine / kappa).to("dimensionless").magnitude
    value = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938 ** p.age.to("year").magnitude
    return Q_(value * (1.012 if female else 1.0), "mL/min")


def ivig(p: RefPatient, g_per_kg_day: Any = None) -> Any:
    rate = Q_(0.4, "g/kg/day") if g_per_kg_day is None else g_per_kg_day
    _in_range(rate, Q_(min(ivg.SEED_REGIMENS), "g/kg/day"), Q_(ivg.MAX_G_PER_KG_DAY, "g/kg/day"),
              "g_per_kg_day")
    bmi = (p.weight / p.height**2).to("kg/m**2")
    weight = p.weight
    # Transfusion Ontario: adjusted weight when BMI > 30 and height 152.4 cm or over (below it,
    # actual weight: the rule of 2026-12-07)
    if bmi > Q_(30, "kg/m**2") and p.height >= Q_(152.4, "cm"):
        adjusted = adjusted_body_weight(p)
        weight = adjusted if p.weight >= adjusted else p.weight
    return (rate * weight).to("g/day")


def azathioprine(p: RefPatient, mg_per_kg_day: Any = None) -> Any:
    rate = Q_(2, "mg/kg/day") if mg_per_kg_day is None else mg_per_kg_day
    _in_range(rate, Q_(aza.MG_PER_KG_DAY[0], "mg/kg/day"), Q_(aza.MG_PER_KG_DAY[1], "mg/kg/day"),
              "mg_per_kg_day")
    # the cap bounds the normal dose; the renal share is a share of the capped dose
    dose = min((rate * p.weight).to("mg/day"), Q_(aza.CAP_MG_PER_DAY, "mg/day"))
    crcl = creatinine_clearance(p, min(p.weight, ideal_body_weight(p)))
    (severe, severe_share), (moderate, moderate_share) = aza.RENAL_STEPS
    if crcl <= Q_(moderate, "mL/min"):
        dose = dose * (severe_share if crcl < Q_(severe, "mL/min") else moderate_share)
    return dose


def cyclophosphamide_iv(p: RefPatient, g_per_m2: Any = None, interval: Any = None) -> Any:
    rate = Q_(0.75, "g/m**2") if g_per_m2 is None else g_per_m2
    every = Q_(4, "week") if interval is None else interval
    _in_range(rate, Q_(cyc.IV_G_PER_M2[0], "g/m**2"), Q_(cyc.IV_G_PER_M2[1], "g/m**2"), "g_per_m2")
    _in_range(every, Q_(cyc.INTERVAL_WEEKS[0], "week"), Q_(cyc.INTERVAL_WEEKS[1], "week"),
              "interval")
    bsa = (p.height * p.weight / Q_(3600, "cm*kg")).to("dimensionless") ** 0.5 * Q_(1, "m**2")
    return (rate * bsa).to("mg")


def cyclosporin(p: RefPatient, mg_per_kg_day: Any = None) -> Any:
    rate = Q_(5, "mg/kg/day") if mg_per_kg_day is None else mg_per_kg_day
    _in_range(rate, Q_(csa.MG_PER_KG_DAY[0], "mg/kg/day"), Q_(csa.MG_PER_KG_DAY[1], "mg/kg/day"),
              "mg_per_kg_day")
    return (rate * p.weight).to("mg/day")


def mycophenolate(p: RefPatient, mg_per_dose: Any = None) -> Any:
    dose = Q_(1000, "mg") if mg_per_dose is None else mg_per_dose
    _in_range(dose, Q_(mmf.MG_PER_DOSE[0], "mg"), Q_(mmf.MG_PER_DOSE[1], "mg"), "mg_per_dose")
    if egfr(p) < Q_(mmf.LOW_EGFR, "mL/min"):
        dose = min(dose, Q_(mmf.LOW_EGFR_MAX_MG_PER_DOSE, "mg"))
    return (dose * Q_(mmf.DOSES_PER_DAY, "1/day")).to("mg/day")
