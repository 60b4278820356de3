"""The schedule generator: a calculator's result laid out on a calendar, and the seed's plan.

Doses always come from the calculators; this module only places them on dates, adds the
monitoring calendar of each drug, the response assessments and the decision points, and tracks
the cumulative cyclophosphamide dose. Dates are computed on plain ``datetime.date`` values and
floats; Quantities are built when read.

Month arithmetic: monitoring "months" are 4 weeks (checks come a little more often than
calendar months: conservative); response assessments use calendar months, so they never come
earlier than the seed's 3 and 6 months.

>>> from plexodose import Patient, ivig, schedule
>>> s = schedule(ivig(Patient.example()), start="2026-12-01")  # 28.8 g/day x 5 days
>>> [e.date.isoformat() for e in s.filter(kind="dose")]
['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05']
>>> s.total_dose("IVIg")  # 28.8 g x 5 = 144 g
<Quantity(144.0, 'gram')>
"""
