"""The five calculators, one module a drug: each reads a patient and returns a guarded result.

A new drug is a new module here, plus its entries in the product catalogue, the schedule's
courses and the batch rules.
"""
