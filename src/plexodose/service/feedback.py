"""What prescribers did with the cards: CDS Hooks feedback kept in SQLite, exported as CSV.

One row per feedback item (a card accepted, with the suggestions taken, or overridden, with the
coded reason). A write is committed with ``synchronous=FULL`` in WAL mode before the service
answers, so nothing acknowledged is lost if the process is killed right after; concurrent
requests are serialised on one connection (and ``busy_timeout`` covers another process).

The schema (``SCHEMA_VERSION`` 1), also in docs/service.md:

``feedback``: ``id`` (integer key), ``received_at`` (UTC, ISO 8601, when stored), ``service``
(the service id), ``card`` (the card's uuid), ``outcome`` (``accepted`` or ``overridden``),
``accepted_suggestions`` (a JSON list of suggestion uuids), ``override_system``,
``override_code``, ``override_display`` (the coded reason), ``comment_given`` (0 or 1),
``user_comment`` (only when the configuration keeps comments: free text may name the patient),
``outcome_timestamp`` (as the EHR sent it), ``issuer`` (the JWT ``iss``), ``request_id``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import pathlib
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

import attrs

from plexodose._interop.tabular import csv_value

SCHEMA_VERSION = 1
COLUMNS = ("id", "received_at", "service", "card", "outcome", "accepted_suggestions",
           "override_system", "override_code", "override_display", "comment_given",
           "user_comment", "outcome_timestamp", "issuer", "request_id")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    service TEXT NOT NULL,
    card TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
    accepted_suggestions TEXT NOT NULL DEFAULT '[]',
    override_system TEXT,
    override_code TEXT,
    override_display TEXT,
    comment_given INTEGER NOT NULL DEFAULT 0,
    user_comment TEXT,
    outcome_timestamp TEXT NOT NULL,
    issuer TEXT,
    request_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@attrs.frozen(kw_only=True)
class Item:
    """One feedback item, as checked at the door."""

    card: str
    outcome: str
    accepted_suggestions: tuple[str, ...] = ()
    override_system: str | None = None
    override_code: str | None = None
    override_display: str | None = None
    user_comment: str | None = None
    outcome_timestamp: str


class FeedbackStore:
    """The SQLite database of feedback (created with its schema on first use)."""

    def __init__(self, path: str | pathlib.Path, *, keep_comments: bool = False) -> None:
        self.path: pathlib.Path = pathlib.Path(path)
        self.keep_comments = keep_comments
        self._lock = threading.Lock()
        self._db = _open(self.path)

    def add(self, service: str, items: Sequence[Item], *, issuer: str | None,
            request_id: str) -> int:
        """Store ``items`` in one transaction, durably; the number stored."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        rows = [(now, service, i.card, i.outcome, json.dumps(list(i.accepted_suggestions)),
                 i.override_system, i.override_code, i.override_display,
                 int(i.user_comment is not None),
                 i.user_comment if self.keep_comments else None, i.outcome_timestamp, issuer,
                 request_id) for i in items]
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO feedback (received_at, service, card, outcome, "
                "accepted_suggestions, override_system, override_code, override_display, "
                "comment_given, user_comment, outcome_timestamp, issuer, request_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _open(path: pathlib.Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level="DEFERRED", timeout=5.0)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")  # the WAL is synced at each commit: durable
    db.execute("PRAGMA busy_timeout=5000")
    with db:
        db.executescript(_SCHEMA)
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                   (str(SCHEMA_VERSION),))
    return db


def rows(path: str | pathlib.Path) -> list[dict[str, Any]]:
    """Every row of the database at ``path``, oldest first (read only)."""
    where = pathlib.Path(path)
    if not where.exists():
        raise FileNotFoundError(f"no feedback database at {where}")
    db = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        found = db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()
    finally:
        db.close()
    return [dict(r) for r in found]


def write_csv(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """``records`` as CSV with a header row; the number of rows written.

    >>> import io
    >>> out = io.StringIO()
    >>> write_csv([{"id": 1, "card": "c1", "outcome": "accepted"}], out)
    1
    >>> out.getvalue().splitlines()[1]
    '1,,,c1,accepted,,,,,,,,,'
    """
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: _cell(v) for k, v in record.items()})
        count += 1
    return count


def _cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is written with a quote first."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return csv_value(value)  # a float as its shortest text within 1e-12
