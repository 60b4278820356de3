"""plexodose: unit-safe, traceable doses for second-line immunotherapy of idiopathic plexopathy.

>>> from plexodose import Patient, ivig
>>> ivig(Patient(weight="72 kg")).daily_dose  # 0.4 g/kg/day x 72 kg
<Quantity(28.8, 'gram / day')>
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexodose._core.errors import (
        ContraindicationError,
        DoseRangeError,
        InputRangeError,
        MissingInputError,
        PlexodoseError,
        UnitError,
    )
    from plexodose._core.sources import Source
    from plexodose._core.units import Q_, Quantity, QuantityInput, ureg
    from plexodose._dosing.dispense import Dispensed
    from plexodose._dosing.guard import Limit
    from plexodose._dosing.products import CATALOGUE, IVIgProduct, OralProduct
    from plexodose._dosing.results import (
        Conversion,
        CyclophosphamidePulse,
        DailyDose,
        IVIgCourse,
        PulseReduction,
    )
    from plexodose._drugs.azathioprine import azathioprine
    from plexodose._drugs.ciclosporin import ciclosporin, cyclosporin
    from plexodose._drugs.cyclophosphamide import (
        cyclophosphamide_iv,
        cyclophosphamide_next_pulse,
        cyclophosphamide_oral,
        cyclophosphamide_pulse_reduction,
    )
    from plexodose._drugs.ivig import ivig
    from plexodose._drugs.mycophenolate import convert_mycophenolate, mycophenolate
    from plexodose._interop.fhir_in import FhirReading, read_fhir
    from plexodose._interop.json import schema as json_schema
    from plexodose._monitoring.before import BeforeStarting, before_starting
    from plexodose._monitoring.labs import Labs
    from plexodose._monitoring.review import Finding, Review, review
    from plexodose._patient.body import (
        EGFR,
        PlexodoseWarning,
        adjusted_body_weight,
        bmi,
        bsa,
        creatinine_clearance,
        egfr,
        ideal_body_weight,
    )
    from plexodose._patient.patient import Patient
    from plexodose._schedule import Event, Schedule, plan, replan, schedule
    from plexodose._schedule.taper import taper

__version__ = "0.1.0"

# Every public name loads on first use, so that ``plexodose --help`` and ``--version`` answer
# without importing pint or the calculators. name -> "module" or "module:attribute"
_LAZY = {
    "BeforeStarting": "plexodose._monitoring.before",
    "CATALOGUE": "plexodose._dosing.products",
    "ContraindicationError": "plexodose._core.errors",
    "Conversion": "plexodose._dosing.results",
    "CyclophosphamidePulse": "plexodose._dosing.results",
    "DailyDose": "plexodose._dosing.results",
    "Dispensed": "plexodose._dosing.dispense",
    "DoseRangeError": "plexodose._core.errors",
    "EGFR": "plexodose._patient.body",
    "Event": "plexodose._schedule",
    "FhirReading": "plexodose._interop.fhir_in",
    "Finding": "plexodose._monitoring.review",
    "IVIgCourse": "plexodose._dosing.results",
    "IVIgProduct": "plexodose._dosing.products",
    "InputRangeError": "plexodose._core.errors",
    "Labs": "plexodose._monitoring.labs",
    "Limit": "plexodose._dosing.guard",
    "MissingInputError": "plexodose._core.errors",
    "OralProduct": "plexodose._dosing.products",
    "Patient": "plexodose._patient.patient",
    "PlexodoseError": "plexodose._core.errors",
    "PlexodoseWarning": "plexodose._patient.body",
    "PulseReduction": "plexodose._dosing.results",
    "Q_": "plexodose._core.units",
    "Quantity": "plexodose._core.units",
    "QuantityInput": "plexodose._core.units",
    "Review": "plexodose._monitoring.review",
    "Schedule": "plexodose._schedule",
    "Source": "plexodose._core.sources",
    "UnitError": "plexodose._core.errors",
    "adjusted_body_weight": "plexodose._patient.body",
    "azathioprine": "plexodose._drugs.azathioprine",
    "before_starting": "plexodose._monitoring.before",
    "bmi": "plexodose._patient.body",
    "bsa": "plexodose._patient.body",
    "ciclosporin": "plexodose._drugs.ciclosporin",
    "convert_mycophenolate": "plexodose._drugs.mycophenolate",
    "creatinine_clearance": "plexodose._patient.body",
    "cyclophosphamide_iv": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_next_pulse": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_oral": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_pulse_reduction": "plexodose._drugs.cyclophosphamide",
    "cyclosporin": "plexodose._drugs.ciclosporin",
    "egfr": "plexodose._patient.body",
    "ideal_body_weight": "plexodose._patient.body",
    "ivig": "plexodose._drugs.ivig",
    "json_schema": "plexodose._interop.json:schema",
    "mycophenolate": "plexodose._drugs.mycophenolate",
    "plan": "plexodose._schedule",
    "read_fhir": "plexodose._interop.fhir_in",
    "replan": "plexodose._schedule",
    "review": "plexodose._monitoring.review",
    "schedule": "plexodose._schedule",
    "taper": "plexodose._schedule.taper",
    "ureg": "plexodose._core.units",
}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'plexodose' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CATALOGUE",
    "EGFR",
    "Q_",
    "BeforeStarting",
    "ContraindicationError",
    "Conversion",
    "CyclophosphamidePulse",
    "DailyDose",
    "Dispensed",
    "DoseRangeError",
    "Event",
    "FhirReading",
    "Finding",
    "IVIgCourse",
    "IVIgProduct",
    "InputRangeError",
    "Labs",
    "Limit",
    "MissingInputError",
    "OralProduct",
    "Patient",
    "PlexodoseError",
    "PlexodoseWarning",
    "PulseReduction",
    "Quantity",
    "QuantityInput",
    "Review",
    "Schedule",
    "Source",
    "UnitError",
    "adjusted_body_weight",
    "azathioprine",
    "before_starting",
    "bmi",
    "bsa",
    "ciclosporin",
    "convert_mycophenolate",
    "creatinine_clearance",
    "cyclophosphamide_iv",
    "cyclophosphamide_next_pulse",
    "cyclophosphamide_oral",
    "cyclophosphamide_pulse_reduction",
    "cyclosporin",
    "egfr",
    "ideal_body_weight",
    "ivig",
    "json_schema",
    "mycophenolate",
    "plan",
    "read_fhir",
    "replan",
    "review",
    "schedule",
    "taper",
    "ureg",
]
