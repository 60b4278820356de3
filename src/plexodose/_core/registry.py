"""Every rule plexodose cites, found by walking the package: the source of the docs' rules page.

A rule is a :class:`~plexodose.Source` constant assigned at module level (``NAME = Source(...)``)
in any module of the package, so a module added later is found without being listed here. A
module whose optional extra is missing is skipped (its rules are listed once the extra is
installed, as for the documentation build).

>>> rules = registry()
>>> by_name = {rule.name: rule for rule in rules}
>>> by_name["SEED_IVIG"].module, by_name["SEED_IVIG"].source.tag
('plexodose._core.sources', 'seed')
>>> sorted({rule.source.tag for rule in rules})
['gap', 'guideline', 'label', 'secondary', 'seed']
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from types import ModuleType

import attrs

from plexodose._core.sources import Source

TAGS = {  # the evidence tags, strongest first, in the words the rules page uses
    "seed": "the project's clinical document (the defaults)",
    "label": "a drug's prescribing information",
    "guideline": "a published guideline, protocol or formula",
    "secondary": "a second-hand summary of a source not read directly",
    "gap": "nothing found: plexodose's conservative choice, documented and configurable",
}


@attrs.frozen
class Rule:
    """One cited rule: the module and constant that define it, and the Source itself."""

    module: str
    name: str
    source: Source


def modules() -> list[ModuleType]:
    """The package's modules, imported; those whose optional extra is missing are left out."""
    # the package's folders, read from the loaded package (always loaded before any of its
    # modules), never imported from here: the façade is the top layer
    found = []
    for info in pkgutil.walk_packages(sys.modules["plexodose"].__path__, "plexodose."):
        try:
            found.append(importlib.import_module(info.name))
        except ImportError:  # MissingExtraError included: a module needing an absent extra
            continue
    return found


def _defined_here(module: ModuleType) -> set[str]:
    """Names the module assigns a ``Source(...)`` call to (not those it imports)."""
    try:
        text = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*(?::[^=\n]*)?=\s*(?:\w+\.)?Source\(", text,
                          re.MULTILINE))


def registry() -> tuple[Rule, ...]:
    """Every Source constant of the package, each once, by module then definition order."""
    rules: list[Rule] = []
    seen: set[int] = set()
    for module in sorted(modules(), key=lambda m: (m.__name__ != "plexodose._core.sources", m.__name__)):
        defined = _defined_here(module)
        for name, value in vars(module).items():
            if isinstance(value, Source) and name in defined and id(value) not in seen:
                seen.add(id(value))
                rules.append(Rule(module.__name__, name, value))
    return tuple(rules)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")



# The topics a rule's id starts with, in the order a reader looks for them: each drug, then
# what every dose rests on, then the reviews, plans and screens.
TOPICS = {
    "ivig": "IVIg", "azathioprine": "Azathioprine", "cyclophosphamide": "Cyclophosphamide",
    "ciclosporin": "Ciclosporin", "mycophenolate": "Mycophenolate",
    "body": "Body size", "renal": "Renal function", "values": "Whose value, from when",
    "dosing": "Dosing", "dispense": "Dispensing", "screening": "Screening an order",
    "review": "Lab reviews", "monitoring": "Monitoring", "before": "Before starting",
    "schedule": "Schedules", "course": "Schedules", "taper": "Tapers", "fhir": "FHIR inputs",
}


def topic(rule: Rule) -> str:
    """The heading a rule is listed under: the drug or topic its id starts with."""
    first = rule.source.id.split(".")[0]
    return TOPICS.get(first, first.capitalize() or "Other")


def by_topic(rules: tuple[Rule, ...]) -> dict[str, list[Rule]]:
    """The rules grouped by :func:`topic`, in :data:`TOPICS` order, each group by id."""
    order = list(dict.fromkeys(TOPICS.values()))
    groups: dict[str, list[Rule]] = {}
    for rule in sorted(rules, key=lambda r: r.source.id):
        groups.setdefault(topic(rule), []).append(rule)
    return dict(sorted(groups.items(),
                       key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def rules_markdown(rules: tuple[Rule, ...] | None = None) -> str:
    """The rules page's generated part: the evidence tags, then one table per drug or topic."""
    rules = registry() if rules is None else rules
    counts = {tag: sum(r.source.tag == tag for r in rules) for tag in TAGS}
    lines = ["| evidence | meaning | rules |", "|---|---|---|"]
    lines += [f"| `{tag}` | {meaning} | {counts[tag]} |" for tag, meaning in TAGS.items()]
    lines += ["", f"{len(rules)} rules in all.", ""]
    for heading, group in by_topic(rules).items():
        lines += [f"# {_cell(heading)}", ""]
        lines += ["| id | rule | evidence | source |", "|---|---|---|---|"]
        lines += [
            f"| `{r.source.id}` | {_cell(r.source.rule)} | `{r.source.tag}` "
            f"| {_cell(r.source.reference)} |"  # the citation, with where to find it
            for r in group
        ]
        lines.append("")
    return "\n".join(lines)
