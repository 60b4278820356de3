"""One option name per choice across commands, and every spelling of a drug in every place the
command line takes one (issue 21, the shell user)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from plexodose import cli

ON = ["--on", "2027-01-04"]
ADULT = ["--weight", "72 kg", "--height", "175 cm", "--sex", "male", "--age", "45",
         "--creatinine", "0.9 mg/dL"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def parsers(parser: argparse.ArgumentParser, path: str = "plexodose"
            ) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every (sub)command's parser, once each, with its command line."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in dict(action.choices).items():
                yield from parsers(sub, f"{path} {name}")


def option_actions() -> Iterator[tuple[str, argparse.Action]]:
    for path, parser in parsers(cli.build_parser()):
        for action in parser._actions:
            if action.option_strings:
                yield path, action


# 1. One name per choice.

def test_every_alias_follows_its_canonical_name_and_is_never_an_option_s_first_name() -> None:
    seen = {alias: 0 for aliases in cli.ALIASES.values() for alias in aliases}
    for path, action in option_actions():
        first, *others = action.option_strings
        assert first not in seen, f"{path}: {first} is an alias; its option is {cli.canonical(first)}"
        for alias in others:
            if alias in seen:
                assert first == cli.canonical(alias), (path, action.option_strings)
                seen[alias] += 1
    assert all(seen.values()), seen  # each alias is in use somewhere (else drop it)


def test_no_option_name_means_two_things_in_two_commands() -> None:
    # a flag's destination is the same wherever the flag is used, except where the library's
    # keyword differs (dose ivig's product=, plan's ivig_product=): the audit lists them
    dests: dict[str, set[str]] = {}
    for _, action in option_actions():
        dests.setdefault(action.option_strings[0], set()).add(action.dest)
    several = {flag: names for flag, names in dests.items() if len(names) > 1}
    assert several == {"--product": {"product", "ivig_product"},
                       "--doses-per-day": {"doses_per_day", "times_per_day"},
                       "--override": {"override", "reason"}}


@pytest.mark.parametrize("command", [["plan", "--help"], ["screen", "--help"],
                                     ["dose", "ivig", "--help"]])
def test_help_shows_the_canonical_product_option_first(command: list[str]) -> None:
    status, out, _ = run(*command)
    assert status == 0
    assert "--product NAME, --ivig-product NAME" in out


def test_plan_takes_product_and_its_old_name_ivig_product_alike() -> None:
    base = ["plan", "--weight", "82 kg", "--start", "2026-12-01", "--json"]
    new, old = run(*base, "--product", "privigen"), run(*base, "--ivig-product", "privigen")
    assert new == old and new[0] == 0
    first = json.loads(new[1])["events"][0]
    # 0.4 g/kg x 82 kg = 32.8 g, rounded to the 5 g step: 35 g = 350 mL of a 10 % product
    assert first["dose"] == {"unit": "g", "value": 35.0}
    assert "350 mL of Privigen 10 %" in first["description"]


def test_dose_ivig_takes_the_plan_s_old_name_too() -> None:
    base = ["dose", "ivig", "--weight", "82 kg", "--json"]
    assert run(*base, "--ivig-product", "privigen") == run(*base, "--product", "privigen")


def screen_json(*argv: str) -> tuple[int, dict[str, Any]]:
    status, out, err = run("screen", *argv, *ADULT, *ON, "--json")
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    return status, data


def test_screen_takes_doses_per_day_as_dose_does_and_times_per_day_still() -> None:
    # 2 x 1 g = 2 g a day of mycophenolate: within 1-3 g/day (status 0)
    order = ["--drug", "mycophenolate", "--dose", "1 g"]
    new = screen_json(*order, "--doses-per-day", "2")
    assert new == screen_json(*order, "--times-per-day", "2")
    assert new[0] == 0 and new[1]["order"]["times_per_day"] == 2


def test_screen_takes_override_as_dose_and_review_do_and_reason_still() -> None:
    # 2 x 100 mg = 200 mg/day azathioprine: above the 150 mg/day absolute limit (the example in
    # cli/_screen.py), 12 with a reason or without; the reason is kept either way
    order = ["--drug", "azathioprine", "--dose", "100 mg", "--doses-per-day", "2"]
    new = screen_json(*order, "--override", "the neurologist asked")
    assert new == screen_json(*order, "--reason", "the neurologist asked")
    assert new[0] == 12 and new[1]["order"]["reason"] == "the neurologist asked"


def test_a_refusal_names_the_canonical_option() -> None:
    status, out, err = run("screen", "--drug", "ivig", "--dose", "1 g/kg", "--times-per-day",
                           "0", *ADULT, *ON)
    assert (status, out) == (cli.REFUSED, "")
    assert "(option --doses-per-day)" in err


def test_plan_advice_names_the_canonical_option() -> None:
    assert cli.plan_words("round it (plan(..., ivig_product='privigen'))") == (
        "round it (--product privigen)")


# 2. Drug spellings.

CYCLOPHOSPHAMIDE_ORAL = ("cyclophosphamide-oral", "cyclophosphamide_oral", "cyclophosphamide oral",
                         "Cyclophosphamide (oral)")
CICLOSPORIN = ("ciclosporin", "cyclosporin", "cyclosporine")


@pytest.mark.parametrize("spellings", [CYCLOPHOSPHAMIDE_ORAL, CICLOSPORIN])
def test_dose_reads_every_spelling_of_a_drug(spellings: tuple[str, ...]) -> None:
    answers = {run("dose", drug, "--weight", "72 kg", "--json") for drug in spellings}
    assert len(answers) == 1
    status, out, _ = answers.pop()
    assert status == 0 and json.loads(out)["drug"] in ("cyclophosphamide (oral)", "ciclosporin")


def test_dose_s_oral_cyclophosphamide_is_2_mg_per_kg() -> None:
    status, out, _ = run("dose", "cyclophosphamide oral", "--weight", "72 kg", "--json")
    # 2 mg/kg/day x 72 kg = 144 mg/day calculated
    assert status == 0 and json.loads(out)["calculated"]["daily_dose"]["value"] == 144.0


@pytest.mark.parametrize("spellings", [CYCLOPHOSPHAMIDE_ORAL, CICLOSPORIN])
def test_review_reads_every_spelling_of_a_drug(spellings: tuple[str, ...]) -> None:
    answers = {run("review", drug, "--wbc", "3.1 x10^9/L", "--date", "2027-01-16", "--on",
                   "2027-01-16", "--json") for drug in spellings}
    assert len(answers) == 1 and answers.pop()[0] == 0


@pytest.mark.parametrize(("option", "spellings"), [
    ("--second-agent", CYCLOPHOSPHAMIDE_ORAL), ("--refractory-agent", CICLOSPORIN)])
def test_plan_reads_every_spelling_of_its_agents(option: str, spellings: tuple[str, ...]) -> None:
    answers = {run("plan", "--weight", "72 kg", "--start", "2026-12-01", option, drug, "--json")
               for drug in spellings}
    assert len(answers) == 1 and answers.pop()[0] == 0


def test_screen_reads_every_spelling_of_a_drug() -> None:
    texts = {json.dumps(screen_json("--drug", drug, "--dose", "100 mg", "--doses-per-day", "1"),
                        sort_keys=True) for drug in CYCLOPHOSPHAMIDE_ORAL}
    assert len(texts) == 1


@pytest.mark.parametrize("command", [["dose", "--help"], ["review", "--help"],
                                     ["screen", "--help"], ["plan", "--help"]])
def test_help_shows_one_spelling_of_each_drug(command: list[str]) -> None:
    status, out, _ = run(*command)
    words = out.replace(",", " ").replace("{", " ").replace("}", " ").split()
    assert status == 0
    assert "cyclosporin" not in words and "cyclophosphamide_oral" not in words
    assert words.count("ciclosporin") <= 2  # a choice list, and a subcommand's own help line


def test_a_word_that_names_no_drug_is_a_usage_error_listing_the_drugs() -> None:
    status, out, err = run("dose", "aspirin", "--weight", "72 kg")
    assert (status, out) == (cli.USAGE_ERROR, "")
    assert "invalid choice: 'aspirin'" in err and "'cyclophosphamide-oral'" in err
    assert "cyclosporin" not in err
