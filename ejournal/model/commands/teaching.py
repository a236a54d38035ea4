"""What a teacher does in the journal: lessons, substitutions, attendance, marks, corrections,
period and final marks, comments (R-LES-1, R-LES-2, R-ATT-1, R-MRK-1..4)."""

from __future__ import annotations

from ...journal import Journal
from .. import access, lookup, rules
from .. import events as ev
from ..errors import PermissionDenied, RuleViolation


def _require_teacher_of(
    j: Journal, actor: str, course: lookup.Course, lesson_teacher: str = ""
) -> None:
    """Only the course's teacher, or the substitute recorded for the lesson, writes in it.

    A class teacher, the deputy head and the director see the journal but do not write in a
    course that is not theirs (R-SEC-1, R-CTL-4).
    """
    if actor not in (course.teacher, lesson_teacher) and actor != access.SYSTEM:
        raise PermissionDenied(
            "Писать в журнал этого предмета может только его учитель "
            "или учитель, который его заменяет."
        )
    access.require(j.db, actor, "journal.write", j.today())


def _require_open_year(j: Journal, course: lookup.Course) -> None:
    if lookup.year_closed(j.db, course.year):
        raise RuleViolation("Учебный год закрыт: записи в журнал за него больше не вносятся.")


def _require_marks_allowed(course: lookup.Course) -> None:
    # R-STR-6: grade 1 has no marks and no homework, only attendance.
    if course.grade == 1:
        raise RuleViolation("В 1 классе отметки не выставляются и домашние задания не задаются.")
    if course.grading == "none":
        raise RuleViolation("По этому предмету отметки не выставляются.")


def _check_student(j: Journal, course: lookup.Course, student: str, on: str) -> None:
    if not lookup.is_member(j.db, student, course.group, on):
        raise RuleViolation("Этот ученик не числится в классе (группе) на дату урока.")


def record_lesson(
    j: Journal,
    actor: str,
    *,
    course: str,
    date: str,
    number: int = 0,
    topic: str = "",
    homework: str = "",
    work_kinds: list[str] | None = None,
    plan_topic: int = 0,
) -> str:
    """Record a lesson (topics may be filled ahead, R-LES-1). Returns the lesson id."""
    with j.command():
        c = lookup.course(j.db, course)
        _require_teacher_of(j, actor, c)
        _require_open_year(j, c)
        if not c.start <= date <= c.end:
            raise RuleViolation("Дата урока вне сроков курса.")
        if homework and c.grade == 1:
            raise RuleViolation("В 1 классе домашние задания не задаются.")
        kinds = _check_kinds(work_kinds or [])
        lesson_id = j.ids.new("les")
        j.record(
            actor,
            [
                ev.LessonRecorded(
                    lesson_id,
                    course,
                    date,
                    number,
                    topic.strip(),
                    homework.strip(),
                    kinds,
                    "",
                    plan_topic,
                )
            ],
        )
        return lesson_id


def _check_kinds(kinds: list[str]) -> list[str]:
    unknown = [k for k in kinds if k not in rules.WORK_KINDS]
    if unknown:
        raise RuleViolation(f"Неизвестный вид работы: {', '.join(unknown)}.")
    return kinds


def update_lesson(
    j: Journal,
    actor: str,
    *,
    lesson: str,
    topic: str | None = None,
    homework: str | None = None,
    work_kinds: list[str] | None = None,
) -> None:
    """Change a lesson's topic, homework or work kinds; the old text stays in the log."""
    with j.command():
        les = lookup.lesson(j.db, lesson)
        _require_teacher_of(j, actor, les.course, les.teacher)
        _require_open_year(j, les.course)
        if homework and les.course.grade == 1:
            raise RuleViolation("В 1 классе домашние задания не задаются.")
        kinds = None if work_kinds is None else _check_kinds(work_kinds)
        j.record(actor, [ev.LessonUpdated(lesson, topic, homework, kinds)])


def substitute(j: Journal, actor: str, *, lesson: str, teacher: str, reason: str = "") -> None:
    """R-LES-2: record that another teacher takes the lesson. The course's teacher or the
    deputy head records it."""
    with j.command():
        les = lookup.lesson(j.db, lesson)
        if actor != les.course.teacher:
            access.require(j.db, actor, "structure.edit", j.today())
        _require_open_year(j, les.course)
        if "teacher" not in access.roles_of(j.db, teacher, j.today()):
            raise RuleViolation("Заменять урок может только учитель.")
        j.record(actor, [ev.LessonSubstituted(lesson, teacher, reason)])


