"""The ``plexodose`` command line: one dose, a treatment plan, or the demo, from a shell.

A refusal is one line on stderr and exit status 2, with nothing on stdout, so a script can
trust that what it reads on stdout is a whole answer. Options whose name states their unit
(``--g-per-kg-day``) take plain numbers; patient quantities take a unit (``--weight "82 kg"``)
and are read by the library, which refuses a bare number.

>>> main(["dose", "azathioprine", "--weight", "72 kg", "--age", "40"])  # 2 mg/kg x 72 kg
Patient(weight='72 kg', age=40)
azathioprine: 150 mg daily; calculated 144 mg
...
0
>>> main(["dose", "ivig", "--weight", "72 kg", "--json"])  # 0.4 g/kg/day x 72 kg
{
  "calculated": {
    "daily_dose": {
      "unit": "g/d",
      "value": 28.8
    },
  ...
0
>>> main(["dose", "ivig", "--weight", "82"])  # refused: one line on stderr, status 2
2
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import attrs

import plexodose
from plexodose import _body, _ivig
from plexodose._common import CRCL_WEIGHTS
from plexodose._errors import PlexodoseError
from plexodose._json import dumps, patient_dict
from plexodose._limits import SEXES
from plexodose._patient import PHENOTYPES, Patient
from plexodose._products import CATALOGUE
from plexodose._sources import Source

PROG = "plexodose"
USAGE_ERROR = 2  # a refusal: bad argument or a PlexodoseError
INTERNAL_ERROR = 1  # a bug in plexodose; reported in one line, never as a traceback
FORMATS = ("text", "csv", "ics", "fhir", "json")


class CliError(Exception):
    """A command-line problem that is not the library's (a file that cannot be written)."""


