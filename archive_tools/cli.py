"""``ejournal archive …``: seal school years into archive packages, verify them, witness,
renew, and keep the retention register. Exit codes: 0 good, 1 a problem found, 2 usage.

ejournal/cli.py loads this group only when ``ejournal archive`` runs (the library imports
nothing from archive_tools, DESIGN.md); ``ejournal-archive`` is the same group on its own.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from ejournal.log.errors import IntegrityError, LogError
from ejournal.log.keys import load_private_key

from . import verify_package as vp
from .errors import ArchiveError, WitnessRefused

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])
DATA_DIR = click.argument(
    "data_dir", type=click.Path(file_okay=False, path_type=Path), metavar="DATA_DIR"
)


def handle_errors(func: F) -> F:
    """Archive and log errors become one-line messages and the documented exit codes."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (WitnessRefused, IntegrityError) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_PROBLEM)
        except (ArchiveError, LogError, OSError, ValueError, vp.FormatProblem) as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def archive() -> None:
    """Archive packages of closed school years (BagIt, sealed by the school root key)."""


def _require(data_dir: Path) -> Path:
    if not (data_dir / "feeds").is_dir():
        raise ArchiveError(f"{data_dir} is not a school data directory (no feeds/)")
    return data_dir


def _root_signer(data_dir: Path, root_key: Path | None):  # type: ignore[no-untyped-def]
    path = root_key or data_dir / "keys" / "root.key"
    if not path.exists():
        raise ArchiveError(
            f"no school root private key at {path}: it lives on the flash drive in the "
            "director's safe; insert it and give --root-key /media/…/root.key"
        )
    return path, load_private_key(path)


@archive.command()
@DATA_DIR
@handle_errors
def years(data_dir: Path) -> None:
    """List the closed school years that can be sealed, one per line (like 2025/2026)."""
    from .years import closed_years, read_feeds

    for y in closed_years(read_feeds(_require(data_dir))):
        click.echo(y.year)


def reports_documents(data_dir: Path) -> Callable[[str], Iterable[tuple[str, bytes]]] | None:
    """The documents hook: ``ejournal.reports.archive_documents(data_dir, year)`` when that
    module provides it (summary sheets and printed class journals as PDF/A), else None."""
    try:
        module = importlib.import_module("ejournal.reports")
    except ImportError:
        return None
    make = getattr(module, "archive_documents", None)
    if make is None:
        return None
    return lambda year: make(data_dir, year)


@archive.command()
@DATA_DIR
@click.option("--year", required=True, help="The closed school year, like 2025/2026.")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the package into (DATA_DIR/archive/packages is the usual).",
)
@click.option(
    "--root-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The school root private key (default DATA_DIR/keys/root.key).",
)
@click.option(
    "--documents/--no-documents",
    default=True,
    show_default=True,
    help="Put the year's summary sheets and printed class journals (PDF/A, from "
    "ejournal.reports) in the package. --no-documents seals the log alone (quick test seals).",
)
@handle_errors
def seal(data_dir: Path, year: str, out_dir: Path, root_key: Path | None, documents: bool) -> None:
    """Seal a closed school year into an archive package (a BagIt bag) and verify it.

    The root key signs the package twice: Ed25519 and ML-DSA-65. The ML-DSA-65 companion key
    is made on the first seal beside the root key (root-mldsa65.key) and certified by it.
    """
    from .keys import root_companion
    from .seal import seal_year
    from .verify import verify_packages

    key_path, root = _root_signer(_require(data_dir), root_key)
    companion = root_companion(root, key_path, data_dir / "archive" / "keys")
    hook = reports_documents(data_dir) if documents else None
    if hook is None and documents:
        click.echo(
            "note: ejournal.reports gives no documents yet: the package has no PDFs", err=True
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    result = seal_year(data_dir, year, out_dir, root, companion, documents=hook)
    click.echo(
        f"sealed {result.path}: {result.entries:,} entries, {result.summary_sheets} "
        f"summary sheets, {result.documents} documents"
    )
    (report,) = verify_packages([str(result.path)])
    if not report.ok:
        click.echo(vp.render_text([report]), err=True)
        sys.exit(EXIT_PROBLEM)
    click.echo("verified: OK")


@archive.command()
@click.argument(
    "packages",
    nargs=-1,
    required=True,
    type=click.Path(file_okay=False, exists=True),
    metavar="PACKAGE…",
)
@click.option(
    "--previous",
    type=click.Path(file_okay=False, exists=True),
    help="The previous year's package: verified too, and the first PACKAGE must "
    "start where it ends.",
)
@click.option("--root-key", help="The school root public key (vkey line) known out of band.")
@click.option("--fixity", is_flag=True, help="Check only the BagIt manifests, at disk speed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as an HTML page.",
)
@click.option(
    "--renewal-key",
    "renewal_keys",
    multiple=True,
    help="A key (vkey line) trusted to sign renewal links; repeatable. Without it the links' "
    "own keys are shown, to be checked out of band.",
)
@click.option(
    "--jobs",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Packages checked at once (processes).",
)
@handle_errors
def verify(
    packages: tuple[str, ...],
    previous: str | None,
    root_key: str | None,
    fixity: bool,
    as_json: bool,
    html_file: Path | None,
    renewal_keys: tuple[str, ...],
    jobs: int,
) -> None:
    """Audit archive packages: fixity, seal, log entries and Merkle tree, signatures,
    cosignatures, the chain of years, summary sheets, renewals.

    Packages given in order are chained: each must start where the one before it ends.
    Exit code 0: whole and authentic; 1: a problem found; 2: usage error.
    """
    from .verify import payload_bytes, verify_packages

    for key in (root_key, *renewal_keys):
        if key:
            vp.parse_vkey(key)
    trusted = list(renewal_keys) or None
    if fixity and not as_json and sys.stderr.isatty():
        with click.progressbar(
            length=payload_bytes(packages), label="fixity", file=sys.stderr
        ) as bar:
            reports = verify_packages(
                packages,
                previous=previous,
                root_key=root_key,
                fixity=True,
                jobs=1,
                progress=bar.update,
                renewal_keys=trusted,
            )
    else:
        reports = verify_packages(
            packages,
            previous=previous,
            root_key=root_key,
            fixity=fixity,
            jobs=jobs,
            renewal_keys=trusted,
        )
    click.echo(vp.render_json(reports) if as_json else vp.render_text(reports), nl=not as_json)
    if html_file:
        html_file.write_text(vp.render_html(reports), encoding="utf-8")
    if not all(r.ok for r in reports):
        sys.exit(EXIT_PROBLEM)


@archive.command("witness-key")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path), metavar="NEW_FILE")
@click.option(
    "--name",
    required=True,
    help="The witness's key name, e.g. witness.roo-berezovka.example/2026 (no spaces, no '+').",
)
@handle_errors
def witness_key(key_file: Path, name: str) -> None:
    """Create a witness's keys (Ed25519 cosignature/v1 and ML-DSA-44 subtree/v1) in NEW_FILE,
    the public keys in NEW_FILE.pub; its cosigning state will be NEW_FILE.state."""
    from .witness import make_witness_key

    vp.check_key_name(name)
    for text in make_witness_key(key_file, name):
        click.echo(text[:100] + ("…" if len(text) > 100 else ""))
    click.echo(
        f"public keys in {key_file}.pub: have the school certify them "
        "(ejournal archive certify-witness)"
    )


