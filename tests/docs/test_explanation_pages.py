"""The explanation pages (issue 21): each in the table of contents, each self-contained in the
repository, the copy button that strips prompts, the deprecation page's names real, and no
invented project URL."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

import plexodose

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NEW_PAGES = ("why-adjusted-weight", "why-these-caps", "how-limits-work", "deprecation")


def _toctree_entries() -> set[str]:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\{toctree\}\n(.*?)```", index, re.DOTALL)
    return {line.strip() for block in blocks for line in block.splitlines()
            if line.strip() and not line.startswith(":")}


@pytest.mark.parametrize("name", NEW_PAGES)
def test_each_new_page_is_in_a_toctree(name: str) -> None:
    assert (DOCS / f"{name}.md").exists()
    assert name in _toctree_entries()


@pytest.mark.parametrize("name", NEW_PAGES)
def test_each_new_page_names_nothing_outside_the_repository(name: str) -> None:
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    for outside in ("../", "shared/", "dosing-rules.md", "monitoring-rules.md", "seed/"):
        assert outside not in text, f"{name}.md names {outside!r}"


@pytest.mark.parametrize("name", NEW_PAGES)
def test_each_new_page_computes_its_numbers(name: str) -> None:
    # the pages run as doctests (pyproject's --doctest-glob='*.md'): each must have some
    text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
    assert text.count("\n>>> ") >= 3


def test_the_landing_page_runs_an_example_before_its_contents() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    top = index.split("```{toctree}")[0]
    assert ">>> course = ivig(p)" in top
    assert ">>> s = screen(Order(" in top


# The copy button: sphinx-copybutton builds the regexp '^(' + prompt + ')(.*)' and copies
# group 2 of each line that matches, dropping the rest (expected output).

def _conf() -> dict[str, object]:
    source = (DOCS / "conf.py").read_text(encoding="utf-8")
    found = {}
    for name in ("copybutton_prompt_text", "copybutton_prompt_is_regexp",
                 "copybutton_only_copy_prompt_lines"):
        match = re.search(rf"^{name} = (.+)$", source, re.MULTILINE)
        assert match, name
        found[name] = ast.literal_eval(match.group(1))
    assert '"sphinx_copybutton"' in source
    return found


def test_the_copy_button_copies_only_what_to_type() -> None:
    conf = _conf()
    assert conf["copybutton_prompt_is_regexp"] is True
    assert conf["copybutton_only_copy_prompt_lines"] is True
    prompt = re.compile("^(" + str(conf["copybutton_prompt_text"]) + ")(.*)")
    block = [
        ">>> for d in (1, 2):",
        "...     print(d)",
        "1",
        "$ plexodose demo",
        "<Quantity(32.8, 'gram / day')>",
    ]
    copied = [m.group(2) for line in block if (m := prompt.match(line))]
    assert copied == ["for d in (1, 2):", "    print(d)", "plexodose demo"]


def test_the_docs_extra_installs_the_copy_button() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(req.startswith("sphinx-copybutton") for req in project["optional-dependencies"]["docs"])


def test_no_project_url_is_invented_and_the_reason_is_given() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "urls" not in tomllib.loads(text)["project"]
    assert "# No [project.urls]: plexodose has no public home yet" in text
    for page in (ROOT / "README.md", DOCS / "deprecation.md", DOCS / "index.md"):
        assert "no public home" in page.read_text(encoding="utf-8"), page.name


# The deprecation page's table of kept names: each still exists, so the page cannot promise
# a name the package has dropped.

KEPT = {
    "DailyDose": ("per_dose", "dispensed_daily_dose", "calculated_dose", "dispensed_dose"),
    "IVIgCourse": ("rounded_daily_dose", "calculated_dose", "dispensed_dose"),
    "CyclophosphamidePulse": ("dose", "calculated_dose", "dispensed_dose"),
    "PulseReduction": ("dose", "calculated_dose", "dispensed_dose"),
    "Conversion": ("dose", "calculated_dose", "dispensed_dose"),
}


@pytest.mark.parametrize("cls", sorted(KEPT))
def test_each_kept_name_in_the_deprecation_page_exists(cls: str) -> None:
    page = (DOCS / "deprecation.md").read_text(encoding="utf-8")
    kind = getattr(plexodose, cls)
    for name in KEPT[cls]:
        assert hasattr(kind, name), f"{cls}.{name}"
    old = [n for n in KEPT[cls] if n not in ("calculated_dose", "dispensed_dose")]
    assert all(f"`{cls}.{n}`" in page or f"`{n}`" in page for n in old)


def test_the_kept_drug_spellings_and_alias_are_public_and_read() -> None:
    from plexodose._core.vocab import drug_key

    assert "cyclosporin" in plexodose.__all__
    assert plexodose.cyclosporin is plexodose.ciclosporin
    for spelling in ("cyclosporin", "cyclosporine", "ciclosporine"):
        assert drug_key(spelling) == "ciclosporin"
    assert drug_key("mycophenolate mofetil") == "mycophenolate"
