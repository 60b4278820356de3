"""A timeline figure for A4 landscape: one lane per drug, each dose step as a bar labelled with
its dose (a darker shade for a higher dose), tests and reviews as marks, decision points as
vertical lines named by what they decide, and, where cyclophosphamide is in the plan, a panel
below with its cumulative dose against the reference's 20, 36 and 50 g. The legend sits below,
where it covers nothing.

Labels are laid out after a first draw, measured with the renderer: decision names stack in rows
above the timeline, dose labels take the nearest free slot above or below their bar, so that no
two labels overprint.

Uses ``matplotlib.figure.Figure`` with the Agg canvas directly (not pyplot), so no GUI backend is
ever selected; the figure is a subclass that shows itself in a notebook (``_repr_png_``) whether
or not pyplot's inline backend was ever loaded.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from plexodose._core.errors import InputRangeError
from plexodose._core.extras import require
from plexodose._core.files import replace_whole

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from plexodose._schedule.model import Event, Schedule

A4_LANDSCAPE_IN = (11.69, 8.27)
DPI = 150  # the PNG written to a path; a notebook shows the figure at its own dpi
MARKS = {  # kind: (marker, offset in the lane, colour, legend label)
    "monitoring": ("v", -0.36, "tab:green", "monitoring test"),
    "assessment": ("s", 0.36, "tab:purple", "response assessment"),
}
SHADES = ("Blues", "Oranges", "Greens", "Purples", "Reds", "Greys")  # one colour map per lane
PULSE_GAP_DAYS = 7  # doses further apart than this are separate steps (IV pulses)
DECISION_LABEL_CHARS = 34
BAR_HALF = 0.09  # a step's bar, in lane units
LABEL_GAP = 0.13  # a dose label's first row, from the lane's centre
LABEL_ROWS = 3  # rows a dose label may take on each side of its bar
GAP_PT = 2.0  # kept between two labels (a margin for the PNG's other dpi)
CUMULATIVE_SOURCES = "20 and 50 g: Travis 1995, 36 g: Faurschou 2008"  # clinical rules


def plot(schedule: Schedule, path: Any = None) -> Figure:
    """A matplotlib ``Figure`` (a subclass that shows itself in a notebook); also written as PNG
    to ``path`` (a str or os.PathLike) when given, whole or not at all."""
    require("matplotlib.figure", "plotting (Schedule.plot)")
    fig = figure_class()(figsize=A4_LANDSCAPE_IN, layout="constrained")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # measured with Agg's renderer; the figure keeps no pyplot state
    cumulative = schedule.cumulative_dose("cyclophosphamide")
    if cumulative:
        ax, panel = fig.subplots(2, 1, sharex=True, height_ratios=(4, 1))
    else:
        ax, panel = fig.subplots(), None
    lanes = list(dict.fromkeys(e.drug for e in schedule))
    dose_labels: list[Any] = []
    for y, drug in enumerate(lanes):
        dose_labels += _dose_steps(ax, y, [e for e in schedule if e.drug == drug and
                                           e.kind == "dose"], SHADES[y % len(SHADES)])
        for kind, (marker, offset, colour, _) in MARKS.items():
            dates = [_x(e.date) for e in schedule if e.drug == drug and e.kind == kind]
            if dates:
                ax.scatter(dates, [y + offset] * len(dates), marker=marker, s=28, color=colour,
                           zorder=3)
    decisions = [e for e in schedule if e.kind == "decision"]
    decision_labels = _decisions(ax, panel, decisions)
    ax.set_yticks(range(len(lanes)), lanes, fontsize=11)
    ax.set_ylim(-0.6, max(len(lanes), 1) - 0.4)
    ax.xaxis_date()
    ax.grid(axis="x", color="0.9")
    threshold_labels = [] if panel is None else _cumulative(panel, schedule, cumulative)
    fig.legend(handles=_legend_handles(panel is not None), loc="outside lower center",
               ncols=4 if panel is not None else 5, fontsize=10, frameon=False)
    fig.autofmt_xdate()
    _lay_out(fig, ax, decision_labels, dose_labels, threshold_labels,
             f"plexodose schedule from {schedule.start.isoformat()}")
    if path is not None:
        _save(fig, path)
    return fig


@functools.cache
def figure_class() -> type[Figure]:
    """``ScheduleFigure``: a Figure whose notebook view is its PNG (made here, not at import, as
    matplotlib is an optional extra)."""
    from matplotlib.figure import Figure

    class ScheduleFigure(Figure):
        """A schedule's timeline; Jupyter shows it as a PNG at the figure's dpi."""

        def _repr_png_(self) -> bytes:
            out = io.BytesIO()
            self.savefig(out, format="png")
            return out.getvalue()

    ScheduleFigure.__module__ = __name__  # pickle finds it through __getattr__ below
    ScheduleFigure.__qualname__ = "ScheduleFigure"
    return ScheduleFigure


def __getattr__(name: str) -> Any:
    if name == "ScheduleFigure":
        return figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _dose_steps(ax: Any, y: int, doses: Sequence[Event], shades: str) -> list[Any]:
    """A bar per step, darker for a higher dose; the dose written wherever it changes (placed
    later, by _lay_out)."""
    from matplotlib import colormaps

    if not doses:
        return []
    amounts = sorted({e.dose_amount or 0.0 for e in doses})
    colours = colormaps[shades]
    previous = ""
    labels = []
    for step in _steps(doses):
        first, last = step[0], step[-1]
        rank = amounts.index(first.dose_amount or 0.0) / max(len(amounts) - 1, 1)
        colour = colours(0.45 + 0.45 * rank)
        start, end = _x(first.date), _x(last.date) + 1
        if len(step) == 1:  # a pulse or a single infusion
            ax.scatter([start], [y], marker="D", s=40, color=colour, edgecolor="0.2", zorder=3)
        else:
            ax.broken_barh([(start, end - start)], (y - BAR_HALF, 2 * BAR_HALF),
                           facecolors=colour, edgecolor="0.3", linewidth=0.5, zorder=2)
        if first.dose_text != previous:
            label = first.dose_text + (f" x {len(step)}" if first.route == "IV" and
                                       len(step) > 1 else "")
            labels.append(ax.annotate(label, (start, y + LABEL_GAP), fontsize=10, va="bottom",
                                      ha="left", zorder=4, xytext=(1, 0),
                                      textcoords="offset points"))
        previous = first.dose_text
    return labels


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


def _decisions(ax: Any, panel: Any, decisions: Sequence[Event]) -> list[Any]:
    """A dashed line per decision point (through both panels), named above the timeline."""
    left, right = ax.get_xlim() if decisions else (0.0, 1.0)
    for e in decisions:
        for axes in (ax, panel):
            if axes is not None:
                axes.axvline(_x(e.date), color="0.35", linestyle="--", linewidth=1.0,
                             zorder=1.6)  # above the grid (1.5), which would hide it
    if not decisions:
        return []
    ax.set_xlim(min(left, _x(decisions[0].date) - 5), max(right, _x(decisions[-1].date) + 5))
    left, right = ax.get_xlim()
    labels = []
    for e in decisions:
        x = _x(e.date)
        near_right = (x - left) / (right - left) > 0.75
        labels.append(ax.annotate(
            decision_label(e.description), (x, 1.0), xycoords=ax.get_xaxis_transform(),
            xytext=(-3 if near_right else 3, 4), textcoords="offset points",
            ha="right" if near_right else "left", va="bottom", fontsize=10, fontweight="bold",
            color="0.2", annotation_clip=False))
    return labels


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
        handles.append(Line2D([], [], color="tab:red", linestyle=":", linewidth=0.8,
                              label="cumulative threshold (g)"))
    return handles


def _x(day: dt.date) -> float:
    """A date as matplotlib's day number (its date converter honours the configured epoch)."""
    from matplotlib import dates

    converter: Any = dates.date2num
    return float(converter(day))


