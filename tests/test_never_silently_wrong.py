"""Never silently wrong, by construction: one test per class of defect, then properties.

Each ``test_class_N_*`` holds one class of the issue: a returned object that was a live handle,
text that followed the host's pint settings, impossible intermediate values, rounding across a
cap, a daily limit checked per dose, missing maxima, genotype combinations, ids shared across
patients, shared state under threads, unbounded memory, escapes that were not a PlexodoseError,
the batch audit (tests/test_batch.py) and text that contradicted the numbers. The properties at
the end run over the public strategies, overrides included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import math
import numbers
import pickle
import random
import re
import subprocess
import sys
import threading
import tracemalloc
from typing import Any

import attrs
import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import plexodose
from plexodose import (
    CATALOGUE,
    Q_,
    ContraindicationError,
    DoseRangeError,
    InputRangeError,
    IVIgProduct,
    OralProduct,
    Patient,
    PlexodoseError,
    Source,
    UnitError,
    azathioprine,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    cyclosporin,
    egfr,
    ideal_body_weight,
    ivig,
    mycophenolate,
    plan,
    ureg,
)
from plexodose._core import registry as _registry
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose.cli import main
from plexodose.strategies import patients, regimens

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal
BSA_EX = math.sqrt(175 * 72 / 3600)  # Mosteller: 1.8708 m2
LOW_EGFR = Patient(weight="60 kg", sex="female", age=70, serum_creatinine="3 mg/dL")  # eGFR 16.2


# --- 1. A returned object is never a live handle into later doses ------------------------------


def test_class_1_returned_quantities_are_not_live_handles() -> None:
    p = Patient.example()
    p.weight.ito("lb")  # each read is a fresh Quantity: the patient holds floats
    p.height.ito("inch")
    p.serum_creatinine.ito("g/L")
    assert ivig(p).daily_dose_g == pytest.approx(28.8)  # 0.4 x 72, not 0.4 x 158.7
    assert cyclosporin(p).daily_dose_mg == pytest.approx(360.0)  # 5 x 72
    assert cyclophosphamide_iv(p).dose_mg == pytest.approx(750 * BSA_EX)  # 0.75 x 1.8708 = 1,403 mg
    assert p.weight_kg == 72.0 and p.height_cm == 175.0 and p.creatinine_mg_dl == 1.0


def test_class_1_results_hand_out_fresh_quantities() -> None:
    course = ivig(EX, product="privigen")  # 28.8 g -> 30 g: 20 g + 10 g vials
    text = repr(course)
    for q, other in ((course.daily_dose, "kg/day"), (course.total_dose, "kg"),
                     (course.rounded_daily_dose, "mg/h"), (course.dosing_weight, "lb"),
                     (course.vials[0][0], "mg"), (course.dispensed.dose, "oz")):
        q.ito(other)  # in place, to another unit
    assert repr(course) == text
    assert course.rounded_daily_dose == Q_(30, "g/day") and course.total_dose == Q_(150, "g")
    dose = azathioprine(EX)
    got = dose.daily_dose
    got *= 10  # an in-place operation on what it got back
    assert dose.daily_dose == Q_(144, "mg/day")  # 2 mg/kg x 72 kg, unchanged
    s = plan(EX, start="2026-12-01")
    before = s.total_dose("IVIg")
    for event in s.filter(kind="dose"):
        event.dose.ito("kg")
    assert s.total_dose("IVIg") == before == Q_(144, "g")  # 28.8 g x 5 days


# --- 2. Text never depends on the host's pint settings -----------------------------------------

FORMATS = ["", "~", "P", "~P", "~#P", "L", "~L", "H", "~H", "C", "~C", "D", "#"]


def _texts() -> list[str]:
    s = plan(EX, start="2026-12-01", ivig_product="privigen")
    results = [ivig(EX, product="privigen"), azathioprine(EX), cyclophosphamide_iv(EX),
               ciclosporin(EX), mycophenolate(EX), cyclophosphamide_pulse_reduction(EX)]
    me = {"reference": "Patient/1"}
    return [*(repr(r) for r in results), *(r.to_json() for r in results), s.to_text(),
            s.to_csv(), s.to_json(), s.to_ics(stamp=_STAMP, subject=me),
            repr(s.to_fhir(subject=me)), repr(EX), repr(egfr(age=60, sex="male",
                                                             serum_creatinine="1 mg/dL"))]


_STAMP = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def test_class_2_text_same_under_every_pint_format_and_system(capsys: Any) -> None:
    reference = _texts()
    assert main(["dose", "ivig", "--weight", "72 kg", "--height", "175 cm", "--sex", "male"]) == 0
    cli_reference = capsys.readouterr().out
    saved = ureg.formatter.default_format
    saved_system = ureg.default_system
    try:
        for spec in FORMATS:
            ureg.formatter.default_format = spec
            assert _texts() == reference, spec
            main(["dose", "ivig", "--weight", "72 kg", "--height", "175 cm", "--sex", "male"])
            assert capsys.readouterr().out == cli_reference, spec
        ureg.default_system = "imperial"
        assert _texts() == reference
    finally:
        ureg.formatter.default_format = saved
        ureg.default_system = saved_system
    assert "IVIg: 144 g" in plan(EX, start="2026-12-01").to_text()  # 28.8 g x 5 days, never mg


def test_class_2_a_host_registry_gives_the_same_doses_and_text() -> None:
    reference = _texts()
    doses = (ivig(EX).daily_dose_g, azathioprine(EX).daily_dose_mg)
    host = pint.UnitRegistry()
    host.formatter.default_format = "~P"
    saved = pint.get_application_registry().get()
    pint.set_application_registry(host)
    try:
        p = Patient(weight=host.Quantity(72, "kg"), height=host.Quantity(1.75, "m"), sex="male",
                    age=60, serum_creatinine="88.4 umol/L", tpmt="normal", nudt15="normal")
        assert (ivig(p).daily_dose_g, azathioprine(p).daily_dose_mg) == pytest.approx(doses)
        assert ivig(p).daily_dose.check("[mass] / [time]")  # built in the host's registry
        assert _texts() == reference
    finally:
        pint.set_application_registry(saved)


# --- 3. Impossible intermediate values are refused with the reason -----------------------------


def test_class_3_negative_ideal_weight_refused() -> None:
    # Devine at 24 inches: 50 + 2.3 x (24 - 60) = -32.8 kg
    with pytest.raises(InputRangeError, match=r"ideal body weight -32\.8 kg .*plausible range"):
        ideal_body_weight(height="24 inch", sex="male")
    short = Patient(weight="40 kg", height="95 cm", sex="female", age=30, serum_creatinine="1 mg/dL")
    # 45.5 + 2.3 x (95 / 2.54 - 60) = -6.48 kg: never a dosing weight
    with pytest.raises(InputRangeError, match="Devine at 95 cm") as caught:
        ivig(short, weight_basis="ideal")
    assert caught.value.field == "ideal_body_weight"
    assert ivig(short, weight_basis="actual").daily_dose_g == pytest.approx(16.0)  # 0.4 x 40
    # Cockcroft-Gault on the lower of actual and ideal weight would be negative: refused, and
    # the actual weight may be asked for instead
    with pytest.raises(InputRangeError, match="ideal body weight"):
        azathioprine(short)
    assert azathioprine(short, crcl_weight="actual").daily_dose_mg == pytest.approx(80.0)  # 2 x 40


def test_class_3_a_weight_the_dose_does_not_use_does_not_refuse_it() -> None:
    # BMI 40 / 0.95^2 = 44.3: obese, so adjusted weight, which needs the ideal weight: refused;
    # a short patient who is not obese needs no ideal weight at all
    short_lean = Patient(weight="20 kg", height="95 cm", sex="female", age=30)
    assert ivig(short_lean).weight_basis == "actual"  # BMI 22.2: IBW never computed
    assert not any("ideal" in step for step in ivig(short_lean).steps)


@pytest.mark.filterwarnings("ignore::plexodose.PlexodoseWarning")  # Devine below 60 inches
@given(st.floats(50, 250), st.sampled_from(["female", "male"]))
def test_class_3_every_derived_weight_is_positive_or_refused(height_cm: float, sex: str) -> None:
    try:
        ideal = ideal_body_weight(height=f"{height_cm} cm", sex=sex)
    except InputRangeError as exc:
        assert exc.field == "ideal_body_weight"
        return
    assert ideal.magnitude >= 2  # the plausibility floor of a weight


# --- 4. Rounding never crosses a cap or ceiling, per dose or per day ---------------------------


def test_class_4_rounding_goes_down_at_the_ciclosporin_ceiling() -> None:
    r = ciclosporin(Patient(weight="77 kg", age=50, sex="male", serum_creatinine="1 mg/dL"))
    # 5 x 77 = 385 mg/day, 192.5 a dose; the nearest 25 mg (200) would give 400 > 385: 175
    assert r.dispensed.amount == 175 and r.dispensed.rounded == "down, to stay within the maximum"
    assert r.dispensed.amount * 2 <= 385
    assert r.cap_mg_per_day == pytest.approx(385.0)
    assert repr(r).startswith("ciclosporin: 175 mg twice daily (350 mg/day); calculated 192.5 mg")


def test_class_4_odd_strengths_never_pass_the_azathioprine_cap() -> None:
    CATALOGUE.register(OralProduct(drug="azathioprine", name="test aza 40", form="tablet",
                                   strengths_mg=(40,), source=src.AZATHIOPRINE_LABEL))
    try:
        r = azathioprine(Patient(weight="75 kg"))  # 150 mg; 160 (4 x 40) would pass: 120
        assert r.dispensed.amount == 120
        twice = azathioprine(Patient(weight="75 kg"), doses_per_day=2)  # 75 a dose: 40
        assert twice.dispensed.amount * 2 <= 150
    finally:
        CATALOGUE.unregister("test aza 40")


# --- 5. A daily limit is checked per day, whatever the number of doses -------------------------


def test_class_5_mycophenolate_low_egfr_limit_is_per_day() -> None:
    r = mycophenolate(LOW_EGFR, mg_per_dose=1000, doses_per_day=3, override="trial protocol")
    # eGFR 16.2 < 25: at most 2,000 mg a day -> 666.67 mg a dose; 750 (3 x 250) would pass: 500
    assert r.daily_dose_mg == pytest.approx(2000.0) and r.cap_applied
    assert r.dispensed.amount == 500 and r.dispensed.amount * 3 <= 2000
    assert r.cap_mg_per_day == 2000
    assert not any("respected" in step for step in r.steps)
    assert "4,500" not in repr(r)


def test_class_5_no_cap_line_above_what_the_day_allows() -> None:
    r = mycophenolate(EX, doses_per_day=3, override="trial protocol")  # 1,000 x 3 = 3,000
    assert r.cap_mg_per_day == 3000  # 1,500 x 3 = 4,500 per dose, but 3,000 a day at most
    assert "limit: 3,000 mg per day" in repr(r) and "4,500" not in repr(r)


# --- 6. The reference's maxima ----------------------------------------------------------------


def test_class_6_oral_cyclophosphamide_200_mg_a_day() -> None:
    r = cyclophosphamide_oral(Patient(weight="130 kg"))  # 2 x 130 = 260 -> 200 mg/day
    assert r.daily_dose_mg == 200 and r.cap_applied
    assert src.ORAL_CYCLOPHOSPHAMIDE_MAX in r.sources


def test_class_6_cyclops_pulse_at_most_1_2_g() -> None:
    p = Patient(weight="130 kg", age=50, serum_creatinine="1 mg/dL")
    r = cyclophosphamide_pulse_reduction(p)  # 15 mg/kg x 130 kg = 1,950 -> 1,200 mg
    assert r.dose_mg == 1200 and r.cap_applied and src.CYCLOPS_PULSE_MAX in r.sources
    wider = cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500, override="summary's 1.5 g")
    assert wider.dose_mg == 1500
    with pytest.raises(DoseRangeError):  # no source gives more than 1.5 g
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1600, override="more")
    with pytest.raises(DoseRangeError):  # 1.5 g is a secondary figure: it needs a reason
        cyclophosphamide_pulse_reduction(p, max_pulse_mg=1500)


# --- 7. Genotype combinations ------------------------------------------------------------------


def test_class_7_tpmt_indeterminate_with_nudt15_intermediate_is_both_reduced() -> None:
    r = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="intermediate"))
    assert r.daily_dose_mg == pytest.approx(24.0)  # 2 x 60 = 120 x 20 % (both-intermediate row)
    assert any("CPIC 20 % to 50 %" in step for step in r.steps)


def test_class_7_nudt15_indeterminate_advises_monitoring_not_an_assay() -> None:
    r = azathioprine(Patient(weight="60 kg", tpmt="normal", nudt15="indeterminate"))
    assert r.daily_dose_mg == pytest.approx(36.0)  # one gene as intermediate: 120 x 30 %
    advice = " ".join(r.warnings)
    assert "no NUDT15 activity assay exists" in advice and "measure TPMT activity" not in advice
    assert src.NUDT15_INDETERMINATE in r.sources
    both = azathioprine(Patient(weight="60 kg", tpmt="indeterminate", nudt15="indeterminate"))
    assert both.daily_dose_mg == pytest.approx(24.0)  # both as intermediate: 120 x 20 %


# --- 8. Ids are unique per patient (more in tests/test_exports.py) ----------------------------


def test_class_8_two_patients_on_one_plan_share_no_id() -> None:
    s = plan(EX, start="2026-12-01")
    one = s.to_fhir(subject={"reference": "Patient/1"})
    two = s.to_fhir(subject={"reference": "Patient/2"})
    ids = lambda b: {e["resource"]["id"] for e in b["entry"]}  # noqa: E731
    assert not ids(one) & ids(two) and len(ids(one)) == len(one["entry"])
    assert ids(one) == ids(s.to_fhir(subject={"reference": "Patient/1"}))  # stable
    with pytest.raises(InputRangeError):
        s.to_fhir(subject={"reference": ""})


# --- 9. Shared state under threads -------------------------------------------------------------


def test_class_9_re_registering_a_product_never_disturbs_a_dose() -> None:
    expected = (ivig(EX, product="privigen").dispensed, azathioprine(EX).dispensed)
    privigen = CATALOGUE.ivig("privigen")
    tablets = CATALOGUE.oral("azathioprine")
    stop = threading.Event()
    problems: list[Any] = []

    def register() -> None:
        while not stop.is_set():
            CATALOGUE.register(privigen)  # identical products, again and again
            CATALOGUE.register(tablets)

    def dose() -> None:
        for _ in range(1500):
            try:
                got = (ivig(EX, product="privigen").dispensed, azathioprine(EX).dispensed)
            except Exception as exc:  # any refusal or crash is a defect here
                problems.append(exc)
                return
            if got != expected:
                problems.append(got)
                return

    writer = threading.Thread(target=register)
    workers = [threading.Thread(target=dose) for _ in range(6)]
    writer.start()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    writer.join()
    assert problems == []


# --- 10. Memory stays bounded whatever callers type --------------------------------------------

_PREFIXES = ["", "k", "m", "u", "n", "p", "c", "d", "M", "G", "T", "da", "h", "f", "a", "z", "y"]
_WORDS = ["g", "gram", "grams", "lb", "pound", "pounds", "oz", "stone", "ton", "tonne", "t"]


def _spellings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:  # accepted: prefixed mass words, with ratios that cancel
            out.append(f"{rng.uniform(1, 99):.3f} {rng.choice(_PREFIXES)}{rng.choice(_WORDS)}")
        elif kind == 1:
            out.append(f"72 kg*{rng.choice(_PREFIXES)}m/{rng.choice(_PREFIXES)}m")
        elif kind == 2:  # refused: made-up words
            out.append(f"72 {''.join(rng.choices('qwxzjv', k=rng.randint(3, 9)))}")
        else:  # refused: wrong dimension
            out.append(f"72 {rng.choice(_PREFIXES)}{rng.choice(['m', 'L', 's', 'mol'])}")
    return out


def _read_all(texts: list[str]) -> None:
    for text in texts:
        with contextlib.suppress(PlexodoseError):
            u.to_float(text, "weight", u.MASS)


def test_class_10_caches_are_bounded_and_pint_does_not_grow() -> None:
    reg = u.registry()
    _read_all(_spellings(4000, seed=1))  # warm every vocabulary word once
    pint_sizes = (len(reg._units), len(reg._cache.parse_unit))
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _read_all(_spellings(30000, seed=2))  # 30,000 spellings, most never seen
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(u._factors) <= u.FACTOR_CACHE_SIZE and len(u._words) <= u.FACTOR_CACHE_SIZE
    # no prefixed spelling became a new pint unit, and pint's parse cache took no caller text
    assert (len(reg._units), len(reg._cache.parse_unit)) == pint_sizes
    assert grown < 1_000_000, grown  # bytes, whatever the variety (the caches are full by now)


def test_class_10_the_patients_memo_of_spellings_is_bounded() -> None:
    from plexodose._patient import patient as _patient

    def make_all(seed: int, n: int) -> None:
        rng = random.Random(seed)
        for _ in range(n):
            with contextlib.suppress(PlexodoseError):
                Patient(weight=f"{rng.uniform(40, 140):.4f} {rng.choice(['kg', 'lb', 'g'])}",
                        height=f"{rng.uniform(150, 200):.4f} cm")

    tracemalloc.start()  # before the memo fills, so that its own entries are traced too
    make_all(1, 4000)  # 8,000 spellings: the memo full
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    make_all(2, 30000)  # 60,000 spellings, none seen before (unbounded, ~14 MB)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert 0 < len(_patient._readings) <= _patient.READINGS_CACHE_SIZE
    assert grown < 500_000, grown  # entries replaced, not added (the memo is ~0.7 MB full)


def test_class_10_a_bounded_cache_forgets_its_oldest_first() -> None:
    cache = u.BoundedCache(16)
    for n in range(100):
        cache.put(n, str(n))
        assert len(cache) <= 16
    assert cache.get(99) == "99" and cache.get(0) is None  # the newest kept, the oldest gone


# --- 11. Escapes that were not a PlexodoseError -------------------------------------------------


def test_class_11_subnormal_rounding_step_refused() -> None:
    with pytest.raises(InputRangeError) as caught:
        ivig(EX, product="privigen", round_to_g=5e-324)
    assert caught.value.field == "round_to_g"
    status = main(["dose", "ivig", "--weight", "72 kg", "--product", "privigen",
                   "--round-to-g", "1e-320"])
    assert status == 3  # a refusal, never 1 (an internal error)


def test_class_11_egfr_unpickles_in_a_fresh_process() -> None:
    value = egfr(age=60, sex="male", serum_creatinine="1 mg/dL")
    code = ("import pickle, sys; v = pickle.loads(sys.stdin.buffer.read()); "
            "print(round(v.to('mL/min/m**2').magnitude, 2), round(v.magnitude, 2))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(value),
                          capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["49.8", "86.16"]  # 86.16 / 1.73 = 49.8


def test_class_11_another_registry_s_unit_is_read_in_that_registry() -> None:
    other = pint.UnitRegistry()
    other.define("smoot = 170.18 cm")  # a unit the application registry does not have
    p = Patient(weight=other.Quantity(72, "kg"), height=other.Quantity(1, "smoot"))
    assert p.height_cm == pytest.approx(170.18)


def test_class_11_grain_is_refused_in_every_spelling() -> None:
    for text in ("72 gr", "1100 kgr", "5 grain", "72 mgr"):
        with pytest.raises(UnitError, match="apothecary"):
            Patient(weight=text)


class _BadFloat:
    """A number type whose conversion to float fails (a host's own numeric class)."""

    def __float__(self) -> float:
        raise RuntimeError("no float for you")

    def __repr__(self) -> str:
        return "_BadFloat()"


numbers.Real.register(_BadFloat)


def test_class_11_a_number_whose_float_fails_is_refused() -> None:
    with pytest.raises(InputRangeError):
        ivig(EX, g_per_kg_day=_BadFloat())
    with pytest.raises(UnitError):
        Patient(weight=_BadFloat())


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\x00b", "a\x1bb", "a\u2028b", "a\u2029b",
                                  "a\x85b", "a\x7fb"])
