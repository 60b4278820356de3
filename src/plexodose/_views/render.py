"""Views for people: HTML and Markdown for notebooks, text wrapped to a terminal, a DataFrame.

Rendered from the public attributes only (the text headline, ``steps``, ``warnings``,
``sources``, ``override``; a schedule's events), so every result class and the schedule get the
same layout: the headline and the dispensed dose first, warnings highlighted, derivation and
sources folded away. Every piece of text is escaped: an override reason or a product name typed
by a caller can never become markup.

>>> from plexodose import Patient, azathioprine
>>> page = html(azathioprine(Patient.example()))  # 2 mg/kg x 72 kg = 144 mg -> 150 mg
>>> page.startswith('<div class="plexodose">'), "<details>" in page
(True, True)
"""

from __future__ import annotations

import html as html_lib
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from plexodose._core import format as fmt

STYLE = (
    "<style>"
    ".plexodose{font-family:system-ui,sans-serif;line-height:1.4;max-width:64em}"
    ".plexodose .headline{font-size:1.15em;font-weight:600;margin:.2em 0}"
    ".plexodose .dispense{background:#eef6ee;border-left:4px solid #2e7d32;padding:.3em .6em}"
    ".plexodose .warnings{background:#fff4e5;border-left:4px solid #e65100;padding:.3em .6em;"
    "margin:.5em 0}"
    ".plexodose .warnings li{color:#7a2e00}"
    ".plexodose .tag{font-family:monospace;font-size:.85em;padding:0 .3em;border-radius:3px;"
    "background:#e8eaf6}"
    ".plexodose .tag-gap{background:#ffe0b2}"
    ".plexodose table{border-collapse:collapse;font-size:.9em}"
    ".plexodose td,.plexodose th{border-bottom:1px solid #ddd;padding:.15em .5em;"
    "text-align:left;vertical-align:top}"
    ".plexodose td:nth-child(-n+4){white-space:nowrap}"
    ".plexodose tr.decision td{font-weight:600;background:#f3e5f5}"
    ".plexodose td .warn{color:#b71c1c}"
    "</style>"
)


def escape(text: Any) -> str:
    """Any text as HTML: ``<``, ``>``, ``&`` and both quotes escaped.

    >>> escape('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html_lib.escape(str(text), quote=True)


def md_escape(text: Any) -> str:
    r"""Text for Markdown: HTML escaped, and Markdown's own marks made literal.

    >>> md_escape("*not bold* [link](x) <b> don't")
    "\\*not bold\\* \\[link\\](x) &lt;b&gt; don't"
    """
    escaped = html_lib.escape(str(text), quote=False).replace("\n", " ")
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", escaped)


# A result: its headline and facts (dosing weight, cap, dispense, override), as the result
# itself builds them for its text (``_view``): one structure, three renderings.

def _headline_and_facts(result: Any) -> tuple[str, list[str]]:
    headline, facts = result._view()
    return headline, list(facts)


def _is_dispense(fact: str) -> bool:
    return fact.startswith("dispense")


def _tag_html(tag: str) -> str:
    return f'<span class="tag tag-{escape(tag)}">{escape(tag)}</span>'


def _reference(source: Any) -> str:
    """The citation with where to look it up (year, edition, links) as the text view lists it;
    a caller's own source-like object by its citation."""
    return str(getattr(source, "reference", source.citation))


def _sources_html(sources: Sequence[Any]) -> str:
    items = "".join(
        f"<li>{_tag_html(s.tag)} {escape(_reference(s))}: {escape(s.rule)}</li>" for s in sources
    )
    return f"<details><summary>Sources ({len(sources)})</summary><ul>{items}</ul></details>"


def _warnings_html(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return (
        f'<div class="warnings" role="alert"><strong>&#9888; Warnings ({len(warnings)})'
        f"</strong><ul>{items}</ul></div>"
    )


def result_html(result: Any) -> str:
    """A result for a notebook: headline, dispensed dose, warnings, then folded detail."""
    headline, facts = _headline_and_facts(result)
    dispense = [f for f in facts if _is_dispense(f)]
    others = [f for f in facts if not _is_dispense(f)]
    parts = [f'<div class="plexodose">{STYLE}<p class="headline">{escape(headline)}</p>']
    parts += [f'<p class="dispense">{escape(f)}</p>' for f in dispense]
    parts.append(_warnings_html(tuple(getattr(result, "warnings", ()))))
    if others:
        parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in others) + "</ul>")
    steps = tuple(getattr(result, "steps", ()))
    if steps:
        items = "".join(f"<li>{escape(s)}</li>" for s in steps)
        parts.append(
            f"<details><summary>Derivation ({len(steps)} steps)</summary><ol>{items}</ol>"
            "</details>"
        )
    parts.append(_sources_html(tuple(getattr(result, "sources", ()))))
    parts.append("</div>")
    return "".join(parts)


