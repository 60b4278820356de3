"""The "Screening orders" page cannot drift from the package: its rules table is the one
generated from plexodose._screening.table.TABLE, its not-checked list is every item the screen
can name (read from the screen's source), and its exit statuses are the command line's. Its
examples run as doctests (pyproject's --doctest-glob)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from plexodose._screening import screen as screen_module
from plexodose._screening.table import TABLE
from plexodose._screening.verdict import CATEGORIES
from plexodose._views.render import screening_rules_markdown
from plexodose.cli import _screen as cli_screen

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "screening.md").read_text(encoding="utf-8")


def table_after(marker: str) -> list[str]:
    """The Markdown table lines right after the comment line starting with ``marker``."""
    lines = PAGE.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(marker)) + 1
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append(line)
    return table


def test_the_rules_table_is_the_generated_one() -> None:
    shown = table_after("% generated: screening_rules_markdown(TABLE)")
    assert "\n".join(shown) == screening_rules_markdown(TABLE)
    assert len(shown) == 2 + len(TABLE) == 8  # header, rule, one row per drug


def _not_checked_openings() -> set[str]:
    """The opening words (up to a colon or a bracket) of every item the screen can put on
    ``not_checked``: the first argument of each ``w.missing(...)`` call in its source."""
    source = Path(screen_module.__file__).read_text(encoding="utf-8")
    found = set()
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "missing" and node.args):
            text = node.args[0]
            if isinstance(text, ast.JoinedStr):  # an f-string: its opening constant part
                first = text.values[0]
                assert isinstance(first, ast.Constant)
                text = first
            assert isinstance(text, ast.Constant) and isinstance(text.value, str)
            found.add(re.split(r":| \(", text.value)[0].strip())
    return found


def test_the_not_checked_list_is_every_item_the_screen_can_name() -> None:
    rows = table_after("% not-checked:")[2:]
    listed = {row.split("|")[1].strip() for row in rows}
    assert len(rows) == len(listed)
    assert listed == _not_checked_openings()


def test_the_exit_statuses_are_the_command_line_s() -> None:
    rows = [line for line in PAGE.splitlines()
            if re.match(r"\| `(within|below|not_screened|above_soft|above_hard)` \|", line)]
    shown = {row.split("|")[1].strip().strip("`"): int(row.split("|")[4]) for row in rows}
    assert shown == cli_screen.EXIT_STATUS
    assert set(shown) == set(CATEGORIES)
