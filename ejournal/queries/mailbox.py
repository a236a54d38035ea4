"""A person's messages as threads with unread counts, one thread's messages, and the
announcements addressed to a person (R-COM-1). Messages made with compromised credentials never
show (R-SEC-3); a person sees only the messages they sent or received."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model import access
from ..model.correspondence import ADMINISTRATION, STAFF, children_of, correspondents
from .people import Person, alphabetical, persons


@dataclass(frozen=True, slots=True)
class Message:
    message: str
    thread: str
    sender: Person
    recipients: tuple[Person, ...]
    subject: str
    text: str
    at: str  # UTC
    reply_to: str
    unread: bool  # addressed to the reader and not read yet


@dataclass(frozen=True, slots=True)
class Thread:
    thread: str
    subject: str
    people: tuple[Person, ...]  # everyone else in it
    last_at: str
    messages: int
    unread: int


def unread_count(db: sqlite3.Connection, person: str) -> int:
    """How many valid messages to ``person`` are not read yet."""
    row = db.execute(
        "SELECT count(*) FROM message_recipients r JOIN messages m ON m.message = r.message "
        "WHERE r.person = ? AND r.read_at IS NULL AND m.invalid = 0",
        (person,),
    ).fetchone()
    return int(row[0])


def _mine(db: sqlite3.Connection, person: str) -> list[tuple]:  # type: ignore[type-arg]
    """(message, thread, by, subject, text, at, reply_to) of every valid message the person
    sent or received, oldest first."""
    return db.execute(
        "SELECT m.message, coalesce(m.thread, m.message), m.by, m.subject, m.text, m.at, "
        "m.reply_to FROM messages m WHERE m.invalid = 0 AND m.message IN ("
        "SELECT message FROM message_recipients WHERE person = ? "
        "UNION SELECT message FROM messages WHERE by = ?) ORDER BY m.at, m.message",
        (person, person),
    ).fetchall()


def _recipients(db: sqlite3.Connection, messages: list[str]) -> dict[str, list[tuple[str, bool]]]:
    found: dict[str, list[tuple[str, bool]]] = {}
    for start in range(0, len(messages), 500):
        part = messages[start : start + 500]
        for message, who, read_at in db.execute(
            "SELECT message, person, read_at FROM message_recipients "
            f"WHERE message IN ({','.join('?' * len(part))}) ORDER BY person",
            part,
        ):
            found.setdefault(message, []).append((who, read_at is None))
    return found


def threads(db: sqlite3.Connection, person: str) -> tuple[Thread, ...]:
    """The person's threads, the latest first."""
    rows = _mine(db, person)
    to = _recipients(db, [r[0] for r in rows])
    by_thread: dict[str, dict] = {}  # type: ignore[type-arg]
    for message, thread, by, subject, _text, at, _reply in rows:
        t = by_thread.setdefault(
            thread, {"subject": subject, "people": set(), "last": at, "n": 0, "unread": 0}
        )
        t["last"], t["n"] = at, t["n"] + 1
        t["people"].add(by)
        for who, unread in to.get(message, []):
            t["people"].add(who)
            if who == person and unread:
                t["unread"] += 1
    names = persons(db, {p for t in by_thread.values() for p in t["people"]})
    result = [
        Thread(
            thread,
            t["subject"],
            tuple(names[p] for p in sorted(t["people"] - {person}) if p in names),
            t["last"],
            t["n"],
            t["unread"],
        )
        for thread, t in by_thread.items()
    ]
    result.sort(key=lambda t: (t.last_at, t.thread), reverse=True)
    return tuple(result)


def thread_messages(db: sqlite3.Connection, person: str, thread: str) -> tuple[Message, ...]:
    """The messages of a thread that ``person`` sent or received, oldest first (empty when the
    person takes no part in it: the page answers 403)."""
    rows = [r for r in _mine(db, person) if r[1] == thread]
    to = _recipients(db, [r[0] for r in rows])
    names = persons(db, {r[2] for r in rows} | {w for v in to.values() for w, _ in v})

    def name(p: str) -> Person:
        return names.get(p, Person(p, "", "", ""))

    return tuple(
        Message(
            message,
            thread_id,
            name(by),
            tuple(name(w) for w, _ in to.get(message, [])),
            subject,
            text,
            at,
            reply_to or "",
            any(w == person and unread for w, unread in to.get(message, [])),
        )
        for message, thread_id, by, subject, text, at, reply_to in rows
    )


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement: str
    audience: str  # "all" | "staff" | a class id
    audience_name: str  # «всем», «сотрудникам», «5А»
    title: str
    text: str
    at: str
    author: Person


