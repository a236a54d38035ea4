"""``ejournal documents``: write the printed documents of a closed school year (R-ARC-1,
R-ARC-2) — summary sheets (PDF/A and CSV) and class journals (PDF/A) — into a folder."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli import DATA_DIR, EXIT_USAGE, handle_errors


@click.command("documents")
@DATA_DIR
@click.argument("year")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def documents(data_dir: Path, year: str, out: Path) -> None:
    """Write YEAR's summary sheets and class journals (e.g. 2025/2026) into OUT.

    OUT gets summary/<class>.pdf, summary/<class>.csv and journals/<class>.pdf for every class
    of the year. The year must be closed. Exit 0 written, 2 no such year, year not closed or
    OUT not writable. Stop `ejournal serve` first: this opens the journal for writing (it signs
    a checkpoint that the PDFs name).
    """
    # Here, not at the top: every `ejournal` command imports this module (ejournal status <1 s).
    from .journal import Journal
    from .log import SigningPolicy
    from .model.errors import NotFound, RuleViolation
    from .reports.documents import year_documents

    with Journal.open(data_dir, policy=SigningPolicy(background=False)) as j:
        try:
            files = year_documents(j, year)
        except NotFound:
            click.echo(f"error: no school year {year}", err=True)
            sys.exit(EXIT_USAGE)
        except RuleViolation:
            click.echo(f"error: school year {year} is not closed yet", err=True)
            sys.exit(EXIT_USAGE)
    for relative, data in files:
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    click.echo(f"wrote {len(files)} files to {out}")
