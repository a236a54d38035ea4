"""Printed documents (R-ARC-1, R-ARC-2, R-ARC-5): the HTML of each document for print, and its
PDF/A through :mod:`ejournal.pdf` (fonts embedded, the signed log state in the metadata).

:func:`year_documents` gives the archive package of a closed school year its files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..model.errors import NotFound, RuleViolation
from ..pdf import DocumentMeta, log_state, render_pdf
from ..queries.people import Person, person, russian_key
from .class_journal import ClassJournal, class_journal
from .destruction import DestructionAct, destruction_act
from .scope import ru_date, school_name
from .summary import SummarySheet, shown, summary_sheet, summary_table
from .table import Column, Table, Value, csv_bytes, text

if TYPE_CHECKING:
    from ..journal import Journal

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
SUB_COLUMNS_PER_PAGE = 30  # mark columns that fit A4 landscape beside № and the name


def _show(value: Value, column: Column) -> str:
    return text(value, column)


CELL = 6  # characters of a lesson's column in the printed grid (class_journal.html)


def strip(cells: Sequence[str]) -> str:
    """Grid cells as one line of fixed-width columns; a cell too long loses its spaces and
    slashes («Н 5/4/3» → «Н543»)."""
    fitted = []
    for cell in cells:
        if len(cell) > CELL:
            cell = cell.replace(" ", "").replace("/", "")[:CELL]
        fitted.append(cell.center(CELL))
    return "".join(fitted).rstrip()  # the column rules are drawn to the end anyway


def _render(template: str, **context: Any) -> str:
    return _ENV.get_template(template).render(
        show=_show, ru=ru_date, shown=shown, strip=strip, **context
    )


def _director(db: sqlite3.Connection, on: str) -> Person | None:
    row = db.execute(
        "SELECT person FROM roles WHERE role = 'director' AND start <= ? "
        "AND (end IS NULL OR end >= ?) ORDER BY start DESC LIMIT 1",
        (on, on),
    ).fetchone()
    return person(db, row[0]) if row else None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


# --- HTML for print --------------------------------------------------------------------------


def report_html(db: sqlite3.Connection, table: Table, generated: datetime,
                checkpoints: Sequence[str] = ()) -> str:  # fmt: skip
    """Any report's table as a document to print (signature line, date, log state)."""
    return _render("print_table.html", table=table, school=school_name(db),
                   generated=_stamp(generated), checkpoints=checkpoints)  # fmt: skip


