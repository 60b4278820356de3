"""Issue 18: the review's dates. A baseline after the start, a 'stable since' before it, a nadir
from the future are refused; a result older than the test interval answers "repeat"."""

from __future__ import annotations

import pytest

from plexodose import InputRangeError, Labs, Patient, cyclophosphamide_iv, review
from plexodose._patient import provenance as prov


def test_baseline_dated_after_the_start_is_refused() -> None:
    # the true baseline 1.0 says the rise to 1.3 is 30 %; a baseline from after the start (1.25)
    # would make it 4 % and let ciclosporin continue
    with pytest.raises(InputRangeError) as caught:
        review("ciclosporin", Labs(date="2027-02-01", creatinine="1.3 mg/dL"),
               baseline=Labs(date="2027-01-20", creatinine="1.25 mg/dL"),
               started="2027-01-10", on="2027-02-01")
    assert caught.value.field == "baseline"
    assert "2027-01-20 is not before the start 2027-01-10" in str(caught.value)
    # without started=: a baseline on the day of the first on-treatment result is refused too
    with pytest.raises(InputRangeError, match="not before the first on-treatment results"):
        review("ciclosporin", Labs(date="2027-02-01", creatinine="1.3 mg/dL"),
               baseline=[Labs(date="2027-01-01", creatinine="1 mg/dL"),
                         Labs(date="2027-02-01", creatinine="1.25 mg/dL")], on="2027-02-01")
    # a baseline before the start is accepted: 1.3 / 1.0 = +30 %, a first rise: repeat
    fine = review("ciclosporin", Labs(date="2027-02-01", creatinine="1.3 mg/dL"),
                  baseline=Labs(date="2027-01-05", creatinine="1.0 mg/dL"),
                  started="2027-01-10", on="2027-02-01")
    assert fine.action == "repeat"


def test_stable_since_before_the_start_is_refused() -> None:
    with pytest.raises(InputRangeError) as caught:
        review("azathioprine", Labs(date="2027-02-01", wbc="5 x10^9/L"),
               stable_since="2026-06-01", started="2027-01-15", on="2027-02-01")
    assert caught.value.field == "stable_since"
    assert "2026-06-01 is before the start 2027-01-15" in str(caught.value)


def test_nadir_dated_in_the_future_or_after_the_pre_pulse_counts_is_refused() -> None:
    pulse = cyclophosphamide_iv(Patient.example())
    with pytest.raises(InputRangeError, match="after the review date 2027-02-01") as caught:
        review(pulse, Labs(date="2027-02-01", wbc="5 x10^9/L"),
               nadir=Labs(date="2027-03-01", wbc="3.5 x10^9/L"), on="2027-02-01")
    assert caught.value.field == "nadir"
    with pytest.raises(InputRangeError, match="after the pre-pulse counts"):
        review(pulse, Labs(date="2027-02-01", wbc="5 x10^9/L"),
               nadir=Labs(date="2027-02-03", wbc="3.5 x10^9/L"), on="2027-02-05")
    with pytest.raises(InputRangeError, match="not after the pulse it follows"):
        review(pulse, Labs(date="2027-02-01", wbc="5 x10^9/L"), started="2027-01-20",
               nadir=Labs(date="2027-01-20", wbc="3.5 x10^9/L"), on="2027-02-01")


def test_stale_result_answers_repeat_and_names_it() -> None:
    # azathioprine, no stable date: the 2-weekly phase (14 days); 2026-10-01 to 2026-12-07 = 67 days
    r = review("azathioprine", Labs(date="2026-10-01", wbc="5 x10^9/L", alt="30 U/L"),
               on="2026-12-07")
    assert r.action == "repeat"
    assert r.reasons[0].text == (
        "WBC, ALT dated 2026-10-01 are 67 days old on 2026-12-07, older than the test interval "
        "of 14 days: repeat before deciding (an old result cannot support continue)")
    assert r.reasons[0].source == prov.REVIEW_WINDOW and prov.REVIEW_WINDOW in r.sources
    assert r.next_check.isoformat() == "2026-12-07"  # repeat now
    # 14 days old: within the interval, it supports continue
    fresh = review("azathioprine", Labs(date="2026-11-23", wbc="5 x10^9/L"), on="2026-12-07")
    assert fresh.action == "continue"
    # a withhold still outranks the repeat
    low = review("azathioprine", Labs(date="2026-10-01", wbc="3.1 x10^9/L"), on="2026-12-07")
    assert low.action == "withhold" and any(f.action == "repeat" for f in low.reasons)


def test_pre_pulse_counts_older_than_7_days_are_refused() -> None:
    pulse = cyclophosphamide_iv(Patient.example())
    with pytest.raises(InputRangeError, match="8 days old on 2027-02-09") as caught:
        review(pulse, Labs(date="2027-02-01", wbc="5 x10^9/L"), on="2027-02-09")
    assert caught.value.field == "labs"
    assert review(pulse, Labs(date="2027-02-02", wbc="5 x10^9/L"), on="2027-02-09").action == "continue"
