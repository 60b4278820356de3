"""Monitoring calendars and response assessments of each drug.

Each calendar is the reference's table (clinical rules (monitoring)), in days from the first dose, with
"months" of 4 weeks (tests come a little early, never late):

- azathioprine: CBC and LFTs with creatinine weekly for 4 weeks, then every 2 weeks until both
  week 12 has passed and the dose has been unchanged for 6 weeks, then every 4 weeks [label, SPS];
- ciclosporin: before the first dose the reference's baseline tests; then creatinine (with
  potassium and magnesium), blood pressure, FBC, ALT or AST, albumin and glucose together every 2
  weeks until both week 12 has passed and the dose has been unchanged for 6 weeks, then every 4
  weeks; lipids once at week 4 [label, SPS; one calendar: gap];
- mycophenolate: CBC, ALT or AST, albumin and creatinine every 2 weeks until the dose has been
  unchanged for 6 weeks (at least 6 weeks), then every 12 weeks [SPS];
- oral cyclophosphamide: CBC with platelets, creatinine and urine for blood every 2 weeks for 12
  weeks, then every 4 weeks [French protocol];
- mycophenolate on ``schedule(monitoring="cellcept")``: the CellCept transplant label's CBC
  weekly for 4 weeks, every 2 weeks to week 12, then every 4 weeks [label, an option].

A dose change in the course (a titration step, a step-down) restarts the 2-weekly phase: the
next test comes at most 2 weeks after it (at the next 2-weekly test, or 2 weeks after the change
in a 4- or 12-weekly phase), then every 2 weeks until the dose has been unchanged for 6 weeks.
Creatinine is its own event (a single test with a code); the other tests of a visit are one.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core.sources import Source
from plexodose._schedule.builder import _Builder, add_months
from plexodose._schedule.model import AZATHIOPRINE, CICLOSPORIN, CYCLOPHOSPHAMIDE, MYCOPHENOLATE
from plexodose._schedule.rules import (
    ASSESS_MONTHS,
    AZATHIOPRINE_MONITORING,
    AZATHIOPRINE_MONITORING_SPS,
    AZATHIOPRINE_OPENING,
    AZATHIOPRINE_TWO_WEEKLY_TO,
    CELLCEPT_MONITORING,
    CICLOSPORIN_CALENDAR_GAP,
    CICLOSPORIN_LIPIDS_DAY,
    CICLOSPORIN_MONITORING,
    CICLOSPORIN_MONITORING_SPS,
    CICLOSPORIN_TWO_WEEKLY_TO,
    DOSE_CHANGE_GAP,
    MONTH_DAYS,
    MONTH_GAP,
    MYCOPHENOLATE_MONITORING,
    MYCOPHENOLATE_STABLE_GAP,
    MYCOPHENOLATE_THEN_DAYS,
    MYCOPHENOLATE_TWO_WEEKLY_TO,
    ORAL_CYCLOPHOSPHAMIDE_MONITORING,
    ORAL_CYCLOPHOSPHAMIDE_TWO_WEEKLY_TO,
    STABLE_DAYS,
    TWO_WEEKS,
)


@attrs.frozen
class Calendar:
    """One drug's table: ``opening`` test days, then every 2 weeks to at least ``two_weekly_to``
    and until the dose has been unchanged ``stable_days``, then every ``then_days``."""

    opening: tuple[int, ...]
    two_weekly_to: int
    then_days: int
    creatinine: bool
    panel: str
    sources: tuple[Source, ...]
    stable_days: int = STABLE_DAYS
    baseline: str = ""
    once: tuple[tuple[int, str, str], ...] = ()


CALENDARS: dict[str, Calendar] = {
    AZATHIOPRINE: Calendar(
        AZATHIOPRINE_OPENING,
        AZATHIOPRINE_TWO_WEEKLY_TO,
        MONTH_DAYS,
        True,
        "CBC and LFTs (azathioprine)",
        (AZATHIOPRINE_MONITORING, AZATHIOPRINE_MONITORING_SPS),
    ),
    CICLOSPORIN: Calendar(
        (),
        CICLOSPORIN_TWO_WEEKLY_TO,
        MONTH_DAYS,
        True,
        "blood pressure, FBC, ALT or AST, albumin, glucose, potassium and magnesium "
        "(ciclosporin)",
        (CICLOSPORIN_MONITORING, CICLOSPORIN_MONITORING_SPS, CICLOSPORIN_CALENDAR_GAP),
        baseline="before the first dose (ciclosporin): blood pressure and serum creatinine on "
        "at least two occasions (the creatinine baseline is their mean); potassium, magnesium, "
        "lipids, LFTs, FBC",
        once=((CICLOSPORIN_LIPIDS_DAY, "lipids (ciclosporin)", "once, 1 month after the start"),),
    ),
    MYCOPHENOLATE: Calendar(
        (),
        MYCOPHENOLATE_TWO_WEEKLY_TO,
        MYCOPHENOLATE_THEN_DAYS,
        True,
        "CBC, ALT or AST and albumin (mycophenolate)",
        (MYCOPHENOLATE_MONITORING, MYCOPHENOLATE_STABLE_GAP),
    ),
    CYCLOPHOSPHAMIDE: Calendar(
        (),
        ORAL_CYCLOPHOSPHAMIDE_TWO_WEEKLY_TO,
        MONTH_DAYS,
        True,
        "CBC with platelets and urine for blood (oral cyclophosphamide)",
        (ORAL_CYCLOPHOSPHAMIDE_MONITORING,),
    ),
}


# [label] the CellCept transplant schedule, an option for mycophenolate (schedule(monitoring=))
CELLCEPT = Calendar(
    AZATHIOPRINE_OPENING,  # weekly for the first month
    AZATHIOPRINE_TWO_WEEKLY_TO,  # twice monthly for months 2-3
    MONTH_DAYS,  # then monthly (the first year; continued after it)
    False,
    "CBC (mycophenolate, CellCept transplant schedule)",
    (CELLCEPT_MONITORING,),
)


def visit_days(calendar: Calendar, changes: Sequence[int], last: int) -> list[int]:
    """Test days of ``calendar`` from the first dose (day 0) to before ``last`` (the day after the
    course), for a course whose dose changes on the days ``changes``.

    >>> aza = CALENDARS[AZATHIOPRINE]
    >>> [d // 7 for d in visit_days(aza, (), 182)]  # weeks 1-4, every 2 to 12, then every 4
    [1, 2, 3, 4, 6, 8, 10, 12, 16, 20, 24]
    >>> [d // 7 for d in visit_days(aza, (56, 84), 182)]  # increases at weeks 8 and 12
    [1, 2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 22]
    """
    days = list(calendar.opening)
    t = days[-1] if days else 0
    until = calendar.two_weekly_to
    pending = sorted(c for c in changes if c > t)
    for c in changes:
        if c <= t:  # a change inside the opening run: the 2-weekly phase runs 6 weeks past it
            until = max(until, c + calendar.stable_days)
    while True:
        nxt = t + (TWO_WEEKS if t < until else calendar.then_days)
        while pending and pending[0] < nxt:
            c = pending.pop(0)
            until = max(until, c + calendar.stable_days)
            # at most 2 weeks after the change: the 2-weekly test already due, or change + 2 weeks
            nxt = t + TWO_WEEKS if c < t + TWO_WEEKS else c + TWO_WEEKS
        if nxt >= last:
            return [d for d in days if d < last]
        days.append(nxt)
        t = nxt


def _changes(b: _Builder, drug: str, first: dt.date) -> list[int]:
    """Days (from ``first``) on which the course's daily amount changes."""
    doses = sorted(
        (e for e in b.events if e.drug == drug and e.kind == "dose" and e.route == "oral"),
        key=lambda e: e.date,
    )
    out = []
    for before, after in itertools.pairwise(doses):
        if after.dose_amount != before.dose_amount:
            out.append((after.date - first).days)
    return out


def _week(day: int) -> str:
    return f"week {fmt.number(day / 7)}"


def _monitoring(
    b: _Builder,
    drug: str,
    first: dt.date,
    end: dt.date,
    *,
    restart: bool = False,
    calendar: Calendar | None = None,
) -> None:
    """The drug's calendar (or ``calendar``) from ``first`` to before ``end``; ``restart``: after
    a dose change in a re-plan (the one-off tests, baseline and lipids, are not repeated)."""
    calendar = calendar or CALENDARS.get(drug)
    if calendar is None:
        return
    last = (end - first).days
    changes = _changes(b, drug, first)
    for source in calendar.sources:
        b.cite(source)
    b.cite(MONTH_GAP)
    if changes:
        b.cite(DOSE_CHANGE_GAP)
    if calendar.baseline and not restart:
        b.add(date=first, drug=drug, kind="monitoring", description=calendar.baseline)
    for day, text, why in () if restart else calendar.once:
        if day < last:
            b.add(date=first + dt.timedelta(days=day), drug=drug, kind="monitoring",
                  description=f"{text}, {_week(day)} ({why})")
    name = calendar.panel.rsplit("(", 1)[1]  # "azathioprine)"
    for day in visit_days(calendar, changes, last):
        after = [c for c in changes if c < day <= c + TWO_WEEKS]
        when = _week(day) + (f", after the dose change of {_week(after[-1])}" if after else "")
        date = first + dt.timedelta(days=day)
        if calendar.creatinine:
            b.add(date=date, drug=drug, kind="monitoring",
                  description=f"serum creatinine ({name}, {when}")
        b.add(date=date, drug=drug, kind="monitoring", description=f"{calendar.panel}, {when}")


def _assessments(b: _Builder, drug: str, first: dt.date, end: dt.date) -> None:
    b.cite(src.SEED_DURATION)
    b.cite(MONTH_GAP)
    for months in ASSESS_MONTHS:
        day = add_months(first, months)
        if day <= end:
            b.add(
                date=day,
                drug=drug,
                kind="assessment",
                description=f"{drug} response assessment at {months} months (3-6 months for "
                "full effect; do not judge failure earlier)",
            )
    if add_months(first, ASSESS_MONTHS[0]) > end:
        b.warn(
            f"{drug}: the course ends before 3 months; the seed needs 3-6 months before "
            "judging failure",
            src.SEED_DURATION,
            code="plan.course_shorter_than_3_months", severity="caution",
        )
