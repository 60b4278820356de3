"""Sphinx configuration: MyST Markdown, autodoc, intersphinx from vendored inventories (the build
runs offline), and the clinical-rules table generated from the package's own source registry."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import plexodose  # noqa: E402
from plexodose._core import registry as _registry

project = "plexodose"
author = "plexodose developers"
copyright = "plexodose developers, MIT licence"  # noqa: A001
release = version = plexodose.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "_generated", "tools", "_inventories"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Offline: each inventory is a file in the repository (see _inventories/).
intersphinx_mapping = {
    "python": ("https://docs.python.org/3.11", str(HERE / "_inventories" / "python3.11.inv")),
    "pint": ("https://pint.readthedocs.io/en/stable", str(HERE / "_inventories" / "pint.inv")),
}
intersphinx_timeout = 1

# The copy button copies what to type: the ">>> ", "... " and "$ " prompts go, and so do the
# lines without one (a doctest's expected output).
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False}
add_module_names = False

html_theme = "furo"
html_title = f"plexodose {release}"
html_static_path: list[str] = []

# The rules page cannot drift: its table is made from plexodose._core.registry at every build
# and put in the page where the marker stands, as the page is read (nothing is written into the
# source tree). Its headings move one level down, under the page's own.
RULES_MARKER = "% rules: _registry.rules_markdown(), inserted here at every build"


def _insert_rules(app: object, docname: str, source: list[str]) -> None:
    if docname == "clinical-rules":
        table = "\n".join(f"#{line}" if line.startswith("#") else line
                           for line in _registry.rules_markdown().splitlines())
        source[0] = source[0].replace(RULES_MARKER, table)


def setup(app: object) -> None:
    app.connect("source-read", _insert_rules)  # type: ignore[attr-defined]
