"""The dosing machinery every calculator shares: the trace, the guard that checks each result
against its limits, the result records, dispensing to products and the product catalogue.
A new drug's calculator uses these; it does not add to them unless a new kind of result is needed.
"""
