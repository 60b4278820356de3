"""Sources and the registry of rules: the rules page lists exactly the registry, every
source a result cites is on it, and each source is cited once, in the order the rules
applied."""

from __future__ import annotations

import datetime as dt
import importlib
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import plexodose
import plexodose as px
from plexodose import Patient, Source
from plexodose._core import registry as _registry
from plexodose._dosing.trace import Trace, unique_sources

START = dt.date(2026, 12, 1)


def _table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| id |", "| evidence |")):
            cells = re.split(r"(?<!\\) \| ", line[2:-2])
            rows.append([c.replace("\\|", "|") for c in cells])
    return rows


def _every_source_in_the_package() -> set[int]:
    found = set()
    for module in _registry.modules():
        found |= {id(v) for v in vars(module).values() if isinstance(v, Source)}
    return found


def _results() -> list[Any]:
    """A wide set of real results and schedules: each rule path the calculators take."""
    from plexodose import (
        azathioprine,
        ciclosporin,
        convert_mycophenolate,
        cyclophosphamide_iv,
        cyclophosphamide_next_pulse,
        cyclophosphamide_oral,
        cyclophosphamide_pulse_reduction,
        ivig,
        mycophenolate,
        plan,
        schedule,
    )

    p = Patient.example()
    obese = Patient(weight="130 kg", height="165 cm", sex="female", age=75,
                    serum_creatinine="3.2 mg/dL", baseline_creatinine="1 mg/dL",
                    tpmt="intermediate", nudt15="intermediate")
    found: list[Any] = [
        ivig(p), ivig(obese), ivig(p, product="privigen"), ivig(p, product="gamunex"),
        ivig(p, product="gammagard"), ivig(obese, weight_basis="auto",
                                            auto_rule="over_120_percent_ibw"),
        ivig(obese, auto_rule="australia_2026"), ivig(p, g_per_kg_day=1, days=2),
        azathioprine(p), azathioprine(obese), azathioprine(p, allopurinol=True,
                                                           override="allopurinol needed"),
        azathioprine(Patient(weight="70 kg", tpmt="indeterminate", nudt15="normal")),
        cyclophosphamide_oral(p), cyclophosphamide_oral(obese),
        cyclophosphamide_iv(p), cyclophosphamide_iv(obese, age_renal_reduction=True,
                                                    bsa_cap="2 m**2"),
        ciclosporin(p), ciclosporin(obese, override="renal team agreed"),  # eGFR 14.5
        mycophenolate(p), mycophenolate(obese),
        convert_mycophenolate("1000 mg", to="sodium"),
    ]
    pulse = cyclophosphamide_iv(p)
    found.append(cyclophosphamide_next_pulse(pulse, nadir_wbc="1800 /uL"))
    found.append(cyclophosphamide_pulse_reduction(obese))
    for second in ("azathioprine", "mycophenolate", "cyclophosphamide_iv",
                   "cyclophosphamide_oral"):
        found.append(plan(p, start=START, second_agent=second, ivig_product="privigen"))
    found.append(plan(obese, start=START, refractory_agent="cyclophosphamide_iv"))
    found.append(schedule(pulse, start=START, count=24, prior_cyclophosphamide_g=30))
    return found


def test_the_rules_page_lists_exactly_the_registry() -> None:
    rules = _registry.registry()
    page = _registry.rules_markdown(rules)
    listed = {(r[0].strip("`"), r[1], r[2].strip("`"), r[3])
              for r in _table_rows(page) if len(r) == 4 and r[0].startswith("`")}
    expected = {(r.source.id, r.source.rule, r.source.tag, r.source.reference) for r in rules}
    assert listed == expected
    assert len(listed) == len(rules) >= 50  # no rule listed twice, none merged (ids are unique)
    headings = [line[2:] for line in page.splitlines() if line.startswith("# ")]
    assert headings[:5] == ["IVIg", "Azathioprine", "Cyclophosphamide", "Ciclosporin",
                            "Mycophenolate"]  # by drug, never by Python module
    assert not any("plexodose." in heading for heading in headings)
    for tag in _registry.TAGS:  # the evidence table counts each tag
        count = sum(r.source.tag == tag for r in rules)
        assert f"| `{tag}` | {_registry.TAGS[tag]} | {count} |" in page


def test_every_source_object_in_the_package_is_registered() -> None:
    registered = {id(r.source) for r in _registry.registry()}
    assert _every_source_in_the_package() <= registered


def test_every_source_a_result_cites_is_on_the_rules_page() -> None:
    try:
        results = _results()
    except (TypeError, plexodose.PlexodoseError) as exc:  # an API change: say which call
        pytest.fail(f"a documented call no longer works: {exc}")
    cited = {id(s): s for r in results for s in r.sources}
    registered = {id(r.source) for r in _registry.registry()}
    missing = [str(s) for key, s in cited.items() if key not in registered]
    assert missing == []
    assert len(cited) >= 35  # the calls above reach most of the rules


def test_the_registry_finds_a_module_added_later(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "plexodose"
    package.mkdir()
    (package / "_monitoring_new.py").write_text(
        "from plexodose._core.sources import Source\n"
        'LFT_RULE = Source("gap", "test", "check LFTs")\n', encoding="utf-8")
    monkeypatch.setattr(plexodose, "__path__", [*plexodose.__path__, str(package)])
    try:
        rules = {r.name: r for r in _registry.registry()}
    finally:
        sys.modules.pop("plexodose._monitoring_new", None)
    assert rules["LFT_RULE"].module == "plexodose._monitoring_new"
    assert rules["LFT_RULE"].source.rule == "check LFTs"


def test_the_registry_module_is_importable_without_extras() -> None:
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['hypothesis'] = None\n"
            "from plexodose._core import registry as _registry\nnames = {r.name for r in _registry.registry()}\n"
            "print('SEED_IVIG' in names)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr
    assert importlib.import_module("plexodose._core.registry") is _registry


def test_class_13_every_source_writes_thousands_with_a_separator() -> None:
    """Never silently wrong, class 13 (text that contradicted the numbers): every source writes
    thousands with a separator; only years stay bare (and addresses, which are not amounts)."""
    for rule in _registry.registry():
        text = str(rule.source)
        for link in rule.source.links:  # "PMC7771069", "privigen-7e5649d": copied as written
            text = text.replace(link, "")
        for number in re.findall(r"(?<![\d.,-])\d{4,}(?![\d,-])", text):  # not LOINC codes
            assert 1900 <= int(number) <= 2100, (rule.name, text)  # only years stay bare


def test_trace_sources_once_each_in_first_cited_order_without_none() -> None:
    """Fast path (issue 10: lean, not fewer checks): a trace lists each source once, in first-cited
    order, without None."""
    a, b, c = px.Source("gap", "a", "a"), px.Source("gap", "b", "b"), px.Source("gap", "c", "c")
    trace = Trace(a)
    trace.cite(b)
    trace.cite(None)
    trace.step("x {}", 1, source=a)
    trace.warn("w", c, code="test.warning", severity="info")
    trace.cite(b)
    assert unique_sources(trace.cited) == (a, b, c)
    assert trace.record(None)[0] == (("x {}", (1,)),)


def test_a_result_cites_each_source_once() -> None:
    """Fast path (issue 10: lean, not fewer checks): a result cites each source once."""
    for result in (px.azathioprine(px.Patient.example()), px.ivig(px.Patient.example()),
                   px.cyclosporin(px.Patient.example()), px.mycophenolate(px.Patient.example()),
                   px.cyclophosphamide_iv(px.Patient.example())):
        assert len(set(map(id, result.sources))) == len(result.sources)
        assert None not in result.sources
