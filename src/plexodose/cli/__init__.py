"""The ``plexodose`` command line: one dose, a treatment plan, or the demo, from a shell.

Exit status (distinct, so that a script can tell them apart):

* 0 (``DONE``): the answer is on standard output (or in ``--output FILE``).
* 2 (``USAGE_ERROR``): the command cannot run as typed: an unknown option, a malformed value, a
  file that cannot be written, a format whose optional extra is not installed.
* 3 (``REFUSED``): a clinical refusal: plexodose would not compute this dose (a
  :class:`~plexodose.PlexodoseError`: wrong unit, implausible value, outside the protocol).
* 1 (``INTERNAL_ERROR``): a bug in plexodose; please report it.
* 141 (``CLOSED_PIPE``): the reader closed the pipe early (``| head -1``), the shell's
  convention for SIGPIPE; nothing is printed on stderr.
* 10-13: ``screen``'s verdict, with the whole answer on stdout (``cli/_screen.py``: 10 below,
  11 above the range, 12 above an absolute limit, 13 not screened; 0 within).

A refusal or error is one line on stderr with nothing on stdout, so what a script reads on
stdout is a whole answer. Options whose name states their unit (``--g-per-kg-day``) take plain
numbers; patient quantities take a unit (``--weight "82 kg"``) and are read by the library,
which refuses a bare number. ``--help`` and ``--version`` load neither pint nor the
calculators.

>>> main(["dose", "azathioprine", "--weight", "72 kg", "--age", "40"])  # 2 mg/kg x 72 kg
Patient(weight='72 kg', age=40)
azathioprine: 150 mg daily; calculated 144 mg
...
0
>>> main(["dose", "ivig", "--weight", "72 kg", "--json"])  # 0.4 g/kg/day x 72 kg; no age
{
  "alerts": [
    {
      "code": "ivig.renal_risk.unknown",
      "severity": "high",
  ...
0
>>> main(["dose", "ivig", "--weight", "82"])  # a usage error: one line on stderr, status 2
2
>>> main(["dose", "ivig", "--weight", "900 kg"])  # a clinical refusal: status 3
3
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import attrs

from plexodose._core import vocab

PROG = "plexodose"
DONE = 0
INTERNAL_ERROR = 1  # a bug in plexodose; reported in one line, never as a traceback
USAGE_ERROR = 2  # the command line itself: argparse, an unwritable file, a missing extra
REFUSED = 3  # a clinical refusal: any PlexodoseError
CLOSED_PIPE = 141  # 128 + SIGPIPE: the reader left (``| head``); quiet
EXIT_CODES = {
    DONE: "done",
    USAGE_ERROR: "usage error (bad option or value, unwritable file, missing extra)",
    REFUSED: "clinical refusal (the library would not compute this dose)",
    INTERNAL_ERROR: "internal error (a bug in plexodose)",
    CLOSED_PIPE: "the reader closed the pipe",
}
FORMATS = ("text", "csv", "ics", "fhir", "json")


class CliError(Exception):
    """A command-line problem that is not the library's (a file that cannot be written)."""


class _Formatter(argparse.HelpFormatter):
    """argparse's wrapping, except that a line of a description or epilog indented by two
    spaces is kept as it is: an example command stays on one line, to be copied whole."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines: list[str] = []
        for line in text.splitlines():
            if line.startswith("  "):
                lines.append(indent + line)
            elif line.strip():
                lines.append(super()._fill_text(line, width, indent))
            else:
                lines.append("")
        return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """argparse with its error on one line (usage is one ``--help`` away); under ``--json``
    the line is a JSON object (see :func:`_refuse`)."""

    json_errors = False  # set by main() for the run when --json is on the command line

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        text = f"{one_line(message)}{_did_you_mean(message)} (see '{self.prog} --help')"
        if _Parser.json_errors:
            self.exit(USAGE_ERROR, _error_json(text, USAGE_ERROR, "usage"))
        self.exit(USAGE_ERROR, f"{self.prog}: error: {text}\n")


def _did_you_mean(message: str) -> str:
    """For an option plexodose does not have, the nearest ones it does ("--serum-creatinine":
    did you mean --creatinine?)."""
    if not message.startswith("unrecognized arguments:"):
        return ""
    import difflib

    known = sorted(_known_flags())
    hints = []
    for word in message.split(":", 1)[1].split():
        flag = word.split("=")[0]
        if not word.startswith("--"):
            continue
        if flag in known:  # an option of another command
            hints.append(f"{flag} belongs to another command")
        close = [c for c in difflib.get_close_matches(flag, known, n=3, cutoff=0.6) if c != flag]
        if close:
            hints.append(f"{flag}: did you mean {' or '.join(close[:2])}?")
    return f"; {'; '.join(hints)}" if hints else ""


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, made one space.

    >>> one_line("weight must be\\n  a mass")
    'weight must be a mass'
    """
    return " ".join(text.split())


