"""``plexodose review <drug> --wbc "3.1 x10^9/L" ...``: one set of results reviewed from a shell.

Registered in ``cli.py`` with one ``register(...)`` line: :func:`arguments` adds the options
(this module imports nothing heavy at its top, so ``--help`` stays fast) and :func:`run` returns
the :class:`~plexodose.Review`, which the command line prints as text or, with ``--json``, as its
public JSON form. A refusal is one line on stderr and exit status 3, as for ``dose``.

>>> from plexodose.cli import main
>>> main(["review", "azathioprine", "--wbc", "3.1 x10^9/L", "--date", "2027-01-16",
...       "--on", "2027-01-16"])
azathioprine, results of 2027-01-16: Withhold and discuss with the specialist team
...
0
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from plexodose._core import vocab

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
# A review's library fields -> the option that sets them (for the refusal's "(option ...)" hint)
FIELD_FLAGS = {"baseline": "--baseline-creatinine", "labs": "--date"}
OPTION_FLAGS = frozenset(
    {"--" + name.replace("_", "-") for name in LAB_OPTIONS}
    | {"--date", "--on", "--started", "--baseline-creatinine", "--current-dose", "--thresholds",
       "--uln-alt", "--uln-ast", "--explained", "--reductions", "--weight", "--age", "--sex",
       "--tpmt", "--nudt15", "--override", "--unjudged"}
)
# the drugs a review has rules for, as typed (the US spelling too); an IV pulse is reviewed from
# the library, with its pulse result
# (help lists one spelling each; every spelling vocab.drug_key reads is accepted: cyclosporin,
# cyclophosphamide_oral, "cyclophosphamide oral")
DRUGS = tuple(
    drug.replace("_", "-") for drug in vocab.REVIEWED_DRUGS if drug != "cyclophosphamide_iv")


def _text(example: str) -> Any:
    def parse(text: str) -> str:
        try:
            float(text)
        except ValueError:
            return text
        raise argparse.ArgumentTypeError(f"needs a unit, such as {example}; got the bare number {text}")

    return parse


def arguments(sub: argparse.ArgumentParser) -> None:
    """The ``review`` subcommand's options, added to its parser."""
    from plexodose.cli import drug_command

    sub.add_argument("drug", type=drug_command, choices=DRUGS, help="the drug the patient is on")
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
                       metavar="AMOUNT", help='the current dose, such as "300 mg/day" (a reduction '
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
    group.add_argument("--reductions", type=int, default=0, metavar="N",
                       help="ciclosporin: dose reductions already made for the creatinine rise")
    group.add_argument("--uncontrolled-hypertension", action="store_true",
                       help="ciclosporin: the hypertension cannot be controlled")
    group.add_argument("--unjudged", choices=("flag", "note"), default="flag",
                       help="a result no rule for the drug reads: flag it (default) or only name it")
    group.add_argument("--override", default=None, metavar="REASON",
                       help="the reason that accepts a dose above the patient's own range (never "
                       "above an absolute limit)")
    who = sub.add_argument_group("patient (the current dose is screened against this patient's own "
                                 "ceiling; without --weight it says what it could not check)")
    who.add_argument("--weight", type=_text('"72 kg"'), default=None, metavar="VALUE",
                     help='body weight, such as "72 kg"')
    who.add_argument("--age", type=float, default=None, metavar="YEARS", help="age in years")
    who.add_argument("--sex", choices=("female", "male"), default=None, metavar="SEX",
                     help="one of female, male")
    who.add_argument("--tpmt", default=None, metavar="PHENOTYPE", help="TPMT phenotype, such as normal")
    who.add_argument("--nudt15", default=None, metavar="PHENOTYPE", help="NUDT15 phenotype")
    group.add_argument("--json", action="store_true",
                       help="print the review's public JSON form (schema: plexodose.json_schema())")


def run(args: argparse.Namespace) -> Any:
    """The review of the results in ``args`` (a PlexodoseError is the CLI's refusal)."""
    from plexodose._monitoring.labs import Labs
    from plexodose._monitoring.review import review
    from plexodose._patient.patient import Patient

    given = {name: getattr(args, name) for name in LAB_OPTIONS}
    patient = None if args.weight is None else Patient(
        weight=args.weight, age=args.age, sex=args.sex, tpmt=args.tpmt, nudt15=args.nudt15)
    labs = Labs(date=args.date or dt.date.today(), **given)
    return review(
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
        unjudged=args.unjudged,
        override=args.override,
        patient=patient,
    )


__all__ = ["arguments", "run"]
