"""A timeline figure for A4 landscape: one lane per drug, each dose step as a bar labelled with
its dose (a darker shade for a higher dose), tests and reviews as marks, decision points as
vertical lines named by what they decide, and the cumulative cyclophosphamide dose against its
thresholds. The legend sits below the timeline, where it covers nothing.

Uses ``matplotlib.figure.Figure`` directly (not pyplot), so no GUI backend is ever selected and
saving a PNG goes through Agg.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from plexodose._core.errors import InputRangeError
from plexodose._core.extras import require
from plexodose._core.files import replace_whole

if TYPE_CHECKING:
    from plexodose._schedule.model import Event, Schedule

A4_LANDSCAPE_IN = (11.69, 8.27)
DPI = 150
MARKS = {  # kind: (marker, offset in the lane, colour, legend label)
    "monitoring": ("v", -0.3, "tab:green", "monitoring test"),
    "assessment": ("s", 0.3, "tab:purple", "response assessment"),
}
SHADES = ("Blues", "Oranges", "Greens", "Purples", "Reds", "Greys")  # one colour map per lane
PULSE_GAP_DAYS = 7  # doses further apart than this are separate steps (IV pulses)
DECISION_LABEL_CHARS = 34


def plot(schedule: Schedule, path: Any = None) -> Any:
    """The Figure; written as PNG to ``path`` (a str or os.PathLike) when given."""
    figure_module: Any = require("matplotlib.figure", "plotting (Schedule.plot)")
    lanes = list(dict.fromkeys(e.drug for e in schedule))
    fig = figure_module.Figure(figsize=A4_LANDSCAPE_IN, layout="constrained")
    ax = fig.subplots()
    for y, drug in enumerate(lanes):
        _dose_steps(ax, y, [e for e in schedule if e.drug == drug and e.kind == "dose"],
                    SHADES[y % len(SHADES)])
        for kind, (marker, offset, colour, _) in MARKS.items():
            dates = [_x(e.date) for e in schedule if e.drug == drug and e.kind == kind]
            if dates:
                ax.scatter(dates, [y + offset] * len(dates), marker=marker, s=28, color=colour,
                           zorder=3)
    _decisions(ax, [e for e in schedule if e.kind == "decision"])
    ax.set_yticks(range(len(lanes)), lanes, fontsize=11)
    ax.set_ylim(-0.75, max(len(lanes), 1) - 0.25)
    ax.xaxis_date()
    ax.grid(axis="x", color="0.9")
    ax.set_title(f"plexodose schedule from {schedule.start.isoformat()}", fontsize=13, pad=34)
    cumulative = _cumulative(ax, schedule)
    fig.legend(handles=_legend_handles(cumulative), loc="outside lower center", ncols=5,
               fontsize=10, frameon=False)
    fig.autofmt_xdate()
    if path is not None:
        _save(fig, path)
    return fig


def _steps(doses: Sequence[Event]) -> list[list[Event]]:
    """Doses grouped into steps: the same dose on days at most a week apart."""
    steps: list[list[Event]] = []
    for e in doses:
        last = steps[-1][-1] if steps else None
        if (last is not None and e.dose_text == last.dose_text
                and (e.date - last.date).days <= PULSE_GAP_DAYS):
            steps[-1].append(e)
        else:
            steps.append([e])
    return steps


def _dose_steps(ax: Any, y: int, doses: Sequence[Event], shades: str) -> None:
    """A bar per step, darker for a higher dose; the dose written wherever it changes."""
    from matplotlib import colormaps

    if not doses:
        return
    amounts = sorted({e.dose_amount or 0.0 for e in doses})
    colours = colormaps[shades]
    previous = ""
    above = True
    for step in _steps(doses):
        first, last = step[0], step[-1]
        rank = amounts.index(first.dose_amount or 0.0) / max(len(amounts) - 1, 1)
        colour = colours(0.45 + 0.45 * rank)
        start, end = _x(first.date), _x(last.date) + 1
        if len(step) == 1:  # a pulse or a single infusion
            ax.scatter([start], [y], marker="D", s=40, color=colour, edgecolor="0.2", zorder=3)
        else:
            ax.broken_barh([(start, end - start)], (y - 0.09, 0.18), facecolors=colour,
                           edgecolor="0.3", linewidth=0.5, zorder=2)
        if first.dose_text != previous:
            label = first.dose_text + (f" x {len(step)}" if first.route == "IV" and
                                       len(step) > 1 else "")
            ax.annotate(label, (start, y + (0.13 if above else -0.13)), fontsize=9,
                        va="bottom" if above else "top", ha="left", zorder=4,
                        xytext=(1, 0), textcoords="offset points")
            above = not above
        previous = first.dose_text


def decision_label(description: str) -> str:
    """What a decision point decides: its question, or its first clause, kept short.

    >>> decision_label("inadequate response to IVIg? If so, start azathioprine")
    'inadequate response to IVIg?'
    >>> decision_label("end of the 12-month plan: review. Do not stop abruptly")
    'end of the 12-month plan'
    """
    for mark, keep in (("?", True), (":", False), (".", False)):
        index = description.find(mark)
        if 0 < index <= DECISION_LABEL_CHARS + 10:
            text = description[: index + 1] if keep else description[:index]
            break
    else:
        text = description
    if len(text) > DECISION_LABEL_CHARS + 10:
        text = text[:DECISION_LABEL_CHARS].rstrip() + "..."
    return text


def _decisions(ax: Any, decisions: Sequence[Event]) -> None:
    """A dashed line per decision point, named above the timeline (never under the legend)."""
    left, right = ax.get_xlim() if decisions else (0.0, 1.0)
    for e in decisions:
        x = _x(e.date)
        ax.axvline(x, color="0.35", linestyle="--", linewidth=1.0, zorder=1)
    if not decisions:
        return
    ax.set_xlim(min(left, _x(decisions[0].date) - 5), max(right, _x(decisions[-1].date) + 5))
    left, right = ax.get_xlim()
    for e in decisions:
        x = _x(e.date)
        near_right = (x - left) / (right - left) > 0.75
        ax.annotate(decision_label(e.description), (x, 1.0), xycoords=ax.get_xaxis_transform(),
                    xytext=(-3 if near_right else 3, 4), textcoords="offset points",
                    ha="right" if near_right else "left", va="bottom", fontsize=9,
                    fontweight="bold", color="0.2", annotation_clip=False)


def _legend_handles(cumulative: bool) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(facecolor="tab:blue", edgecolor="0.3", label="dose step (darker: higher dose)"),
        Line2D([], [], marker="D", linestyle="", color="tab:blue", markeredgecolor="0.2",
               label="single dose or pulse"),
    ]
    handles += [Line2D([], [], marker=marker, linestyle="", color=colour, label=label)
                for marker, _, colour, label in MARKS.values()]
    handles.append(Line2D([], [], color="0.35", linestyle="--", label="decision point"))
    if cumulative:
        handles.append(Line2D([], [], color="tab:red", label="cumulative cyclophosphamide (g)"))
    return handles


def _x(day: dt.date) -> float:
    """A date as matplotlib's day number (its date converter honours the configured epoch)."""
    from matplotlib import dates

    converter: Any = dates.date2num
    return float(converter(day))