def test_class_11_control_characters_refused_where_they_come_in(text: str) -> None:
    with pytest.raises(InputRangeError):
        ivig(EX, g_per_kg_day=1, days=3, override=text)
    with pytest.raises(InputRangeError):
        IVIgProduct(name=f"IVIg {text}", vial_sizes_g=(5,), source=src.PRIVIGEN_LABEL)
    with pytest.raises(InputRangeError):
        Patient(weight="72 kg", age=16, minor_override=text)


# --- 13. Text never contradicts the numbers ----------------------------------------------------


def test_class_13_headline_and_derivation_state_the_dispensed_course() -> None:
    r = ivig(EX, product="privigen")  # 28.8 g -> 30 g/day (20 + 10 g vials); 30 x 5 = 150 g
    assert repr(r).splitlines()[0] == "IVIg: 30 g daily for 5 days (total 150 g)"
    assert "course as dispensed = 30 g/day x 5 days = 150 g" in r.steps


def test_class_13_no_conversion_noise_in_any_text() -> None:
    p = Patient(weight="130 lb", height="5 ft", sex="female", age=60, serum_creatinine="1 mg/dL")
    texts = [repr(ivig(p, weight_basis="adjusted")), repr(azathioprine(p)), repr(p)]
    assert not any(re.search(r"\d\.\d{6,}", text) for text in texts), texts
    assert not any("below 60 inches" in text for text in texts)  # 5 ft is 60 inches exactly


