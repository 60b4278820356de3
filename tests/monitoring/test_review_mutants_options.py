"""The review's own refusals and options, word for word (issue 19's mutation score, ``review``).

Each refusal names its field and value and says what is accepted; each option changes what the
prescriber reads (monitoring-rules.md "Cyclophosphamide": pre-pulse counts within a week; the
``unjudged`` gap: a result no rule reads is named, flagged or noted).
"""

from __future__ import annotations

import datetime as dt
from collections import UserList
from typing import Any

import pint
import pytest

from plexodose import Labs, Patient, cyclophosphamide_iv, review
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError, MissingInputError, UnitError
from plexodose._monitoring.review import Review

P = Patient.example()  # 72 kg, 175 cm: Mosteller sqrt(72 x 175 / 3600) = 1.8708 m2
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"
PULSE = cyclophosphamide_iv(P, g_per_m2=0.5)  # 0.5 g/m2 x 1.8708 m2 = 935.41 mg
OK = Labs(date=DAY, wbc=f"6 {U}")
UNJUDGED_GAP = "[gap] plexodose (monitoring rules: a review acts on every result or says it did not judge it)"


def refused(error: type[Exception], drug: Any, labs: Any, **options: Any) -> tuple[str, str, Any]:
    options.setdefault("on", DAY)
    with pytest.raises(error) as caught:
        review(drug, labs, **options)
    return str(caught.value), caught.value.field, caught.value.value  # type: ignore[attr-defined]


def test_labs_that_are_not_labs_are_refused_naming_their_type() -> None:
    assert refused(InputRangeError, "azathioprine", {"wbc": 3}) == (
        'labs must be a plexodose.Labs, such as Labs(date="2027-01-16", wbc="3.1 x10^9/L"); got dict',
        "labs", {"wbc": 3})


def test_labs_without_a_result_are_refused() -> None:
    assert refused(MissingInputError, "azathioprine", Labs(date=DAY)) == (
        'labs carry no results to review: give at least one, such as wbc="3.1 x10^9/L"', "labs", None)


def test_a_patient_that_is_not_a_patient_is_refused_naming_its_type() -> None:
    assert refused(InputRangeError, "azathioprine", OK, patient="72 kg") == (
        "patient must be a plexodose.Patient; got str", "patient", "72 kg")


def test_unjudged_other_than_flag_or_note_is_refused() -> None:
    assert refused(InputRangeError, "azathioprine", OK, unjudged="ignore") == (
        "unjudged must be 'flag' or 'note'; got 'ignore'", "unjudged", "ignore")


def test_a_nadir_on_a_daily_drug_is_refused() -> None:
    nadir = Labs(date=DAY, wbc=f"3 {U}")
    assert refused(InputRangeError, "azathioprine", OK, nadir=nadir) == (
        "nadir applies to cyclophosphamide IV only", "nadir", nadir)


def test_allopurinol_on_another_drug_or_not_a_boolean_is_refused() -> None:
    assert refused(InputRangeError, "ciclosporin", OK, allopurinol=True) == (
        "allopurinol applies to azathioprine only", "allopurinol", True)
    assert refused(InputRangeError, "azathioprine", OK, allopurinol="yes") == (
        "allopurinol must be True or False; got 'yes'", "allopurinol", "yes")
    # allopurinol=False on another drug is no conflict
    assert review("ciclosporin", OK, on=DAY, allopurinol=False).action == "continue"


@pytest.mark.parametrize("drug", ["azathioprine", PULSE])
@pytest.mark.parametrize("bad", [0.04, 0.11])
def test_weight_change_outside_5_to_10_percent_is_refused(drug: Any, bad: float) -> None:
    # dosing-rules.md "A change in weight": 5-10 % of the dosing weight
    assert refused(InputRangeError, drug, OK, weight_change=bad) == (
        f"weight_change must be from 0.05 to 0.1 (a fraction); got {bad:g}", "weight_change", bad)


@pytest.mark.parametrize("edge", [0.05, 0.10])
def test_weight_change_of_5_or_10_percent_is_accepted(edge: float) -> None:
    assert review("azathioprine", OK, on=DAY, weight_change=edge).action == "continue"
    assert review(PULSE, OK, on=DAY, weight_change=edge).action == "continue"


