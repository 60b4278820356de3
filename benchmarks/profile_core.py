"""Where a calculator's microseconds go: cProfile over varied patients, top functions by own time.

    python benchmarks/profile_core.py azathioprine      # or ivig, cyclophosphamide_iv,
                                                        # cyclosporin, mycophenolate, patient

The patients are bench.py's (distinct, realistic, cycled). cProfile's own overhead inflates
every figure (about 3-5x here); read the shares, and time the real cost with bench.py.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import draw_patients

import plexodose as px


def cases(fields: list[dict[str, Any]]) -> dict[str, Callable[[], Any]]:
    patients = [px.Patient(**f) for f in fields]

    def each(call: Callable[[Any], Any]) -> Callable[[], Any]:
        return lambda: [call(p) for p in patients]

    def make() -> Any:
        return [px.Patient(**f) for f in fields]

    return {
        "ivig": each(lambda p: px.ivig(p).daily_dose),
        "azathioprine": each(lambda p: px.azathioprine(p).daily_dose),
        "cyclophosphamide_iv": each(lambda p: px.cyclophosphamide_iv(p).dose),
        "cyclosporin": each(lambda p: px.cyclosporin(p).daily_dose),
        "mycophenolate": each(lambda p: px.mycophenolate(p).daily_dose),
        "patient": make,
    }


def main(argv: list[str]) -> int:
    known = cases(draw_patients(2_000))
    names = argv or list(known)
    for name in names:
        if name not in known:
            print(f"unknown case {name!r}; choose from {', '.join(known)}")
            return 2
        call = known[name]
        call()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            call()
        profile.disable()
        print(f"=== {name}: 10,000 calls")
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