def _md_sources(sources: Sequence[Any]) -> list[str]:
    return [
        f"<details><summary>Sources ({len(sources)})</summary>",
        "",
        *(f"- `{s.tag}` {md_escape(_reference(s))}: {md_escape(s.rule)}" for s in sources),
        "",
        "</details>",
    ]


def _md_warnings(warnings: Sequence[str]) -> list[str]:
    if not warnings:
        return []
    return [f"> **Warning:** {md_escape(w)}" + "  " for w in warnings] + [""]


def result_markdown(result: Any) -> str:
    """The same view in Markdown (GitHub and Jupyter render the folded parts)."""
    headline, facts = _headline_and_facts(result)
    lines = [f"**{md_escape(headline)}**", ""]
    lines += [f"- **{md_escape(f)}**" for f in facts if _is_dispense(f)]
    lines += [f"- {md_escape(f)}" for f in facts if not _is_dispense(f)]
    lines.append("")
    lines += _md_warnings(tuple(getattr(result, "warnings", ())))
    steps = tuple(getattr(result, "steps", ()))
    if steps:
        lines += [f"<details><summary>Derivation ({len(steps)} steps)</summary>", ""]
        lines += [f"{n}. {md_escape(s)}" for n, s in enumerate(steps, 1)]
        lines += ["", "</details>", ""]
    lines += _md_sources(tuple(getattr(result, "sources", ())))
    return "\n".join(lines) + "\n"


# A schedule: a table with runs of identical daily doses on one row, as in its text.

def _runs(events: Iterable[Any]) -> list[tuple[Any, Any, int]]:
    """(first, last, count): consecutive identical daily doses of a drug, without warnings."""
    runs: list[tuple[Any, Any, int]] = []
    open_run: dict[str, int] = {}
    for e in events:
        index = open_run.get(e.drug)
        if index is not None:
            first, last, n = runs[index]
            if _same_dose(first, e) and (e.date - last.date).days == 1:
                runs[index] = (first, e, n + 1)
                continue
        runs.append((e, e, 1))
        if e.kind == "dose":
            open_run.pop(e.drug, None)
            if not e.warnings:
                open_run[e.drug] = len(runs) - 1
    return runs


def _same_dose(first: Any, e: Any) -> bool:
    return (
        e.kind == "dose"
        and not e.warnings
        and (e.dose_text, e.route, e.phase, e.description)
        == (first.dose_text, first.route, first.phase, first.description)
    )


def _when(first: Any, last: Any, n: int) -> str:
    if n > 1:
        return f"{first.date.isoformat()} to {last.date.isoformat()} ({n} days)"
    if first.until is not None:
        return f"{first.date.isoformat()} to {first.until.isoformat()}"
    return str(first.date.isoformat())


def _summary(schedule: Any) -> str:
    return f"Schedule from {schedule.start.isoformat()}: {len(schedule)} events"


def _totals(schedule: Any) -> list[str]:
    """Each drug's total, in plexodose's own words (g for IVIg, as the schedule keeps it)."""
    from plexodose._core import format as fmt

    totals = []
    for drug in dict.fromkeys(e.drug for e in schedule if e.kind == "dose"):
        unit = next(e.dose_unit for e in schedule if e.drug == drug and e.dose_unit)
        amount = float(schedule.total_dose(drug).to(unit).magnitude)
        totals.append(f"{drug}: {fmt.mass_g(amount) if unit == 'g' else fmt.mass_mg(amount)}")
    return totals


