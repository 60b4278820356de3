"""``plexodose serve`` (the CDS Hooks service) and ``plexodose feedback`` (its feedback as CSV).

The parser's side (:func:`arguments`, :func:`feedback_arguments`) imports nothing optional, so
``plexodose --help`` works without the service's extra; :func:`run` checks the extra first.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

LOOPBACK_NAMES = ("localhost",)
BANNER = "!" * 78


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 1-65535: {text}")
    return port


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; behind a reverse proxy "
                        "with TLS for an EHR, see docs/service.md)")
    parser.add_argument("--port", type=_port, default=8080, help="port (default 8080)")
    parser.add_argument("--config", metavar="FILE",
                        help="the service's TOML configuration: issuers and their keys, the "
                        "service URL, limits, the feedback database (see docs/service.md)")
    parser.add_argument("--dev-no-auth", action="store_true",
                        help="DEVELOPMENT ONLY: answer requests without checking any token "
                        "(loopback hosts only; says so loudly)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning"), default="info",
                        help="the service's log level (default info: one line per request)")


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> Any:
    """Start the service and serve until stopped (Ctrl-C or SIGTERM)."""
    import logging

    import attrs

    from plexodose.cli import CliError, Printed
    from plexodose.service import require

    try:
        require()
    except ModuleNotFoundError as exc:
        raise CliError(str(exc)) from None
    from plexodose.service.app import DEV_WARNING, create_app
    from plexodose.service.config import Config, ConfigError, load_config

    try:
        config = load_config(args.config) if args.config else Config()
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if args.dev_no_auth:
        if not _loopback(args.host):
            raise CliError(f"--dev-no-auth answers anyone: it listens on a loopback host only "
                           f"(127.0.0.1, ::1, localhost), not {args.host}")
        config = attrs.evolve(config, dev_no_auth=True)
        sys.stderr.write(f"{BANNER}\n{DEV_WARNING}\n{BANNER}\n")
        sys.stderr.flush()
    if not config.url:
        host = f"[{args.host}]" if ":" in args.host else args.host
        config = attrs.evolve(config, url=f"http://{host}:{args.port}")
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("plexodose.service").setLevel(args.log_level.upper())
    try:
        app = create_app(config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                server_header=False, date_header=True, lifespan="on")
    return Printed("")


def feedback_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", metavar="FILE",
                       help="the service's configuration (its feedback database is read)")
    where.add_argument("--database", metavar="FILE", help="the feedback database itself")
    parser.add_argument("--output", metavar="FILE",
                        help="write the CSV to FILE (whole or not at all) instead of stdout")


def feedback_run(args: argparse.Namespace) -> Any:
    """Every feedback row as CSV (a header row first; schema in docs/service.md)."""
    import io
    import sqlite3

    from plexodose.cli import CliError, Printed
    from plexodose.service.config import ConfigError, load_config
    from plexodose.service.feedback import rows, write_csv

    try:
        path = load_config(args.config).feedback_database if args.config else args.database
        found = rows(path)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except (FileNotFoundError, sqlite3.Error) as exc:
        raise CliError(f"cannot read the feedback database: {exc}") from None
    out = io.StringIO()
    write_csv(found, out)
    return Printed(out.getvalue())
