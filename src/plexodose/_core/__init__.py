"""The lowest layer: what every other layer stands on, and that stands on nothing of plexodose.

Errors, units and UCUM, argument checks, plausibility limits, the vocabulary, number formatting,
the record base of results, sources and the rule registry, optional extras. Nothing here knows a
patient, a drug or a dose rule. A new argument check goes in ``checks``; a new word in ``vocab``.
"""
