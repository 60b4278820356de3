"""plexodose: unit-safe, traceable doses for second-line immunotherapy of idiopathic plexopathy.

The façade: every public name, loaded on first use from the private layer that defines it
(``_core`` < ``_views`` < ``_patient`` < ``_dosing`` < ``_drugs`` < ``_screening`` < ``_monitoring`` <
``_schedule`` < ``_interop``; see the developer's guide). Public classes report ``plexodose`` as
their module, so tracebacks, reprs and pickles name ``plexodose.UnitError``, never a private path.

>>> from plexodose import Patient, ivig
>>> ivig(Patient(weight="72 kg")).daily_dose  # 0.4 g/kg/day x 72 kg
<Quantity(28.8, 'gram / day')>
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from plexodose._core import legacy as _legacy
from plexodose._core.version import __version__ as __version__

if TYPE_CHECKING:  # the same names as _PUBLIC, for type checkers (a test holds them equal)
    from plexodose._core.alerts import Alert as Alert
    from plexodose._core.errors import (
        ContraindicationError as ContraindicationError,
    )
    from plexodose._core.errors import (
        DoseRangeError as DoseRangeError,
    )
    from plexodose._core.errors import (
        InputRangeError as InputRangeError,
    )
    from plexodose._core.errors import (
        MissingInputError as MissingInputError,
    )
    from plexodose._core.errors import (
        PlexodoseError as PlexodoseError,
    )
    from plexodose._core.errors import (
        UnitError as UnitError,
    )
    from plexodose._core.sources import Source as Source
    from plexodose._core.units import (
        Q_ as Q_,
    )
    from plexodose._core.units import (
        Quantity as Quantity,
    )
    from plexodose._core.units import (
        QuantityInput as QuantityInput,
    )
    from plexodose._core.units import (
        ureg as ureg,
    )
    from plexodose._dosing.dispense import Dispensed as Dispensed
    from plexodose._dosing.guard import Limit as Limit
    from plexodose._dosing.products import (
        CATALOGUE as CATALOGUE,
    )
    from plexodose._dosing.products import (
        IVIgProduct as IVIgProduct,
    )
    from plexodose._dosing.products import (
        OralProduct as OralProduct,
    )
    from plexodose._dosing.results import (
        Conversion as Conversion,
    )
    from plexodose._dosing.results import (
        CyclophosphamidePulse as CyclophosphamidePulse,
    )
    from plexodose._dosing.results import (
        DailyDose as DailyDose,
    )
    from plexodose._dosing.results import (
        IVIgCourse as IVIgCourse,
    )
    from plexodose._dosing.results import (
        PulseReduction as PulseReduction,
    )
    from plexodose._drugs.azathioprine import azathioprine as azathioprine
    from plexodose._drugs.ciclosporin import ciclosporin as ciclosporin
    from plexodose._drugs.ciclosporin import cyclosporin as cyclosporin
    from plexodose._drugs.cyclophosphamide import (
        cyclophosphamide_iv as cyclophosphamide_iv,
    )
    from plexodose._drugs.cyclophosphamide import (
        cyclophosphamide_next_pulse as cyclophosphamide_next_pulse,
    )
    from plexodose._drugs.cyclophosphamide import (
        cyclophosphamide_oral as cyclophosphamide_oral,
    )
    from plexodose._drugs.cyclophosphamide import (
        cyclophosphamide_pulse_reduction as cyclophosphamide_pulse_reduction,
    )
    from plexodose._drugs.ivig import ivig as ivig
    from plexodose._drugs.mycophenolate import (
        convert_mycophenolate as convert_mycophenolate,
    )
    from plexodose._drugs.mycophenolate import (
        mycophenolate as mycophenolate,
    )
    from plexodose._interop.fhir_in import FhirReading as FhirReading
    from plexodose._interop.fhir_in import read_fhir as read_fhir
    from plexodose._interop.fhir_orders import exposure_from_fhir as exposure_from_fhir
    from plexodose._interop.fhir_orders import screen_fhir as screen_fhir
    from plexodose._interop.json import schema as json_schema  # noqa: F401
    from plexodose._monitoring.before import (
        BeforeStarting as BeforeStarting,
    )
    from plexodose._monitoring.before import (
        before_starting as before_starting,
    )
    from plexodose._monitoring.labs import Labs as Labs
    from plexodose._monitoring.review import Review as Review
    from plexodose._monitoring.review import review as review
    from plexodose._monitoring.rules import Finding as Finding
    from plexodose._patient.body import (
        EGFR as EGFR,
    )
    from plexodose._patient.body import (
        PlexodoseWarning as PlexodoseWarning,
    )
    from plexodose._patient.body import (
        adjusted_body_weight as adjusted_body_weight,
    )
    from plexodose._patient.body import (
        bmi as bmi,
    )
    from plexodose._patient.body import (
        bsa as bsa,
    )
    from plexodose._patient.body import (
        creatinine_clearance as creatinine_clearance,
    )
    from plexodose._patient.body import (
        egfr as egfr,
    )
    from plexodose._patient.body import (
        ideal_body_weight as ideal_body_weight,
    )
    from plexodose._patient.patient import Patient as Patient
    from plexodose._schedule.algorithm import plan as plan
    from plexodose._schedule.algorithm import schedule as schedule
    from plexodose._schedule.model import Event as Event
    from plexodose._schedule.model import Schedule as Schedule
    from plexodose._schedule.replanning import replan as replan
    from plexodose._schedule.taper import taper as taper
    from plexodose._screening.exposure import Administration as Administration
    from plexodose._screening.exposure import Exposure as Exposure
    from plexodose._screening.exposure import cyclophosphamide_exposure as cyclophosphamide_exposure
    from plexodose._screening.order import Order as Order
    from plexodose._screening.screen import screen as screen
    from plexodose._screening.verdict import OrderFinding as OrderFinding
    from plexodose._screening.verdict import Screening as Screening

# Every public name loads on first use, so that ``plexodose --help`` and ``--version`` answer
# without importing pint or the calculators. name -> "module" or "module:attribute"
_PUBLIC = {
    "screen_fhir": "plexodose._interop.fhir_orders",
    "exposure_from_fhir": "plexodose._interop.fhir_orders",
    "Order": "plexodose._screening.order",
    "Screening": "plexodose._screening.verdict",
    "OrderFinding": "plexodose._screening.verdict",
    "screen": "plexodose._screening.screen",
    "Exposure": "plexodose._screening.exposure",
    "Administration": "plexodose._screening.exposure",
    "cyclophosphamide_exposure": "plexodose._screening.exposure",
    "ContraindicationError": "plexodose._core.errors",
    "DoseRangeError": "plexodose._core.errors",
    "InputRangeError": "plexodose._core.errors",
    "MissingInputError": "plexodose._core.errors",
    "PlexodoseError": "plexodose._core.errors",
    "UnitError": "plexodose._core.errors",
    "Source": "plexodose._core.sources",
    "Alert": "plexodose._core.alerts",
    "Q_": "plexodose._core.units",
    "Quantity": "plexodose._core.units",
    "QuantityInput": "plexodose._core.units",
    "ureg": "plexodose._core.units",
    "Patient": "plexodose._patient.patient",
    "EGFR": "plexodose._patient.body",
    "PlexodoseWarning": "plexodose._patient.body",
    "adjusted_body_weight": "plexodose._patient.body",
    "bmi": "plexodose._patient.body",
    "bsa": "plexodose._patient.body",
    "creatinine_clearance": "plexodose._patient.body",
    "egfr": "plexodose._patient.body",
    "ideal_body_weight": "plexodose._patient.body",
    "Dispensed": "plexodose._dosing.dispense",
    "Limit": "plexodose._dosing.guard",
    "CATALOGUE": "plexodose._dosing.products",
    "IVIgProduct": "plexodose._dosing.products",
    "OralProduct": "plexodose._dosing.products",
    "Conversion": "plexodose._dosing.results",
    "CyclophosphamidePulse": "plexodose._dosing.results",
    "DailyDose": "plexodose._dosing.results",
    "IVIgCourse": "plexodose._dosing.results",
    "PulseReduction": "plexodose._dosing.results",
    "ivig": "plexodose._drugs.ivig",
    "azathioprine": "plexodose._drugs.azathioprine",
    "cyclophosphamide_iv": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_next_pulse": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_oral": "plexodose._drugs.cyclophosphamide",
    "cyclophosphamide_pulse_reduction": "plexodose._drugs.cyclophosphamide",
    "ciclosporin": "plexodose._drugs.ciclosporin",
    "cyclosporin": "plexodose._drugs.ciclosporin",
    "convert_mycophenolate": "plexodose._drugs.mycophenolate",
    "mycophenolate": "plexodose._drugs.mycophenolate",
    "Labs": "plexodose._monitoring.labs",
    "Finding": "plexodose._monitoring.rules",
    "Review": "plexodose._monitoring.review",
    "review": "plexodose._monitoring.review",
    "BeforeStarting": "plexodose._monitoring.before",
    "before_starting": "plexodose._monitoring.before",
    "Event": "plexodose._schedule.model",
    "Schedule": "plexodose._schedule.model",
    "plan": "plexodose._schedule.algorithm",
    "schedule": "plexodose._schedule.algorithm",
    "replan": "plexodose._schedule.replanning",
    "taper": "plexodose._schedule.taper",
    "FhirReading": "plexodose._interop.fhir_in",
    "read_fhir": "plexodose._interop.fhir_in",
    "json_schema": "plexodose._interop.json:schema",
}

__all__ = list(_PUBLIC)  # derived: the table is the one list of public names

_legacy.install()  # pickles written by plexodose 0.1.0 name the modules before the layout move


def __getattr__(name: str) -> Any:
    where = _PUBLIC.get(name)
    if where is None:
        raise AttributeError(f"module 'plexodose' has no attribute {name!r}")
    module, _, attribute = where.partition(":")
    value = getattr(import_module(module), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
