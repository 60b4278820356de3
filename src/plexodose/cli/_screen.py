"""``plexodose screen --drug mycophenolate --dose "1 g" --doses-per-day 2 --weight "72 kg"``:
one order someone else wrote, screened for one patient from a shell.

Registered in ``cli/__init__.py`` with one ``register(...)`` line, like ``review``:
:func:`arguments` adds the options (nothing heavy is imported at this module's top, so ``--help``
stays fast) and :func:`run` screens the order with :func:`plexodose.screen`. The patient options
are the ones ``dose`` and ``plan`` take (``--weight``, ``--height``, ``--creatinine`` ...).

``--fhir FILE`` (``-``: standard input) reads the order instead from a FHIR R4
MedicationRequest, or a Bundle with it and the Patient, Observations and past administrations
(:func:`plexodose._interop.fhir_orders.screen_fhir`); the patient options, when given, are the
patient. A request it cannot read is "not screened", with the FHIR path, never within.

The verdict is printed whole on standard output (as text, or with ``--json`` as
``Screening.to_dict()``) and is also the exit status, so that a script can branch on it without
reading the text:

* 0 (``WITHIN``): within the rules (items not checked, if any, are listed);
* 10 (``BELOW``): below the range: a warning, never a refusal;
* 11 (``ABOVE_SOFT``): above the range: needs a stated reason (``--override``; the category stays
  above_soft with a reason, and the JSON's ``accepted`` says it was given);
* 12 (``ABOVE_HARD``): above an absolute limit: refused, reason or not;
* 13 (``NOT_SCREENED``): the order could not be screened (the reason is printed).

The command line's own statuses keep their meaning: 2 a usage error, 3 a refusal of the input
(an order or patient value plexodose cannot read: one line on stderr, nothing on stdout), 1 a
bug. 10-13 are clear of them and of the shell's 126-165.

>>> from plexodose.cli import main
>>> main(["screen", "--drug", "azathioprine", "--dose", "100 mg", "--doses-per-day", "2",
...       "--weight", "72 kg", "--on", "2027-01-04"])  # 2 x 100 = 200 mg/day > 150 mg/day
azathioprine 100 mg twice daily: ABOVE AN ABSOLUTE LIMIT: REFUSED
...
12
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

import attrs

from plexodose._core import vocab

WITHIN, BELOW, ABOVE_SOFT, ABOVE_HARD, NOT_SCREENED = 0, 10, 11, 12, 13
EXIT_STATUS = {  # the verdict's category -> exit status
    "within": WITHIN,
    "below": BELOW,
    "above_soft": ABOVE_SOFT,
    "above_hard": ABOVE_HARD,
    "not_screened": NOT_SCREENED,
}
STATUS_WORDS = {
    WITHIN: "within the rules",
    BELOW: "below the range (a warning)",
    ABOVE_SOFT: "above the range (needs a stated reason)",
    ABOVE_HARD: "above an absolute limit (refused)",
    NOT_SCREENED: "not screened (the reason is printed)",
}
# The options a refusal may name ("(option --dose)"); the patient's are the CLI's own.
OPTION_FLAGS = frozenset({
    "--fhir", "--drug", "--dose", "--doses-per-day", "--days-per-week", "--every", "--days",
    "--product", "--override", "--on", "--prior-cyclophosphamide", "--allopurinol", "--last-pulse",
    "--last-raised", "--wbc", "--neutrophils",
})
DRUGS = tuple(drug.replace("_", "-") for drug in vocab.DRUGS)  # as typed
# The screen's advice in Python words, as this command's options (text output only).
ADVICE = (
    ("give prior_cyclophosphamide= or history=", "give --prior-cyclophosphamide"),
    ("(give labs=)", "(give --wbc and --neutrophils)"),
    ("(give last_raised=)", "(give --last-raised)"),
    ("override='reason'", "--override 'reason'"),  # the calculator's advice, as this option
)
# The order's fields -> this command's options, where the names differ (one name per choice
# across commands: cli.ALIASES keeps --times-per-day and --reason working).
FIELD_FLAGS = {"times_per_day": "--doses-per-day", "reason": "--override"}


def _drug(text: str) -> str:
    key = vocab.drug_key(text)
    if key is None:
        raise argparse.ArgumentTypeError(f"not a drug plexodose screens: {text!r} (one of "
                                         f"{', '.join(DRUGS)})")
    return key


def arguments(sub: argparse.ArgumentParser) -> None:
    """The ``screen`` subcommand's options, added to its parser."""
    from plexodose.cli import PATIENT_OPTIONS, _add, _date, option_strings
    from plexodose.cli import _integer as _whole
    from plexodose.cli import _quantity as _with_unit  # one bare-number refusal for all

    sub.epilog = ("Exit status: " + "; ".join(f"{code} {words}"
                                              for code, words in STATUS_WORDS.items())
                  + "; 2 usage error; 3 an input plexodose cannot read (refused); 1 a bug.")
    who = sub.add_argument_group("patient (required, unless --fhir's Bundle has the Patient and "
                                 "its Observations)")
    for opt in PATIENT_OPTIONS:
        _add(who, attrs.evolve(opt, help="body weight") if opt.flag == "--weight" else opt,
             required=False)
    order = sub.add_argument_group("order (as the prescriber wrote it; or --fhir)")
    order.add_argument("--fhir", default=None, metavar="FILE",
                       help="read the order from a FHIR R4 MedicationRequest, or a Bundle with "
                       "it (and the Patient, Observations, Medication, past administrations), "
                       "in FILE as JSON; - reads standard input. An order it cannot read is "
                       "not screened (13), with the FHIR path")
    order.add_argument("--drug", type=_drug, default=None, metavar="DRUG",
                       help="one of " + ", ".join(DRUGS))
    order.add_argument("--dose", type=_with_unit('"500 mg"'), default=None, metavar="AMOUNT",
                       help='one administration ("500 mg", "1 g/kg", "750 mg/m**2") or a '
                       'daily amount ("1 g/day", "2 mg/kg/day")')
    order.add_argument(*option_strings("--doses-per-day"), dest="times_per_day", type=_whole,
                       default=None, metavar="N",
                       help="administrations on a dosing day (default: not stated, read as "
                       "the protocol's and said so)")
    order.add_argument("--days-per-week", type=_whole, default=None, metavar="N",
                       help="dosing days a week (default 7)")
    order.add_argument("--every", type=_with_unit('"4 weeks"'), default=None,
                       metavar="INTERVAL", help='interval between IV pulses or IVIg courses, '
                       'such as "4 weeks"')
    order.add_argument("--days", type=_whole, default=None, metavar="N",
                       help="course length in days (IVIg: consecutive days)")
    order.add_argument(*option_strings("--product"), dest="product", default=None,
                       metavar="NAME", help="IVIg product, such as privigen")
    order.add_argument(*option_strings("--override"), dest="reason", default=None, metavar="REASON",
                       help="the prescriber's stated reason for a dose above the range (never "
                       "lifts an absolute limit)")
    given = sub.add_argument_group("screening")
    given.add_argument("--on", type=_date, default=None, metavar="DATE",
                       help="date of the decision, such as 2027-01-04 (default: today)")
    given.add_argument("--prior-cyclophosphamide", type=_with_unit('"12 g"'), default=None,
                       metavar="AMOUNT", help='cyclophosphamide given before, oral and IV '
                       'together, such as "12 g" (without it the cumulative dose is not '
                       "checked, never taken as zero)")
    given.add_argument("--allopurinol", action="store_true",
                       help="the patient takes allopurinol (azathioprine)")
    given.add_argument("--last-pulse", type=_with_unit('"1.2 g/m**2"'), default=None,
                       metavar="AMOUNT", help='the last IV cyclophosphamide pulse, such as '
                       '"1.2 g/m**2" or "1,400 mg" (for the raise rules)')
    given.add_argument("--last-raised", type=_date, default=None, metavar="DATE",
                       help="date of the last raise of the IV pulse, such as 2026-12-07 (the "
                       "Michigan one-raise-a-calendar-month rule from 1.4 g/m2)")
    given.add_argument("--wbc", type=_with_unit('"4.5 x10^9/L"'), default=None, metavar="VALUE",
                       help="pre-pulse white cell count (IV cyclophosphamide), dated --on")
    given.add_argument("--neutrophils", type=_with_unit('"2.1 x10^9/L"'), default=None,
                       metavar="VALUE", help="pre-pulse neutrophils, dated --on")
    given.add_argument("--json", action="store_true",
                       help="print the screening's JSON form (Screening.to_dict())")