# Option types: argparse calls these on the typed text; ArgumentTypeError becomes a usage error.

def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _quantity(example: str) -> Callable[[str], str]:
    """A quantity stays text for the library to read; a bare number is refused here already."""

    def parse(text: str) -> str:
        try:
            float(text)
        except ValueError:
            return text
        raise argparse.ArgumentTypeError(
            f"needs a unit, such as {example}; got the bare number {text.strip()}")

    return parse


def _age(text: str) -> float | str:
    """Age is a plain number of years, or a time quantity such as "720 month"."""
    try:
        return float(text)
    except ValueError:
        return text


def _agent(text: str) -> str:
    """An agent in any spelling of the drug ("cyclophosphamide-iv", "cyclophosphamide iv",
    "cyclosporin"): the library's key; a word that names no drug goes on for the library to
    refuse with its choices."""
    key = vocab.drug_key(text)
    return key if key is not None else text.replace("-", "_")


def drug_command(text: str) -> str:
    """A drug as ``dose`` and ``review`` name their subcommands (the key with "-"), from any
    spelling ``vocab.drug_key`` reads; other text unchanged (argparse refuses it).

    >>> drug_command("cyclophosphamide_oral"), drug_command("cyclophosphamide oral")
    ('cyclophosphamide-oral', 'cyclophosphamide-oral')
    >>> drug_command("cyclosporin"), drug_command("aspirin")
    ('ciclosporin', 'aspirin')
    """
    key = vocab.drug_key(text)
    return text if key is None else key.replace("_", "-")


class _DrugNames(dict[str, Any]):
    """The ``dose`` subcommands by name: a lookup reads every spelling of a drug, while help
    and completion list one name each (the dict's own keys)."""

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or (
            isinstance(name, str) and dict.__contains__(self, drug_command(name)))

    def __missing__(self, name: str) -> Any:
        canonical = drug_command(name)
        if canonical == name or not dict.__contains__(self, canonical):
            raise KeyError(name)
        return self[canonical]


