"""Screening an order someone else wrote: one order in, a sourced verdict out.

Between the calculators (``_drugs``) and the reviews (``_monitoring``): an order is screened with
the rules the calculators use (clinical rules, "Screening an order someone else wrote").
"""
