"""Shell completion: the shipped bash and zsh scripts are what shtab makes of the live parser
today (so they never go stale), ``plexodose completion`` prints them without shtab, and bash
completes with them."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from plexodose.cli import _completion as completion
from plexodose.cli import main

FOLDER = Path(completion.__file__).with_name(completion.FOLDER)


@pytest.mark.parametrize("shell", sorted(completion.SHELLS))
def test_the_shipped_script_is_the_one_shtab_makes_of_the_live_parser(shell: str) -> None:
    shipped = (FOLDER / completion.SHELLS[shell]).read_text(encoding="utf-8")
    assert shipped == completion.generate(shell), (
        "the completion scripts are stale: run python -m plexodose.cli._completion")


@pytest.mark.parametrize("shell", sorted(completion.SHELLS))
def test_the_command_prints_the_shipped_script(shell: str) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["completion", shell]) == 0
    assert out.getvalue() == (FOLDER / completion.SHELLS[shell]).read_text(encoding="utf-8")
    assert "plexodose" in out.getvalue() and "--weight" in out.getvalue()


def test_the_command_needs_no_shtab_at_run_time() -> None:
    code = ("import sys; sys.modules['shtab'] = None\nfrom plexodose.cli import main\n"
            "sys.exit(main(['completion', 'zsh']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("#compdef plexodose")


def test_an_unknown_shell_is_a_usage_error() -> None:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["completion", "fish"]) == 2
    assert "invalid choice: 'fish'" in err.getvalue()


def test_the_regeneration_writes_both_files(tmp_path: Path) -> None:
    written = completion.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(completion.SHELLS.values())
    for path in written:
        assert path.read_bytes() == (FOLDER / path.name).read_bytes()


def bash_complete(*words: str) -> list[str]:
    script = FOLDER / completion.SHELLS["bash"]
    line = " ".join(words)
    code = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; '
            f'COMP_LINE="{line}"; COMP_POINT=${{#COMP_LINE}}; _shtab_plexodose; '
            'printf "%s\\n" "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "--norc", "-c", code], capture_output=True, text=True,
                          check=True, timeout=60, env={**os.environ, "LC_ALL": "C"})
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash on this machine")
def test_bash_completes_drugs_and_options() -> None:
    assert bash_complete("plexodose", "dose", "cyclo") == ["cyclophosphamide-oral",
                                                           "cyclophosphamide-iv"]
    assert bash_complete("plexodose", "plan", "--ivig") == ["--ivig-product"]
    assert bash_complete("plexodose", "completion", "") == ["bash", "zsh"]
    assert "--doses-per-day" in bash_complete("plexodose", "screen", "--d")
