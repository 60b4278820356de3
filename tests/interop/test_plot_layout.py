"""The plot's labels, drawn: for the example plan of every second and refractory agent no two
texts overprint, at the figure's own dpi and at the PNG's; every dose step is named; the
figure shows itself in a notebook (its own PNG) and leaves no pyplot state behind."""

from __future__ import annotations

import datetime as dt
import functools
import io
import itertools
import pickle
import subprocess
import sys
from typing import Any

import matplotlib
import pytest

from plexodose import Patient, Schedule, plan
from plexodose._core import vocab
from plexodose._interop import plot as plot_module

matplotlib.use("Agg")

START = dt.date(2026, 12, 1)
PAIRS = [(second, refractory) for second, refractory in itertools.product(
    vocab.SECOND_AGENTS, ("ciclosporin", "cyclophosphamide_iv", "cyclophosphamide_oral"))
    if not (second.startswith("cyclophosphamide") and refractory.startswith("cyclophosphamide"))]


@functools.cache
def _plan(second: str, refractory: str) -> Schedule:
    agents: Any = {"second_agent": second, "refractory_agent": refractory}
    return plan(Patient.example(), start=START, **agents)


@functools.cache
def _figure(second: str, refractory: str) -> Any:
    """One figure per plan for the tests that only read it (drawing takes most of the time)."""
    return _plan(second, refractory).plot()


def _texts(fig: Any) -> list[Any]:
    """Every text a reader sees: labels, titles, ticks, the legend's."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _overprints(fig: Any, dpi: float) -> list[tuple[str, str]]:
    """Pairs of texts whose drawn boxes intersect, the figure drawn at ``dpi``."""
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    return [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
            if box_a.overlaps(box_b)]


def test_the_pairs_are_every_plan_the_algorithm_lays_out() -> None:
    # 4 second agents x 3 refractory ones, less the 2 x 2 with cyclophosphamide twice
    assert len(PAIRS) == 4 * 3 - 2 * 2


@pytest.mark.parametrize("second, refractory", PAIRS)
def test_no_two_texts_overprint(second: str, refractory: str) -> None:
    fig = _figure(second, refractory)
    shown = fig.dpi
    try:
        for dpi in (shown, plot_module.DPI):  # the notebook's and the written PNG's
            assert _overprints(fig, dpi) == [], dpi
            width, height = fig.canvas.get_width_height()
            for text in _texts(fig):  # and none cut off at the figure's edge
                box = text.get_window_extent()
                assert box.x0 >= 0 and box.y0 >= 0, text.get_text()
                assert box.x1 <= width and box.y1 <= height, text.get_text()
    finally:
        fig.set_dpi(shown)


@pytest.mark.parametrize("second, refractory", PAIRS)
def test_every_step_and_decision_is_named(second: str, refractory: str) -> None:
    s = _plan(second, refractory)
    texts = [t.get_text() for t in _figure(second, refractory).get_axes()[0].texts]
    for drug in dict.fromkeys(e.drug for e in s):
        doses = [e.dose_text for e in s.filter(drug=drug, kind="dose")]
        changes = [d for d, before in zip(doses, ["", *doses], strict=False) if d != before]
        named = [t.split(" x ")[0] for t in texts]  # IVIg's "28.8 g x 5" names 28.8 g
        assert all(d in named for d in changes), (drug, changes, texts)
    decisions = [plot_module.decision_label(e.description) for e in s.filter(kind="decision")]
    assert len(decisions) == 3 and all(d in texts for d in decisions)


def test_mycophenolate_steps_overprinted_before_the_layout(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above finds the issue's overprint when labels are left where they were drawn:
    500, 750 and 1,000 mg twice daily, a week apart, and two decision names on one spot."""
    monkeypatch.setattr(plot_module, "_lay_out", lambda fig, *args: None)
    fig = _plan("mycophenolate", "cyclophosphamide_iv").plot()
    found = _overprints(fig, fig.dpi)
    assert ("500 mg twice daily", "750 mg twice daily") in found
    assert ("refractory to mycophenolate?", "end of the 12-month plan") in found


def test_mycophenolate_steps_stack_beside_their_bar() -> None:
    """Each label starts at its step and takes the first free row: 500 above the bar, 750
    (a week later, overlapping 500's row) below it, 1,000 in the second row above."""
    ax = _figure("mycophenolate", "ciclosporin").get_axes()[0]
    labels = {t.get_text(): t for t in ax.texts}
    rows = {dose: (labels[f"{dose} mg twice daily"].get_va(),
                   labels[f"{dose} mg twice daily"].xyann[1] > 0)
            for dose in ("500", "750", "1,000")}
    assert rows == {"500": ("bottom", False), "750": ("top", False), "1,000": ("bottom", True)}
    starts = [labels[f"{dose} mg twice daily"].xy[0] for dose in ("500", "750", "1,000")]
    assert starts[1] - starts[0] == 7 and starts[2] - starts[1] == 7  # weekly steps


