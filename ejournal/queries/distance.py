"""The read side of distance courses (R-DST-1): a course's materials and assignments by lesson,
an assignment with each student's work, a student's assignments with their status, and who may
see which of them and of their files."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import access, lookup
from ..model.errors import NotFound
from .courses import CourseInfo, course_info
from .members import groups_of, members
from .people import Person, person
from .viewers import course_access


@dataclass(frozen=True, slots=True)
class FileInfo:
    sha256: str
    size: int
    name: str
    media_type: str


@dataclass(frozen=True, slots=True)
class CourseItem:
    kind: str  # "material" | "assignment"
    item: str
    course: str
    title: str
    text: str
    lesson: str
    lesson_date: str  # "" when not at a lesson
    plan_topic: int  # its own КТП topic, or that of its lesson (R-LES-3)
    plan_title: str
    due: str  # assignments: the due time as the teacher set it (log format, local)
    work_kind: str
    at: str
    files: tuple[FileInfo, ...]


@dataclass(frozen=True, slots=True)
class Review:
    comment: str
    value: str
    returned: bool
    at: str


@dataclass(frozen=True, slots=True)
class Submission:
    submission: str
    student: str
    text: str
    at: str  # UTC
    late: bool
    withdrawn: bool
    files: tuple[FileInfo, ...]
    review: Review | None  # the latest
    mark: str  # the journal mark it became, or ""
    mark_value: str  # its current value


@dataclass(frozen=True, slots=True)
class StudentWork:
    student: Person
    current: Submission | None  # the latest not withdrawn
    history: tuple[Submission, ...]  # every submission, oldest first


@dataclass(frozen=True, slots=True)
class AssignmentDetail:
    item: CourseItem
    course: CourseInfo
    work: tuple[StudentWork, ...]


def files_of(db: sqlite3.Connection, owners: Sequence[str]) -> dict[str, tuple[FileInfo, ...]]:
    found: dict[str, list[FileInfo]] = {}
    for start in range(0, len(owners), 500):
        part = list(owners[start : start + 500])
        for owner, *info in db.execute(
            "SELECT owner, sha256, size, name, media_type FROM file_refs "
            f"WHERE owner IN ({','.join('?' * len(part))}) ORDER BY id",
            part,
        ):
            found.setdefault(owner, []).append(FileInfo(*info))
    return {k: tuple(v) for k, v in found.items()}


_ITEMS = (
    "SELECT 'material', m.material, m.course, m.title, m.text, m.lesson, coalesce(l.date, ''), "
    "coalesce(nullif(m.plan_topic, 0), l.plan_topic, 0), coalesce(p.topic, ''), '', '', m.at "
    "FROM materials m LEFT JOIN lessons l ON l.lesson = m.lesson "
    "LEFT JOIN plan_topics p ON p.course = m.course "
    "AND p.number = coalesce(nullif(m.plan_topic, 0), l.plan_topic) "
    "WHERE m.invalid = 0 AND {where_m} UNION ALL "
    "SELECT 'assignment', a.assignment, a.course, a.title, a.text, a.lesson, "
    "coalesce(l.date, ''), coalesce(nullif(a.plan_topic, 0), l.plan_topic, 0), "
    "coalesce(p.topic, ''), a.due_local, a.kind, a.at "
    "FROM assignments a LEFT JOIN lessons l ON l.lesson = a.lesson "
    "LEFT JOIN plan_topics p ON p.course = a.course "
    "AND p.number = coalesce(nullif(a.plan_topic, 0), l.plan_topic) "
    "WHERE a.invalid = 0 AND {where_a}"
)


def _items(
    db: sqlite3.Connection, where_m: str, where_a: str, params: tuple[str, ...]
) -> list[CourseItem]:
    rows = db.execute(_ITEMS.format(where_m=where_m, where_a=where_a), params + params).fetchall()
    attached = files_of(db, [r[1] for r in rows])
    items = [CourseItem(*r, attached.get(r[1], ())) for r in rows]  # type: ignore[call-arg]
    # By lesson: items at a lesson by its date, then those at a КТП topic by its number (a
    # topic's lessons come in order), then the rest by when they were published.
    items.sort(key=lambda i: (i.lesson_date or "~", i.plan_topic or 10**6, i.at, i.item))
    return items


def course_items(db: sqlite3.Connection, course: str) -> tuple[CourseItem, ...]:
    """A course's materials and assignments, ordered by lesson (R-DST-1)."""
    return tuple(_items(db, "m.course = ?", "a.course = ?", (course,)))


