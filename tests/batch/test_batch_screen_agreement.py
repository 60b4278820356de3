"""One set of rules: the batch audit's category of each order equals the order screen's.

10^5 orders drawn with numpy (seeded, not hypothesis: one screen call per order is the cost)
across the drugs, weights, heights, ages, sexes, creatinine, frequencies and units, with doses
at and around every edge of each drug's rules. Each is audited in one frame and screened one by
one (:func:`plexodose.screen`); the screen's category is the worst of its findings on the
dimensions the batch audits (``plexodose.batch.SCREENED_DIMENSIONS``: per dose, per day,
frequency, condition). Interval, course and cumulative dose are not in a batch row.

They agree on every one (the seven departures this test first found were the screen's, and
were fixed there).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from plexodose import Order, Patient, PlexodoseError, screen
from plexodose._screening.verdict import RANK
from plexodose.batch import SCREENED_DIMENSIONS, audit

N = 100_000
SEED = 20_261_207
DRUGS = ("ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv", "ciclosporin",
         "mycophenolate", "cyclophosphamide_iv_mg_per_kg")
PULSES = ("cyclophosphamide_iv", "cyclophosphamide_iv_mg_per_kg")
PROTOCOL_TIMES = {"ivig": 1, "azathioprine": 1, "cyclophosphamide_oral": 1,
                  "cyclophosphamide_iv": 1, "ciclosporin": 2, "mycophenolate": 2,
                  "cyclophosphamide_iv_mg_per_kg": 1}
# Around each edge: at it, a hair either side (beyond float rounding, inside 1e-9 it is the
# edge), 1 %, 5 % and 20 % either side.
IVIG_RATES = (0.25, 1 / 3, 0.4, 0.5, 1.0)  # 1 g/kg over 4, 3, 2 days; the seed's 0.4 and 1
NEAR = np.array([1.0, 1.0, 1 - 1e-6, 1 + 1e-6, 0.99, 1.01, 0.95, 1.05, 0.8, 1.2])


def draw(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` orders: the patient's columns, the order's, and what the screen needs besides."""
    rng = np.random.default_rng(seed)
    drug = rng.choice(DRUGS, n)
    sex = rng.choice(np.array(["female", "male", None], dtype=object), n, p=[0.48, 0.48, 0.04])
    height = rng.uniform(140, 205, n).round(1)
    bmi = rng.uniform(16, 48, n)
    weight = (bmi * (height / 100) ** 2).round(1)
    heavy = rng.random(n) < 0.01  # past 200 kg: 1 mg/kg of oral cyclophosphamide passes 200 mg
    weight[heavy] = rng.uniform(200, 260, int(heavy.sum())).round(1)
    age = rng.integers(18, 96, n).astype(float)
    creatinine = np.exp(rng.normal(0.0, 0.8, n)).clip(0.3, 12).round(2)  # mg/dL
    height[rng.random(n) < 0.04] = np.nan
    age[rng.random(n) < 0.04] = np.nan
    creatinine[rng.random(n) < 0.05] = np.nan
    protocol = np.array([PROTOCOL_TIMES[d] for d in drug], dtype=float)
    times = np.where(rng.random(n) < 0.8, protocol, rng.integers(1, 5, n)).astype(float)
    times[drug == "azathioprine"] = rng.choice([1.0, 2.0, 3.0], int((drug == "azathioprine")
                                                                   .sum()), p=[0.45, 0.45, 0.1])
    unstated = rng.random(n) < 0.04  # no doses_per_day: read as the protocol's (or refused)
    times = np.where(unstated, protocol, times)
    days_per_week = np.where(rng.random(n) < 0.02, 5.0, 7.0)
    frame = pd.DataFrame({"drug": drug, "weight": weight, "weight_unit": "kg", "height": height,
                          "height_unit": "cm", "sex": sex, "age": age,
                          "serum_creatinine": creatinine, "creatinine_unit": "mg/dL",
                          "doses_per_day": np.where(unstated, np.nan, times),
                          "days_per_week": days_per_week})
    frame["times"] = times  # what the order means (the protocol's when not stated)
    # First pass: the audit's own range columns, to find the edges of dosing-weight and
    # dispensing rules; the edges by the reference's arithmetic are added beside them.
    first = audit(frame.assign(dose=1.0, dose_unit=np.where(np.isin(drug, PULSES), "mg",
                                                              "mg/day"),
                               doses_per_day=times, days_per_week=7.0))
    edges = _edges(frame, first)
    edge = edges[np.arange(n), rng.integers(0, edges.shape[1], n)]
    typical = np.where(np.isnan(edges[:, 0]), 1000.0, edges[:, 0])  # no dosing weight or BSA
    random_dose = rng.uniform(0.2, 2.5, n) * typical
    day = np.where(np.isnan(edge) | (rng.random(n) < 0.25), random_dose,
                   edge * NEAR[rng.integers(0, NEAR.size, n)])
    frame["day_mg"] = day  # per dosing day (per pulse)
    per_dose = ~np.isin(drug, PULSES) & (rng.random(n) < 0.5)  # "500 mg" x times, else a day
    in_grams = rng.random(n) < np.where(drug == "ivig", 0.9, 0.1)
    amount = np.where(per_dose, day / times, day) / np.where(in_grams, 1000.0, 1.0)
    unit = np.where(in_grams, "g", "mg")
    frame["dose"] = amount
    frame["dose_unit"] = np.where(per_dose | np.isin(drug, PULSES), unit,
                                  np.char.add(unit.astype(str), "/day"))
    return frame


