"""The screening rules' own sources, and the table of categories per drug (for the docs)."""

from __future__ import annotations

from plexodose._core.sources import SEED, Source

SCREENING = Source(
    "gap",
    "plexodose clinical rules, 'Screening an order someone else wrote' (documentation: Screening "
    "orders)",
    "an order is screened with the calculators' rules: within; below (a warning); above the "
    "range (refused by default, accepted with a stated reason); above an absolute limit "
    "(refused); not screened, with the reason, when it cannot be",
    id="screening.categories",
)
IVIG_COURSE = Source(
    "seed",
    SEED,
    "IVIg once daily on consecutive days, 1-5 days a course; usual course total 2 g/kg",
    id="screening.ivig.course",
)
IVIG_INTERVAL_GAP = Source(
    "gap",
    "plexodose conservative choice (maintenance every 3 weeks, IVIg labels)",
    "a new IVIg course starting less than 3 weeks after the last one started needs a reason",
    id="screening.ivig.interval",
)
FREQUENCY = Source(
    "label",
    "drug labels (azathioprine: daily in 1 or 2 doses; ciclosporin and mycophenolate: twice "
    "daily; oral cyclophosphamide: once daily)",
    "another frequency is above the protocol: it needs a stated reason",
    id="screening.frequency.label",
)
CUMULATIVE_UNKNOWN = Source(
    "gap",
    "plexodose clinical rules, 'Screening an order someone else wrote' (documentation: Screening "
    "orders)",
    "cumulative cyclophosphamide counts oral and IV together from the record; when prior exposure "
    "is unknown the result says 'cumulative dose not known: not checked', never zero",
    id="screening.cyclophosphamide.cumulative_unknown",
)

# (drug, frequency, per dose / per day, interval and course, absolute limits): the reference's
# table as implemented; the docs page prints it.
TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("ivig", "once daily on consecutive days, 1-5 days (more: soft)",
     "within: 0.4 g/kg/day x 5, 1 g/kg/day x 1-2, 1 g/kg over 1-4 days (each after rounding to "
     "5 g or within 10 %); other amounts up to 1 g/kg/day: soft; course total above 2 g/kg: soft",
     "a new course less than 3 weeks after the last: soft",
     "above 1 g/kg/day of the IVIg dosing weight"),
    ("azathioprine", "daily, 1 or 2 doses (others: soft)",
     "within the patient's own range (1-2 mg/kg/day with renal and allopurinol shares; CPIC's "
     "reduced range for reduced metabolizers); under it: below; over it: soft; poor "
     "metabolizer: soft", "a course under 3 months: warning", "above 150 mg/day"),
    ("mycophenolate", "twice daily (1, 3 or 4 doses: soft)",
     "within: 500-1,500 mg a dose, 1,000-3,000 mg/day; under: below", "none",
     "above 1,500 mg a dose or 3,000 mg/day; eGFR < 25: above 2,000 mg/day"),
    ("ciclosporin", "twice daily (others: soft)",
     "within: 2.5-5 mg/kg/day (warning above 4); under: below; eGFR < 60 or creatinine 25 % "
     "above baseline: soft", "none", "above 5 mg/kg/day"),
    ("cyclophosphamide_oral", "once daily (others: soft)",
     "within: 1-2 mg/kg/day limited by the creatinine band; under: below",
     "cumulative (oral and IV): warning at 20, 36 and 50 g",
     "above 2 mg/kg/day, the creatinine band's mg/kg, or 200 mg/day"),
    ("cyclophosphamide_iv", "one pulse every 2-4 weeks (longer: below)",
     "within: 0.3-1 g/m2; under: below; 1-1.6 g/m2: soft; a raise of more than 25 % over the "
     "last pulse: soft; a full pulse when the EULAR age/creatinine table or the pre-pulse counts "
     "call for less: soft", "cumulative as oral",
     "interval under 2 weeks; above 1.6 g/m2; from 1.4 g/m2 a raise above 0.1 g/m2; a raise "
     "from below 1.4 to above it; mg/kg pulses above 1.2 g"),
)