def test_class_13_every_source_writes_thousands_with_a_separator() -> None:
    for rule in _registry.registry():
        text = str(rule.source)
        for number in re.findall(r"(?<![\d.,-])\d{4,}(?![\d,-])", text):  # not LOINC codes
            assert 1900 <= int(number) <= 2100, (rule.name, text)  # only years stay bare


def test_class_13_the_ciclosporin_derivation_shows_the_reduced_dose() -> None:
    p = Patient(weight="80 kg", serum_creatinine="1.25 mg/dL", baseline_creatinine="1 mg/dL")
    r = ciclosporin(p, mg_per_kg_day=3)  # 3 x 80 = 240; +25 % creatinine: cut 50 % -> 120
    assert "reduced: 240 mg/day x 0.5 = 120 mg/day" in r.steps


def test_class_13_json_names_calculated_and_dispensed() -> None:
    data = azathioprine(EX).to_dict()  # 144 mg calculated, 150 mg (3 x 50 mg) dispensed
    assert data["calculated"]["daily_dose"]["value"] == 144.0
    assert data["dispensed"]["per_dose"]["value"] == 150.0


# --- Properties: the guard's rules over the public strategies, overrides included ---------------

CALCULATORS = {
    "ivig": ivig,
    "azathioprine": azathioprine,
    "cyclophosphamide_oral": cyclophosphamide_oral,
    "cyclophosphamide_iv": cyclophosphamide_iv,
    "ciclosporin": ciclosporin,
    "mycophenolate": mycophenolate,
    "cyclophosphamide_pulse_reduction": cyclophosphamide_pulse_reduction,
}