class _DrugCommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """``dose``'s subcommands: ``cyclophosphamide_oral``, ``"cyclophosphamide oral"`` and
    ``cyclosporin`` run ``cyclophosphamide-oral`` and ``ciclosporin``; help shows one name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_parser_map = self.choices = _DrugNames()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date in the form 2026-12-01: {text!r}") from None


def _stamp(text: str) -> dt.datetime:
    """An ISO date-time; without a zone it is read as UTC (the calendar's DTSTAMP is UTC)."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date-time in the form 2026-12-01T09:00:00Z: {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _width(text: str) -> int:
    columns = _integer(text)
    if columns != 0 and columns < 40:
        raise argparse.ArgumentTypeError(f"at least 40 columns, or 0 for no wrapping: {text}")
    return columns


# One option name per choice across commands: the canonical name first (help shows it first),
# then the spellings that name the same thing elsewhere and keep working as aliases.
ALIASES: dict[str, tuple[str, ...]] = {
    "--product": ("--ivig-product",),  # the IVIg product: dose ivig, plan, screen
    "--doses-per-day": ("--times-per-day",),  # administrations a day: dose, screen
    "--override": ("--reason",),  # the stated reason for going beyond the range: dose, review, screen
}


def option_strings(flag: str) -> tuple[str, ...]:
    """``flag`` and its aliases, canonical first.

    >>> option_strings("--product"), option_strings("--weight")
    (('--product', '--ivig-product'), ('--weight',))
    """
    return (flag, *ALIASES.get(flag, ()))


@attrs.frozen
class Opt:
    """One calculator keyword argument exposed as an option."""

    flag: str
    kind: str  # "number", "integer", "text", "quantity", "age", "agent" or "switch"
    help: str
    example: str = ""  # shown as typed, quotes included: '"82 kg"'
    default: str = ""  # the library's default, as --help shows it (tests compare the two)
    keyword: str = ""  # the library's keyword, where it is not the flag's words
    metavar: str = ""  # what --help calls the value, where the kind does not say it

    @property
    def dest(self) -> str:
        return self.keyword or self.flag[2:].replace("-", "_")


@attrs.frozen
class Calculator:
    """A ``dose`` subcommand: the library function ("module:name", loaded when run) and its options."""

    name: str
    function: str
    help: str
    options: tuple[Opt, ...]


# The library's choices, from its vocabulary: --help imports neither pint nor the calculators.
SEXES, PHENOTYPES = vocab.SEXES, vocab.PHENOTYPES
WEIGHT_BASES, AUTO_RULES, CRCL_WEIGHTS = vocab.WEIGHT_BASES, vocab.AUTO_RULES, vocab.CRCL_WEIGHTS
BSA_FORMULAS, IVIG_PRODUCTS = vocab.BSA_FORMULA_NAMES, vocab.IVIG_PRODUCTS
SECOND_AGENTS = tuple(agent.replace("_", "-") for agent in vocab.SECOND_AGENTS)  # as typed
REFRACTORY_AGENTS = tuple(dict.fromkeys(drug_command(a) for a in vocab.REFRACTORY_AGENTS))


def _one_of(names: Sequence[str]) -> str:
    return "one of " + ", ".join(names)


OVERRIDE = Opt("--override", "text",
               "the reason for a regimen outside the protocol (never lifts a hard cap)")


def _mg_per_kg_day(default: str) -> Opt:
    return Opt("--mg-per-kg-day", "number", "dose in mg per kg per day", default=default)


def calculators() -> tuple[Calculator, ...]:
    """The ``dose`` subcommands, one per calculator."""
    return (
        Calculator("ivig", "plexodose._drugs.ivig:ivig", "intravenous immunoglobulin course", (
            Opt("--g-per-kg-day", "number", "dose in g per kg per day", default="0.4"),
            Opt("--days", "integer", "days in the course", default="5"),
            Opt("--weight-basis", "text", _one_of(WEIGHT_BASES), default="auto",
                metavar="BASIS"),
            Opt("--auto-rule", "text", "obesity rule for --weight-basis auto: "
                + _one_of(AUTO_RULES), default="bmi_over_30", metavar="RULE"),
            Opt("--product", "text", "IVIg product to round to its vials: "
                + ", ".join(IVIG_PRODUCTS) + " (or a prefix such as privigen)"),
            Opt("--round-to-g", "number", "rounding step in g when a product is given",
                default="5"),
            Opt("--max-g-per-kg-day", "number", "daily ceiling in g/kg (raising it needs "
                "--override)", default="1"),
            OVERRIDE)),
        Calculator("azathioprine", "plexodose._drugs.azathioprine:azathioprine", "azathioprine daily dose", (
            _mg_per_kg_day("2"),
            Opt("--doses-per-day", "integer", "1 or 2", default="1"),
            Opt("--genotype-fraction", "number", "start fraction for a reduced TPMT/NUDT15 "
                "metabolizer, within the CPIC range"),
            Opt("--allopurinol", "switch", "the patient takes allopurinol"),
            Opt("--crcl-weight", "text", "Cockcroft-Gault weight for the renal rule: "
                + _one_of(CRCL_WEIGHTS), default="auto", metavar="BASIS"),
            OVERRIDE)),
        Calculator("cyclophosphamide-oral", "plexodose._drugs.cyclophosphamide:cyclophosphamide_oral",
                   "oral cyclophosphamide daily dose", (_mg_per_kg_day("2"), OVERRIDE)),
        Calculator("cyclophosphamide-iv", "plexodose._drugs.cyclophosphamide:cyclophosphamide_iv",
                   "IV cyclophosphamide pulse (BSA-based)", (
            Opt("--g-per-m2", "number", "pulse in g per m2 of body surface", default="0.75"),
            Opt("--interval-weeks", "number", "weeks between pulses", default="4"),
            Opt("--bsa-formula", "text", _one_of(BSA_FORMULAS), default="mosteller",
                metavar="FORMULA"),
            Opt("--bsa-cap", "quantity", "cap on the body surface area used", '"2 m**2"'),
            Opt("--age-renal-reduction", "switch", "apply the EULAR/CYCLOPS age and "
                "creatinine reduction"),
            OVERRIDE)),
        Calculator("ciclosporin", "plexodose._drugs.ciclosporin:ciclosporin", "ciclosporin daily dose, in two doses", (
            _mg_per_kg_day("5"),
            Opt("--creatinine-rise-threshold", "number", "fractional creatinine rise above "
                "baseline that triggers a reduction", default="0.25"),
            Opt("--creatinine-rise-reduction", "number", "fraction the dose is cut by then",
                default="0.5"),
            OVERRIDE)),  # "cyclosporin" and other spellings: _DrugNames
        Calculator("mycophenolate", "plexodose._drugs.mycophenolate:mycophenolate", "mycophenolate mofetil dose", (
            Opt("--mg-per-dose", "number", "mg in each dose", default="1000"),
            Opt("--doses-per-day", "integer", "doses a day", default="2"),
            OVERRIDE)),
    )


PATIENT_OPTIONS = (
    Opt("--weight", "quantity", "body weight (required)", '"82 kg" or "180 lb"'),
    Opt("--height", "quantity", "height", '"170 cm" or "5 ft 7 in"'),
    Opt("--sex", "text", _one_of(SEXES)),
    Opt("--age", "age", 'age in years (or a time, such as "720 month")'),
    Opt("--creatinine", "quantity", "serum creatinine", '"80 umol/L" or "0.9 mg/dL"'),
    Opt("--baseline-creatinine", "quantity", "baseline serum creatinine (ciclosporin)",
        '"80 umol/L" or "0.9 mg/dL"'),
    Opt("--tpmt", "text", "TPMT phenotype: " + _one_of(PHENOTYPES), metavar="PHENOTYPE"),
    Opt("--nudt15", "text", "NUDT15 phenotype: " + _one_of(PHENOTYPES), metavar="PHENOTYPE"),
    Opt("--minor-override", "text", "the reason for dosing a patient under 18 by adult "
        "protocols"),
)
PLAN_OPTIONS = (
    Opt("--second-agent", "agent", "drug when IVIg is not enough: " + _one_of(SECOND_AGENTS),
        default="azathioprine", metavar="DRUG"),
    Opt("--refractory-agent", "agent", "drug for refractory disease: "
        + _one_of(REFRACTORY_AGENTS), default="ciclosporin", metavar="DRUG"),
    Opt("--months", "integer", "months to lay out", default="12"),
    Opt("--product", "text", "IVIg product to round the doses to: "
        + ", ".join(IVIG_PRODUCTS), keyword="ivig_product"),
)
PATIENT_FIELDS = {"creatinine": "serum_creatinine"}  # option dest -> Patient field
FIELD_FLAGS = {  # library field -> option, where they differ
    "serum_creatinine": "--creatinine", "ivig_product": "--product"}


def _add(parser: Any, opt: Opt, default: Any = argparse.SUPPRESS,
         required: bool | None = None) -> None:
    """Add ``opt``; unset options are left out so that the library's defaults apply.
    ``required``: None makes ``--weight`` required (``screen --fhir`` reads the patient too)."""
    flags = option_strings(opt.flag)
    if opt.kind == "switch":
        parser.add_argument(*flags, dest=opt.dest, action="store_true", default=default,
                            help=opt.help.replace("%", "%%"))
        return
    types: dict[str, Callable[[str], Any]] = {
        "number": _number, "integer": _integer, "text": str, "age": _age, "agent": _agent,
        "quantity": _quantity(opt.example)}
    # One word per kind of value on every command: N, YEARS, VALUE (a quantity with its unit)
    metavar = opt.metavar or {"number": "N", "integer": "N", "age": "YEARS",
                              "quantity": "VALUE"}.get(opt.kind, opt.dest.upper())
    if opt.dest.endswith("override"):
        metavar = "REASON"
    elif opt.dest.endswith("product"):
        metavar = "NAME"
    text = opt.help + (f", such as {opt.example}" if opt.example else "")
    text += f" (default {opt.default})" if opt.default else ""
    text = text.replace("%", "%%")  # argparse %-formats help ("Privigen 10 %")
    parser.add_argument(*flags, dest=opt.dest, type=types[opt.kind], default=default,
                        metavar=metavar,
                        help=text, required=opt.flag == "--weight" if required is None
                        else required)


# Subcommands: a name, its options and the function that runs it. Another module adds one with
# a single ``register(...)`` line below; "module:function" names load only when needed.

@attrs.frozen
class Command:
    """A subcommand: ``arguments(parser, patient)`` adds its options; ``run(args)`` returns a
    result, a schedule or text, which the CLI prints (as JSON with ``--json``)."""

    name: str
    help: str
    arguments: str | Callable[[argparse.ArgumentParser], None]
    run: str | Callable[[argparse.Namespace], Any]
    patient: bool = True  # takes the patient options (--weight, ...)


COMMANDS: dict[str, Command] = {}


def register(name: str, help: str, arguments: str | Callable[..., None],
             run: str | Callable[..., Any], *, patient: bool = True) -> None:
    """Add a subcommand; ``arguments`` and ``run`` are callables or "module:function" names.

    One line per command, below, e.g. ``register("review", "a monitoring review",
    "plexodose.cli._review:arguments", "plexodose.cli._review:run")``. ``arguments`` is
    loaded whenever the parser is built (``--help`` included), so its module should not import
    pint or the calculators at its top; ``run`` is loaded only when the command runs. ``run``
    returns a result, a schedule or text; the CLI prints it, or ``json_data`` of it with
    ``--json``, and maps a PlexodoseError to exit status 3.
    """
    COMMANDS[name] = Command(name, help, arguments, run, patient)


def _load(target: str | Callable[..., Any]) -> Callable[..., Any]:
    if not isinstance(target, str):
        return target
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


def _output_options(parser: argparse.ArgumentParser) -> None:
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true",
                     help="print JSON (quantities as {value, unit}) for scripts")
    out.add_argument("--width", type=_width, default=None, metavar="COLUMNS",
                     help="wrap text to COLUMNS (default: the terminal's width on a terminal, "
                     "no wrapping in a pipe; 0: never wrap)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``dose <drug>``, ``plan``, ``demo`` and registered commands."""
    codes = "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items())
    parser = _Parser(prog=PROG, description="Unit-safe, traceable doses for second-line "
                     "immunotherapy of idiopathic plexopathy. Every dose shows its derivation, "
                     "warnings and sources. Decision support for a qualified prescriber: verify "
                     "every dose.",
                     epilog=f"Exit status: {codes}.\n\nExample (copy it whole):\n"
                     '  plexodose dose ivig --weight "82 kg" --height "170 cm" --sex female')
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    patient = _Parser(add_help=False)
    group = patient.add_argument_group("patient")
    for opt in PATIENT_OPTIONS:
        _add(group, opt)
    for command in COMMANDS.values():
        sub = commands.add_parser(command.name, help=command.help,
                                  parents=[patient] if command.patient else [],
                                  description=command.help[:1].upper() + command.help[1:] + ".")
        sub.set_defaults(command_run=command.run)
        _load(command.arguments)(sub)
    return parser


def _version() -> str:
    from plexodose._core.version import __version__  # loads nothing else

    return __version__


def dose_arguments(parser: argparse.ArgumentParser) -> None:
    drugs = parser.add_subparsers(dest="drug", metavar="DRUG", required=True,
                                  action=_DrugCommands)
    for calc in calculators():
        sub = drugs.add_parser(calc.name, parents=[_patient()],
                               help=calc.help, description=calc.help + ".")
        sub.set_defaults(calculator=calc)
        own = sub.add_argument_group(calc.name)
        for opt in calc.options:
            _add(own, opt)
        _output_options(sub)


def _patient() -> argparse.ArgumentParser:
    patient = _Parser(add_help=False)
    group = patient.add_argument_group("patient")
    for opt in PATIENT_OPTIONS:
        _add(group, opt)
    return patient


def plan_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("plan")
    group.add_argument("--start", type=_date, required=True, metavar="DATE",
                       help="first day of the plan, such as 2026-12-01")
    for opt in PLAN_OPTIONS:
        _add(group, opt)
    group.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), csv, ics (iCalendar), fhir (a FHIR R4 Bundle as "
                       "JSON) or json (the rows as JSON, the same as --json)")
    group.add_argument("--stamp", type=_stamp, default=None, metavar="DATETIME",
                       help="the calendar's DTSTAMP for --format ics, such as "
                       "2026-12-01T09:00:00Z, for a reproducible file (default: now, or "
                       "SOURCE_DATE_EPOCH when set)")
    group.add_argument("--subject", metavar="REFERENCE", default=None,
                       help="the patient's FHIR reference, such as Patient/123: ics and fhir ids "
                       "are then the patient's own, stable from run to run (default: random ids)")
    group.add_argument("--namespace", metavar="TEXT", default=None,
                       help="a key of your own for the patient (used for ics and fhir ids when "
                       "there is no FHIR reference)")
    group.add_argument("--output", metavar="FILE", default=None,
                       help="write to FILE instead of standard output")
    _output_options(parser)


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", type=_date, default=None, metavar="DATE",
                        help="first day of the plan, such as 2026-12-01 (default: today)")
    _output_options(parser)