class _Parser(argparse.ArgumentParser):
    """argparse with its error on one line (usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {one_line(message)} "
                               f"(see '{self.prog} --help')\n")


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
    """An agent as the CLI spells it ("cyclophosphamide-iv") or as the library does."""
    return text.replace("-", "_")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date in the form 2026-12-01: {text!r}") from None


@attrs.frozen
class Opt:
    """One calculator keyword argument exposed as an option."""

    flag: str
    kind: str  # "number", "integer", "text", "quantity", "age", "agent" or "switch"
    help: str
    example: str = ""  # shown as typed, quotes included: '"82 kg"'

    @property
    def dest(self) -> str:
        return self.flag[2:].replace("-", "_")


@attrs.frozen
class Calculator:
    """A ``dose`` subcommand: the library function and the options it takes."""

    name: str
    function: Callable[..., Any]
    help: str
    options: tuple[Opt, ...]
    aliases: tuple[str, ...] = ()


def _ivig_products() -> list[str]:
    names = []
    for name in CATALOGUE.names():
        try:
            CATALOGUE.ivig(name)
        except PlexodoseError:
            continue
        names.append(name)
    return names


OVERRIDE = Opt("--override", "text",
               "the reason for a regimen outside the protocol (never lifts a hard cap)")
MG_PER_KG_DAY = Opt("--mg-per-kg-day", "number", "dose in mg per kg per day")


def calculators() -> tuple[Calculator, ...]:
    """The ``dose`` subcommands, one per calculator."""
    return (
        Calculator("ivig", plexodose.ivig, "intravenous immunoglobulin course", (
            Opt("--g-per-kg-day", "number", "dose in g per kg per day"),
            Opt("--days", "integer", "days in the course"),
            Opt("--weight-basis", "text", "one of " + ", ".join(_ivig.WEIGHT_BASES)),
            Opt("--auto-rule", "text", "obesity rule for --weight-basis auto: one of "
                + ", ".join(_ivig.AUTO_RULES)),
            Opt("--product", "text", "round to this product's vials: "
                + ", ".join(_ivig_products()) + " (or a prefix such as privigen)"),
            Opt("--round-to-g", "number", "rounding step in g when a product is given"),
            Opt("--max-g-per-kg-day", "number", "daily ceiling in g/kg (raising it needs "
                "--override)"),
            OVERRIDE)),
        Calculator("azathioprine", plexodose.azathioprine, "azathioprine daily dose", (
            MG_PER_KG_DAY,
            Opt("--doses-per-day", "integer", "1 or 2"),
            Opt("--genotype-fraction", "number", "start fraction for a reduced TPMT/NUDT15 "
                "metabolizer, within the CPIC range"),
            Opt("--allopurinol", "switch", "the patient takes allopurinol"),
            Opt("--crcl-weight", "text", "Cockcroft-Gault weight for the renal rule: one of "
                + ", ".join(CRCL_WEIGHTS)),
            OVERRIDE)),
        Calculator("cyclophosphamide-oral", plexodose.cyclophosphamide_oral,
                   "oral cyclophosphamide daily dose", (MG_PER_KG_DAY, OVERRIDE)),
        Calculator("cyclophosphamide-iv", plexodose.cyclophosphamide_iv,
                   "IV cyclophosphamide pulse (BSA-based)", (
            Opt("--g-per-m2", "number", "pulse in g per m2 of body surface"),
            Opt("--interval-weeks", "number", "weeks between pulses"),
            Opt("--bsa-formula", "text", "one of " + ", ".join(_body.BSA_FORMULAS)),
            Opt("--bsa-cap", "quantity", "cap on the body surface area used", '"2 m**2"'),
            Opt("--age-renal-reduction", "switch", "apply the EULAR/CYCLOPS age and "
                "creatinine reduction"),
            OVERRIDE)),
        Calculator("ciclosporin", plexodose.ciclosporin, "ciclosporin daily dose, in two doses", (
            MG_PER_KG_DAY,
            Opt("--creatinine-rise-threshold", "number", "fractional creatinine rise above "
                "baseline that triggers a reduction"),
            Opt("--creatinine-rise-reduction", "number", "fraction the dose is cut by then"),
            OVERRIDE), aliases=("cyclosporin",)),
        Calculator("mycophenolate", plexodose.mycophenolate, "mycophenolate mofetil dose", (
            Opt("--mg-per-dose", "number", "mg in each dose"),
            Opt("--doses-per-day", "integer", "doses a day"),
            OVERRIDE)),
    )


PATIENT_OPTIONS = (
    Opt("--weight", "quantity", "body weight (required)", '"82 kg" or "180 lb"'),
    Opt("--height", "quantity", "height", '"170 cm" or "5.6 ft"'),
    Opt("--sex", "text", "one of " + ", ".join(SEXES)),
    Opt("--age", "age", 'age in years (or a time, such as "720 month")'),
    Opt("--creatinine", "quantity", "serum creatinine", '"80 umol/L" or "0.9 mg/dL"'),
    Opt("--baseline-creatinine", "quantity", "baseline serum creatinine (ciclosporin)",
        '"80 umol/L" or "0.9 mg/dL"'),
    Opt("--tpmt", "text", "TPMT phenotype: one of " + ", ".join(PHENOTYPES)),
    Opt("--nudt15", "text", "NUDT15 phenotype: one of " + ", ".join(PHENOTYPES)),
    Opt("--minor-override", "text", "the reason for dosing a patient under 18 by adult "
        "protocols"),
)


def _agents(attribute: str) -> str:
    """The schedule generator's accepted agents, written as the CLI spells them."""
    try:
        from plexodose import _schedule
    except ImportError:  # the schedule generator is optional for the dose commands
        return ""
    names = dict.fromkeys(name.replace("_", "-") for name in getattr(_schedule, attribute, ()))
    return ": one of " + ", ".join(names) if names else ""


PLAN_OPTIONS = (
    Opt("--second-agent", "agent", "drug when IVIg is not enough" + _agents("SECOND_AGENTS")),
    Opt("--refractory-agent", "agent", "drug for refractory disease"
        + _agents("REFRACTORY_AGENTS")),
    Opt("--months", "integer", "months to lay out"),
    Opt("--ivig-product", "text", "IVIg product to round the doses to: "
        + ", ".join(_ivig_products())),
)
PATIENT_FIELDS = {"creatinine": "serum_creatinine"}  # option dest -> Patient field
FIELD_FLAGS = {"serum_creatinine": "--creatinine"}  # library field -> option, where they differ


def _add(parser: Any, opt: Opt, default: Any = argparse.SUPPRESS) -> None:
    """Add ``opt``; unset options are left out so that the library's defaults apply."""
    if opt.kind == "switch":
        parser.add_argument(opt.flag, action="store_true", default=default,
                            help=opt.help.replace("%", "%%"))
        return
    types: dict[str, Callable[[str], Any]] = {
        "number": _number, "integer": _integer, "text": str, "age": _age, "agent": _agent,
        "quantity": _quantity(opt.example)}
    metavar = {"number": "N", "integer": "N", "age": "YEARS"}.get(opt.kind, opt.dest.upper())
    if opt.dest.endswith("override"):
        metavar = "REASON"
    text = opt.help + (f", such as {opt.example}" if opt.example else "")
    text = text.replace("%", "%%")  # argparse %-formats help ("Privigen 10 %")
    parser.add_argument(opt.flag, type=types[opt.kind], default=default, metavar=metavar,
                        help=text, required=opt.flag == "--weight")


