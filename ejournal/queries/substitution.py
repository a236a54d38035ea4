"""Who may take a lesson instead of its teacher (R-LES-2): the school's teachers on the
lesson's date, the course's own teacher left out, in Russian alphabetical order."""

from __future__ import annotations

import sqlite3

from ..model.errors import NotFound
from .people import Person, alphabetical, persons


def substitute_candidates(db: sqlite3.Connection, lesson_id: str) -> tuple[Person, ...]:
    """Teachers who hold the teacher role on the lesson's date, except the course's teacher.

    Raises:
        NotFound: no such lesson.
    """
    row = db.execute(
        "SELECT l.date, c.teacher FROM lessons l JOIN courses c ON c.course = l.course "
        "WHERE l.lesson = ?",
        (lesson_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой урок не найден.")
    day, own = row
    ids = [
        person
        for (person,) in db.execute(
            "SELECT DISTINCT person FROM roles WHERE role = 'teacher' AND start <= ? "
            "AND (end IS NULL OR end >= ?)",
            (day, day),
        )
        if person != own
    ]
    return tuple(sorted(persons(db, ids).values(), key=alphabetical))
