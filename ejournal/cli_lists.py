"""``ejournal import`` and ``ejournal export``: class lists, parents and staff from and to
spreadsheets (issue #10; R-STR-2, R-STR-7)."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import DATA_DIR, EXIT_USAGE, handle_errors

if TYPE_CHECKING:
    from .imports import ImportPlan

# The lists (ejournal.imports.KINDS); the library is imported when a command runs, so that
# the other commands start quickly.
KIND_NAMES = ("parents", "staff", "students")
ACTION_RU = {
    "new": "новый",
    "add": "добавить",
    "exists": "уже есть",
    "error": "ОШИБКА",
    "skipped": "пропущено",
}


def _actor(data_dir: Path, login: str | None) -> str:
    from .auth import AuthStore
    from .model.access import SYSTEM

    if not login:
        return SYSTEM
    auth = AuthStore.of(data_dir)
    try:
        person = auth.person_of_login(login)
    finally:
        auth.close()
    if person is None:
        raise click.UsageError(f"--as {login}: no account with that login")
    return person


def print_plan(plan: ImportPlan) -> None:
    from .imports import KINDS

    for p in plan.rows:
        if p.action in ("error", "skipped"):
            cells = "; ".join(v for v in p.row.values.values() if v)
            click.echo(f"  строка {p.row.line}: {ACTION_RU[p.action]} — {cells}")
            for problem in p.problems:
                click.echo(f"      {problem.code}: {problem.message_ru}")
    if plan.new_classes:
        click.echo("  new classes: " + ", ".join(f"{g}{x}" for g, x in plan.new_classes))
    click.echo(
        f"{KINDS[plan.kind]} ({plan.kind}), {plan.year or 'no year'}, from {plan.start or '-'}: "
        f"{plan.count('new')} new, {plan.count('add')} to add, {plan.count('exists')} already "
        f"there, {plan.problems} with problems, {plan.count('skipped')} skipped"
    )


@click.command("import")
@DATA_DIR
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--kind", type=click.Choice(KIND_NAMES), help="Which list (default: guessed).")
@click.option("--dry-run", is_flag=True, help="Show the preview with its problems; write nothing.")
@click.option("--create-classes", is_flag=True, help="Create the classes the list names.")
@click.option("--start", default="", help="First day of the enrolments/roles (YYYY-MM-DD).")
@click.option("--skip", "skip", multiple=True, type=int, help="Leave out this line (repeatable).")
@click.option("--order", default="", help="The director's order (приказ) of the admission.")
@click.option("--as", "login", default=None, help="Record it as this login (default: system).")
@handle_errors
def import_(data_dir: Path, file: Path, kind: str | None, dry_run: bool, **o: object) -> None:
    """Import a list of students, parents or staff from FILE (.csv or .xlsx) into DATA_DIR.

    Students: ФИО (or Фамилия, Имя, Отчество), Дата рождения, Класс[, Пол]. Parents: ФИО,
    Телефон, Эл. почта, ФИО ребёнка, Дата рождения ребёнка. Staff: ФИО, Должность. Rows with
    problems are listed and left out; people already in the journal (same ФИО and date of
    birth) are not added again. All the entries are written in one append.
    """
    from .imports import TableError, detect_kind, import_rows, make_plan, read_table, table_rows
    from .journal import Journal
    from .model.errors import JournalError

    data = file.read_bytes()
    try:
        table = read_table(file.name, data)
    except TableError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_USAGE)
    kind = kind or detect_kind(table.header)
    rows = table_rows(table, kind)
    started = time.perf_counter()
    with Journal.open(data_dir) as j:
        skip = frozenset(int(x) for x in o["skip"])  # type: ignore[attr-defined]
        options = {"start": str(o["start"]), "create_classes": bool(o["create_classes"])}
        plan = make_plan(j.db, kind, rows, today=j.today(), skip=skip, **options)  # type: ignore[arg-type]
        print_plan(plan)
        if dry_run:
            click.echo("dry run: nothing written")
            return
        try:
            result = import_rows(
                j,
                _actor(data_dir, o["login"]),  # type: ignore[arg-type]
                kind,
                rows,
                source=file.name,
                sha256=hashlib.sha256(data).hexdigest(),
                skip=skip,
                order=str(o["order"]),
                **options,  # type: ignore[arg-type]
            )
        except JournalError as e:
            click.echo(f"error: {e.message_ru}", err=True)
            sys.exit(EXIT_USAGE)
    s = result.summary
    click.echo(
        f"imported in {time.perf_counter() - started:.2f} s: {s.persons} people registered, "
        f"{s.enrolments} enrolments, {s.roles} roles, {s.classes} classes; "
        f"{s.unchanged} already there, {s.skipped} left out ({result.entries} entries)"
    )


@click.command("export")
@DATA_DIR
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def export(data_dir: Path, kind: str, file: Path) -> None:
    """Write the list KIND (students, parents, staff) of today to FILE (.csv or .xlsx)."""
    from .contacts import ContactStore
    from .imports import KINDS, list_rows, to_csv, to_xlsx
    from .journal import Journal

    with Journal.open(data_dir) as j:
        store = ContactStore.of(data_dir)
        try:
            rows = list_rows(j.db, kind, j.today(), store.all())
        finally:
            store.close()
    data = to_xlsx(rows, KINDS[kind]) if file.suffix.lower() == ".xlsx" else to_csv(rows)
    file.write_bytes(data)
    click.echo(f"{file}: {len(rows) - 1} rows")