def schedule_html(schedule: Any) -> str:
    """A schedule for a notebook: warnings first, totals, the table, then folded sources."""
    parts = [f'<div class="plexodose">{STYLE}<p class="headline">{escape(_summary(schedule))}</p>']
    parts.append(_warnings_html(tuple(schedule.warnings)))
    totals = _totals(schedule)
    if totals:
        parts.append('<p class="dispense">Totals: ' + escape("; ".join(totals)) + "</p>")
    head = "".join(f"<th>{h}</th>" for h in ("date", "drug", "kind", "dose", "route", "what"))
    rows = []
    for first, last, n in _runs(schedule):
        warn = "".join(f'<br><span class="warn">&#9888; {escape(w)}</span>' for w in first.warnings)
        when = escape(_when(first, last, n)).replace(" to ", " <br>to ", 1)  # a narrow column
        cells = (first.drug, first.kind, first.dose_text, first.route or "")
        rows.append(
            f'<tr class="{escape(first.kind)}"><td>{when}</td>'
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + f"<td>{escape(first.description)}{warn}</td></tr>"
        )
    parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    parts.append(_sources_html(tuple(schedule.sources)))
    parts.append("</div>")
    return "".join(parts)


def schedule_markdown(schedule: Any) -> str:
    lines = [f"**{md_escape(_summary(schedule))}**", ""]
    lines += _md_warnings(tuple(schedule.warnings))
    lines += [f"- {md_escape(t)}" for t in _totals(schedule)] + [""]
    lines += ["| date | drug | kind | dose | route | what |", "|---|---|---|---|---|---|"]
    for first, last, n in _runs(schedule):
        what = md_escape(first.description) + "".join(
            f" **Warning:** {md_escape(w)}" for w in first.warnings
        )
        cells = (_when(first, last, n), first.drug, first.kind, first.dose_text, first.route or "")
        lines.append("| " + " | ".join(md_escape(c) for c in cells) + f" | {what} |")
    lines.append("")
    lines += _md_sources(tuple(schedule.sources))
    return "\n".join(lines) + "\n"


def html(obj: Any) -> str:
    """The notebook view of a result, a review or a schedule (anything with ``events``)."""
    return schedule_html(obj) if hasattr(obj, "events") else result_html(obj)


def markdown(obj: Any) -> str:
    return schedule_markdown(obj) if hasattr(obj, "events") else result_markdown(obj)


# Terminal text: long lines wrap under their own last column.

_BULLET = re.compile(r"^(\s*)([!\-*]|\d+\.) +")
_GAP = re.compile(r"\S( {2,})(?=\S)")
_ROOM = 30  # the fewest columns worth wrapping a table's last column into


def terminal_text(text: str, columns: int) -> str:
    """``text`` with lines longer than ``columns`` wrapped under their own last column (the
    REPL and the command line); 0 or less: unchanged."""
    if columns <= 0:
        return text
    return "\n".join(wrap_line(line, columns) for line in text.split("\n"))


def wrap_line(line: str, columns: int) -> str:
    """``line`` wrapped to ``columns``; continuation lines start under the text they continue.

    A bullet (``!``, ``-``, ``1.``) continues under its text; a table row (cells two spaces
    apart) under its last column, or, when that starts too far right, on the next lines.

    >>> print(wrap_line("    ! the dose was rounded down to stay within the maximum", 30))
        ! the dose was rounded
          down to stay within the
          maximum
    >>> print(wrap_line("2026-12-19  IVIg  decision  inadequate response to IVIg?", 40))
    2026-12-19  IVIg  decision
        inadequate response to IVIg?
    """
    if columns <= 0 or len(line) <= columns:
        return line
    leading = len(line) - len(line.lstrip(" "))
    gaps = [m.end() for m in _GAP.finditer(line) if m.end() < columns]
    bullet = _BULLET.match(line)
    if bullet and (not gaps or gaps[-1] <= bullet.end()):
        return _hang(line, bullet.end(), columns)
    if gaps and columns - gaps[-1] >= _ROOM:
        return _hang(line, gaps[-1], columns)
    if gaps:  # the last column starts too far right: it goes on lines of its own
        head, rest = line[: gaps[-1]].rstrip(), line[gaps[-1] :]
        return wrap_line(head, columns) + "\n" + _hang(" " * (leading + 4) + rest, leading + 4,
                                                        columns)
    return _hang(line, leading, columns, extra=4)