def _overridden(drug: str) -> st.SearchStrategy[dict[str, Any]]:
    """Regimens outside the protocol, each with a reason: the hard limits must still hold."""
    reason = st.just({"override": "prescriber's decision"})
    wide = {
        "ivig": st.fixed_dictionaries({"g_per_kg_day": st.floats(0.1, 1.0),
                                       "days": st.integers(1, 4),
                                       "product": st.sampled_from((None, "privigen", "gamunex"))}),
        "azathioprine": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.2, 4.0),
                                               "doses_per_day": st.sampled_from((1, 2))}),
        "cyclophosphamide_oral": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.2, 2.0)}),
        "cyclophosphamide_iv": st.fixed_dictionaries({"g_per_m2": st.floats(0.1, 1.6),
                                                      "interval_weeks": st.floats(2.0, 8.0)}),
        "ciclosporin": st.fixed_dictionaries({"mg_per_kg_day": st.floats(0.5, 5.0)}),
        "mycophenolate": st.fixed_dictionaries({"mg_per_dose": st.floats(100, 1000),
                                                "doses_per_day": st.integers(1, 3)}),
        "cyclophosphamide_pulse_reduction": st.fixed_dictionaries(
            {"max_pulse_mg": st.floats(100, 1500)}),
    }[drug]
    return st.tuples(wide, reason).map(lambda pair: {**pair[0], **pair[1]})


