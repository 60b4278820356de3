"""Screenshots of every notebook view, to look at before a release (run by hand).

Usage::

    python docs/tools/screenshots.py [OUTPUT_DIR]     # default: build/screenshots/

Writes, for a reader to open one by one:

- ``<view>_view.png``: the HTML view of a result, a plan, a review, a checklist and the order screen's verdicts,
  each shown in a page styled as JupyterLab styles an output (a 1000 px wide cell; tables
  centred, cells aligned right), screenshotted by headless Chromium;
- ``plot_view.png``: the plot as a notebook cell shows it (its ``_repr_png_``, scaled to the
  cell's width), screenshotted the same way;
- ``plot_<second>_<refractory>.png``: ``_repr_png_`` itself, for the example plan of every
  second and refractory agent (what Jupyter receives, at the figure's dpi).

Needs Debian's ``chromium`` (``apt-get install chromium``) for the pages; without it the pages
are written as HTML files to open in a browser, and the plots (matplotlib only) still as PNG.
A view with no HTML form is shown as its text, and the script says so. The committed
``examples/output/*.png`` come from ``render_views.py`` beside this file.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import importlib.util
import itertools
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import plexodose

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2026, 12, 1)
WIDTH = 1000  # a JupyterLab cell's output area on a laptop screen, in CSS pixels
# How JupyterLab styles rendered HTML output (its rendermime stylesheet, in short): tables are
# centred, every cell is aligned right, rows alternate in shade. A view that does not set its
# own alignment shows it here as it would there.
LAB_CSS = """
body { margin: 0; background: #ffffff; }
.cell { width: {width}px; padding: 8px 20px 8px 8px; box-sizing: border-box;
        font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
        font-size: 14px; line-height: 1.5; color: rgba(0, 0, 0, 0.87); }
.prompt { font-family: monospace; font-size: 13px; color: #616161; margin-bottom: 4px; }
.cell table { border-collapse: collapse; border-spacing: 0; border: none; font-size: 13px;
              table-layout: fixed; margin-left: auto; margin-right: auto; margin-bottom: 1em; }
.cell thead { border-bottom: 1px solid #bdbdbd; vertical-align: bottom; }
.cell td, .cell th, .cell tr { text-align: right; vertical-align: middle; padding: 0.5em;
                               line-height: normal; border: none; }
.cell tbody tr:nth-child(even) { background: #f5f5f5; }
.cell pre { font-family: monospace; font-size: 13px; margin: 0; }
.cell > img { max-width: 100%; height: auto; display: block; }
"""
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        "<style>{css}</style></head><body><div class=cell><div class=prompt>In [1]: {title}"
        "</div>{body}</div></body></html>")


def _render_views_pages() -> dict[str, tuple[str, str]]:
    """The result and plan views exactly as render_views.py makes the committed ones."""
    spec = importlib.util.spec_from_file_location("render_views", Path(__file__).with_name(
        "render_views.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages: dict[str, tuple[str, str]] = module.pages()
    return pages


def _html(obj: Any, notes: list[str], name: str) -> str:
    """The object's notebook HTML; its text in <pre> where it has none (and a note that says
    so), as Jupyter would show it."""
    view: Callable[[], str] | None = getattr(obj, "_repr_html_", None)
    if view is not None:
        return view()
    notes.append(f"{name}: {type(obj).__name__} has no _repr_html_: shown as its text")
    return f'<pre style="white-space:pre-wrap">{html.escape(repr(obj))}</pre>'


def pages(notes: list[str]) -> dict[str, tuple[str, str]]:
    """PNG name -> (the call shown, HTML body)."""
    patient = plexodose.Patient.example()
    out = _render_views_pages()  # result_view.png, plan_view.png
    withhold = plexodose.review("azathioprine", plexodose.Labs(
        date="2027-01-16", wbc="3.1 x10^9/L", neutrophils="1900 /uL"), on="2027-01-16",
        baseline="0.9 mg/dL")  # WBC 3.1 < 3.5 x10^9/L (BSR 2017): withhold
    out["review_view.png"] = ('review("azathioprine", Labs(wbc="3.1 x10^9/L", ...))',
                         _html(withhold, notes, "review_view.png"))
    checklist = plexodose.before_starting("azathioprine", plexodose.Patient(weight="72 kg"),
                                          on="2027-01-16")  # TPMT, NUDT15 not known: to do
    out["checklist_view.png"] = ('before_starting("azathioprine", Patient(weight="72 kg"))',
                                 _html(checklist, notes, "checklist_view.png"))
    orders = {  # Patient.example() 72 kg: azathioprine 1-2 mg/kg/day, at most 150 mg/day
        "screen_above_hard_view.png": plexodose.Order(drug="azathioprine", dose="100 mg",
                                                 times_per_day=2),  # 200 mg/day
        "screen_within_view.png": plexodose.Order(drug="azathioprine", dose="100 mg"),
    }
    for name, order in orders.items():
        screening = plexodose.screen(order, patient, on=START)
        out[name] = (f"screen({order!r:.70}, Patient.example())", _html(screening, notes, name))
    figure = plexodose.plan(patient, start=START).plot()
    image = base64.b64encode(figure._repr_png_()).decode("ascii")
    out["plot_view.png"] = ("plan(Patient.example()).plot()",
                            f'<img alt="the plan\'s plot" src="data:image/png;base64,{image}">')
    return out


def plots() -> dict[str, bytes]:
    """plot_<second>_<refractory>.png -> the PNG a notebook is given, for every example plan."""
    out = {}
    for second, refractory in itertools.product(
            ("azathioprine", "mycophenolate", "cyclophosphamide_iv", "cyclophosphamide_oral"),
            ("ciclosporin", "cyclophosphamide_iv", "cyclophosphamide_oral")):
        if second.startswith("cyclophosphamide") and refractory.startswith("cyclophosphamide"):
            continue  # refused: the refractory agent must differ from the second
        agents: Any = {"second_agent": second, "refractory_agent": refractory}
        schedule = plexodose.plan(plexodose.Patient.example(), start=START, **agents)
        out[f"plot_{second}_{refractory}.png"] = schedule.plot()._repr_png_()
    return out


def browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def screenshot(chromium: str, page: Path, png: Path) -> None:
    """A tall window's screenshot, cut to the page's content (Chromium has no full-page shot
    from the command line)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        "--force-device-scale-factor=1", f"--user-data-dir={profile}",
                        f"--screenshot={png}", f"--window-size={WIDTH + 40},4000",
                        page.as_uri()], check=True, capture_output=True, timeout=180)
    _crop(png)


def _crop(png: Path) -> None:
    """Cut the white below and right of the content, leaving a margin."""
    from PIL import Image, ImageChops

    with Image.open(png) as shot:
        image = shot.convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box is not None:
        image.crop((0, 0, min(image.width, box[2] + 12), min(image.height, box[3] + 12))).save(png)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "build" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    chromium = browser()
    css = LAB_CSS.replace("{width}", str(WIDTH))
    for name, (title, body) in pages(notes).items():
        page = out / (name[:-4] + ".html")
        page.write_text(PAGE.format(title=html.escape(title), css=css, body=body),
                        encoding="utf-8")
        if chromium is not None:
            screenshot(chromium, page, out / name)
            page.unlink()
            print(out / name)
        else:
            print(page)
    for name, png in plots().items():
        (out / name).write_bytes(png)
        print(out / name)
    if chromium is None:
        notes.append("no chromium, chromium-browser or google-chrome on PATH: the views are "
                     "HTML files to open in a browser (apt-get install chromium)")
    for note in notes:
        print("note:", note, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
