"""``ejournal mail DATA_DIR [--send]``: build the parents' digests that are due and, with
``--send``, deliver the outbox over SMTP (R-DIA-3). A timer runs it, e.g. every hour.

Exit codes: 0 done; 2 usage (no data directory, no or bad ``mail.toml``); 3 some letters could
not be sent now and stay queued (the administrator sees them at /mail/outbox and here).
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .cli import DATA_DIR, EXIT_USAGE, handle_errors
from .datadir import DataDir
from .log.errors import FeedLockedError

EXIT_QUEUED = 3


def _projection(data_dir: Path) -> tuple[sqlite3.Connection, object | None]:
    """The projection to read: through the journal (brought up to date) or, while the server
    holds the feed, its database read-only (the server keeps it current)."""
    from .journal import Journal

    try:
        j = Journal.open(data_dir)
    except FeedLockedError:
        path = DataDir(data_dir).require().path / "journal.sqlite"
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True), None
    return j.db, j


@click.command()
@DATA_DIR
@click.option("--send", is_flag=True, help="Also deliver the outbox over SMTP.")
@handle_errors
def mail(data_dir: Path, send: bool) -> None:
    """Queue the e-mail digests that are due for subscribed parents; with --send, send them.

    SMTP settings are in DATA_DIR/mail.toml (0600; see ejournal/mail/config.py); subscriptions
    and the outbox in DATA_DIR/mail.sqlite. Letters that fail stay queued and are retried later.
    """
    # Here, not at the top: every `ejournal` command imports this module (ejournal status <1 s).
    from .mail import MailConfigError, MailStore, load_config
    from .mail.outbox import deliver, queue_due

    try:
        config = load_config(data_dir)
    except MailConfigError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    DataDir(data_dir).require()
    db, journal = _projection(data_dir)
    store = MailStore.of(data_dir)
    try:
        row = db.execute("SELECT timezone FROM school WHERE id = 1").fetchone()
        result = queue_due(db, store, config, datetime.now(UTC), (row[0] if row else "") or "")
        click.echo(
            f"digests queued: {result.queued}, nothing new: {result.empty}, "
            f"not due yet: {result.not_due}"
        )
        if send:
            delivered = deliver(store, config)
            click.echo(f"sent: {delivered.sent}, failed: {delivered.failed}")
            for line in delivered.errors:
                click.echo(f"FAIL {line}", err=True)
        waiting = [letter for letter in store.letters() if letter.sent_at is None]
        for letter in waiting:
            if letter.attempts:
                when = datetime.fromtimestamp(letter.next_attempt, UTC).strftime("%Y-%m-%d %H:%M")
                click.echo(
                    f"queued #{letter.id} to {letter.email}: {letter.attempts} attempts, "
                    f"next {when} UTC, last error: {letter.last_error}",
                    err=True,
                )
        click.echo(f"outbox: {len(waiting)} waiting")
        if send and any(letter.attempts for letter in waiting):
            sys.exit(EXIT_QUEUED)
    finally:
        store.close()
        if journal is not None:
            journal.close()  # type: ignore[attr-defined]
        else:
            db.close()