def test_pre_pulse_counts_older_than_a_week_are_refused() -> None:
    # Michigan: pre-pulse labs within 1 week: 2027-03-01 on 2027-03-09 is 8 days old
    assert refused(InputRangeError, PULSE, OK, on=DAY + dt.timedelta(days=8)) == (
        "pre-pulse labs dated 2027-03-01 are 8 days old on 2027-03-09: counts before a pulse must "
        "be taken within 7 days (Michigan protocol): repeat them", "labs", DAY)
    # 7 days old (2027-03-08) is still within the week
    # 935.41 mg calculated, prepared 935 mg
    assert review(PULSE, OK, on=DAY + dt.timedelta(days=7)).proposed_text == (
        "935 mg for the next pulse (calculated 935.41 mg)")


@pytest.mark.parametrize(("option", "value"), [
    ("withheld", True), ("restart_dose", "100 mg/day"), ("current_dose", "100 mg/day"),
])
def test_daily_dose_options_are_refused_for_a_pulse(option: str, value: Any) -> None:
    assert refused(InputRangeError, PULSE, OK, **{option: value}) == (
        f"{option} does not apply to cyclophosphamide IV (the last pulse is the drug)", option, value)


def test_a_pulse_with_withheld_false_is_reviewed() -> None:
    assert review(PULSE, OK, on=DAY, withheld=False).action == "continue"


def test_neutrophils_rule_other_than_postpone_or_cut_is_refused() -> None:
    assert refused(InputRangeError, PULSE, OK, neutrophils_rule="delay") == (
        "neutrophils_rule must be 'postpone' or 'cut'; got 'delay'", "neutrophils_rule", "delay")


def test_an_unjudged_potassium_on_a_pulse_is_flagged_or_only_noted() -> None:
    labs = Labs(date=DAY, wbc=f"6 {U}", potassium="6.5 mmol/L")
    unread = "potassium 6.5 mmol/L: not judged: no rule for potassium on cyclophosphamide IV"
    flagged = review(PULSE, labs, on=DAY)
    assert flagged.action == "flag"
    assert (flagged.reasons[0].action, flagged.reasons[0].text) == (
        "flag", f"{unread}; the prescriber judges it")
    assert f"[{flagged.reasons[0].source.tag}] {flagged.reasons[0].source.citation}" == UNJUDGED_GAP
    noted = review(PULSE, labs, on=DAY, unjudged="note")
    assert noted.action == "continue"
    assert [f.action for f in noted.reasons] == ["continue", "continue"]
    assert noted.notes[-1] == unread
    # judged results only are "within": WBC 6, never the potassium no rule read
    assert noted.reasons[1].text == f"judged and within the rules' limits: WBC 6 {U}"
    assert noted.judgements[1] == unread


# --- the baseline creatinine (monitoring-rules.md "Ciclosporin": the mean of two pre-treatment
# creatinines; the 25 % rise repeats, the 50 % rise stops) ---------------------------------------

JAN1 = Labs(date=dt.date(2027, 1, 1), creatinine="0.8 mg/dL")
JAN8 = Labs(date=dt.date(2027, 1, 8), creatinine="1.0 mg/dL")
FIRST_RISE = ("creatinine 1.2 mg/dL is 33.3 % above the pre-treatment 0.9 mg/dL (25 % or more): a "
              "first rise: repeat in 1 week; reduce the dose by 25-50 % if it persists")
ONE_BASELINE = "the label asks for two pre-treatment creatinines (the baseline is their mean); one was given"


def ciclosporin_at(baseline: Any) -> Any:
    return review("ciclosporin", Labs(date=DAY, creatinine="1.2 mg/dL"), on=DAY, baseline=baseline)


def test_two_baseline_creatinines_are_averaged_and_not_noted() -> None:
    # (0.8 + 1.0) / 2 = 0.9 mg/dL; (1.2 - 0.9) / 0.9 = 33.3 %: a first rise, repeat in a week
    r = ciclosporin_at([JAN1, JAN8])
    assert (r.action, r.next_check) == ("repeat", DAY + dt.timedelta(days=7))
    assert [(f.action, f.text) for f in r.reasons] == [("repeat", FIRST_RISE)]
    assert r.notes == ()


def test_one_baseline_labs_is_used_and_noted_as_one() -> None:
    # 0.8 mg/dL alone: (1.2 - 0.8) / 0.8 = 50 %: stop
    r = ciclosporin_at(JAN1)
    assert [(f.action, f.text) for f in r.reasons] == [(
        "stop", "creatinine 1.2 mg/dL is 50 % above the pre-treatment 0.8 mg/dL (50 % or more): "
        "stop ciclosporin and discuss")]
    assert r.notes == (ONE_BASELINE,)


