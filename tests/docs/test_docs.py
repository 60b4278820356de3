"""The documentation: links that stay inside the repository, the table of contents, the
README, the offline inventories, the generated rules page, and the command-line examples
run (the rules page against the registry: tests/core/test_sources.py)."""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_the_docs_page_includes_the_generated_table() -> None:
    # the build puts the table where the marker stands (nothing written into docs/)
    import importlib.util

    page = (DOCS / "clinical-rules.md").read_text(encoding="utf-8")
    spec = importlib.util.spec_from_file_location("docs_conf", DOCS / "conf.py")
    assert spec is not None and spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert page.count(conf.RULES_MARKER) == 1
    source = [page]
    conf._insert_rules(None, "clinical-rules", source)
    from plexodose._core import registry

    table = registry.rules_markdown()
    assert conf.RULES_MARKER not in source[0]
    assert "## IVIg" in source[0] and table.splitlines()[-1] in source[0]
    assert "write_text" not in (DOCS / "conf.py").read_text(encoding="utf-8")


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
