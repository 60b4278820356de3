"""The timeline plot: A4 landscape, the legend clear of the timeline, a dose label at every step,
decision lines named by what they decide, the PNG written and a bad path refused; and the
error a missing extra gives."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from plexodose import InputRangeError, Patient, Schedule, cyclophosphamide_iv, plan, schedule
from plexodose._core.extras import install_hint
from plexodose._interop import plot as plot_module

matplotlib.use("Agg")

START = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def example_plan() -> Schedule:
    return plan(Patient.example(), start=START)


@pytest.fixture(scope="module")
def figure(example_plan: Schedule) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = example_plan.plot()
    FigureCanvasAgg(fig).draw()  # lay it out, so that the boxes below are the drawn ones
    return fig


def _texts(fig: Any) -> list[str]:
    return [t.get_text() for t in fig.get_axes()[0].texts]


def test_a4_landscape(figure: Any) -> None:
    width, height = figure.get_size_inches()
    assert (round(width, 2), round(height, 2)) == (11.69, 8.27)


def test_legend_is_outside_the_timeline(figure: Any) -> None:
    renderer = figure.canvas.get_renderer()
    (legend,) = figure.legends
    timeline = figure.get_axes()[0].get_window_extent(renderer)
    box = legend.get_window_extent(renderer)
    assert not box.overlaps(timeline)
    assert box.y1 <= timeline.y0  # below it
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[:2] == ["dose step (darker: higher dose)", "single dose or pulse"]
    assert "decision point" in labels


def test_decision_lines_say_what_they_decide(figure: Any, example_plan: Schedule) -> None:
    decisions = example_plan.filter(kind="decision")
    assert len(decisions) == 3
    expected = ["inadequate response to IVIg?", "refractory to azathioprine?",
                "end of the 12-month plan"]
    assert [plot_module.decision_label(e.description) for e in decisions] == expected
    assert [t for t in _texts(figure) if t in expected] == expected
    assert "decision" not in _texts(figure)


def test_every_titration_step_has_its_dose_label(figure: Any, example_plan: Schedule) -> None:
    texts = _texts(figure)
    for drug in ("azathioprine", "ciclosporin"):
        steps = list(dict.fromkeys(e.dose_text for e in example_plan.filter(drug=drug,
                                                                             kind="dose")))
        assert len(steps) >= 2, drug  # a titration, so more than one step
        assert all(step in texts for step in steps), (drug, steps)
    # Patient.example(): azathioprine 1, 1.5, 2 mg/kg x 72 kg = 72, 108, 144 mg -> 75, 100, 150
    assert {"75 mg daily", "100 mg daily", "150 mg daily"} <= set(texts)
    assert "28.8 g x 5" in texts  # IVIg 0.4 g/kg x 72 kg on 5 days


def test_steps_differ_in_shade(figure: Any) -> None:
    """Each azathioprine step is its own bar, darker for the higher dose."""
    ax = figure.get_axes()[0]
    bars = [c for c in ax.collections if type(c).__name__ == "PolyCollection"]
    lane = [c for c in bars if abs(c.get_paths()[0].vertices[:, 1].mean() - 1) < 0.2]
    assert len(lane) == 3  # 75, 100, 150 mg
    darkness = [sum(c.get_facecolor()[0][:3]) for c in sorted(
        lane, key=lambda c: c.get_paths()[0].vertices[:, 0].min())]
    assert darkness[0] > darkness[1] > darkness[2]  # lighter to darker as the dose rises


def test_pulses_and_cumulative_thresholds() -> None:
    # 1 g/m2 x 1.870829 m2 (Patient.example()) = 1,870.83 mg, prepared to the whole mg below
    # the 1 g/m2 ceiling: 1,870 mg x 12 pulses = 22.44 g
    s = schedule(cyclophosphamide_iv(Patient.example(), g_per_m2=1), start=START, count=12)
    fig = s.plot()
    ax = fig.get_axes()[0]
    pulse_marks = [c for c in ax.collections if len(c.get_offsets()) == 1]
    assert len(pulse_marks) == 12  # one diamond per pulse
    assert [t.get_text() for t in ax.texts] == ["1,870 mg"]  # the same dose: labelled once
    panel = fig.get_axes()[1]
    assert panel.get_ylabel() == "cumulative (g)"
    # every threshold the reference names (dosing-rules.md: Travis 1995, Faurschou 2008),
    # drawn although 22.45 g is below 36 and 50
    assert [t.get_text() for t in panel.texts] == ["20 g", "36 g", "50 g"]
    dotted = [line.get_ydata()[0] for line in panel.get_lines() if line.get_linestyle() == ":"]
    assert dotted == [20.0, 36.0, 50.0]
    assert panel.get_ylim()[1] == pytest.approx(55.0)  # 50 g x 1.1: the highest one in view
    assert "prior exposure not known" in panel.get_title(loc="left")
    (legend,) = fig.legends
    assert {"cumulative cyclophosphamide (g)", "cumulative threshold (g)"} <= {
        t.get_text() for t in legend.get_texts()}


def test_cumulative_starts_from_the_prior_exposure() -> None:
    # 10 g before the plan + 1,870.83 mg x 12 = 32.45 g
    s = schedule(cyclophosphamide_iv(Patient.example(), g_per_m2=1), start=START, count=12,
                 prior_cyclophosphamide_g=10)
    panel = s.plot().get_axes()[1]
    (line,) = [line for line in panel.get_lines() if line.get_linestyle() == "-"]
    grams = list(line.get_ydata())
    assert grams[0] == pytest.approx(10.0)  # before the first pulse: what was given before
    assert grams[1] == pytest.approx(11.87, abs=1e-9)  # 10 + 1.870 (the pulse as prepared)
    assert grams[-1] == pytest.approx(10 + 12 * 1.870, abs=1e-9)  # 32.44 g
    assert "including 10 g before the plan" in panel.get_title(loc="left")


def test_no_cumulative_panel_without_cyclophosphamide(example_plan: Schedule) -> None:
    fig = example_plan.plot()
    assert len(fig.get_axes()) == 1
    (legend,) = fig.legends
    assert "cumulative threshold (g)" not in [t.get_text() for t in legend.get_texts()]


def test_plot_without_matplotlib_names_the_extra() -> None:
    code = ("import sys; sys.modules['matplotlib'] = None; import plexodose\n"
            "s = plexodose.schedule(plexodose.ivig(plexodose.Patient.example()), "
            "start='2026-12-01')\n"
            "try:\n    s.plot()\nexcept ModuleNotFoundError as exc:\n"
            "    print(type(exc).__name__, exc.name, exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    # the hint installs from where plexodose was installed (an editable checkout here, maybe)
    assert done.stdout.startswith("MissingExtraError matplotlib.figure plotting (Schedule.plot) needs "
                                  f'the optional extra "plot": {install_hint("plot")}')


@pytest.mark.parametrize("module, extra", [("plexodose.batch", "batch"),
                                           ("plexodose.strategies", "hypothesis")])
def test_feature_modules_name_their_extra(module: str, extra: str) -> None:
    blocked = {"batch": "numpy", "hypothesis": "hypothesis"}[extra]
    code = (f"import sys; sys.modules[{blocked!r}] = None\ntry:\n    import {module}\n"
            "except ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert install_hint(extra) in done.stdout


def test_plot_writes_png(pulses: Schedule, tmp_path: Path) -> None:
    target = tmp_path / "plan.png"
    fig = pulses.plot(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = fig.get_axes()
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["cyclophosphamide"]
    assert len(axes) == 2  # the lanes and the cumulative-dose panel
    totals = [max(line.get_ydata()) for line in axes[1].get_lines()
              if line.get_linestyle() == "-"]
    assert totals == [pytest.approx(12 * 1.870, abs=1e-9)]  # 12 pulses of 1,870 mg, in g


def test_plot_without_path_and_bad_path(full_plan: Schedule, tmp_path: Path) -> None:
    fig = full_plan.plot()
    labels = [t.get_text() for t in fig.get_axes()[0].get_yticklabels()]
    assert labels == ["IVIg", "azathioprine", "ciclosporin"]
    with pytest.raises(InputRangeError):
        full_plan.plot(tmp_path / "missing" / "plan.png")


def test_a_failed_plot_leaves_the_old_file_whole(
    pulses: Schedule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PNG is written to a temporary file and moved over the old one: a failure while drawing
    leaves the old file as it was, and no temporary file behind."""
    import matplotlib.figure

    target = tmp_path / "plan.png"
    target.write_bytes(b"old plot")

    def broken(self: object, *args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    with pytest.raises(InputRangeError, match="disk full"):
        pulses.plot(target)
    assert target.read_bytes() == b"old plot"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.png"]
