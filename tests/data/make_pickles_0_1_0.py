"""How pickles-0.1.0.pkl was made: run with plexodose 0.1.0 (commit 2fda2b3, before the layout
move) as ``python make_pickles_0_1_0.py pickles-0.1.0.pkl``. It writes the pickle and the repr of
each object beside it (``.repr.json``, renamed ``pickles-0.1.0.repr.json``); tests/core/test_facade.py loads both with the current release.
A FhirReading was not picklable in 0.1.0 (it holds a mappingproxy) and is left out.
"""

import datetime as dt
import io
import json
import pickle
import sys
from pathlib import Path

import plexodose as px


def objects() -> dict[str, object]:
    p = px.Patient.example()
    labs = px.Labs(date=dt.date(2027, 1, 16), wbc="3100 /uL")
    return {
        "patient": p,
        "ivig": px.ivig(p),
        "azathioprine": px.azathioprine(p),
        "cyclophosphamide_iv": px.cyclophosphamide_iv(p),
        "cyclophosphamide_oral": px.cyclophosphamide_oral(p),
        "ciclosporin": px.ciclosporin(p),
        "mycophenolate": px.mycophenolate(p),
        "pulse_reduction": px.cyclophosphamide_pulse_reduction(p),
        "next_pulse": px.cyclophosphamide_next_pulse(px.cyclophosphamide_iv(p), nadir_wbc="3500 /uL"),
        "conversion": px.convert_mycophenolate("1000 mg", to="sodium"),
        "labs": labs,
        "review": px.review("azathioprine", labs, on=dt.date(2027, 1, 16), baseline="0.9 mg/dL"),
        "schedule": px.plan(p, start=dt.date(2026, 12, 1)),
        "source": px.ivig(p).sources[0],
        "product": px.ivig(p, product="Privigen 10 %").product,
        "limit": px.azathioprine(p).limits[0],
        "dispensed": px.azathioprine(p).dispensed,
        "egfr": px.egfr(age=54, sex="female", serum_creatinine="80 umol/L"),
        "error": px.UnitError("weight needs a unit", field="weight", value=82),
    }


if __name__ == "__main__":
    target = Path(sys.argv[1])
    made = objects()
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=4)
    pickler.dispatch_table = {}  # only the classes' own reducers (tblib, loaded with dask, hooks exceptions)
    pickler.dump(made)
    target.write_bytes(buffer.getvalue())
    reprs = {key: repr(value) for key, value in made.items()}
    Path(f"{target}.repr.json").write_text(json.dumps(reprs, indent=1), encoding="utf-8")
