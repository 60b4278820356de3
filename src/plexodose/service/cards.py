"""CDS Hooks cards from a :class:`~plexodose.Screening`: one card per finding that matters.

The indicator follows the finding's category: ``critical`` above an absolute limit (no reason
lifts it), ``warning`` above the range (refused by default: the card offers coded override
reasons), below the range or not screened, ``info`` for a finding within the rules that still
warns (and for an order within the rules when a card was asked for). The summary names the drug,
the dose in the reference's safe wording ("Safe dose expression": no trailing zero, thousands
separators, "daily") and the category; the detail (GitHub-flavoured Markdown) gives the finding,
the patient's own range, what plexodose would give, the rule with its id, evidence tag and
source, what was not checked and the values used with their dates.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from plexodose._core import format as fmt
from plexodose._core.version import __version__
from plexodose._screening.verdict import RANK, WORDS, OrderFinding, Screening

INDICATOR = {"within": "info", "below": "warning", "not_screened": "warning",
             "above_soft": "warning", "above_hard": "critical"}
SHORT = {"within": "within the rules", "below": "below the range",
         "not_screened": "not screened", "above_soft": "above the range, needs a reason",
         "above_hard": "above an absolute limit"}
DIMENSION_WORDS = {"per_dose": "dose", "per_day": "daily dose", "frequency": "frequency",
                   "interval": "interval", "course": "course", "cumulative": "cumulative dose",
                   "condition": "patient's condition"}
TITLES = {"ivig": "IVIg", "azathioprine": "Azathioprine",
          "cyclophosphamide_oral": "Oral cyclophosphamide",
          "cyclophosphamide_iv": "IV cyclophosphamide", "ciclosporin": "Ciclosporin",
          "mycophenolate": "Mycophenolate mofetil"}
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OVERRIDE_REASONS = (  # HL7 v3 ActDetectedIssueManagementCode, as terminology.hl7.org lists them
    {"system": ACT_CODE, "code": "1", "display": "Therapy Appropriate"},
    {"system": ACT_CODE, "code": "2", "display": "Assessed Patient"},
    {"system": ACT_CODE, "code": "3", "display": "Patient Explanation"},
)
SOURCE = {"label": f"plexodose {__version__} dosing rules"}
FOOTER = (f"_plexodose {__version__}: decision support for a qualified prescriber. Verify every "
          "dose against the product information and local protocols._")
MAX_SUMMARY = 139
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>#|~!])")


def escape(text: str) -> str:
    r"""``text`` shown as itself in Markdown (no emphasis, link or HTML from the EHR's words).

    >>> escape("cyclophosphamide_iv <b>2*2</b>")
    'cyclophosphamide\\_iv \\<b\\>2\\*2\\</b\\>'
    """
    shown = " ".join(str(text).split())
    # most texts hold no markup: a search is about half the cost of a substitution
    return _MARKDOWN.sub(r"\\\1", shown) if _MARKDOWN.search(shown) else shown


def times_words(times: int | None) -> str:
    return {None: "", 1: "daily", 2: "twice daily", 3: "three times daily"}.get(
        times, f"{times} times daily")


def amount_words(drug: str, amount: float, basis: str, per: str) -> str:
    """An amount as a prescriber reads it: IVIg in g, an IV pulse per m2 in g/m2.

    >>> amount_words("ivig", 28800.0, "mg", "dose"), amount_words("azathioprine", 2.0, "mg/kg", "day")
    ('28.8 g', '2 mg/kg a day')
    """
    if basis == "mg":
        text = fmt.mass_g(amount / 1000) if drug == "ivig" else fmt.mass_mg(amount)
    elif basis == "mg/kg":
        text = (f"{fmt.number(amount / 1000, 3)} g/kg" if drug == "ivig"
                else f"{fmt.number(amount, 3)} mg/kg")
    else:
        text = f"{fmt.number(amount / 1000, 3)} g/m2"
    return text + (" a day" if per == "day" else "")


def order_words(order: Any, name: str = "This order") -> str:
    """The order in the reference's safe wording: "Azathioprine 100 mg twice daily" (``name``
    when it could not be read)."""
    drug = str(getattr(order, "drug", None))
    if drug not in TITLES or getattr(order, "amount", None) is None:
        return TITLES.get(drug, name)
    return f"{TITLES[drug]} {dose_words(order)}"


def dose_words(order: Any) -> str:
    """The dose of an order in the reference's safe wording: "100 mg twice daily"."""
    drug = str(order.drug)
    parts = [amount_words(drug, order.amount, order.basis, order.per)]
    interval = order.interval_days
    if order.times_per_day is not None and not (order.times_per_day == 1 and interval):
        parts.append(times_words(order.times_per_day))
    if order.days_per_week not in (None, 7):
        parts.append(f"on {order.days_per_week} days a week")
    if interval:
        weeks = interval / 7
        parts.append(f"every {fmt.number(weeks)} weeks" if weeks == int(weeks)
                     else f"every {fmt.number(interval)} days")
    if order.days is not None:
        parts.append(f"for {order.days} day{'s' if order.days != 1 else ''}")
    return " ".join(parts)