def _per_dose(result: Any) -> tuple[float, float, int]:
    """(calculated, given) per administration and administrations a dosing day."""
    if hasattr(result, "daily_dose_g"):
        return result.daily_dose_g, result.given_daily_dose_g, 1
    if hasattr(result, "per_dose_mg"):
        return result.per_dose_mg, result.given_per_dose_mg, result.doses_per_day
    return result.dose_mg, result.dose_mg, 1


def _guard_holds(result: Any) -> None:
    calculated, given, per_day = _per_dose(result)
    for amount in (calculated, given):
        assert math.isfinite(amount) and amount > 0
    for lim in getattr(result, "limits", ()):
        for amount in (calculated, given):
            total = amount if lim.per == "dose" else amount * per_day
            assert total <= lim.amount * (1 + 1e-9), (lim, amount)
    weight = getattr(result, "dosing_weight_kg", None)
    assert weight is None or (math.isfinite(weight) and weight > 0)
    assert result.steps and result.sources and all(isinstance(s, Source) for s in result.sources)
    if getattr(result, "dispensed", None) is not None:
        assert result.dispensed.calculated == pytest.approx(calculated, rel=1e-12)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data(), patients(complete=False), st.sampled_from(sorted(CALCULATORS)), st.booleans())
def test_property_the_guard_holds_for_every_result(data: Any, p: Patient, drug: str,
                                                   override: bool) -> None:
    kwargs = data.draw(_overridden(drug) if override else regimens(drug))
    try:
        result = CALCULATORS[drug](p, **kwargs)
    except PlexodoseError:
        return  # a refusal is always allowed: what is never allowed is a wrong result
    _guard_holds(result)