# Commands: each returns what to print, so nothing is printed before a refusal.

def make_patient(args: argparse.Namespace) -> Any:
    from plexodose._patient.patient import Patient

    given = {PATIENT_FIELDS.get(opt.dest, opt.dest): getattr(args, opt.dest)
             for opt in PATIENT_OPTIONS if hasattr(args, opt.dest)}
    return Patient(**given)


def run_dose(args: argparse.Namespace) -> Any:
    calc: Calculator = args.calculator
    patient = make_patient(args)
    given = {opt.dest: getattr(args, opt.dest) for opt in calc.options if hasattr(args, opt.dest)}
    result = _load(calc.function)(patient, **given)
    if args.json:
        return Printed(to_json(json_data(result, patient=patient)))
    return Printed(cli_words(f"{patient!r}\n{result!r}\n"), wrap=True)


def run_plan(args: argparse.Namespace) -> Any:
    from plexodose._schedule.algorithm import plan

    if args.stamp is not None and args.format != "ics":
        raise CliError("--stamp applies to --format ics only")
    patient = make_patient(args)
    given = {opt.dest: getattr(args, opt.dest) for opt in PLAN_OPTIONS if hasattr(args, opt.dest)}
    schedule = plan(patient, start=args.start, **given)
    form = "json" if args.json else args.format
    ids = Ids(None if args.subject is None else {"reference": args.subject}, args.namespace)
    text = render(schedule, form, stamp=args.stamp, ids=ids)
    return Printed(plan_words(text) if form == "text" else text, wrap=form == "text")