@archive.command("certify-witness")
@DATA_DIR
@click.argument(
    "pub_file", type=click.Path(dir_okay=False, exists=True, path_type=Path), metavar="PUB_FILE"
)
@click.option(
    "--root-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The school root private key (default DATA_DIR/keys/root.key).",
)
@handle_errors
def certify_witness_cmd(data_dir: Path, pub_file: Path, root_key: Path | None) -> None:
    """Certify a witness's public keys with the school root key (Ed25519 and ML-DSA-65)."""
    from .keys import root_companion
    from .witness import certify_witness

    key_path, root = _root_signer(_require(data_dir), root_key)
    companion = root_companion(root, key_path, data_dir / "archive" / "keys")
    for path in certify_witness(data_dir / "archive", pub_file, [root, companion]):
        click.echo(f"certified: {path}")


@archive.command()
@DATA_DIR
@click.option(
    "--witness-key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
)
@handle_errors
def cosign(data_dir: Path, key_file: Path) -> None:
    """Cosign each feed's latest checkpoint as a witness, after verifying the feed and its
    consistency with what this witness cosigned before (exit 1 when it refuses)."""
    from .witness import cosign as run

    for c in run(_require(data_dir), key_file):
        since = f" (consistent with {c.previous} cosigned before)" if c.previous else ""
        click.echo(f"cosigned feed {c.feed} at size {c.size}{since}")


@archive.command("renewal-key")
@click.argument("key_file", type=click.Path(dir_okay=False, path_type=Path), metavar="NEW_FILE")
@click.option("--name", required=True, help="The key's name, e.g. archive.example/2031.")
@handle_errors
def renewal_key(key_file: Path, name: str) -> None:
    """Create a renewal key (Ed25519 and ML-DSA-65) in NEW_FILE, public keys in NEW_FILE.pub."""
    from .renew import make_renewal_key

    vp.check_key_name(name)
    for text in make_renewal_key(key_file, name):
        click.echo(text[:100] + ("…" if len(text) > 100 else ""))


@archive.command()
@click.argument("package", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    "key_file",
    required=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The current keys (ejournal archive renewal-key).",
)
@click.option(
    "--hash",
    "algorithm",
    default="sha3_512",
    show_default=True,
    type=click.Choice(list(vp.RENEWAL_HASHES)),
)
@handle_errors
def renew(package: Path, key_file: Path, algorithm: str) -> None:
    """Add a renewal link (RFC 4998 style) to PACKAGE: a fresh hash of every file and of the
    earlier evidence, signed with the current keys. Verify the package first."""
    from .renew import renew as run
    from .verify import verify_packages

    (report,) = verify_packages([str(package)])
    if not report.ok:
        click.echo(vp.render_text([report]), err=True)
        raise IntegrityError("the package does not verify: it is not renewed")
    r = run(package, key_file, algorithm=algorithm)
    click.echo(f"renewal link {r.link}: {r.path} ({r.files} files, {r.algorithm})")


@archive.command()
@DATA_DIR
@click.option(
    "--packages",
    "packages_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the packages are (default DATA_DIR/archive/packages).",
)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Default: today.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the act of destruction (for holdings past term) as HTML.",
)
@handle_errors
def register(
    data_dir: Path, packages_dir: Path | None, today: datetime | None, html_file: Path | None
) -> None:
    """The retention register: packages (25 years) and printed class journals (5 years) the
    school holds, with their keep-until dates; --html writes the act of destruction."""
    from .register import holdings, render_act, render_register

    day = today.date() if today else date.today()
    items = holdings(packages_dir or data_dir / "archive" / "packages")
    click.echo(render_register(items, day), nl=False)
    if html_file:
        html_file.write_text(render_act(items, day), encoding="utf-8")
        due = sum(1 for h in items if h.expired(day))
        click.echo(f"act of destruction ({due} items past term): {html_file}")
