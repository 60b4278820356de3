"""plexodose: unit-safe, traceable doses for second-line immunotherapy of idiopathic plexopathy.

>>> from plexodose import Patient, ivig
>>> ivig(Patient(weight="72 kg")).daily_dose  # 0.4 g/kg/day x 72 kg
<Quantity(28.8, 'gram / day')>
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from plexodose._azathioprine import azathioprine
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
    from plexodose._ivig import ivig
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
    from plexodose._schedule import Event, Schedule, plan, schedule
    from plexodose._sources import Source
    from plexodose._units import Q_, ureg

__version__ = "0.1.0"

# Every public name loads on first use, so that ``plexodose --help`` and ``--version`` answer
# without importing pint or the calculators.
_LAZY = {
    "CATALOGUE": "plexodose._products",
    "ContraindicationError": "plexodose._errors",
    "Conversion": "plexodose._results",
    "CyclophosphamidePulse": "plexodose._results",
    "DailyDose": "plexodose._results",
    "Dispensed": "plexodose._dispense",
    "DoseRangeError": "plexodose._errors",
    "Event": "plexodose._schedule",
    "IVIgCourse": "plexodose._results",
    "IVIgProduct": "plexodose._products",
    "InputRangeError": "plexodose._errors",
    "MissingInputError": "plexodose._errors",
    "OralProduct": "plexodose._products",
    "Patient": "plexodose._patient",
    "PlexodoseError": "plexodose._errors",
    "PlexodoseWarning": "plexodose._body",
    "PulseReduction": "plexodose._results",
    "Q_": "plexodose._units",
    "Schedule": "plexodose._schedule",
    "Source": "plexodose._sources",
    "UnitError": "plexodose._errors",
    "adjusted_body_weight": "plexodose._body",
    "azathioprine": "plexodose._azathioprine",
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
    "mycophenolate": "plexodose._mycophenolate",
    "plan": "plexodose._schedule",
    "schedule": "plexodose._schedule",
    "ureg": "plexodose._units",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plexodose' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CATALOGUE",
    "Q_",
    "ContraindicationError",
    "Conversion",
    "CyclophosphamidePulse",
    "DailyDose",
    "Dispensed",
    "DoseRangeError",
    "Event",
    "IVIgCourse",
    "IVIgProduct",
    "InputRangeError",
    "MissingInputError",
    "OralProduct",
    "Patient",
    "PlexodoseError",
    "PlexodoseWarning",
    "PulseReduction",
    "Schedule",
    "Source",
    "UnitError",
    "adjusted_body_weight",
    "azathioprine",
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
    "mycophenolate",
    "plan",
    "schedule",
    "ureg",
]
