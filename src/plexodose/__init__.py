"""plexodose: unit-safe, traceable doses for second-line immunotherapy of idiopathic plexopathy.

>>> from plexodose import Patient, ivig
>>> ivig(Patient(weight="72 kg")).daily_dose  # 0.4 g/kg/day x 72 kg
<Quantity(28.8, 'gram / day')>
"""

from typing import TYPE_CHECKING, Any

from plexodose._azathioprine import azathioprine
from plexodose._before import BeforeStarting, before_starting
from plexodose._body import (
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
from plexodose._sources import Source
from plexodose._units import Q_, ureg

if TYPE_CHECKING:
    from plexodose._schedule import Event, Schedule, plan, replan, schedule
    from plexodose._taper import taper

__version__ = "0.1.0"

# The schedule generator loads on first use.
_LAZY = {"Event", "Schedule", "plan", "replan", "schedule", "taper"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module("plexodose._taper" if name == "taper" else "plexodose._schedule")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'plexodose' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _LAZY)

__all__ = [
    "CATALOGUE",
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
    "MissingInputError",
    "OralProduct",
    "Patient",
    "PlexodoseError",
    "PlexodoseWarning",
    "PulseReduction",
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