_PLAN_CALL = re.compile(r"plan\(\.\.\., (\w+)='([\w.-]+)'\)")


def plan_words(text: str) -> str:
    """A plan's advice to call ``plan(..., name='value')`` written as this command's option.

    >>> plan_words("cyclophosphamide IV (plan(..., refractory_agent='cyclophosphamide_iv'))")
    'cyclophosphamide IV (--refractory-agent cyclophosphamide_iv)'
    """
    known = _known_flags()

    def option(match: re.Match[str]) -> str:
        flag = canonical(FIELD_FLAGS.get(match.group(1), "--" + match.group(1).replace("_", "-")))
        return f"{flag} {match.group(2)}" if flag in known else match.group(0)

    return _PLAN_CALL.sub(option, text)


def canonical(flag: str) -> str:
    """The canonical name of an option that has aliases (``--ivig-product`` -> ``--product``).

    >>> canonical("--times-per-day"), canonical("--weight")
    ('--doses-per-day', '--weight')
    """
    return next((name for name, others in ALIASES.items() if flag in others), flag)


def run_demo(args: argparse.Namespace) -> Any:
    from plexodose._drugs.azathioprine import azathioprine as azathioprine_dose
    from plexodose._drugs.ivig import ivig as ivig_course
    from plexodose._patient.patient import Patient
    from plexodose._schedule.algorithm import plan

    patient = Patient.example()
    start = args.start or dt.date.today()
    ivig, azathioprine = ivig_course(patient), azathioprine_dose(patient)
    schedule = plan(patient, start=start)
    if args.json:
        return Printed(to_json({"patient": json_data(patient), "ivig": json_data(ivig),
                                "azathioprine": json_data(azathioprine),
                                "plan": json_data(schedule)}))
    parts = ["plexodose demo: the built-in example patient", repr(patient), "",
             repr(ivig), "", repr(azathioprine), "",
             f"12-month plan from {start.isoformat()}:", schedule.to_text()]
    return Printed("\n".join(parts).rstrip("\n") + "\n", wrap=True)