def summary(head: str, tail: str = "") -> str:
    """``head``, and ``tail`` after a colon when both fit the 140 characters CDS Hooks allows."""
    if len(head) > MAX_SUMMARY:
        head = head[:MAX_SUMMARY - 3].rsplit(" ", 1)[0] + "..."
    joined = f"{head}: {tail}" if tail else head
    return joined if len(joined) <= MAX_SUMMARY else head


def screening_cards(s: Screening, *, request: str, suggestion: dict[str, Any] | None,
                    notes: Sequence[str], show_within: bool,
                    name: str = "This order") -> list[dict[str, Any]]:
    """The cards of one screened order: one per finding that matters (the suggestion on the
    worst one above the range), or one ``info`` card for an order within the rules when asked."""
    mattering = [f for f in s.findings if f.matters]
    if not mattering:
        if not show_within:
            return []
        return [_card(s, None, request=request, suggestion=None, notes=notes, name=name,
                      calculated=s.calculated_text)]
    worst = max(mattering, key=lambda f: RANK[f.category])
    calculated = s.calculated_text  # runs the calculator each time it is read: once a screen
    return [_card(s, f, request=request, notes=notes, name=name, calculated=calculated,
                  suggestion=suggestion if f is worst and f.category.startswith("above")
                  else None) for f in mattering]


def _card(s: Screening, finding: OrderFinding | None, *, request: str,
          suggestion: dict[str, Any] | None, notes: Sequence[str], name: str,
          calculated: str) -> dict[str, Any]:
    category = finding.category if finding is not None else s.verdict
    words = order_words(s.order, name)
    if finding is None:
        head = f"{words}: {SHORT[category]}"
        tail = f"{len(s.not_checked)} not checked" if s.not_checked else ""
    else:
        shown = "within the rules, with a warning" if finding.warning else SHORT[category]
        head = f"{words}: {shown} ({DIMENSION_WORDS[finding.dimension]})"
        tail = finding.text
    lines = []
    if finding is not None:
        lines += [f"**{escape(finding.text)}**", ""]
    lines += _screening_lines(s, finding, words, request, calculated)
    lines += _tail_lines(s.not_checked, [str(v) for v in s.values_used], notes)
    if category == "above_hard":
        lines += ["", "An absolute limit: no stated reason lifts it."]
    elif category == "above_soft":
        lines += ["", "Above the protocol range: refused unless the prescriber states a reason."]
    lines += ["", FOOTER]
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(head, tail),
        "detail": "\n".join(lines),
        "indicator": "info" if finding is not None and category == "within" else
        INDICATOR[category],
        "source": dict(SOURCE),
    }
    if suggestion is not None:
        card["suggestions"] = [suggestion]
        card["selectionBehavior"] = "at-most-one"
    if category == "above_soft":
        card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
    extension = {"plexodose.order": request, "plexodose.verdict": s.verdict,
                 "plexodose.category": category}
    if finding is not None:
        extension |= {"plexodose.dimension": finding.dimension,
                      "plexodose.rule": finding.rule_id or finding.source.tag}
    card["extension"] = extension
    return card


