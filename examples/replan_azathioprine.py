"""A patient on azathioprine whose white cell count falls: each result reviewed, the plan re-planned.

Run: python examples/replan_azathioprine.py

The example patient starts azathioprine on 2026-12-01 (1, then 1.5 mg/kg/day, then the target
150 mg daily). Fortnightly blood counts fall from 6.0 to 3.1 x10^9/L: the review flags the gradual
fall, then withholds at 3.1 (below 3.5, BSR 2017) and the plan drops the later doses and adds the
repeat test: a week after the results, a date already past on the review date (2027-02-20), so
the repeat is due at once, on the review date. The original plan is kept for comparison.
"""

from __future__ import annotations

from plexodose import Labs, Patient, azathioprine, replan, schedule

REVIEW_DATE = "2027-02-20"  # results dated after this would be refused as "in the future"
RESULTS = (  # date, WBC, neutrophils
    ("2026-12-15", "6.0 x10^9/L", "3.9 x10^9/L"),
    ("2026-12-29", "5.6 x10^9/L", "3.6 x10^9/L"),
    ("2027-01-12", "4.6 x10^9/L", "2.9 x10^9/L"),
    ("2027-01-26", "4.3 x10^9/L", "2.7 x10^9/L"),
    ("2027-02-09", "3.1 x10^9/L", "1.9 x10^9/L"),
)


def main() -> None:
    patient = Patient.example()
    target = azathioprine(patient)
    steps = [azathioprine(patient, mg_per_kg_day=r) for r in (1.0, 1.5)]
    plan = schedule(target, start="2026-12-01", months=4, titration=steps)
    results = [Labs(date=day, wbc=wbc, neutrophils=neut, alt="30 U/L", creatinine="1.0 mg/dL")
               for day, wbc, neut in RESULTS]
    new = replan(plan, results, baseline=Labs(date="2026-11-24", creatinine="1.0 mg/dL"),
                 on=REVIEW_DATE)
    for found in new.reviews:
        print(f"{found.date}: {found.action}")
    print()
    print(new.reviews[-1])
    removed, added = new.changes()
    print()
    print(f"re-planned: {len(removed)} events removed, {len(added)} added")
    for text in dict.fromkeys(e.dose_text for e in removed if e.kind == "dose"):
        days = [e.date for e in removed if e.kind == "dose" and e.dose_text == text]
        print(f"  - doses {days[0]} to {days[-1]}: {text} ({len(days)} days)")
    for event in removed:
        if event.kind != "dose":
            print(f"  - {event.date} {event.kind}: {event.description}")
    for event in added:
        print(f"  + {event.date} {event.kind}: {event.description}")


if __name__ == "__main__":
    main()
