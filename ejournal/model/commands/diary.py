"""What families do in the diary: confirm they have seen the period and year marks (R-DIA-4)."""

from __future__ import annotations

from ...journal import Journal
from .. import access
from .. import events as ev
from ..errors import NotFound, PermissionDenied, RuleViolation


def acknowledge_finals(
    j: Journal, actor: str, *, student: str, period: str, note: str = ""
) -> None:
    """R-DIA-4: a parent of ``student`` (or the student) confirms having seen the marks of
    ``period`` (a period id, or a school year for the year marks); the class teacher sees it.

    Raises:
        PermissionDenied: the actor is not a guardian of the student nor the student.
        NotFound: no such period or year.
        RuleViolation: the period has no marks of the student yet, or the note is too long.
    """
    note = note.strip()
    if len(note) > 500:
        raise RuleViolation("Комментарий к подтверждению: не длиннее 500 знаков.")
    with j.command():
        today = j.today()
        roles = access.roles_of(j.db, actor, today)
        if not (
            access.is_guardian(j.db, actor, student, today)
            or (actor == student and "student" in roles)
        ):
            raise PermissionDenied("Подтвердить отметки может родитель ученика или сам ученик.")
        kind = "period"
        if j.db.execute("SELECT 1 FROM periods WHERE period = ?", (period,)).fetchone() is None:
            if j.db.execute("SELECT 1 FROM years WHERE year = ?", (period,)).fetchone() is None:
                raise NotFound("Такой учебный период не найден.")
            kind = "year"
        column = "f.period" if kind == "period" else "c.year"
        found = j.db.execute(
            "SELECT 1 FROM final_marks f JOIN courses c ON c.course = f.course "
            f"WHERE f.student = ? AND f.kind = ? AND {column} = ? "
            "AND f.invalid = 0 LIMIT 1",
            (student, kind, period),
        ).fetchone()
        if found is None:
            raise RuleViolation("Итоговых отметок за этот период ещё нет.")
        j.record(actor, [ev.FinalsAcknowledged(student, period, note)])
