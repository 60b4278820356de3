"""A screen decides on numbers and writes its words, suggestion and values used when they are
read (issue 20's speed target). What is read later must be what an eager screen would have said:
the same in every copy, pickle and comparison, and never an error of the deferred code."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Order, OrderFinding, Patient, Screening, screen
from plexodose._core import sources as src
from plexodose._screening.screen import _first_suggestion
from plexodose.strategies import orders, patients

ON = "2027-01-04"
EX = Patient.example()


def _everything(s: Screening) -> dict[str, Any]:
    """Every part of a screening a reader can ask for, read now."""
    return {
        "texts": [f.text for f in s.findings], "basis": s.basis, "range": s.range_text,
        "suggested": (s.suggested_mg, s.suggested_text), "used": s.values_used,
        "repr": repr(s), "dict": s.to_dict(),
    }


@given(order=st.one_of(orders("valid"), orders("borderline")),
       patient=patients(complete=False), allopurinol=st.booleans())
def test_every_deferred_part_reads_and_stays_the_same(order: Any, patient: Patient,
                                                       allopurinol: bool) -> None:
    s = screen(order, patient, on=ON, allopurinol=allopurinol)
    read = _everything(s)
    assert all(isinstance(t, str) and t for t in read["texts"])
    assert isinstance(read["basis"], str) and isinstance(read["range"], str)
    mg, words = read["suggested"]
    assert (mg is None) == (words == "")  # a dose comes with its words, and only then
    assert _everything(s) == read  # read twice: the same
    again = screen(order, patient, on=ON, allopurinol=allopurinol)  # not read yet
    assert again == s and hash(again.findings) == hash(s.findings)
    assert _everything(pickle.loads(pickle.dumps(again))) == read
    assert _everything(copy.deepcopy(screen(order, patient, on=ON, allopurinol=allopurinol))) \
        == read


def test_a_suggestion_is_worked_out_by_the_calculator_when_read() -> None:
    # azathioprine 100 mg twice daily (200 mg/day) for the 72 kg example: above 150 mg/day;
    # azathioprine(EX) gives 2 mg/kg/day = 144 mg, dispensed as 150 mg (whole 50 mg tablets
    # to the nearest within the cap) once daily
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX, on=ON)
    assert s.verdict == "above_hard"
    assert (s.suggested_mg, s.suggested_text) == (150.0, "150 mg daily")
    within = screen(Order(drug="azathioprine", dose="150 mg", times_per_day=1), EX, on=ON)
    assert (within.verdict, within.suggested_mg, within.suggested_text) == ("within", None, "")


def test_the_first_suggestion_that_gives_a_dose_wins() -> None:
    # a calculator that refuses gives none, and the next candidate is taken
    assert _first_suggestion((lambda: None, lambda: (25.0, "25 mg daily"),
                              lambda: (50.0, "50 mg daily"))) == (25.0, "25 mg daily")
    assert _first_suggestion(()) == (None, "")
    # mycophenolate 2,000 mg twice daily: above 1,500 mg a dose; the suggestion is the day's
    # 2,000 mg (2 x 1,000 mg, the most a dose at eGFR < 25), 1,000 mg twice daily
    s = screen(Order(drug="mycophenolate", dose="2,000 mg", times_per_day=2), EX, on=ON)
    assert (s.suggested_mg, s.suggested_text) == (2000.0, "1,000 mg twice daily")


def test_a_finding_written_later_equals_the_one_written_now() -> None:
    now = OrderFinding(dimension="per_day", category="within", text="150 mg a day",
                       source=src.SEED_AZATHIOPRINE)
    later = OrderFinding(dimension="per_day", category="within", text=lambda: "150 mg a day",
                         source=src.SEED_AZATHIOPRINE)
    assert later == now and hash(later) == hash(now)
    assert later != attrs.evolve(now, text="151 mg a day")
    assert repr(later) == repr(now) and "lambda" not in repr(later)
    assert pickle.loads(pickle.dumps(OrderFinding(
        dimension="per_day", category="within", text=lambda: "150 mg a day",
        source=src.SEED_AZATHIOPRINE))) == now


def test_a_screening_made_by_hand_keeps_its_suggestion() -> None:
    s = Screening(order=None, on=dt.date(2027, 1, 4), verdict="above_soft", findings=(),
                  suggested_mg=144.0, suggested_text="144 mg daily", basis="72 kg")
    assert (s.suggested_mg, s.suggested_text, s.basis, s.values_used) == (
        144.0, "144 mg daily", "72 kg", ())
    assert attrs.evolve(s, notes=("x",)).suggested_mg == 144.0


def test_a_screening_pickled_by_0_3_0_still_loads() -> None:
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX, on=ON)
    old = {name: getattr(s, name) for name in (
        "order", "on", "verdict", "findings", "patient", "allopurinol", "not_checked", "notes",
        "reason", "basis", "range_text", "values_used", "suggested_mg", "suggested_text")}
    loaded = Screening.__new__(Screening)
    loaded.__setstate__(old)
    assert loaded == s
    assert (loaded.suggested_mg, loaded.basis, loaded.values_used) == (
        150.0, "actual weight 72 kg", s.values_used)


@given(patient=patients(complete=False),
       on=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_dated_is_evolve_with_the_date(patient: Patient, on: dt.date) -> None:
    assert patient.dated(on) == attrs.evolve(patient, on=on)
    assert patient.dated(on).on == on


def test_dated_still_refuses_a_value_measured_after_the_date() -> None:
    weighed = Patient(weight="72 kg", measured={"weight": "2027-01-10"}, on="2027-01-12")
    try:
        weighed.dated("2027-01-04")
    except Exception as exc:  # the patient's own date check, as Patient(...) gives it
        assert type(exc).__name__ == "InputRangeError"
        assert "2027-01-10" in str(exc)
    else:
        raise AssertionError("a weight measured after the decision date was accepted")


def test_a_catalogue_changed_after_the_screen_never_changes_its_suggestion() -> None:
    # azathioprine 100 mg twice daily for the example: above 150 mg/day; the suggestion (150 mg
    # in 50 mg tablets) is worked out when read: a product registered in between must not
    # make it another dose (a 40 mg tablet would give 120 mg)
    from plexodose import CATALOGUE, OralProduct

    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX, on=ON)
    before = CATALOGUE.oral("azathioprine")
    assert before is not None
    CATALOGUE.register(OralProduct(drug="azathioprine", name="aza-40", form="tablet",
                                   strengths_mg=(40.0,), source=before.source))
    try:
        assert s.suggested_mg is None
        assert s.suggested_text.startswith("not worked out: the product catalogue changed")
        assert s.calculated_text.startswith("not worked out: the product catalogue changed")
        again = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX, on=ON)
        assert again.suggested_mg == 120.0  # 3 x 40 mg: screened anew, on the new catalogue
    finally:
        CATALOGUE.unregister("aza-40")
        CATALOGUE.register(before)
    assert screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX,
                  on=ON).suggested_mg == 150.0


def test_an_undated_patient_s_suggestion_is_worked_out_on_the_screen_s_date() -> None:
    # a patient with dated values and no on=: the screen judges them on its day (today); what
    # is worked out later is worked out on that same day, not on the day it is read
    from plexodose import CATALOGUE
    from plexodose._screening.screen import as_screened

    weighed = Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                      serum_creatinine="1 mg/dL", measured={"weight": dt.date.today()})
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), weighed)
    assert s.on == dt.date.today() and s.suggested_mg == 150.0
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    later = as_screened(weighed, tomorrow, CATALOGUE.snapshot())
    assert later is not None and later.on == tomorrow
    assert as_screened(weighed, tomorrow, object()) is None  # another catalogue


def test_a_suggestion_given_by_name_replaces_the_worked_out_one() -> None:
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), EX, on=ON)
    changed = attrs.evolve(s, suggested_mg=50.0, suggested_text="50 mg daily")
    assert (changed.suggested_mg, changed.suggested_text) == (50.0, "50 mg daily")
    assert changed != s  # equality sees the suggestion
    assert attrs.evolve(s, notes=s.notes) == s


def test_a_0_3_0_finding_pickle_state_loads() -> None:
    finding = OrderFinding.__new__(OrderFinding)
    finding.__setstate__({"dimension": "per_day", "category": "within", "text": "150 mg a day",
                          "source": src.SEED_AZATHIOPRINE, "warning": False})
    assert finding == OrderFinding(dimension="per_day", category="within", text="150 mg a day",
                                   source=src.SEED_AZATHIOPRINE)


@given(patient=patients(complete=False), order=orders("valid"),
       on=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_the_patient_screened_is_the_patient_dated_on_the_screen_s_date(
        patient: Patient, order: Any, on: dt.date) -> None:
    """A patient whose checks never read the date is copied only when the screening's patient
    is read: what is read is the patient dated ``on``, as an eager screen gave it, and the
    verdict is the one decided on the dated patient."""
    lazy = screen(order, patient, on=on)
    eager = screen(order, patient.dated(on), on=on)
    assert lazy.patient == patient.dated(on) and lazy.patient.on == on
    assert lazy == eager and _everything(lazy) == _everything(eager)
    assert pickle.loads(pickle.dumps(screen(order, patient, on=on))) == eager
    assert copy.copy(screen(order, patient, on=on)).patient.on == on


def test_a_patient_carrying_another_date_is_judged_on_the_screen_s() -> None:
    # the example carried 2026-12-01; screened on 2027-01-04 it is that day's patient, and its
    # suggestion (100 mg twice daily is above 150 mg/day: 150 mg) is worked out on that day
    carried = EX.dated("2026-12-01")
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), carried, on=ON)
    assert s.on == dt.date(2027, 1, 4) and s.suggested_mg == 150.0
    assert s.patient.on == dt.date(2027, 1, 4) and carried.on == dt.date(2026, 12, 1)
    assert screen(Order(drug="azathioprine", dose="100 mg", times_per_day=1), EX.dated(ON),
                  on=ON).patient is not None


def test_a_subclass_s_own_checks_run_on_the_screen_s_date_when_screened() -> None:
    """A host's Patient subclass may check the date itself: it is dated when screened, so its
    refusal comes from screen(), never later from reading the screening."""
    from plexodose import PlexodoseError
    from plexodose._core.errors import InputRangeError

    @attrs.frozen
    class NoWeekends(Patient):
        def __attrs_post_init__(self) -> None:
            super().__attrs_post_init__()
            if self.on is not None and self.on.weekday() >= 5:
                raise InputRangeError("no screening at weekends", field="on", value=self.on)

    host = NoWeekends(weight="72 kg")
    order = Order(drug="mycophenolate", dose="500 mg", times_per_day=2)
    assert screen(order, host, on="2027-01-04").patient.on == dt.date(2027, 1, 4)  # a Monday
    try:
        screen(order, host, on="2027-01-09")  # a Saturday
    except PlexodoseError as exc:
        assert "weekends" in str(exc)
    else:
        raise AssertionError("a subclass's own date check did not run when screened")


def test_a_screening_rebuilt_on_another_day_keeps_its_patient_s_own_date() -> None:
    """Second reading: a screening rebuilt with another ``on`` (attrs.evolve, or made by hand)
    works out what plexodose would give on the patient's own date, as before; reading it or
    printing it never raises."""
    weighed = Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                      serum_creatinine="1 mg/dL", measured={"weight": "2027-01-01"}, on=ON)
    order = Order(drug="azathioprine", dose="100 mg", times_per_day=1)
    s = screen(order, weighed)
    for other in (dt.date(2026, 12, 1), dt.date(2028, 6, 1)):
        moved = attrs.evolve(s, on=other)
        assert moved.calculated_text == "150 mg daily"  # 2 mg/kg x 72 kg = 144 -> 150 mg
        assert "plexodose would give: 150 mg daily" in repr(moved)
    by_hand = Screening(order=order, on=dt.date(2026, 12, 1), verdict="within", findings=(),
                        patient=weighed)
    assert by_hand.calculated_text == "150 mg daily"
