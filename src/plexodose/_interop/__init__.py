"""Interoperability: the public JSON form, FHIR R4 in and out with its codes, export identity,
iCalendar, records/CSV/DataFrame and the plot.

The models' convenience methods (``to_json``, ``to_fhir``, ``to_ics``, ``from_fhir``...) import
these modules when called, and the optional libraries are imported only inside the functions that
use them, so ``import plexodose`` loads none of them. A new export is a module here.
"""
