"""The command line of running the server (issue #10): the systemd service and its timers,
the scheduled backup to the configured media, and TLS for the school network."""

from __future__ import annotations

import os
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .cli import DATA_DIR, EXIT_INTEGRITY, EXIT_OK, EXIT_USAGE, handle_errors
from .datadir import DataDir, DataDirError
from .local_state import ConfigError, load_config, write_status
from .service import ServiceOptions, install, install_commands, starts_now, uninstall

UNITS_UNDER = click.option(
    "--units-under", type=click.Path(file_okay=False, path_type=Path),
    help="Install for real (the system user, the data directory's owner, `systemctl --root "
    "DIR enable`) but with the unit files under DIR: a system image being prepared, or the "
    "root tests. Nothing is started.",
)  # fmt: skip


@click.command("install-service")
@DATA_DIR
@click.option("--user", default="ejournal", show_default=True, help="The system user to run as.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8443, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option("--insecure-lan", is_flag=True, help="Serve plain http on the LAN (no TLS).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              envvar="EJOURNAL_SYSTEMD_ROOT",
              help="Write the units under this folder only; enable nothing.")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Same as --root ./ejournal-units.")
@UNITS_UNDER
@handle_errors
def install_service(
    data_dir: Path, user: str, host: str, port: int, insecure_lan: bool, root: Path | None,
    dry_run: bool, units_under: Path | None,
) -> None:  # fmt: skip
    """Run the journal of DATA_DIR as a systemd service (as root): a system user owning
    DATA_DIR, the server restarted on failure and started at boot, a weekly backup to the
    media of DATA_DIR/ejournal.toml and a daily verification (both timers)."""
    dd = DataDir(data_dir.resolve()).require()
    if dry_run and root is None:
        root = Path("ejournal-units")
    if root is None and os.geteuid() != 0:
        raise DataDirError("install-service needs root (sudo), or --root DIR for a dry run")
    if not insecure_lan and not (dd.path / "tls" / "server.crt").exists() and host not in (
        "127.0.0.1", "::1", "localhost"
    ):  # fmt: skip
        raise DataDirError(
            "no TLS certificate: run 'ejournal tls DATA_DIR --host NAME --ip ADDRESS' first, "
            "or pass --insecure-lan to serve plain http on the school network"
        )
    try:
        load_config(dd.path)
    except ConfigError as e:
        raise DataDirError(str(e)) from e
    if root is not None and units_under is not None:
        raise DataDirError("--root is a dry run and --units-under a real install: give one")
    options = ServiceOptions(dd.path, user, host, port, insecure_lan=insecure_lan)
    under = units_under.resolve() if units_under is not None else None
    for path in install(options, root, under=under):
        click.echo(f"wrote {path}")
    if root is not None:
        click.echo("dry run: nothing enabled. On the server, as root, this would then run:")
        for argv in install_commands(options, systemd=True):
            click.echo("  " + shlex.join(argv))
        return
    what = f"the journal at {host}:{port}, the weekly backup and daily verification"
    if not starts_now(under):
        why = f"the units are under {under}" if under else "systemd is not running here"
        click.echo(f"enabled for the next boot, not started ({why}): {what}")
        return
    click.echo(f"enabled and started: {what}")
    click.echo("  systemctl status ejournal   — is it running?")
    click.echo("  journalctl -u ejournal      — its log")


@click.command("uninstall-service")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              envvar="EJOURNAL_SYSTEMD_ROOT",
              help="Remove the units from under this folder only.")  # fmt: skip
@UNITS_UNDER
@handle_errors
def uninstall_service(root: Path | None, units_under: Path | None) -> None:
    """Stop and remove the service and timers; the data directory and its user stay."""
    if root is None and os.geteuid() != 0:
        raise DataDirError("uninstall-service needs root (sudo), or --root DIR")
    if root is not None and units_under is not None:
        raise DataDirError("--root only removes files and --units-under disables: give one")
    under = units_under.resolve() if units_under is not None else None
    for path in uninstall(root, under=under):
        click.echo(f"removed {path}")


@click.command("scheduled-backup")
@DATA_DIR
@handle_errors
def scheduled_backup(data_dir: Path) -> None:
    """Back up DATA_DIR to every medium listed in DATA_DIR/ejournal.toml that is connected
    (the weekly timer runs this); record the outcome in DATA_DIR/status/backup.json.

    Exit code 0: every connected medium verified; 1: a copy failed verification; 2: no
    medium configured or none connected, or a usage problem.
    """
    from sync.backup import backup
    from sync.replica import ReplicaError

    dd = DataDir(data_dir).require()
    try:
        media = load_config(dd.path).media
    except ConfigError as e:
        raise DataDirError(str(e)) from e
    results: dict[str, str] = {}
    code = EXIT_OK
    for m in media:
        if not m.path.is_dir():
            results[m.label] = f"not connected ({m.path})"
            continue
        try:
            r = backup(dd.path, m.path, m.label)
        except ReplicaError as e:
            results[m.label] = f"failed: {e}"
            code = max(code, EXIT_USAGE)
            continue
        results[m.label] = (
            f"verified, {r.verify.entries:,} entries" if r.ok else "FAILED verification"
        )
        if not r.ok:
            code = EXIT_INTEGRITY
    done = [k for k, v in results.items() if v.startswith("verified")]
    if not done and code == EXIT_OK:
        code = EXIT_USAGE
    message = "; ".join(f"{k}: {v}" for k, v in results.items()) or "no media in ejournal.toml"
    write_status(dd.path, "backup", code == EXIT_OK, message, media=results)
    click.echo(message)
    sys.exit(code)


