"""Where each rule comes from: one :class:`Source` per reference, cited on every result.

The evidence tags are those of the clinical rules (docs: the clinical-rules page): ``seed`` (the project's
clinical summary, :data:`SEED`), ``label`` (a drug label), ``guideline``, ``secondary`` (a second-hand
summary) and ``gap`` (nothing found; plexodose's conservative choice, configurable).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import attrs

from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public

ID = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
"""A source's id: dotted lower-case words, drug or topic first (``azathioprine.seed.regimen``)."""

LINK = re.compile(r"https?://\S+|[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?|PMC[0-9]+", re.IGNORECASE)
"""Where a source can be found: an address (``https://...``), a site with its path as the
reference gives it (``sps.nhs.uk/monitorings/ciclosporin-monitoring``), or a PubMed Central id
(``PMC7771069``)."""

YEARS = (1800, 2100)
"""The years a Source accepts (a plausible publication year, four digits)."""

EDITION_CHARS = 120


def _check_words(instance: Source, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):  # a citation is read, joined and printed as text
        raise InputRangeError(f"a Source's {attribute.name} must be text; got "
                              f"{type(value).__name__} {safe_repr(value)}",
                              field=attribute.name, value=value)


def _check_id(instance: Source, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or (value and not ID.fullmatch(value)):
        raise InputRangeError(
            "a Source id is dotted lower-case words (a-z, 0-9, _; at least one dot) such as "
            f'"ivig.weight.ontario", or "" for none; got {safe_repr(value)}',
            field="id", value=value)


def _check_year(instance: Source, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        raise InputRangeError(
            f"a Source year is a whole year from {YEARS[0]} to {YEARS[1]} such as 2018, or None "
            f"for none; got {safe_repr(value)}", field="year", value=value)


def _check_edition(instance: Source, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or len(value) > EDITION_CHARS or value != " ".join(value.split()):
        raise InputRangeError(
            f"a Source edition is one line of at most {EDITION_CHARS} characters without "
            f'leading, trailing or repeated spaces such as "updated 2024", or "" for none; got '
            f"{safe_repr(value)}", field="edition", value=value)


def _as_links(value: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The links as a tuple; each an address, a site with its path, or a PubMed Central id."""
    if not isinstance(value, (tuple, list)) or not all(
            isinstance(link, str) and LINK.fullmatch(link) for link in value):
        raise InputRangeError(
            "Source links are a tuple of addresses (https://...), sites with their path "
            '(such as "sps.nhs.uk/monitorings/ciclosporin-monitoring") or PubMed Central ids '
            f'(such as "PMC7771069"), or () for none; got {safe_repr(value)}',
            field="links", value=value)
    return tuple(value)


@public
@attrs.frozen(repr=False)
class Source:
    """A citation: what the rule is, where it comes from, how sure we are of it, its id, and
    where a reader looks it up.

    Each is a module constant, cited by reference; they compare by value, id included, so a
    result unpickled in another process equals the original. ``id`` is the rule's stable name
    (``ivig.weight.ontario``) for an app or a finding to quote; every Source of the package has
    one (a test walks them all), a Source made elsewhere may leave it "" (none).

    ``year``, ``edition`` (the edition, update, part or journal: ``"updated 2024"``,
    ``"Box 6"``) and ``links`` (addresses, sites or PubMed Central ids) say where to find the
    source. The package fills them only from what its clinical rules state, and leaves them
    empty where those give none (the seed is undated; a label read second-hand has no address).
    :attr:`reference` is the citation with them; ``str()`` shows it.
    """

    tag: str = attrs.field(validator=_check_words)
    citation: str = attrs.field(validator=_check_words)
    rule: str = attrs.field(validator=_check_words)
    id: str = attrs.field(default="", kw_only=True, validator=_check_id)
    year: int | None = attrs.field(default=None, kw_only=True, validator=_check_year)
    edition: str = attrs.field(default="", kw_only=True, validator=_check_edition)
    links: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_as_links)

    @property
    def lookup(self) -> str:
        """The year, edition and links that the citation's words do not already carry, joined
        by commas ("" when none): what a reader needs beside the citation to find it."""
        parts = [] if self.year is None else [str(self.year)]
        parts += [self.edition] if self.edition else []
        return ", ".join(part for part in [*parts, *self.links] if part not in self.citation)

    @property
    def reference(self) -> str:
        """The citation with what it takes to look it up (:attr:`lookup`), for a sources list:
        ``"Faurschou 2008"``; ``"French national protocol, Box 6,
        pmc.ncbi.nlm.nih.gov/articles/PMC7771069"``."""
        lookup = self.lookup
        return f"{self.citation}, {lookup}" if lookup else self.citation

    def __str__(self) -> str:
        return f"[{self.tag}] {self.reference}: {self.rule}"

    def __repr__(self) -> str:  # a call that rebuilds it; the lookup fields only when set
        extra = "".join(f", {name}={getattr(self, name)!r}" for name in ("year", "edition", "links")
                        if getattr(self, name) != _DEFAULTS[name])
        return (f"Source(tag={self.tag!r}, citation={self.citation!r}, rule={self.rule!r}, "
                f"id={self.id!r}{extra})")


_DEFAULTS: dict[str, Any] = {"year": None, "edition": "", "links": ()}

@functools.cache
def _rules_by_words() -> dict[tuple[str, str, str], Source]:
    from plexodose._core.registry import registry  # every module: once, for an old pickle only

    return {(r.source.tag, r.source.citation, r.source.rule): r.source for r in registry()}


def _recovered(source: Source) -> dict[str, Any]:
    """A Source pickled before some of its fields existed (no id before 0.2.0, no lookup before
    0.5.0) takes them from the package's rule with its very words (a citation renamed since is
    followed to its new words, which it takes too), so it equals that rule again. A pickle that
    named another id, or words since changed, recovers nothing."""
    citation = FORMER_CITATIONS.get(source.citation, source.citation)
    rule = _rules_by_words().get((source.tag, citation, source.rule))
    if rule is None or (source.id and source.id != rule.id):
        return {}
    return {"id": rule.id, "citation": rule.citation, "year": rule.year,
            "edition": rule.edition, "links": rule.links}


loads_older_pickles(Source, recover=_recovered, replaces=("citation",))


SEED = ("Second-Line Treatment Options for Idiopathic Plexopathy (undated clinical summary; its "
        "numbered references are not listed)")
"""The seed: the project's clinical summary, named by its title as written. Its numbers are the
defaults; it gives no date, and it cites its evidence by reference numbers without listing the
references, so no year or link can be given for it."""

FORMER_CITATIONS = {  # the words of a citation until 0.4.0 -> its words now (old pickles)
    "Second-line treatment options for idiopathic plexopathy (plexodose seed document)": SEED,
    # the reference's file names, which a user does not have: now its words and the docs page
    "plexodose dosing-rules.md, Screening an order someone else wrote":
        "plexodose clinical rules, 'Screening an order someone else wrote' (documentation: "
        "Screening orders)",
    "plexodose conservative choice (monitoring-rules.md, IVIg safety, 2026-12-07)":
        "plexodose conservative choice (clinical rules, 'IVIg safety', 2026-12-07; "
        "documentation: Monitoring)",
    "plexodose choice (dosing-rules.md, Whose value, from when)":
        "plexodose choice (clinical rules, 'Whose value, from when'; documentation: Values and "
        "dates)",
    "plexodose choice (dosing-rules.md, Labs for a review decision)":
        "plexodose choice (clinical rules, 'Labs for a review decision'; documentation: Values "
        "and dates)",
    "plexodose choice (dosing-rules.md, Labs for a dose decision)":
        "plexodose choice (clinical rules, 'Labs for a dose decision'; documentation: Values and "
        "dates)",
    "plexodose data hygiene (dosing-rules.md, Whose value, from when)":
        "plexodose data hygiene (clinical rules, 'Whose value, from when'; documentation: "
        "Values and dates)",
    "plexodose reference (monitoring-rules.md, one calendar for one blood draw)":
        "plexodose clinical rules (one calendar for one blood draw; documentation: Monitoring)",
    "plexodose reference (monitoring-rules.md, reading of SPS 'until dose stable')":
        "plexodose clinical rules (reading of SPS 'until dose stable'; documentation: "
        "Monitoring)",
    "plexodose choice set from hospital practice (dosing-rules.md, 'A change in weight'): MGB "
    "chemotherapy activation (> 5 % approval), GenPRES CALC-003 (>= 5 % forced recalculation), "
    "Western Health (+/-10 % flag)":
        "plexodose choice set from hospital practice (clinical rules, 'A change in weight'; "
        "documentation: Monitoring): MGB chemotherapy activation (> 5 % approval), GenPRES "
        "CALC-003 (>= 5 % forced recalculation), Western Health (+/-10 % flag)",
    "US azathioprine prescribing information and NHS Specialist Pharmacy Service (the more "
    "frequent at each point, monitoring-rules.md)":
        "US azathioprine prescribing information and NHS Specialist Pharmacy Service (the more "
        "frequent at each point, plexodose clinical rules)",
    "oral cyclophosphamide by creatinine (second-hand summary; dosing-rules.md bands)":
        "oral cyclophosphamide by creatinine (second-hand summary; the dose bands of rule "
        "cyclophosphamide.oral.renal)",
}
"""A citation's words until 0.4.0 -> its words now: a Source pickled before takes the new words
(and its id and lookup) from the rule it names (:func:`_recovered`)."""

SEED_IVIG = Source(
    "seed", SEED, "IVIg 0.4 g/kg daily for 5 days or 1 g/kg for 1-2 days", id="ivig.seed.regimen"
)
SEED_AZATHIOPRINE = Source(
    "seed", SEED, "azathioprine 1-2 mg/kg daily, maximum 150 mg/day", id="azathioprine.seed.regimen"
)
SEED_CYCLOPHOSPHAMIDE = Source(
    "seed", SEED, "cyclophosphamide 1-2 mg/kg orally daily or 0.3-1 g/m2 IV every 2-4 weeks",
    id="cyclophosphamide.seed.regimen",
)
SEED_CICLOSPORIN = Source(
    "seed", SEED, "ciclosporin 5 mg/kg/day initially, then 2.5-3 mg/kg/day",
    id="ciclosporin.seed.regimen",
)
SEED_MYCOPHENOLATE = Source(
    "seed", SEED, "mycophenolate mofetil 1,000 mg twice daily", id="mycophenolate.seed.regimen"
)
SEED_DURATION = Source(
    "seed", SEED, "immunosuppressants need 3-6 months for full effect", id="course.seed.duration"
)

BSA = Source(
    "guideline",
    "GlobalRPh body surface area calculator",
    "BSA formulas of Mosteller, DuBois, Haycock, Gehan & George and Boyd",
    id="body.bsa.formulas",
)
DEVINE = Source(
    "guideline",
    "Australian NBA BloodSTAR dose calculator",
    "ideal body weight (Devine) and adjusted body weight IBW + 0.4 x (actual - IBW)",
    id="body.weight.devine",
)
COCKCROFT_GAULT = Source(
    "guideline",
    "Cockcroft-Gault 1976",
    "CrCl = (140 - age) x weight / (72 x SCr), x 0.85 if female",
    id="renal.crcl.cockcroft_gault",
)
CRCL_WEIGHT_GAP = Source(
    "gap",
    "plexodose conservative choice (no source says which weight to use)",
    "Cockcroft-Gault for dose adjustment uses the lower of actual and ideal body weight",
    id="renal.crcl.weight",
)
CKD_EPI_2021 = Source(
    "guideline",
    "NKF CKD-EPI 2021 race-free equation",
    "eGFR = 142 x min(SCr/k,1)^a x max(SCr/k,1)^-1.200 x 0.9938^age (x 1.012 F)",
    id="renal.egfr.ckd_epi_2021", year=2021,
)

TRANSFUSION_ONTARIO = Source(
    "guideline",
    "Transfusion Ontario IVIg dosing",
    "adjusted body weight when BMI > 30 and height 152.4 cm or over (actual weight below "
    "152.4 cm); round doses to the nearest 5 g",
    id="ivig.weight.ontario", links=("ivig.transfusionontario.org/dose",),
)
US_IVIG_ORDER_SETS = Source(
    "guideline", "US IVIg order sets", "adjusted body weight when actual weight > 120 % of IBW",
    id="ivig.weight.us_order_sets"
)
AUSTRALIA_2026 = Source(
    "guideline",
    "Australian NBA IVIg dosing (2026)",
    "adjusted weight by default; actual weight under 18 years, under 152 cm, or when lower",
    id="ivig.weight.australia_2026", year=2026,
)
ROUNDING_WARNING_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no rounding tolerance for tablets)",
    "warn when rounding to whole tablets or capsules moves a dose by more than 10 %",
    id="dispense.rounding.warning",
)
US_ROUNDING = Source(
    "secondary",
    "US IVIg practice (second-hand summary)",
    "keep the rounded dose within 10 % of the ordered dose",
    id="ivig.rounding.us",
)
IVIG_MAINTENANCE = Source(
    "label",
    "Gammagard Liquid / Privigen CIDP labels; Transfusion Ontario",
    "maintenance 1 g/kg every 3 weeks",
    id="ivig.maintenance.label",
)
IVIG_MAX_DAILY_GAP = Source(
    "gap",
    "plexodose conservative choice (no maximum daily dose found)",
    "at most 1 g/kg/day, the highest label single-day dose seen",
    id="ivig.limit.daily",
)
GAMUNEX_LABEL = Source(
    "label",
    "Gamunex-C 10 % prescribing information",
    "bottles 1, 2.5, 5, 10, 20, 40 g; CIDP rate 2 then up to 8 mg/kg/min",
    id="ivig.product.gamunex", links=("rxlist.com/gamunex-c-drug/warnings-precautions.htm",),
)
PRIVIGEN_LABEL = Source(
    "label",
    "Privigen 10 % prescribing information",
    "vials 5, 10, 20, 40 g; CIDP: start 0.5 mg/kg/min, increase to 8 mg/kg/min (the CIDP row, "
    "plexodose's default for plexopathy, off-label)",
    id="ivig.product.privigen", links=("prescriberpoint.com/therapies/privigen-7e5649d",),
)
GAMMAGARD_LABEL = Source(
    "label",
    "Gammagard Liquid 10 % CIDP prescribing information",
    "vials 1, 2.5, 5, 10, 20, 30 g; CIDP: start 0.5 mL/kg/h (0.8 mg/kg/min), max 5.4 mL/kg/h "
    "(9 mg/kg/min)",
    id="ivig.product.gammagard", links=("gammagard.com/hcp/cidp/dosing-administration",),
)

SEED_CEILING_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no absolute maximum)",
    "an override may leave the protocol range but never pass the seed's highest dose",
    id="dosing.limit.seed_ceiling",
)
INDETERMINATE_GAP = Source(
    "gap",
    "plexodose conservative choice (CPIC advises measuring TPMT activity, with no dose)",
    "an indeterminate phenotype is dosed as an intermediate metabolizer until measured",
    id="azathioprine.genotype.indeterminate",
)
CPIC_THIOPURINES = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15 (2018, updated 2024)",
    "intermediate: 30-80 % of normal dose; intermediate for both genes: 20-50 %; "
    "poor: non-thiopurine alternative, or 10-fold reduction three times a week",
    id="azathioprine.genotype.cpic",
    year=2018,
    edition="updates of April 2020 and March 2024",
    links=("PMC6576267", "cpicpgx.org/guidelines"),
)
RANGE_LOW_END_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "where a source gives a range of reductions, the larger reduction is the default",
    id="dosing.reduction.larger",
)
AZATHIOPRINE_LABEL = Source(
    "label",
    "azathioprine prescribing information",
    "tablets 25 and 50 mg; with allopurinol one third to one quarter of the usual dose",
    id="azathioprine.label.tablets_allopurinol",
)
AZATHIOPRINE_RENAL = Source(
    "secondary",
    "azathioprine renal dosing (second-hand summary)",
    "CrCl 10-50 mL/min: 75 % of dose; below 10: 50 %",
    id="azathioprine.renal.crcl",
)
NUDT15_INDETERMINATE = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15 (2018, updated 2024)",
    "NUDT15 indeterminate: no NUDT15 activity assay exists; advise close monitoring",
    id="azathioprine.genotype.nudt15_indeterminate",
    year=2018,
    edition="updates of April 2020 and March 2024",
    links=("PMC6576267", "cpicpgx.org/guidelines"),
)

