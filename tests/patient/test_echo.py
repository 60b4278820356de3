"""Values echoed as typed (issue 21): a Patient keeps the text each quantity was read from, and
every result's "values used" shows it, with the canonical value beside it where the reading
changed the number. Pickles of 0.1.0 and 0.2.0, which kept no text, still load."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Q_, Patient, azathioprine, ivig
from plexodose._core.units import Canonical, Kilograms

DATA = Path(__file__).parent.parent / "data"


def used(p: Patient) -> list[str]:
    return [str(v) for v in ivig(p).values_used]


def test_values_used_show_what_was_typed_and_the_canonical_value_beside_it() -> None:
    p = Patient(weight="158 lb", height="5 ft 9 in", sex="female", age=60,
                serum_creatinine="80 umol/L", baseline_creatinine="0.9 mg/dL")
    assert used(p) == [
        "weight 158 lb (71.668 kg) (date not stated)",  # 158 x 0.45359237 = 71.66759446
        "height 5 ft 9 in (175.26 cm) (date not stated)",  # 69 in x 2.54
        "serum creatinine 80 umol/L (0.905 mg/dL) (date not stated)",  # 80 x 0.011312 = 0.90496
        "baseline creatinine 0.9 mg/dL (date not stated)",  # typed in the canonical unit
    ]
    assert ivig(p).to_dict()["values_used"][2]["value"] == "80 umol/L (0.905 mg/dL)"
    assert "    serum creatinine 80 umol/L (0.905 mg/dL) (date not stated)\n" in repr(ivig(p))


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("72 kg", "72 kg"),  # nothing converted: nothing added
        ("72.0 kg", "72.0 kg"),  # as typed
        ("72 kilos", "72 kilos"),  # the number is the kg figure already
        ("  72   kg ", "72 kg"),  # spaces collapsed
        ("72000 g", "72000 g (72 kg)"),
        ("11 st 4 lb", "11 st 4 lb (71.668 kg)"),  # 158 lb x 0.45359237
        ("7.2e1 kg", "7.2e1 kg (72 kg)"),  # the leading 7.2 is not the value
    ],
)
def test_the_weight_echo(typed: str, shown: str) -> None:
    assert Patient(weight=typed).value_used("weight").text == shown  # type: ignore[union-attr]


def test_a_quantity_is_not_typed_text_and_shows_the_canonical_value() -> None:
    # a Quantity was not typed, and its unit names are its registry's: 150 lb x 0.45359237
    p = Patient(weight=Q_(150, "lb"), serum_creatinine=Q_(80, "umol/L"))
    assert p.weight_kg.typed is None  # type: ignore[attr-defined]
    assert used(p) == ["weight 68.039 kg (date not stated)",
                       "serum creatinine 0.905 mg/dL (date not stated)"]


def test_a_replaced_value_never_shows_the_old_text() -> None:
    p = Patient(weight="158 lb", height="175 cm")
    heavier = attrs.evolve(p, weight=Q_(75, "kg"))  # as review() recalculates on a new weight
    assert heavier.value_used("weight").text == "75 kg"  # type: ignore[union-attr]
    retyped = attrs.evolve(p, weight="12 st")  # 12 x 6.35029318 = 76.20351816
    assert retyped.value_used("weight").text == "12 st (76.204 kg)"  # type: ignore[union-attr]
    taller = attrs.evolve(p, height="180 cm")  # the weight keeps its own text
    assert taller.value_used("weight").text == "158 lb (71.668 kg)"  # type: ignore[union-attr]


def test_the_typed_text_is_immutable_and_outside_equality() -> None:
    p = Patient(weight="158 lb")
    with pytest.raises(AttributeError):
        p.weight_kg._typed = "72 kg"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        p.weight_kg.typed = "72 kg"  # type: ignore[attr-defined,misc]
    assert p.weight_kg.typed == "158 lb"  # type: ignore[attr-defined]
    same = Patient(weight="71.66759446 kg")  # 158 x 0.45359237, typed in kg
    assert same == p and hash(same) == hash(p)
    assert same.value_used("weight").text == "71.66759446 kg"  # type: ignore[union-attr]


def test_the_typed_text_survives_pickle_and_copy() -> None:
    import copy

    p = Patient(weight="11 st 4 lb", serum_creatinine="80 umol/L")
    for again in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), copy.copy(p)):
        assert again == p
        assert again.value_used("weight").text == "11 st 4 lb (71.668 kg)"  # type: ignore[union-attr]
    result = azathioprine(p)
    assert pickle.loads(pickle.dumps(result)).values_used == result.values_used


def test_a_canonical_value_pickled_by_0_2_0_loads_without_text() -> None:
    # Kilograms had no slots in 0.2.0: its pickle is copyreg.__newobj__(Kilograms, 72.0), no state
    old = Kilograms.__new__(Kilograms, 72.0)
    assert old.typed is None and old.echo() == "72 kg"


def test_pickles_written_by_0_2_0_still_load() -> None:
    # made by tests/data/make_pickles_0_2_0.py with plexodose 0.2.0 (commit 55c6dcb)
    with (DATA / "pickles-0.2.0.pkl").open("rb") as file:
        loaded = pickle.load(file)
    p = loaded["dated"]
    assert p == Patient(weight="158 lb", height="175 cm", sex="female", age=60,
                        serum_creatinine="80 umol/L", measured={"weight": "2026-11-30"},
                        origins={"weight": "Observation/w1"}, on="2026-12-02")
    assert p.weight_kg.typed is None  # 0.2.0 kept no text: the canonical value is shown
    assert str(p.value_used("weight")) == "weight 71.668 kg (measured 2026-11-30, Observation/w1)"
    assert repr(p) == ("Patient(weight='71.66759446 kg', height='175 cm', sex='female', age=60, "
                       "serum_creatinine='0.90496 mg/dL', measured={'weight': '2026-11-30'}, "
                       "origins={'weight': 'Observation/w1'}, on='2026-12-02')")
    assert eval(repr(p), {"Patient": Patient}) == p
    assert loaded["patient"] == Patient.example()
    dose = loaded["azathioprine"]  # its values used as 0.2.0 wrote them
    assert dose.daily_dose_mg == pytest.approx(143.33518892)  # 2 mg/kg x 71.66759446 kg
    assert [v.text for v in dose.values_used] == ["71.6676 kg", "175 cm", "0.90496 mg/dL"]
    labs = loaded["labs"]
    assert labs.value("wbc") == 3.1 and labs.origins == {"wbc": "Observation/w1"}


def test_pickles_written_by_0_1_0_show_the_canonical_values() -> None:
    with (DATA / "pickles-0.1.0.pkl").open("rb") as file:
        p = pickle.load(file)["patient"]
    assert used(p) == ["weight 72 kg (date not stated)", "height 175 cm (date not stated)",
                       "serum creatinine 1 mg/dL (date not stated)"]


@given(st.floats(30, 300), st.sampled_from([("kg", 1.0), ("lb", 0.45359237), ("g", 0.001)]))
def test_the_echo_holds_the_typed_text_and_reads_back(kg: float, unit: tuple[str, float]) -> None:
    word, factor = unit
    typed = f"{kg / factor!r} {word}"
    value = Patient(weight=typed).weight_kg
    text = Patient(weight=typed).value_used("weight").text  # type: ignore[union-attr]
    assert isinstance(value, Canonical) and text.startswith(typed)
    # the canonical value beside it exactly when the number typed is not the kg figure
    assert text.endswith(" kg)") == (float(typed.split()[0]) != value)


def test_json_of_a_typed_value() -> None:
    exported = ivig(Patient(weight="158 lb")).to_dict()["values_used"]
    assert exported == [{"name": "weight", "value": "158 lb (71.668 kg)", "measured": None,
                         "origin": None, "confirmed": None}]
    json.dumps(exported)
