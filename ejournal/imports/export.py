"""The same lists back out of the journal, as CSV or XLSX, in the columns the import reads:
an exported list imported again changes nothing."""

from __future__ import annotations

import csv
import io
import sqlite3

from ..contacts import Contact
from .plan import current_year, label
from .rows import FIELD_RU, FIELDS
from .table import TableError

ROLE_RU = {
    "admin": "администратор",
    "director": "директор",
    "deputy": "заместитель директора",
    "secretary": "секретарь",
    "teacher": "учитель",
    "archivist": "архивист",
}


def _full(last: str, first: str, middle: str) -> str:
    return " ".join(p for p in (last, first, middle) if p)


def _ru(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}.{iso[:4]}" if len(iso) == 10 else iso


def list_rows(
    db: sqlite3.Connection, kind: str, today: str, contacts: dict[str, Contact] | None = None
) -> list[list[str]]:
    """The list ``kind`` as it stands on ``today`` (roles from a later day included), header
    first."""
    header = [FIELD_RU[f] for f in FIELDS[kind]]
    found = current_year(db, today)
    year = found[0] if found else ""
    if kind == "students":
        rows = db.execute(
            "SELECT p.last_name, p.first_name, p.middle_name, p.birth_date, g.grade, g.letter, "
            "p.sex FROM memberships m JOIN groups g ON g.grp = m.grp AND g.kind = 'class' "
            "JOIN persons p ON p.person = m.student WHERE g.year = ? AND m.end IS NULL "
            "ORDER BY g.grade, g.letter, p.last_name, p.first_name",
            (year,),
        ).fetchall()
        body = [[_full(*r[:3]), _ru(r[3] or ""), label(r[4], r[5]), r[6] or ""] for r in rows]
    elif kind == "parents":
        contacts = contacts or {}
        rows = db.execute(
            "SELECT p.person, p.last_name, p.first_name, p.middle_name, c.last_name, "
            "c.first_name, c.middle_name, c.birth_date FROM roles r "
            "JOIN persons p ON p.person = r.person JOIN persons c ON c.person = r.scope "
            "WHERE r.role = 'parent' AND (r.end IS NULL OR r.end >= ?) "
            "ORDER BY c.last_name, c.first_name, p.last_name",
            (today,),
        ).fetchall()
        body = []
        for r in rows:
            c = contacts.get(r[0]) or Contact(r[0])
            body.append([_full(*r[1:4]), c.phone, c.email, _full(*r[4:7]), _ru(r[7] or "")])
    else:
        rows = db.execute(
            "SELECT p.last_name, p.first_name, p.middle_name, r.role FROM roles r "
            "JOIN persons p ON p.person = r.person WHERE r.role IN "
            f"({','.join('?' * len(ROLE_RU))}) AND (r.end IS NULL OR r.end >= ?) "
            "ORDER BY p.last_name, p.first_name, r.role",
            (*ROLE_RU, today),
        ).fetchall()
        body = [[_full(*r[:3]), ROLE_RU[r[3]]] for r in rows]
    return [header, *body]


def to_csv(rows: list[list[str]]) -> bytes:
    """CSV as Russian Excel opens it by a double click: UTF-8 with BOM, ``;`` between."""
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[list[str]], title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if sheet is None:
        raise TableError("openpyxl made no sheet", "Не удалось создать лист Excel.")
    sheet.title = title[:31]
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 50)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def history(db: sqlite3.Connection, limit: int = 20) -> list[tuple[str, ...]]:
    """The latest imports: (UTC time, kind, file, people, enrolments, roles, left out)."""
    return db.execute(
        "SELECT at, kind, source, persons, enrolments, roles, skipped FROM imports "
        "ORDER BY at DESC LIMIT ?",
        (limit,),
    ).fetchall()