def _cumulative(panel: Any, schedule: Schedule, points: Sequence[tuple[dt.date, Any]]
                ) -> list[Any]:
    """The running total in its own panel, with every threshold the reference names drawn and
    labelled in the right margin; the panel says whether earlier exposure is counted."""
    from plexodose._schedule.rules import THRESHOLDS_G  # the thresholds the schedule warns at

    prior_g = dict(schedule.prior).get("cyclophosphamide")
    days = [_x(d) for d, _ in points]
    grams = [float(q.to("g").magnitude) for _, q in points]
    # from what came before the first dose (the prior, or nothing known) up to each dose
    panel.step([days[0], *days], [(prior_g or 0.0) / 1000, *grams], where="post",
               color="tab:red")
    labels = []
    for threshold in THRESHOLDS_G:
        panel.axhline(threshold, color="tab:red", linestyle=":", linewidth=0.8)
        labels.append(panel.annotate(
            f"{threshold:g} g", (1.0, threshold), xycoords=panel.get_yaxis_transform(),
            xytext=(3, 0), textcoords="offset points", ha="left", va="center", fontsize=9,
            color="tab:red", annotation_clip=False))
    panel.set_ylabel("cumulative (g)", color="tab:red", fontsize=9)
    panel.set_ylim(0, max(max(THRESHOLDS_G) * 1.1, max(grams) * 1.05))
    panel.grid(axis="x", color="0.9")
    counted = ("prior exposure not known: this plan's doses only" if prior_g is None
               else f"including {prior_g / 1000:g} g before the plan")
    panel.set_title(f"cumulative cyclophosphamide ({counted}); thresholds {CUMULATIVE_SOURCES}",
                    loc="left", fontsize=9)
    return labels