ORDER_OPTIONS = ("drug", "dose", "times_per_day", "days_per_week", "every", "days", "product")


def run(args: argparse.Namespace) -> Any:
    """The screening of the order in ``args``; its verdict is the exit status."""
    from plexodose._monitoring.labs import Labs
    from plexodose._screening.order import Order
    from plexodose._screening.screen import screen
    from plexodose.cli import CliError, Printed, cli_words, make_patient, to_json

    labs = None
    if args.wbc is not None or args.neutrophils is not None:
        labs = Labs(date=args.on or dt.date.today(), wbc=args.wbc, neutrophils=args.neutrophils)
    given = {"prior_cyclophosphamide": args.prior_cyclophosphamide,
             "allopurinol": args.allopurinol, "last_pulse": args.last_pulse,
             "last_raised": args.last_raised, "labs": labs}
    if args.fhir is not None:
        result = _screen_fhir(args, given)
    else:
        if args.drug is None or args.dose is None:
            raise CliError("--drug and --dose are required (or --fhir FILE)")
        if not hasattr(args, "weight"):
            raise CliError("--weight is required (or --fhir FILE with the Patient)")
        weekly = {} if args.days_per_week is None else {"days_per_week": args.days_per_week}
        order = Order(drug=args.drug, dose=args.dose, times_per_day=args.times_per_day,
                      every=args.every, days=args.days, product=args.product,
                      reason=args.reason, **weekly)
        result = screen(order, make_patient(args), on=args.on, **given)
    status = EXIT_STATUS[result.verdict]
    if args.json:
        return Printed(to_json(result.to_dict()), status=status)
    return Printed(cli_words(option_words(repr(result))) + "\n", wrap=True, status=status)