@pytest.mark.parametrize("months", [7, 8])
def test_a_step_near_the_end_keeps_its_label_inside(months: int) -> None:
    """Ciclosporin starts at month 6 and steps down at week 4 of it (2027-07-17): in a 7- or
    8-month plan its label would run past the timeline's right edge, so it is moved left."""
    agents: Any = {"second_agent": "mycophenolate", "months": months}
    fig = plan(Patient.example(), start=START, **agents).plot()
    assert _overprints(fig, fig.dpi) == []
    renderer = fig.canvas.get_renderer()
    ax = fig.get_axes()[0]
    right = ax.get_window_extent(renderer).x1
    last = max(ax.texts, key=lambda t: t.get_window_extent(renderer).x1)
    assert last.get_text() == ("175 mg twice daily" if months == 7 else "100 mg twice daily")
    assert last.get_window_extent(renderer).x1 <= right
    assert last.xyann[0] < 0  # moved left of its step's start


def test_cumulative_panel_for_every_plan_with_cyclophosphamide() -> None:
    for second, refractory in PAIRS:
        axes = _figure(second, refractory).get_axes()
        has_cyclophosphamide = "cyclophosphamide" in (second + refractory)
        assert len(axes) == (2 if has_cyclophosphamide else 1), (second, refractory)
        if has_cyclophosphamide:
            assert [t.get_text() for t in axes[1].texts] == ["20 g", "36 g", "50 g"]


def test_the_figure_shows_itself_in_a_notebook(pulses: Schedule) -> None:
    """Jupyter calls _repr_png_: the figure's own PNG at its dpi (A4 at 100 dpi: 1169 x 827)."""
    from matplotlib.figure import Figure

    fig = pulses.plot()
    assert isinstance(fig, Figure)  # all of Figure's API (savefig, axes) is there
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (round(11.69 * fig.dpi), round(8.27 * fig.dpi))


def test_the_figure_pickles(pulses: Schedule) -> None:
    fig = pickle.loads(pickle.dumps(pulses.plot()))
    assert type(fig).__name__ == "ScheduleFigure"
    assert type(fig) is plot_module.figure_class()
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_plotting_leaves_no_pyplot_figure() -> None:
    """No pyplot: an inline backend has no figure of its own to show a second time, and no
    figure is kept alive after the plot is dropped."""
    code = ("import sys, plexodose\n"
            "s = plexodose.plan(plexodose.Patient.example(), start='2026-12-01')\n"
            "fig = s.plot()\n"
            "print('matplotlib.pyplot' in sys.modules, type(fig).__mro__[1].__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "Figure"]


def test_repr_png_matches_a_written_png_at_the_same_dpi(pulses: Schedule) -> None:
    fig = pulses.plot()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    assert fig._repr_png_() == out.getvalue()


def test_the_screenshot_script_without_chromium(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """docs/tools/screenshots.py (run by hand) without a browser: every view as an HTML page to
    open, every example plan's plot as the PNG a notebook is given, and a note saying so. The
    drawing itself is tested above: here a plot is any PNG, so the script's wiring runs fast."""
    import runpy
    from pathlib import Path

    class Drawn:
        def _repr_png_(self) -> bytes:
            return b"\x89PNG\r\n\x1a\n" + b"\0" * 16

    monkeypatch.setattr(Schedule, "plot", lambda self, path=None: Drawn())
    root = Path(__file__).resolve().parents[2]
    script = runpy.run_path(str(root / "docs" / "tools" / "screenshots.py"), run_name="imported")
    main = script["main"]
    monkeypatch.setitem(main.__globals__, "browser", lambda: None)
    assert main([str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    views = ["checklist_view", "plan_view", "plot_view", "result_view", "review_view", "screen_above_hard_view",
             "screen_within_view"]
    assert [n for n in names if n.endswith(".html")] == [f"{v}.html" for v in views]
    plots = [n for n in names if n.endswith(".png")]
    assert len(plots) == len(PAIRS) == 8
    for name in plots:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "plot_view.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page  # the figure's own PNG, inline
    assert "HTML files to open in a browser" in capsys.readouterr().err
