"""Every Source of the package has a stable id (``ivig.weight.ontario``): present, well formed,
unique; ids take part in equality; pickles, old and new, keep or recover them."""

from __future__ import annotations

import pickle
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

import plexodose
from plexodose import InputRangeError, Patient, Source
from plexodose._core import registry as _registry
from plexodose._core import sources as src

ID_FORM = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")  # the form the issue asks for
DATA = Path(__file__).resolve().parents[1] / "data"


def _sources_in(value: Any, found: dict[int, Source], seen: set[int], depth: int = 0) -> None:
    """Every Source in ``value``: itself, or inside its containers and attrs fields (a product
    table holds its label's Source), a few levels down."""
    if id(value) in seen or depth > 4 or isinstance(value, (str, bytes, type)):
        return
    seen.add(id(value))
    if isinstance(value, Source):
        found[id(value)] = value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _sources_in(key, found, seen, depth + 1)
            _sources_in(item, found, seen, depth + 1)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for item in value:
            _sources_in(item, found, seen, depth + 1)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            _sources_in(getattr(value, field.name, None), found, seen, depth + 1)


def reachable_sources() -> list[Source]:
    """Each Source reachable from a module constant of any plexodose module, or the registry."""
    found: dict[int, Source] = {}
    seen: set[int] = set()
    for module in _registry.modules():
        for value in vars(module).values():
            _sources_in(value, found, seen)
    for rule in _registry.registry():
        found[id(rule.source)] = rule.source
    return list(found.values())


def id_problems(sources: Iterable[Source]) -> list[str]:
    """What is wrong with the ids of ``sources``: missing, malformed, or shared by two
    different Sources (one Source reached twice, or an equal copy, is one Source)."""
    problems = []
    owner: dict[str, Source] = {}
    for source in sources:
        if not source.id:
            problems.append(f"no id: {source}")
        elif not ID_FORM.match(source.id):
            problems.append(f"malformed id {source.id!r}: {source}")
        elif owner.setdefault(source.id, source) != source:
            problems.append(f"id {source.id!r} shared by: {owner[source.id]} and {source}")
    return problems


def test_every_source_in_the_package_has_a_unique_well_formed_id() -> None:
    sources = reachable_sources()
    assert id_problems(sources) == []
    # the walk reached every registered rule (127 when ids came) and the product tables too
    assert len({s.id for s in sources}) == len(sources) >= len(_registry.registry()) >= 127
    product = plexodose.ivig(Patient.example(), product="privigen").product
    assert product is not None and product.source.id == "ivig.product.privigen"


def test_the_registry_s_rules_have_distinct_words() -> None:
    """An old pickle's Source finds its id by its words: no two rules may share them."""
    words = [(r.source.tag, r.source.citation, r.source.rule) for r in _registry.registry()]
    assert len(set(words)) == len(words)


