"""Where a calculator's microseconds go: cProfile over many calls, top functions by own time.

    python benchmarks/profile_core.py azathioprine      # or ivig, cyclophosphamide_iv,
                                                        # cyclosporin, mycophenolate, patient

cProfile's own overhead inflates every figure (about 3-5x here); read the shares, and time the
real cost with bench.py.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections.abc import Callable
from typing import Any

import plexodose as px


def cases() -> dict[str, Callable[[], Any]]:
    p = px.Patient.example()
    return {
        "ivig": lambda: px.ivig(p).daily_dose,
        "azathioprine": lambda: px.azathioprine(p).daily_dose,
        "cyclophosphamide_iv": lambda: px.cyclophosphamide_iv(p).dose,
        "cyclosporin": lambda: px.cyclosporin(p).daily_dose,
        "mycophenolate": lambda: px.mycophenolate(p).daily_dose,
        "patient": lambda: px.Patient(weight="72 kg", height="175 cm", sex="male", age=60,
                                      serum_creatinine="1 mg/dL"),
    }


def main(argv: list[str]) -> int:
    known = cases()
    names = argv or list(known)
    for name in names:
        if name not in known:
            print(f"unknown case {name!r}; choose from {', '.join(known)}")
            return 2
        call = known[name]
        for _ in range(1000):
            call()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(20_000):
            call()
        profile.disable()
        print(f"=== {name}: 20,000 calls")
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
