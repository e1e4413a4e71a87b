"""The bot's memory in SQLite: checked heads, verdicts, grants, commands, deliveries.

The schema version lives in `PRAGMA user_version`. Opening a file runs every migration
above its version in one transaction each, so a bot upgrade never needs a manual step.
Version 1 held checked heads and deliveries. Version 2 added the per-entry ledger,
grants, command history and the daily generation budget. Version 3 keeps each check's
report, so a grant can be applied without re-running the benchmarks. Version 4 counts
re-run generations per pull request.
"""

import argparse
import datetime
import json
import logging
import sqlite3
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from checks.report import Grant, Report

logger = logging.getLogger(__name__)

DEFAULT_STATE_PATH = Path("evalbot.sqlite3")
# How long delivery ids are kept to spot redeliveries, and how often old ones are dropped.
DELIVERY_RETENTION = datetime.timedelta(days=7)
PRUNE_EVERY = 500

MIGRATIONS: list[str] = [
    # 1: checked heads and webhook deliveries.
    """
    CREATE TABLE checks (
        platform TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        pr_num INTEGER NOT NULL,
        head_sha TEXT NOT NULL,
        conclusion TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (platform, repo_id, pr_num, head_sha)
    );
    CREATE TABLE deliveries (
        delivery_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL
    );
    """,
    # 2: ledger of checked entries, grants, command history, generation budget.
    """
    ALTER TABLE checks ADD COLUMN bot_errors INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE entries (
        platform TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        pr_num INTEGER NOT NULL,
        head_sha TEXT NOT NULL,
        file TEXT NOT NULL,
        entry_index INTEGER NOT NULL,
        dataset_id TEXT,
        task_id TEXT,
        value TEXT,
        badge TEXT NOT NULL,
        verdict TEXT,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (platform, repo_id, pr_num, head_sha, file, entry_index)
    );
    CREATE TABLE grants (
        platform TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        pr_num INTEGER NOT NULL,
        head_sha TEXT NOT NULL,
        granted_by TEXT NOT NULL,
        granted_at TEXT NOT NULL,
        PRIMARY KEY (platform, repo_id, pr_num, head_sha)
    );
    CREATE TABLE commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        platform TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        pr_num INTEGER NOT NULL,
        head_sha TEXT,
        author TEXT NOT NULL,
        command TEXT NOT NULL,
        outcome TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE generations (
        day TEXT PRIMARY KEY,
        used INTEGER NOT NULL
    );
    """,
    # 3: the report of each check, as JSON.
    """
    ALTER TABLE checks ADD COLUMN report TEXT;
    """,
    # 4: generations used per pull request, across all its checks.
    """
    CREATE TABLE pull_request_generations (
        platform TEXT NOT NULL,
        repo_id TEXT NOT NULL,
        pr_num INTEGER NOT NULL,
        used INTEGER NOT NULL,
        PRIMARY KEY (platform, repo_id, pr_num)
    );
    """,
]
LATEST_VERSION = len(MIGRATIONS)


class PullRequestRef(BaseModel, frozen=True):
    """One pull request on one platform; the unit the queue and the state key on."""

    platform: str
    repo_id: str
    num: int
    repo_type: str = "model"

    def __str__(self) -> str:
        return f"{self.platform}:{self.repo_id}#{self.num}"


class StateError(RuntimeError):
    """The state file cannot be used: not a SQLite database, unreadable, or from a newer evalbot."""


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