def _screen_fhir(args: argparse.Namespace, given: dict[str, Any]) -> Any:
    """The order in ``--fhir FILE`` (``-``: standard input) screened; the patient from the
    options when ``--weight`` is given, else from the Bundle."""
    import json
    import sys

    from plexodose._interop.fhir_orders import screen_fhir
    from plexodose.cli import CliError, make_patient

    mixed = [FIELD_FLAGS.get(name, f"--{name.replace('_', '-')}") for name in ORDER_OPTIONS
             if getattr(args, name) is not None]
    if mixed:
        raise CliError(f"--fhir reads the order from its file: leave out {', '.join(mixed)}")
    try:
        if args.fhir == "-":
            text = sys.stdin.read()
        else:
            with open(args.fhir, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.fhir}: {getattr(exc, 'strerror', None) or exc}") \
            from None
    try:
        resources = json.loads(text)
    except json.JSONDecodeError as exc:
        where = "standard input" if args.fhir == "-" else args.fhir
        raise CliError(f"{where} is not JSON: {exc.msg} (line {exc.lineno}, column "
                       f"{exc.colno})") from None
    patient = make_patient(args) if hasattr(args, "weight") else None
    return screen_fhir(resources, on=args.on or dt.date.today(), patient=patient,
                       reason=args.reason, **given)


def option_words(text: str) -> str:
    """The screen's advice to pass a keyword, written as this command's option.

    >>> option_words("cumulative dose not known: not checked (give prior_cyclophosphamide= or "
    ...              "history=)")
    'cumulative dose not known: not checked (give --prior-cyclophosphamide)'
    """
    for python, option in ADVICE:
        text = text.replace(python, option)
    return text


__all__ = ["EXIT_STATUS", "arguments", "run"]