def _hang(line: str, indent: int, columns: int, extra: int = 0) -> str:
    """``line[indent:]`` filled to ``columns``, every line after the first ``indent`` in."""
    pieces = textwrap.wrap(line[indent:], max(columns - indent - extra, 10),
                           break_on_hyphens=False, break_long_words=False)  # an address whole
    if not pieces:
        return line
    rest = " " * (indent + extra)
    return "\n".join([line[:indent] + pieces[0], *(rest + p for p in pieces[1:])])


# An order screen's verdict, at a glance: the category in words, a symbol and a colour (so that
# it reads without colour too), the findings as a table, what was not checked, then the detail.
VERDICT_COLOURS = {  # category -> (text colour, background): WCAG AA contrast on their backgrounds
    "within": ("#1b5e20", "#e8f5e9"),
    "below": ("#6d5200", "#fff8e1"),
    "not_screened": ("#424242", "#eeeeee"),
    "above_soft": ("#8f4700", "#fff3e0"),
    "above_hard": ("#b71c1c", "#ffebee"),
}
VERDICT_LABELS = {  # category -> (symbol, short label); the headline says the rest in words
    "within": ("\u2714", "WITHIN"),
    "below": ("\u25bc", "BELOW"),
    "not_screened": ("?", "NOT SCREENED"),
    "above_soft": ("\u25b2", "ABOVE (SOFT)"),
    "above_hard": ("\u2716", "ABOVE (HARD)"),
}
VERDICT_MARKS = {  # Markdown has no colour: a coloured mark beside the words
    "within": "\U0001f7e2", "below": "\U0001f7e1", "not_screened": "\u26aa",
    "above_soft": "\U0001f7e0", "above_hard": "\U0001f534",
}
SCREEN_STYLE = (
    "<style>"
    ".plexodose .verdict{font-size:1.15em;font-weight:600;padding:.3em .6em;margin:.2em 0;"
    "border-left:6px solid}"
    ".plexodose .badge{font-weight:700;padding:0 .4em;border-radius:3px;white-space:nowrap}"
    ".plexodose .notchecked{background:#eeeeee;border-left:4px solid #424242;padding:.3em .6em;"
    "margin:.5em 0}"
    ".plexodose table.findings td:nth-child(n+3){white-space:normal}"  # the text wraps
    ".plexodose table.reasons td:nth-child(n+2){white-space:normal}"
    "</style>"
)


def _label(category: str) -> tuple[str, str, str, str]:
    """(symbol, label, colour, background) of a category; an unknown one shown as itself."""
    symbol, label = VERDICT_LABELS.get(category, ("?", category.upper()))
    colour, background = VERDICT_COLOURS.get(category, ("#000000", "#ffffff"))
    return symbol, label, colour, background


def _badge(category: str, warning: bool = False) -> str:
    symbol, label, colour, background = _label(category)
    extra = " &#9888; warning" if warning else ""
    return (f'<span class="badge badge-{escape(category)}" style="color:{colour};'
            f'background:{background}">{escape(symbol)} {escape(label)}{extra}</span>')


def _screening_facts(obj: Any) -> list[str]:
    facts = [f"screened for {obj.on.isoformat()}"]
    named = (("basis", obj.basis), ("this patient's range", obj.range_text),
             ("plexodose would give", obj.calculated_text), ("suggested", obj.suggested_text),
             ("reason given", obj.reason or ""))
    return facts + [f"{name}: {value}" for name, value in named if value]


def _warned(obj: Any) -> str:
    """", with 1 warning" when findings within the rules still warn (a verdict that reads
    "within" must not hide them)."""
    n = sum(1 for f in obj.findings if f.warning)
    return f", with {n} warning{'s' if n > 1 else ''}" if n else ""


def _rule(finding: Any) -> str:
    """The finding's stable rule id, else (a caller's own source) the source's citation."""
    return str(finding.rule_id or finding.source.citation)


def _md_rule(finding: Any) -> str:
    if finding.rule_id:  # dotted lower-case words: safe in a code span
        return f"`{finding.rule_id}` ({finding.source.tag})"
    return f"{md_escape(finding.source.citation)} ({finding.source.tag})"


