"""Plot the example patient's 12-month plan and save it as a PNG.

Usage::

    python examples/plot_plan.py [PATH]      # default: examples/output/plan.png

Needs the optional extra: ``pip install "plexodose[plot]"``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "output" / "plan.png"
START = dt.date(2026, 12, 1)  # a fixed start keeps the picture reproducible


def plot(path: Path) -> Path:
    """Save the plan's chart to ``path`` (a PNG) and return the path."""
    import matplotlib

    matplotlib.use("Agg")  # a file, not a window: works on a server without a display
    import plexodose

    schedule = plexodose.plan(plexodose.Patient.example(), start=START)
    path.parent.mkdir(parents=True, exist_ok=True)
    schedule.plot(path=str(path))
    return path


def main(argv: list[str]) -> int:
    print(plot(Path(argv[0]) if argv else DEFAULT_PATH))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