def audiences_of(db: sqlite3.Connection, person: str, on: str) -> set[str] | None:
    """The audiences whose announcements ``person`` reads (None: all of them, the
    administration)."""
    roles = access.roles_of(db, person, on)
    if roles & ADMINISTRATION:
        return None
    found = {"all"}
    if roles & STAFF:
        found.add("staff")
        found.update(
            r[0]
            for r in db.execute(
                "SELECT DISTINCT class FROM class_teachers WHERE teacher = ?", (person,)
            )
            if access.is_class_teacher(db, person, r[0], on)
        )
    students = set(children_of(db, person, on))
    if "student" in roles:
        students.add(person)
    for student in students:
        found.update(
            r[0]
            for r in db.execute(
                "SELECT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp "
                "WHERE m.student = ? AND g.kind = 'class' AND m.start <= ? "
                "AND (m.end IS NULL OR m.end >= ?)",
                (student, on, on),
            )
        )
    return found


def announcements_for(
    db: sqlite3.Connection, person: str, on: str, limit: int = 20
) -> tuple[Announcement, ...]:
    """The latest valid announcements addressed to ``person``, the newest first."""
    audiences = audiences_of(db, person, on)
    where, params = "a.invalid = 0", []
    if audiences is not None:
        where += f" AND a.audience IN ({','.join('?' * len(audiences))})"
        params = sorted(audiences)
    rows = db.execute(
        "SELECT a.announcement, a.audience, coalesce(g.name, ''), a.title, a.text, a.at, a.by "
        f"FROM announcements a LEFT JOIN groups g ON g.grp = a.audience WHERE {where} "
        "ORDER BY a.at DESC, a.announcement LIMIT ?",
        (*params, limit),
    ).fetchall()
    authors = persons(db, {r[6] for r in rows})
    names = {"all": "всем", "staff": "сотрудникам"}
    return tuple(
        Announcement(
            ann,
            audience,
            names.get(audience, group_name or audience),
            title,
            text,
            at,
            authors.get(by, Person(by, "", "", "")),
        )
        for ann, audience, group_name, title, text, at, by in rows
    )


@dataclass(frozen=True, slots=True)
class Correspondent:
    person: Person
    note: str  # «учитель», «родитель: Иванов Артём»…


def correspondent_list(db: sqlite3.Connection, person: str, on: str) -> tuple[Correspondent, ...]:
    """Whom ``person`` may start writing to (R-COM-1), with a note on who each one is, staff
    first, then families, alphabetically."""
    ids = correspondents(db, person, on)
    names = persons(db, ids)
    children: dict[str, list[str]] = {}
    for who in ids:
        children[who] = list(children_of(db, who, on))
    kids = persons(db, {c for cs in children.values() for c in cs})
    teaching = _what_they_teach(db, person, on)
    found, staff = [], set()
    for who in ids:
        if who not in names:
            continue
        roles = access.roles_of(db, who, on)
        if roles & STAFF:
            staff.add(who)
        notes = teaching.get(who) or [
            access.ROLES[r] for r in sorted(roles & STAFF) if r in access.ROLES
        ]
        for child in children[who]:
            if child in kids:
                notes.append(f"родитель: {kids[child].last_name} {kids[child].first_name}")
        if "student" in roles:
            notes.append(access.ROLES["student"])
        found.append(Correspondent(names[who], ", ".join(notes)))
    found.sort(key=lambda c: (c.person.person not in staff, alphabetical(c.person)))
    return tuple(found)


def _what_they_teach(db: sqlite3.Connection, person: str, on: str) -> dict[str, list[str]]:
    """For a family member: teacher → «классный руководитель 5А», «Математика»… (what each one
    is to the family's students), so a parent knows whom to write to."""
    roles = access.roles_of(db, person, on)
    students = set(children_of(db, person, on)) if "parent" in roles else set()
    if "student" in roles:
        students.add(person)
    found: dict[str, list[str]] = {}
    for student in sorted(students):
        rows = db.execute(
            "SELECT c.teacher, coalesce(s.name, '') FROM memberships m "
            "JOIN courses c ON c.grp = m.grp "
            "LEFT JOIN subjects s ON s.subject = c.subject WHERE m.student = ? AND m.start <= ? "
            "AND (m.end IS NULL OR m.end >= ?) AND c.start <= ? AND c.end >= ? "
            "ORDER BY s.name",
            (student, on, on, on, on),
        ).fetchall()
        for teacher, subject in rows:
            found.setdefault(teacher, [])
            if subject and subject not in found[teacher]:
                found[teacher].append(subject)
        for class_, name in db.execute(
            "SELECT g.grp, g.name FROM memberships m JOIN groups g ON g.grp = m.grp "
            "WHERE m.student = ? AND g.kind = 'class' AND m.start <= ? "
            "AND (m.end IS NULL OR m.end >= ?)",
            (student, on, on),
        ).fetchall():
            row = db.execute(
                "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
                "ORDER BY start DESC LIMIT 1",
                (class_, on),
            ).fetchone()
            if row:
                found.setdefault(row[0], []).insert(0, f"классный руководитель {name}")
    return found
