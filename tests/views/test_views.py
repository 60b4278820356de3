"""Notebook views: the HTML parsed back with a real parser (the standard library's), checked for
order, content and escaping; Markdown; the DataFrame; terminal wrapping."""

from __future__ import annotations

import datetime as dt
import html.parser
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import (
    IVIgProduct,
    Patient,
    Schedule,
    Source,
    azathioprine,
    ivig,
    plan,
    schedule,
)
from plexodose._views import render as views

VOID = {"br"}
ALLOWED = {"div", "style", "p", "strong", "ul", "ol", "li", "details", "summary", "span", "br",
           "table", "thead", "tbody", "tr", "th", "td"}


@attrs.define
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Any] = attrs.field(factory=list)  # Node or str

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag and (cls is None or cls in child.attrs.get("class", "")):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag != "style"]


class TreeBuilder(html.parser.HTMLParser):
    """A strict tree: every element closed, in order (the views' HTML must be well formed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attributes})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    (top,) = builder.root.children
    assert isinstance(top, Node) and top.tag == "div" and top.attrs["class"] == "plexodose"
    tags = {n.tag for n in _walk(top)}
    assert tags <= ALLOWED, tags - ALLOWED  # nothing a caller typed became an element
    return top


def _walk(node: Node) -> list[Node]:
    out = [node]
    for child in node.children:
        if isinstance(child, Node):
            out += _walk(child)
    return out


P = Patient.example()
START = dt.date(2026, 12, 1)


def test_result_headline_and_dispense_come_first() -> None:
    result = azathioprine(P)  # 2 mg/kg x 72 kg = 144 mg -> 3 x 50 mg = 150 mg
    top = parse(result._repr_html_())
    first, second = top.elements()[:2]
    assert (first.tag, first.attrs["class"]) == ("p", "headline")
    assert first.text() == repr(result).splitlines()[0] == \
        "azathioprine: 150 mg daily; calculated 144 mg"
    assert second.attrs["class"] == "dispense"
    assert second.text().startswith("dispense: 150 mg per dose as 3 x 50 mg tablet")


def test_derivation_and_sources_fold_away() -> None:
    result = azathioprine(P)
    top = parse(result._repr_html_())
    derivation, sources = top.find_all("details")
    assert derivation.find_all("summary")[0].text() == f"Derivation ({len(result.steps)} steps)"
    assert [li.text() for li in derivation.find_all("li")] == list(result.steps)
    assert sources.find_all("summary")[0].text() == f"Sources ({len(result.sources)})"
    items = [li.text() for li in sources.find_all("li")]
    # each source as the text view lists it: the citation with where to look it up
    assert items == [f"{s.tag} {s.reference}: {s.rule}" for s in result.sources]
    assert any("PMC6576267" in item for item in items)  # CPIC 2018's PubMed Central id
    assert "open" not in derivation.attrs and "open" not in sources.attrs


def test_warnings_are_highlighted_before_the_detail() -> None:
    # TPMT intermediate: 2 mg/kg x 68 kg = 136 x 0.3 = 40.8 mg -> one 50 mg tablet, +22.5 %
    p = Patient(weight="68 kg", tpmt="intermediate", nudt15="normal")
    result = azathioprine(p)
    assert result.warnings
    top = parse(result._repr_html_())
    kinds = [e.attrs.get("class", e.tag) for e in top.elements()]
    assert kinds.index("warnings") < kinds.index("details")
    (box,) = top.find_all("div", "warnings")
    assert box.attrs["role"] == "alert"
    assert [li.text() for li in box.find_all("li")] == list(result.warnings)


def test_no_warnings_no_box() -> None:
    result = ivig(P)  # 0.4 g/kg x 72 kg, nothing to warn about
    assert result.warnings == ()
    assert parse(result._repr_html_()).find_all("div", "warnings") == []


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_override_reason_and_product_name_are_escaped() -> None:
    product = IVIgProduct(name=f"{EVIL} 10 %", vial_sizes_g=(5.0, 10.0),
                          source=Source("label", "test label", "vials 5, 10 g"))
    result = ivig(P, g_per_kg_day=0.5, override=EVIL, product=product)
    page = result._repr_html_()
    assert "<script" not in page and "<img" not in page
    top = parse(page)
    assert EVIL in top.text()  # shown as typed, as text
    markdown = result._repr_markdown_()
    assert "<script" not in markdown and "&lt;script&gt;" in markdown


# Any one-line text: control characters and line separators are refused at the door.
_ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


@given(st.text(_ONE_LINE, min_size=1, max_size=60).filter(lambda t: t.strip() == t and t))
def test_property_any_override_text_stays_text(reason: str) -> None:
    result = azathioprine(P, mg_per_kg_day=2.5, override=reason)
    top = parse(result._repr_html_())
    assert f"override: {reason}" in top.text()


@pytest.fixture(scope="module")
def example_plan() -> Schedule:
    return plan(P, start=START)


def test_plan_view(example_plan: Schedule) -> None:
    top = parse(example_plan._repr_html_())
    assert top.elements()[0].text() == f"Schedule from 2026-12-01: {len(example_plan)} events"
    (box,) = top.find_all("div", "warnings")
    assert [li.text() for li in box.find_all("li")] == list(example_plan.warnings)
    (table,) = top.find_all("table")
    rows = table.find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(views._runs(example_plan)) < len(example_plan) / 4  # runs merged
    decisions = [r for r in rows if r.attrs.get("class") == "decision"]
    assert len(decisions) == len(example_plan.filter(kind="decision")) == 3
    first = [td.text() for td in rows[0].find_all("td")]
    assert first[:4] == ["2026-12-01", "IVIg", "dose", "28.8 g"]  # 0.4 g/kg x 72 kg
    azathioprine_rows = [[td.text() for td in r.find_all("td")] for r in rows
                         if r.find_all("td")[1].text() == "azathioprine"
                         and r.find_all("td")[2].text() == "dose"]
    # 1, 1.5, 2 mg/kg x 72 kg = 72, 108, 144 mg -> 75, 100, 150 mg; step 1 is 8 weeks
    assert [r[3] for r in azathioprine_rows] == ["75 mg daily", "100 mg daily", "150 mg daily"]
    assert azathioprine_rows[0][0] == "2026-12-19 to 2027-02-12 (56 days)"
    (sources,) = top.find_all("details")
    assert len(sources.find_all("li")) == len(example_plan.sources)


def test_plan_view_stays_small(example_plan: Schedule) -> None:
    """The text block was 13 KB of 378-column lines; the view merges runs into rows."""
    assert len(example_plan._repr_html_()) < 40_000


def test_schedule_markdown_table(example_plan: Schedule) -> None:
    lines = example_plan._repr_markdown_().splitlines()
    header = lines.index("| date | drug | kind | dose | route | what |")
    rows = [line for line in lines[header + 2:] if line.startswith("| ")]
    assert len(rows) == len(views._runs(example_plan))
    assert all(row.count(" | ") >= 5 for row in rows)


def test_result_markdown() -> None:
    result = azathioprine(P)
    text = result._repr_markdown_()
    assert text.startswith("**azathioprine: 150 mg daily; calculated 144 mg**\n")
    assert "- **dispense: 150 mg per dose as 3 x 50 mg tablet" in text
    assert f"<details><summary>Derivation ({len(result.steps)} steps)</summary>" in text


def test_to_dataframe_matches_the_records(example_plan: Schedule) -> None:
    frame = example_plan.to_dataframe()
    records = example_plan.to_records()
    assert len(frame) == len(records)
    assert list(frame.columns) == list(records[0])
    doses = frame[(frame["drug"] == "IVIg") & (frame["kind"] == "dose")]
    assert doses["dose"].sum() == pytest.approx(144.0)  # 28.8 g x 5 days
    assert frame["date"].min().date() == START


def test_one_result_schedule_views() -> None:
    s = schedule(ivig(P), start=START)
    top = parse(s._repr_html_())
    assert top.find_all("p", "dispense")[0].text() == "Totals: IVIg: 144 g"  # 28.8 g x 5


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
def test_wrapping_keeps_every_word_within_the_width(example_plan: Schedule,
                                                    columns: int) -> None:
    text = example_plan.to_text()
    wrapped = "\n".join(views.wrap_line(line, columns) for line in text.splitlines())
    assert wrapped.split() == text.split()
    too_long = [line for line in wrapped.splitlines() if len(line) > columns]
    assert all(" " not in line.strip() for line in too_long)  # only an unbreakable word


def test_the_png_script_renders_these_views() -> None:
    """docs/tools/render_views.py (run by hand with Chromium) makes the committed PNGs."""
    import runpy
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(root / "docs" / "tools" / "render_views.py"), run_name="imported")
    pages = script["pages"]()
    assert set(pages) == {"result_view.png", "plan_view.png"}
    for name, (_, body) in pages.items():
        parse(body)
        png = root / "examples" / "output" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"run {script['__file__']}"


def test_repl_text_wraps_to_the_printer_width() -> None:
    """IPython's pretty printer gives its width: every line fits, and no word is lost."""
    from plexodose import Patient, azathioprine, plan

    class Printer:  # what IPython hands to _repr_pretty_: a width and text()
        max_width = 60

        def __init__(self) -> None:
            self.out = ""

        def text(self, text: str) -> None:
            self.out += text

    for shown in (azathioprine(Patient.example()), plan(Patient.example(), start="2026-12-01")):
        printer = Printer()
        shown._repr_pretty_(printer, False)
        assert max(len(line) for line in printer.out.splitlines()) <= 60
        full = shown.to_text() if hasattr(shown, "to_text") else repr(shown)
        assert printer.out.split() == full.split()
