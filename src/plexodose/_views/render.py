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


# A result: the headline is repr's first line; the indented lines after it, up to the
# derivation, are its facts (dosing weight, cap, dispense, override).

def _headline_and_facts(result: Any) -> tuple[str, list[str]]:
    lines = repr(result).splitlines()
    facts = []
    for line in lines[1:]:
        if not line.startswith("  ") or line.startswith("    "):
            break
        if line.strip() in {"derivation:", "warnings:", "sources:"}:
            break
        facts.append(line.strip())
    return (lines[0] if lines else type(result).__name__), facts


def _is_dispense(fact: str) -> bool:
    return fact.startswith("dispense")


def _tag_html(tag: str) -> str:
    return f'<span class="tag tag-{escape(tag)}">{escape(tag)}</span>'


def _sources_html(sources: Sequence[Any]) -> str:
    items = "".join(
        f"<li>{_tag_html(s.tag)} {escape(s.citation)}: {escape(s.rule)}</li>" for s in sources
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
        *(f"- `{s.tag}` {md_escape(s.citation)}: {md_escape(s.rule)}" for s in sources),
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
                           break_on_hyphens=False)
    if not pieces:
        return line
    rest = " " * (indent + extra)
    return "\n".join([line[:indent] + pieces[0], *(rest + p for p in pieces[1:])])


# An order screen's verdict, at a glance: the category in words and colour, then the text.
VERDICT_COLOURS = {
    "within": ("#1b5e20", "#e8f5e9"),
    "below": ("#8a6d00", "#fff8e1"),
    "not_screened": ("#4a4a4a", "#eeeeee"),
    "above_soft": ("#b35c00", "#fff3e0"),
    "above_hard": ("#b71c1c", "#ffebee"),
}


def screening_html(obj: Any) -> str:
    """The notebook view of a :class:`plexodose.Screening`: a coloured verdict, then its text."""
    colour, background = VERDICT_COLOURS.get(obj.verdict, ("#000000", "#ffffff"))
    lines = repr(obj).splitlines()
    head, rest = lines[0], "\n".join(lines[1:])
    return (
        f'<div class="plexodose-screening" style="border-left:6px solid {colour};'
        f'background:{background};padding:4px 8px;text-align:left">'
        f'<div style="color:{colour};font-weight:bold">{escape(head)}</div>'
        f'<pre style="text-align:left;white-space:pre-wrap;margin:0">{escape(rest)}</pre></div>'
    )
