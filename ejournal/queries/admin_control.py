"""What the administration sees of control and security: the deputy head's remarks and their
state (R-CTL-2), reported credential compromises and the records they invalidated (R-SEC-3)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .people import Person, person, persons

FIXED, OVERDUE, OPEN = "fixed", "overdue", "open"
STATE_RU = {FIXED: "устранено", OVERDUE: "просрочено", OPEN: "в работе"}


@dataclass(frozen=True, slots=True)
class Remark:
    remark: str
    teacher: Person
    course: str
    course_name: str  # «Математика, 5А» or ""
    text: str
    due: str
    at: str  # when it was issued (UTC entry time)
    by: Person
    fixed_at: str
    fixed_note: str
    state: str  # FIXED | OVERDUE | OPEN

    @property
    def state_ru(self) -> str:
        return STATE_RU[self.state]


@dataclass(frozen=True, slots=True)
class Compromise:
    person: Person
    since: str  # UTC
    reported_at: str
    reissued_at: str
    reason: str


@dataclass(frozen=True, slots=True)
class Invalidated:
    """One record that stopped counting (R-SEC-3), with what it said."""

    kind: str  # «отметка», «посещаемость»…
    at: str
    ref: str
    text: str


def remarks(db: sqlite3.Connection, today: str) -> tuple[Remark, ...]:
    """Every remark, open ones first (overdue before in work), each group by due date."""
    rows = db.execute(
        "SELECT r.remark, r.teacher, coalesce(r.course, ''), "
        "coalesce(s.name || ', ' || g.name, ''), r.text, r.due, r.at, r.by, "
        "coalesce(r.fixed_at, ''), coalesce(r.fixed_note, '') FROM remarks r "
        "LEFT JOIN courses c ON c.course = r.course LEFT JOIN subjects s ON s.subject = c.subject "
        "LEFT JOIN groups g ON g.grp = c.grp",
    ).fetchall()
    names = persons(db, [r[1] for r in rows] + [r[7] for r in rows])
    found = []
    for rid, teacher, course, cname, text, due, at, by, fixed_at, note in rows:
        state = FIXED if fixed_at else OVERDUE if due < today else OPEN
        found.append(
            Remark(
                rid,
                names.get(teacher, Person(teacher, "", "", "")),
                course,
                cname,
                text,
                due,
                at,
                names.get(by, Person(by, "", "", "")),
                fixed_at,
                note,
                state,
            )
        )
    order = {OVERDUE: 0, OPEN: 1, FIXED: 2}
    found.sort(key=lambda r: (order[r.state], r.due, r.at))
    return tuple(found)


def compromises(db: sqlite3.Connection) -> tuple[Compromise, ...]:
    """Reported compromises, the latest first."""
    rows = db.execute(
        "SELECT person, since, reported_at, coalesce(reissued_at, ''), coalesce(reason, '') "
        "FROM compromises ORDER BY reported_at DESC"
    ).fetchall()
    names = persons(db, [r[0] for r in rows])
    return tuple(
        Compromise(names.get(p, Person(p, "", "", "")), since, at, reissued, reason)
        for p, since, at, reissued, reason in rows
    )


def is_locked(db: sqlite3.Connection, person_id: str) -> bool:
    """Whether a compromise of the person's credentials awaits new credentials."""
    row = db.execute(
        "SELECT 1 FROM compromises WHERE person = ? AND reissued_at IS NULL", (person_id,)
    ).fetchone()
    return row is not None


# One query per table that R-SEC-3 invalidates: what the page shows of each row.
_INVALID = (
    (
        "урок",
        "SELECT l.at, l.ref, coalesce(s.name, '') || ', ' || l.date || ': ' || "
        "coalesce(l.topic, '') FROM lessons l LEFT JOIN courses c ON c.course = l.course "
        "LEFT JOIN subjects s ON s.subject = c.subject WHERE l.by = ? AND l.invalid = 1",
    ),
    (
        "изменение урока",
        "SELECT u.at, u.ref, l.date || ': ' || coalesce(u.topic, '') || ' ' || "
        "coalesce(u.homework, '') FROM lesson_updates u LEFT JOIN lessons l ON l.lesson = u.lesson "
        "WHERE u.by = ? AND u.invalid = 1",
    ),
    (
        "посещаемость",
        "SELECT a.at, a.ref, coalesce(p.last_name, '') || ' ' || coalesce(p.first_name, '') || "
        "', ' || coalesce(l.date, '') || ': ' || CASE a.code WHEN '' THEN 'присутствовал' "
        "ELSE a.code END FROM attendance_events a LEFT JOIN persons p ON p.person = a.student "
        "LEFT JOIN lessons l ON l.lesson = a.lesson WHERE a.by = ? AND a.invalid = 1",
    ),
    (
        "отметка",
        "SELECT m.at, m.ref, coalesce(p.last_name, '') || ' ' || coalesce(p.first_name, '') || "
        "', ' || coalesce(l.date, '') || ': ' || m.value || ' (' || m.kind || ')' FROM marks m "
        "LEFT JOIN persons p ON p.person = m.student LEFT JOIN lessons l ON l.lesson = m.lesson "
        "WHERE m.by = ? AND m.invalid = 1",
    ),
    (
        "исправление отметки",
        "SELECT x.at, x.ref, x.change || ' ' || coalesce(x.value, '') || ': ' || "
        "coalesce(x.reason, '') FROM mark_changes x WHERE x.by = ? AND x.invalid = 1",
    ),
    (
        "итоговая отметка",
        "SELECT f.at, f.ref, coalesce(p.last_name, '') || ' ' || coalesce(p.first_name, '') || "
        "': ' || f.value FROM final_marks f LEFT JOIN persons p ON p.person = f.student "
        "WHERE f.by = ? AND f.invalid = 1",
    ),
    (
        "запись об ученике",
        "SELECT at, ref, text FROM comments WHERE by = ? AND invalid = 1",
    ),
    (
        "объявление",
        "SELECT at, ref, title FROM announcements WHERE by = ? AND invalid = 1",
    ),
    ("сообщение", "SELECT at, ref, subject FROM messages WHERE by = ? AND invalid = 1"),
)


def invalidated(
    db: sqlite3.Connection, person_id: str, limit: int = 500
) -> tuple[tuple[Invalidated, ...], int]:
    """The records made by a person that a compromise invalidated, in the order made: the
    first ``limit`` of them, and how many there are in all (a stolen password can have been
    used for thousands of entries; the page shows the start and the count)."""
    found: list[Invalidated] = []
    total = 0
    for kind, sql in _INVALID:
        total += db.execute(f"SELECT count(*) FROM ({sql})", (person_id,)).fetchone()[0]
        rows = db.execute(f"{sql} ORDER BY 1, 2 LIMIT ?", (person_id, limit))
        found.extend(Invalidated(kind, at or "", ref or "", text or "") for at, ref, text in rows)
    found.sort(key=lambda r: (r.at, r.ref))
    return tuple(found[:limit]), total


def who(db: sqlite3.Connection, person_id: str) -> Person:
    return person(db, person_id)
