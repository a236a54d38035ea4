"""Commands that copy a school between replicas: ``backup``, ``restore``, ``sync``,
``new-device``, ``alarms``, ``backup-key``, ``replication-token`` (issue #9).

``sync/`` sits above the library (DESIGN.md): it is imported inside each command, only when it
runs. Exit codes as everywhere: 0 good, 1 integrity failure or fork, 2 usage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from .datadir import DataDir, DataDirError
from .log.keys import load_private_key
from .log.note import Ed25519Signer, Ed25519Verifier

F = TypeVar("F", bound=Callable[..., Any])
# As in cli.py, which registers these commands at its end: importing it here would be circular
# when it runs as ``python -m ejournal.cli``, so its helpers are reached when a command runs.
EXIT_INTEGRITY, EXIT_USAGE = 1, 2
DATA_DIR = click.argument(
    "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DATA_DIR"
)


def handle_errors(func: F) -> F:
    """cli.handle_errors, looked up when the command runs."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .cli import handle_errors as handle

        return handle(func)(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _root_verifier(dd: DataDir, root_key: str) -> Ed25519Verifier:
    from .cli import _root_verifier as parse

    return parse(dd, root_key)


MEDIUM = click.argument("medium", type=click.Path(path_type=Path), metavar="MEDIUM")
PASSPHRASE_ENV = "EJOURNAL_BACKUP_PASSPHRASE"


def sync_errors(func: F) -> F:
    """The errors of sync/ (a medium, a peer, encryption) become messages and exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sync.crypto import EncryptionError
        from sync.replica import ReplicaError
        from sync.source import SourceError

        try:
            return func(*args, **kwargs)
        except (ReplicaError, SourceError, EncryptionError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USAGE)

    return handle_errors(wrapper)  # type: ignore[return-value]


def _secret(
    encrypt: bool, passphrase_file: Path | None, key_file: Path | None, *, confirm: bool
) -> tuple[str | None, bytes | None]:
    """The passphrase or key for an encrypted copy (none when the copy is plain)."""
    from sync.crypto import read_key_file

    if key_file is not None:
        return None, read_key_file(key_file)
    if passphrase_file is not None:
        return passphrase_file.read_text(encoding="utf-8").rstrip("\n"), None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV], None
    if encrypt:
        return click.prompt(
            "Passphrase of the copy", hide_input=True, confirmation_prompt=confirm
        ), None
    return None, None


ENCRYPT_OPTIONS = [
    click.option(
        "--passphrase-file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help=f"A file holding the passphrase of an encrypted copy (or set {PASSPHRASE_ENV}).",
    ),
    click.option(
        "--key-file",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="A backup key file (ejournal backup-key FILE) instead of a passphrase.",
    ),
]


def _with(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


@click.command()
@DATA_DIR
@MEDIUM
@click.option(
    "--label", required=True, help='Which medium this is, e.g. "флешка в сейфе директора".'
)
@click.option(
    "--encrypt",
    is_flag=True,
    help="Encrypt the copy (asks for a passphrase unless --passphrase-file or --key-file).",
)
@_with(ENCRYPT_OPTIONS)
@click.option(
    "--full-verify",
    is_flag=True,
    help="Also verify the whole copy on the medium from its first entry (the whole history).",
)
@sync_errors
def backup(
    data_dir: Path,
    medium: Path,
    label: str,
    encrypt: bool,
    passphrase_file: Path | None,
    key_file: Path | None,
    full_verify: bool,
) -> None:
    """Back up DATA_DIR to MEDIUM (a mounted flash drive or any folder), verified.

    Signs a checkpoint first (unless a running server holds the feed), copies only what the
    medium lacks into MEDIUM/ejournal-backup/<root key id>/ (public keys, never private ones),
    verifying every new entry and reading back every written file; records the run in
    backups.jsonl there and in DATA_DIR. Not encrypted unless --encrypt: encrypt every copy that
    leaves the school (to the branch, home); the safe's archival copy may stay plain (README).
    An encrypted copy stays encrypted: give its passphrase or key every time.
    Exit code 0: copied and verified; 1: integrity failure or a fork (also written to
    DATA_DIR/alarms.jsonl); 2: usage (bad path, read-only medium, not enough space, wrong
    passphrase).
    """
    from sync.backup import backup as run_backup

    passphrase, key = _secret(encrypt, passphrase_file, key_file, confirm=True)
    result = run_backup(
        data_dir, medium, label, full_verify=full_verify, passphrase=passphrase, key=key
    )
    encrypted = "encrypted" if result.record.get("encrypted") else "not encrypted"
    click.echo(f"backup to {result.folder} ({label}, {encrypted})")
    click.echo(f"  before the copy: {result.signed}")
    _print_sync(result.sync)
    _warn_or_fail(result, "the copy on the medium is not a verified copy of the journal")
    how = "the whole copy verified" if full_verify else "new entries verified, files read back"
    total = sum(f.entries for f in result.sync.feeds)
    click.echo(f"OK: {total:,} entries on the medium ({how})")


def _warn_or_fail(result: Any, failure: str) -> None:
    """Print a backup's or restore's warnings and problems; exit 1 with ``failure`` when the
    copy did not verify."""
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in result.verify.all_problems:
        click.echo(f"FAIL {problem}", err=True)
    if not result.ok:
        click.echo(f"FAILED: {failure}", err=True)
        sys.exit(EXIT_INTEGRITY)


def _print_sync(sync: Any) -> None:
    for f in sync.feeds:
        click.echo(
            f"  feed {f.feed}: {f.status}, {f.entries_copied:,} entries copied "
            f"({f.bytes_copied:,} new bytes, {f.bytes_written:,} written), "
            f"{f.entries:,} on the copy"
        )
        for line in f.problems:
            click.echo(f"FAIL {line}", err=True)
    click.echo(f"  {sync.seconds:.2f} s to copy")


def _root_keys(
    dd_path: Path, root_key: str | None, root_private: Path | None
) -> tuple[Ed25519Verifier, Ed25519Signer | None]:
    signer = load_private_key(root_private) if root_private else None
    if root_key is not None:
        verifier = _root_verifier(DataDir(dd_path), root_key)
        if signer is not None and signer.verifier().vkey() != verifier.vkey():
            raise DataDirError("--root-key and --root-private-key are not the same key")
        return verifier, signer
    if signer is None:
        raise DataDirError(
            "give the school root key: --root-key 'LINE' (the line printed by ejournal init) "
            "or --root-private-key FILE (the root key from the safe, to certify this server too)"
        )
    return signer.verifier(), signer


@click.command()
@MEDIUM
@DATA_DIR
@click.option("--root-key", help="The school root public key: its vkey line or a file holding it.")
@click.option(
    "--root-private-key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The school root private key (from the safe): certifies this server's new device key.",
)
@_with(ENCRYPT_OPTIONS)
@click.option(
    "--full-verify",
    is_flag=True,
    help="Verify the restored feeds once more from the start (they are verified while copied).",
)
@sync_errors
def restore(
    medium: Path,
    data_dir: Path,
    root_key: str | None,
    root_private_key: Path | None,
    passphrase_file: Path | None,
    key_file: Path | None,
    full_verify: bool,
) -> None:
    """Restore the school's copy on MEDIUM into the empty folder DATA_DIR.

    Every entry is verified against the root key YOU give (not the medium's), the projection is
    rebuilt. The restored server gets a NEW device key and feed (docs/adr/0002): certified now
    with --root-private-key, or later with `ejournal new-device`; until then DATA_DIR can be
    verified and read but not written. Exit 0 restored and verified, 1 the copy does not
    verify (nothing kept), 2 usage.
    """
    from sync.crypto import PARAMS
    from sync.restore import find_copy
    from sync.restore import restore as run_restore

    root, signer = _root_keys(data_dir, root_key, root_private_key)
    folder = find_copy(medium, root)
    encrypted = (folder / PARAMS).exists()
    passphrase, key = _secret(encrypted, passphrase_file, key_file, confirm=False)
    result = run_restore(
        medium,
        data_dir,
        root,
        root_signer=signer,
        passphrase=passphrase,
        key=key,
        full_verify=full_verify,
    )
    click.echo(f"restore from {result.folder} into {data_dir}")
    _print_sync(result.sync)
    _warn_or_fail(result, "the copy does not verify; nothing was restored")
    for what, seconds in result.seconds.items():
        cpu = result.cpu.get(what)
        click.echo(
            f"  {what}: {seconds:.1f} s" + (f" (CPU {cpu:.1f} s)" if cpu is not None else "")
        )
    click.echo(
        f"OK: {result.verify.entries:,} entries and {result.blobs:,} attached files verified, "
        "projection rebuilt"
    )
    if result.device_feed:
        click.echo(f"this server's new feed: {result.device_feed} (certified by the root key)")
    else:
        click.echo(
            "this server has no device key yet: it can be read, not written. Certify one with\n"
            f"  ejournal new-device {data_dir} --root-private-key FILE"
        )


@click.command("new-device")
@DATA_DIR
@click.option(
    "--root-private-key",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The school root private key (from the safe).",
)
@handle_errors
def new_device_command(data_dir: Path, root_private_key: Path) -> None:
    """Give DATA_DIR (a restored server, a branch server) its own device key and feed."""
    from sync.restore import new_device

    feed = new_device(DataDir(data_dir).require(), load_private_key(root_private_key))
    click.echo(f"new device feed {feed}, certified by the school root key")


@click.command("sync")
@DATA_DIR
@click.argument("source", metavar="SOURCE")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The peer's replication token (for an http:// SOURCE).",
)
@sync_errors
def sync_command(data_dir: Path, source: str, token_file: Path | None) -> None:
    """Pull into DATA_DIR what it lacks from SOURCE, verified; never rewrite anything.

    SOURCE is another data directory, a backup folder on a medium, or http://HOST:PORT of a
    peer server (with --token-file). New feeds (a branch school's) are added; forks are
    reported, written to DATA_DIR/alarms.jsonl and exit 1.
    """
    from sync.pull import pull

    token = token_file.read_text(encoding="utf-8").strip() if token_file else None
    result = pull(DataDir(data_dir).require().path, source, token)
    click.echo(f"sync {data_dir} ← {source}")
    _print_sync(result.sync)
    click.echo(f"  projection: {result.projection}")
    if not result.sync.ok:
        sys.exit(EXIT_INTEGRITY)
    click.echo(f"OK: {result.sync.entries_copied:,} entries added")


@click.command()
@DATA_DIR
@click.option("--clear", is_flag=True, help="Move the alarms aside (kept as alarms-<time>.jsonl).")
@handle_errors
def alarms(data_dir: Path, clear: bool) -> None:
    """List the fork alarms that backups and syncs raised (DATA_DIR/alarms.jsonl)."""
    from sync.records import clear_alarms, read_alarms

    dd = DataDir(data_dir).require()
    found = read_alarms(dd.path)
    for a in found:
        click.echo(f"{a.get('time')} {a.get('kind')} {a.get('operation')} feed {a.get('feed')}")
        for line in a.get("problems", []):
            click.echo(f"  {line}")
    if clear:
        moved = clear_alarms(dd.path)
        click.echo(f"moved to {moved}" if moved else "no alarms")
    elif not found:
        click.echo("no alarms")


@click.command("backup-key")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def backup_key(file: Path) -> None:
    """Write a new random key file for encrypted copies (keep it in the safe, not on the medium)."""
    from sync.crypto import new_key_file

    new_key_file(file)
    click.echo(f"backup key written to {file} (0600); keep a copy in the director's safe")


@click.command("replication-token")
@DATA_DIR
@handle_errors
def replication_token(data_dir: Path) -> None:
    """Turn on replication over HTTP for DATA_DIR's server and print its token.

    The token is kept in DATA_DIR/replication.token (0600); a peer pulls with
    `ejournal sync ITS_DATA_DIR http://THIS_HOST:PORT --token-file FILE`. Remove the file to
    turn replication off.
    """
    from sync.token import ensure_token

    dd = DataDir(data_dir).require()
    click.echo(ensure_token(dd.path))


def register(main: click.Group) -> None:
    for command in (
        backup,
        restore,
        new_device_command,
        sync_command,
        alarms,
        backup_key,
        replication_token,
    ):
        main.add_command(command)
