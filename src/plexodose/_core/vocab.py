"""Vocabularies: every word plexodose takes, once. Sex and thiopurine phenotypes (and the
spellings refused with the word to use instead), the drugs and every spelling of each, and each
choice a public function offers (weight bases, BSA formulas, the plan's agents...). The command
line builds its choices from here, without importing pint or the calculators.

Sex is ``"female"`` or ``"male"``, spelled out: a one-letter code (HL7 v2 ``M``/``F``) is
refused, because a misread letter would change a Cockcroft-Gault or CKD-EPI result without a
sign. FHIR's administrative gender ``other`` and ``unknown`` leave sex unset: the formulas
that need it then ask for it. Phenotypes are plexodose's words or CPIC's terms
("Intermediate Metabolizer"), matched whole, case-insensitively.

>>> sex_from_text("female", "sex")
'female'
>>> sex_from_text("M", "sex")
Traceback (most recent call last):
...
plexodose.InputRangeError: sex must be 'female' or 'male', spelled out: type 'male', not 'M'
>>> phenotype_from_text("Possible Intermediate Metabolizer", "tpmt")
'possible_intermediate'
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from plexodose._core.errors import InputRangeError, choice_error, safe_repr

Sex = Literal["female", "male"]
Phenotype = Literal["normal", "intermediate", "possible_intermediate", "poor", "indeterminate"]

SEXES: tuple[Sex, ...] = ("female", "male")

# The choices of the calculators and the plan, one Literal each (the type checker's list is the
# runtime list).
WeightBasis = Literal["auto", "actual", "ideal", "adjusted"]
AutoRule = Literal["bmi_over_30", "over_120_percent_ibw", "australia_2026", "ontario_all_adults"]
CrclWeight = Literal["auto", "actual", "ideal", "adjusted"]
BsaFormula = Literal["mosteller", "dubois", "haycock", "gehan_george", "boyd"]
SecondAgent = Literal["azathioprine", "mycophenolate", "cyclophosphamide_iv", "cyclophosphamide_oral"]
RefractoryAgent = Literal["ciclosporin", "cyclosporin", "cyclophosphamide_iv", "cyclophosphamide_oral"]
ReviewDrug = Literal[
    "azathioprine", "mycophenolate", "ciclosporin", "cyclosporin", "cyclophosphamide_oral",
    "cyclophosphamide_iv", "cyclophosphamide oral", "cyclophosphamide iv",
]  # the drugs a review reads labs for (IVIg has no lab-driven rules); the key or the words
MycophenolateCalendar = Literal["sps", "cellcept"]  # SPS (default) or the CellCept transplant label
WEIGHT_BASES: tuple[WeightBasis, ...] = get_args(WeightBasis)
AUTO_RULES: tuple[AutoRule, ...] = get_args(AutoRule)
CRCL_WEIGHTS: tuple[CrclWeight, ...] = get_args(CrclWeight)
BSA_FORMULA_NAMES: tuple[BsaFormula, ...] = get_args(BsaFormula)
SECOND_AGENTS: tuple[SecondAgent, ...] = get_args(SecondAgent)
REFRACTORY_AGENTS: tuple[RefractoryAgent, ...] = get_args(RefractoryAgent)
MYCOPHENOLATE_CALENDARS: tuple[MycophenolateCalendar, ...] = get_args(MycophenolateCalendar)
IVIG_PRODUCTS = (  # the built-in ones
    "Gamunex-C 10 %", "Privigen 10 %", "Gammagard Liquid 10 %", "Panzyga 10 %", "Octagam 10 %"
)

# The drugs. Each has one key (the library's parameter spelling); every spelling a caller may use
# (any case, "-", "_" or " " between words, "(oral)") maps to it. Each part of the library
# names a drug in its own words (a schedule says "mycophenolate mofetil"), from the key.
Drug = Literal[
    "ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv", "ciclosporin",
    "mycophenolate",
]
DRUGS: tuple[Drug, ...] = get_args(Drug)
_SPELLINGS: dict[str, Drug] = {
    "ivig": "ivig",
    "azathioprine": "azathioprine",
    "cyclophosphamide oral": "cyclophosphamide_oral",
    "cyclophosphamide iv": "cyclophosphamide_iv",
    "ciclosporin": "ciclosporin",
    "cyclosporin": "ciclosporin",
    "cyclosporine": "ciclosporin",
    "ciclosporine": "ciclosporin",
    "mycophenolate": "mycophenolate",
    "mycophenolate mofetil": "mycophenolate",
}
REVIEWED_DRUGS: tuple[Drug, ...] = (  # the drugs the review has lab rules for (not IVIg)
    "azathioprine", "mycophenolate", "ciclosporin", "cyclophosphamide_oral", "cyclophosphamide_iv",
)
SCHEDULE_NAMES: dict[Drug, str] = {  # a schedule's events: one name for both cyclophosphamides
    "ivig": "IVIg",
    "azathioprine": "azathioprine",
    "cyclophosphamide_oral": "cyclophosphamide",
    "cyclophosphamide_iv": "cyclophosphamide",
    "ciclosporin": "ciclosporin",
    "mycophenolate": "mycophenolate mofetil",
}


ORDER_NAMES: dict[Drug, str] = {  # an order's drug in words ("cyclophosphamide IV 1,403 mg")
    "ivig": "IVIg",
    "azathioprine": "azathioprine",
    "mycophenolate": "mycophenolate",
    "ciclosporin": "ciclosporin",
    "cyclophosphamide_oral": "cyclophosphamide oral",
    "cyclophosphamide_iv": "cyclophosphamide IV",
}


CYCLOPHOSPHAMIDE = "cyclophosphamide"
SCHEDULE_DRUGS = tuple(dict.fromkeys(SCHEDULE_NAMES.values()))


def drug_key(value: Any) -> Drug | None:
    """The key of any spelling of a drug, or None for a word that names none.

    >>> drug_key("Cyclophosphamide (oral)"), drug_key("cyclosporine"), drug_key("aspirin")
    ('cyclophosphamide_oral', 'ciclosporin', None)
    """
    if not isinstance(value, str):
        return None
    words = str.__str__(value).lower().replace("(", " ").replace(")", " ")
    words = " ".join(words.replace("-", " ").replace("_", " ").split())
    return _SPELLINGS.get(words)


def drug_name(value: Any) -> str:
    """The schedule's name for ``value`` ("cyclosporin" -> "ciclosporin"); refuses unknown names.

    >>> drug_name("IVIG"), drug_name("mycophenolate")
    ('IVIg', 'mycophenolate mofetil')
    """
    key = drug_key(value)
    if key is not None:
        return SCHEDULE_NAMES[key]
    if isinstance(value, str) and str.__str__(value).strip().lower() == CYCLOPHOSPHAMIDE:  # either route
        return CYCLOPHOSPHAMIDE
    raise choice_error(value, SCHEDULE_DRUGS, "drug")
PHENOTYPES: tuple[Phenotype, ...] = (
    "normal",
    "intermediate",
    "possible_intermediate",
    "poor",
    "indeterminate",
)

# Spellings that mean a sex but are not the word: refused with the word to type.
_SEX_VARIANTS: dict[str, Sex] = {
    "f": "female",
    "fem": "female",
    "woman": "female",
    "w": "female",
    "m": "male",
    "man": "male",
}

FHIR_GENDER: dict[str, Sex | None] = {
    "female": "female",
    "male": "male",
    "other": None,
    "unknown": None,
}
"""FHIR administrative gender (http://hl7.org/fhir/administrative-gender) -> plexodose sex;
``other`` and ``unknown`` leave sex unset (None)."""

CPIC_PHENOTYPES: dict[str, Phenotype] = {
    "normal metabolizer": "normal",
    "intermediate metabolizer": "intermediate",
    "possible intermediate metabolizer": "possible_intermediate",
    "poor metabolizer": "poor",
    "indeterminate": "indeterminate",
}
"""CPIC's TPMT/NUDT15 phenotype terms (lower case) -> plexodose's phenotype words."""

# Terms that are phenotypes of other genes (CYP2C19, CYP2D6), not of TPMT or NUDT15.
_OTHER_GENES = ("rapid metabolizer", "ultrarapid metabolizer", "likely intermediate metabolizer",
                "likely poor metabolizer")
_ABBREVIATIONS: dict[str, Phenotype] = {
    "nm": "normal",
    "im": "intermediate",
    "pim": "possible_intermediate",
    "pm": "poor",
}


def sex_from_text(value: Any, field: str = "sex") -> Sex:
    """``"female"`` or ``"male"``; a variant (``M``, ``F``, ``Male``, ``" male"``) is refused with
    the spelling to use, and anything else with the two choices."""
    text = str.__str__(value) if isinstance(value, str) else None  # text only: an object that
    if text == "female" or text == "male":  # calls itself equal to every word is refused
        return "female" if text == "female" else "male"
    if text is not None:
        key = text.strip().lower()
        word = key if key in SEXES else _SEX_VARIANTS.get(key)
        if word is not None:
            raise InputRangeError(
                f"{field} must be 'female' or 'male', spelled out: type {word!r}, not {safe_repr(value)}",
                field=field,
                value=value,
            )
        if key in ("other", "unknown", "o", "u", "un", "unk"):
            raise InputRangeError(
                f"{field} must be 'female' or 'male'; for {safe_repr(value)} leave {field} unset "
                "(None): a formula that needs it will say so",
                field=field,
                value=value,
            )
    raise InputRangeError(
        f"{field} must be 'female' or 'male'; got {safe_repr(value)}", field=field, value=value
    )


def phenotype_from_text(value: Any, field: str) -> Phenotype:
    """A TPMT or NUDT15 phenotype: plexodose's word or CPIC's term, whole and case-insensitive."""
    if not isinstance(value, str):
        raise _bad_phenotype(value, field)
    key = " ".join(str.__str__(value).strip().lower().split())
    for name in PHENOTYPES:
        if key == name or key == name.replace("_", " "):
            return name
    found = CPIC_PHENOTYPES.get(key)
    if found is not None:
        return found
    if key in _ABBREVIATIONS:
        word = _ABBREVIATIONS[key]
        raise InputRangeError(
            f"{field}: abbreviations are not read; type {word!r} (CPIC: "
            f"{_cpic_term(word)!r}), not {safe_repr(value)}",
            field=field,
            value=value,
        )
    if key in _OTHER_GENES:
        raise InputRangeError(
            f"{field}: {safe_repr(value)} is not a CPIC phenotype of TPMT or NUDT15; they are "
            f"{', '.join(repr(t.title()) for t in CPIC_PHENOTYPES)}",
            field=field,
            value=value,
        )
    raise _bad_phenotype(value, field)


def _cpic_term(word: Phenotype) -> str:
    return next(term.title() for term, name in CPIC_PHENOTYPES.items() if name == word)


def _bad_phenotype(value: Any, field: str) -> InputRangeError:
    return choice_error(
        value, PHENOTYPES, field, hint=" (or CPIC's term, such as 'Intermediate Metabolizer')"
    )
