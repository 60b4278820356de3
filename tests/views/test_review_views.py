"""The notebook views of a review, a checklist and a result, built from their fields (one
structure, rendered as text, HTML and Markdown; never HTML made by parsing the text, which
dropped a review's reasons): parsed back with the standard library's parser."""

from __future__ import annotations

import datetime as dt
import html.parser
from typing import Any

import attrs
import pytest

from plexodose import (
    Labs,
    Patient,
    azathioprine,
    before_starting,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    cyclosporin,
    ivig,
    mycophenolate,
    review,
)
from plexodose._core.sources import Source
from plexodose._monitoring.rules import Finding
from plexodose._views import render as views

EX = Patient.example()
D = "2027-01-16"


class Texts(html.parser.HTMLParser):
    """The page's text, its tags, and that every element closes (well formed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag != "br":
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open.pop() == tag

    def handle_data(self, data: str) -> None:
        if self.open[-1:] != ["style"]:
            self.text.append(data)


def read(page: str) -> tuple[str, set[str]]:
    parser = Texts()
    parser.feed(page)
    parser.close()
    assert parser.open == []
    return " ".join(parser.text), parser.tags


def test_a_withhold_reads_as_withhold_in_red_with_every_reason_and_source() -> None:
    # WBC 3.1 x10^9/L < 3.5 on azathioprine: withhold and discuss (BSR thresholds)
    r = review("azathioprine", Labs(date=D, wbc="3.1 x10^9/L", alt="900 U/L"), on=D)
    assert r.action == "withhold"
    page = r._repr_html_()
    text, tags = read(page)
    assert "WITHHOLD" in text and r.headline in text
    assert "color:#b71c1c" in page.split("</p>")[0]  # the status line itself is red
    for reason in r.reasons:  # every reason, with its source, as the text has them
        assert reason.text in text and reason.source.citation in text
    for judged in r.judgements:
        assert judged in text
    assert "proposed dose: none (a restart takes the prescriber's dose)" in text
    assert f"next check: {r.next_check.isoformat()}" in text
    assert tags <= {"div", "style", "p", "br", "ul", "li", "table", "thead", "tbody", "tr",
                    "th", "td", "span", "strong", "details", "summary"}
    markdown = r._repr_markdown_()
    assert markdown.startswith("**\U0001f534 WITHHOLD**")
    assert all(reason.source.citation.split(" (")[0] in markdown for reason in r.reasons)


def test_a_continue_reads_as_continue_in_green() -> None:
    # WBC 6 x10^9/L, neutrophils 4: inside every threshold
    r = review("azathioprine", Labs(date=D, wbc="6 x10^9/L", neutrophils="4 x10^9/L"), on=D)
    assert r.action == "continue"
    page = r._repr_html_()
    assert "\u2714 CONTINUE" in read(page)[0] and "color:#1b5e20" in page.split("</p>")[0]
    assert r._repr_markdown_().startswith("**\U0001f7e2 CONTINUE**")


def test_a_review_s_words_are_escaped_in_both_views() -> None:
    hostile = "<script>alert(1)</script> | *x*"
    r = review("azathioprine", Labs(date=D, wbc="6 x10^9/L"), on=D)
    shown = attrs.evolve(r, reasons=(Finding(action="flag", text=hostile, source=Source(
        tag="gap", citation="<b>local</b>", rule="r")),), notes=(hostile,))
    text, tags = read(shown._repr_html_())
    assert "script" not in tags and "b" not in tags
    assert hostile in text  # shown as typed, not run
    markdown = shown._repr_markdown_()
    assert "<script>" not in markdown and r"\*x\*" in markdown and r"\|" in markdown


def test_a_checklist_shows_what_is_to_do_in_red_and_each_check_with_its_source() -> None:
    checklist = before_starting("azathioprine", Patient(weight="72 kg"), on=D)
    assert not checklist.ready  # TPMT and NUDT15 not known: to do
    page = checklist._repr_html_()
    text, _ = read(page)
    assert f"{len(checklist.to_do)} TO DO: before starting azathioprine" in text
    assert "color:#b71c1c" in page.split("</p>")[0]
    for check in checklist.checks:
        assert check.item in text and check.source.citation in text
    markdown = checklist._repr_markdown_()
    assert markdown.startswith(f"**\U0001f534 Before starting azathioprine: "
                               f"{len(checklist.to_do)} to do**")
    assert all(check.item.split(" (")[0] in markdown for check in checklist.checks)


@pytest.mark.parametrize("result", [
    ivig(EX), azathioprine(EX), mycophenolate(EX), cyclosporin(EX), cyclophosphamide_oral(EX),
    cyclophosphamide_iv(EX)], ids=lambda r: type(r).__name__ + ":" + str(getattr(r, "drug", "")))
def test_a_result_s_views_show_the_headline_and_facts_its_text_shows(result: Any) -> None:
    headline, facts = result._view()
    lines = repr(result).splitlines()
    assert lines[0] == headline
    assert [line.strip() for line in lines[1:1 + len(facts)]] == facts  # the text's own facts
    text, _ = read(result._repr_html_())
    assert headline in text and all(fact in text for fact in facts)
    markdown = result._repr_markdown_()
    assert views.md_escape(headline) in markdown


def test_a_fact_that_reads_like_a_heading_is_still_a_fact() -> None:
    # the facts come from the result's structure, not from its text: a caller's override
    # reason that reads like one of the text's headings is still one fact
    r = azathioprine(EX, override="warnings: see notes")
    _, facts = r._view()
    assert "override: warnings: see notes" in facts
    assert "override: warnings: see notes" in read(r._repr_html_())[0]


def test_the_baseline_creatinine_is_shown_as_the_text_shows_it() -> None:
    # ciclosporin: the baseline is the mean of two pre-treatment creatinines,
    # (0.9 + 1.0) / 2 = 0.95 mg/dL
    day = dt.date(2027, 1, 16)
    checklist = before_starting("ciclosporin", EX, on=day, baseline=[
        Labs(date="2027-01-02", creatinine="0.9 mg/dL", blood_pressure="120/80 mmHg"),
        Labs(date="2027-01-09", creatinine="1.0 mg/dL", blood_pressure="122/78 mmHg")])
    assert "baseline creatinine: 0.95 mg/dL" in repr(checklist)
    assert "baseline creatinine: 0.95 mg/dL" in read(checklist._repr_html_())[0]
