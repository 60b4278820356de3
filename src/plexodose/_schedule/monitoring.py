"""Monitoring calendars and response assessments of each drug."""

from __future__ import annotations

import datetime as dt

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core.sources import Source
from plexodose._schedule.builder import _Builder, add_months, calendar_weeks
from plexodose._schedule.model import AZATHIOPRINE, CICLOSPORIN, CYCLOPHOSPHAMIDE, MYCOPHENOLATE
from plexodose._schedule.rules import (
    ASSESS_MONTHS,
    AZATHIOPRINE_MONITORING,
    BLOOD_PRESSURE_WEEKS,
    CBC_WEEKS,
    CICLOSPORIN_MONITORING,
    CREATININE_WEEKS,
    MONTH_GAP,
    MYCOPHENOLATE_MONITORING,
    ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP,
)


def _monitoring(b: _Builder, drug: str, first: dt.date, end: dt.date) -> None:
    last = (end - first).days
    plan: list[tuple[tuple[int, ...], str, Source]] = []
    if drug == AZATHIOPRINE:
        plan = [(CBC_WEEKS, "CBC and LFTs (azathioprine)", AZATHIOPRINE_MONITORING)]
    elif drug == MYCOPHENOLATE:
        plan = [(CBC_WEEKS, "CBC (mycophenolate)", MYCOPHENOLATE_MONITORING)]
    elif drug == CICLOSPORIN:
        plan = [
            (CREATININE_WEEKS, "serum creatinine (ciclosporin)", CICLOSPORIN_MONITORING),
            (BLOOD_PRESSURE_WEEKS, "blood pressure (ciclosporin)", CICLOSPORIN_MONITORING),
        ]
    elif drug == CYCLOPHOSPHAMIDE:
        b.warn(
            "oral cyclophosphamide: the reference gives no blood-count calendar; set one locally",
            ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP,
        )
    for weeks, text, source in plan:
        b.cite(source)
        b.cite(MONTH_GAP)
        for day in calendar_weeks(weeks, last):
            when = "baseline" if day == 0 else f"week {fmt.number(day / 7)}"
            b.add(
                date=first + dt.timedelta(days=day),
                drug=drug,
                kind="monitoring",
                description=f"{text}, {when}",
            )


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
        )