def mark_attendance(j: Journal, actor: str, *, lesson: str, student: str, code: str) -> None:
    """R-ATT-1: Б ill, У excused, Н unexcused; an empty code means present."""
    code = code.strip().upper()
    if code and code not in rules.ATTENDANCE_CODES:
        raise RuleViolation(
            "Отметка посещаемости: Б — по болезни, У — по уважительной причине, Н — без причины."
        )
    with j.command():
        les = lookup.lesson(j.db, lesson)
        _require_teacher_of(j, actor, les.course, les.teacher)
        _require_open_year(j, les.course)
        if les.date > j.today():
            # R-ATT-1: attendance is recorded by the fact, on the day of the lesson or later.
            raise RuleViolation("Нельзя отметить посещаемость урока, который ещё не прошёл.")
        _check_student(j, les.course, student, les.date)
        j.record(actor, [ev.AttendanceMarked(lesson, student, code)])


def set_absence_reason(j: Journal, actor: str, *, lesson: str, student: str, code: str) -> None:
    """R-ATT-1: the class teacher keeps the absence registry: sets the reason (Б, У, Н) of an
    absence the subject teacher recorded, e.g. У after a note from the parents. Only the reason
    of a recorded absence changes; presence stays the subject teacher's to record."""
    code = code.strip().upper()
    if code not in rules.ATTENDANCE_CODES:
        raise RuleViolation(
            "Причина пропуска: Б — по болезни, У — по уважительной причине, Н — без причины."
        )
    with j.command():
        les = lookup.lesson(j.db, lesson)
        _require_open_year(j, les.course)
        today = j.today()
        classes = [
            grp
            for (grp,) in j.db.execute(
                "SELECT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp "
                "WHERE m.student = ? AND g.kind = 'class' AND m.start <= ? "
                "AND (m.end IS NULL OR m.end >= ?)",
                (student, les.date, les.date),
            )
        ]
        if not any(access.is_class_teacher(j.db, actor, c, today) for c in classes):
            raise PermissionDenied("Причину пропуска указывает классный руководитель ученика.")
        current = j.db.execute(
            "SELECT code FROM attendance WHERE lesson = ? AND student = ?", (lesson, student)
        ).fetchone()
        if current is None:
            raise RuleViolation(
                "На этом уроке пропуск не отмечен: отмечает посещаемость учитель-предметник."
            )
        if current[0] == code:
            raise RuleViolation("Эта причина уже указана.")
        j.record(actor, [ev.AttendanceMarked(lesson, student, code)])


def _mark_value(value: str) -> str:
    """A mark as the grading systems spell it: «ЗАЧ» → «зач», «Н/А» → «н/а», " 5 " → "5"."""
    return value.strip().lower()


def give_mark(j: Journal, actor: str, *, lesson: str, student: str, value: str, kind: str) -> str:
    """A current mark for a lesson (R-MRK-1). Late entries are accepted and flagged."""
    value = _mark_value(value)
    with j.command():
        les = lookup.lesson(j.db, lesson)
        c = les.course
        _require_teacher_of(j, actor, c, les.teacher)
        _require_open_year(j, c)
        _require_marks_allowed(c)
        if value not in rules.GRADING_VALUES.get(c.grading, ()):
            raise RuleViolation(f"Отметка «{value}» не из системы оценивания этого предмета.")
        if kind not in rules.WORK_KINDS:
            raise RuleViolation(f"Неизвестный вид работы: {kind}.")
        _check_student(j, c, student, les.date)
        if les.date > j.today():
            raise RuleViolation("Нельзя выставить отметку за урок, который ещё не прошёл.")
        mark_id = j.ids.new("mrk")
        j.record(actor, [ev.MarkGiven(mark_id, lesson, student, value, kind)])
        return mark_id