def test_the_check_fails_for_a_new_source_without_an_id(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "plexodose"
    package.mkdir()
    (package / "_monitoring_new_ids.py").write_text(
        "from plexodose._core.sources import Source, SEED_IVIG\n"
        'LFT_RULE = Source("gap", "test", "check LFTs")\n'
        'TWIN = Source("gap", "test", "another rule", id="ivig.seed.regimen")\n'
        "ALIAS = SEED_IVIG\n", encoding="utf-8")
    monkeypatch.setattr(plexodose, "__path__", [*plexodose.__path__, str(package)])
    try:
        problems = id_problems(reachable_sources())
    finally:
        sys.modules.pop("plexodose._monitoring_new_ids", None)
    assert problems == [
        "no id: [gap] test: check LFTs",
        "id 'ivig.seed.regimen' shared by: " + f"{src.SEED_IVIG} and [gap] test: another rule",
    ]  # the alias of SEED_IVIG is the same Source: not a clash


@pytest.mark.parametrize("bad", ["azathioprine", "Azathioprine.limit", "ivig..weight",
                                 ".ivig.weight", "ivig.weight.", "ivig weight.x", "ivig-x.y",
                                 "ivig.weight.ontario\n", None, 5])
def test_a_malformed_id_is_refused_naming_the_field_and_value(bad: Any) -> None:
    with pytest.raises(InputRangeError, match=r"Source id is dotted lower-case words") as caught:
        Source("gap", "test", "a rule", id=bad)
    assert (caught.value.field, caught.value.value) == ("id", bad)


def test_ids_are_keyword_only_optional_and_part_of_equality() -> None:
    label = ("label", "My IVIg label", "vials 5, 10 g")
    assert Source(*label).id == ""  # a user's own Source needs no id
    assert Source(*label, id="local.ivig.vials").id == "local.ivig.vials"
    with pytest.raises(TypeError):
        Source(*label, "local.ivig.vials")  # type: ignore[call-arg]
    words = (src.SEED_IVIG.tag, src.SEED_IVIG.citation, src.SEED_IVIG.rule)
    assert Source(*words, id="ivig.seed.regimen") == src.SEED_IVIG
    assert Source(*words) != src.SEED_IVIG  # same words, no id: not the package's rule
    assert len({Source(*words, id="a.b"), Source(*words, id="a.c"), src.SEED_IVIG}) == 3
    assert str(src.SEED_IVIG) == f"[seed] {src.SEED}: " + words[2]  # text as before: no id


def test_a_pickle_keeps_the_id_and_a_source_without_one_stays_without() -> None:
    for source in (src.TRANSFUSION_ONTARIO, Source("gap", "test", "a rule", id="test.rule")):
        loaded = pickle.loads(pickle.dumps(source))
        assert (loaded, loaded.id) == (source, source.id)
    # same words as SEED_IVIG but no id: pickled with its (empty) id, it is not given one
    copy = Source(src.SEED_IVIG.tag, src.SEED_IVIG.citation, src.SEED_IVIG.rule)
    assert pickle.loads(pickle.dumps(copy)).id == ""


def _as_older(state: Any) -> Source:
    """``source`` loaded from a pickle state written before the id existed."""
    loaded = Source.__new__(Source)
    loaded.__setstate__(state)  # type: ignore[attr-defined]
    return loaded


def test_a_source_pickled_before_ids_takes_the_id_of_the_rule_with_its_words() -> None:
    s = src.CYCLOPS_PULSE_MAX
    for state in ({"tag": s.tag, "citation": s.citation, "rule": s.rule},  # attrs' dict state
                  (s.tag, s.citation, s.rule)):  # an older attrs' tuple state
        loaded = _as_older(state)
        assert (loaded.id, loaded) == ("cyclophosphamide.iv.cyclops.limit", s)
    gone = _as_older({"tag": s.tag, "citation": s.citation, "rule": "words since revised"})
    assert gone.id == ""  # no rule has these words now: no id is guessed


def test_the_0_1_0_pickles_load_with_ids_where_the_words_are_unchanged() -> None:
    with (DATA / "pickles-0.1.0.pkl").open("rb") as file:
        loaded = pickle.load(file)
    assert loaded["source"] == src.SEED_IVIG and loaded["source"].id == "ivig.seed.regimen"
    assert loaded["limit"].source == src.SEED_AZATHIOPRINE  # the 150 mg/day limit's rule
    # Privigen's label row was re-read on 2026-12-07: the 0.1.0 words match no rule now
    assert loaded["product"].source.id == "" and loaded["product"].source != src.PRIVIGEN_LABEL
    assert {s.id for s in loaded["azathioprine"].sources} >= {"azathioprine.seed.regimen",
                                                              "azathioprine.genotype.cpic"}


def test_result_json_carries_each_source_s_id_beside_the_older_keys() -> None:
    data = plexodose.azathioprine(Patient.example()).to_dict()
    assert data["sources"][0] == {"id": "azathioprine.seed.regimen", "tag": "seed",
                                  "citation": src.SEED, "rule": src.SEED_AZATHIOPRINE.rule,
                                  "year": None, "edition": "", "links": []}  # the seed: undated
    cpic = data["sources"][1]  # where to look it up, as the clinical rules give it
    assert (cpic["id"], cpic["year"], cpic["links"]) == (
        "azathioprine.genotype.cpic", 2018, ["PMC6576267", "cpicpgx.org/guidelines"])
    assert data["limits"][0]["source"]["id"] == "azathioprine.seed.regimen"  # 150 mg/day
