"""``plexodose review <drug> --wbc "3.1 x10^9/L" ...``: one set of results reviewed from a shell.

The output forms are those of ``dose``: the review's text block, or ``--json``. A refusal is one
line on stderr and exit status 2, with nothing on stdout. ``cli.py`` wires the subcommand in
with :func:`add_parser` and runs it with :func:`run`.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="plexodose")
>>> add_parser(parser.add_subparsers(dest="command"))
>>> run(parser.parse_args(["review", "azathioprine", "--wbc", "3.1 x10^9/L",
...                        "--date", "2027-01-16", "--on", "2027-01-16"]))
Labs(date='2027-01-16', wbc='3.1 x10^9/L')
azathioprine, results of 2027-01-16: Withhold and discuss with the specialist team
...
0
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from plexodose._errors import PlexodoseError
from plexodose._labs import Labs
from plexodose._review import Review, review
from plexodose._sources import Source

USAGE_ERROR = 2
LAB_OPTIONS = {  # option dest -> (help, example)
    "wbc": ("white cell count", '"3.1 x10^9/L" or "3100 /uL"'),
    "neutrophils": ("neutrophils (absolute)", '"1.5 x10^9/L"'),
    "eosinophils": ("eosinophils (absolute)", '"0.3 x10^9/L"'),
    "platelets": ("platelets", '"140 x10^9/L"'),
    "alt": ("ALT", '"40 U/L"'),
    "ast": ("AST", '"40 U/L"'),
    "albumin": ("albumin", '"35 g/L"'),
    "mcv": ("MCV", '"90 fL"'),
    "creatinine": ("serum creatinine", '"80 umol/L" or "0.9 mg/dL"'),
    "egfr": ("eGFR", '"75 mL/min/1.73 m^2"'),
    "potassium": ("potassium", '"4.5 mmol/L"'),
    "blood_pressure": ("blood pressure", '"150/95 mmHg"'),
}
FLAGS = {"baseline": "--baseline-creatinine", "labs": "--date"}  # library field -> option
DRUGS = ("azathioprine", "mycophenolate", "ciclosporin", "cyclosporin", "cyclophosphamide-oral")


def _text(example: str) -> Any:
    def parse(text: str) -> str:
        try:
            float(text)
        except ValueError:
            return text
        raise argparse.ArgumentTypeError(f"needs a unit, such as {example}; got the bare number {text}")

    return parse


def add_parser(subparsers: Any) -> None:
    """Add the ``review`` subcommand to ``subparsers`` (from ``add_subparsers``)."""
    sub = subparsers.add_parser(
        "review",
        help="review one set of results: continue, repeat, reduce, withhold or stop",
        description="Review the latest results of a patient on a drug, by the monitoring rules "
        "(BSR 2017 thresholds by default); every reason is shown with its source.",
    )
    sub.add_argument("drug", choices=DRUGS, help="the drug the patient is on")
    labs = sub.add_argument_group("results (each with its unit)")
    for dest, (what, example) in LAB_OPTIONS.items():
        labs.add_argument("--" + dest.replace("_", "-"), dest=dest, type=_text(example),
                          default=None, metavar="VALUE", help=f"{what}, such as {example}")
    group = sub.add_argument_group("review")
    group.add_argument("--date", default=None, metavar="DATE",
                       help="date the samples were taken, such as 2027-01-16 (default: today)")
    group.add_argument("--on", default=None, metavar="DATE",
                       help="date of the review (default: today); results after it are refused")
    group.add_argument("--started", default=None, metavar="DATE", help="date of the first dose")
    group.add_argument("--baseline-creatinine", type=_text('"0.9 mg/dL"'), default=None,
                       metavar="VALUE", help='pre-treatment creatinine, such as "0.9 mg/dL"')
    group.add_argument("--current-dose", type=_text('"300 mg/day"'), default=None,
                       metavar="VALUE", help='the current dose, such as "300 mg/day" (a reduction '
                       "is proposed from it)")
    group.add_argument("--thresholds", choices=("bsr2017", "local"), default="bsr2017",
                       help="bsr2017 (default) or local (neutrophils < 2.0, platelets < 150, "
                       "ALT/AST > 2x the upper limit)")
    group.add_argument("--uln-alt", type=_text('"40 U/L"'), default=None, metavar="VALUE",
                       help="ALT upper limit of normal (local thresholds)")
    group.add_argument("--uln-ast", type=_text('"40 U/L"'), default=None, metavar="VALUE",
                       help="AST upper limit of normal (local thresholds)")
    group.add_argument("--explained", action="append", choices=("eosinophils", "albumin"),
                       default=[], help="an abnormality the prescriber has explained")
    group.add_argument("--reductions", type=int, default=0,
                       help="ciclosporin: dose reductions already made for the creatinine rise")
    group.add_argument("--uncontrolled-hypertension", action="store_true",
                       help="ciclosporin: the hypertension cannot be controlled")
    group.add_argument("--json", action="store_true",
                       help="print a JSON object (quantities as {value, unit}) for scripts")


def run(args: argparse.Namespace) -> int:
    """Review the results in ``args``; print the text (or JSON); return the exit status."""
    try:
        given = {name: getattr(args, name) for name in LAB_OPTIONS}
        labs = Labs(date=args.date or dt.date.today(), **given)
        result = review(
            args.drug.replace("-", " "),
            labs,
            baseline=args.baseline_creatinine,
            started=args.started,
            on=args.on,
            current_dose=args.current_dose,
            thresholds=args.thresholds,
            uln_alt=args.uln_alt,
            uln_ast=args.uln_ast,
            explained=tuple(args.explained),
            reductions=args.reductions,
            uncontrolled_hypertension=args.uncontrolled_hypertension,
        )
    except PlexodoseError as exc:
        message = " ".join(str(exc).split())
        flag = FLAGS.get(exc.field or "", "--" + (exc.field or "").replace("_", "-"))
        if exc.field and flag in _flags():
            message += f" (option {flag})"
        sys.stderr.write(f"plexodose: error: {message}\n")
        return USAGE_ERROR
    if args.json:
        sys.stdout.write(json.dumps(review_record(result, labs), indent=2, ensure_ascii=False,
                                    allow_nan=False) + "\n")
    else:
        sys.stdout.write(f"{labs!r}\n{result!r}\n")
    return 0


def _flags() -> set[str]:
    named = {"--" + name.replace("_", "-") for name in LAB_OPTIONS}
    return named | {"--date", "--on", "--started", "--baseline-creatinine", "--current-dose",
                    "--thresholds", "--uln-alt", "--uln-ast", "--explained", "--reductions"}


def _source(source: Source) -> dict[str, str]:
    return {"tag": source.tag, "citation": source.citation, "rule": source.rule}


def review_record(result: Review, labs: Labs) -> dict[str, Any]:
    """A review as plain JSON-ready data."""
    dose = result.proposed_dose
    return {
        "kind": "Review",
        "summary": result.headline,
        "drug": result.drug,
        "date": result.date.isoformat(),
        "action": result.action,
        "proposed_dose": None if dose is None else {
            "value": float(dose.magnitude), "unit": result.proposed_unit, "text": result.proposed_text},
        "next_check": result.next_check.isoformat(),
        "next_check_text": result.next_check_text,
        "reasons": [{"action": f.action, "text": f.text, "source": _source(f.source)}
                    for f in result.reasons],
        "notes": list(result.notes),
        "sources": [_source(s) for s in result.sources],
        "labs": {name: labs.text(name) for name in labs.names()},
    }


__all__ = ["add_parser", "review_record", "run"]
