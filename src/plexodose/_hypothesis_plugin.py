"""hypothesis's plugin entry point: ``st.from_type(Patient)`` draws valid patients,
``st.from_type(Labs)`` dated results, ``st.from_type(Order)`` valid orders, and the calculators'
results (``DailyDose``, ``IVIgCourse``, ``CyclophosphamidePulse``) and plans (``Schedule``).

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

    from plexodose._monitoring.labs import Labs
    from plexodose._screening.order import Order

    def labs() -> st.SearchStrategy[Labs]:
        from plexodose.strategies import labs as drawn

        return drawn()

    def orders() -> st.SearchStrategy[Order]:
        from plexodose.strategies import orders as drawn

        return drawn()

    st.register_type_strategy(Labs, st.deferred(labs))
    st.register_type_strategy(Order, st.deferred(orders))

    from plexodose._dosing.results import CyclophosphamidePulse, DailyDose, IVIgCourse
    from plexodose._schedule.model import Schedule

    def oral() -> st.SearchStrategy[DailyDose]:
        from plexodose.strategies import _oral_results

        return _oral_results()

    def course() -> st.SearchStrategy[IVIgCourse]:
        from plexodose.strategies import results

        return results("ivig")

    def pulse() -> st.SearchStrategy[CyclophosphamidePulse]:
        from plexodose.strategies import results

        return results("cyclophosphamide_iv")

    def schedule() -> st.SearchStrategy[Schedule]:
        from plexodose.strategies import plans

        return plans()

    st.register_type_strategy(DailyDose, st.deferred(oral))
    st.register_type_strategy(IVIgCourse, st.deferred(course))
    st.register_type_strategy(CyclophosphamidePulse, st.deferred(pulse))
    st.register_type_strategy(Schedule, st.deferred(schedule))