CYCLOPHOSPHAMIDE_NADIR = Source(
    "guideline",
    "University of Michigan / VA neurology cyclophosphamide protocol",
    "nadir WBC at day 10-14; raise next pulse 25 % until nadir about 2,000/mm3; cut 10-20 % "
    "below 1,500-2,000; pre-pulse WBC 2,000-3,000: 50 %; below 2,000: hold; ceiling 1.6 g/m2",
    id="cyclophosphamide.iv.michigan.nadir",
    links=("wiki.med.umich.edu/display/NEURO/VA+Cyclophosphamide+Protocol",),
)
FRENCH_NEUTROPHILS = Source(
    "guideline", "French national protocol", "neutrophils < 1.5 x10^9/L: cut 25 % or postpone",
    id="cyclophosphamide.iv.french.neutrophils",
    edition="Box 6",
    links=("pmc.ncbi.nlm.nih.gov/articles/PMC7771069",),
)
EULAR_CYCLOPS = Source(
    "guideline",
    "EULAR 2009 / CYCLOPS pulse reduction",
    "15 mg/kg pulses reduced for age (60-70, > 70) and creatinine (300-500 umol/L)",
    id="cyclophosphamide.iv.cyclops.reduction", year=2009,
)
CYCLOPHOSPHAMIDE_ORAL_RENAL = Source(
    "secondary",
    "oral cyclophosphamide by creatinine (second-hand summary)",
    "creatinine < 250 umol/L: 2 mg/kg; 251-500: 1.75 mg/kg; > 500: 1.5 mg/kg",
    id="cyclophosphamide.oral.renal",
)
ORAL_CYCLOPHOSPHAMIDE_MAX = Source(
    "secondary",
    "EULAR 2009 / EUVAS summaries (second-hand)",
    "oral cyclophosphamide 2 mg/kg/day, maximum 200 mg/day",
    id="cyclophosphamide.oral.limit.daily", year=2009,
)
CYCLOPS_PULSE_MAX = Source(
    "guideline",
    "Edinburgh renal unit handbook, systemic vasculitis (CYCLOPS protocol)",
    "mg/kg pulses at most 1.2 g per pulse ([secondary] summaries give 1.5 g)",
    id="cyclophosphamide.iv.cyclops.limit",
)
MESNA_HYDRATION = Source(
    "guideline",
    "cyclophosphamide pulse protocols",
    "mesna 80-100 % of the cyclophosphamide dose in divided doses (protocol dependent); pulses "
    "need hydration",
    id="cyclophosphamide.iv.mesna",
)
BSA_CAP = Source(
    "guideline", "institutional BSA caps", "BSA capped at 2.0 or 2.2 m2 where chosen",
    id="body.bsa.cap",
)
FAURSCHOU_2008 = Source(
    "guideline",
    "Faurschou 2008",
    "cumulative cyclophosphamide above 36 g raises AML and bladder-cancer risk",
    id="cyclophosphamide.cumulative.faurschou_2008", year=2008,
)
TRAVIS_1995 = Source(
    "guideline", "Travis 1995", "bladder cancer risk x6 at 20-49 g, x14.5 at >= 50 g cumulative",
    id="cyclophosphamide.cumulative.travis_1995", year=1995
)

