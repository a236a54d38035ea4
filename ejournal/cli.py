"""The ``ejournal`` command line. Errors become messages and exit codes here, in one place:
0 success, 1 an integrity failure was found, 2 a usage error (bad path, bad key…)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .datadir import DataDir, DataDirError, init_data_dir
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
@handle_errors
def init(data_dir: Path) -> None:
    """Create a school's data directory with its root key, a device key and the device's feed.

    The school root key is written to DATA_DIR/keys/root.key: copy it to a flash drive kept
    in the director's safe and delete it from the server.
    """
    result = init_data_dir(data_dir)
    click.echo(f"Created the school data directory {data_dir}")
    click.echo(f"  device feed:      {result.feed_id}")
    click.echo(f"  school root key:  {result.root.vkey()}")
    click.echo("")
    click.echo(f"The school root PRIVATE key is in {result.data_dir.root_key}.")
    click.echo(
        "Copy it to a flash drive kept in the director's safe, then delete it from this server."
    )
    click.echo("Закрытый корневой ключ школы записан в этот файл: скопируйте его на флешку,")
    click.echo("храните её в сейфе директора и удалите файл с сервера.")
    click.echo(
        "Write down the root key line above (or print it): it is what proves the archive authentic."
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
@handle_errors
def verify(data_dir: Path, root_key: str | None, quiet: bool) -> None:
    """Verify every feed: entries, Merkle trees, checkpoint signatures and cosignatures.

    Exit code 0: all good; 1: an integrity problem was found; 2: usage error.
    """
    dd = DataDir(data_dir).require()
    root = _root_verifier(dd, root_key)
    report = verify_data_dir(data_dir, root)
    if not quiet:
        click.echo(f"root key {root.vkey()}")
        for feed in report.feeds:
            state = "live (a writer has it open)" if feed.live else "closed"
            click.echo(
                f"feed {feed.feed}: {feed.entries} entries, {feed.checkpoints} checkpoints, "
                f"{feed.cosignatures} cosignatures, {state}"
                + (f", {feed.unsigned_tail} not yet signed" if feed.unsigned_tail else "")
            )
    for problem in report.all_problems:
        click.echo(f"FAIL {problem}", err=True)
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


if __name__ == "__main__":  # pragma: no cover
    main()
