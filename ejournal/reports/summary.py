"""The summary sheet (сводная ведомость учёта успеваемости, R-ARC-1; 000 §2.9, 001 App.1 5.9,
002 §9.2) of a class for a school year: every student × subject with the period marks, the
year mark, the exam and final marks, «Н/А» — generated live from the projection; printed,
signed, sealed and kept 25 years at the end of the year.

Students are everyone in the class on any day of the year (one who left is marked with the
date); subjects are the class's courses with marks (a subject taught to subgroups by several
teachers is one subject: each student's marks come from the course of the own subgroup).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from ..queries.members import members
from ..queries.people import Person, person, russian_key
from ..queries.periods import Period, periods_of_year
from .scope import ru_date, school_name
from .table import Column, Table, Value


@dataclass(frozen=True, slots=True)
class SummarySubject:
    subject: str
    name: str
    courses: tuple[str, ...]
    teachers: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class SummaryCell:
    periods: tuple[str, ...]  # per SummarySheet.periods; "" not given
    year: str
    exam: str
    final: str


@dataclass(frozen=True, slots=True)
class SummaryRow:
    number: int
    student: Person
    joined: str
    left: str | None
    cells: tuple[SummaryCell, ...]  # per SummarySheet.subjects

    @property
    def note(self) -> str:
        return f"выбыл(а) {ru_date(self.left)}" if self.left else ""


@dataclass(frozen=True, slots=True)
class SummarySheet:
    school: str
    class_: str
    class_name: str
    grade: int
    year: str
    year_start: str
    year_end: str
    closed: bool
    class_teacher: Person | None
    periods: tuple[Period, ...]
    subjects: tuple[SummarySubject, ...]
    rows: tuple[SummaryRow, ...]
    has_exam: bool
    has_final: bool

    def marks_columns(self) -> tuple[str, ...]:
        """The sub-columns under each subject: «1 ч.» … «Год», «Экз.», «Итог»."""
        heads = tuple(short_period(p) for p in self.periods) + ("Год",)
        return heads + (("Экз.",) if self.has_exam else ()) + (("Итог",) if self.has_final else ())

    def values(self, cell: SummaryCell) -> tuple[str, ...]:
        extra = ((cell.exam,) if self.has_exam else ()) + ((cell.final,) if self.has_final else ())
        return (*cell.periods, cell.year, *extra)


def short_period(p: Period) -> str:
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}.get(p.number, str(p.number))
    return {"quarter": f"{roman} ч.", "half": f"{roman} пол.", "trimester": f"{roman} тр."}.get(
        p.kind, p.name
    )


def shown(value: str) -> str:
    """A final mark as the sheet writes it: «Н/А», «зач.», «осв.»."""
    return {"н/а": "Н/А", "зач": "зач.", "незач": "незач.", "осв": "осв."}.get(value, value)


def summary_sheet(db: sqlite3.Connection, class_id: str) -> SummarySheet:
    """The summary sheet of a class (a class belongs to one school year).

    Raises:
        NotFound: no such class.
    """
    row = db.execute(
        "SELECT g.name, g.grade, g.year, y.start, y.end, coalesce(y.closed, 0) FROM groups g "
        "LEFT JOIN years y ON y.year = g.year WHERE g.grp = ? AND g.kind = 'class'",
        (class_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    name, grade, year, start, end, closed = row
    start, end = start or "0000-01-01", end or "9999-12-31"
    terms = periods_of_year(db, year, grade)
    subjects, by_group = _subjects(db, class_id, year, grade)
    students = members(db, class_id, start, end)
    groups = {
        g: {m.student.person for m in members(db, g, start, end)} for g in set(by_group.values())
    }
    finals = _finals(db, [c for s in subjects for c in s.courses])
    period_ids = [t.period for t in terms]
    rows = []
    has_exam = has_final = False
    for n, m in enumerate(students, 1):
        cells = []
        for s in subjects:
            course = next((c for c in s.courses if m.student.person in groups[by_group[c]]), None)
            got = finals.get((course, m.student.person), {}) if course else {}
            has_exam |= bool(got.get(("exam", "")))
            has_final |= bool(got.get(("final", "")))
            cells.append(
                SummaryCell(
                    tuple(shown(got.get(("period", p), "")) for p in period_ids),
                    shown(got.get(("year", ""), "")),
                    shown(got.get(("exam", ""), "")),
                    shown(got.get(("final", ""), "")),
                )
            )
        rows.append(SummaryRow(n, m.student, m.joined, m.left if m.left and m.left < end else None,
                               tuple(cells)))  # fmt: skip
    return SummarySheet(
        school_name(db), class_id, name, grade, year, start, end, bool(closed),
        _class_teacher(db, class_id, end), terms, subjects, tuple(rows), has_exam, has_final,
    )  # fmt: skip


def _subjects(
    db: sqlite3.Connection, class_id: str, year: str, grade: int
) -> tuple[tuple[SummarySubject, ...], dict[str, str]]:
    """The subjects with marks, and each of their courses' group."""
    if grade <= 1:
        return (), {}  # R-STR-6: grade 1 has no marks
    rows = db.execute(
        "SELECT c.subject, coalesce(s.name, ''), c.course, c.teacher, c.grp FROM courses c "
        "LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE c.year = ? AND c.grp IN (SELECT grp FROM group_classes WHERE class = ?) "
        "AND coalesce(nullif(c.grading, ''), s.grading, 'five') <> 'none' ORDER BY c.course",
        (year, class_id),
    ).fetchall()
    by_subject: dict[str, tuple[str, list[str], list[str]]] = {}
    groups = {}
    for subject, name, course, teacher, grp in rows:
        entry = by_subject.setdefault(subject, (name, [], []))
        entry[1].append(course)
        entry[2].append(teacher)
        groups[course] = grp
    subjects = [
        SummarySubject(s, name, tuple(cs), tuple(person(db, t) for t in dict.fromkeys(ts)))
        for s, (name, cs, ts) in by_subject.items()
    ]
    subjects.sort(key=lambda s: russian_key(s.name))
    return tuple(subjects), groups