CICLOSPORIN_LABEL = Source(
    "label",
    "US modified ciclosporin prescribing information (RA/psoriasis)",
    "start 2.5 mg/kg/day in two doses, up to 4 mg/kg/day; creatinine rise >= 25 % (psoriasis) "
    "or 30 % (RA) above baseline: reduce 25-50 %; capsules 25, 50, 100 mg",
    id="ciclosporin.label.dose", edition="Gengraf text", links=("120ty.net",),
)

CICLOSPORIN_CONTRAINDICATIONS = Source(
    "label",
    "US modified ciclosporin prescribing information (RA/psoriasis)",
    "contraindicated with abnormal renal function, uncontrolled hypertension or malignancy",
    id="ciclosporin.label.contraindications", edition="Gengraf text", links=("120ty.net",),
)
CICLOSPORIN_EGFR_GAP = Source(
    "gap",
    "plexodose conservative choice (the label says 'abnormal renal function')",
    "ciclosporin is not started below eGFR 60 mL/min/1.73 m2 without an override reason",
    id="ciclosporin.renal.egfr_start",
)

IVIG_BOXED_WARNING = Source(
    "label",
    "US immune globulin intravenous products, boxed warning",
    "thrombosis, and renal dysfunction or failure in predisposed patients: use the minimum dose, "
    "concentration and rate practicable; hydrate before the infusion; check renal function",
    id="ivig.label.boxed_warning",
)
MYCOPHENOLATE_TITRATION = Source(
    "secondary",
    "Australian eTG (secondary mirror)",
    "start 500 mg twice daily, maximum 1,500 mg twice daily, weekly 500 mg steps",
    id="mycophenolate.titration.etg",
)
MYCOPHENOLATE_LABEL = Source(
    "label",
    "mycophenolate mofetil prescribing information",
    "250 mg capsule, 500 mg tablet, 200 mg/mL suspension; not interchangeable with the sodium salt",
    id="mycophenolate.label.products",
)
MYCOPHENOLATE_RENAL = Source(
    "label",
    "mycophenolate label (via secondary summary)",
    "GFR < 25 mL/min/1.73 m2: avoid more than 1 g twice daily",
    id="mycophenolate.renal.gfr_25",
)
MYCOPHENOLATE_SODIUM = Source(
    "secondary",
    "mycophenolate sodium equivalence (secondary)",
    "mycophenolate sodium 720 mg is about mycophenolate mofetil 1,000 mg",
    id="mycophenolate.conversion.sodium",
)

