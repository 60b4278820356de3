"""Render a result's and a plan's notebook view to PNG with headless Chromium (run by hand).

Usage::

    python docs/tools/render_views.py [OUTPUT_DIR]     # default: examples/output/

Needs Debian's ``chromium`` package (``apt-get install chromium``); CI does not run this: the
PNGs are committed so that a reviewer can look at the views without a notebook.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import plexodose

ROOT = Path(__file__).resolve().parents[2]
START = dt.date(2026, 12, 1)
PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>' \
       '<body style="margin:16px">{body}</body></html>'


def pages() -> dict[str, tuple[str, str]]:
    """PNG name -> (title, HTML body): one result with warnings and one plan."""
    patient = plexodose.Patient.example()
    result = plexodose.ciclosporin(patient)  # 5 mg/kg/day x 72 kg: above the label's 4
    schedule = plexodose.plan(patient, start=START)
    return {"result_view.png": ("ciclosporin(Patient.example())", result._repr_html_()),
            "plan_view.png": ("plan(Patient.example())", schedule._repr_html_())}


def render(html_path: Path, png: Path, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("needs chromium: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={png}",
                        f"--window-size=1200,{height}", html_path.as_uri()],
                       check=True, capture_output=True, timeout=120)


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "examples" / "output"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, (title, body) in pages().items():
            page = Path(work) / (name[:-4] + ".html")
            page.write_text(PAGE.format(title=title, body=body), encoding="utf-8")
            render(page, out / name, 900 if name.startswith("result") else 1600)
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
