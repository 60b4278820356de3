"""Exports of a :class:`~plexodose.Schedule`: records, CSV and text (standard library), FHIR R4
(plain dicts), iCalendar (icalendar) and a plot (matplotlib).

Each module is imported by the Schedule method that needs it, and the optional libraries only
inside the functions that use them, so ``import plexodose`` loads none of them.
"""