# Added 2026-12-07 (clinical rules, "Changes on 2026-12-07"): issue 19.
CPIC_REDUCED_TABLETS = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15 (2018 Table 3, updated 2024)",
    "a reduced metabolizer starts on day 1 at the reduced dose (30-80 % of the normal dose N, "
    "20-50 % for both genes), applied once to N; plexodose gives the smallest whole multiple "
    "of 25 mg inside that range [gap: tablet floor]",
    id="azathioprine.genotype.reduced_start",
    year=2018,
    edition="Table 3",
    links=("PMC6576267", "cpicpgx.org/guidelines"),
)
CPIC_POOR_MALIGNANCY = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15, recommendation for malignant conditions",
    "poor metabolizer in malignancy: reduce daily dose by 10-fold and dose thrice weekly "
    "instead of daily; for nonmalignant conditions consider a non-thiopurine alternative",
    id="azathioprine.genotype.poor_malignancy",
    year=2018,
    links=("precisionmedicine.ufhealth.org",),
)
AZATHIOPRINE_TAPER = Source(
    "label",
    "US azathioprine prescribing information, maintenance therapy",
    "the dose can be lowered decrementally with changes of 0.5 mg/kg or approximately 25 mg "
    "daily every 4 weeks",
    id="azathioprine.taper.label", links=("prescriberpoint.com/therapies/azathioprine-200ce99",),
)
MICHIGAN_STEP = Source(
    "guideline",
    "University of Michigan / VA neurology cyclophosphamide protocol",
    "from 1,400 mg/m2 the increase is limited to 100 mg/m2 each month; maximum 1,600 mg/m2 "
    "irrespective of the nadir WBC",
    id="cyclophosphamide.iv.michigan.step",
    links=("wiki.med.umich.edu/display/NEURO/VA+Cyclophosphamide+Protocol",),
)
BELOW_RANGE = Source(
    "gap",
    "plexodose clinical rules, 'Screening an order someone else wrote' (documentation: Screening "
    "orders)",
    "a request below the protocol range is computed with a warning naming the range, never "
    "refused",
    id="screening.below_range",
)
ONTARIO_ALL_ADULTS = Source(
    "guideline",
    "Transfusion Ontario IG dose calculator (ivig.transfusionontario.org/dose)",
    "should be used for all patients 152.4 cm or over and over 50 kg (male) / 45.5 kg (female): "
    "adjusted body weight, never above actual weight",
    id="ivig.weight.ontario_all_adults", links=("ivig.transfusionontario.org/dose",),
)
PANZYGA_LABEL = Source(
    "label",
    "Panzyga 10 % prescribing information",
    "bottles 1, 2.5, 5, 10, 20, 30 g; CIDP: start 1 mg/kg/min, up to 12 mg/kg/min; at risk of "
    "thrombosis or renal dysfunction: do not exceed 3.3 mg/kg/min",
    id="ivig.product.panzyga",
    links=(
        "prescriberpoint.com/therapies/panzyga-e2cc5dd",
        "panzygausa.com/citp/dosing-infusion",
        "myhealthbox.eu",
    ),
)
OCTAGAM_LABEL = Source(
    "label",
    "Octagam 10 % prescribing information (pfizerpro.com; octagam.com)",
    "2, 5, 10, 20, 30 g; ITP row (no CIDP row in the US label): start 1 mg/kg/min, up to "
    "12 mg/kg/min; at risk: not to exceed 3.3 mg/kg/min",
    id="ivig.product.octagam",
    links=("pfizerpro.com/product/octagam-10/itp/dosing-administration", "octagam.com"),
)
IVIG_AT_RISK_RATE = Source(
    "gap",
    "plexodose conservative choice (clinical rules, 'IVIg safety', 2026-12-07; documentation: "
    "Monitoring)",
    "at risk: the product's own at-risk figure, else its initial rate held for the whole "
    "infusion; a day over 8 hours is warned, over 24 hours refused by default",
    id="ivig.rate.at_risk",
)
CYCLOPHOSPHAMIDE_TABLETS = Source(
    "label",
    "cyclophosphamide tablets USP (DailyMed)",
    "tablets 25 mg and 50 mg",
    id="cyclophosphamide.oral.tablets",
)
