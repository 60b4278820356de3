"""What a screen finds: one :class:`OrderFinding` per dimension judged, and the :class:`Screening`.

Categories (clinical rules, "Screening an order someone else wrote"): ``within``; ``below`` (a
warning naming the range, never refused); ``above_soft`` (refused by default, accepted with a
stated reason); ``above_hard`` (an absolute limit: refused, reason or not); ``not_screened``
(with the reason: never read as within).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, Literal, get_args

import attrs

from plexodose._core.public import public
from plexodose._core.record import keyword_maker
from plexodose._core.sources import Source
from plexodose._patient.provenance import ValueUsed

Category = Literal["within", "below", "above_soft", "above_hard", "not_screened"]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Dimension = Literal[
    "per_dose", "per_day", "frequency", "interval", "course", "cumulative", "condition"
]
DIMENSIONS: tuple[Dimension, ...] = get_args(Dimension)
Suggested = tuple[float | None, str]  # (mg, in words): a dose that re-screens within
# The overall verdict is the worst finding: an absolute limit first, then what could not be
# screened (a reason accepts a soft finding, never an unscreened one), then soft, then below.
RANK: dict[Category, int] = {
    "within": 0, "below": 1, "above_soft": 2, "not_screened": 3, "above_hard": 4,
}
WORDS: dict[Category, str] = {
    "within": "within the rules",
    "below": "below the range (a warning)",
    "above_soft": "above the range: needs a stated reason",
    "above_hard": "above an absolute limit: refused",
    "not_screened": "not screened",
}
# HL7 v3 ActCode (DetectedIssue): the issue each dimension raises when it is not within.
ACT_CODES: dict[Dimension, tuple[str, str]] = {  # (above, below)
    "per_dose": ("DOSEH", "DOSEL"),
    "per_day": ("DOSEH", "DOSEL"),
    "frequency": ("DOSEIVL", "DOSEIVL"),
    "interval": ("DOSEIVL", "DOSEIVL"),
    "course": ("DOSEDUR", "DOSEDUR"),
    "cumulative": ("MDOSE", "MDOSE"),
    "condition": ("DOSECOND", "DOSECOND"),
}


class _ByKey:
    """Equality and hashing by ``_key()``: the parts worked out when read included (they are
    worked out for it)."""

    __slots__ = ()

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _ByKey)
        return self._key() == other._key()

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(self._key())


@public
@attrs.frozen(kw_only=True, eq=False)
class OrderFinding(_ByKey):
    """One dimension of an order judged by one rule: its category, in words, with its source.

    ``warning`` marks a finding that is within the rules but still warns (ciclosporin above the
    label's 4 mg/kg/day; a cumulative cyclophosphamide threshold reached)."""

    dimension: Dimension
    category: Category
    # the words, or the function that writes them when first read (a screen decides on
    # numbers; most findings are never read word for word)
    _text: str | Callable[[], str] = attrs.field(alias="text", eq=False)
    source: Source
    warning: bool = False

    @property
    def text(self) -> str:
        """The finding in words."""
        words = self._text
        if not isinstance(words, str):
            words = words()
            object.__setattr__(self, "_text", words)  # a cache of a pure function
        return words

    def _key(self) -> tuple[Any, ...]:
        return (self.dimension, self.category, self.text, self.source, self.warning)

    def __getstate__(self) -> dict[str, Any]:
        self.text  # noqa: B018  (a pickle holds the words, never the function)
        return {a.name: getattr(self, a.name) for a in attrs.fields(OrderFinding)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "text" in state:  # pickled by 0.3.0, before the words were written when read
            state["_text"] = state.pop("text")
        for name, value in state.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (f"OrderFinding(dimension={self.dimension!r}, category={self.category!r}, "
                f"text={self.text!r}, source={self.source!r}, warning={self.warning!r})")

    @property
    def rule_id(self) -> str:
        """The stable id of the rule's source (``Source.id``)."""
        return self.source.id

    @property
    def code(self) -> str | None:
        """The HL7 ActCode of the issue (None for a plain within finding, and for one that
        could not be screened: no ActCode says "not checked")."""
        if (self.category == "within" and not self.warning) or self.category == "not_screened":
            return None
        above, below = ACT_CODES[self.dimension]
        return below if self.category == "below" else above

    @property
    def matters(self) -> bool:
        """Not a plain "within": what a pharmacist must see."""
        return self.category != "within" or self.warning

    def __str__(self) -> str:
        mark = "!" if self.warning else ""
        return f"[{self.category}{mark}] {self.dimension}: {self.text}"


# What a screen makes per order, without attrs' keyword parsing (every value is its own).
made_finding = keyword_maker(OrderFinding)


@public
@attrs.frozen(kw_only=True, init=False, eq=False)
class Screening(_ByKey):
    """The verdict on one order for one patient on one date, with every finding and source.

    ``verdict`` is the worst finding's category; ``range_text`` the patient's own range the
    amount was judged on (with ``basis``: the weight, dosing weight or BSA used);
    ``calculated_text`` (worked out when read) what plexodose would give this patient; ``suggested_mg`` a dose that
    re-screens within when the order is above the range (None otherwise); ``not_checked`` what
    no rule could read (each named, never counted as within); ``values_used`` the patient values
    with their dates and origins.

    The words, the suggestion and the values used are worked out when first read, on the
    patient as screened and the product catalogue as it was (after a change to the catalogue
    they say so rather than answer from another one); ``==``, ``hash``, copies and pickles see
    them, ``attrs.asdict`` sees the private fields: use :meth:`to_dict`."""

    order: Any  # Order (typed at the façade; kept Any to keep this module below the order's)
    on: dt.date
    verdict: Category
    findings: tuple[OrderFinding, ...]
    # the patient screened, or the function that dates it on ``on`` (a copy made when read)
    _patient: Any = attrs.field(default=None, alias="patient")
    allopurinol: bool = False
    not_checked: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """What the patient's values carried with them (a value used as confirmed, a window set)."""
    reason: str | None = None
    # What a screen works out only when read (its words, the suggestion, the values with their
    # dates): each is a function of the order and the patient compared above, so none takes
    # part in equality; each holds its value, or the function that finds it until first read.
    _basis: str | Callable[[], str] = attrs.field(default="", alias="basis", eq=False)
    _range_text: str | Callable[[], str] = attrs.field(default="", alias="range_text", eq=False)
    _suggested: Suggested | Callable[[], Suggested] = attrs.field(
        default=(None, ""), alias="suggested", eq=False)
    _values_used: tuple[ValueUsed, ...] | Callable[[], tuple[ValueUsed, ...]] = attrs.field(
        default=(), alias="values_used", eq=False)
    _catalogue: object = attrs.field(default=None, alias="catalogue", eq=False, repr=False)
    """The product catalogue's snapshot the screen ran on (``CATALOGUE.snapshot()``)."""

    def __init__(self, *, order: Any, on: dt.date, verdict: Category,
                 findings: tuple[OrderFinding, ...],
                 basis: str | Callable[[], str] = "",
                 range_text: str | Callable[[], str] = "",
                 patient: Any = None, allopurinol: bool = False,
                 suggested_mg: float | None = None, suggested_text: str = "",
                 not_checked: tuple[str, ...] = (), notes: tuple[str, ...] = (),
                 values_used: tuple[ValueUsed, ...] | Callable[[], tuple[ValueUsed, ...]] = (),
                 reason: str | None = None,
                 suggested: Suggested | Callable[[], Suggested] | None = None,
                 catalogue: object = None) -> None:
        if suggested is None or suggested_mg is not None or suggested_text:
            suggested = (suggested_mg, suggested_text)  # given by name: it replaces the other
        self.__attrs_init__(
            order=order, on=on, verdict=verdict, findings=findings, basis=basis,
            range_text=range_text, patient=patient, allopurinol=allopurinol,
            not_checked=not_checked, notes=notes, values_used=values_used, reason=reason,
            suggested=suggested, catalogue=catalogue)

    def _key(self) -> tuple[Any, ...]:
        return (self.order, self.on, self.verdict, self.findings, self.patient, self.allopurinol,
                self.not_checked, self.notes, self.reason, self.basis, self.range_text,
                self._read("_suggested"), self.values_used)

    def _read(self, name: str) -> Any:
        found = getattr(self, name)
        if callable(found):
            found = found()
            object.__setattr__(self, name, found)  # a cache of a pure function
        return found

    @property
    def patient(self) -> Any:
        """The patient screened (a :class:`plexodose.Patient`, judged on ``on``)."""
        found = self._patient
        if type(found) is functools.partial:  # the screen's own: dates the patient on ``on``
            found = found()
            object.__setattr__(self, "_patient", found)
        return found

    @property
    def basis(self) -> str:
        """The weight, dosing weight or BSA the amount was judged on."""
        words: str = self._read("_basis")
        return words

    @property
    def range_text(self) -> str:
        """This patient's own range, in words."""
        words: str = self._read("_range_text")
        return words

    @property
    def values_used(self) -> tuple[ValueUsed, ...]:
        """The patient's values with their dates and origins."""
        used: tuple[ValueUsed, ...] = self._read("_values_used")
        return used

    @property
    def suggested_mg(self) -> float | None:
        """A daily dose in mg (a pulse's dose for IV cyclophosphamide) that re-screens within,
        when the order is above the range; None otherwise (worked out when read)."""
        found: Suggested = self._read("_suggested")
        return found[0]

    @property
    def suggested_text(self) -> str:
        """The suggestion in words (empty when there is none)."""
        found: Suggested = self._read("_suggested")
        return found[1]

    def __getstate__(self) -> dict[str, Any]:
        for name in _LATER:  # a pickle holds values, never the functions that find them
            self._read(name)
        self.patient  # noqa: B018  (dated, if it was not yet)
        state = {a.name: getattr(self, a.name) for a in attrs.fields(Screening)}
        state["_catalogue"] = None  # the process's catalogue: not a thing a pickle carries
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        if "patient" in state:  # pickled by 0.5.0 or before, when it was made on every screen
            state["_patient"] = state.pop("patient")
        if "suggested_mg" in state:  # pickled by 0.3.0, before these were read when asked for
            state["_suggested"] = (state.pop("suggested_mg"), state.pop("suggested_text", ""))
            for name in ("basis", "range_text", "values_used"):
                state[f"_{name}"] = state.pop(name, "" if name != "values_used" else ())
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @property
    def calculated_text(self) -> str:
        """What plexodose would give this patient for the order's drug (worked out when read)."""
        if self.patient is None:
            return ""
        from plexodose._screening.screen import CATALOGUE_CHANGED, as_screened, calculated_text

        if self._catalogue is None:  # made by hand: the catalogue as it is
            from plexodose._dosing.products import CATALOGUE

            screened = as_screened(self.patient, self.on, CATALOGUE.snapshot())
        else:
            screened = as_screened(self.patient, self.on, self._catalogue)
        if screened is None:
            return CATALOGUE_CHANGED
        return calculated_text(self.order, screened, self.allopurinol)

    @property
    def accepted(self) -> bool:
        """Within or below; or above the range with the prescriber's stated reason. Never for
        an absolute limit or an order that could not be screened."""
        return self.verdict in ("within", "below") or (
            self.verdict == "above_soft" and self.reason is not None)  # nothing unscreened

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(dict.fromkeys(f.source for f in self.findings))

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(f.text for f in self.findings if f.matters)

    @property
    def headline(self) -> str:
        shown = WORDS[self.verdict]
        if self.verdict in ("above_soft", "above_hard"):  # refused by default: loud
            shown = shown.upper()
        if self.verdict == "above_soft" and self.reason is not None:
            shown += f" (reason given: {self.reason})"
        extra = []
        if any(f.warning for f in self.findings):
            extra.append("with warnings")
        if self.not_checked and self.verdict in ("within", "below"):
            n = len(self.not_checked)
            extra.append(f"{n} thing{'s' if n != 1 else ''} not checked, listed below")
        return f"{self.order.text}: {shown}" + (f" ({'; '.join(extra)})" if extra else "")

    def __repr__(self) -> str:
        lines = [self.headline]
        if self.basis:
            lines.append(f"  basis: {self.basis}")
        if self.range_text:
            lines.append(f"  this patient's range: {self.range_text}")
        calculated = self.calculated_text
        if calculated:
            lines.append(f"  plexodose would give: {calculated}")
        if self.suggested_text:
            lines.append(f"  suggested: {self.suggested_text}")
        lines.append("  findings:")
        lines += [f"    {'!' if f.matters else '-'} {f.dimension.replace('_', ' ')}: "
                  f"{f.category.replace('_', ' ')}: {f.text} [{f.rule_id or f.source.tag}]"
                  for f in self.findings]
        if self.not_checked:
            lines.append("  not checked:")
            lines += [f"    ? {item}" for item in self.not_checked]
        if self.notes:
            lines.append("  notes:")
            lines += [f"    ! {note}" for note in self.notes]
        if self.values_used:
            lines.append("  values used:")
            lines += [f"    {value}" for value in self.values_used]
        lines.append("  sources:")
        lines += [f"    - {source}" for source in self.sources]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        from plexodose._views.render import screening_html

        return screening_html(self)

    def _repr_markdown_(self) -> str:
        from plexodose._views.render import screening_markdown

        return screening_markdown(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: the verdict, each finding with its rule id, code and source."""
        order = self.order
        return {
            "order": {"drug": order.drug, "amount": order.amount, "basis": order.basis,
                      "per": order.per, "written": order.written,
                      "times_per_day": order.times_per_day, "days_per_week": order.days_per_week,
                      "interval_days": order.interval_days, "days": order.days,
                      "route": order.route, "product": order.product, "reason": order.reason,
                      "text": order.text},
            "on": self.on.isoformat(),
            "verdict": self.verdict,
            "accepted": self.accepted,
            "headline": self.headline,
            "basis": self.basis,
            "range": self.range_text,
            "calculated": self.calculated_text,
            "suggested_mg": self.suggested_mg,
            "suggested": self.suggested_text,
            "findings": [
                {"dimension": f.dimension, "category": f.category, "warning": f.warning,
                 "text": f.text, "code": f.code, "rule_id": f.rule_id,
                 "source": {"tag": f.source.tag, "citation": f.source.citation,
                            "rule": f.source.rule}}
                for f in self.findings],
            "not_checked": list(self.not_checked),
            "notes": list(self.notes),
            "values_used": [str(v) for v in self.values_used],
        }

    def to_fhir(self, order_reference: Any = None, *, patient: Any = None,
                namespace: Any = None) -> dict[str, Any]:
        """A FHIR R4 ``collection`` Bundle of one coded DetectedIssue per finding that matters
        (``order_reference``: the order, such as ``"MedicationRequest/mr1"``; ``patient``: a
        FHIR Reference): see :func:`plexodose._interop.fhir_orders.detected_issues`."""
        from plexodose._interop.fhir_orders import detected_issues

        return detected_issues(self, order_reference, patient=patient, namespace=namespace)


_LATER = ("_basis", "_range_text", "_suggested", "_values_used")
made_screening = keyword_maker(Screening)
_WORST_FIRST: tuple[Category, ...] = tuple(sorted(RANK, key=RANK.__getitem__, reverse=True))


def overall(findings: tuple[OrderFinding, ...]) -> Category:
    if not findings:
        return "not_screened"
    found = {f.category for f in findings}
    for category in _WORST_FIRST:
        if category in found:
            return category
    return "not_screened"  # a category no rule ranks: never read as within
