"""The clinical codes plexodose writes into FHIR: a versioned table, each code with where it was
checked.

Only codes confirmed in at least one published, independent code table are listed; a drug, route
or test without one is written as text only (the reference: leave a code out rather than guess
one). Left out for now, for want of a confirmed code: immune globulin (IVIg) in RxNorm; the CBC,
the "CBC and LFTs" and the blood pressure events (panels, not single tests).

Bump :data:`VERSION` whenever a code is added, changed or removed; it is written on every FHIR
Bundle (``meta.tag``), so a receiver can tell which table coded it.
"""

from __future__ import annotations

import attrs

VERSION = "2026.11.1"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"

_CPIC = "CPIC database schema, drug table (cpicpgx/cpic-schema drug.sql)"
_CIBMTR = "NMDP CIBMTR reporting FHIR IG, RxNorm GVHD-prophylaxis value set"
_ROUTES = "HL7 FHIR R4 SNOMED CT route codes (example binding of Dosage.route), as in the NHS " \
    "Digital Medicines and OncoFAIR implementation guides"
_LOINC_TABLES = "LOINC, as listed in the reference's monitoring table and used in published " \
    "FHIR Observation examples"


@attrs.frozen
class Code:
    """One coding: ``system``, ``code``, ``display`` and ``checked`` (where it was verified)."""

    system: str
    code: str
    display: str
    checked: str

    def coding(self) -> dict[str, str]:
        """A fresh FHIR Coding dict."""
        return {"system": self.system, "code": self.code, "display": self.display}


# RxNorm ingredients (TTY IN), keyed by the schedule's drug name
MEDICATIONS: dict[str, Code] = {
    "azathioprine": Code(RXNORM, "1256", "azathioprine", _CPIC),
    "cyclophosphamide": Code(RXNORM, "3002", "cyclophosphamide", f"{_CPIC}; {_CIBMTR}"),
    "ciclosporin": Code(RXNORM, "3008", "cyclosporine", f"{_CPIC}; {_CIBMTR}"),
    "mycophenolate mofetil": Code(RXNORM, "68149", "mycophenolate mofetil", _CIBMTR),
}

# SNOMED CT routes, keyed by the schedule's route
ROUTES: dict[str, Code] = {
    "oral": Code(SNOMED, "26643006", "Oral route", _ROUTES),
    "IV": Code(SNOMED, "47625008", "Intravenous route", _ROUTES),
}

# LOINC single tests
WBC = Code(LOINC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count", _LOINC_TABLES)
CREATININE = Code(
    LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", _LOINC_TABLES
)
