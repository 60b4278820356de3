"""The notebook views of a screening: HTML parsed back with the standard library's parser
(well formed, the verdict first in words, symbol and colour, the findings as a table, what was
not checked, every caller's text escaped) and Markdown."""

from __future__ import annotations

import html.parser
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import Order, Patient, Screening, Source, screen
from plexodose._screening.verdict import CATEGORIES
from plexodose._views import render as views

VOID = {"br"}
ALLOWED = {"div", "style", "p", "strong", "ul", "li", "details", "summary", "span", "br",
           "table", "thead", "tbody", "tr", "th", "td"}
ON = "2027-01-04"
# 72 kg, 175 cm, 45 years, creatinine 0.9 mg/dL (eGFR well above 60)
ADULT = Patient(weight="72 kg", height="175 cm", sex="male", age=45, serum_creatinine="0.9 mg/dL")
# the same adult with the dates of the values: nothing left unchecked for a mycophenolate order
DATED = Patient(weight="72 kg", height="175 cm", sex="male", age=45, serum_creatinine="0.9 mg/dL",
                measured={"weight": "2027-01-02", "height": "2026-06-01",
                          "serum_creatinine": "2027-01-02"}, on=ON)


@attrs.define
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Any] = attrs.field(factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                classes = child.attrs.get("class", "").split()
                if child.tag == tag and (cls is None or cls in classes):
                    found.append(child)
                found += child.find_all(tag, cls)
        return found

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag != "style"]


class Tree(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attributes})
        self.tags.add(tag)
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    tree = Tree()
    tree.feed(page)
    tree.close()
    assert tree.stack == [tree.root], "unclosed elements"
    assert tree.tags <= ALLOWED, tree.tags - ALLOWED  # nothing a caller typed became markup
    (top,) = tree.root.children
    assert isinstance(top, Node) and top.attrs["class"] == "plexodose plexodose-screening"
    return top


def one_of_each() -> dict[str, Screening]:
    """A hand-computed screening in each category."""
    return {
        # 1,000 mg x 2 = 2,000 mg/day: inside 500-1,500 a dose and 1,000-3,000 a day
        "within": screen(Order(drug="mycophenolate", dose="1 g", times_per_day=2), DATED, on=ON),
        # 250 mg < 500 mg a dose
        "below": screen(Order(drug="mycophenolate", dose="250 mg", times_per_day=2), ADULT,
                        on=ON),
        # a new IVIg course 7 days after the last: less than 3 weeks
        "above_soft": screen(Order(drug="ivig", dose="1 g/kg", times_per_day=1, days=1,
                                   every="1 week"), ADULT, on=ON),
        # 100 mg x 2 = 200 mg/day > 150 mg/day
        "above_hard": screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2), ADULT,
                             on=ON),
        # a g/m2 pulse for a patient without a height: no BSA
        "not_screened": screen(Order(drug="cyclophosphamide_iv", dose="0.75 g/m2"),
                               Patient(weight="72 kg"), on=ON),
    }


SCREENED = one_of_each()


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_verdict_comes_first_in_words_symbol_and_colour(category: str) -> None:
    s = SCREENED[category]
    assert s.verdict == category
    top = parse(s._repr_html_())
    first = top.elements()[0]
    assert first.tag == "p" and first.attrs["class"] == f"verdict verdict-{category}"
    symbol, label = views.VERDICT_LABELS[category]
    colour, background = views.VERDICT_COLOURS[category]
    assert first.text() == f"{symbol} {label}{s.headline}"  # label, <br>, the headline
    assert f"color:{colour};background:{background}" in first.attrs["style"]