def course_item(db: sqlite3.Connection, item: str) -> CourseItem:
    """One material or assignment. Raises NotFound."""
    found = _items(db, "m.material = ?", "a.assignment = ?", (item,))
    if not found:
        raise NotFound("Такой материал или задание не найдены.")
    return found[0]


def _submissions(db: sqlite3.Connection, where: str, params: Sequence[str]) -> list[Submission]:
    rows = db.execute(
        "SELECT s.submission, s.student, s.text, s.at, s.late, s.withdrawn_at IS NOT NULL, "
        "(SELECT json_array(r.comment, r.value, r.returned, r.at) FROM reviews r "
        " WHERE r.submission = s.submission AND r.invalid = 0 ORDER BY r.id DESC LIMIT 1), "
        "coalesce(sm.mark, ''), coalesce(mk.current, '') FROM submissions s "
        "LEFT JOIN submission_marks sm ON sm.submission = s.submission "
        "LEFT JOIN marks mk ON mk.mark = sm.mark "
        f"WHERE s.invalid = 0 AND {where} ORDER BY s.at, s.ref",
        params,
    ).fetchall()
    attached = files_of(db, [r[0] for r in rows])
    result = []
    for sub, student, text, at, late, withdrawn, review, mark, value in rows:
        r = json.loads(review) if review else None
        result.append(
            Submission(
                sub,
                student,
                text,
                at,
                bool(late),
                bool(withdrawn),
                attached.get(sub, ()),
                Review(r[0], r[1], bool(r[2]), r[3]) if r else None,
                mark,
                value,
            )
        )
    return result


def assignment_detail(db: sqlite3.Connection, assignment: str, on: str) -> AssignmentDetail:
    """An assignment with each student of the course's group and their work (the teacher's
    page: who submitted, late or not, reviewed, marked)."""
    item = course_item(db, assignment)
    course = course_info(db, item.course)
    subs = _submissions(db, "s.assignment = ?", (assignment,))
    by_student: dict[str, list[Submission]] = {}
    for s in subs:
        by_student.setdefault(s.student, []).append(s)
    work = [
        StudentWork(
            m.student,
            _current(by_student.get(m.student.person, [])),
            tuple(by_student.get(m.student.person, [])),
        )
        for m in members(db, course.group, min(item.at[:10], on), on)
    ]
    return AssignmentDetail(item, course, tuple(work))


def _current(subs: list[Submission]) -> Submission | None:
    live = [s for s in subs if not s.withdrawn]
    return live[-1] if live else None


def student_work(db: sqlite3.Connection, assignment: str, student: str) -> StudentWork:
    subs = _submissions(db, "s.assignment = ? AND s.student = ?", (assignment, student))
    return StudentWork(person(db, student), _current(subs), tuple(subs))


STATUS_RU = {
    "todo": "не сдано",
    "overdue": "не сдано, срок прошёл",
    "submitted": "сдано",
    "late": "сдано с опозданием",
    "returned": "возвращено на доработку",
    "reviewed": "проверено",
    "marked": "отметка в журнале",
}


@dataclass(frozen=True, slots=True)
class StudentAssignment:
    item: CourseItem
    subject_name: str
    status: str  # a key of STATUS_RU
    mark_value: str
    comment: str


def status_of(work: StudentWork, due_utc: str, now_utc: str) -> str:
    s = work.current
    if s is None:
        return "overdue" if now_utc > due_utc else "todo"
    if s.mark:
        return "marked"
    if s.review:
        return "returned" if s.review.returned else "reviewed"
    return "late" if s.late else "submitted"


