"""Where a reader looks a source up (issue 21): year, edition and links, filled only from what
the clinical rules state; the seed named by its title; no reference file name shown to a user;
old pickles recover the new fields and words."""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
from typing import Any

import pytest
from test_source_ids import reachable_sources

import plexodose as px
from plexodose import InputRangeError, Source
from plexodose._core import registry as _registry
from plexodose._core import sources as src
from plexodose._monitoring import thresholds
from plexodose._patient import provenance
from plexodose._screening import table

MICHIGAN = "wiki.med.umich.edu/display/NEURO/VA+Cyclophosphamide+Protocol"
FRENCH = "pmc.ncbi.nlm.nih.gov/articles/PMC7771069"

# Written by hand from the clinical rules (each line's words quoted beside it), not read from
# them: a test does not read the project's reference files.
EXPECTED = [
    # dosing-rules.md: "CPIC 2018, updated 2024 (PMC6576267 Table 3; cpicpgx.org/guidelines
    # updates of April 2020 and March 2024)"
    (src.CPIC_THIOPURINES, 2018, "updates of April 2020 and March 2024",
     ("PMC6576267", "cpicpgx.org/guidelines")),
    (src.CPIC_REDUCED_TABLETS, 2018, "Table 3", ("PMC6576267", "cpicpgx.org/guidelines")),
    # "(wiki.med.umich.edu/display/NEURO/VA+Cyclophosphamide+Protocol)"
    (src.CYCLOPHOSPHAMIDE_NADIR, None, "", (MICHIGAN,)),
    # monitoring-rules.md: "French national protocol (pmc.ncbi.nlm.nih.gov/articles/PMC7771069,
    # Box 6: ..."
    (src.FRENCH_NEUTROPHILS, None, "Box 6", (FRENCH,)),
    # "Dosing weight ... Transfusion Ontario IG dose calculator (ivig.transfusionontario.org/dose"
    (src.TRANSFUSION_ONTARIO, None, "", ("ivig.transfusionontario.org/dose",)),
    # "Privigen prescribing information (prescriberpoint.com/therapies/privigen-7e5649d: CIDP"
    (src.PRIVIGEN_LABEL, None, "", ("prescriberpoint.com/therapies/privigen-7e5649d",)),
    # "Octagam 10 % (pfizerpro.com/product/octagam-10/itp/dosing-administration)"; "(octagam.com)"
    (src.OCTAGAM_LABEL, None, "",
     ("pfizerpro.com/product/octagam-10/itp/dosing-administration", "octagam.com")),
    # "BSR and BHPR guideline ..., Rheumatology 2017"; the SPS mycophenolate page quoted
    (thresholds.BSR_RENAL, 2017, "Rheumatology 2017",
     ("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",)),
    # "Gengraf text as mirrored at 120ty.net"
    (src.CICLOSPORIN_LABEL, None, "Gengraf text", ("120ty.net",)),
    # "Faurschou 2008", "Travis 1995", "EULAR 2009 / CYCLOPS", "Australia (2026)"
    (src.FAURSCHOU_2008, 2008, "", ()),
    (src.TRAVIS_1995, 1995, "", ()),
    (src.EULAR_CYCLOPS, 2009, "", ()),
    (src.AUSTRALIA_2026, 2026, "", ()),
    # "Weight must be re-entered every 30 days ..." (clinicalhelp.mgb.org/orderentry/
    # defineChemoWeight.htm); the Michigan protocol's work-up "within 1 week of the infusion"
    (provenance.WEIGHT_STALE, None, "",
     ("clinicalhelp.mgb.org/orderentry/defineChemoWeight.htm", MICHIGAN)),
    # none given: the seed (undated), a second-hand summary, a gap, a label read second-hand
    (src.SEED_IVIG, None, "", ()),
    (src.US_ROUNDING, None, "", ()),
    (src.IVIG_MAX_DAILY_GAP, None, "", ()),
    (src.MYCOPHENOLATE_RENAL, None, "", ()),
    (src.COCKCROFT_GAULT, None, "", ()),  # "1976" is in its words, not in the rules
]


