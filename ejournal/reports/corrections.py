"""Corrections and invalidated entries (R-MRK-2, R-SEC-3), for the administration: every
correction and revocation of a mark with its reason and the value before it, every replaced
period or year mark, and every entry declared invalid because it was made with compromised
credentials — made during the scope's dates (time of entry, the school's zone), for the
scope's courses.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from ..queries.people import Person, persons
from .scope import Scope, ScopeCourse, courses, school_zone, utc_bounds
from .table import Column, Table

COLUMNS = (
    Column("when", "Когда внесено"),
    Column("what", "Что"),
    Column("by", "Кем"),
    Column("class", "Класс"),
    Column("subject", "Предмет"),
    Column("student", "Ученик"),
    Column("was", "Было"),
    Column("became", "Стало"),
    Column("reason", "Причина"),
    Column("valid", "Действительна"),
)

INVALID_RU = "нет: учётные данные скомпрометированы"


def _in(items: Sequence[str]) -> str:
    return ",".join("?" * len(items))


def corrections(db: sqlite3.Connection, scope: Scope) -> Table:
    """Corrections and invalid entries of a scope, in the order they were made."""
    found = {c.course: c for c in courses(db, scope)}
    first, after = utc_bounds(db, scope.start, scope.end)
    zone = school_zone(db)
    raw: list[tuple[str, str, str, str, str, str, str, str, bool]] = []
    ids = list(found)
    for i in range(0, len(ids), 400):
        part = ids[i : i + 400]
        raw += _mark_changes(db, part, first, after)
        raw += _invalid(db, part, first, after)
        raw += _finals(db, part, first, after)
    people = persons(db, [r[2] for r in raw] + [r[4] for r in raw])
    rows = []
    for at, what, by, course, student, was, became, reason, valid in sorted(raw):
        c: ScopeCourse = found[course]
        rows.append((
            datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(zone)
            .strftime("%d.%m.%Y %H:%M"),
            what, _name(people, by), c.class_names, c.subject_name,
            _name(people, student) if student else "", was, became, reason,
            "да" if valid else INVALID_RU,
        ))  # fmt: skip
    return Table(
        "Исправления и недействительные записи",
        scope.words,
        COLUMNS,
        tuple(rows),
        None,
        ("Исправление не меняет запись: прежняя остаётся в журнале (R-MRK-2). Записи, "
         "сделанные с украденными учётными данными, не учитываются (R-SEC-3).",),
    )  # fmt: skip


def _name(people: dict[str, Person], person: str) -> str:
    return people[person].short_name if person in people else person


_WHAT = {"corrected": "исправление отметки", "superseded": "замена отметкой с другой площадки"}


def _mark_changes(
    db: sqlite3.Connection, part: Sequence[str], first: str, after: str
) -> list[tuple[str, str, str, str, str, str, str, str, bool]]:
    rows = db.execute(
        "SELECT mc.id, mc.mark, mc.change, mc.value, mc.reason, mc.at, mc.by, mc.invalid, "
        "m.course, m.student, m.value, m.invalid FROM mark_changes mc "
        "JOIN marks m ON m.mark = mc.mark "
        f"WHERE m.course IN ({_in(part)}) ORDER BY mc.mark, mc.id",
        (*part,),
    ).fetchall()
    out = []
    before: dict[str, str] = {}
    for _, mark, change, value, reason, at, by, invalid, course, student, given, m_invalid in rows:
        was = before.get(mark, "" if m_invalid else given)
        if not invalid:
            before[mark] = value or ""
        if first <= at < after:
            what = _WHAT.get(change, "отмена отметки")
            out.append((at, what, by, course, student, was, value or "", reason, not invalid))
    return out


def _invalid(
    db: sqlite3.Connection, part: Sequence[str], first: str, after: str
) -> list[tuple[str, str, str, str, str, str, str, str, bool]]:
    out = []
    window = (first, after)
    for at, by, course, student, value in db.execute(
        f"SELECT at, by, course, student, value FROM marks WHERE invalid = 1 AND course IN "
        f"({_in(part)}) AND at >= ? AND at < ?", (*part, *window)
    ):  # fmt: skip
        out.append((at, "отметка", by, course, student, "", value, "", False))
    lessons = f"SELECT lesson FROM lessons WHERE course IN ({_in(part)})"
    for at, by, course, student, code in db.execute(
        "SELECT e.at, e.by, l.course, e.student, e.code FROM attendance_events e "
        f"JOIN lessons l ON l.lesson = e.lesson WHERE e.invalid = 1 AND e.lesson IN ({lessons}) "
        "AND e.at >= ? AND e.at < ?", (*part, *window)
    ):  # fmt: skip
        out.append((at, "посещаемость", by, course, student, "", code or "был", "",
                    False))  # fmt: skip
    for at, by, course, topic, homework in db.execute(
        "SELECT u.at, u.by, l.course, u.topic, u.homework FROM lesson_updates u "
        f"JOIN lessons l ON l.lesson = u.lesson WHERE u.invalid = 1 AND u.lesson IN ({lessons}) "
        "AND u.at >= ? AND u.at < ?", (*part, *window)
    ):  # fmt: skip
        became = "; ".join(t for t in (topic, homework) if t)
        out.append((at, "изменение урока", by, course, "", "", became, "", False))
    for at, by, course, student, text in db.execute(
        "SELECT c.at, c.by, l.course, c.student, c.text FROM comments c "
        f"JOIN lessons l ON l.lesson = c.lesson WHERE c.invalid = 1 AND c.lesson IN ({lessons}) "
        "AND c.at >= ? AND c.at < ?", (*part, *window)
    ):  # fmt: skip
        out.append((at, "запись об ученике", by, course, student, "", text, "", False))
    for at, by, course in db.execute(
        f"SELECT at, by, course FROM lessons WHERE invalid = 1 AND course IN ({_in(part)}) "
        "AND at >= ? AND at < ?", (*part, *window)
    ):  # fmt: skip
        out.append((at, "урок", by, course, "", "", "", "", False))
    return out


def _finals(
    db: sqlite3.Connection, part: Sequence[str], first: str, after: str
) -> list[tuple[str, str, str, str, str, str, str, str, bool]]:
    out = []
    before: dict[tuple[str, str, str, str], str] = {}
    for course, student, kind, period, value, reason, at, by, invalid in db.execute(
        "SELECT course, student, kind, period, value, reason, at, by, invalid FROM final_marks "
        f"WHERE course IN ({_in(part)}) ORDER BY id", (*part,)
    ):  # fmt: skip
        key = (course, student, kind, period)
        was = before.get(key)
        if not invalid:
            before[key] = value
        if not first <= at < after or (was is None and not invalid):
            continue
        what = "замена итоговой отметки" if was is not None else "итоговая отметка"
        out.append((at, what, by, course, student, was or "", value, reason, not invalid))
    return out
