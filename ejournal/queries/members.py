"""Who belongs to a class or group over some dates (R-STR-2), with the dates they joined and
left, so a student who left shows in the journal until then (R-STR-7).

A subgroup or a group across classes counts its members only while they are also in one of its
classes (as :func:`ejournal.model.lookup.is_member` does): a student who left the class is out of
its subgroups from then on, whether or not the subgroup was left explicitly.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .people import Person, alphabetical, persons

Span = tuple[str, str | None]  # first and last day (None: still a member)


@dataclass(frozen=True, slots=True)
class Member:
    student: Person
    joined: str  # first day in the group among the spans that touch the dates asked
    left: str | None  # last day in the group, None while still in it
    individual_plan: bool
    spans: tuple[Span, ...]  # (start, end or None), in order

    def on(self, day: str) -> bool:
        """Whether the student belonged to the group on ``day``."""
        return any(start <= day and (end is None or day <= end) for start, end in self.spans)


def _overlap(a: Span, b: Span) -> Span | None:
    start = max(a[0], b[0])
    ends = [e for e in (a[1], b[1]) if e is not None]
    end = min(ends) if ends else None
    return (start, end) if end is None or start <= end else None


def _class_spans(db: sqlite3.Connection, group: str, students: list[str]) -> dict[str, list[Span]]:
    """The spans each student spent in the classes a subgroup or group is made of."""
    found: dict[str, list[Span]] = {}
    for start in range(0, len(students), 500):
        part = students[start : start + 500]
        for student, first, last in db.execute(
            "SELECT m.student, m.start, m.end FROM memberships m "
            "JOIN group_classes gc ON gc.class = m.grp "
            f"WHERE gc.grp = ? AND m.student IN ({','.join('?' * len(part))}) "
            "ORDER BY m.student, m.start, m.id",
            (group, *part),
        ):
            found.setdefault(student, []).append((first, last))
    return found


def members(db: sqlite3.Connection, group: str, start: str, end: str) -> tuple[Member, ...]:
    """Students who belonged to a class or group on any day from ``start`` to ``end``,
    in the journal's alphabetical order."""
    rows: dict[str, list[tuple[Span, int]]] = {}
    for student, first, last, plan in db.execute(
        "SELECT student, start, end, individual_plan FROM memberships "
        "WHERE grp = ? AND start <= ? AND (end IS NULL OR end >= ?) ORDER BY student, start, id",
        (group, end, start),
    ):
        rows.setdefault(student, []).append(((first, last), plan))
    kind = db.execute("SELECT kind FROM groups WHERE grp = ?", (group,)).fetchone()
    if kind is not None and kind[0] != "class":
        classes = _class_spans(db, group, sorted(rows))
        rows = {
            student: clipped
            for student, spans in rows.items()
            if (clipped := _clip(spans, classes.get(student, []), start, end))
        }
    people = persons(db, rows)
    result = []
    for student, spans in rows.items():
        ends = [span[1] for span, _ in spans]
        result.append(
            Member(
                student=people.get(student, Person(student, "", "", "")),
                joined=spans[0][0][0],
                left=None if None in ends else max(e for e in ends if e is not None),
                individual_plan=any(plan for _, plan in spans),
                spans=tuple(span for span, _ in spans),
            )
        )
    result.sort(key=lambda m: alphabetical(m.student))
    return tuple(result)


def _clip(
    spans: list[tuple[Span, int]], classes: list[Span], start: str, end: str
) -> list[tuple[Span, int]]:
    """Group spans cut to the days also spent in a class, keeping those that touch the dates."""
    clipped = []
    for span, plan in spans:
        for class_span in classes:
            both = _overlap(span, class_span)
            if both is not None and _overlap(both, (start, end)) is not None:
                clipped.append((both, plan))
    return sorted(clipped)


def groups_of(db: sqlite3.Connection, student: str, on: str) -> tuple[str, ...]:
    """The classes and groups a student belongs to on a date, sorted; a subgroup or group
    counts only while the student is also in one of its classes."""
    rows = db.execute(
        "SELECT DISTINCT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp "
        "WHERE m.student = ? AND m.start <= ? AND (m.end IS NULL OR m.end >= ?) "
        "AND (g.kind = 'class' OR EXISTS (SELECT 1 FROM group_classes gc JOIN memberships k "
        "ON k.grp = gc.class WHERE gc.grp = m.grp AND k.student = m.student AND k.start <= ? "
        "AND (k.end IS NULL OR k.end >= ?))) ORDER BY m.grp",
        (student, on, on, on, on),
    )
    return tuple(row[0] for row in rows)


def group_name(db: sqlite3.Connection, group: str) -> str:
    """The name of a class or group as the school writes it («5А»), or "" for an unknown id."""
    row = db.execute("SELECT name FROM groups WHERE grp = ?", (group,)).fetchone()
    return str(row[0]) if row else ""