def screening_html(obj: Any) -> str:
    """The notebook view of a :class:`plexodose.Screening`: the verdict in words, symbol and
    colour; the facts; the findings as a table (dimension, category, finding, rule); what was
    not checked; notes; the values used and the sources folded away. Every text is escaped."""
    symbol, label, colour, background = _label(obj.verdict)
    parts = [f'<div class="plexodose plexodose-screening">{STYLE}{SCREEN_STYLE}',
             f'<p class="verdict verdict-{escape(obj.verdict)}" role="status" '
             f'style="color:{colour};background:{background};border-left:6px solid {colour}">'
             f"{escape(symbol)} {escape(label)}{escape(_warned(obj))}<br>{escape(obj.headline)}"
             "</p>"]
    parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in _screening_facts(obj))
                 + "</ul>")
    head = "".join(f"<th>{h}</th>" for h in ("dimension", "category", "finding", "rule"))
    rows = "".join(
        f'<tr class="finding-{escape(f.category)}"><td>{escape(f.dimension.replace("_", " "))}'
        f"</td><td>{_badge(f.category, f.warning)}</td><td>{escape(f.text)}</td>"
        f'<td title="{escape(f.source.citation)}">{_tag_html(f.source.tag)} '
        f"{escape(_rule(f))}</td></tr>"
        for f in obj.findings)
    parts.append(f'<table class="findings"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
                 "</table>")
    if obj.not_checked:
        items = "".join(f"<li>{escape(item)}</li>" for item in obj.not_checked)
        parts.append(f'<div class="notchecked"><strong>? Not checked ({len(obj.not_checked)}): '
                     f"never counted as within</strong><ul>{items}</ul></div>")
    notes = tuple(getattr(obj, "notes", ()))
    if notes:  # what the patient's values carried: said, not dropped
        parts.append(_warnings_html(notes).replace("Warnings (", "Notes (", 1))
    if obj.values_used:
        items = "".join(f"<li>{escape(v)}</li>" for v in obj.values_used)
        parts.append(f"<details><summary>Values used ({len(obj.values_used)})</summary>"
                     f"<ul>{items}</ul></details>")
    parts.append(_sources_html(tuple(obj.sources)))
    parts.append("</div>")
    return "".join(parts)


def screening_markdown(obj: Any) -> str:
    """The same view in Markdown: a coloured mark and the words, the findings as a table."""
    _, label, _, _ = _label(obj.verdict)
    mark = VERDICT_MARKS.get(obj.verdict, "")
    lines = [f"**{mark} {md_escape(label + _warned(obj))}**: {md_escape(obj.headline)}", ""]
    lines += [f"- {md_escape(f)}" for f in _screening_facts(obj)] + [""]
    lines += ["| dimension | category | finding | rule |", "|---|---|---|---|"]
    for f in obj.findings:
        category = VERDICT_MARKS.get(f.category, "") + " " + md_escape(_label(f.category)[1])
        if f.warning:
            category += " (warning)"
        lines.append(f"| {md_escape(f.dimension.replace('_', ' '))} | {category} | "
                     f"{md_escape(f.text)} | {_md_rule(f)} |")
    lines.append("")
    if obj.not_checked:
        lines += [f"**? Not checked ({len(obj.not_checked)})**: never counted as within", ""]
        lines += [f"- {md_escape(item)}" for item in obj.not_checked] + [""]
    notes = tuple(getattr(obj, "notes", ()))
    if notes:
        lines += [f"> **Note:** {md_escape(note)}" + "  " for note in notes] + [""]
    if obj.values_used:
        lines += [f"<details><summary>Values used ({len(obj.values_used)})</summary>", ""]
        lines += [f"- {md_escape(v)}" for v in obj.values_used] + ["", "</details>", ""]
    lines += _md_sources(tuple(obj.sources))
    return "\n".join(lines) + "\n"


# The screening rules table of the docs ("Screening orders"), from the package's own table.
SCREENING_RULES_HEADER = ("drug", "frequency", "per dose / per day",
                          "interval, course and cumulative", "absolute limits (hard)")
DRUG_TITLES = {"ivig": "IVIg", "azathioprine": "azathioprine",
               "mycophenolate": "mycophenolate mofetil", "ciclosporin": "ciclosporin",
               "cyclophosphamide_oral": "cyclophosphamide, oral",
               "cyclophosphamide_iv": "cyclophosphamide, IV"}


