"""Issue 19, class 8 on the command line: a plan for a patient whose refractory agent is
contraindicated is laid out (exit 0), and its advice names this command's options."""

from __future__ import annotations

import contextlib
import io

from plexodose import cli

# eGFR 27.4 mL/min/1.73 m2 (CKD-EPI 2021, male, 60 y, creatinine 2.6 mg/dL): ciclosporin refused
RENAL = ["--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "60",
         "--creatinine", "2.6 mg/dL", "--tpmt", "normal", "--nudt15", "normal"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_cli_plan_decides_contraindicated_refractory_agent() -> None:
    status, out, err = run("plan", *RENAL, "--start", "2026-12-01")
    assert (status, err) == (cli.DONE, ""), err  # was 3: "pass override=", not a plan option
    assert "ciclosporin is contraindicated for this patient (eGFR 27.4" in out
    assert "(--refractory-agent cyclophosphamide_iv)" in out
    assert "plan(..., " not in out


def test_cli_plan_decides_suggested_option_runs() -> None:
    status, out, _ = run("plan", *RENAL, "--start", "2026-12-01", "--refractory-agent",
                         "cyclophosphamide_iv")
    assert status == cli.DONE and "cyclophosphamide IV pulse 1 of 6" in out