def _cumulative(ax: Any, schedule: Schedule) -> bool:
    from plexodose._schedule.rules import THRESHOLDS_G  # the thresholds the schedule warns at

    points = schedule.cumulative_dose("cyclophosphamide")
    if not points:
        return False
    twin = ax.twinx()
    grams = [float(q.to("g").magnitude) for _, q in points]
    twin.step([_x(d) for d, _ in points], grams, where="post", color="tab:red")
    for threshold in THRESHOLDS_G:
        if threshold <= max(grams) * 1.5:
            twin.axhline(threshold, color="tab:red", linestyle=":", linewidth=0.8)
            twin.annotate(f"{threshold:g} g", (1.0, threshold), xycoords=twin.get_yaxis_transform(),
                          xytext=(-2, 2), textcoords="offset points", ha="right", fontsize=8,
                          color="tab:red")
    twin.set_ylabel("cumulative cyclophosphamide (g)", color="tab:red")
    twin.set_ylim(bottom=0)
    return True


def _save(fig: Any, path: Any) -> None:
    """The PNG written whole or not at all (never a half-written file over an old one)."""
    try:
        replace_whole(path, lambda out: fig.savefig(out, format="png", dpi=DPI))
    except (OSError, TypeError, ValueError) as exc:
        raise InputRangeError(
            f"cannot write the plot to {path!r:.80}: {exc}", field="path", value=path
        ) from exc