def _edges(frame: pd.DataFrame, first: pd.DataFrame) -> Any:
    """Each row's edges in mg per dosing day (per pulse); NaN where a drug has fewer. Column 0
    is a typical dose (the scale of the random doses)."""
    n = len(frame)
    w = frame["weight"].to_numpy()
    bsa = np.sqrt(frame["height"].to_numpy() * w / 3600)  # Mosteller
    t = frame["times"].to_numpy()
    dosing = first["high_mg"].to_numpy() / 1000  # IVIg: 1 g/kg/day of its dosing weight
    cols = {name: first[name].to_numpy() for name in ("low_mg", "high_mg", "accepted_low_mg",
                                                      "accepted_high_mg", "cap_mg")}
    table: dict[str, list[Any]] = {
        # IVIg (g/kg/day of the dosing weight): each course's 10 % either side, its nearest 5 g
        "ivig": [400 * dosing, *(rate * 1000 * dosing * k for rate in IVIG_RATES
                                 for k in (0.9, 1.1)),
                 *(np.round(rate * dosing / 5) * 5000 for rate in IVIG_RATES), 1000 * dosing],
        "azathioprine": [1.5 * w, 1 * w, 2 * w, np.full(n, 150.0), *cols.values()],
        "mycophenolate": [np.full(n, 2000.0), 500 * t, 1500 * t, np.full(n, 1000.0),
                          np.full(n, 2000.0), np.full(n, 3000.0)],
        "ciclosporin": [3 * w, 2.5 * w, 4 * w, 5 * w, cols["accepted_low_mg"]],
        "cyclophosphamide_oral": [1.5 * w, 1 * w, 1.5 * w, 1.75 * w, 2 * w, np.full(n, 200.0),
                                  cols["accepted_low_mg"], cols["accepted_high_mg"]],
        "cyclophosphamide_iv": [750 * bsa, 300 * bsa, 1000 * bsa, 1600 * bsa,
                                cols["high_mg"]],
        "cyclophosphamide_iv_mg_per_kg": [12.5 * w, cols["low_mg"], np.full(n, 1200.0)],
    }
    width = max(len(v) for v in table.values())
    edges = np.full((n, width), np.nan)
    drug = frame["drug"].to_numpy()
    for name, values in table.items():
        rows = drug == name
        for j, value in enumerate(values):
            edges[rows, j] = np.broadcast_to(value, (n,))[rows]
    return edges


def patient_of(row: Any) -> Patient:
    def text(value: float, unit: str) -> str | None:
        return None if value is None or math.isnan(value) else f"{value!r} {unit}"
    sex = row.sex if isinstance(row.sex, str) else None
    return Patient(weight=f"{row.weight!r} kg", height=text(row.height, "cm"), sex=sex,
                   age=None if math.isnan(row.age) else row.age,
                   serum_creatinine=text(row.serum_creatinine, "mg/dL"))


def order_of(row: Any) -> Order:
    times = None if math.isnan(row.doses_per_day) else int(row.doses_per_day)
    if row.drug == "cyclophosphamide_iv_mg_per_kg":  # the screen reads a mg/kg pulse
        mg = row.dose * (1000 if row.dose_unit == "g" else 1)
        return Order(drug="cyclophosphamide_iv", dose=f"{mg / row.weight!r} mg/kg",
                     times_per_day=times, days_per_week=int(row.days_per_week))
    return Order(drug=row.drug, dose=f"{row.dose!r} {row.dose_unit}", times_per_day=times,
                 days_per_week=int(row.days_per_week))


def screened(row: Any) -> str:
    """The screen's category on the batch's dimensions (not screened where it refuses)."""
    try:
        s = screen(order_of(row), patient_of(row))
    except PlexodoseError:
        return "not_screened"
    found = [f.category for f in s.findings if f.dimension in SCREENED_DIMENSIONS]
    return max(found, key=RANK.__getitem__) if found else "not_screened"


def test_the_batch_category_is_the_screens_on_100000_orders() -> None:
    frame = draw(N)
    result = audit(frame.drop(columns=["times", "day_mg"]))
    batch = result["category"].astype(str).to_numpy()
    scalar = np.array([screened(row) for row in frame.itertuples(index=False)])
    differ = batch != scalar
    left = frame[differ].assign(batch=batch[differ], screen=scalar[differ])
    print(f"{N:,} orders, {int((~differ).sum()):,} agree; the batch's {Counter(batch)}")
    assert left.empty, left.head(20).to_string()
    assert set(batch) == set(scalar) == {"within", "below", "above_soft", "above_hard",
                                         "not_screened"}
