"""The review subcommand, through the real command line (``main`` and a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from plexodose import json_schema
from plexodose.cli import REFUSED, USAGE_ERROR, main


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["review", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = call(capsys, "azathioprine", "--wbc", "3.1 x10^9/L", "--date", "2027-01-16",
                            "--on", "2027-01-20")
    assert status == 0 and err == ""
    assert out.startswith("azathioprine, results of 2027-01-16: Withhold and discuss")
    assert "[guideline] BSR" in out
    assert "next check: 2027-01-23" in out  # 2027-01-16 + 7 days


def test_json_output_is_the_public_form(capsys: pytest.CaptureFixture[str]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    status, out, _ = call(capsys, "ciclosporin", "--creatinine", "1.3 mg/dL", "--baseline-creatinine",
                          "1.0 mg/dL", "--reductions", "1", "--current-dose", "300 mg/day",
                          "--date", "2027-01-16", "--on", "2027-01-16", "--json")
    data = json.loads(out)
    jsonschema.validate(data, json_schema())
    assert status == 0 and data["kind"] == "Review" and data["action"] == "reduce"
    # 300 mg/day, 50 %: 75 mg a dose (inside 75-112.5): 150 mg/day
    assert data["proposed_dose"]["value"] == 150.0 and data["proposed_dose"]["unit"] == "mg/d"
    assert data["reasons"][0]["source"]["tag"] == "label"


def test_refusals_are_one_line_status_3_naming_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = call(capsys, "ciclosporin", "--creatinine", "1.3 mg/dL", "--date", "2027-01-16",
                            "--on", "2027-01-16")
    assert status == REFUSED and out == "" and err.count("\n") == 1
    assert "(option --baseline-creatinine)" in err
    status, out, err = call(capsys, "azathioprine", "--wbc", "3.1 x10^9/L", "--date", "2027-02-01",
                            "--on", "2027-01-16")
    assert status == REFUSED and "in the future" in err and "(option --date)" in err
    status, _, err = call(capsys, "azathioprine", "--wbc", "500 x10^9/L", "--on", "2099-01-01")
    assert status == REFUSED and "(option --wbc)" in err
    status, _, err = call(capsys, "azathioprine", "--wbc", "3.1")  # a bare number: usage error
    assert status == USAGE_ERROR and "needs a unit" in err


def test_help_is_fast_and_the_command_runs_in_a_real_process() -> None:
    done = subprocess.run([sys.executable, "-m", "plexodose", "review", "mycophenolate", "--mcv",
                           "107 fL", "--date", "2027-03-10", "--on", "2027-03-10"],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "MCV 107 fL is above 105 fL" in done.stdout  # investigate, not withhold