@pytest.mark.parametrize(("source", "year", "edition", "links"), EXPECTED,
                         ids=[s.id for s, *_ in EXPECTED])
def test_a_source_s_lookup_is_the_one_the_rules_give(source: Source, year: int | None,
                                                     edition: str,
                                                     links: tuple[str, ...]) -> None:
    assert (source.year, source.edition, source.links) == (year, edition, links)


def test_every_link_looks_like_an_address_and_every_year_is_plausible() -> None:
    sources = reachable_sources()
    linked = [s for s in sources if s.links]
    dated = [s for s in sources if s.year is not None]
    assert len(linked) >= 40 and len(dated) >= 15  # most guideline and label rules have one
    site = re.compile(r"(https?://)?[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(/[\w.+%-]+)*/?"
                      r"|PMC[0-9]{6,8}", re.IGNORECASE)
    for source in linked:
        assert len(set(source.links)) == len(source.links), source.id
        for link in source.links:
            assert site.fullmatch(link), (source.id, link)
            assert not link.endswith((".", ",", ")")), (source.id, link)
    for source in dated:
        assert 1970 <= source.year <= 2026, source.id  # type: ignore[operator]
        assert re.fullmatch(r"\d{4}", str(source.year))


def test_the_reference_adds_only_what_the_citation_does_not_already_say() -> None:
    # "CPIC ... (2018, updated 2024)" already names 2018: not repeated
    assert src.CPIC_THIOPURINES.reference == (
        "CPIC guideline for thiopurines and TPMT/NUDT15 (2018, updated 2024), updates of April "
        "2020 and March 2024, PMC6576267, cpicpgx.org/guidelines")
    # "(pfizerpro.com; octagam.com)": the page's path is new, octagam.com is not
    assert src.OCTAGAM_LABEL.reference == (
        "Octagam 10 % prescribing information (pfizerpro.com; octagam.com), "
        "pfizerpro.com/product/octagam-10/itp/dosing-administration")
    assert src.FAURSCHOU_2008.reference == "Faurschou 2008"  # the year is in its words
    assert src.FAURSCHOU_2008.lookup == ""
    poor = src.CPIC_POOR_MALIGNANCY  # no year in its words: the year is given
    assert poor.lookup == "2018, precisionmedicine.ufhealth.org"
    assert str(src.CYCLOPHOSPHAMIDE_NADIR).startswith(
        "[guideline] University of Michigan / VA neurology cyclophosphamide protocol, "
        f"{MICHIGAN}: nadir WBC at day 10-14")


def test_the_seed_is_named_as_the_clinical_summary_it_is() -> None:
    assert src.SEED == ("Second-Line Treatment Options for Idiopathic Plexopathy (undated "
                        "clinical summary; its numbered references are not listed)")
    seeds = [r.source for r in _registry.registry() if r.source.tag == "seed"]
    assert len(seeds) >= 10 and {s.citation for s in seeds} == {src.SEED}
    assert all((s.year, s.edition, s.links) == (None, "", ()) for s in seeds)  # nothing to add
    assert str(src.SEED_AZATHIOPRINE) == f"[seed] {src.SEED}: azathioprine 1-2 mg/kg daily, " \
                                         "maximum 150 mg/day"


def test_no_source_names_a_reference_file_a_user_does_not_have() -> None:
    for source in reachable_sources():
        words = " ".join([source.citation, source.rule, source.edition, *source.links])
        assert not re.search(r"(dosing|monitoring)-rules\.md|seed document", words), source.id
    # what they say instead: the rules' section and the documentation page explaining it
    assert table.SCREENING.citation == ("plexodose clinical rules, 'Screening an order someone "
                                        "else wrote' (documentation: Screening orders)")
    assert provenance.DATE_ORDER.citation == (
        "plexodose data hygiene (clinical rules, 'Whose value, from when'; documentation: "
        "Values and dates)")