def _lay_out(fig: Any, ax: Any, decisions: Sequence[Any], doses: Sequence[Any],
             thresholds: Sequence[Any], title: str) -> None:
    """Move labels until none overlaps another: decision names into rows above the timeline (the
    title above them all), each dose label to the first free slot beside its bar, threshold
    labels apart. Measured after a draw, so the boxes are the drawn ones."""
    fig.draw_without_rendering()  # the layout and the text, with no pixels
    renderer = fig.canvas.get_renderer()
    points = 72.0 / fig.dpi  # pixels to points
    placed: list[Any] = []
    rows = 0
    for label in decisions:
        dx, dy = label.xyann
        for row in range(len(decisions)):
            label.xyann = (dx, dy + row * _height_pt(label, renderer, points))
            if _free(label, renderer, placed):
                break
        rows = max(rows, row + 1)
        placed.append(label)
    step = max((_height_pt(t, renderer, points) for t in decisions), default=0.0)
    ax.set_title(title, fontsize=13, pad=6 + rows * step + 6)
    fig.draw_without_rendering()  # the title's room taken: the panels have their final size
    _apart(thresholds, renderer, points)
    markers = _marker_boxes(ax, renderer)
    inside = ax.get_window_extent(renderer)
    for label in doses:
        _place_dose(label, renderer, points, placed, markers, inside)
        placed.append(label)


def _place_dose(label: Any, renderer: Any, points: float, placed: Sequence[Any],
                markers: Sequence[Any], inside: Any) -> None:
    """The first slot free of other labels, inside the timeline and clear of marks; rows go out
    from the bar, above before below."""
    x, y = label.xy
    height = _height_pt(label, renderer, points)
    best: tuple[tuple[bool, bool, bool], tuple[float, tuple[float, float], str]] | None = None
    for row in range(LABEL_ROWS):
        for sign, va in ((1, "bottom"), (-1, "top")):
            slot = ((x, y if sign > 0 else y - 2 * LABEL_GAP), (1.0, sign * row * height), va)
            label.xy, label.xyann = slot[0], slot[1]
            label.set_va(va)
            box = label.get_window_extent(renderer)
            if box.x1 > inside.x1:  # a step near the end: the label kept inside, moved left
                label.xyann = (1.0 - (box.x1 - inside.x1) * points - GAP_PT, slot[1][1])
                box = label.get_window_extent(renderer)
            flaws = (not _free(label, renderer, placed),
                     not (inside.y0 <= box.y0 and box.y1 <= inside.y1),
                     any(box.overlaps(m) for m in markers))
            if best is None or flaws < best[0]:
                best = (flaws, (slot[0][1], label.xyann, va))
            if not any(flaws):
                return
    assert best is not None
    anchor_y, offset, va = best[1]
    label.xy, label.xyann = (x, anchor_y), offset
    label.set_va(va)


def _apart(labels: Sequence[Any], renderer: Any, points: float) -> None:
    """Labels in one column (the thresholds) pushed up until each clears the one below."""
    below = None
    for label in sorted(labels, key=lambda t: t.xy[1]):
        if below is not None:
            overlap = below.get_window_extent(renderer).y1 - label.get_window_extent(renderer).y0
            if overlap > -GAP_PT / points:
                dx, dy = label.xyann
                label.xyann = (dx, dy + overlap * points + GAP_PT)
        below = label


def _free(label: Any, renderer: Any, others: Sequence[Any]) -> bool:
    box = label.get_window_extent(renderer).padded(GAP_PT / 2 * renderer.dpi / 72.0)
    return not any(box.overlaps(o.get_window_extent(renderer)) for o in others)


def _height_pt(label: Any, renderer: Any, points: float) -> float:
    return float(label.get_window_extent(renderer).height) * points + GAP_PT


def _marker_boxes(ax: Any, renderer: Any) -> list[Any]:
    """The box of every scatter mark (tests, reviews, pulses), in pixels."""
    from matplotlib.transforms import Bbox

    boxes = []
    for collection in ax.collections:
        sizes = collection.get_sizes()
        if not len(sizes):
            continue  # a bar, not marks
        half = float(sizes[0]) ** 0.5 / 2 * renderer.dpi / 72.0
        for cx, cy in ax.transData.transform(collection.get_offsets()):
            boxes.append(Bbox.from_extents(cx - half, cy - half, cx + half, cy + half))
    return boxes


def _save(fig: Any, path: Any) -> None:
    """The PNG written whole or not at all (never a half-written file over an old one)."""
    try:
        replace_whole(path, lambda out: fig.savefig(out, format="png", dpi=DPI))
    except (OSError, TypeError, ValueError) as exc:
        raise InputRangeError(
            f"cannot write the plot to {path!r:.80}: {exc}", field="path", value=path
        ) from exc