def screening_rules_markdown(rows: Iterable[Sequence[str]]) -> str:
    """The categories per drug as a Markdown table: one row per drug (its key, as ``drug=``
    and ``--drug`` take it, beside its name), each cell escaped.

    >>> print(screening_rules_markdown([("mycophenolate", "twice daily", "a", "none", "b")]))
    | drug | frequency | per dose / per day | interval, course and cumulative | absolute limits (hard) |
    |---|---|---|---|---|
    | mycophenolate mofetil (`mycophenolate`) | twice daily | a | none | b |
    """
    lines = ["| " + " | ".join(SCREENING_RULES_HEADER) + " |",
             "|" + "---|" * len(SCREENING_RULES_HEADER)]
    for drug, *cells in rows:
        name = f"{md_escape(DRUG_TITLES.get(drug, drug))} (`{drug}`)"
        lines.append("| " + " | ".join([name, *(md_escape(c) for c in cells)]) + " |")
    return "\n".join(lines)


# A review: the action at a glance (words, symbol and colour, as a screen's verdict), the
# proposed dose and next check, every reason with its source, each result judged or not judged.
ACTION_LOOKS = {  # action -> (symbol, label, text colour, background); AA contrast
    "continue": ("\u2714", "CONTINUE", "#1b5e20", "#e8f5e9"),
    "flag": ("!", "CONTINUE, ACT ON THE FINDINGS", "#6d5200", "#fff8e1"),
    "recalculate": ("\u21bb", "RECALCULATE", "#6d5200", "#fff8e1"),
    "repeat": ("\u21ba", "REPEAT THE TEST", "#0d47a1", "#e3f2fd"),
    "reduce": ("\u25bc", "REDUCE", "#8f4700", "#fff3e0"),
    "withhold": ("\u2716", "WITHHOLD", "#b71c1c", "#ffebee"),
    "stop": ("\u2716", "STOP", "#b71c1c", "#ffebee"),
}
ACTION_MARKS = {"continue": "\U0001f7e2", "flag": "\U0001f7e1", "recalculate": "\U0001f7e1",
                "repeat": "\U0001f535", "reduce": "\U0001f7e0", "withhold": "\U0001f534",
                "stop": "\U0001f534"}


def _action_look(action: str) -> tuple[str, str, str, str]:
    return ACTION_LOOKS.get(action, ("?", action.upper(), "#000000", "#ffffff"))


def _review_facts(review: Any) -> list[str]:
    facts = []
    if review.proposed_text:
        facts.append(f"proposed dose: {review.proposed_text}")
    elif review.action in ("withhold", "stop"):
        facts.append("proposed dose: none (a restart takes the prescriber's dose)")
    facts.append(f"next check: {review.next_check.isoformat()} ({review.next_check_text})")
    return facts


def review_html(review: Any) -> str:
    """The notebook view of a :class:`plexodose.Review`, from its fields (never its text): the
    action in words, symbol and colour; the proposed dose and next check; the reasons as a table
    with their sources; each result judged or not; notes; the sources folded away."""
    symbol, label, colour, background = _action_look(review.action)
    parts = [f'<div class="plexodose plexodose-review">{STYLE}{SCREEN_STYLE}',
             f'<p class="verdict action-{escape(review.action)}" role="status" '
             f'style="color:{colour};background:{background};border-left:6px solid {colour}">'
             f"{escape(symbol)} {escape(label)}<br>{escape(review.headline)}</p>"]
    parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in _review_facts(review))
                 + "</ul>")
    head = "".join(f"<th>{h}</th>" for h in ("action", "reason", "source"))
    rows = "".join(
        f'<tr class="reason-{escape(r.action)}"><td>{escape(r.action)}</td>'
        f"<td>{escape(r.text)}</td><td>{_tag_html(r.source.tag)} {escape(r.source.citation)}"
        "</td></tr>" for r in review.reasons)
    parts.append(f'<table class="reasons"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>'
                 "</table>")
    if review.judgements:
        items = "".join(f"<li>{escape(j)}</li>" for j in review.judgements)
        parts.append(f"<p><strong>Results ({len(review.judgements)})</strong></p><ul>{items}</ul>")
    if review.notes:
        parts.append(_warnings_html(review.notes).replace("Warnings (", "Notes (", 1))
    parts.append(_sources_html(tuple(review.sources)))
    parts.append("</div>")
    return "".join(parts)


