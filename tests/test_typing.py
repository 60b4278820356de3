"""Types an IDE can use: a typed client passes mypy --strict (and pyright), and the mistakes an
app could make (a bare weight, HL7's "M", a misspelt choice or attribute) fail type checking."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CLIENT = Path(__file__).parent / "typing" / "client.py"

BAD = {
    "a bare number where a quantity is expected": 'Patient(weight=82)',
    "an HL7 code for sex": 'Patient(weight="82 kg", sex="M")',
    "a misspelt phenotype": 'Patient(weight="82 kg", tpmt="IM")',
    "a weight basis that does not exist": 'ivig(Patient(weight="82 kg"), weight_basis="obese")',
    "an attribute results do not have": 'azathioprine(Patient(weight="82 kg")).daily_doze',
    "a second agent the plan does not offer": (
        'plan(Patient(weight="82 kg"), start="2026-12-01", second_agent="rituximab")'
    ),
}


def _mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True, text=True, check=False, timeout=300,
    )


def test_typed_client_passes_mypy_strict() -> None:
    done = _mypy(CLIENT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("mistake", list(BAD), ids=list(BAD))
def test_each_mistake_fails_mypy(mistake: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad_client.py"
    bad.write_text(
        "from plexodose import Patient, azathioprine, ivig, plan\n\n"
        f"result = {BAD[mistake]}\n"
    )
    done = _mypy(bad)
    assert done.returncode == 1, f"{mistake}: mypy accepted it\n{done.stdout}"
    assert "bad_client.py:3: error" in done.stdout, done.stdout


@pytest.mark.skipif(shutil.which("pyright") is None, reason="pyright is in the test extra")
def test_typed_client_and_mistakes_with_pyright(tmp_path: Path) -> None:
    clean = subprocess.run(["pyright", str(CLIENT)], capture_output=True, text=True,
                           check=False, timeout=600)
    assert clean.returncode == 0, clean.stdout
    bad = tmp_path / "bad_client.py"
    bad.write_text("from plexodose import Patient, azathioprine, ivig, plan\n\n" + "".join(
        f"r{n} = {code}\n" for n, code in enumerate(BAD.values())))
    done = subprocess.run(["pyright", str(bad)], capture_output=True, text=True, check=False,
                          timeout=600)
    flagged = {int(line.split(":")[1]) for line in done.stdout.splitlines()
               if "bad_client.py:" in line and "error" in line}
    assert flagged == {n + 3 for n in range(len(BAD))}, done.stdout