def rules_arguments(parser: argparse.ArgumentParser) -> None:
    _output_options(parser)


def run_rules(args: argparse.Namespace) -> Any:
    """Every rule plexodose applies, with its id, evidence tag and source (the docs' rules
    page)."""
    from plexodose._core import registry as _registry

    rules = _registry.registry()
    if args.json:
        return Printed(to_json(json_data(rules)))
    counts = ", ".join(f"{tag} {sum(r.source.tag == tag for r in rules)}"
                       for tag in _registry.TAGS)
    lines = [f"{len(rules)} rules (evidence: {counts})"]
    for heading, group in _registry.by_topic(rules).items():  # by drug or topic, not module
        lines += ["", f"{heading}:"]
        lines += [f"  {r.source.id} [{r.source.tag}] {r.source.rule} "
                  f"(source: {r.source.reference})" for r in group]  # with where to find it
    return Printed("\n".join(lines) + "\n", wrap=True)


register("dose", "one drug's dose, with its derivation", dose_arguments, run_dose,
         patient=False)
register("plan", "a treatment plan laid out on a calendar", plan_arguments, run_plan)
register("demo", "doses and a 12-month plan for the example patient", demo_arguments, run_demo,
         patient=False)
register("rules", "every rule applied, with its id, evidence tag and source", rules_arguments,
         run_rules, patient=False)
register("review", "review one set of results: continue, flag, recalculate, repeat, reduce, withhold or stop",
         "plexodose.cli._review:arguments", "plexodose.cli._review:run", patient=False)
register("serve", "run the CDS Hooks service (needs plexodose[service]; see docs/service.md)",
         "plexodose.service._cli:arguments", "plexodose.service._cli:run", patient=False)
register("feedback", "the CDS Hooks service's feedback as CSV",
         "plexodose.service._cli:feedback_arguments", "plexodose.service._cli:feedback_run",
         patient=False)
register("screen", "screen an order someone else wrote: within, below, above (soft or hard) "
         "or not screened, as the exit status too", "plexodose.cli._screen:arguments",
         "plexodose.cli._screen:run", patient=False)  # its own patient options (--fhir)
register("completion", "print a bash or zsh completion script (see its --help to install it)",
         "plexodose.cli._completion:arguments", "plexodose.cli._completion:run", patient=False)


@attrs.frozen
class Printed:
    """Text ready for stdout; ``wrap`` marks text for a person (wrapped to the terminal);
    ``status`` the exit status after it is printed (``screen``'s verdict)."""

    text: str
    wrap: bool = False
    status: int = DONE


