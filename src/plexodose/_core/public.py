"""The name a public class goes by: ``plexodose.Patient``, never the private module it lives in.

Tracebacks, reprs, pickles and the documentation then name what a user imports; a pickle made
now loads whatever the private layout becomes (the façade resolves the name).
"""

from __future__ import annotations

from typing import TypeVar

FACADE = "plexodose"
T = TypeVar("T", bound=type)


def public(cls: T) -> T:
    """Report ``cls`` as defined by the façade (the decorator every public class wears)."""
    cls.__module__ = FACADE
    return cls
