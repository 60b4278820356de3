"""The documentation: the rules page against the package's own registry, the sources real
results cite, links that stay inside the repository, and the command-line examples run."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import plexodose
from plexodose import Patient, Source
from plexodose._core import registry as _registry

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
START = dt.date(2026, 12, 1)


def _table_rows(markdown: str) -> list[list[str]]:
    rows = []
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith(("| rule |", "| evidence |")):
            cells = re.split(r"(?<!\\) \| ", line[2:-2])
            rows.append([c.replace("\\|", "|") for c in cells])
    return rows


def test_the_rules_page_lists_exactly_the_registry() -> None:
    rules = _registry.registry()
    page = _registry.rules_markdown(rules)
    listed = {(r[0], r[1].strip("`"), r[2], r[3].strip("`"))
              for r in _table_rows(page) if len(r) == 4}
    expected = {(r.source.rule, r.source.tag, r.source.citation, r.name) for r in rules}
    assert listed == expected
    assert len(listed) == len(rules) >= 50  # no rule listed twice, none merged
    for tag in _registry.TAGS:  # the evidence table counts each tag
        count = sum(r.source.tag == tag for r in rules)
        assert f"| `{tag}` | {_registry.TAGS[tag]} | {count} |" in page


def test_the_docs_page_includes_the_generated_table() -> None:
    page = (DOCS / "clinical-rules.md").read_text(encoding="utf-8")
    assert "```{include} _generated/rules.md" in page
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    assert "_registry.rules_markdown()" in conf  # written at every build


def _every_source_in_the_package() -> set[int]:
    found = set()
    for module in _registry.modules():
        found |= {id(v) for v in vars(module).values() if isinstance(v, Source)}
    return found


def test_every_source_object_in_the_package_is_registered() -> None:
    registered = {id(r.source) for r in _registry.registry()}
    assert _every_source_in_the_package() <= registered


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


# Links: the README and the site name nothing outside the repository.

PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_name_nothing_outside_the_repository(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "shared/" not in text
    assert "../shared" not in text
    for target in re.findall(r"\]\((?!https?://|#)([^)\s]+)\)", text):
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name} links to {target}, which is not in the repository"
        assert ROOT in path.parents or path == ROOT


def test_every_page_is_in_the_table_of_contents() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^([a-z][\w-]*)$", index, re.MULTILINE))
    pages = {p.stem for p in DOCS.glob("*.md")} - {"index"}
    assert pages <= listed


def test_the_readme_links_to_the_site_and_states_intended_use() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/" in readme
    assert "decision support for a qualified prescriber" in readme
    assert "python3 -m venv .venv" in readme


def test_intersphinx_needs_no_network() -> None:
    conf = (DOCS / "conf.py").read_text(encoding="utf-8")
    inventories = re.findall(r'"_inventories" / "([^"]+)"', conf)
    assert sorted(inventories) == ["pint.inv", "python3.11.inv"]
    for name in inventories:
        assert (DOCS / "_inventories" / name).read_bytes().startswith(b"# Sphinx inventory")


def test_the_docs_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    docs = " ".join(project["optional-dependencies"]["docs"])
    assert all(name in docs for name in ("sphinx", "myst-parser", "furo"))


# The command line's examples, run as a reader would type them.

def _console_examples(page: Path) -> list[tuple[str, str]]:
    """($ command, the output shown under it) from the page's console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
        command, shown = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command is not None:
                    examples.append((command, "\n".join(shown)))
                command, shown = line[2:], []
            else:
                shown.append(line)
        if command is not None:
            examples.append((command, "\n".join(shown)))
    return [(c, s) for c, s in examples if c.startswith("plexodose ")]


CLI_EXAMPLES = _console_examples(DOCS / "cli.md")


@pytest.mark.parametrize("command, shown", CLI_EXAMPLES, ids=[c for c, _ in CLI_EXAMPLES])
def test_cli_page_examples_print_what_the_page_shows(command: str, shown: str) -> None:
    argv = shlex.split(command)[1:]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "plexodose", *argv], capture_output=True,
                          text=True, check=False, timeout=120, env=env)
    assert (done.returncode, done.stderr) == (0, "")
    checker = doctest.OutputChecker()
    assert checker.check_output(shown + "\n", done.stdout.replace("\r\n", "\n"),
                                doctest.ELLIPSIS), done.stdout[:500]


def test_the_console_examples_exist() -> None:
    assert len(CLI_EXAMPLES) == 4


def test_the_registry_module_is_importable_without_extras() -> None:
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['hypothesis'] = None\n"
            "from plexodose._core import registry as _registry\nnames = {r.name for r in _registry.registry()}\n"
            "print('SEED_IVIG' in names)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "True"), done.stderr
    assert importlib.import_module("plexodose._core.registry") is _registry