def student_assignments(
    db: sqlite3.Connection, student: str, on: str, now_utc: str
) -> tuple[StudentAssignment, ...]:
    """The assignments of the courses a student is in on ``on``, with their status."""
    groups = groups_of(db, student, on)
    if not groups:
        return ()
    courses = [
        c
        for (c,) in db.execute(
            f"SELECT course FROM courses WHERE grp IN ({','.join('?' * len(groups))}) "
            "AND start <= ? AND end >= ?",
            (*groups, on, on),
        )
    ]
    result = []
    for course in courses:
        name = course_info(db, course).subject_name
        for item in course_items(db, course):
            if item.kind != "assignment":
                continue
            due = db.execute(
                "SELECT due FROM assignments WHERE assignment = ?", (item.item,)
            ).fetchone()[0]
            work = student_work(db, item.item, student)
            cur = work.current
            result.append(
                StudentAssignment(
                    item,
                    name,
                    status_of(work, due, now_utc),
                    cur.mark_value if cur else "",
                    cur.review.comment if cur and cur.review else "",
                )
            )
    result.sort(key=lambda a: (a.item.due, a.item.item))
    return tuple(result)


def _member_or_guardian(db: sqlite3.Connection, person_id: str, group: str, on: str) -> bool:
    roles = access.roles_of(db, person_id, on)
    if "student" in roles and lookup.is_member(db, person_id, group, on):
        return True
    return any(
        lookup.is_member(db, child, group, on)
        for child in access.scopes_of(db, person_id, "parent", on)
    )


def may_see_course(db: sqlite3.Connection, viewer: str, course: str, on: str) -> bool:
    """A course's materials and assignments: its readers (teacher, class teacher,
    administration), its students and their guardians."""
    c = lookup.course(db, course)
    return bool(course_access(db, viewer, course, on)) or _member_or_guardian(
        db, viewer, c.group, on
    )


def may_see_work(db: sqlite3.Connection, viewer: str, student: str, course: str, on: str) -> bool:
    """A student's submissions and attempts: the student, a guardian, the course's readers."""
    if viewer == student:
        return "student" in access.roles_of(db, viewer, on)
    if access.is_guardian(db, viewer, student, on):
        return True
    return bool(course_access(db, viewer, course, on))


def children_of(db: sqlite3.Connection, guardian: str, on: str) -> tuple[Person, ...]:
    return tuple(person(db, s) for s in sorted(access.scopes_of(db, guardian, "parent", on)) if s)


# --- small lookups the pages need -------------------------------------------------------------


def course_lessons(db: sqlite3.Connection, course: str) -> tuple[tuple[str, str, str], ...]:
    """(lesson, date, topic) of a course's lessons that count, by date and number."""
    return tuple(
        (les, day, topic or "")
        for les, day, topic in db.execute(
            "SELECT lesson, date, topic FROM lessons WHERE course = ? AND invalid = 0 "
            "ORDER BY date, number",
            (course,),
        )
    )


def plan_of(db: sqlite3.Connection, course: str) -> tuple[tuple[int, str], ...]:
    """(number, topic) of a course's lesson plan (КТП)."""
    return tuple(
        (n, t)
        for n, t in db.execute(
            "SELECT number, topic FROM plan_topics WHERE course = ? ORDER BY number", (course,)
        )
    )


def submission_assignment(db: sqlite3.Connection, submission: str) -> str:
    """The assignment a submission answers. Raises NotFound."""
    row = db.execute(
        "SELECT assignment FROM submissions WHERE submission = ?", (submission,)
    ).fetchone()
    if row is None:
        raise NotFound("Такая работа не найдена.")
    return str(row[0])


def assignment_due(db: sqlite3.Connection, assignment: str) -> str:
    """An assignment's due time in UTC (the projection's form). Raises NotFound."""
    row = db.execute("SELECT due FROM assignments WHERE assignment = ?", (assignment,)).fetchone()
    if row is None:
        raise NotFound("Такое задание не найдено.")
    return str(row[0])


def subject_name(db: sqlite3.Connection, subject: str) -> str:
    """Raises NotFound."""
    row = db.execute("SELECT name FROM subjects WHERE subject = ?", (subject,)).fetchone()
    if row is None:
        raise NotFound("Такой предмет не найден.")
    return str(row[0])


def subjects(db: sqlite3.Connection) -> tuple[tuple[str, str], ...]:
    """(subject, name) of every subject, by name."""
    return tuple((s, n) for s, n in db.execute("SELECT subject, name FROM subjects ORDER BY name"))
