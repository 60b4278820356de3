"""The review's rules: each reads one case (plain floats) and records findings with sources.

Every threshold is a constant of ``plexodose._monitoring.thresholds``; this module only applies them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Literal, overload

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import vocab
from plexodose._core.errors import DoseRangeError, MissingInputError
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._dosing import calculation as _calculation
from plexodose._drugs import cyclophosphamide as _cyclophosphamide
from plexodose._drugs import mycophenolate as _mycophenolate
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import ANALYTES, Labs, typed_text
from plexodose._monitoring.labs import history as checked_history

Action = Literal["continue", "flag", "recalculate", "repeat", "reduce", "withhold", "stop"]
# "recalculate" ranks above "flag" and below "repeat" (clinical rules (monitoring), "Actions rank": ...
# repeat the test > recalculate > flag ...): a new weight changes the dose the prescriber must
# accept, more than a flag (which keeps the dose as it is); but a result that must be repeated
# cannot support any dose yet, the recalculated one included.
ACTIONS: tuple[Action, ...] = (
    "continue", "flag", "recalculate", "repeat", "reduce", "withhold", "stop")
"""Mildest first: the review takes the most severe action any rule asks for."""
Thresholds = Literal["bsr2017", "local"]
Unjudged = Literal["flag", "note"]

AZATHIOPRINE, MYCOPHENOLATE, CICLOSPORIN = "azathioprine", "mycophenolate mofetil", "ciclosporin"
ORAL_CYCLOPHOSPHAMIDE, IV_CYCLOPHOSPHAMIDE = "cyclophosphamide (oral)", "cyclophosphamide IV"
SHARED = (AZATHIOPRINE, MYCOPHENOLATE, CICLOSPORIN)
REVIEW_NAMES: dict[vocab.Drug, str] = {  # the review's name of each of vocab.REVIEWED_DRUGS
    "azathioprine": AZATHIOPRINE,
    "mycophenolate": MYCOPHENOLATE,
    "ciclosporin": CICLOSPORIN,
    "cyclophosphamide_oral": ORAL_CYCLOPHOSPHAMIDE,
    "cyclophosphamide_iv": IV_CYCLOPHOSPHAMIDE,
}
WEIGHT_CHANGE = (0.05, 0.10)
"""The weight (or height, for BSA) change that asks for "recalculate": 5 % by default,
configurable from 5 to 10 % (clinical rules, "Whose value, from when", "A change in weight")."""
WEIGHT_CHANGE_RULE = Source(
    "gap",
    "plexodose choice set from hospital practice (clinical rules, 'A change in weight'; "
    "documentation: Monitoring): MGB "
    "chemotherapy activation (> 5 % approval), GenPRES CALC-003 (>= 5 % forced recalculation), "
    "Western Health (+/-10 % flag)",
    "a weight (or height, for BSA) 5 % or more (configurable 5-10 %) from the one behind the "
    "current weight- or BSA-based dose: recalculate, with all the usual limits, and show the new "
    "dose beside the current one for the prescriber to accept; never applied silently; "
    "mycophenolate (a fixed dose) is not recalculated",
    id="review.recalculate.weight_change",
    links=("clinicalhelp.mgb.org/orderEntry/ActivateInpatientChemo.htm", "digitalhealth.wh.org.au"),
)


def severity(action: str) -> int:
    """The rank of ``action``: 0 for continue up to 6 for stop."""
    return ACTIONS.index(action)


@public
@attrs.frozen
class Finding:
    """One rule that a result met: the action it asks for, in words, with its source."""

    action: Action
    text: str
    source: Source
    check: dt.date | None = None
    """The date this finding wants the next test by (None: the regular cadence)."""

    def __str__(self) -> str:
        return f"{self.action}: {self.text}"


class Past(Sequence[Labs]):
    """Earlier results, checked once (Labs, oldest first, one set per date) and indexed by
    quantity: a review reads a quantity's latest values, and the sets holding each quantity's
    latest result, by bisection, never by reading the whole history again. A window of a Past
    shares its results and index, so a re-plan checks its results once and hands each review
    the window it needs (issue 19, class 9: linear re-planning)."""

    __slots__ = ("_at", "_results", "_start", "_stop")

    def __init__(self, results: Sequence[Labs] = (), field: str = "history") -> None:
        self._results = checked_history(results, field)
        at: dict[str, list[int]] = {}
        for i, labs in enumerate(self._results):
            for name in labs.names():
                at.setdefault(name, []).append(i)
        self._at = at
        self._start, self._stop = 0, len(self._results)

    @classmethod
    def of(cls, results: Sequence[Labs], field: str = "history") -> Past:
        """``results`` checked; a Past was checked when it was made and is kept as it is."""
        return results if type(results) is Past else cls(results, field)

    def window(self, start: int, stop: int) -> Past:
        """The results from position ``start`` up to ``stop`` (as in a slice), in O(1)."""
        start, stop, _ = slice(start, stop).indices(len(self))
        view = object.__new__(Past)
        view._results, view._at = self._results, self._at
        view._start, view._stop = self._start + start, self._start + max(start, stop)
        return view

    def before(self, day: dt.date) -> Past:
        """The results dated before ``day``."""
        stop = bisect.bisect_left(self._results, day, self._start, self._stop, key=_date)
        return self.window(0, stop - self._start)

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> Labs: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Labs, ...]: ...

    def __getitem__(self, index: int | slice) -> Labs | tuple[Labs, ...]:
        if isinstance(index, slice):
            return tuple(self._results[i] for i in range(self._start, self._stop)[index])
        n = len(self)
        at = index + n if index < 0 else index
        if not 0 <= at < n:
            raise IndexError("history index out of range")
        return self._results[self._start + at]

    def __iter__(self) -> Iterator[Labs]:
        return (self._results[i] for i in range(self._start, self._stop))

    def __reversed__(self) -> Iterator[Labs]:
        return (self._results[i] for i in range(self._stop - 1, self._start - 1, -1))

    def _where(self, name: str) -> tuple[list[int], int, int]:
        """The positions of the sets holding ``name``, and the span of them in this window."""
        at = self._at.get(name, [])
        return at, bisect.bisect_left(at, self._start), bisect.bisect_left(at, self._stop)

    def last(self, name: str, n: int) -> list[float]:
        """The last ``n`` values of the analyte ``name``, oldest first."""
        at, first, stop = self._where(name)
        return [v for i in at[max(first, stop - n) : stop]
                if (v := self._results[i].value(name)) is not None]

    def latest(self, name: str) -> Labs | None:
        """The latest set holding ``name`` (an analyte or "blood_pressure"), or None."""
        at, first, stop = self._where(name)
        return self._results[at[stop - 1]] if stop > first else None

    def latest_sets(self, seen: Iterable[str]) -> list[tuple[Labs, list[str]]]:
        """Newest first: each set holding the latest result of a quantity not in ``seen``, with
        those quantities (in the set's own order)."""
        skip = set(seen)
        found: dict[int, set[str]] = {}
        for name in self._at:
            at, first, stop = self._where(name)
            if name not in skip and stop > first:
                found.setdefault(at[stop - 1], set()).add(name)
        out = []
        for i in sorted(found, reverse=True):
            labs = self._results[i]
            out.append((labs, [n for n in labs.names() if n in found[i]]))
        return out


def _date(labs: Labs) -> dt.date:
    return labs.date


@attrs.frozen(kw_only=True)
class Ceiling:
    """The patient's own daily range for a dose a review is given or proposes (mg/day).

    ``soft``: the upper end of the patient's own range (above it: a stated reason is needed);
    ``hard``: the absolute limit (never passed); ``low``: the lower end (below it: a warning);
    ``poor``: an azathioprine poor metabolizer, for whom any dose needs a reason; ``checked``:
    False when the patient's own range could not be worked out (``text`` says why)."""

    soft: float | None = None
    hard: float | None = None
    low: float | None = None
    text: str = ""
    sources: tuple[Source, ...] = ()
    checked: bool = False
    poor: bool = False


@attrs.frozen(kw_only=True)
class Case:
    """Everything one review reads, checked and as plain floats."""

    drug: str
    labs: Labs
    history: Past
    baseline_creatinine: float | None
    baseline_count: int
    current_mg_per_day: float | None
    doses_per_day: int
    started: dt.date | None
    stable_since: dt.date | None
    thresholds: Thresholds
    uln_alt: float | None
    uln_ast: float | None
    explained: frozenset[str]
    creatinine_rise: float
    reduction: float
    reductions: int
    pressure_reductions: int
    uncontrolled_hypertension: bool
    potassium_limit: float
    max_mg_per_day: float | None = None
    """The most a proposed dose may be a day (the ceiling's absolute limit)."""
    ceiling: Ceiling = Ceiling()
    weight_kg: float | None = None
    """The patient's weight (from ``patient=`` or the calculator's result), or None."""
    egfr: float | None = None
    """The eGFR the renal dose limits use: measured, or computed from the creatinine."""
    egfr_text: str = ""
    egfr_date: dt.date | None = None
    """The date of the results the eGFR comes from (None: the patient's record): only the rules
    run on that set act on it, so a value is judged once, with its own date."""
    override: str | None = None
    unjudged: Unjudged = "flag"
    allopurinol: bool = False
    """Azathioprine with allopurinol: the patient's range is a quarter (label)."""


@attrs.frozen
class Rule:
    """One rule of the reference: the results it reads, and where it comes from."""

    name: str
    reads: tuple[str, ...]
    source: Source


# ---------------------------------------------------------------------------------------------
# Rules


class Rules:
    """Findings, notes and sources collected while one review is made, and which results each
    rule read (``judged``: name -> the sources of the rules that read it)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.sources: list[Source] = []
        self.judged: dict[str, list[Source]] = {}
        self.outside: set[str] = set()
        """Results some rule found past a limit (acted on or not): never called "within"."""
        self.proposals: list[tuple[float, str]] = []
        self.earlier: list[Rules] = []
        self.recalculated: tuple[float, str] | None = None
        self.dated = False
        """An older set's rules: each result is shown with its own date."""
        """The dose recalculated at a new weight (clinical rules, "A change in weight")."""
        """The rules run on older sets, each holding the latest result of a quantity that the
        latest set does not carry (clinical rules, "Labs for a review decision")."""

    def shown(self, name: str) -> str:
        """The result ``name`` in words (with its date, for an older set)."""
        text = given_text(self.case.labs, name)
        return f"{text} ({self.case.labs.date.isoformat()})" if self.dated else text

    def groups(self) -> list[Rules]:
        """This set's rules, then those of each older set holding a latest result."""
        return [self, *self.earlier]

    def value(self, name: str, source: Source) -> float | None:
        """The latest ``name``, recorded as judged by the rule ``source`` when it was given."""
        found = self.case.labs.value(name)
        if found is not None:
            self.read(name, source)
        return found

    def read(self, name: str, source: Source) -> None:
        sources = self.judged.setdefault(name, [])
        if source not in sources:
            sources.append(source)

    def find(
        self, action: Action, text: str, source: Source, check: dt.date | None = None,
        about: tuple[str, ...] = (), *, dated: bool = False,
    ) -> None:
        """``dated``: the text already names its results' date (:meth:`shown`)."""
        if self.dated and not dated:  # an older set's finding: its results are not the review's
            text = f"results of {self.case.labs.date.isoformat()}: {text}"
        self.findings.append(Finding(action, text, source, check))
        self.outside.update(about)
        self.cite(source)

    def note(self, text: str, source: Source | None = None, about: tuple[str, ...] = (), *,
             dated: bool = False) -> None:
        if self.dated and not dated:  # an older set's note: its results are not the review's
            text = f"results of {self.case.labs.date.isoformat()}: {text}"
        if text not in self.notes:
            self.notes.append(text)
        self.outside.update(about)
        self.cite(source)

    def cite(self, source: Source | None) -> None:
        if source is not None and source not in self.sources:
            self.sources.append(source)

    def propose(self, dose: tuple[float, str] | None) -> None:
        if dose is not None:
            self.proposals.append(dose)

    def days(self, n: int) -> dt.date:
        return self.case.labs.date + dt.timedelta(days=n)


def _shown(name: str, value: float, *limits: float) -> str:
    """A result in words: as the laboratory reported it with plexodose's unit beside it, else
    in plexodose's unit with enough decimals never to read as one of ``limits`` it is not."""
    places = _PLACES[name]
    shown = f"{fmt.against(value, *limits, decimals=places)} {ANALYTES[name][1]}"
    if typed_text(name, value) is None:  # not typed, or typed in plexodose's unit
        return f"{LABELS[name]} {shown}"
    return f"{LABELS[name]} {getattr(value, 'typed', '')} ({shown})"


_PLACES = {"wbc": 3, "neutrophils": 3, "eosinophils": 3, "platelets": 1, "alt": 1, "ast": 1,
           "albumin": 1, "mcv": 1, "creatinine": 3, "egfr": 1, "potassium": 2}
LABELS = {**{name: label for name, (label, _, _) in ANALYTES.items()}, "blood_pressure": "blood pressure"}


def given_text(labs: Labs, name: str) -> str:
    """One result as the review names it ("ALT 900 U/L", "blood pressure 220/130 mmHg")."""
    if name == "blood_pressure":
        return f"blood pressure {labs.text(name)}"
    value = labs.value(name)
    return LABELS[name] if value is None else _shown(name, value)


def _limits(case: Case) -> dict[str, float]:
    local = case.thresholds == "local"
    return {
        "wbc": rules.WBC_BELOW,
        "neutrophils": rules.LOCAL_NEUTROPHILS_BELOW if local else rules.NEUTROPHILS_BELOW,
        "platelets": rules.LOCAL_PLATELETS_BELOW if local else rules.PLATELETS_BELOW,
    }


def counts(r: Rules, *, by_analogy: bool) -> None:
    case = r.case
    local = case.thresholds == "local"
    source = rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP if by_analogy else rules.BSR_THRESHOLDS
    chosen = rules.LOCAL_THRESHOLDS if local else source
    limits = {
        "wbc": (rules.WBC_BELOW, rules.WBC_BELOW),
        "neutrophils": (rules.NEUTROPHILS_BELOW, rules.LOCAL_NEUTROPHILS_BELOW),
        "platelets": (rules.PLATELETS_BELOW, rules.LOCAL_PLATELETS_BELOW),
    }
    analogy = " (shared thresholds applied by analogy)" if by_analogy else ""
    for name, (bsr, other) in limits.items():
        value = r.value(name, chosen if name != "wbc" else source)
        if value is None:
            continue
        limit = other if local else bsr
        unit = "x10^9/L"
        if value < limit:
            r.find(
                "withhold",
                f"{_shown(name, value, limit)} is below {fmt.number(limit)} {unit}: withhold and discuss "
                f"with the specialist team{analogy}",
                chosen if name != "wbc" else source,
                about=(name,),
            )
        elif bsr != other and min(bsr, other) <= value < max(bsr, other):
            side = "BSR 2017" if local else "a local protocol"
            r.note(
                f"{_shown(name, value, bsr, other)}: {side} (< {fmt.number(bsr if local else other)} {unit}) "
                f"would {'not ' if local else ''}withhold; this review uses "
                f"{'the local' if local else 'the BSR 2017'} threshold",
                rules.LOCAL_THRESHOLDS,
                about=(name,),
            )


def shared(r: Rules) -> None:
    """The BSR 2017 thresholds shared by azathioprine, mycophenolate and ciclosporin."""
    case = r.case
    r.cite(rules.BSR_THRESHOLDS)
    counts(r, by_analogy=False)
    eos = r.value("eosinophils", rules.BSR_THRESHOLDS)
    if eos is not None and eos > rules.EOSINOPHILS_ABOVE:
        if "eosinophils" in case.explained:
            r.note(f"{_shown('eosinophils', eos, 0.5)} is above 0.5 x10^9/L: explained by the prescriber",
                   about=("eosinophils",))
        else:
            r.find(
                "withhold",
                f"{_shown('eosinophils', eos, 0.5)} is above 0.5 x10^9/L (unexplained eosinophilia): "
                "withhold and discuss with the specialist team",
                rules.BSR_THRESHOLDS,
                about=("eosinophils",),
            )
    for name, uln in (("alt", case.uln_alt), ("ast", case.uln_ast)):
        _enzyme(r, name, uln)
    albumin = r.value("albumin", rules.BSR_THRESHOLDS)
    if albumin is not None and albumin < rules.ALBUMIN_BELOW:
        if "albumin" in case.explained:
            r.note(f"{_shown('albumin', albumin, 30)} is below 30 g/L: explained by the prescriber",
                   about=("albumin",))
        else:
            r.find(
                "withhold",
                f"{_shown('albumin', albumin, 30)} is below 30 g/L (unexplained fall): withhold and "
                "discuss with the specialist team",
                rules.BSR_THRESHOLDS,
                about=("albumin",),
            )
    mcv = r.value("mcv", rules.BSR_MCV)
    if mcv is not None and mcv > rules.MCV_ABOVE:
        r.find(
            "flag",
            f"{_shown('mcv', mcv, 105)} is above 105 fL: check B12, folate and TSH; treat if abnormal, "
            "discuss with the specialist team if normal (do not withhold for this)",
            rules.BSR_MCV,
            about=("mcv",),
        )
    trends(r, ("wbc", "neutrophils", "platelets", "albumin"), ("alt", "ast"))


def _enzyme(r: Rules, name: str, uln: float | None) -> None:
    local = r.case.thresholds == "local"
    value = r.value(name, rules.LOCAL_THRESHOLDS if local else rules.BSR_THRESHOLDS)
    if value is None:
        return
    if local and uln is None:
        raise MissingInputError(
            f'the local thresholds judge {name.upper()} against 2x the upper limit of normal: '
            f'give uln_{name}= (such as "40 U/L")',
            field=f"uln_{name}",
        )
    limit = rules.LOCAL_ULN_MULTIPLE * uln if local and uln is not None else rules.LIVER_ENZYME_ABOVE
    if value > limit:
        what = f"2x the upper limit ({fmt.number(limit)} U/L)" if local else "100 U/L"
        r.find(
            "withhold",
            f"{_shown(name, value, limit)} is above {what}: withhold and discuss with the specialist team",
            rules.LOCAL_THRESHOLDS if local else rules.BSR_THRESHOLDS,
            about=(name,),
        )
    elif not local and uln is not None and value > rules.LOCAL_ULN_MULTIPLE * uln:
        r.note(
            f"{_shown(name, value)}: a local protocol (> 2x the upper limit, "
            f"{fmt.number(2 * uln)} U/L) would withhold; this review uses BSR 2017 (> 100 U/L)",
            rules.LOCAL_THRESHOLDS,
            about=(name,),
        )
    elif local and value > rules.LIVER_ENZYME_ABOVE:
        r.note(
            f"{_shown(name, value)}: BSR 2017 (> 100 U/L) would withhold; this review uses the "
            "local threshold",
            rules.BSR_THRESHOLDS,
            about=(name,),
        )


_TREND_VALUES = max(rules.TREND_OCCASIONS + 1, 3)  # the most results a trend rule reads


def _series(r: Rules, name: str) -> list[float]:
    """The latest ``name`` and the results before it that a trend rule reads, oldest first."""
    latest = r.case.labs.value(name)
    if latest is None:
        return []
    return [*r.case.history.last(name, _TREND_VALUES - 1), latest]


def fell_more_than(before: float, after: float, share: float = rules.TREND_FALL) -> bool:
    """``after`` is more than ``share`` below ``before``, compared after rounding to 9 decimals
    (so 6.5 -> 5.85, exactly 10 %, is not "more than 10 %")."""
    return round((before - after) / before, rules.TREND_DECIMALS) > share


def trends(r: Rules, falling: tuple[str, ...], rising: tuple[str, ...]) -> None:
    """[guideline] be aware of gradual falls or rises; three falls of more than 10 % in a count
    still above its threshold: flag, discuss with the specialist team (never a stop)."""
    limits = _limits(r.case)
    for name in falling:
        values = _series(r, name)
        last = values[-(rules.TREND_OCCASIONS + 1) :]
        label = LABELS[name]
        if (
            name in limits
            and len(last) == rules.TREND_OCCASIONS + 1
            and all(fell_more_than(a, b) for a, b in itertools.pairwise(last))
        ):
            shown = ", ".join(_shown(name, v).split(" ", 1)[1] for v in last)
            if last[-1] < limits[name]:
                r.note(
                    f"{label} fell by more than 10 % on three successive results ({shown}); the "
                    "value is below its threshold, which decides (a trend only flags)",
                    rules.TREND_FLAG,
                    about=(name,),
                )
                continue
            r.find(
                "flag",
                f"{label} fell by more than 10 % on three successive results ({shown}), still "
                "within range: discuss with the specialist team; dosing continues",
                rules.TREND_FLAG,
                about=(name,),
            )
        elif len(values) >= 3 and values[-3] > values[-2] > values[-1]:
            r.find(
                "flag",
                f"{label} falling "
                f"({', '.join(_shown(name, v).split(' ', 1)[1] for v in values[-3:])}): be aware "
                "of a gradual fall",
                rules.BSR_TRENDS,
                about=(name,),
            )
    for name in rising:
        values = _series(r, name)
        if len(values) >= 3 and values[-3] < values[-2] < values[-1]:
            r.find(
                "flag",
                f"{name.upper()} rising "
                f"({', '.join(_shown(name, v).split(' ', 1)[1] for v in values[-3:])}): be aware "
                "of rising liver enzymes",
                rules.BSR_TRENDS,
                about=(name,),
            )


def _rise(value: float, baseline: float) -> float:
    # 9 decimals: unit-conversion noise (80 umol/L) never moves a result across a threshold.
    return round((value - baseline) / baseline, 9)


def _previous(r: Rules, name: str) -> float | None:
    result = r.case.history.latest(name)
    return None if result is None else result.value(name)


def _need_baseline(r: Rules) -> float:
    base = r.case.baseline_creatinine
    if base is None:
        raise MissingInputError(
            f"the {r.case.drug} creatinine rule compares with the pre-treatment creatinine: give "
            'baseline= (the pre-treatment Labs, or "0.9 mg/dL")',
            field="baseline",
        )
    return base


def renal_shared(r: Rules) -> None:
    """Creatinine more than 30 % above baseline: repeat in 1 week; if still, withhold. An eGFR
    below 60 alone: one repeat in 1 week, never a withhold."""
    creatinine = r.value("creatinine", rules.BSR_RENAL)
    up: bool | None = None
    if creatinine is not None:
        base = _need_baseline(r)
        rise = _rise(creatinine, base)
        up = rise > rules.CREATININE_RISE_ABOVE
        if up:
            before = _previous(r, "creatinine")
            confirmed = before is not None and _rise(before, base) > rules.CREATININE_RISE_ABOVE
            text = (
                f"{_shown('creatinine', creatinine)} is {fmt.percent(rise)} above the baseline "
                f"{fmt.number(base, 3)} mg/dL (more than 30 %)"
            )
            if confirmed:
                r.find("withhold", text + ", again on repeat: withhold and discuss", rules.BSR_RENAL,
                       about=("creatinine",))
            else:
                r.find(
                    "repeat",
                    text + ": repeat in 1 week; withhold if still more than 30 % above",
                    rules.BSR_RENAL,
                    r.days(rules.RENAL_REPEAT_DAYS),
                    about=("creatinine",),
                )
    egfr_rule(r, up, "more than 30 %")


def egfr_rule(r: Rules, creatinine_up: bool | None, margin: str) -> None:
    """The shared rule's eGFR < 60: one repeat in 1 week; withholding is for the creatinine."""
    egfr = r.value("egfr", rules.BSR_RENAL)
    if egfr is None or egfr >= rules.EGFR_BELOW:
        return
    text = f"{_shown('egfr', egfr, rules.EGFR_BELOW)} is below 60"
    if creatinine_up:
        r.note(text + ": the creatinine rule decides (its rise is what withholds)", rules.BSR_RENAL,
               about=("egfr",))
        return
    before = _previous(r, "egfr")
    repeated = before is not None and before < rules.EGFR_BELOW
    if repeated and creatinine_up is False:
        r.note(
            text + f" again, with creatinine not {margin} above baseline: no further repeat and "
            "no withhold for the eGFR alone (stable renal function)",
            rules.RENAL_STABLE_GAP,
            about=("egfr",),
        )
        return
    if repeated:
        r.find(
            "repeat",
            text + " again and no creatinine was given: repeat with a creatinine in 1 week (only a "
            "creatinine still above its baseline margin withholds)",
            rules.BSR_RENAL,
            r.days(rules.RENAL_REPEAT_DAYS),
            about=("egfr",),
        )
        r.cite(rules.RENAL_STABLE_GAP)
        return
    r.find("repeat", text + ": repeat in 1 week (once; the eGFR alone never withholds)",
           rules.BSR_RENAL, r.days(rules.RENAL_REPEAT_DAYS), about=("egfr",))
    r.cite(rules.RENAL_STABLE_GAP)


def ciclosporin_rules(r: Rules) -> None:
    case = r.case
    r.cite(src.CICLOSPORIN_LABEL)
    creatinine = r.value("creatinine", rules.CICLOSPORIN_CREATININE)
    up: bool | None = None
    if creatinine is not None:
        base = _need_baseline(r)
        up = _ciclosporin_creatinine(r, creatinine, base)
        if case.baseline_count == 1:
            r.note("the label asks for two pre-treatment creatinines (the baseline is their mean); one was given")
    egfr_rule(r, up, f"{fmt.percent(case.creatinine_rise)} or more")
    pressure(r, ciclosporin=True)
    potassium = r.value("potassium", rules.POTASSIUM_GAP)
    if potassium is not None and potassium > case.potassium_limit:
        r.find(
            "flag",
            f"{_shown('potassium', potassium, case.potassium_limit)} is above {fmt.number(case.potassium_limit)} "
            "mmol/L: review for hyperkalaemia (ciclosporin; especially with renal dysfunction)",
            rules.POTASSIUM_GAP,
            about=("potassium",),
        )


def _ciclosporin_creatinine(r: Rules, creatinine: float, base: float) -> bool:
    """The one sequence of "Ciclosporin, in addition" (the first that applies); True when the
    creatinine is at or above the label's margin."""
    case = r.case
    rise = _rise(creatinine, base)
    margin = case.creatinine_rise
    text = (
        f"{_shown('creatinine', creatinine)} is {fmt.percent(rise)} above the pre-treatment "
        f"{fmt.number(base, 3)} mg/dL"
    )
    about = ("creatinine",)
    if rise >= rules.CICLOSPORIN_STOP_RISE:
        r.find("stop", text + " (50 % or more): stop ciclosporin and discuss", rules.CICLOSPORIN_STOP,
               about=about)
        return True
    if rise < margin:
        return False
    r.cite(rules.TWO_RULES_GAP)
    text += f" ({fmt.percent(margin)} or more)"
    before = _previous(r, "creatinine")
    persisting = case.reductions > 0 or (before is not None and _rise(before, base) >= margin)
    if persisting and rise > rules.CICLOSPORIN_WITHHOLD_RISE_ABOVE:
        r.find(
            "withhold",
            text + ", persisting and more than 30 %: withhold and discuss with the specialist "
            "team (the shared rule, the more protective of the two); the label's 25-50 % "
            "reduction is the reference for the prescriber's restart dose",
            rules.BSR_RENAL,
            about=about,
        )
        r.cite(rules.CICLOSPORIN_CREATININE)
    elif persisting and case.reductions >= rules.CICLOSPORIN_FAILED_REDUCTIONS:
        r.find(
            "stop",
            text + f" after {case.reductions} reductions: two reductions failed; discontinue",
            rules.CICLOSPORIN_CREATININE,
            about=about,
        )
    elif persisting:
        r.find(
            "reduce",
            text + (", still after a reduction" if case.reductions else ", confirmed on repeat")
            + f": reduce the dose by {fmt.percent(case.reduction)} (25-50 %)",
            rules.CICLOSPORIN_CREATININE,
            r.days(rules.FORTNIGHT_DAYS),
            about=about,
        )
        r.propose(reduced_dose(case))
    else:
        r.find(
            "repeat",
            text + ": a first rise: repeat in 1 week; reduce the dose by 25-50 % if it persists",
            rules.CICLOSPORIN_CREATININE,
            r.days(rules.CICLOSPORIN_REPEAT_DAYS),
            about=about,
        )
    return True


def _above(labs: Labs) -> bool:
    s, d = labs.systolic_mmhg, labs.diastolic_mmhg
    return s is not None and d is not None and (s > rules.PRESSURE_ABOVE[0] or d > rules.PRESSURE_ABOVE[1])


def pressure(r: Rules, *, ciclosporin: bool) -> None:
    labs, case = r.case.labs, r.case
    if labs.systolic_mmhg is None:
        return
    r.read("blood_pressure", rules.CICLOSPORIN_PRESSURE if ciclosporin else rules.MYCOPHENOLATE_PRESSURE)
    if not _above(labs):
        return
    about = ("blood_pressure",)
    reading = labs.text("blood_pressure")
    if not ciclosporin:
        r.find(
            "flag",
            f"blood pressure {reading} is above 140/90 mmHg: manage as hypertension",
            rules.MYCOPHENOLATE_PRESSURE,
            about=about,
        )
        return
    before = case.history.latest("blood_pressure")
    if before is None or not _above(before):
        r.find(
            "repeat",
            f"blood pressure {reading} is above 140/90 mmHg: measure again within a week (two "
            "readings above 140/90 mean hypertension to treat)",
            rules.CICLOSPORIN_PRESSURE,
            r.days(rules.PRESSURE_REPEAT_DAYS),
            about=about,
        )
    elif not case.uncontrolled_hypertension:
        r.find(
            "flag",
            f"blood pressure {reading}, and {before.text('blood_pressure')} before: two readings "
            "above 140/90 mmHg: treat hypertension (if it cannot be controlled, pass "
            "uncontrolled_hypertension=True)",
            rules.CICLOSPORIN_PRESSURE,
            about=about,
        )
    elif case.pressure_reductions >= 1:
        r.find(
            "stop",
            f"blood pressure {reading} stays uncontrolled after a dose reduction: stop ciclosporin",
            rules.CICLOSPORIN_PRESSURE,
            about=about,
        )
    else:
        r.find(
            "reduce",
            f"blood pressure {reading} cannot be controlled: reduce the dose by "
            f"{fmt.percent(case.reduction)} (25-50 %)",
            rules.CICLOSPORIN_PRESSURE,
            r.days(rules.FORTNIGHT_DAYS),
            about=about,
        )
        r.propose(reduced_dose(case))


def mycophenolate_renal(r: Rules) -> None:
    """[label] eGFR < 25: no more than 1 g twice daily; a higher current dose is reduced to it."""
    case = r.case
    egfr = case.egfr
    if egfr is None:
        r.note(
            "renal function not known (no eGFR, and no creatinine with the patient's age and "
            "sex): the eGFR < 25 limit of 2 g/day could not be checked",
            rules.MYCOPHENOLATE_LOW_EGFR,
        )
        return
    if case.egfr_date != (None if case.egfr_date is None and not r.dated else case.labs.date):
        return  # the eGFR is another set's (or the record's): those rules act on it, once
    measured = case.labs.value("egfr") is not None
    if measured or case.labs.value("creatinine") is not None:  # else the patient's record
        r.read("egfr" if measured else "creatinine", rules.MYCOPHENOLATE_LOW_EGFR)
    if egfr >= _mycophenolate.LOW_EGFR:
        return
    most = _mycophenolate.LOW_EGFR_MAX_MG_PER_DAY
    shown = _shown("egfr", egfr, _mycophenolate.LOW_EGFR) if measured else case.egfr_text  # a finding names its set
    text = f"{shown} is below 25: at most 1 g twice daily ({fmt.mass_mg(most)}/day)"
    about = ("egfr",) if measured else ("creatinine",)
    current = case.current_mg_per_day
    if current is None:
        r.find("flag", text + "; the current dose was not given, so it could not be checked "
               "(give current_dose=)", rules.MYCOPHENOLATE_LOW_EGFR, about=about)
    elif current > most * (1 + 1e-9):
        r.find(
            "reduce",
            text + f": reduce {fmt.mass_mg(current)}/day to 1 g twice daily, and repeat in 1 week",
            rules.MYCOPHENOLATE_LOW_EGFR,
            r.days(rules.RENAL_REPEAT_DAYS),
            about=about,
        )
        r.cite(rules.TWO_RULES_GAP)
        r.propose((most, f"1,000 mg twice daily ({fmt.mass_mg(most)}/day), down from "
                         f"{fmt.mass_mg(current)}/day"))
    else:
        r.note(text + f"; the current {fmt.mass_mg(current)}/day respects it",
               rules.MYCOPHENOLATE_LOW_EGFR, about=about)


UMOL_PER_MG_DL = _calculation.UMOL_PER_L_PER_MG_DL  # creatinine, 113.12 g/mol: about 88.4


def oral_band(umol: float) -> tuple[float, str]:
    """The oral cyclophosphamide band of a creatinine in umol/L: (mg/kg/day, its name)."""
    low, high = _cyclophosphamide.ORAL_CREATININE_BANDS_UMOL_L
    if umol > high:
        return _cyclophosphamide.ORAL_OVER_500_UMOL_L, "> 500 umol/L"
    if umol >= low:
        return _cyclophosphamide.ORAL_FROM_250_UMOL_L, "250-500 umol/L"
    return _cyclophosphamide.ORAL_MG_PER_KG_DAY[1], "< 250 umol/L"


def oral_cyclophosphamide_creatinine(r: Rules) -> None:
    """[secondary] each creatinine judged against the oral bands: a current dose above its band's
    amount is reduced to it (whole 25 mg tablets, never up)."""
    case = r.case
    creatinine = r.value("creatinine", rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE)
    if creatinine is None:
        return
    umol = round(creatinine * UMOL_PER_MG_DL, 6)
    rate, band = oral_band(umol)
    if rate >= _cyclophosphamide.ORAL_MG_PER_KG_DAY[1]:
        return  # below 250 umol/L: the full 2 mg/kg/day band
    about = ("creatinine",)
    shown = fmt.against(umol, *_cyclophosphamide.ORAL_CREATININE_BANDS_UMOL_L, decimals=0)
    text = (f"creatinine {shown} umol/L is in the {band} band: at most "
            f"{fmt.number(rate)} mg/kg/day")
    weight, current = case.weight_kg, case.current_mg_per_day
    if weight is None or current is None:
        missing = " and ".join(n for n, v in (("patient= (the weight)", weight),
                                               ("current_dose=", current)) if v is None)
        r.find("flag", text + f"; give {missing} to check the dose against it",
               rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE, about=about)
        return
    most = min(rate * weight, _cyclophosphamide.ORAL_MAX_MG_PER_DAY)
    if current <= most * (1 + 1e-9):
        r.note(text + f" ({fmt.mass_mg(most)}/day at {fmt.number(weight)} kg): the current "
               f"{fmt.mass_mg(current)}/day respects it", rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE,
               about=about)
        return
    tablet = rules.ORAL_CYCLOPHOSPHAMIDE_TABLET_MG
    dose = math.floor(most / tablet + 1e-9) * tablet
    r.find(
        "reduce",
        text + f" ({fmt.mass_mg(most)}/day at {fmt.number(weight)} kg): reduce "
        f"{fmt.mass_mg(current)}/day to it",
        rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE,
        about=about,
    )
    if dose <= 0:
        r.note("no whole 25 mg tablet dose lies within the band: discuss the dose with the "
               "specialist team")
        return
    r.propose((dose, f"{fmt.mass_mg(dose)} daily (whole 25 mg tablets, rounded down from "
                     f"{fmt.mass_mg(most)}), down from {fmt.mass_mg(current)}/day"))


def oral_counts(r: Rules) -> None:
    counts(r, by_analogy=True)
    trends(r, ("wbc", "neutrophils", "platelets"), ())
    r.cite(rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP)


def mycophenolate_pressure(r: Rules) -> None:
    pressure(r, ciclosporin=False)


# ---------------------------------------------------------------------------------------------
# Which rules each drug's review applies, and what they read


COUNTS = ("wbc", "neutrophils", "platelets")
SHARED_READS = (*COUNTS, "eosinophils", "alt", "ast", "albumin", "mcv")
_SHARED_RULE = Rule("BSR 2017 shared thresholds and trends", SHARED_READS, rules.BSR_THRESHOLDS)
_RENAL_RULE = Rule("BSR 2017 renal rule", ("creatinine", "egfr"), rules.BSR_RENAL)
RULES: dict[str, tuple[tuple[Rule, Callable[[Rules], None]], ...]] = {
    AZATHIOPRINE: ((_SHARED_RULE, shared), (_RENAL_RULE, renal_shared)),
    MYCOPHENOLATE: (
        (_SHARED_RULE, shared),
        (_RENAL_RULE, renal_shared),
        (Rule("label: eGFR < 25, at most 1 g twice daily", ("egfr",), rules.MYCOPHENOLATE_LOW_EGFR),
         mycophenolate_renal),
        (Rule("SPS: blood pressure", ("blood_pressure",), rules.MYCOPHENOLATE_PRESSURE),
         mycophenolate_pressure),
    ),
    CICLOSPORIN: (
        (_SHARED_RULE, shared),
        (Rule("label and shared renal rule in one sequence; blood pressure; potassium",
              ("creatinine", "egfr", "blood_pressure", "potassium"), rules.CICLOSPORIN_CREATININE),
         ciclosporin_rules),
    ),
    ORAL_CYCLOPHOSPHAMIDE: (
        (Rule("shared count thresholds by analogy, and trends", COUNTS,
              rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP), oral_counts),
        (Rule("creatinine bands", ("creatinine",), rules.ORAL_CYCLOPHOSPHAMIDE_CREATININE),
         oral_cyclophosphamide_creatinine),
    ),
}
"""Each drug's rules, in order: (what the rule reads, the function that applies it)."""
PULSE_RULES = (
    Rule("Michigan pre-pulse WBC (and the nadir WBC)", ("wbc",), src.CYCLOPHOSPHAMIDE_NADIR),
    Rule("French protocol neutrophils", ("neutrophils",), rules.FRENCH_POSTPONE),
    Rule("pre-pulse creatinine above the EULAR table", ("creatinine",), rules.PRE_PULSE_CREATININE_GAP),
)
"""The IV pulse review's rules (applied in review.py through cyclophosphamide_next_pulse)."""
ALL_RESULTS = (*ANALYTES, "blood_pressure")


def judged_by() -> dict[str, tuple[str, ...]]:
    """What each drug's review reads: {review drug name: results its rules judge}, built from
    the rules themselves (every other result is named "not judged" on the review).

    >>> judged_by()["cyclophosphamide (oral)"]
    ('wbc', 'neutrophils', 'platelets', 'creatinine')
    """
    table: dict[str, list[Rule]] = {drug: [rule for rule, _ in pairs] for drug, pairs in RULES.items()}
    table[IV_CYCLOPHOSPHAMIDE] = list(PULSE_RULES)
    return {
        drug: tuple(name for name in ALL_RESULTS if any(name in rule.reads for rule in found))
        for drug, found in table.items()
    }


def judged_table() -> str:
    """The table "what each review reads, per drug" (Markdown), built by :func:`judged_by`."""
    lines = ["| drug | results judged | not judged (named on the review) |", "|---|---|---|"]
    for drug, names in judged_by().items():
        other = ", ".join(LABELS[n] for n in ALL_RESULTS if n not in names) or "-"
        lines.append(f"| {drug} | {', '.join(LABELS[n] for n in names)} | {other} |")
    return "\n".join(lines)


def apply_rules(r: Rules) -> None:
    """Every rule the reference has for the drug; then every result no rule read, named."""
    for _, apply in RULES[r.case.drug]:
        apply(r)
    unjudged(r)


def unjudged(r: Rules) -> None:
    """Name each result no rule read: a flag by default (the prescriber judges it), or a note."""
    labs, case = r.case.labs, r.case
    for name in labs.names():
        if name in r.judged:
            continue
        text = f"{r.shown(name)}: not judged: no rule for {LABELS[name]} on {case.drug}"
        if case.unjudged == "flag":
            r.find("flag", text + "; the prescriber judges it", rules.UNJUDGED_GAP, about=(name,),
                   dated=True)
        else:
            r.note(text, rules.UNJUDGED_GAP, about=(name,), dated=True)


def within_text(r: Rules) -> tuple[str, Source] | None:
    """The results a rule read and found inside every limit, in words; None when there are none
    (a result no rule read is never called "within"). An older set's results carry their date."""
    given: list[str] = []
    inside: list[tuple[str, Source]] = []
    for group in r.groups():
        for n in group.case.labs.names():
            given.append(n)
            if n in group.judged and n not in group.outside:
                inside.append((group.shown(n), group.judged[n][0]))
    if not inside:
        return None
    shown = ", ".join(text for text, _ in inside)
    if len(inside) == len(given):
        return f"every result given is within the rules' limits ({shown})", inside[0][1]
    return f"judged and within the rules' limits: {shown}", inside[0][1]


# ---------------------------------------------------------------------------------------------
# Cadence: when the next regular check is due


def cadence(case: Case) -> tuple[int, Source]:
    day = case.labs.date
    stable = None if case.stable_since is None else (day - case.stable_since).days
    on_treatment = None if case.started is None else (day - case.started).days
    early = on_treatment is None or on_treatment < rules.CICLOSPORIN_FORTNIGHTLY_MONTHS * rules.MONTH_DAYS
    if case.drug == AZATHIOPRINE:
        # one calendar, the more frequent of the label and SPS at each point; 12-weekly tests are
        # the prescriber's choice after 3 stable monthly ones, never this review's
        if on_treatment is not None and on_treatment < rules.AZATHIOPRINE_WEEKLY_DAYS:
            return 7, rules.AZATHIOPRINE_CADENCE
        # time on treatment is at least the time on a stable dose when the start is not given
        treated = on_treatment if on_treatment is not None else stable
        third_month_over = treated is not None and treated >= (
            rules.CICLOSPORIN_FORTNIGHTLY_MONTHS * rules.MONTH_DAYS)
        if not third_month_over or stable is None or stable < 7 * rules.STABLE_WEEKS:
            return rules.FORTNIGHT_DAYS, rules.AZATHIOPRINE_CADENCE
        return rules.MONTH_DAYS, rules.AZATHIOPRINE_CADENCE
    if case.drug == MYCOPHENOLATE:
        if stable is None or stable < 7 * rules.STABLE_WEEKS:
            return rules.FORTNIGHT_DAYS, rules.MYCOPHENOLATE_CADENCE
        return rules.QUARTER_DAYS, rules.MYCOPHENOLATE_CADENCE
    if case.drug == CICLOSPORIN:
        unstable = stable is None or stable < 7 * rules.STABLE_WEEKS
        return (rules.FORTNIGHT_DAYS if early or unstable else rules.MONTH_DAYS), rules.CICLOSPORIN_CADENCE
    # oral cyclophosphamide [guideline] French protocol: every 2 weeks for 3 months, then monthly
    return (rules.FORTNIGHT_DAYS if early else rules.MONTH_DAYS), rules.ORAL_CYCLOPHOSPHAMIDE_CADENCE_GAP


# ---------------------------------------------------------------------------------------------
# The proposed dose, and screening a dose against the patient's own ceiling


def reduced_dose(case: Case) -> tuple[float, str] | None:
    """The reduced ciclosporin dose (mg/day, text) in whole 25 mg capsules a dose, inside the
    label's 25-50 % range: the largest at or below the chosen reduction, else the smallest above
    it; None when no whole-capsule dose lies inside the range (or no current dose is known)."""
    current = case.current_mg_per_day
    if current is None:
        return None
    capsule, n = rules.CICLOSPORIN_CAPSULE_MG, case.doses_per_day
    least, most = rules.CICLOSPORIN_REDUCTION
    low, high = current * (1 - most) / n, current * (1 - least) / n  # per dose, mg
    inside = [k * capsule for k in range(math.ceil(low / capsule - 1e-9), math.floor(high / capsule + 1e-9) + 1)]
    inside = [d for d in inside if d > 0]
    if not inside:
        return None
    target = current * (1 - case.reduction) / n
    below = [d for d in inside if d <= target + 1e-9]
    per_dose = max(below) if below else min(inside)
    daily = per_dose * n
    frequency = {1: "daily", 2: "twice daily"}.get(n, f"{n} times daily")
    text = f"{fmt.mass_mg(per_dose)} {frequency}"
    if n > 1:
        text += f" ({fmt.mass_mg(daily)}/day)"
    text += f", down from {fmt.mass_mg(current)}/day ({fmt.percent(1 - daily / current)} less)"
    return daily, text


def screen(r: Rules, amount: float, field: str, ceiling: Ceiling | None = None) -> None:
    """Screen a dose a review is given or proposes against the patient's own ceiling
    ("Screening an order someone else wrote"): above the absolute limit is refused; above the
    patient's own range needs ``override=``; below it is a warning; unchecked is said so."""
    case = r.case
    ceiling = case.ceiling if ceiling is None else ceiling
    shown = f"{field} {fmt.mass_mg(amount)}/day"
    r.cite(rules.SCREENING)
    for source in ceiling.sources:
        r.cite(source)
    if ceiling.hard is not None and amount > ceiling.hard * (1 + 1e-9):
        raise DoseRangeError(
            f"{shown} is above the {case.drug} maximum of {fmt.mass_mg(ceiling.hard)}/day "
            f"({ceiling.text}); an override does not lift it",
            field=field,
            value=amount,
        )
    above = ceiling.poor or (ceiling.soft is not None and amount > ceiling.soft * (1 + 1e-9))
    if above:
        where = (
            f"a poor metabolizer has no protocol range ({ceiling.text}; this dose is "
            f"{amount / ceiling.soft:.3g} times it)"
            if ceiling.poor and ceiling.soft
            else f"a poor metabolizer has no protocol range ({ceiling.text})"
            if ceiling.poor
            else f"above this patient's own range (up to {fmt.mass_mg(ceiling.soft or 0.0)}/day: "
            f"{ceiling.text})"
        )
        if case.override is None:
            raise DoseRangeError(
                f"{shown}: {where}; pass override='reason' to accept it",
                field=field,
                value=amount,
            )
        r.note(f"{shown}: {where}; accepted on override: {case.override}", rules.SCREENING)
    elif ceiling.low is not None and amount < ceiling.low * (1 - 1e-9):
        r.note(f"{shown} is below this patient's range (from {fmt.mass_mg(ceiling.low)}/day: "
               f"{ceiling.text})", rules.SCREENING)
    if not ceiling.checked:
        r.note(f"{shown}: the patient's own ceiling could not be checked ({ceiling.text})",
               rules.SCREENING)
    elif not above:
        r.note(f"{shown}: within this patient's own ceiling ({ceiling.text})")
