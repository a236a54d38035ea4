"""What a parent's digest says (R-DIA-3): for each of the parent's own children, the marks,
absences, homework and teachers' comments entered since the last digest. Only what counts shows
(R-SEC-3: invalid entries, revoked marks never); only the parent's own children (R-SEC-4)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.correspondence import children_of
from ..queries.family import class_of
from ..queries.people import Person, person, persons

KINDS_RU = {"remark": "замечание", "praise": "похвала", "note": "сообщение родителям"}
ABSENCES_RU = {"Б": "по болезни", "У": "по уважительной причине", "Н": "без уважительной причины"}


@dataclass(frozen=True, slots=True)
class ChildNews:
    student: Person
    class_name: str
    marks: tuple[str, ...]  # «16.11 Математика: 4 (КР)»
    absences: tuple[str, ...]
    homework: tuple[str, ...]
    comments: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.marks or self.absences or self.homework or self.comments)


@dataclass(frozen=True, slots=True)
class Digest:
    parent: Person
    children: tuple[ChildNews, ...]

    @property
    def empty(self) -> bool:
        return all(c.empty for c in self.children)


def _short(day: str) -> str:
    return f"{day[8:10]}.{day[5:7]}"


def _courses(db: sqlite3.Connection, student: str, on: str) -> dict[str, str]:
    rows = db.execute(
        "SELECT DISTINCT c.course, coalesce(s.name, '') FROM memberships m "
        "JOIN courses c ON c.grp = m.grp LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE m.student = ? AND m.start <= ? AND c.start <= ? AND c.end >= date(?, '-31 days')",
        (student, on, on, on),
    )
    return {course: name for course, name in rows}


def child_news(db: sqlite3.Connection, student: str, since: str, until: str, on: str) -> ChildNews:
    """What was entered about ``student`` after ``since`` up to ``until`` (UTC entry times)."""
    courses = _courses(db, student, on)
    ids = sorted(courses)
    marks: list[str] = []
    absences: list[str] = []
    homework: list[str] = []
    if ids:
        q = ",".join("?" * len(ids))
        for course, day, value, kind in db.execute(
            "SELECT m.course, l.date, m.current, m.kind FROM marks m "
            "JOIN lessons l ON l.lesson = m.lesson "
            f"WHERE m.course IN ({q}) AND m.student = ? AND m.at > ? AND m.at <= ? "
            "AND m.current IS NOT NULL AND l.invalid = 0 ORDER BY l.date, l.number, m.at",
            (*ids, student, since, until),
        ):
            marks.append(f"{_short(day)} {courses[course]}: {value} ({kind})")
        for course, day, code in db.execute(
            "SELECT a.course, l.date, a.code FROM attendance a "
            "JOIN lessons l ON l.lesson = a.lesson "
            f"WHERE a.course IN ({q}) AND a.student = ? AND a.at > ? AND a.at <= ? "
            "AND a.code != '' AND l.invalid = 0 ORDER BY l.date, l.number",
            (*ids, student, since, until),
        ):
            absences.append(f"{_short(day)} {courses[course]}: {ABSENCES_RU.get(code, code)}")
        for course, day, text in db.execute(
            "SELECT course, date, homework FROM lessons "
            f"WHERE course IN ({q}) AND invalid = 0 AND homework != '' "
            "AND coalesce(updated_at, at) > ? AND coalesce(updated_at, at) <= ? "
            "ORDER BY date, number",
            (*ids, since, until),
        ):
            homework.append(f"{_short(day)} {courses[course]}: {text}")
    comments = []
    for day, subject, kind, text in db.execute(
        "SELECT l.date, coalesce(s.name, ''), c.kind, c.text FROM comments c "
        "JOIN lessons l ON l.lesson = c.lesson JOIN courses k ON k.course = l.course "
        "LEFT JOIN subjects s ON s.subject = k.subject "
        "WHERE c.student = ? AND c.invalid = 0 AND l.invalid = 0 AND c.at > ? AND c.at <= ? "
        "ORDER BY l.date, c.at",
        (student, since, until),
    ):
        comments.append(f"{_short(day)} {subject} — {KINDS_RU.get(kind, kind)}: {text}")
    class_id = class_of(db, student, on)
    row = db.execute("SELECT name FROM groups WHERE grp = ?", (class_id,)).fetchone()
    return ChildNews(
        person(db, student),
        row[0] if row else "",
        tuple(marks),
        tuple(absences),
        tuple(homework),
        tuple(comments),
    )


def build_digest(db: sqlite3.Connection, parent: str, since: str, until: str, on: str) -> Digest:
    """The digest of a parent for entries after ``since`` up to ``until`` (UTC), for the
    children the parent is a guardian of on date ``on``."""
    children = children_of(db, parent, on)
    names = persons(db, [parent])
    news = tuple(child_news(db, s, since, until, on) for s in children)
    return Digest(names.get(parent, Person(parent, "", "", "")), news)


def digest_text(digest: Digest, period: str, unsubscribe_url: str) -> str:
    """The letter's plain text (Russian). ``period`` is «с 16.11.2026 по 17.11.2026»."""
    p = digest.parent
    greeting = " ".join(x for x in (p.first_name, p.middle_name) if x) or p.last_name
    lines = [f"Здравствуйте, {greeting}!", "", f"Новое в электронном дневнике {period}.", ""]
    for child in digest.children:
        title = f"{child.student.last_name} {child.student.first_name}"
        lines.append(f"{title}{f' ({child.class_name})' if child.class_name else ''}")
        if child.empty:
            lines += ["  нового нет", ""]
            continue
        for heading, items in (
            ("Отметки", child.marks),
            ("Пропуски", child.absences),
            ("Домашние задания", child.homework),
            ("Комментарии учителей", child.comments),
        ):
            if items:
                lines.append(f"  {heading}:")
                lines += [f"    {item}" for item in items]
        lines.append("")
    lines += [
        "Письмо отправлено по вашей подписке на рассылку электронного дневника.",
        f"Отказаться от рассылки: {unsubscribe_url}",
    ]
    return "\n".join(lines) + "\n"
