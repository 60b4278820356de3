"""plexodose: unit-safe, traceable doses for second-line immunotherapy of idiopathic plexopathy.

>>> from plexodose import Patient, ivig
>>> ivig(Patient(weight="72 kg")).daily_dose  # 0.4 g/kg/day x 72 kg
<Quantity(28.8, 'gram / day')>
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexodose._azathioprine import azathioprine
    from plexodose._before import BeforeStarting, before_starting
    from plexodose._body import (
        EGFR,
        PlexodoseWarning,
        adjusted_body_weight,
        bmi,
        bsa,
        creatinine_clearance,
        egfr,
        ideal_body_weight,
    )
    from plexodose._ciclosporin import ciclosporin, cyclosporin
    from plexodose._cyclophosphamide import (
        cyclophosphamide_iv,
        cyclophosphamide_next_pulse,
        cyclophosphamide_oral,
        cyclophosphamide_pulse_reduction,
    )
    from plexodose._dispense import Dispensed
    from plexodose._errors import (
        ContraindicationError,
        DoseRangeError,
        InputRangeError,
        MissingInputError,
        PlexodoseError,
        UnitError,
    )
    from plexodose._fhir_in import FhirReading, read_fhir
    from plexodose._guard import Limit
    from plexodose._ivig import ivig
    from plexodose._json import schema as json_schema
    from plexodose._labs import Labs
    from plexodose._mycophenolate import convert_mycophenolate, mycophenolate
    from plexodose._patient import Patient
    from plexodose._products import CATALOGUE, IVIgProduct, OralProduct
    from plexodose._results import (
        Conversion,
        CyclophosphamidePulse,
        DailyDose,
        IVIgCourse,
        PulseReduction,
    )
    from plexodose._review import Finding, Review, review
    from plexodose._schedule import Event, Schedule, plan, replan, schedule
    from plexodose._sources import Source
    from plexodose._taper import taper
    from plexodose._units import Q_, Quantity, QuantityInput, ureg

__version__ = "0.1.0"

# Every public name loads on first use, so that ``plexodose --help`` and ``--version`` answer
# without importing pint or the calculators. name -> "module" or "module:attribute"
_LAZY = {
    "BeforeStarting": "plexodose._before",
    "CATALOGUE": "plexodose._products",
    "ContraindicationError": "plexodose._errors",
    "Conversion": "plexodose._results",
    "CyclophosphamidePulse": "plexodose._results",
    "DailyDose": "plexodose._results",
    "Dispensed": "plexodose._dispense",
    "DoseRangeError": "plexodose._errors",
    "EGFR": "plexodose._body",
    "Event": "plexodose._schedule",
    "FhirReading": "plexodose._fhir_in",
    "Finding": "plexodose._review",
    "IVIgCourse": "plexodose._results",
    "IVIgProduct": "plexodose._products",
    "InputRangeError": "plexodose._errors",
    "Labs": "plexodose._labs",
    "Limit": "plexodose._guard",
    "MissingInputError": "plexodose._errors",
    "OralProduct": "plexodose._products",
    "Patient": "plexodose._patient",
    "PlexodoseError": "plexodose._errors",
    "PlexodoseWarning": "plexodose._body",
    "PulseReduction": "plexodose._results",
    "Q_": "plexodose._units",
    "Quantity": "plexodose._units",
    "QuantityInput": "plexodose._units",
    "Review": "plexodose._review",
    "Schedule": "plexodose._schedule",
    "Source": "plexodose._sources",
    "UnitError": "plexodose._errors",
    "adjusted_body_weight": "plexodose._body",
    "azathioprine": "plexodose._azathioprine",
    "before_starting": "plexodose._before",
    "bmi": "plexodose._body",
    "bsa": "plexodose._body",
    "ciclosporin": "plexodose._ciclosporin",
    "convert_mycophenolate": "plexodose._mycophenolate",
    "creatinine_clearance": "plexodose._body",
    "cyclophosphamide_iv": "plexodose._cyclophosphamide",
    "cyclophosphamide_next_pulse": "plexodose._cyclophosphamide",
    "cyclophosphamide_oral": "plexodose._cyclophosphamide",
    "cyclophosphamide_pulse_reduction": "plexodose._cyclophosphamide",
    "cyclosporin": "plexodose._ciclosporin",
    "egfr": "plexodose._body",
    "ideal_body_weight": "plexodose._body",
    "ivig": "plexodose._ivig",
    "json_schema": "plexodose._json:schema",
    "mycophenolate": "plexodose._mycophenolate",
    "plan": "plexodose._schedule",
    "read_fhir": "plexodose._fhir_in",
    "replan": "plexodose._schedule",
    "review": "plexodose._review",
    "schedule": "plexodose._schedule",
    "taper": "plexodose._taper",
    "ureg": "plexodose._units",
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