@pytest.mark.parametrize("value", ["0.9 mg/dL", u.quantity(0.9, "mg/dL")])
def test_a_baseline_creatinine_value_counts_as_one(value: Any) -> None:
    r = ciclosporin_at(value)
    assert [(f.action, f.text) for f in r.reasons] == [("repeat", FIRST_RISE)]
    assert r.notes == (ONE_BASELINE,)


def test_baseline_labs_without_a_creatinine_is_no_baseline() -> None:
    no_creatinine = Labs(date=dt.date(2027, 1, 9), wbc=f"5 {U}")
    assert refused(MissingInputError, "ciclosporin", Labs(date=DAY, creatinine="1.2 mg/dL"),
                   baseline=[no_creatinine]) == (
        "the ciclosporin creatinine rule compares with the pre-treatment creatinine: give baseline= "
        '(the pre-treatment Labs, or "0.9 mg/dL")', "baseline", None)


def test_a_baseline_in_any_sequence_dated_after_the_results_is_refused() -> None:
    # a sequence other than a list or tuple is read as the history is; on the results' own date
    # it is not after them
    later = dt.date(2027, 3, 2)
    assert refused(InputRangeError, "ciclosporin", Labs(date=DAY, creatinine="1.2 mg/dL"),
                   baseline=UserList([Labs(date=later, creatinine="1 mg/dL")])) == (
        "baseline is dated 2027-03-02, after the results it is compared with (2027-03-01)",
        "baseline", later)
    same_day = ciclosporin_at(UserList([JAN1, Labs(date=DAY, creatinine="1.0 mg/dL")]))
    assert [(f.action, f.text) for f in same_day.reasons] == [("repeat", FIRST_RISE)]


def test_a_stop_prints_that_no_dose_is_proposed() -> None:
    r = ciclosporin_at(JAN1)  # the 50 % rise: stop
    assert repr(r).splitlines()[:3] == [
        "ciclosporin, results of 2027-03-01: Stop and seek specialist advice",
        "  proposed dose: none (a restart takes the prescriber's dose)",
        "  next check: 2027-03-08 (discuss with the specialist team now; repeat the tests by then)",
    ]


def test_a_result_older_than_the_interval_is_repeated_now() -> None:
    # azathioprine in its first months: every 14 days; WBC of 2027-01-30 is 30 days old on
    # 2027-03-01: repeat, and the next check is the review date, not 2027-02-13
    r = review("azathioprine", Labs(date=DAY - dt.timedelta(days=30), wbc=f"6 {U}"), on=DAY)
    assert (r.action, r.next_check, r.next_check_text) == ("repeat", DAY, "now: repeat the tests")
    assert r.reasons[0].text == (
        "WBC dated 2027-01-30 is 30 days old on 2027-03-01, older than the test interval of 14 "
        "days: repeat before deciding (an old result cannot support continue)")


@pytest.mark.parametrize("dose", ["0.5 mg/day", "5000.5 mg/day"])
def test_a_current_dose_outside_1_to_5000_mg_per_day_is_refused(dose: str) -> None:
    assert refused(InputRangeError, "azathioprine", OK, current_dose=dose) == (
        f"current_dose {dose} is outside the plausible range 1-5000 mg/day", "current_dose", dose)


def test_a_current_dose_of_1_mg_per_day_is_plausible() -> None:
    r = review("azathioprine", OK, on=DAY, current_dose="1 mg/day")
    assert r.notes == (
        "current_dose 1 mg/day: the patient's own ceiling could not be checked (no patient: only "
        "the 150 mg/day maximum could be checked, not the genotype, renal or weight range; give "
        "patient=)",)


def test_a_baseline_that_is_not_a_creatinine_or_labs_is_refused_naming_baseline() -> None:
    assert refused(UnitError, "ciclosporin", OK, baseline="5 kg") == (
        'baseline must be a creatinine concentration such as "0.9 mg/dL" or "80 umol/L"; got 5 kg '
        "([mass])", "baseline", "5 kg")
    assert refused(InputRangeError, "ciclosporin", OK, baseline={"creatinine": 1}) == (
        "baseline must be a list of Labs, oldest first; got dict", "baseline", {"creatinine": 1})


def test_a_baseline_quantity_from_another_pint_registry_is_read_as_a_creatinine() -> None:
    r = ciclosporin_at(pint.UnitRegistry().Quantity(0.9, "mg/dL"))
    assert [(f.action, f.text) for f in r.reasons] == [("repeat", FIRST_RISE)]