def test_each_former_citation_leads_to_words_in_use() -> None:
    in_use = {r.source.citation for r in _registry.registry()}
    assert len(src.FORMER_CITATIONS) == 12
    assert set(src.FORMER_CITATIONS.values()) <= in_use
    assert not set(src.FORMER_CITATIONS) & in_use


@pytest.mark.parametrize(("field", "bad"), [
    ("year", 1799), ("year", 2101), ("year", "2018"), ("year", 2018.0), ("year", True),
    ("edition", "updated\n2024"), ("edition", " Box 6"), ("edition", "x" * 121), ("edition", None),
    ("links", "sps.nhs.uk"), ("links", ("sps.nhs.uk", "not a link")), ("links", ("",)),
    ("links", ("www",)), ("links", (5,)), ("links", None),
])
def test_a_bad_lookup_field_is_refused_naming_field_and_value(field: str, bad: Any) -> None:
    with pytest.raises(InputRangeError, match=f"a Source {field}|Source {field} are") as caught:
        Source("gap", "test", "a rule", **{field: bad})
    assert (caught.value.field, caught.value.value) == (field, bad)


def test_lookup_fields_are_keyword_only_optional_and_part_of_equality() -> None:
    plain = Source("label", "My IVIg label", "vials 5, 10 g")
    assert (plain.year, plain.edition, plain.links, plain.lookup) == (None, "", (), "")
    listed = Source("label", "My IVIg label", "vials 5, 10 g", year=2024, edition="rev. 3",
                    links=["https://example.org/label", "PMC1234567"])
    assert listed.links == ("https://example.org/label", "PMC1234567")  # a list is kept as a tuple
    assert listed != plain and hash(listed) == hash(Source(**{
        "tag": "label", "citation": "My IVIg label", "rule": "vials 5, 10 g", "year": 2024,
        "edition": "rev. 3", "links": ("https://example.org/label", "PMC1234567")}))
    assert str(listed) == ("[label] My IVIg label, 2024, rev. 3, https://example.org/label, "
                           "PMC1234567: vials 5, 10 g")
    with pytest.raises(TypeError):
        Source("label", "My IVIg label", "vials 5, 10 g", "", 2024)  # type: ignore[misc]


def test_the_printed_form_rebuilds_the_source() -> None:
    for source in (src.CPIC_THIOPURINES, src.SEED_IVIG, Source("gap", "t", "r", year=2020)):
        assert eval(repr(source), {"Source": Source}) == source
    assert repr(src.SEED_IVIG).endswith(", id='ivig.seed.regimen')")  # unset fields not shown


def _loaded(state: Any) -> Source:
    """A Source loaded from a pickle state written by an older release."""
    loaded = Source.__new__(Source)
    loaded.__setstate__(state)  # type: ignore[attr-defined]
    return loaded


def test_a_source_pickled_by_0_4_0_loads_equal_to_today_s() -> None:
    for today in (src.CPIC_THIOPURINES, src.FAURSCHOU_2008, thresholds.BSR_RENAL,
                  src.SEED_IVIG):
        words = {"tag": today.tag, "citation": today.citation, "rule": today.rule}
        assert _loaded({**words, "id": today.id}) == today  # 0.4.0: an id, no lookup
        assert _loaded(words) == today  # 0.1.0: words alone
    new = pickle.loads(pickle.dumps(src.CPIC_THIOPURINES))
    assert (new, new.links) == (src.CPIC_THIOPURINES, ("PMC6576267", "cpicpgx.org/guidelines"))