@attrs.frozen
class Ids:
    """Whose ids an ics or fhir export writes: a FHIR subject and/or a caller's namespace."""

    subject: dict[str, str] | None = None
    namespace: str | None = None


def render(
    schedule: Any, form: str, *, stamp: dt.datetime | None = None, ids: Ids = Ids()
) -> str:
    """The schedule in ``form``; an optional library missing for it is a one-line refusal."""
    from plexodose._core import extras as _extras

    try:
        return _render(schedule, form, stamp, ids)
    except ModuleNotFoundError as exc:
        extra = _extras.extra_for(exc)
        if extra is None:
            raise
        package = (exc.name or "").split(".")[0]
        raise CliError(f"--format {form} needs the optional package {package}: "
                       f"{_extras.install_hint(extra)}") from None


def _render(schedule: Any, form: str, stamp: dt.datetime | None, ids: Ids) -> str:
    # The optional libraries load inside these methods, only for the format asked for.
    whose = {"subject": ids.subject, "namespace": ids.namespace}
    if form == "text":
        text = schedule.to_text()
    elif form == "csv":
        text = schedule.to_csv()
    elif form == "ics":
        text = schedule.to_ics(stamp=stamp or _source_date_epoch(), **whose)
    elif form == "fhir":
        text = to_json(schedule.to_fhir(**whose))
    else:
        text = to_json(json_data(schedule))
    return str(text) if str(text).endswith("\n") else f"{text}\n"


def _source_date_epoch() -> dt.datetime | None:
    """The reproducible-builds convention: SOURCE_DATE_EPOCH seconds, when set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise CliError(f"SOURCE_DATE_EPOCH must be whole seconds: {value!r:.40}") from None


# JSON: quantities as {"value", "unit"}, dates as ISO text, sources as objects.

def json_data(obj: Any, *, patient: Any = None) -> Any:
    """Everything ``--json`` prints, built here: the public JSON form of a result or a schedule
    (``to_dict()``, schema ``plexodose.json_schema()``), a patient, or the rules."""
    from plexodose._core.registry import Rule
    from plexodose._interop.json import patient_dict
    from plexodose._patient.patient import Patient

    if isinstance(obj, Patient):
        return patient_dict(obj)
    if isinstance(obj, tuple) and all(isinstance(r, Rule) for r in obj):
        return [{"module": r.module, "name": r.name, **source_record(r.source)} for r in obj]
    data = obj.to_dict()
    if patient is not None:
        data = {**data, "patient": patient_dict(patient)}
    return data


def source_record(source: Any) -> dict[str, Any]:
    from plexodose._interop.json import source_dict  # one JSON form of a source

    return source_dict(source)


def _json_default(value: Any) -> Any:
    from plexodose._core.sources import Source

    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Source):
        return source_record(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """JSON text, refusing NaN and infinity (not JSON, and never a dose)."""
    return json.dumps(data, indent=2, allow_nan=False, default=_json_default,
                      ensure_ascii=False, sort_keys=True) + "\n"


# The entry point.

def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0 done; 2 usage error; 3 clinical refusal; 1 a bug in plexodose (set
    ``PLEXODOSE_TRACEBACK=1`` to see the traceback); 141 the reader closed the pipe. Errors
    are one line on stderr with nothing on stdout.
    """
    given = list(sys.argv[1:] if argv is None else argv)
    _Parser.json_errors = "--json" in given
    try:
        args = build_parser().parse_args(given)
        printed = _load(args.command_run)(args)
        if not isinstance(printed, Printed):  # a registered command's result or text
            printed = _printed(printed, json_wanted=getattr(args, "json", False))
        if getattr(args, "output", None):
            _write_file(args.output, printed.text)
        else:
            _emit(sys.stdout, wrap(printed.text, _columns(args)) if printed.wrap
                  else printed.text)
            sys.stdout.flush()
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else USAGE_ERROR)
    except BrokenPipeError:
        _silence_stdout()  # the reader (``| head``) left: not an error worth a line
        return CLOSED_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _failure(exc)
    finally:
        _Parser.json_errors = False
    return printed.status


def _failure(exc: Exception) -> int:
    from plexodose._core import extras as _extras
    from plexodose._core.errors import PlexodoseError

    if isinstance(exc, PlexodoseError):
        return _refuse(_library_message(exc), REFUSED, kind=type(exc).__name__,
                       field=exc.field)
    if isinstance(exc, CliError):
        return _refuse(str(exc))
    if isinstance(exc, ModuleNotFoundError) and _extras.extra_for(exc):
        return _refuse(str(exc) if isinstance(exc, _extras.MissingExtraError)
                       else _extras.missing_extra(exc).args[0])
    if os.environ.get("PLEXODOSE_TRACEBACK"):
        raise exc
    return _refuse(f"internal error, please report it: {type(exc).__name__}: {exc}",
                   INTERNAL_ERROR)


