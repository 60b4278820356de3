"""How pickles-0.2.0.pkl was made: run with plexodose 0.2.0 (commit 55c6dcb, before a patient
kept the text it was read from) as ``python make_pickles_0_2_0.py pickles-0.2.0.pkl``.
tests/patient/test_echo.py loads it with the current release: a Patient of 0.2.0 stored its
values as bare canonical floats (``Kilograms`` without a typed text).
"""

import datetime as dt
import io
import pickle
import sys
from pathlib import Path

import plexodose as px


def objects() -> dict[str, object]:
    dated = px.Patient(weight="158 lb", height="175 cm", sex="female", age=60,
                       serum_creatinine="80 umol/L", measured={"weight": "2026-11-30"},
                       origins={"weight": "Observation/w1"}, on="2026-12-02")
    return {
        "patient": px.Patient.example(),
        "dated": dated,
        "azathioprine": px.azathioprine(dated),
        "labs": px.Labs(date=dt.date(2027, 1, 16), wbc="3100 /uL", creatinine="80 umol/L",
                        origins={"wbc": "Observation/w1"}),
    }


if __name__ == "__main__":
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=4)
    pickler.dispatch_table = {}  # only the classes' own reducers, as for 0.1.0
    pickler.dump(objects())
    Path(sys.argv[1]).write_bytes(buffer.getvalue())
