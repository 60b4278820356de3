"""Types an IDE can use: a typed client passes mypy --strict (and pyright), and the mistakes an
app could make (a bare weight, HL7's "M", a misspelt choice or attribute) fail type checking.

mypy runs once, over the client and every mistake together (each mistake in a file of its own);
each test reads its own file's lines of that one report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).parent / "client.py"

BAD = {
    "a bare number where a quantity is expected": 'Patient(weight=82)',
    "an HL7 code for sex": 'Patient(weight="82 kg", sex="M")',
    "a misspelt phenotype": 'Patient(weight="82 kg", tpmt="IM")',
    "a weight basis that does not exist": 'ivig(Patient(weight="82 kg"), weight_basis="obese")',
    "an attribute results do not have": 'azathioprine(Patient(weight="82 kg")).daily_doze',
    "a second agent the plan does not offer": (
        'plan(Patient(weight="82 kg"), start="2026-12-01", second_agent="rituximab")'
    ),
    "a misspelt drug to review": 'review("azathioprin", Labs(date="2027-01-16"))',
    "a misspelt value added to a FHIR patient": (
        'Patient.from_fhir({}, on="2027-01-16", weigth="82 kg")'
    ),
    "a wrong phenotype added to a FHIR patient": (
        'Patient.from_fhir({}, on="2027-01-16", nudt15="IM")'
    ),
    "a misspelt drug for the regimens strategy": 'regimens("azathioprin")',
}
HEADER = ("from plexodose import Labs, Patient, azathioprine, ivig, plan, review\n"
          "from plexodose.strategies import regimens\n")


def _mistake_file(mistake: str) -> str:
    return f"mistake_{list(BAD).index(mistake)}.py"


@pytest.fixture(scope="module")
def mypy_report(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """One ``mypy --strict`` over the typed client and a file per mistake (its line 3)."""
    folder = tmp_path_factory.mktemp("mistakes")
    files = []
    for mistake, code in BAD.items():
        path = folder / _mistake_file(mistake)
        path.write_text(f"{HEADER}result = {code}\n")
        files.append(str(path))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(CLIENT), *files],
        capture_output=True, text=True, check=False, timeout=300,
    )


def _errors(report: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """The report's error lines by file name."""
    found: dict[str, list[str]] = {}
    for line in report.stdout.splitlines():
        if ": error:" in line:
            found.setdefault(Path(line.split(":", 1)[0]).name, []).append(line)
    return found


def test_typed_client_passes_mypy_strict(mypy_report: subprocess.CompletedProcess[str]) -> None:
    # status 1: the mistakes' errors (2 would be mypy failing to run); none in the client
    assert mypy_report.returncode == 1, mypy_report.stdout + mypy_report.stderr
    errors = _errors(mypy_report)
    assert set(errors) <= {_mistake_file(m) for m in BAD}, mypy_report.stdout


@pytest.mark.parametrize("mistake", list(BAD), ids=list(BAD))
def test_each_mistake_fails_mypy(mistake: str,
                                 mypy_report: subprocess.CompletedProcess[str]) -> None:
    name = _mistake_file(mistake)
    errors = _errors(mypy_report).get(name, [])
    assert errors, f"{mistake}: mypy accepted it\n{mypy_report.stdout}"
    assert any(f"{name}:3: error" in line for line in errors), mypy_report.stdout


# pyright as installed beside this Python (``.venv/bin/python -m pytest`` puts nothing on PATH),
# else on PATH; the test extra installs it, so it is never skipped there
PYRIGHT = (shutil.which("pyright", path=str(Path(sys.executable).parent))
           or shutil.which("pyright"))
# pyright finds plexodose through the first python on PATH: this one
HERE = {**os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.skipif(PYRIGHT is None, reason="pyright is not installed (pip install -e '.[test]')")
def test_typed_client_and_mistakes_with_pyright(tmp_path: Path) -> None:
    assert PYRIGHT is not None
    clean = subprocess.run([PYRIGHT, str(CLIENT)], capture_output=True, text=True, env=HERE,
                           check=False, timeout=600)
    assert clean.returncode == 0, clean.stdout
    bad = tmp_path / "bad_client.py"
    bad.write_text(HEADER + "".join(
        f"r{n} = {code}\n" for n, code in enumerate(BAD.values())))
    done = subprocess.run([PYRIGHT, str(bad)], capture_output=True, text=True, env=HERE,
                          check=False, timeout=600)
    flagged = {int(line.split(":")[1]) for line in done.stdout.splitlines()
               if "bad_client.py:" in line and "error" in line}
    assert flagged == {n + 3 for n in range(len(BAD))}, done.stdout


@pytest.mark.skipif(PYRIGHT is None, reason="pyright is not installed (pip install -e '.[test]')")
def test_every_exported_symbol_has_a_known_type() -> None:
    # pyright --verifytypes: the public API's types, as a user's checker sees them (pint's own
    # unknowns ignored); 100 % known, none ambiguous
    assert PYRIGHT is not None
    done = subprocess.run([PYRIGHT, "--verifytypes", "plexodose", "--ignoreexternal",
                           "--outputjson"], capture_output=True, text=True, env=HERE,
                          check=False, timeout=600)
    report = json.loads(done.stdout)["typeCompleteness"]
    counts = report["exportedSymbolCounts"]
    unknown = [s["name"] for s in report["symbols"]
               if s["isExported"] and (not s["isTypeKnown"] or s.get("isTypeAmbiguous"))]
    assert counts["withKnownType"] > 400, done.stdout[:2000]  # the package was found and read
    assert (counts["withUnknownType"], counts["withAmbiguousType"], unknown) == (0, 0, [])
    assert report["completenessScore"] == 1.0