def _printed(value: Any, *, json_wanted: bool) -> Printed:
    if isinstance(value, str):
        return Printed(value if value.endswith("\n") else value + "\n", wrap=True)
    if json_wanted:
        return Printed(to_json(json_data(value)))
    text = value.to_text() if hasattr(value, "to_text") else repr(value)
    return Printed(cli_words(text.rstrip("\n") + "\n"), wrap=True)


def _columns(args: argparse.Namespace) -> int:
    """Columns to wrap to: --width, else the terminal's width on a terminal, else 0 (none)."""
    width: int | None = getattr(args, "width", None)
    if width is not None:
        return width
    if not sys.stdout.isatty():
        return 0
    return shutil.get_terminal_size().columns


def wrap(text: str, columns: int) -> str:
    """``text`` with lines longer than ``columns`` wrapped under their own last column.

    >>> print(wrap("2026-12-01  IVIg  dose  infusion over four hours, then observe", 40))
    2026-12-01  IVIg  dose  infusion over
                            four hours, then
                            observe
    """
    from plexodose._views.render import terminal_text

    return terminal_text(text, columns)


_KEYWORD = re.compile(r"\b([a-z][a-z_]*)=('reason'|True)")


def cli_words(message: str) -> str:
    """A library message with its Python keyword advice written as options.

    >>> cli_words("pass override='reason' to use it; or age_renal_reduction=True")
    "pass --override 'reason' to use it; or --age-renal-reduction"
    """
    known = _known_flags()

    def option(match: re.Match[str]) -> str:
        flag = "--" + match.group(1).replace("_", "-")
        if flag not in known:  # not advice about one of our options: leave the text alone
            return match.group(0)
        return flag if match.group(2) == "True" else f"{flag} 'reason'"

    return _KEYWORD.sub(option, message)


def _library_message(exc: Any) -> str:
    message = cli_words(str(exc))
    if exc.field:
        from plexodose.cli import _review as _cli_review
        from plexodose.cli import _screen as _cli_screen

        fields = {**FIELD_FLAGS, **_cli_review.FIELD_FLAGS, **_cli_screen.FIELD_FLAGS}
        flag = canonical(fields.get(exc.field, "--" + exc.field.replace("_", "-")))
        if flag in _known_flags():
            message += f" (option {flag})"
    return message


def _known_flags() -> set[str]:
    from plexodose.cli import _review as _cli_review
    from plexodose.cli import _screen as _cli_screen

    flags = {opt.flag for opt in (*PATIENT_OPTIONS, *PLAN_OPTIONS)} | {"--start", "--stamp"}
    flags |= {opt.flag for calc in calculators() for opt in calc.options} | set(
        _cli_review.OPTION_FLAGS) | set(_cli_screen.OPTION_FLAGS)
    return flags | {alias for flag in flags for alias in ALIASES.get(flag, ())}


def _refuse(message: str, status: int = USAGE_ERROR, *, kind: str = "usage",
            field: str | None = None) -> int:
    """One line on stderr, nothing on stdout; under ``--json`` that line is a JSON object
    (``{"error": {"kind", "field", "message", "status"}}``) an app can parse."""
    if _Parser.json_errors:
        _emit(sys.stderr, _error_json(one_line(message), status, kind, field))
    else:
        _emit(sys.stderr, f"{PROG}: error: {one_line(message)}\n")
    return status


def _error_json(message: str, status: int, kind: str, field: str | None = None) -> str:
    import json

    return json.dumps({"error": {"kind": kind, "field": field, "message": message,
                                 "status": status}}, ensure_ascii=False) + "\n"


def _emit(stream: Any, text: str) -> None:
    r"""Write ``text`` whole on ``stream``: characters its encoding lacks (a reason in another
    script on an ASCII terminal) are written as backslash escapes, never an internal error.

    >>> import io
    >>> out = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    >>> _emit(out, "reason: patient prefers \u00e9tude\n"); out.flush()
    >>> out.buffer.getvalue()
    b'reason: patient prefers \\xe9tude\n'
    """
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding, getattr(stream, "errors", None) or "strict")
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: plain ASCII is safe everywhere
        text = text.encode("ascii", "backslashreplace").decode("ascii")
    stream.write(text)


def _write_file(path: str, text: str) -> None:
    """``text`` into ``path`` whole or not at all (``_core.files.replace_whole``): a failed run
    leaves the old file as it was, never empty or half-written."""
    from plexodose._core.files import replace_whole

    data = text.encode("utf-8", errors="backslashreplace")
    try:
        replace_whole(path, lambda out: out.write(data))
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
