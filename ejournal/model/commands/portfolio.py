"""A student's portfolio (R-PRT-1): achievements entered by the student or a guardian,
confirmed by the class teacher; nothing is deleted (a withdrawn entry stays in the log)."""

from __future__ import annotations

from datetime import date as _date

from ...blobs import BlobStore
from ...journal import Journal
from .. import access, files
from .. import events as ev
from ..errors import NotFound, PermissionDenied, RuleViolation
from .distance import text_of

KINDS = {
    "olympiad": "олимпиада",
    "competition": "конкурс, соревнование",
    "certificate": "сертификат, грамота",
    "project": "проект",
    "other": "другое",
}
LEVELS = {
    "school": "школьный",
    "municipal": "муниципальный",
    "regional": "региональный",
    "federal": "всероссийский",
    "international": "международный",
}


def _may_enter(j: Journal, actor: str, student: str) -> bool:
    today = j.today()
    if actor == student:
        return "student" in access.roles_of(j.db, actor, today)
    return access.is_guardian(j.db, actor, student, today)


def student_classes(j: Journal, student: str, on: str) -> list[str]:
    return [
        c
        for (c,) in j.db.execute(
            "SELECT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp WHERE m.student = ? "
            "AND g.kind = 'class' AND m.start <= ? AND (m.end IS NULL OR m.end >= ?)",
            (student, on, on),
        )
    ]


def add_achievement(
    j: Journal,
    actor: str,
    *,
    student: str,
    kind: str,
    title: str,
    level: str,
    date: str,
    result: str = "",
    uploads: list[files.Upload] | None = None,
) -> str:
    """An olympiad, competition, certificate or project, with its level, date, result and
    files (diplomas, scans). Returns its id."""
    title = text_of(title, "Название", 300)
    result = text_of(result, "Результат", 300, required=False)
    if kind not in KINDS:
        raise RuleViolation("Вид достижения: олимпиада, конкурс, сертификат, проект или другое.")
    if level not in LEVELS:
        raise RuleViolation(
            "Уровень: школьный, муниципальный, региональный, всероссийский или международный."
        )
    try:
        day = _date.fromisoformat(date).isoformat()
    except ValueError as e:
        raise RuleViolation("Дата: ГГГГ-ММ-ДД.") from e
    with j.command():
        if not _may_enter(j, actor, student):
            raise PermissionDenied("Портфолио заполняет сам ученик или его родитель.")
        if day > j.today():
            raise RuleViolation("Дата достижения не может быть в будущем.")
        refs = files.check_and_store(j.db, BlobStore.of(j.data_dir.path), uploads or [])
        achievement = j.ids.new("ach")
        j.record(
            actor,
            [ev.AchievementAdded(achievement, student, kind, title, level, day, result, refs)],
        )
        return achievement


def _achievement(j: Journal, achievement: str) -> tuple[str, str, str, str | None]:
    row = j.db.execute(
        "SELECT student, by, status, withdrawn_at FROM achievements "
        "WHERE achievement = ? AND invalid = 0",
        (achievement,),
    ).fetchone()
    if row is None:
        raise NotFound("Такая запись портфолио не найдена.")
    return row


def confirm_achievement(
    j: Journal, actor: str, *, achievement: str, rejected: bool = False, note: str = ""
) -> None:
    """The class teacher of the student's class confirms (or declines, with a note) an entry."""
    note = text_of(note, "Примечание", 1000, required=rejected)
    with j.command():
        student, _, status, withdrawn = _achievement(j, achievement)
        today = j.today()
        if not any(
            access.is_class_teacher(j.db, actor, c, today)
            for c in student_classes(j, student, today)
        ):
            raise PermissionDenied("Подтверждает портфолио классный руководитель ученика.")
        if withdrawn:
            raise RuleViolation("Эта запись снята.")
        if status != "new":
            raise RuleViolation("Эта запись уже рассмотрена.")
        j.record(actor, [ev.AchievementConfirmed(achievement, rejected, note)])


def withdraw_achievement(j: Journal, actor: str, *, achievement: str, reason: str = "") -> None:
    """The student or the guardian takes back an entry (it stays in the log)."""
    with j.command():
        student, _, _, withdrawn = _achievement(j, achievement)
        if not _may_enter(j, actor, student):
            raise PermissionDenied("Снять запись может сам ученик или его родитель.")
        if withdrawn:
            raise RuleViolation("Эта запись уже снята.")
        j.record(actor, [ev.AchievementWithdrawn(achievement, reason.strip()[:500])])