def correct_mark(j: Journal, actor: str, *, mark: str, value: str, reason: str) -> None:
    """R-MRK-2: a correction is a new, reasoned record; the old mark stays visible."""
    value = _mark_value(value)
    if not reason.strip():
        raise RuleViolation("Исправление отметки требует указать причину.")
    with j.command():
        lesson_id, _, _, current = lookup.mark_row(j.db, mark)
        les = lookup.lesson(j.db, lesson_id)
        _require_teacher_of(j, actor, les.course, les.teacher)
        _require_open_year(j, les.course)
        if value not in rules.GRADING_VALUES.get(les.course.grading, ()):
            raise RuleViolation(f"Отметка «{value}» не из системы оценивания этого предмета.")
        if value == current:
            raise RuleViolation("Новая отметка совпадает с действующей.")
        j.record(actor, [ev.MarkCorrected(mark, value, reason.strip())])


def revoke_mark(j: Journal, actor: str, *, mark: str, reason: str) -> None:
    """Cancel a mark entered by mistake (R-MRK-2): recorded with a reason, never deleted."""
    if not reason.strip():
        raise RuleViolation("Отмена отметки требует указать причину.")
    with j.command():
        lesson_id, _, _, current = lookup.mark_row(j.db, mark)
        les = lookup.lesson(j.db, lesson_id)
        _require_teacher_of(j, actor, les.course, les.teacher)
        _require_open_year(j, les.course)
        if current is None:
            raise RuleViolation("Эта отметка уже отменена.")
        j.record(actor, [ev.MarkRevoked(mark, reason.strip())])


def give_final_mark(
    j: Journal,
    actor: str,
    *,
    course: str,
    student: str,
    kind: str,
    value: str,
    period: str = "",
    reason: str = "",
) -> None:
    """Period, year, exam or final mark, or «н/а» (R-MRK-3); late ones are flagged.

    Replacing a final mark already given needs a reason (R-MRK-2).
    """
    if kind not in rules.FINAL_KINDS:
        raise RuleViolation(
            "Вид итоговой отметки: четвертная (полугодовая), годовая, экзаменационная или итоговая."
        )
    value = _mark_value(value)
    with j.command():
        c = lookup.course(j.db, course)
        _require_teacher_of(j, actor, c)
        _require_open_year(j, c)
        _require_marks_allowed(c)
        if value not in rules.GRADING_VALUES.get(c.grading, ()) + rules.FINAL_EXTRA_VALUES:
            raise RuleViolation(f"Отметка «{value}» не из системы оценивания этого предмета.")
        on = j.today()
        if kind == "period":
            if not period:
                raise RuleViolation("Укажите учебный период.")
            year, start, end = lookup.period(j.db, period)
            if year != c.year:
                raise RuleViolation("Период не из учебного года этого курса.")
            if not lookup.period_has_grade(j.db, period, c.grade):
                # R-STR-1: each grade has its own scheme (quarters for 2–9, halves for 10–11…).
                raise RuleViolation("Этот период не относится к параллели, в которой ведётся курс.")
            on = min(end, on)
        _check_student(j, c, student, min(on, c.end))
        earlier = j.db.execute(
            "SELECT count(*) FROM final_marks WHERE course = ? AND student = ? AND kind = ? "
            "AND period = ? AND invalid = 0",
            (course, student, kind, period),
        ).fetchone()[0]
        if earlier and not reason.strip():
            raise RuleViolation("Итоговая отметка уже выставлена: для исправления укажите причину.")
        j.record(actor, [ev.FinalMarkGiven(course, student, kind, value, period, reason.strip())])


COMMENT_KINDS = {"remark": "замечание", "praise": "похвала", "note": "сообщение родителям"}


def add_comment(j: Journal, actor: str, *, lesson: str, student: str, kind: str, text: str) -> str:
    """A remark, praise or message to parents about a student at a lesson (R-MRK-4)."""
    text = " ".join(text.split())
    if kind not in COMMENT_KINDS:
        raise RuleViolation("Вид записи: замечание, похвала или сообщение родителям.")
    if not 3 <= len(text) <= 1000:
        raise RuleViolation("Текст записи должен быть от 3 до 1000 знаков.")
    with j.command():
        les = lookup.lesson(j.db, lesson)
        _require_teacher_of(j, actor, les.course, les.teacher)
        _require_open_year(j, les.course)
        _check_student(j, les.course, student, les.date)
        comment_id = j.ids.new("cmt")
        j.record(actor, [ev.CommentAdded(comment_id, lesson, student, kind, text)])
        return comment_id