def test_eosinophils_and_albumin_explained_together_or_one_as_a_name_are_noted() -> None:
    # BSR: eosinophils > 0.5 and albumin < 30 withhold unless explained; explained: noted only
    both = review("azathioprine", Labs(date=DAY, eosinophils=f"0.6 {U}", albumin="25 g/L"), on=DAY,
                  explained=["eosinophils", "albumin"])
    assert both.action == "continue"
    assert both.notes == (f"eosinophils 0.6 {U} is above 0.5 {U}: explained by the prescriber",
                          "albumin 25 g/L is below 30 g/L: explained by the prescriber")
    one = review("azathioprine", Labs(date=DAY, eosinophils=f"0.6 {U}"), on=DAY, explained="eosinophils")
    assert (one.action, one.notes) == (
        "continue", (f"eosinophils 0.6 {U} is above 0.5 {U}: explained by the prescriber",))


def test_stable_since_the_day_of_the_results_is_accepted() -> None:
    assert review("azathioprine", OK, on=DAY, stable_since=DAY).action == "continue"


def test_an_upper_limit_of_normal_that_is_not_an_enzyme_activity_is_refused() -> None:
    assert refused(UnitError, "azathioprine", OK, uln_alt="40 mg") == (
        'uln_alt must be an enzyme activity concentration such as "40 U/L"; got 40 mg ([mass])',
        "uln_alt", "40 mg")


# --- dates (dosing-rules.md "Whose value, from when") ------------------------------------------

START = DAY - dt.timedelta(days=20)  # 2027-02-09


def test_a_baseline_on_the_start_day_is_refused_and_the_day_before_accepted() -> None:
    on_start = Labs(date=START, creatinine="1 mg/dL")
    assert refused(InputRangeError, "azathioprine", OK, started=START, baseline=on_start) == (
        "baseline dated 2027-02-09 is not before the start 2027-02-09: a baseline must be dated "
        "before the drug's start (give on-treatment results as labs= or history=)", "baseline", START)
    day_before = Labs(date=START - dt.timedelta(days=1), creatinine="1 mg/dL")
    assert review("azathioprine", OK, on=DAY, started=START, baseline=day_before).action == "continue"


def test_a_baseline_after_the_first_history_set_is_refused() -> None:
    # history from 2027-02-19: a baseline of 2027-02-24 falls after it, though before the labs
    history = [Labs(date=DAY - dt.timedelta(days=10), wbc=f"6 {U}")]
    baseline = Labs(date=DAY - dt.timedelta(days=5), creatinine="1 mg/dL")
    assert refused(InputRangeError, "azathioprine", OK, history=history, baseline=baseline) == (
        "baseline dated 2027-02-24 is not before the first on-treatment results (2027-02-19): a "
        "baseline must be dated before the drug's start", "baseline", baseline.date)


def test_history_on_the_date_of_the_latest_results_is_refused() -> None:
    assert refused(InputRangeError, "azathioprine", OK, history=[Labs(date=DAY, wbc=f"5 {U}")]) == (
        "history must be earlier than the latest results (2027-03-01); its last set is dated "
        "2027-03-01", "history", DAY)


def test_labs_after_the_review_date_or_before_the_start_are_refused() -> None:
    assert refused(InputRangeError, "azathioprine", OK, on=DAY - dt.timedelta(days=1)) == (
        "labs are dated 2027-03-01, in the future (after 2027-02-28); check the date, or pass on= "
        "the date of the review", "labs", DAY)
    assert refused(InputRangeError, "azathioprine", OK, started=DAY + dt.timedelta(days=1),
                   on=DAY + dt.timedelta(days=1)) == (
        "labs dated 2027-03-01 is before the treatment it reviews (started 2027-03-02); give "
        "pre-treatment results as baseline=", "labs", DAY)


def test_stable_since_that_is_not_a_date_is_refused_when_the_start_is_given() -> None:
    assert refused(InputRangeError, "azathioprine", OK, started=START, stable_since="nonsense") == (
        'stable_since must be a date such as "2027-01-16" (an ISO string) or datetime.date(2027, 1, '
        "16); got 'nonsense'", "stable_since", "nonsense")


def test_weight_change_that_is_not_a_number_is_refused() -> None:
    assert refused(InputRangeError, "azathioprine", OK, weight_change="x") == (
        "weight_change must be a plain number such as 0.4 (its unit is in its name); got str 'x'",
        "weight_change", "x")


def test_without_on_the_review_is_dated_today() -> None:
    # results of today, azathioprine in its first months: the next check in 14 days
    today = dt.date.today()
    r = review("azathioprine", Labs(date=today, wbc=f"6 {U}"))
    assert (r.date, r.next_check) == (today, today + dt.timedelta(days=14))