def _with_default(opt: Opt, function: Callable[..., Any]) -> Opt:
    parameter = inspect.signature(function).parameters.get(opt.dest)
    if parameter is None or any(parameter.default is nothing
                                for nothing in (inspect.Parameter.empty, None, False)):
        return opt
    return attrs.evolve(opt, help=f"{opt.help} (default {parameter.default:g})"
                        if isinstance(parameter.default, (int, float))
                        else f"{opt.help} (default {parameter.default})")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: ``dose <drug>``, ``plan`` and ``demo``."""
    parser = _Parser(prog=PROG, description="Unit-safe, traceable doses for second-line "
                     "immunotherapy of idiopathic plexopathy. Every dose shows its derivation, "
                     "warnings and sources.",
                     epilog='example: plexodose dose ivig --weight "82 kg" --height "170 cm" '
                     "--sex female")
    parser.add_argument("--version", action="version", version=f"%(prog)s {plexodose.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    patient = _Parser(add_help=False)
    group = patient.add_argument_group("patient")
    for opt in PATIENT_OPTIONS:
        _add(group, opt)
    _dose_parser(commands, patient)
    _plan_parser(commands, patient)
    demo = commands.add_parser("demo", help="doses and a 12-month plan for the example patient",
                               description="IVIg, azathioprine and the 12-month plan for "
                               "plexodose.Patient.example().")
    demo.add_argument("--start", type=_date, default=None, metavar="DATE",
                      help="first day of the plan, such as 2026-12-01 (default: today)")
    return parser


def _dose_parser(commands: Any, patient: argparse.ArgumentParser) -> None:
    dose = commands.add_parser("dose", help="one drug's dose, with its derivation",
                               description="One drug's dose for one patient.")
    drugs = dose.add_subparsers(dest="drug", metavar="DRUG", required=True)
    for calc in calculators():
        sub = drugs.add_parser(calc.name, aliases=list(calc.aliases), parents=[patient],
                               help=calc.help, description=calc.help + ".")
        sub.set_defaults(calculator=calc)
        own = sub.add_argument_group(calc.name)
        for opt in calc.options:
            _add(own, _with_default(opt, calc.function))
        sub.add_argument("--json", action="store_true",
                         help="print the result's public JSON (quantities as {value, unit} with UCUM "
                              "units; schema: plexodose.json_schema())")


def _plan_parser(commands: Any, patient: argparse.ArgumentParser) -> None:
    plan = commands.add_parser(
        "plan", parents=[patient], help="a treatment plan laid out on a calendar",
        description="The treatment plan (IVIg, then a second agent, then a refractory agent) "
        "laid out on a calendar.")
    group = plan.add_argument_group("plan")
    group.add_argument("--start", type=_date, required=True, metavar="DATE",
                       help="first day of the plan, such as 2026-12-01")
    for opt in PLAN_OPTIONS:
        _add(group, _with_default(opt, plexodose.plan))
    group.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default), csv, ics (iCalendar), fhir (a FHIR R4 Bundle as "
                       "JSON) or json (the rows as JSON)")
    group.add_argument("--output", metavar="FILE", default=None,
                       help="write to FILE instead of standard output")


# Commands: each returns the whole text to print, so nothing is printed before a refusal.

def make_patient(args: argparse.Namespace) -> Patient:
    given = {PATIENT_FIELDS.get(opt.dest, opt.dest): getattr(args, opt.dest)
             for opt in PATIENT_OPTIONS if hasattr(args, opt.dest)}
    return Patient(**given)


def run_dose(args: argparse.Namespace) -> str:
    calc: Calculator = args.calculator
    patient = make_patient(args)
    given = {opt.dest: getattr(args, opt.dest) for opt in calc.options if hasattr(args, opt.dest)}
    result = calc.function(patient, **given)
    if args.json:
        return dumps({**result.to_dict(), "patient": patient_dict(patient)}, indent=2) + "\n"
    return cli_words(f"{patient!r}\n{result!r}\n")


def run_plan(args: argparse.Namespace) -> str:
    patient = make_patient(args)
    given = {opt.dest: getattr(args, opt.dest) for opt in PLAN_OPTIONS if hasattr(args, opt.dest)}
    schedule = plexodose.plan(patient, start=args.start, **given)
    return render(schedule, args.format)


EXTRAS = {"icalendar": "ics", "fhir": "fhir", "matplotlib": "plot"}  # package -> extra


def render(schedule: Any, form: str) -> str:
    """The schedule in ``form``; an optional library missing for it is a one-line refusal."""
    try:
        return _render(schedule, form)
    except ModuleNotFoundError as exc:
        package = (exc.name or "").split(".")[0]
        if package not in EXTRAS:
            raise
        raise CliError(f"--format {form} needs the optional package {package}: "
                       f'pip install "plexodose[{EXTRAS[package]}]"') from None


def _render(schedule: Any, form: str) -> str:
    # The optional libraries load inside these methods, only for the format asked for.
    if form == "text":
        text = schedule.to_text()
    elif form == "csv":
        text = schedule.to_csv()
    elif form == "ics":
        text = schedule.to_ics()
    elif form == "fhir":
        text = to_json(schedule.to_fhir())
    else:
        text = to_json(schedule.to_records())
    return str(text) if str(text).endswith("\n") else f"{text}\n"


def run_demo(args: argparse.Namespace) -> str:
    patient = Patient.example()
    start = args.start or dt.date.today()
    parts = ["plexodose demo: the built-in example patient", repr(patient), "",
             repr(plexodose.ivig(patient)), "", repr(plexodose.azathioprine(patient)), "",
             f"12-month plan from {start.isoformat()}:",
             plexodose.plan(patient, start=start).to_text()]
    return "\n".join(parts).rstrip("\n") + "\n"


# JSON: quantities as {"value", "unit"}, dates as ISO text, sources as objects.

def quantity_record(q: Any) -> dict[str, Any] | None:
    """A pint Quantity as ``{"value": float, "unit": text pint can read back}``."""
    if q is None:
        return None
    return {"value": float(q.magnitude), "unit": str(q.units)}


def source_record(source: Source) -> dict[str, str]:
    return {"tag": source.tag, "citation": source.citation, "rule": source.rule}


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Source):
        return source_record(value)
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        return quantity_record(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """JSON text, refusing NaN and infinity (not JSON, and never a dose)."""
    return json.dumps(data, indent=2, allow_nan=False, default=_json_default,
                      ensure_ascii=False) + "\n"


# The entry point.

COMMANDS: dict[str, Callable[[argparse.Namespace], str]] = {
    "dose": run_dose, "plan": run_plan, "demo": run_demo}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0: done. 2: refused (a PlexodoseError, a bad argument, a file that cannot be written), as one
    line on stderr with nothing on stdout. 1: a bug in plexodose, also one line (set
    ``PLEXODOSE_TRACEBACK=1`` to see the traceback).
    """
    try:
        args = build_parser().parse_args(argv)
        text = COMMANDS[args.command](args)
        if getattr(args, "output", None):
            _write_file(args.output, text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except SystemExit as exc:  # argparse: --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else USAGE_ERROR)
    except PlexodoseError as exc:
        return _refuse(_library_message(exc))
    except CliError as exc:
        return _refuse(str(exc))
    except BrokenPipeError:
        _silence_stdout()  # the reader (``| head``) left: not an error worth a line
        return INTERNAL_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("PLEXODOSE_TRACEBACK"):
            raise
        return _refuse(f"internal error, please report it: {type(exc).__name__}: {exc}",
                       INTERNAL_ERROR)
    return 0


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


def _library_message(exc: PlexodoseError) -> str:
    message = cli_words(str(exc))
    if exc.field:
        flag = FIELD_FLAGS.get(exc.field, "--" + exc.field.replace("_", "-"))
        if flag in _known_flags():
            message += f" (option {flag})"
    return message


def _known_flags() -> set[str]:
    flags = {opt.flag for opt in (*PATIENT_OPTIONS, *PLAN_OPTIONS)} | {"--start"}
    return flags | {opt.flag for calc in calculators() for opt in calc.options}


def _refuse(message: str, status: int = USAGE_ERROR) -> int:
    sys.stderr.write(f"{PROG}: error: {one_line(message)}\n")
    return status


def _write_file(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
