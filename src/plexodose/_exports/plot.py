"""A timeline figure: one lane per drug, doses as marks, tests and reviews, decision points as
vertical lines, the cumulative cyclophosphamide dose as a line against its thresholds.

Uses ``matplotlib.figure.Figure`` directly (not pyplot), so no GUI backend is ever selected and
saving a PNG goes through Agg.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from plexodose._errors import InputRangeError

if TYPE_CHECKING:
    from plexodose._schedule.model import Schedule

MARKERS = {
    "dose": ("o", 0.0, "tab:blue"),
    "monitoring": ("v", -0.25, "tab:green"),
    "assessment": ("s", 0.25, "tab:purple"),
}


def plot(schedule: Schedule, path: Any = None) -> Any:
    """The Figure; written as PNG to ``path`` (a str or os.PathLike) when given."""
    from matplotlib.figure import Figure  # optional dependency, loaded on use

    lanes = list(dict.fromkeys(e.drug for e in schedule))
    fig = Figure(figsize=(11, 1.5 + 0.9 * max(len(lanes), 1)), layout="constrained")
    ax = fig.subplots()
    for y, drug in enumerate(lanes):
        for kind, (marker, offset, colour) in MARKERS.items():
            dates = [_x(e.date) for e in schedule if e.drug == drug and e.kind == kind]
            if dates:
                ax.scatter(
                    dates,
                    [y + offset] * len(dates),
                    marker=marker,
                    s=14,
                    color=colour,
                    label=None if kind in _labelled(ax) else kind,
                )
    for e in schedule:
        if e.kind == "decision":
            ax.axvline(_x(e.date), color="0.4", linestyle="--", linewidth=0.8)
            ax.annotate(
                "decision",
                (_x(e.date), 0.98),
                xycoords=ax.get_xaxis_transform(),
                rotation=90,
                fontsize=7,
                va="top",
                ha="right",
            )
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(-0.75, max(len(lanes), 1) - 0.25)
    ax.xaxis_date()
    ax.set_title(f"plexodose schedule from {schedule.start.isoformat()}")
    _cumulative(ax, schedule)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", fontsize=7)
    fig.autofmt_xdate()
    if path is not None:
        _save(fig, path)
    return fig


def _x(day: dt.date) -> float:
    """A date as matplotlib's day number (its date converter honours the configured epoch)."""
    from matplotlib import dates

    converter: Any = dates.date2num
    return float(converter(day))


def _labelled(ax: Any) -> set[str]:
    return set(ax.get_legend_handles_labels()[1])


def _cumulative(ax: Any, schedule: Schedule) -> None:
    points = schedule.cumulative_dose("cyclophosphamide")
    if not points:
        return
    twin = ax.twinx()
    grams = [float(q.to("g").magnitude) for _, q in points]
    twin.step(
        [_x(d) for d, _ in points],
        grams,
        where="post",
        color="tab:red",
        label="cumulative cyclophosphamide (g)",
    )
    for threshold in (20, 36, 50):
        if threshold <= max(grams) * 1.5:
            twin.axhline(threshold, color="tab:red", linestyle=":", linewidth=0.8)
    twin.set_ylabel("cumulative cyclophosphamide (g)", color="tab:red")
    twin.set_ylim(bottom=0)


def _save(fig: Any, path: Any) -> None:
    try:
        fig.savefig(path, format="png", dpi=100)
    except (OSError, TypeError, ValueError) as exc:
        raise InputRangeError(
            f"cannot write the plot to {path!r:.80}: {exc}", field="path", value=path
        ) from exc