@pytest.mark.parametrize("action", ["withhold", "stop"])
def test_a_withhold_or_stop_never_carries_a_dose(action: str) -> None:
    with pytest.raises(InputRangeError) as caught:
        Review(drug="azathioprine", date=DAY, action=action, reasons=(), next_check=DAY,
               proposed_amount=100.0)
    assert (str(caught.value), caught.value.field, caught.value.value) == (
        f"a {action} never carries a dose; a restart takes the prescriber's dose",
        "proposed_amount", 100.0)


# --- the review's other forms (their own suites, views and interop, are outside the mutation
# selection: these pin what review.py itself passes on) ----------------------------------------


class _Printer:
    """IPython's pretty printer, as far as ``_repr_pretty_`` uses it."""

    def __init__(self, max_width: int | None = None) -> None:
        if max_width is not None:
            self.max_width = max_width
        self.out = ""

    def text(self, text: str) -> None:
        self.out += text


def test_ipython_shows_the_review_wrapped_to_its_width() -> None:
    r = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY)
    narrow = _Printer(50)
    r._repr_pretty_(narrow, False)
    assert narrow.out.splitlines()[:4] == [
        "azathioprine, results of 2027-03-01: Withhold",
        "    and discuss with the specialist team",
        "  proposed dose: none (a restart takes the",
        "      prescriber's dose)",
    ]
    too_long = [line.strip() for line in narrow.out.splitlines() if len(line) > 50]
    assert all(" " not in line for line in too_long)  # only an address (never split) is longer
    unknown = _Printer()  # a printer without a width: the review as printed
    r._repr_pretty_(unknown, False)
    assert unknown.out == repr(r)


def test_the_json_form_is_sorted_and_indented_as_asked() -> None:
    r = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY)
    assert r.to_json(indent=1).splitlines()[:4] == [
        "{", ' "action": "withhold",', ' "date": "2027-03-01",', ' "drug": "azathioprine",']
    assert r.to_json().startswith('{"action": "withhold", "date": "2027-03-01", "drug": "azathioprine", ')


@pytest.mark.parametrize("drug", ["ivig", "immunoglobulin", " Immunoglobulin "])
def test_ivig_has_no_lab_rules_to_review_by(drug: str) -> None:
    assert refused(InputRangeError, drug, OK) == (
        "IVIg has no lab-driven rules in the reference to review by (assess renal function before "
        "each course)", "drug", drug)


def test_an_unknown_drug_is_refused_naming_the_drugs_reviewed() -> None:
    assert refused(InputRangeError, "aspirin", OK) == (
        "drug must be azathioprine, mycophenolate, ciclosporin, cyclophosphamide oral or "
        "cyclophosphamide iv (or the calculator's result); got 'aspirin'", "drug", "aspirin")


# --- older sets: each quantity's latest result, with its own date ("Labs for a review decision")


def test_an_older_results_check_date_already_past_is_now() -> None:
    # eGFR 50 of 2027-02-19 (10 days old, within the 14-day interval) asks for a repeat in 1
    # week: 2027-02-26, already past on 2027-03-01: the next check is the review date
    history = [Labs(date=DAY - dt.timedelta(days=10), egfr="50 mL/min/1.73m2")]
    r = review("azathioprine", OK, on=DAY, baseline="1 mg/dL", history=history)
    assert (r.action, r.next_check, r.next_check_text) == ("repeat", DAY, "now: repeat the tests")
    # eGFR 50 of 2027-02-22 (7 days old): its repeat falls on the review date itself, which is
    # not past: the date is kept without "now"
    due = review("azathioprine", OK, on=DAY, baseline="1 mg/dL",
                 history=[Labs(date=DAY - dt.timedelta(days=7), egfr="50 mL/min/1.73m2")])
    assert (due.action, due.next_check, due.next_check_text) == ("repeat", DAY, "repeat the tests")
    # with WBC 3 in the latest set the withhold wins, and both findings are kept
    low = review("azathioprine", Labs(date=DAY, wbc=f"3 {U}"), on=DAY, baseline="1 mg/dL",
                 history=history)
    assert (low.action, low.next_check, low.next_check_text) == (
        "withhold", DAY, "now: discuss with the specialist team now; repeat the tests by then")
    assert [(f.action, f.text) for f in low.reasons] == [
        ("withhold", f"WBC 3 {U} is below 3.5 {U}: withhold and discuss with the specialist team"),
        ("repeat", "results of 2027-02-19: eGFR 50 mL/min/1.73 m^2 is below 60: repeat in 1 week "
         "(once; the eGFR alone never withholds)")]
