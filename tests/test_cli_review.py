"""The review subcommand: add_parser() and run(), through a small argparse parser."""

from __future__ import annotations

import argparse
import json

import pytest

from plexodose._cli_review import add_parser, run


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="plexodose")
    add_parser(p.add_subparsers(dest="command", required=True))
    return p


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = run(parser().parse_args(["review", *argv]))
    out, err = capsys.readouterr()
    return status, out, err


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = call(capsys, "azathioprine", "--wbc", "3.1 x10^9/L", "--date", "2027-01-16",
                            "--on", "2027-01-20")
    assert status == 0 and err == ""
    assert out.splitlines()[0] == "Labs(date='2027-01-16', wbc='3.1 x10^9/L')"
    assert "Withhold and discuss with the specialist team" in out and "[guideline] BSR" in out
    assert "next check: 2027-01-23" in out  # 2027-01-16 + 7 days


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = call(capsys, "ciclosporin", "--creatinine", "1.3 mg/dL", "--baseline-creatinine",
                          "1.0 mg/dL", "--reductions", "1", "--current-dose", "300 mg/day",
                          "--date", "2027-01-16", "--on", "2027-01-16", "--json")
    data = json.loads(out)
    assert status == 0 and data["kind"] == "Review" and data["action"] == "reduce"
    # 300 mg/day, 50 %: 75 mg a dose (inside 75-112.5): 150 mg/day
    assert data["proposed_dose"]["value"] == 150.0 and data["proposed_dose"]["unit"] == "mg/day"
    assert data["reasons"][0]["source"]["tag"] == "label"
    assert data["labs"] == {"creatinine": "1.3 mg/dL"}


def test_refusals_are_one_line_and_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = call(capsys, "ciclosporin", "--creatinine", "1.3 mg/dL", "--date", "2027-01-16",
                            "--on", "2027-01-16")
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "(option --baseline-creatinine)" in err
    status, out, err = call(capsys, "azathioprine", "--wbc", "3.1 x10^9/L", "--date", "2027-02-01",
                            "--on", "2027-01-16")
    assert status == 2 and "in the future" in err and "(option --date)" in err
    status, _, err = call(capsys, "azathioprine", "--wbc", "500 x10^9/L", "--on", "2099-01-01")
    assert status == 2 and "(option --wbc)" in err
    with pytest.raises(SystemExit) as caught:
        parser().parse_args(["review", "azathioprine", "--wbc", "3.1"])
    assert caught.value.code == 2
    assert "needs a unit" in capsys.readouterr().err