@click.command("tls")
@DATA_DIR
@click.option("--host", "hosts", multiple=True, help="The journal's name on the network "
              "(repeatable), e.g. journal.school.local.")  # fmt: skip
@click.option("--ip", "ips", multiple=True, help="Its address (repeatable), e.g. 192.168.1.10.")
@handle_errors
def tls(data_dir: Path, hosts: tuple[str, ...], ips: tuple[str, ...]) -> None:
    """Make the school's own certificate authority (once) and a server certificate for
    HOST and IP in DATA_DIR/tls; `ejournal serve` then serves https.

    Install DATA_DIR/tls/ca.crt on the school's computers and phones (how: the page /tls of
    the journal, or docs/TLS.md). Run it again for a new name or address, or before the
    certificate expires: the CA stays.
    """
    from .tls import TlsError, issue

    dd = DataDir(data_dir).require()
    try:
        issued = issue(dd.path, list(hosts), list(ips), school=_school_name(dd.path))
    except TlsError as e:
        raise DataDirError(str(e)) from e
    f = issued.files
    click.echo(("made the school CA " if issued.new_ca else "kept the school CA ") + str(f.ca_cert))
    click.echo(f"  its private key {f.ca_key} (0600): only on this server, or on a flash drive")
    click.echo(f"server certificate {f.cert} for {', '.join(issued.names)}")
    click.echo(f"  valid until {issued.not_after:%Y-%m-%d}; its key {f.key} (0600)")
    click.echo("Установите ca.crt на компьютеры и телефоны школы: инструкция на странице /tls.")
    click.echo("Restart the journal (systemctl restart ejournal) to serve the new certificate.")


def _school_name(data_dir: Path) -> str:
    import sqlite3

    db = data_dir / "journal.sqlite"
    if not db.exists():
        return ""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT short_name, name FROM school").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return ""
    return str(row[0] or row[1]) if row else ""


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} B"


def _ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return "never"
    seconds = int((now - when).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


@click.command("status")
@DATA_DIR
@handle_errors
def status(data_dir: Path) -> None:
    """One screen on the health of DATA_DIR: version, feeds, last checkpoint, backups, disk,
    last verification, open alarms. Reads file tails only: quick on any school.

    Exit code 0: nothing open; 1: an alarm is open or a job failed.
    """
    from .health import collect

    now = datetime.now(UTC)
    h = collect(data_dir, now)
    from .projection.schema import SCHEMA_VERSION

    stale = h.schema.isdigit() and int(h.schema) != SCHEMA_VERSION
    click.echo(f"ejournal {h.version}: data directory {h.data_dir} (format {h.format}, "
               f"projection schema {h.schema}"
               f"{', rebuilt at the next start' if stale else ''})")  # fmt: skip
    for f in h.feeds:
        unsigned = f.entries - f.signed
        click.echo(
            f"feed {f.feed}: {f.entries:,} entries in {f.segments} segment(s), {_size(f.bytes)}"
            f"{', open in a running server' if f.live else ''}"
        )
        click.echo(
            f"  last checkpoint over {f.signed:,} entries, {_ago(f.signed_at, now)}"
            + (f"; {unsigned:,} entries not yet signed" if unsigned > 0 else "")
            + (f"; last entry {f.last_entry[:19].replace('T', ' ')}" if f.last_entry else "")
        )
    if not h.backups:
        click.echo("backups: no media configured (DATA_DIR/ejournal.toml, see docs/INSTALL.md)")
    for b in h.backups:
        state = "connected" if b.connected else "not connected"
        verdict = "verified" if b.last_ok else "FAILED"
        when = b.last_time[:16].replace("T", " ")
        last = f"last backup {when} {verdict}" if b.last_time else "no backup yet"
        click.echo(f"backup «{b.label}» ({b.path}, {state}): {last}")
    click.echo(f"disk: {_size(h.disk_free)} free of {_size(h.disk_total)}")
    v = h.statuses.get("verify")
    if v is None:
        click.echo(
            "last verification: none recorded (the daily timer runs ejournal verify --record)"
        )
    else:
        click.echo(f"last verification: {v.time[:16].replace('T', ' ')} "
                   f"{'OK' if v.ok else 'FAILED'}: {v.message}")  # fmt: skip
    failed = [s for s in h.statuses.values() if not s.ok]
    for s in failed:
        if s.job != "verify":
            click.echo(f"FAILED job {s.job} at {s.time}: {s.message}")
    for w in h.warnings:
        click.echo(f"warning: {w}")
    if h.alarms:
        click.echo(f"open alarms: {len(h.alarms)}")
        for a in h.alarms:
            click.echo(f"  ALARM {a.kind}: {a.message}" + (f" ({a.time})" if a.time else ""))
    else:
        click.echo("open alarms: none")
    if h.alarms or failed:
        sys.exit(EXIT_INTEGRITY)
