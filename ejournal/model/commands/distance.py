"""A distance course (R-DST-1): the teacher publishes materials and assignments of a course,
students submit their work (text and files) until the due time — later ones are accepted and
flagged —, the teacher reviews it and with one action turns the review into a journal mark of
the assignment's work kind, through the normal mark command with all its rules."""

from __future__ import annotations

from datetime import datetime

from ...blobs import BlobStore
from ...journal import Journal
from ...log.entry import format_time
from .. import access, files, lookup, rules
from .. import events as ev
from ..errors import NotFound, PermissionDenied, RuleViolation
from . import teaching

TITLE_MAX, TEXT_MAX = 200, 20_000


def text_of(value: str, what: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise RuleViolation(f"{what}: заполните это поле.")
    if len(value) > limit:
        raise RuleViolation(f"{what}: не длиннее {limit} знаков.")
    return value


def require_course_teacher(j: Journal, actor: str, course: lookup.Course) -> None:
    """Only the course's teacher publishes in it (R-SEC-1)."""
    if actor != course.teacher or "teacher" not in access.roles_of(j.db, actor, j.today()):
        raise PermissionDenied("Публиковать в курсе может только его учитель.")
    if lookup.year_closed(j.db, course.year):
        raise RuleViolation("Учебный год закрыт: записи за него больше не вносятся.")


def require_student_of(j: Journal, actor: str, course: lookup.Course) -> None:
    """A student acts for themself, with the student role, while in the course's group."""
    today = j.today()
    if "student" not in access.roles_of(j.db, actor, today):
        raise PermissionDenied("Сдавать работы может только сам ученик под своей учётной записью.")
    if not lookup.is_member(j.db, actor, course.group, today):
        raise PermissionDenied("Это задание не для вашего класса (группы).")


def _place(j: Journal, course: lookup.Course, lesson: str, plan_topic: int) -> None:
    if lesson and lookup.lesson(j.db, lesson).course.course != course.course:
        raise RuleViolation("Урок не из этого курса.")
    if (
        plan_topic
        and not j.db.execute(
            "SELECT 1 FROM plan_topics WHERE course = ? AND number = ?", (course.course, plan_topic)
        ).fetchone()
    ):
        raise RuleViolation("В КТП курса нет темы с таким номером.")


def set_file_limits(j: Journal, actor: str, *, file_max: int, school_max: int) -> None:
    """The school's limits on files (bytes): one file, and all files together."""
    if not 0 < file_max <= school_max:
        raise RuleViolation("Предел одного файла должен быть больше нуля и не больше общего.")
    with j.command():
        access.require(j.db, actor, "structure.edit", j.today())
        j.record(actor, [ev.FileLimitsSet(file_max, school_max)])


def publish_material(
    j: Journal,
    actor: str,
    *,
    course: str,
    title: str,
    text: str = "",
    uploads: list[files.Upload] | None = None,
    lesson: str = "",
    plan_topic: int = 0,
) -> str:
    """A material of a course at a lesson or a КТП topic. Returns its id."""
    title = text_of(title, "Название", TITLE_MAX)
    text = text_of(text, "Текст", TEXT_MAX, required=False)
    with j.command():
        c = lookup.course(j.db, course)
        require_course_teacher(j, actor, c)
        _place(j, c, lesson, plan_topic)
        refs = files.check_and_store(j.db, BlobStore.of(j.data_dir.path), uploads or [])
        material = j.ids.new("mat")
        j.record(
            actor, [ev.MaterialPublished(material, course, title, text, refs, lesson, plan_topic)]
        )
        return material


def publish_assignment(
    j: Journal,
    actor: str,
    *,
    course: str,
    title: str,
    text: str,
    due: datetime,
    kind: str,
    uploads: list[files.Upload] | None = None,
    lesson: str = "",
    plan_topic: int = 0,
) -> str:
    """An assignment with a due time (an aware datetime) and the work kind of its mark."""
    title, text = text_of(title, "Название", TITLE_MAX), text_of(text, "Задание", TEXT_MAX)
    if kind not in rules.WORK_KINDS:
        raise RuleViolation(f"Неизвестный вид работы: {kind}.")
    if due.tzinfo is None:
        raise ValueError("due must be an aware datetime")
    with j.command():
        c = lookup.course(j.db, course)
        require_course_teacher(j, actor, c)
        teaching._require_marks_allowed(c)  # R-STR-6: no marks, no assignment to mark
        if due <= j.now():
            raise RuleViolation("Срок сдачи должен быть позже, чем сейчас.")
        _place(j, c, lesson, plan_topic)
        refs = files.check_and_store(j.db, BlobStore.of(j.data_dir.path), uploads or [])
        assignment = j.ids.new("asg")
        j.record(
            actor,
            [
                ev.AssignmentPublished(
                    assignment,
                    course,
                    title,
                    text,
                    format_time(due),
                    kind,
                    refs,
                    lesson,
                    plan_topic,
                )
            ],
        )
        return assignment


def _assignment(j: Journal, assignment: str) -> tuple[lookup.Course, str, str]:
    """(course, due UTC, work kind) of an assignment that counts."""
    row = j.db.execute(
        "SELECT course, due, kind FROM assignments WHERE assignment = ? AND invalid = 0",
        (assignment,),
    ).fetchone()
    if row is None:
        raise NotFound("Такое задание не найдено.")
    return lookup.course(j.db, row[0]), row[1], row[2]


def _current(j: Journal, assignment: str, student: str) -> tuple[str, bool] | None:
    """The student's current submission and whether the teacher reviewed it without returning."""
    row = j.db.execute(
        "SELECT s.submission, (SELECT NOT r.returned FROM reviews r WHERE r.submission = "
        "s.submission AND r.invalid = 0 ORDER BY r.id DESC LIMIT 1) FROM submissions s "
        "WHERE s.assignment = ? AND s.student = ? AND s.withdrawn_at IS NULL AND s.invalid = 0 "
        "ORDER BY s.at DESC, s.ref DESC LIMIT 1",
        (assignment, student),
    ).fetchone()
    return (row[0], bool(row[1])) if row else None


def submit(
    j: Journal,
    actor: str,
    *,
    assignment: str,
    text: str = "",
    uploads: list[files.Upload] | None = None,
) -> str:
    """A student's work: text and files. Before the due time as often as needed (the latest
    counts); after it accepted and flagged late, unless the work was already reviewed."""
    text = text_of(text, "Ответ", TEXT_MAX, required=False)
    with j.command():
        c, due, _ = _assignment(j, assignment)
        require_student_of(j, actor, c)
        if not text and not any(u.data for u in uploads or []):
            raise RuleViolation("Напишите ответ или приложите файл.")
        current = _current(j, assignment, actor)
        if current and current[1] and _utc_now(j) > due:
            raise RuleViolation(
                "Срок сдачи прошёл, а работа уже проверена: пересдать её можно, только если "
                "учитель вернёт её на доработку."
            )
        refs = files.check_and_store(j.db, BlobStore.of(j.data_dir.path), uploads or [])
        submission = j.ids.new("sub")
        j.record(actor, [ev.SubmissionMade(submission, assignment, actor, text, refs)])
        return submission


def _utc_now(j: Journal) -> str:
    from ...projection.times import utc

    return utc(format_time(j.now()))


def withdraw(j: Journal, actor: str, *, submission: str, reason: str = "") -> None:
    """The student takes back a submission (before the due time); it stays in the log."""
    with j.command():
        row = _submission(j, submission)
        if row[1] != actor:
            raise PermissionDenied("Забрать работу может только её автор.")
        if row[3]:
            raise RuleViolation("Работа уже забрана.")
        _, due, _ = _assignment(j, row[0])
        if _utc_now(j) > due:
            raise RuleViolation("Срок сдачи прошёл: сданную работу забрать нельзя.")
        j.record(actor, [ev.SubmissionWithdrawn(submission, reason.strip()[:500])])


def _submission(j: Journal, submission: str) -> tuple[str, str, str, str | None]:
    """(assignment, student, at, withdrawn_at) of a submission that counts."""
    row = j.db.execute(
        "SELECT assignment, student, at, withdrawn_at FROM submissions "
        "WHERE submission = ? AND invalid = 0",
        (submission,),
    ).fetchone()
    if row is None:
        raise NotFound("Такая работа не найдена.")
    return row


def review(
    j: Journal,
    actor: str,
    *,
    submission: str,
    comment: str = "",
    value: str = "",
    returned: bool = False,
) -> None:
    """The teacher's review: a comment, the proposed mark, or a return for rework."""
    comment = text_of(comment, "Комментарий", 5000, required=False)
    value = value.strip().lower()
    with j.command():
        assignment, _, _, withdrawn = _submission(j, submission)
        c, _, _ = _assignment(j, assignment)
        require_course_teacher(j, actor, c)
        if withdrawn:
            raise RuleViolation("Ученик забрал эту работу.")
        if value and value not in rules.GRADING_VALUES.get(c.grading, ()):
            raise RuleViolation(f"Отметка «{value}» не из системы оценивания этого предмета.")
        if not (comment or value or returned):
            raise RuleViolation("Напишите комментарий или предложите отметку.")
        j.record(actor, [ev.SubmissionReviewed(submission, comment, value, returned)])


def mark_review(j: Journal, actor: str, *, submission: str, lesson: str = "") -> str:
    """One action: the review's mark becomes a journal mark of the assignment's work kind at
    the assignment's lesson (or ``lesson``), by the normal mark command (R-MRK-1: its rules,
    deadlines and late flags). Returns the mark id."""
    with j.command():
        assignment, student, _, withdrawn = _submission(j, submission)
        row = j.db.execute(
            "SELECT value FROM reviews WHERE submission = ? AND invalid = 0 ORDER BY id DESC",
            (submission,),
        ).fetchone()
        if row is None or not row[0]:
            raise RuleViolation("Сначала проверьте работу и предложите отметку.")
        if j.db.execute(
            "SELECT 1 FROM submission_marks WHERE submission = ?", (submission,)
        ).fetchone():
            raise RuleViolation("Отметка за эту работу уже выставлена в журнал.")
        if withdrawn:
            raise RuleViolation("Ученик забрал эту работу.")
        lesson = (
            lesson
            or j.db.execute(
                "SELECT lesson FROM assignments WHERE assignment = ?", (assignment,)
            ).fetchone()[0]
        )
        if not lesson:
            raise RuleViolation("Задание не привязано к уроку: выберите урок для отметки.")
        c, _, kind = _assignment(j, assignment)
        if lookup.lesson(j.db, lesson).course.course != c.course:
            raise RuleViolation("Урок не из курса этого задания.")
        mark = teaching.give_mark(j, actor, lesson=lesson, student=student, value=row[0], kind=kind)
        j.record(actor, [ev.SubmissionMarked(submission, mark)])
        return mark