class State:
    """A SQLite file shared by the server's threads; one lock serialises the writes."""

    def __init__(self, path: Path | str = DEFAULT_STATE_PATH) -> None:
        """Open the file, creating it when missing, and migrate it to the latest schema.

        Raises:
            StateError: the file is not a SQLite database, cannot be opened, or has a
                newer schema than this evalbot.
        """
        self.path = str(path)
        self._lock = threading.Lock()
        self._deliveries_since_prune = 0
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.DatabaseError as error:
            raise self._unusable(error) from error
        try:
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 5000")
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode = WAL")
            self.migrate()
        except sqlite3.DatabaseError as error:
            # sqlite3 opens any file lazily, so a file that is not a database fails here.
            self._db.close()
            raise self._unusable(error) from error
        except StateError:
            self._db.close()
            raise

    def _unusable(self, error: sqlite3.DatabaseError) -> StateError:
        return StateError(
            f"state file '{self.path}' could not be opened as an evalbot state database ({error}); "
            "pass the --state file of `evalbot serve` or `evalbot poll`, or a new path to start empty"
        )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply the migrations above the file's version, each in its own transaction."""
        with self._lock:
            current = self.version()
            if current > LATEST_VERSION:
                raise StateError(
                    f"state file '{self.path}' has schema version {current}, newer than this "
                    f"evalbot ({LATEST_VERSION}); upgrade evalbot or use another --state file"
                )
            for version in range(current + 1, LATEST_VERSION + 1):
                # executescript commits first, so the transaction is opened inside the script.
                self._db.executescript(
                    f"BEGIN; {MIGRATIONS[version - 1]} PRAGMA user_version = {version}; COMMIT;"
                )
                logger.info("state %s migrated to schema version %d", self.path, version)

    # Deliveries

    def record_delivery(self, delivery_id: str) -> bool:
        """Remember a webhook delivery id; return False when it was seen before.

        Ids older than `DELIVERY_RETENTION` are dropped now and then, because senders
        redeliver within hours and the table would otherwise grow without end.
        """
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO deliveries (delivery_id, received_at) VALUES (?, ?)",
                (delivery_id, utc_now()),
            )
            self._deliveries_since_prune += 1
            if self._deliveries_since_prune >= PRUNE_EVERY:
                self._deliveries_since_prune = 0
                cutoff = datetime.datetime.now(datetime.UTC) - DELIVERY_RETENTION
                self._db.execute("DELETE FROM deliveries WHERE received_at < ?", (cutoff.isoformat(timespec="seconds"),))
            return cursor.rowcount == 1

    def forget_delivery(self, delivery_id: str) -> None:
        """Drop a delivery id, so a redelivery of a delivery that was not queued is taken."""
        with self._lock:
            self._db.execute("DELETE FROM deliveries WHERE delivery_id = ?", (delivery_id,))

    # Checked heads and the ledger

    def is_checked(self, pr: PullRequestRef, head_sha: str) -> bool:
        """Return True when the head was checked without a bot error.

        A check that hit a bot error counts as not done, so the next trigger resumes it.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM checks WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?"
                " AND bot_errors = 0",
                (pr.platform, pr.repo_id, pr.num, head_sha),
            ).fetchone()
        return row is not None

    def count_checks(self, pr: PullRequestRef) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM checks WHERE platform = ? AND repo_id = ? AND pr_num = ?",
                (pr.platform, pr.repo_id, pr.num),
            ).fetchone()
        return int(row[0])

    def record_check(self, pr: PullRequestRef, head_sha: str, report: Report) -> None:
        """Store a finished check and one ledger row per entry, replacing an older run."""
        checked_at = utc_now()
        key = (pr.platform, pr.repo_id, pr.num, head_sha)
        rows = []
        for file_report in report.files:
            for entry in file_report.entries:
                verdict = entry.reproduction.verdict if entry.reproduction else None
                # JSON keeps the submitted type: 78.8 stays a number, "n/a" stays text.
                value = json.dumps(entry.value)
                rows.append((*key, file_report.path, entry.index, entry.dataset_id,
                             entry.task_id, value, entry.badge, verdict, checked_at))
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO checks (platform, repo_id, pr_num, head_sha, conclusion,"
                " checked_at, bot_errors, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, report.conclusion, checked_at, len(report.bot_errors), report.model_dump_json()),
            )
            self._db.execute(
                "DELETE FROM entries WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?", key
            )
            self._db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def record_skip(self, pr: PullRequestRef, head_sha: str) -> None:
        """Mark a head that needs no check (it changes no results file) as done."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO checks (platform, repo_id, pr_num, head_sha, conclusion, checked_at)"
                " VALUES (?, ?, ?, ?, 'skipped', ?)",
                (pr.platform, pr.repo_id, pr.num, head_sha, utc_now()),
            )

    def last_report(self, pr: PullRequestRef, head_sha: str) -> Report | None:
        """Return the stored report of a head's check; None when none was stored."""
        with self._lock:
            row = self._db.execute(
                "SELECT report FROM checks WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?",
                (pr.platform, pr.repo_id, pr.num, head_sha),
            ).fetchone()
        if row is None or row[0] is None:
            return None
        return Report.model_validate_json(row[0])

    def forget_check(self, pr: PullRequestRef, head_sha: str) -> None:
        """Drop a head from the checked set so the next trigger checks it again."""
        with self._lock:
            self._db.execute(
                "DELETE FROM checks WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?",
                (pr.platform, pr.repo_id, pr.num, head_sha),
            )

    # Grants: keyed by head sha, so new commits drop them without a delete.

    def set_grant(self, pr: PullRequestRef, grant: Grant) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO grants VALUES (?, ?, ?, ?, ?, ?)",
                (pr.platform, pr.repo_id, pr.num, grant.head_sha, grant.granted_by, grant.granted_at),
            )

    def remove_grant(self, pr: PullRequestRef, head_sha: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "DELETE FROM grants WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?",
                (pr.platform, pr.repo_id, pr.num, head_sha),
            )
            return cursor.rowcount > 0

    def grant_for(self, pr: PullRequestRef, head_sha: str) -> Grant | None:
        with self._lock:
            row = self._db.execute(
                "SELECT granted_by, granted_at, head_sha FROM grants"
                " WHERE platform = ? AND repo_id = ? AND pr_num = ? AND head_sha = ?",
                (pr.platform, pr.repo_id, pr.num, head_sha),
            ).fetchone()
        return None if row is None else Grant(**dict(row))

    # Commands

    def record_command(self, pr: PullRequestRef, head_sha: str | None, author: str, command: str, outcome: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO commands (platform, repo_id, pr_num, head_sha, author, command, outcome, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (pr.platform, pr.repo_id, pr.num, head_sha, author, command, outcome, utc_now()),
            )

    def count_commands(self, pr: PullRequestRef, head_sha: str, author: str, command: str, outcome: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM commands WHERE platform = ? AND repo_id = ? AND pr_num = ?"
                " AND head_sha = ? AND author = ? AND command = ? AND outcome = ?",
                (pr.platform, pr.repo_id, pr.num, head_sha, author, command, outcome),
            ).fetchone()
        return int(row[0])

    # Daily generation budget of re-runs

    def add_generations(self, day: str, used: int, pr: PullRequestRef | None = None) -> int:
        """Add to the day's (and the pull request's) generation count; return the day's total."""
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO generations (day, used) VALUES (?, ?)"
                " ON CONFLICT(day) DO UPDATE SET used = used + excluded.used",
                (day, used),
            )
            if pr is not None:
                self._db.execute(
                    "INSERT INTO pull_request_generations VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(platform, repo_id, pr_num) DO UPDATE SET used = used + excluded.used",
                    (pr.platform, pr.repo_id, pr.num, used),
                )
            return int(self._db.execute("SELECT used FROM generations WHERE day = ?", (day,)).fetchone()[0])

    def generations_of(self, pr: PullRequestRef) -> int:
        """Return the generations used by all re-runs of one pull request."""
        with self._lock:
            row = self._db.execute(
                "SELECT used FROM pull_request_generations WHERE platform = ? AND repo_id = ? AND pr_num = ?",
                (pr.platform, pr.repo_id, pr.num),
            ).fetchone()
        return 0 if row is None else int(row[0])

    def generations_on(self, day: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT used FROM generations WHERE day = ?", (day,)).fetchone()
        return 0 if row is None else int(row[0])

    # Ledger export

    def ledger(self) -> Iterator[dict[str, object]]:
        """Yield one record per checked entry, oldest check first, with its grant if any."""
        with self._lock:
            rows = self._db.execute(
                "SELECT e.*, g.granted_by, g.granted_at FROM entries e LEFT JOIN grants g"
                " ON g.platform = e.platform AND g.repo_id = e.repo_id AND g.pr_num = e.pr_num"
                " AND g.head_sha = e.head_sha"
                " ORDER BY e.checked_at, e.platform, e.repo_id, e.pr_num, e.file, e.entry_index"
            ).fetchall()
        for row in rows:
            grant = None
            if row["granted_by"] is not None:
                grant = {"granted_by": row["granted_by"], "granted_at": row["granted_at"]}
            yield {
                "platform": row["platform"],
                "repo": row["repo_id"],
                "pr": row["pr_num"],
                "head_sha": row["head_sha"],
                "file": row["file"],
                "index": row["entry_index"],
                "dataset": row["dataset_id"],
                "task": row["task_id"],
                "value": json.loads(row["value"]) if row["value"] is not None else None,
                "badge": row["badge"],
                "verdict": row["verdict"],
                "grant": grant,
                "checked_at": row["checked_at"],
            }

    def export_ledger(self, output: IO[str]) -> int:
        """Write the ledger as JSON Lines and return the number of lines."""
        count = 0
        for record in self.ledger():
            output.write(json.dumps(record, sort_keys=True) + "\n")
            count += 1
        return count

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    """BEGIN/COMMIT around a block, ROLLBACK on error (the connection is in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def add_ledger_command(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register `evalbot ledger export` on the CLI's subcommands."""
    ledger = subparsers.add_parser("ledger", help="read the bot's ledger of checked entries")
    actions = ledger.add_subparsers(dest="ledger_action", required=True)
    export = actions.add_parser("export", help="write one JSON line per checked entry")
    export.add_argument("--state", type=Path, default=DEFAULT_STATE_PATH, help="SQLite state file (default: evalbot.sqlite3)")
    export.add_argument("--output", type=Path, default=None, help="JSONL file to write (default: standard output)")
    export.set_defaults(handler=run_ledger_export)


def run_ledger_export(args: "argparse.Namespace") -> int:
    """Write the ledger as JSON Lines; return 2 when the state file or the output cannot be used."""
    if not args.state.is_file():
        problem = "is not a file" if args.state.exists() else "not found"
        print(f"evalbot: error: state file '{args.state}' {problem}; pass the --state of `evalbot serve` or `evalbot poll`", file=sys.stderr)
        return 2
    try:
        state = State(args.state)
    except StateError as error:
        print(f"evalbot: error: {error}", file=sys.stderr)
        return 2
    try:
        if args.output is None:
            count = state.export_ledger(sys.stdout)
        else:
            with args.output.open("w", encoding="utf-8") as output:
                count = state.export_ledger(output)
    except OSError as error:
        if args.output is None:
            raise
        print(
            f"evalbot: error: output file '{args.output}' could not be written ({error.strerror}); "
            "pass an --output path in an existing, writable folder",
            file=sys.stderr,
        )
        return 2
    finally:
        state.close()
    logger.info("ledger exported: %d entries", count)
    return 0