@settings(max_examples=15, deadline=None)
@given(patients(), st.sampled_from(["~P", "~#P", "~L", "H", "D"]))
def test_property_text_same_under_any_pint_format(p: Patient, spec: str) -> None:
    results = []
    for drug in ("ivig", "azathioprine", "mycophenolate"):
        try:
            results.append(CALCULATORS[drug](p))
        except PlexodoseError:
            continue
    before = [(repr(r), r.to_json()) for r in results]
    saved = ureg.formatter.default_format
    ureg.formatter.default_format = spec
    try:
        assert [(repr(r), r.to_json()) for r in results] == before
    finally:
        ureg.formatter.default_format = saved


def test_property_results_equal_after_pickling_in_a_fresh_process() -> None:
    rng = random.Random(8)
    results: list[Any] = []
    while len(results) < 60:
        p = Patient(weight=f"{rng.uniform(40, 140):.1f} kg", height=f"{rng.uniform(150, 200):.0f} cm",
                    sex=rng.choice(["female", "male"]), age=rng.randint(18, 90),
                    serum_creatinine=f"{rng.uniform(0.5, 2.5):.2f} mg/dL",
                    tpmt=rng.choice(["normal", "intermediate"]), nudt15="normal")
        drug = rng.choice(sorted(CALCULATORS))
        try:
            results.append(CALCULATORS[drug](p))
        except PlexodoseError:
            continue
    code = ("import pickle, sys, json; rs = pickle.loads(sys.stdin.buffer.read()); "
            "print(json.dumps([[repr(r), r.to_json()] for r in rs]))")
    done = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(results),
                          capture_output=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    import json

    assert json.loads(done.stdout) == [[repr(r), r.to_json()] for r in results]
    assert [pickle.loads(pickle.dumps(r)) for r in results] == results


