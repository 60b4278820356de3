"""``plexodose completion {bash,zsh}``: the shell completion script, printed from the package.

The scripts are generated with shtab from the live parser and shipped as package data
(``cli/completion/plexodose.bash`` and ``cli/completion/_plexodose``), so completion needs no
runtime dependency: shtab is only in the ``test`` extra, and a test regenerates the scripts and
compares them with the shipped ones. After changing an option, regenerate them with::

    python -m plexodose.cli._completion

Install (bash): ``plexodose completion bash > ~/.local/share/bash-completion/completions/plexodose``;
(zsh): ``plexodose completion zsh > "${fpath[1]}/_plexodose"``, then start a new shell.
"""

from __future__ import annotations

import argparse
import pathlib
from importlib import resources
from typing import Any

SHELLS = {"bash": "plexodose.bash", "zsh": "_plexodose"}  # shell -> the shipped file's name
FOLDER = "completion"


def arguments(sub: argparse.ArgumentParser) -> None:
    """The ``completion`` subcommand's one argument: the shell."""
    sub.add_argument("shell", choices=tuple(SHELLS), help="the shell to complete for")
    sub.epilog = ("Install for bash:\n"
                  "  plexodose completion bash > ~/.local/share/bash-completion/completions/plexodose\n"
                  "or for zsh:\n"
                  '  plexodose completion zsh > "${fpath[1]}/_plexodose"\n'
                  "then open a new shell.")


def shipped(shell: str) -> str:
    """The completion script for ``shell`` as shipped in the package."""
    return resources.files("plexodose.cli").joinpath(FOLDER, SHELLS[shell]).read_text("utf-8")


def run(args: argparse.Namespace) -> Any:
    from plexodose.cli import Printed

    return Printed(shipped(args.shell))


def generate(shell: str) -> str:
    """The script for ``shell`` generated now from the live parser (needs shtab: the test
    extra)."""
    import shtab

    from plexodose.cli import PROG, build_parser

    text: str = shtab.complete(build_parser(), shell=shell, root_prefix=PROG)
    return text if text.endswith("\n") else text + "\n"


def write(folder: pathlib.Path | None = None) -> list[pathlib.Path]:
    """Regenerate every shipped script (in the source tree, by default); the files written."""
    where = folder or pathlib.Path(__file__).with_name(FOLDER)
    where.mkdir(exist_ok=True)
    written = []
    for shell, name in SHELLS.items():
        target = where / name
        target.write_text(generate(shell), encoding="utf-8", newline="\n")
        written.append(target)
    return written


if __name__ == "__main__":  # python -m plexodose.cli._completion
    for path in write():
        print(f"wrote {path}")
