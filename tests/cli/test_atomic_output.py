"""Issue 19, class 9 (files): ``--output`` replaces the file whole or leaves it alone, and text
the terminal cannot encode is escaped, never an internal error."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plexodose import cli

EXAMPLE = ["--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "60",
           "--creatinine", "1 mg/dL", "--tpmt", "normal", "--nudt15", "normal"]
PLAN = ["plan", *EXAMPLE, "--start", "2026-12-01", "--months", "2"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def test_output_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (disk full) must not truncate the previous plan."""
    target = tmp_path / "plan.txt"
    target.write_text("the previous plan\n", encoding="utf-8")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    status, out, err = run(*PLAN, "--output", str(target))
    assert status == cli.USAGE_ERROR and out == ""
    assert err.startswith("plexodose: error: cannot write") and "No space left" in err
    assert target.read_text(encoding="utf-8") == "the previous plan\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.txt"]  # no temporary left


def test_output_failed_replace_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan.csv"
    target.write_text("old,rows\n", encoding="utf-8")

    def refused(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    status, _, err = run(*PLAN, "--format", "csv", "--output", str(target))
    assert status == cli.USAGE_ERROR and "Permission denied" in err
    assert target.read_text(encoding="utf-8") == "old,rows\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.csv"]


def test_output_success_replaces_the_file_with_the_whole_plan(tmp_path: Path) -> None:
    target = tmp_path / "plan.txt"
    target.write_text("x" * 100_000, encoding="utf-8")  # longer than the new plan
    os.chmod(target, 0o640)
    status, out, _ = run(*PLAN, "--output", str(target))
    assert (status, out) == (0, "")
    expected = run(*PLAN)[1]
    assert target.read_text(encoding="utf-8") == expected and "x" * 10 not in expected
    assert os.stat(target).st_mode & 0o777 == 0o640  # the old file's permissions kept
    assert [p.name for p in tmp_path.iterdir()] == ["plan.txt"]


def test_output_text_utf8_cannot_hold_is_written_escaped(tmp_path: Path) -> None:
    """A command-line byte that is not UTF-8 arrives as a lone surrogate; writing it used to
    stop half-way (internal error, the file truncated)."""
    target = tmp_path / "plan.txt"
    target.write_text("old", encoding="utf-8")
    cli._write_file(str(target), "reason: a\udcffb\n")
    assert target.read_text(encoding="utf-8") == "reason: a\\udcffb\n"


def _ascii_run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PLEXODOSE_TRACEBACK": ""}
    return subprocess.run([sys.executable, "-m", "plexodose", *argv], capture_output=True,
                          text=True, encoding="ascii", errors="strict", env=env, check=False,
                          timeout=120)


def test_non_ascii_reason_on_ascii_stdout_is_escaped_not_an_internal_error() -> None:
    done = _ascii_run("dose", "azathioprine", "--weight", "72 kg", "--age", "40",
                      "--mg-per-kg-day", "3", "--override", "vu par le neurologue \u2014 \u00e9t\u00e9")
    assert done.returncode == 0, done.stderr
    assert "override: vu par le neurologue \\u2014 \\xe9t\\xe9" in done.stdout
    assert done.stderr == ""


def test_non_ascii_refusal_on_ascii_stderr_is_one_clean_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    err = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr(sys, "stderr", err)
    assert cli._refuse("reason \u00e9t\u00e9 refused", cli.REFUSED) == cli.REFUSED
    err.flush()
    assert err.buffer.getvalue() == b"plexodose: error: reason \\xe9t\\xe9 refused\n"