def test_results_are_frozen() -> None:
    r = azathioprine(EX)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        r.daily_dose_mg = 1000.0  # type: ignore[misc]
    with pytest.raises(ContraindicationError):  # and a patient's data may still refuse a drug
        ciclosporin(LOW_EGFR)
    assert plexodose.__version__


# --- found by the second reading, fixed where they arose ---------------------------------------

@pytest.mark.parametrize("text", [
    "1 \u039cg",  # Greek capital Mu, not "u" or "m"
    "72 \u212ag",  # the Kelvin sign, not "k"
    "72 \u039ckg",
    "\u0667\u0662 kg",  # Arabic-Indic digits
    "\uff17\uff12 kg",  # full-width digits
    "72 m**\u0662",
])
def test_class_11_look_alike_letters_and_digits_are_refused(text: str) -> None:
    with pytest.raises(UnitError):
        Patient(weight=text)


@pytest.mark.parametrize("text", [
    "72 kg*Ym**13/m**13",  # overflows a float: was an OverflowError
    "72 kg*ym**13*nm*mm*Ym**12*Ym*Gm*hm*dam/m**31",  # through subnormals: was 71.86 kg
    "72 kg*m*m*m*m*m*m*m*m/m**8",  # more unit words than any unit has
])
def test_class_11_units_out_of_any_scale_are_refused(text: str) -> None:
    with pytest.raises(UnitError):
        Patient(weight=text)
    with pytest.raises(UnitError):
        Patient(weight=Q_(72, "kg") * ureg.Ym**13 / ureg.m**13)
    assert main(["dose", "ivig", "--weight", text]) == 3  # a refusal, never an internal error