def _screening_lines(s: Screening, finding: OrderFinding | None, words: str,
                     request: str, calculated: str) -> list[str]:
    lines = [f"- Order: {escape(words)} ({escape(request)})"]
    lines.append(f"- Verdict on the order: {escape(WORDS[s.verdict])}")
    for label, value in (("This patient's range", s.range_text),
                         ("plexodose would give", calculated),
                         ("Suggested", s.suggested_text), ("Basis", s.basis),
                         ("Stated reason", s.reason or "")):
        if value:
            lines.append(f"- {label}: {escape(value)}")
    if finding is not None:
        source = finding.source
        rule = f"`{finding.rule_id}` " if finding.rule_id else ""
        lines.append(f"- Rule {rule}{escape(f'[{source.tag}]')}: {escape(source.rule)}. Source: "
                     f"{escape(source.citation)}")
    others = [f for f in s.findings if f is not finding]
    if others:
        lines += ["", "Other findings on this order:" if finding is not None else "Findings:"]
        lines += [f"- {'within the rules, with a warning' if f.warning else SHORT[f.category]} "
                  f"({escape(DIMENSION_WORDS[f.dimension])}): {escape(f.text)}" for f in others]
    return lines


def _tail_lines(not_checked: Sequence[str], values: Sequence[str],
                notes: Sequence[str]) -> list[str]:
    lines: list[str] = []
    for title, items in (("Not checked", not_checked), ("Values used", values),
                         ("Notes", notes)):
        if items:
            lines += ["", f"{title}:"]
            lines += [f"- {escape(item)}" for item in items]
    return lines


def not_screened_card(what: str, why: str, *, request: str,
                      notes: Sequence[str] = ()) -> dict[str, Any]:
    """A card for an order that could not be screened at all, saying why."""
    lines = [f"**Not screened: {escape(why)}**", "", f"- Order: {escape(what)}"]
    lines += _tail_lines((), (), notes)
    lines += ["", FOOTER]
    return {"uuid": str(uuid.uuid4()), "summary": summary(f"{what}: not screened", why),
            "detail": "\n".join(lines), "indicator": "warning", "source": dict(SOURCE),
            "extension": {"plexodose.order": request, "plexodose.verdict": "not_screened",
                          "plexodose.category": "not_screened"}}


def dose_card(drug: str, result: Any, *, request: str,
              suggestion: dict[str, Any] | None) -> dict[str, Any]:
    """order-select: the patient's calculated dose for the drug being picked (a ``warning``
    when the result warns, each warning first in the detail)."""
    text = repr(result)
    told = text.splitlines()[0].split(": ", 1)[-1]
    warnings = tuple(getattr(result, "warnings", ()))
    lines = [f"- **{escape(w)}**" for w in warnings] + ([""] if warnings else [])
    lines += ["```", text.rstrip(), "```", "", FOOTER]
    card: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(f"{TITLES[drug]} for this patient: {told}"),
        "detail": "\n".join(lines), "indicator": "warning" if warnings else "info",
        "source": dict(SOURCE),
        "extension": {"plexodose.order": request, "plexodose.calculated": True},
    }
    if suggestion is not None:
        card["suggestions"] = [suggestion]
        card["selectionBehavior"] = "at-most-one"
    return card


def calculator_refusal_card(drug: str, why: str, *, request: str) -> dict[str, Any]:
    """order-select: no dose could be calculated for this patient (a contraindication, a value
    missing or implausible), with the reason."""
    lines = [f"**No {escape(TITLES[drug])} dose calculated: {escape(why)}**", "", FOOTER]
    return {"uuid": str(uuid.uuid4()),
            "summary": summary(f"{TITLES[drug]}: no dose calculated for this patient", why),
            "detail": "\n".join(lines), "indicator": "warning", "source": dict(SOURCE),
            "extension": {"plexodose.order": request, "plexodose.calculated": False}}


def suggestion(label: str, description: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A suggestion whose one action updates the draft order to ``resource``."""
    return {"label": label, "uuid": str(uuid.uuid4()), "isRecommended": True,
            "actions": [{"type": "update", "description": description, "resource": resource}]}