def summary_html(db: sqlite3.Connection, sheet: SummarySheet, generated: datetime,
                 checkpoints: Sequence[str] = ()) -> str:  # fmt: skip
    """The summary sheet laid out for the archive: landscape, subjects in blocks that fit the
    page, places for the class teacher's and the director's signatures and the seal."""
    heads = sheet.marks_columns()
    per_block = max(1, SUB_COLUMNS_PER_PAGE // len(heads))
    chunks = [sheet.subjects[i : i + per_block] for i in range(0, len(sheet.subjects), per_block)]
    return _render("summary.html", s=sheet, heads=heads, chunks=chunks,
                   chunk_starts=list(range(0, len(sheet.subjects), per_block)),
                   director=_director(db, min(sheet.year_end, generated.date().isoformat())),
                   generated=_stamp(generated), checkpoints=checkpoints)  # fmt: skip


def class_journal_html(db: sqlite3.Connection, journal: ClassJournal, generated: datetime,
                       checkpoints: Sequence[str] = ()) -> str:  # fmt: skip
    """The class journal bound for the year: title page, contents, courses, certification."""
    return _render("class_journal.html", j=journal, director=_director(db, journal.finished),
                   generated=_stamp(generated), checkpoints=checkpoints)  # fmt: skip


def destruction_html(act: DestructionAct, generated: datetime,
                     checkpoints: Sequence[str] = ()) -> str:  # fmt: skip
    return _render("destruction.html", act=act, generated=_stamp(generated),
                   checkpoints=checkpoints)  # fmt: skip


# --- PDF/A -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Printable:
    """A document ready to print: its HTML and metadata, read from the journal. Rendering
    (:meth:`pdf`) takes seconds and needs nothing from the journal: a web page builds the
    printable while holding the journal, and renders after letting it go."""

    html: str
    meta: DocumentMeta

    def pdf(self) -> bytes:
        """The PDF/A bytes (:func:`ejournal.pdf.render_pdf`)."""
        return render_pdf(self.html, self.meta)


def _meta(j: Journal, title: str, keywords: Sequence[str], subject: str = "") -> DocumentMeta:
    return DocumentMeta(
        title=title,
        school=school_name(j.db),
        generated=j.now(),
        checkpoints=log_state(j),
        subject=subject or title,
        keywords=tuple(keywords),
    )


def report_document(j: Journal, table: Table) -> Printable:
    """A report to print (signs a checkpoint first, so the PDF names the log state)."""
    meta = _meta(j, f"{table.title}, {table.subtitle}", [table.title, table.subtitle])
    return Printable(report_html(j.db, table, meta.generated, meta.checkpoints), meta)


def summary_document(j: Journal, class_id: str) -> Printable:
    """The summary sheet of a class to print (R-ARC-1).

    Raises:
        NotFound: no such class.
    """
    sheet = summary_sheet(j.db, class_id)
    meta = _meta(j, f"Сводная ведомость {sheet.class_name}, {sheet.year}",
                 [sheet.class_name, sheet.year, "сводная ведомость"],
                 f"Сводная ведомость учёта успеваемости {sheet.class_name} класса "
                 f"за {sheet.year} учебный год")  # fmt: skip
    return Printable(summary_html(j.db, sheet, meta.generated, meta.checkpoints), meta)


def class_journal_document(j: Journal, class_id: str, register_number: str = "") -> Printable:
    """The class journal of a year to print (R-ARC-2).

    Raises:
        NotFound: no such class.
    """
    book = class_journal(j.db, class_id, register_number)
    meta = _meta(j, f"Классный журнал {book.class_name}, {book.year}",
                 [book.class_name, book.year, "классный журнал"])  # fmt: skip
    return Printable(class_journal_html(j.db, book, meta.generated, meta.checkpoints), meta)


def destruction_document(j: Journal, on: str) -> Printable:
    """The act of destruction of printed journals past their 5-year term, to print."""
    act = destruction_act(j.db, on)
    meta = _meta(j, f"Акт об уничтожении печатных классных журналов от {ru_date(on)}",
                 ["акт об уничтожении", "классные журналы"])  # fmt: skip
    return Printable(destruction_html(act, meta.generated, meta.checkpoints), meta)


def report_pdf(j: Journal, table: Table) -> bytes:
    """A report as PDF/A."""
    return report_document(j, table).pdf()


def summary_pdf(j: Journal, class_id: str) -> bytes:
    """The summary sheet of a class as PDF/A (R-ARC-1).

    Raises:
        NotFound: no such class.
    """
    return summary_document(j, class_id).pdf()


def class_journal_pdf(j: Journal, class_id: str, register_number: str = "") -> bytes:
    """The printed class journal of a year as PDF/A (R-ARC-2).

    Raises:
        NotFound: no such class.
    """
    return class_journal_document(j, class_id, register_number).pdf()


def destruction_pdf(j: Journal, on: str) -> bytes:
    """The act of destruction as PDF/A."""
    return destruction_document(j, on).pdf()


# --- the archive package of a year -----------------------------------------------------------


def classes_of_year(db: sqlite3.Connection, year: str) -> list[tuple[str, str]]:
    """(class id, name) of a school year, by grade and letter."""
    rows = db.execute(
        "SELECT grp, name, grade FROM groups WHERE kind = 'class' AND year = ?", (year,)
    ).fetchall()
    rows.sort(key=lambda r: (r[2], russian_key(r[1])))
    return [(grp, name) for grp, name, _ in rows]


def year_documents(j: Journal, year: str) -> list[tuple[str, bytes]]:
    """The printed documents of a closed school year, for its archive package (R-ARC-1,
    R-ARC-2, R-ARC-3).

    For every class of the year, by grade and letter::

        summary/<class>.pdf    the summary sheet, PDF/A-3b (kept 25 years)
        summary/<class>.csv    the same sheet as CSV (UTF-8 with BOM, «;»), for spreadsheets
        journals/<class>.pdf   the printed class journal, PDF/A-3b (kept 5 years)

    ``<class>`` is the class's name as the school writes it («5А»; Cyrillic, UTF-8). Each PDF
    names in its metadata the signed checkpoints of the log it was built from (one is signed
    now). Building a 30-student class's journal takes seconds: call it off a web request.

    Args:
        j: the open journal.
        year: a school year, «2025/2026».

    Returns:
        (relative path, file bytes) pairs, in the order above.

    Raises:
        NotFound: no such school year.
        RuleViolation: the year is not closed yet (its marks may still change).
    """
    row = j.db.execute("SELECT closed FROM years WHERE year = ?", (year,)).fetchone()
    if row is None:
        raise NotFound("Такой учебный год не найден.")
    if not row[0]:
        raise RuleViolation("Учебный год ещё не закрыт: документы для архива формируются после "
                            "закрытия года.")  # fmt: skip
    files: list[tuple[str, bytes]] = []
    for class_id, name in classes_of_year(j.db, year):
        files.append((f"summary/{name}.pdf", summary_pdf(j, class_id)))
        files.append(
            (f"summary/{name}.csv", csv_bytes(summary_table(summary_sheet(j.db, class_id))))
        )
        files.append((f"journals/{name}.pdf", class_journal_pdf(j, class_id)))
    return files
