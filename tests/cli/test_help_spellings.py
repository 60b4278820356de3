"""--help spells each kind of value one way on every command (issue 21), and its examples are
one line each, copied whole: a command split over two lines would run half of it."""

from __future__ import annotations

import argparse
import contextlib
import io
import shlex
from collections.abc import Iterator

import pytest

from plexodose import cli


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _parsers(sub)


def _metavars() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for parser in _parsers(cli.build_parser()):
        for action in parser._actions:
            if action.option_strings and action.nargs != 0:
                shown = action.metavar if isinstance(action.metavar, str) else "{choices}"
                for flag in action.option_strings:
                    seen.setdefault(flag, set()).add(shown)
    return seen


def test_each_option_has_one_metavar_on_every_command() -> None:
    split = {flag: names for flag, names in _metavars().items() if len(names) > 1}
    assert split == {}


@pytest.mark.parametrize(("flag", "metavar"), [
    ("--weight", "VALUE"), ("--height", "VALUE"), ("--creatinine", "VALUE"),
    ("--baseline-creatinine", "VALUE"), ("--age", "YEARS"), ("--sex", "SEX"),
    ("--tpmt", "PHENOTYPE"), ("--nudt15", "PHENOTYPE"), ("--second-agent", "DRUG"),
    ("--refractory-agent", "DRUG"), ("--drug", "DRUG"), ("--bsa-cap", "VALUE"),
    ("--current-dose", "AMOUNT"), ("--dose", "AMOUNT"), ("--prior-cyclophosphamide", "AMOUNT"),
    ("--reductions", "N"), ("--months", "N"), ("--weight-basis", "BASIS"),
    ("--crcl-weight", "BASIS"),
])
def test_the_words_for_each_kind_of_value(flag: str, metavar: str) -> None:
    assert _metavars()[flag] == {metavar}


def _help(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main([*argv, "--help"]) == cli.DONE
    return out.getvalue()


def test_the_example_is_one_line_that_runs_as_copied() -> None:
    text = _help()
    lines = text.splitlines()
    example = lines[lines.index("Example (copy it whole):") + 1].strip()
    assert example == 'plexodose dose ivig --weight "82 kg" --height "170 cm" --sex female'
    words = shlex.split(example)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(words[1:]) == cli.DONE
    # 0.4 g/kg/day x 82 kg = 32.8 g; BMI 82 / 1.7^2 = 28.4, not above 30: actual weight
    assert "\nIVIg: 32.8 g daily for 5 days" in out.getvalue()


def test_the_completion_install_lines_are_whole_commands() -> None:
    lines = [line.strip() for line in _help("completion").splitlines()]
    assert "plexodose completion bash > ~/.local/share/bash-completion/completions/plexodose" \
        in lines
    assert 'plexodose completion zsh > "${fpath[1]}/_plexodose"' in lines


def test_the_height_example_is_not_read_as_feet_and_inches() -> None:
    # "5.6 ft" is 170.7 cm, not 5 ft 6 in: the help shows the compound form people type
    assert '"5 ft 7 in"' in _help("plan") and "5.6 ft" not in _help("plan")