def test_class_3_a_stored_value_is_never_read_as_another_field() -> None:
    a = Patient(weight="72 kg", height="170 cm", sex="female", age=60, serum_creatinine="0.9 mg/dL")
    with pytest.raises(UnitError):  # a creatinine (mg/dL) is not a weight
        Patient(weight=a.creatinine_mg_dl)
    with pytest.raises(UnitError):  # nor a height
        attrs.evolve(a, weight=a.height_cm)
    assert Patient(weight=a.weight_kg).weight_kg == 72.0  # a weight is a weight
    assert attrs.evolve(a, weight="80 kg").height_cm == 170.0


def test_class_8_identifier_subjects_cannot_run_into_each_other() -> None:
    s = plan(EX, start="2026-12-01")
    one = s.to_ics(stamp=_STAMP, subject={"identifier": {"system": "urn:oid:1.2|3", "value": "45"}})
    two = s.to_ics(stamp=_STAMP, subject={"identifier": {"system": "urn:oid:1.2", "value": "3|45"}})
    uids = lambda text: {line for line in text.splitlines() if line.startswith("UID:")}  # noqa: E731
    assert not uids(one) & uids(two)


def test_class_12_the_audit_refuses_what_the_calculator_refuses() -> None:
    """95 cm: Devine's ideal weight is -6.5 kg. The calculators refuse to dose on it (IVIg on the
    adjusted basis when obese; azathioprine's Cockcroft-Gault); the audit must not give a range."""
    pd = pytest.importorskip("pandas")
    from plexodose.batch import audit

    short = {"weight_unit": "kg", "height": 95, "height_unit": "cm", "sex": "female", "age": 30,
             "serum_creatinine": 1, "creatinine_unit": "mg/dL"}
    rows = [{"drug": "ivig", "weight": 40, "dose": 16, "dose_unit": "g/day", **short},
            {"drug": "azathioprine", "weight": 40, "dose": 80, "dose_unit": "mg/day", **short},
            {"drug": "ivig", "weight": 20, "dose": 8, "dose_unit": "g/day", **short}]
    result = audit(pd.DataFrame(rows))
    with pytest.raises(InputRangeError):
        ivig(Patient(weight="40 kg", height="95 cm", sex="female", age=30))  # BMI 44: adjusted
    with pytest.raises(InputRangeError):
        azathioprine(Patient(weight="40 kg", height="95 cm", sex="female", age=30,
                             serum_creatinine="1 mg/dL"))
    assert list(result["status"][:2]) == ["missing_data", "missing_data"]
    assert all("ideal weight" in note for note in result["note"][:2])
    # lean (BMI 22): no ideal weight needed: 0.4 x 20 kg = 8 g, audited "ok" as the calculator
    assert ivig(Patient(weight="20 kg", height="95 cm", sex="female", age=30)).daily_dose_g == 8.0
    assert result["status"][2] == "ok"