def test_labels_say_the_category() -> None:
    labels = {category: views.VERDICT_LABELS[category][1] for category in CATEGORIES}
    assert labels == {"within": "WITHIN", "below": "BELOW", "above_soft": "ABOVE (SOFT)",
                      "above_hard": "ABOVE (HARD)", "not_screened": "NOT SCREENED"}
    assert set(views.VERDICT_MARKS) == set(CATEGORIES)


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_colour_is_readable_on_its_background(category: str) -> None:
    # WCAG 2 contrast (L1 + 0.05) / (L2 + 0.05): at least 4.5 for normal text (AA)
    light, dark = sorted(map(_luminance, views.VERDICT_COLOURS[category]), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_findings_are_a_table_of_dimension_category_finding_rule() -> None:
    s = SCREENED["above_hard"]
    top = parse(s._repr_html_())
    (table,) = top.find_all("table", "findings")
    assert [th.text() for th in table.find_all("th")] == ["dimension", "category", "finding",
                                                          "rule"]
    rows = [[td.text() for td in tr.find_all("td")] for tr in table.find_all("tbody")[0]
            .find_all("tr")]
    assert rows == [
        ["frequency", "\u2714 WITHIN", "twice daily: the protocol's (once daily or twice daily)",
         "label screening.frequency.label"],
        ["per day", "\u2716 ABOVE (HARD)",
         "200 mg a dosing day is above the seed's maximum of 150 mg/day",  # 100 mg x 2
         "seed azathioprine.seed.regimen"],
    ]
    badges = table.find_all("span", "badge")
    assert badges[1].attrs["class"] == "badge badge-above_hard"
    rules = [tr.find_all("td")[3] for tr in table.find_all("tr")[1:]]
    assert [td.attrs["title"] for td in rules] == [f.source.citation for f in s.findings]


def test_a_source_without_an_id_is_shown_by_its_citation() -> None:
    s = SCREENED["within"]
    own = Source("gap", "a <local> protocol", "twice daily")  # a caller's source: no id
    finding = attrs.evolve(s.findings[0], source=own)
    changed = attrs.evolve(s, findings=(finding, *s.findings[1:]))
    top = parse(changed._repr_html_())
    first = top.find_all("table", "findings")[0].find_all("tr")[1].find_all("td")[3]
    assert first.text() == "gap a <local> protocol"
    assert "| a &lt;local&gt; protocol (gap) |" in changed._repr_markdown_()


def test_facts_not_checked_values_and_sources() -> None:
    s = screen(Order(drug="cyclophosphamide_oral", dose="100 mg", days=30), ADULT, on=ON,
               prior_cyclophosphamide="19 g")
    top = parse(s._repr_html_())
    # 19 g + 30 x 100 mg = 22 g: past 20 g, a warning on a finding within the rules
    assert top.elements()[0].text().startswith("\u2714 WITHIN, with 1 warning")
    facts = [li.text() for li in top.elements()[1].find_all("li")]
    assert facts == ["screened for 2027-01-04", "basis: actual weight 72 kg",
                     "this patient's range: " + s.range_text,
                     "plexodose would give: " + s.calculated_text]
    (box,) = top.find_all("div", "notchecked")
    n = len(s.not_checked)
    assert box.find_all("strong")[0].text() == f"? Not checked ({n}): never counted as within"
    items = [li.text() for li in box.find_all("li")]
    assert items == list(s.not_checked)
    assert "frequency not stated: read as the protocol's once daily" in items
    values, sources = top.find_all("details")
    assert [li.text() for li in values.find_all("li")] == [str(v) for v in s.values_used]
    assert [li.text() for li in sources.find_all("li")] == [
        f"{x.tag} {x.citation}: {x.rule}" for x in s.sources]
    assert SCREENED["within"].not_checked == ()
    assert parse(SCREENED["within"]._repr_html_()).find_all("div", "notchecked") == []


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> | *bold* [a](b)'


def test_a_reason_is_escaped() -> None:
    # (a product name is one of the catalogue's: an unknown one is refused by Order itself)
    s = screen(Order(drug="ivig", dose="1 g/kg", times_per_day=1, days=1, every="1 week",
                     reason=EVIL), ADULT, on=ON)
    page = s._repr_html_()
    assert "<script" not in page and "<img" not in page
    top = parse(page)
    assert f"reason given: {EVIL}" in top.text()  # shown as typed, as text
    markdown = s._repr_markdown_()
    assert "<script" not in markdown and "<img" not in markdown
    assert "&lt;script&gt;" in markdown and "\\|" in markdown and "\\*bold\\*" in markdown


_ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


@given(st.text(_ONE_LINE, min_size=1, max_size=60).filter(lambda t: t.strip() == t and t))
def test_property_any_reason_stays_text(reason: str) -> None:
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=2, reason=reason), ADULT,
               on=ON)
    top = parse(s._repr_html_())
    assert f"reason given: {reason}" in top.text()


def test_markdown_view() -> None:
    s = SCREENED["below"]
    lines = s._repr_markdown_().splitlines()
    assert lines[0] == f"**\U0001f7e1 BELOW**: {views.md_escape(s.headline)}"
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| dimension | category | finding | rule |"
    # 250 mg < 500 mg a dose; 2 x 250 = 500 mg/day < 1,000 mg/day
    assert table[2].startswith("| per dose | \U0001f7e1 BELOW | 250 mg a dose is below 500 mg |")
    assert table[3].startswith("| per day | \U0001f7e1 BELOW | 500 mg/day is below 1,000 "
                               "mg/day |")
    assert len(table) == 1 + len(s.findings)
    assert "<details><summary>Sources (2)</summary>" in lines
    warned = screen(Order(drug="ciclosporin", dose="150 mg", times_per_day=2), ADULT, on=ON)
    # 300 mg / 72 kg = 4.17 mg/kg/day: within the seed's 5, above the label's 4 (a warning)
    text = warned._repr_markdown_()
    assert text.startswith("**\U0001f7e2 WITHIN, with 1 warning**")
    assert "| \U0001f7e2 WITHIN (warning) |" in text
    n = len(warned.not_checked)
    assert f"**? Not checked ({n})**: never counted as within" in text
    assert all(f"- {views.md_escape(item)}" in text for item in warned.not_checked)


def test_notes_the_patient_s_values_carried_are_shown() -> None:
    # a weight measured 2026-10-01, over 30 days before the decision, confirmed 2026-12-01
    p = Patient(weight="72 kg", measured={"weight": "2026-10-01"},
                confirmed={"weight": "2026-12-01"}, on="2026-12-07")
    s = screen(Order(drug="azathioprine", dose="100 mg", times_per_day=1), p)
    assert s.notes and any("confirmed" in note for note in s.notes)
    top = parse(s._repr_html_())
    (box,) = top.find_all("div", "warnings")
    assert box.find_all("strong")[0].text() == f"\u26a0 Notes ({len(s.notes)})"
    assert [li.text() for li in box.find_all("li")] == list(s.notes)
    assert all(f"> **Note:** {views.md_escape(n)}" in s._repr_markdown_() for n in s.notes)