def review_markdown(review: Any) -> str:
    """The same view in Markdown: a coloured mark and the action in words, the reasons as a table."""
    _, label, _, _ = _action_look(review.action)
    mark = ACTION_MARKS.get(review.action, "")
    lines = [f"**{mark} {md_escape(label)}**: {md_escape(review.headline)}", ""]
    lines += [f"- {md_escape(f)}" for f in _review_facts(review)] + [""]
    lines += ["| action | reason | source |", "|---|---|---|"]
    lines += [f"| {md_escape(r.action)} | {md_escape(r.text)} | `{r.source.tag}` "
              f"{md_escape(r.source.citation)} |" for r in review.reasons]
    lines.append("")
    if review.judgements:
        lines += [f"**Results ({len(review.judgements)})**", ""]
        lines += [f"- {md_escape(j)}" for j in review.judgements] + [""]
    if review.notes:
        lines += [f"> **Note:** {md_escape(note)}" + "  " for note in review.notes] + [""]
    lines += _md_sources(tuple(review.sources))
    return "\n".join(lines) + "\n"


# A checklist before starting: ready or the number to do, then each item with its status.
STATUS_LOOKS = {  # status -> (symbol, colour)
    "done": ("\u2714", "#1b5e20"), "to do": ("\u2610", "#b71c1c"),
    "consider": ("?", "#6d5200"), "not needed": ("\u2013", "#424242"),
}


def checklist_html(checklist: Any) -> str:
    """The notebook view of a :class:`plexodose.BeforeStarting`, from its fields: ready or the
    items to do, each check with its status and source, warnings, the sources folded away."""
    ready = checklist.ready
    colour, background = ("#1b5e20", "#e8f5e9") if ready else ("#b71c1c", "#ffebee")
    state = "READY TO START" if ready else f"{len(checklist.to_do)} TO DO"
    parts = [f'<div class="plexodose plexodose-checklist">{STYLE}{SCREEN_STYLE}',
             f'<p class="verdict" role="status" style="color:{colour};background:{background};'
             f'border-left:6px solid {colour}">{escape(state)}: before starting '
             f"{escape(checklist.drug)}</p>"]
    facts = []
    if checklist.baseline_creatinine_mg_dl is not None:
        facts.append("baseline creatinine: "
                     f"{fmt.number(checklist.baseline_creatinine_mg_dl, 3)} mg/dL")
    if checklist.override:
        facts.append(f"override: {checklist.override}")
    if facts:
        parts.append("<ul>" + "".join(f"<li>{escape(f)}</li>" for f in facts) + "</ul>")
    rows = "".join(
        f'<tr class="check-{escape(c.status.replace(" ", "-"))}"><td style="color:'
        f'{STATUS_LOOKS.get(c.status, ("?", "#000000"))[1]}">'
        f"{escape(STATUS_LOOKS.get(c.status, ('?', ''))[0])} {escape(c.status)}</td>"
        f"<td>{escape(c.item)}</td><td>{_tag_html(c.source.tag)} {escape(c.source.citation)}"
        "</td></tr>" for c in checklist.checks)
    parts.append('<table class="reasons"><thead><tr><th>status</th><th>check</th>'
                 f"<th>source</th></tr></thead><tbody>{rows}</tbody></table>")
    parts.append(_warnings_html(tuple(checklist.warnings)))
    parts.append(_sources_html(tuple(checklist.sources)))
    parts.append("</div>")
    return "".join(parts)


def checklist_markdown(checklist: Any) -> str:
    """The same view in Markdown."""
    mark = "\U0001f7e2" if checklist.ready else "\U0001f534"
    state = "ready to start" if checklist.ready else f"{len(checklist.to_do)} to do"
    lines = [f"**{mark} Before starting {md_escape(checklist.drug)}: {md_escape(state)}**", ""]
    if checklist.baseline_creatinine_mg_dl is not None:
        lines += ["- baseline creatinine: "
                  f"{fmt.number(checklist.baseline_creatinine_mg_dl, 3)} mg/dL", ""]
    lines += ["| status | check | source |", "|---|---|---|"]
    lines += [f"| {STATUS_LOOKS.get(c.status, ('?', ''))[0]} {md_escape(c.status)} | "
              f"{md_escape(c.item)} | `{c.source.tag}` {md_escape(c.source.citation)} |"
              for c in checklist.checks]
    lines.append("")
    lines += _md_warnings(tuple(checklist.warnings))
    lines += _md_sources(tuple(checklist.sources))
    return "\n".join(lines) + "\n"
