"""A warning as an app can route it: a stable code, a severity, the words and the rule cited.

Results, schedules and events keep ``warnings`` as plain text (what a person reads); ``alerts``
is the same list, one :class:`Alert` per warning, in the same order. The catalogue of codes
(:func:`catalogue`) is read from the package's own source: every ``warn(...)`` call names its
code and severity, so the table in the docs (docs/warnings.md) is generated from the calls
themselves and a test holds it equal.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, get_args

from plexodose._core.errors import InputRangeError, safe_repr
from plexodose._core.public import public
from plexodose._core.record import Record
from plexodose._core.sources import Source

Severity = Literal["info", "caution", "high"]
"""How much a warning asks of the reader (docs/warnings.md says how each was chosen):

- ``high``: a risk not excluded, a limit reached or a dose held or cut, a protocol departed from
  (FHIR DetectedIssue ``high``; CDS Hooks card ``critical``);
- ``caution``: a value to check or confirm, an amount not rounded, a rule not checked for want
  of a value (FHIR ``moderate``; CDS Hooks ``warning``);
- ``info``: advice the reference gives for every patient (FHIR ``low``; CDS Hooks ``info``).
"""

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
CODE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
"""A code: dotted lower-case words, drug or topic first (``ivig.renal_risk.unknown``)."""

UNCODED = "plexodose.uncoded"
"""The code of a warning made before codes existed (a result pickled by 0.3.0 or older, an
event built with ``warnings=`` only): its severity is ``high``, the conservative reading of a
warning whose kind is not known."""

FHIR_SEVERITY = {"info": "low", "caution": "moderate", "high": "high"}
CDS_HOOKS_INDICATOR = {"info": "info", "caution": "warning", "high": "critical"}


@public
class Alert(Record):
    """One warning: its stable ``code``, its ``severity``, its ``text`` (exactly the string in
    ``warnings``) and the rule it cites (``source``, None when it cites none).

    >>> from plexodose import Patient, ivig
    >>> alert = ivig(Patient(weight="70 kg", height="170 cm", sex="male")).alerts[0]
    >>> alert.code, alert.severity
    ('ivig.renal_risk.unknown', 'high')
    """

    __slots__ = ()
    code: str
    severity: Severity
    text: str
    source: Source | None = None

    def __post_init__(self) -> None:
        code, severity, text, source = self._v
        if not isinstance(code, str) or not CODE.fullmatch(code):
            raise InputRangeError(
                "an alert code is dotted lower-case words (a-z, 0-9, _; at least one dot) such "
                f'as "ivig.renal_risk.unknown"; got {safe_repr(code)}', field="code", value=code)
        if severity not in SEVERITIES:
            raise InputRangeError(
                f"severity must be one of {', '.join(SEVERITIES)}; got {safe_repr(severity)}",
                field="severity", value=severity)
        if not isinstance(text, str) or not text:
            raise InputRangeError(f"an alert's text is a non-empty string; got {safe_repr(text)}",
                                  field="text", value=text)
        if source is not None and not isinstance(source, Source):
            raise InputRangeError(f"source is a plexodose.Source or None; got {safe_repr(source)}",
                                  field="source", value=source)

    def retold(self, text: str) -> Alert:
        """The same kind of warning in other words (a schedule prefixes the drug or phase)."""
        return Alert._of(self.code, self.severity, text, self.source)

    def __str__(self) -> str:
        return self.text


def uncoded(text: str) -> Alert:
    """A warning of unknown kind (made before codes): conservatively ``high``."""
    return Alert._of(UNCODED, "high", text, None)


def alerts_of(warnings: tuple[str, ...], kinds: tuple[Any, ...]) -> tuple[Alert, ...]:
    """``warnings`` as alerts, with their (code, severity, source) from ``kinds``; a result
    made before codes (no kinds) has every warning :func:`uncoded`."""
    if len(kinds) != len(warnings):
        return tuple(uncoded(text) for text in warnings)
    return tuple(Alert._of(code, severity, text, source)
                 for text, (code, severity, source) in zip(warnings, kinds, strict=True))


def matched(warnings: tuple[str, ...], alerts: tuple[Alert, ...]) -> tuple[Alert, ...]:
    """One alert per warning, in order: the given alert with that very text, else uncoded (a
    schedule or event built with ``warnings=`` only, or pickled before alerts)."""
    if len(alerts) == len(warnings) and all(
        a.text == w for a, w in zip(alerts, warnings, strict=True)
    ):
        return alerts
    by_text = {a.text: a for a in alerts}
    return tuple(by_text.get(text) or uncoded(text) for text in warnings)


def unique(alerts: Iterable[Alert]) -> Iterator[Alert]:
    """``alerts`` without a repeated text, in order (a schedule says each warning once)."""
    seen: set[str] = set()
    for alert in alerts:
        if alert.text not in seen:
            seen.add(alert.text)
            yield alert


# The catalogue: every warn(...) call of the package, read from its source.

PACKAGE = Path(__file__).resolve().parents[1]


class AlertKind(Record):
    """One kind of warning as the package's source declares it: its code, severity, the rule it
    cites (a Source id, or how it is chosen), an example of its words (``{...}`` where a value
    goes) and the module that raises it."""

    __slots__ = ()
    code: str
    severity: str
    source: str
    example: str
    module: str


def _words(node: ast.expr, text: str, named: dict[str, ast.expr]) -> str:
    """A warning's text expression as a template: literals (and the module's own text
    constants) kept, values as ``{...}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in named:
        return _words(named[node.id], text, named)
    if isinstance(node, ast.JoinedStr):
        return "".join(_words(part, text, named) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        return "{" + (ast.get_source_segment(text, node.value) or "...") + "}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _words(node.left, text, named) + _words(node.right, text, named)
    return "{" + (ast.get_source_segment(text, node) or "...") + "}"


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """The module's top-level ``NAME = "text"`` assignments."""
    return {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)
            and isinstance(node.value, ast.Constant | ast.JoinedStr | ast.BinOp)}


