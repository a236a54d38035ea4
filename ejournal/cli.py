"""The ``ejournal`` command line. Errors become messages and exit codes here, in one place:
0 success, 1 an integrity failure was found, 2 a usage error (bad path, bad key…)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .datadir import DataDir, DataDirError
from .log import fastscan
from .log.errors import FormatError, IntegrityError, KeyFileError, LogError
from .log.feed import SigningPolicy
from .log.keys import load_public_key
from .log.note import Ed25519Verifier, parse_vkey
from .log.verify import verify_data_dir

EXIT_OK, EXIT_INTEGRITY, EXIT_USAGE = 0, 1, 2

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn library errors into one-line messages and the documented exit codes."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except IntegrityError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_INTEGRITY)
        except (DataDirError, KeyFileError, LogError, OSError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ejournal")
def main() -> None:
    """ejournal: the school's electronic class journal, kept as signed append-only logs."""


DATA_DIR = click.argument(
    "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DATA_DIR"
)


@main.command()
@DATA_DIR
@click.option(
    "--root-key",
    "root_key",
    help="The school root public key (a vkey line or a file holding it); "
    "default: DATA_DIR/keys/root.vkey.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.option("--record", is_flag=True, help="Record the outcome in DATA_DIR/status/verify.json.")
@handle_errors
def verify(data_dir: Path, root_key: str | None, quiet: bool, record: bool) -> None:
    """Verify every feed: entries, Merkle trees, checkpoint signatures and cosignatures.

    Exit code 0: all good; 1: an integrity problem was found; 2: usage error.
    """
    dd = DataDir(data_dir).require()
    root = _root_verifier(dd, root_key)
    report = verify_data_dir(data_dir, root)
    from .blobs import verify_blobs  # not at the top: `ejournal status` stays quick

    report.problems.extend(verify_blobs(data_dir).problems)  # referenced files (FORMAT.md §14)
    if not quiet:
        click.echo(f"root key {root.vkey()}")
        for feed in report.feeds:
            state = "live (a writer has it open)" if feed.live else "closed"
            click.echo(
                f"feed {feed.feed}: {feed.entries} entries, {feed.checkpoints} checkpoints, "
                f"{feed.cosignatures} cosignatures, {state}"
                + (f", {feed.unsigned_tail} not yet signed" if feed.unsigned_tail else "")
            )
    slow = fastscan.unavailable_because()
    if slow and not quiet:
        click.echo(f"note: the native fast path of verification is {slow}: Python alone, slower")
    for problem in report.all_problems:
        click.echo(f"FAIL {problem}", err=True)
    if record:
        from .local_state import write_status

        problems = [str(p) for p in report.all_problems]
        message = f"{report.entries:,} entries verified" if report.ok else "; ".join(problems[:5])
        write_status(dd.path, "verify", report.ok, message, entries=report.entries)
    if not report.ok:
        sys.exit(EXIT_INTEGRITY)
    if not quiet:
        click.echo(f"OK: {report.entries} entries verified")


def _root_verifier(dd: DataDir, root_key: str | None) -> Ed25519Verifier:
    if root_key is None:
        return dd.root_verifier()
    path = Path(root_key)
    if path.is_file():
        return load_public_key(path)
    try:
        return parse_vkey(root_key)
    except FormatError as e:
        raise KeyFileError(f"--root-key is neither a file nor a verifier key: {e}") from e


@main.command()
@DATA_DIR
@handle_errors
def checkpoint(data_dir: Path) -> None:
    """Sign a checkpoint now over every entry of this device's feed."""
    with DataDir(data_dir).require().open_feed(policy=_no_timer()) as feed:
        cp = feed.checkpoint()
        if feed.recovery.repaired:
            click.echo(f"recovered: {feed.recovery.describe()}")
        click.echo(f"checkpoint: {cp.size if cp else 0} entries")


def _no_timer() -> SigningPolicy:
    return SigningPolicy(background=False)


@main.command()
@DATA_DIR
@handle_errors
def rebuild(data_dir: Path) -> None:
    """Rebuild the projection (DATA_DIR/journal.sqlite) from the feeds alone.

    Stop the journal first: the database is replaced when the rebuild is complete.
    """
    from .projection.db import rebuild as rebuild_projection
    from .upgrade import check_format

    dd = DataDir(data_dir).require()
    check_format(dd)
    started = time.perf_counter()
    count = rebuild_projection(dd.feeds, dd.path / "journal.sqlite")
    seconds = time.perf_counter() - started
    click.echo(
        f"rebuilt {dd.path / 'journal.sqlite'}: {count:,} entries in {seconds:.1f} s "
        f"({count / max(seconds, 1e-9):,.0f} entries/s)"
    )


DEMO_LOGINS = "demo-logins.txt"


@main.command()
@DATA_DIR
@click.option(
    "--students",
    default=300,
    show_default=True,
    type=click.IntRange(11, 20000),
    help="About how many students; the number of classes follows.",
)
@click.option(
    "--years",
    default=2,
    show_default=True,
    type=click.IntRange(1, 40),
    help="School years of history, the current one included; all but the current are closed.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=int,
    help="The same seed and date give the same school.",
)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the demo is built for (YYYY-MM-DD); the journal is filled up to the day before. "
    "Default: today.",
)
@handle_errors
def demo(data_dir: Path, students: int, years: int, seed: int, today: datetime | None) -> None:
    """Create DATA_DIR with a demo school: a realistic, deterministic journal history.

    Grades 1–11, students with parents, teachers, a timetable and lesson plans; the previous
    years complete and closed; the current one filled up to the day before --today. DATA_DIR
    must not exist or be empty (exit code 2 otherwise).
    """
    # Imported here: the generator is large, and other commands (status) should start quickly.
    from .demo import DemoError, DemoOptions, build_demo

    options = DemoOptions(
        students=students, years=years, seed=seed, today=today.date() if today else None
    )
    try:
        result = build_demo(
            data_dir, options, progress=lambda line: click.echo(f"  {line}", err=True)
        )
    except DemoError as e:
        raise DataDirError(str(e)) from e
    click.echo(
        f"Demo school in {result.path}, filled up to {result.today - timedelta(days=1)} "
        f"(seed {seed}): {result.seconds:.1f} s, {result.entries / result.seconds:,.0f} entries/s"
    )
    counts = {
        "students": result.students,
        "teachers": result.teachers,
        "entries": result.entries,
        "lessons": result.lessons,
        "marks": result.marks,
    }
    for label, value in counts.items():
        click.echo(f"  {label + ':':<10}{value:>10,}")
    width = max(len(login.role) for login in result.logins)
    lines = ["Demo people, one per role (person ids; their sign-in is in demo-accounts.txt):"]
    lines += [f"  {x.role:<{width}}  логин: {x.person}  {x.name}" for x in result.logins]
    # Kept beside the data for `make demo` and the demo accounts; not part of the records.
    (result.path / DEMO_LOGINS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    _print_demo_accounts(result.path)


def _print_demo_accounts(data_dir: Path) -> None:
    from .auth.demo import DEMO_ACCOUNTS, seed_demo_accounts

    seed_demo_accounts(data_dir)
    click.echo("")
    click.echo((data_dir / DEMO_ACCOUNTS).read_text(encoding="utf-8"), nl=False)


@main.command("demo-accounts")
@DATA_DIR
@handle_errors
def demo_accounts(data_dir: Path) -> None:
    """Give every person of the demo school in DATA_DIR an account with a known password.

    For the demo only: the people of DATA_DIR/demo-logins.txt get logins named for their role
    (admin, teacher, parent, student …), passwords demo-<login>; the list goes to
    DATA_DIR/demo-accounts.txt. `ejournal demo` does this itself.
    """
    dd = DataDir(data_dir).require()
    if not (dd.path / DEMO_LOGINS).exists():
        raise DataDirError(f"{data_dir} is not a demo school: no {DEMO_LOGINS}")
    _print_demo_accounts(dd.path)


@main.command()
@DATA_DIR
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--secure-cookies",
    is_flag=True,
    help="Mark the session cookie Secure without TLS here: when a TLS proxy in front serves "
    "https. (With DATA_DIR/tls the cookie is Secure anyway.)",
)
@click.option(
    "--insecure-lan",
    is_flag=True,
    help="Serve plain http on an address other than loopback: passwords then cross the "
    "school network unencrypted. Without it, only https (ejournal tls) is served there.",
)
@handle_errors
def serve(data_dir: Path, host: str, port: int, secure_cookies: bool, insecure_lan: bool) -> None:
    """Serve the web journal of DATA_DIR: https when DATA_DIR/tls holds a certificate
    (made by `ejournal tls`), else plain http on loopback only (or with --insecure-lan).

    Opening an older data directory upgrades it (the projection is rebuilt, the feeds are
    never touched); a data directory written by a newer ejournal is refused.
    """
    import ipaddress

    import uvicorn

    from web import create_app

    from .projection.schema import SCHEMA_VERSION
    from .tls import tls_files
    from .upgrade import check_format, projection_version

    dd = DataDir(data_dir).require()
    check_format(dd)
    schema = projection_version(dd.path / "journal.sqlite")
    if schema is not None and schema != SCHEMA_VERSION:
        click.echo(
            f"The projection is of schema {schema}, this version uses {SCHEMA_VERSION}: "
            "rebuilding it from the feeds before serving (the feeds are not changed)…"
        )
    files = tls_files(dd.path)
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    ssl: dict[str, str] = {}
    if files.ready():
        ssl = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    elif not loopback and not insecure_lan:
        raise DataDirError(
            f"refusing plain http on {host}: make a certificate with "
            "'ejournal tls DATA_DIR --host NAME --ip ADDRESS', or pass --insecure-lan"
        )
    app = create_app(data_dir, secure_cookies=bool(ssl) or secure_cookies)
    scheme = "https" if ssl else "http"
    click.echo(f"Электронный журнал: {scheme}://{host}:{port}/  (Ctrl+C — остановить)")
    uvicorn.run(app, host=host, port=port, log_level="warning", **ssl)  # type: ignore[arg-type]