def test_an_older_pickle_follows_a_renamed_citation_to_today_s_words() -> None:
    old_seed = "Second-line treatment options for idiopathic plexopathy (plexodose seed document)"
    state = {"tag": "seed", "citation": old_seed, "rule": src.SEED_IVIG.rule}
    assert _loaded(state) == src.SEED_IVIG  # 0.1.0: no id, found by its (former) words
    assert _loaded({**state, "id": "ivig.seed.regimen"}) == src.SEED_IVIG  # 0.4.0
    old_screening = "plexodose dosing-rules.md, Screening an order someone else wrote"
    below = _loaded({"tag": "gap", "citation": old_screening, "rule": src.BELOW_RANGE.rule,
                     "id": "screening.below_range"})
    assert below == src.BELOW_RANGE and "rules.md" not in str(below)


def test_an_older_pickle_recovers_nothing_it_cannot_match() -> None:
    cpic = src.CPIC_THIOPURINES
    words = {"tag": cpic.tag, "citation": cpic.citation, "rule": cpic.rule}
    other = _loaded({**words, "id": "local.cpic.copy"})  # its own id: not the package's rule
    assert (other.id, other.year, other.links) == ("local.cpic.copy", None, ())
    revised = _loaded({**words, "rule": "words since revised", "id": cpic.id})
    assert (revised.year, revised.links, revised.citation) == (None, (), cpic.citation)
    full = pickle.loads(pickle.dumps(Source(cpic.tag, cpic.citation, cpic.rule, id=cpic.id)))
    assert full.links == ()  # pickled with every field (none set): loaded as pickled


def test_the_rules_listing_json_and_page_show_where_to_look() -> None:
    from plexodose import cli
    from plexodose._interop.json import source_dict

    text = cli.run_rules(cli.build_parser().parse_args(["rules"])).text
    assert ("\n  azathioprine.genotype.cpic [guideline] intermediate: 30-80 % of normal dose; "
            "intermediate for both genes: 20-50 %; poor: non-thiopurine alternative, or 10-fold "
            f"reduction three times a week (source: {src.CPIC_THIOPURINES.reference})\n") in text
    assert source_dict(src.FRENCH_NEUTROPHILS) == {
        "id": "cyclophosphamide.iv.french.neutrophils", "tag": "guideline",
        "citation": "French national protocol",
        "rule": "neutrophils < 1.5 x10^9/L: cut 25 % or postpone",
        "year": None, "edition": "Box 6", "links": [FRENCH]}
    page = _registry.rules_markdown()
    assert (f"| `cyclophosphamide.iv.michigan.step` | {src.MICHIGAN_STEP.rule} | `guideline` | "
            f"University of Michigan / VA neurology cyclophosphamide protocol, {MICHIGAN} |"
            ) in page


def test_a_screen_s_fhir_evidence_cites_where_to_look() -> None:
    p = px.Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                   serum_creatinine="1 mg/dL", tpmt="intermediate", nudt15="normal")
    order = px.Order(drug="azathioprine", dose="150 mg", times_per_day=1)
    s = px.screen(order, p, on=dt.date(2026, 12, 1))  # N = 144 mg; 80 % = 115.2 < 150: soft
    issues = [e["resource"] for e in s.to_fhir("MedicationRequest/mr1")["entry"]]
    shown = [d["display"] for i in issues for e in i.get("evidence", []) for d in e["detail"]]
    assert any(d.endswith(f"(source [guideline] {src.CPIC_THIOPURINES.reference})")
               for d in shown), shown
    json.dumps(issues)  # still plain JSON


@pytest.mark.parametrize("field", ["tag", "citation", "rule"])
def test_a_source_s_words_must_be_text(field: str) -> None:
    # a citation is joined and printed: a number there would fail later, with a TypeError
    words: dict[str, object] = {"tag": "gap", "citation": "mine", "rule": "a rule", field: 5}
    with pytest.raises(InputRangeError, match=f"a Source's {field} must be text; got int 5"):
        src.Source(**words, year=2020)  # type: ignore[arg-type]
