"""hypothesis's plugin entry point: ``st.from_type(Patient)`` draws valid patients.

hypothesis runs this while it is being imported, so it must not import
``plexodose.strategies`` (which imports hypothesis): the strategy is deferred until first drawn.
"""

from __future__ import annotations


def register() -> None:
    import hypothesis.strategies as st

    from plexodose._patient.patient import Patient

    def patients() -> st.SearchStrategy[Patient]:
        from plexodose.strategies import patients as drawn

        return drawn()

    st.register_type_strategy(Patient, st.deferred(patients))