def warn_calls(root: Path = PACKAGE) -> Iterator[tuple[Path, ast.Call, str]]:
    """Every call that makes a warning under ``root``: ``x.warn(...)`` (``warnings.warn``
    excepted) and ``Alert(...)``, with its file and source text."""
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and (_is_warn(node.func) or (
                    isinstance(node.func, ast.Name) and node.func.id == "Alert")):
                yield path, node, text


def _is_warn(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "warn" and not (
        isinstance(func.value, ast.Name) and func.value.id == "warnings")


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def catalogue() -> list[AlertKind]:
    """Every kind of warning the package makes, by code (each once), from its calls; the rule
    each cites by its Source id (found by the constant's name in the registry), or "the rule
    applied" where the call passes the rule it is checking."""
    from plexodose._core.registry import registry  # imports every module: for the docs only

    ids = {rule.name: rule.source.id for rule in registry()}
    kinds: dict[str, AlertKind] = {}
    for path, call, text in warn_calls():
        code, severity = _keyword(call, "code"), _keyword(call, "severity")
        if not (isinstance(code, ast.Constant) and isinstance(severity, ast.Constant)):
            continue  # the test on the calls names it
        said = call.args[0] if call.args else _keyword(call, "text")
        if said is None:
            continue
        cited = call.args[1] if len(call.args) > 1 else _keyword(call, "source")
        if cited is None:
            source = ""
        else:
            name = ast.get_source_segment(text, cited) or ""
            source = ids.get(name.rsplit(".", 1)[-1], "the rule applied")
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        example = " ".join(_words(said, text, _constants(ast.parse(text))).split())
        kinds.setdefault(str(code.value), AlertKind._of(
            str(code.value), str(severity.value), source, example, module))
    return sorted(kinds.values(), key=lambda k: k.code)


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (the docs' warnings page)."""
    lines = ["| code | severity | source | example |", "| --- | --- | --- | --- |"]
    for kind in catalogue():
        example = kind.example.replace("|", "\\|")
        source = f"`{kind.source}`" if "." in kind.source else kind.source or "-"
        lines.append(f"| `{kind.code}` | {kind.severity} | {source} | {example} |")
    return "\n".join(lines) + "\n"