def _finals(
    db: sqlite3.Connection, course_ids: list[str]
) -> dict[tuple[str, str], dict[tuple[str, str], str]]:
    """(course, student) → (kind, period) → the latest valid value (R-MRK-2, R-SEC-3)."""
    found: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    for i in range(0, len(course_ids), 500):
        part = course_ids[i : i + 500]
        for course, student, kind, period, value in db.execute(
            "SELECT course, student, kind, period, value FROM final_marks WHERE invalid = 0 "
            f"AND course IN ({','.join('?' * len(part))}) ORDER BY id",
            part,
        ):
            found.setdefault((course, student), {})[(kind, period)] = value
    return found


def _class_teacher(db: sqlite3.Connection, class_id: str, day: str) -> Person | None:
    row = db.execute(
        "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
        "ORDER BY start DESC, rowid DESC LIMIT 1",
        (class_id, day),
    ).fetchone()
    return person(db, row[0]) if row else None


def summary_table(sheet: SummarySheet) -> Table:
    """The sheet as a flat table (one column per subject and mark) for CSV."""
    heads = sheet.marks_columns()
    columns = [Column("number", "№", numeric=True), Column("student", "Обучающийся")]
    for s in sheet.subjects:
        columns += [Column(f"{s.subject}:{h}", f"{s.name}: {h}") for h in heads]
    columns.append(Column("note", "Примечание"))
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (r.number, r.student.full_name,
         *(v for cell in r.cells for v in sheet.values(cell)), r.note)
        for r in sheet.rows
    )  # fmt: skip
    teacher = sheet.class_teacher.full_name if sheet.class_teacher else ""
    return Table(
        f"Сводная ведомость учёта успеваемости, {sheet.class_name}",
        f"{sheet.school}, {sheet.year} учебный год, классный руководитель {teacher}",
        tuple(columns),
        rows,
    )