@main.command(
    "archive",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def archive(args: tuple[str, ...]) -> None:
    """Archive packages of closed school years (BagIt, sealed by the school root key).

    The subcommands (years, seal, verify, witness-key, certify-witness, cosign, renewal-key,
    renew, register) are those of archive_tools: `ejournal archive --help` lists them.
    """
    # archive_tools/ sits above the library (DESIGN.md): imported only when this command runs.
    from archive_tools.cli import archive as group

    group.main(args=list(args), prog_name="ejournal archive")


# Commands of their own modules, registered last. They import DATA_DIR, handle_errors… from
# this module, so they register only on the module proper: under `python -m ejournal.cli` this
# file also runs as __main__, and the block at the end runs the module proper instead.
if __name__ != "__main__":
    from .cli_lists import export, import_
    from .cli_mail import mail  # issue #6: e-mail digests
    from .cli_ops import install_service, scheduled_backup, status, tls, uninstall_service
    from .cli_reports import documents  # issue #5: a closed year's printed documents
    from .cli_setup import init, keys
    from .cli_sync import register as _register_sync  # issue #9: backup, restore, sync

    _register_sync(main)
    for command in (init, keys, import_, export, tls, install_service, uninstall_service,
                    scheduled_backup, status, mail, documents):  # fmt: skip
        main.add_command(command)

if __name__ == "__main__":  # pragma: no cover
    # `python -m ejournal.cli`: run the module proper, which has every command.
    from ejournal.cli import main as ejournal_main

    ejournal_main()
