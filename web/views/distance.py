"""Distance courses on the web (R-DST-1): the hub (/distance), a course's materials and
assignments with the teacher's forms, an assignment with who submitted and the review that
becomes a mark in one action, the student's submission form, and the list of a student's
assignments (/student/assignments) for the student and the parents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import files, lookup, rules
from ejournal.model.commands import distance
from ejournal.model.commands.quiz import now_utc
from ejournal.model.errors import JournalError, PermissionDenied, RuleViolation
from ejournal.queries import distance as dq
from ejournal.queries import quiz as qq
from ejournal.queries.courses import course_info
from ejournal.queries.people import person
from ejournal.queries.periods import current_year
from ejournal.queries.teacher import my_courses
from ejournal.queries.viewers import WRITE, classes_kept_by, course_access

from ..security import SIGNED_IN, TEACHERS, ForbiddenError, User, reading
from .distance_forms import (
    STAFF_REPORTS,
    STUDENTS,
    UPLOAD_BODY_MAX,
    VIEWERS,
    Form,
    Multipart,
    child_of,
    field,
    journal_of,
    local,
    local_log,
    uploads,
    user_of,
)


def _course_page(j: Journal, user: User, course: str, **more: Any) -> Template:
    today = j.today()
    if not dq.may_see_course(j.db, user.person, course, today):
        raise ForbiddenError
    editable = course_access(j.db, user.person, course, today) == WRITE
    context = {
        "user": user,
        "course": course_info(j.db, course),
        "items": dq.course_items(j.db, course),
        "quizzes": qq.course_quizzes(j.db, course),
        "editable": editable,
        "lessons": dq.course_lessons(j.db, course) if editable else [],
        "plan": dq.plan_of(j.db, course) if editable else (),
        "kinds": rules.WORK_KINDS,
        "local_log": local_log,
        "error": "",
        **more,
    }
    return Template(
        "distance/course.html", context=context, status_code=422 if more.get("error") else 200
    )


class DistanceController(Controller):
    @get("/distance", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def hub(self, request: Request) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        if user.roles & STUDENTS and "teacher" not in user.roles:
            return Redirect("/student/assignments", status_code=303)
        with reading(j):
            today = j.today()
            year = current_year(j.db, today) or ""
            courses = my_courses(j.db, user.person, year) if "teacher" in user.roles else ()
            kept = classes_kept_by(j.db, user.person, today)
            subjects = sorted({(c.subject, c.subject_name) for c in courses}, key=lambda s: s[1])
            limits = files.limits(j.db) if user.roles & STAFF_REPORTS else None
            used = files.used_bytes(j.db) if limits else 0
        return Template(
            "distance/hub.html",
            context={
                "limits": limits,
                "used": used,
                "human_size": files.human_size,
                "user": user,
                "courses": courses,
                "kept": kept,
                "subjects": subjects,
                "reports": bool(user.roles & STAFF_REPORTS),
            },
        )

    @post("/distance/limits", opt={"roles": STAFF_REPORTS}, sync_to_thread=True)
    def set_limits(self, request: Request, data: Annotated[dict[str, Any], Form]) -> Response[Any]:
        """The school's limits on attached files, in megabytes (R-DST-1)."""
        j, user = journal_of(request), user_of(request)
        try:
            file_mb, school_mb = (_megabytes(field(data, n)) for n in ("file_max", "school_max"))
            with reading(j):
                distance.set_file_limits(
                    j, user.person, file_max=file_mb << 20, school_max=school_mb << 20
                )
        except PermissionDenied:
            raise
        except JournalError as e:
            return Template(
                "error.html",
                context={
                    "title": "Пределы не изменены",
                    "message": e.message_ru,
                    "user": user,
                },
                status_code=422,
            )
        return Redirect("/distance", status_code=303)

    @get("/distance/course/{course:str}", opt={"roles": VIEWERS}, sync_to_thread=True)
    def course(self, request: Request, course: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return _course_page(j, user, course)

    @post(
        "/distance/course/{course:str}/material",
        opt={"roles": TEACHERS},
        sync_to_thread=True,
        request_max_body_size=UPLOAD_BODY_MAX,
    )
    def add_material(
        self, request: Request, course: FromPath[str], data: Annotated[dict[str, Any], Multipart]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            try:
                lesson, topic = _place(data)
                distance.publish_material(
                    j,
                    user.person,
                    course=course,
                    title=field(data, "title"),
                    text=field(data, "text"),
                    uploads=uploads(data),
                    lesson=lesson,
                    plan_topic=topic,
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return _course_page(j, user, course, error=e.message_ru)
        return Redirect(f"/distance/course/{course}", status_code=303)

    @post(
        "/distance/course/{course:str}/assignment",
        opt={"roles": TEACHERS},
        sync_to_thread=True,
        request_max_body_size=UPLOAD_BODY_MAX,
    )
    def add_assignment(
        self, request: Request, course: FromPath[str], data: Annotated[dict[str, Any], Multipart]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            try:
                lesson, topic = _place(data)
                due = _due(j, field(data, "due"))
                asg = distance.publish_assignment(
                    j,
                    user.person,
                    course=course,
                    title=field(data, "title"),
                    text=field(data, "text"),
                    due=due,
                    kind=field(data, "kind"),
                    uploads=uploads(data),
                    lesson=lesson,
                    plan_topic=topic,
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return _course_page(j, user, course, error=e.message_ru)
        return Redirect(f"/distance/assignment/{asg}", status_code=303)

    @get("/distance/assignment/{assignment:str}", opt={"roles": VIEWERS}, sync_to_thread=True)
    def assignment(self, request: Request, assignment: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return _assignment_page(j, user, assignment, request.query_params.get("student", ""))

    @post(
        "/distance/assignment/{assignment:str}/submit",
        opt={"roles": frozenset({"student"})},
        sync_to_thread=True,
        request_max_body_size=UPLOAD_BODY_MAX,
    )
    def submit(
        self,
        request: Request,
        assignment: FromPath[str],
        data: Annotated[dict[str, Any], Multipart],
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            try:
                distance.submit(
                    j,
                    user.person,
                    assignment=assignment,
                    text=field(data, "text"),
                    uploads=uploads(data),
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return _assignment_page(
                    j, user, assignment, "", error=e.message_ru, text=field(data, "text")
                )
        return Redirect(f"/distance/assignment/{assignment}", status_code=303)

    @post(
        "/distance/submission/{submission:str}/withdraw",
        opt={"roles": frozenset({"student"})},
        sync_to_thread=True,
    )
    def withdraw(
        self, request: Request, submission: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            assignment = dq.submission_assignment(j.db, submission)
            distance.withdraw(j, user.person, submission=submission, reason=field(data, "reason"))
        return Redirect(f"/distance/assignment/{assignment}", status_code=303)

    @post(
        "/distance/submission/{submission:str}/review", opt={"roles": TEACHERS}, sync_to_thread=True
    )
    def review(
        self, request: Request, submission: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """Save the review; with action=mark also put its mark in the journal (one action)."""
        j, user = journal_of(request), user_of(request)
        with reading(j):
            assignment = dq.submission_assignment(j.db, submission)
            try:
                comment, value = field(data, "comment"), field(data, "value")
                returned = field(data, "action") == "return"
                if comment or value or returned:
                    distance.review(
                        j,
                        user.person,
                        submission=submission,
                        comment=comment,
                        value=value,
                        returned=returned,
                    )
                if field(data, "action") == "mark":
                    distance.mark_review(
                        j, user.person, submission=submission, lesson=field(data, "lesson")
                    )
            except PermissionDenied:
                raise
            except JournalError as e:
                return _assignment_page(j, user, assignment, "", error=e.message_ru)
        return Redirect(f"/distance/assignment/{assignment}", status_code=303)

    @get("/student/assignments", opt={"roles": STUDENTS}, sync_to_thread=True)
    def student_assignments(self, request: Request) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            student = child_of(j, user, request.query_params.get("student", ""))
            today = j.today()
            items = dq.student_assignments(j.db, student, today, now_utc(j))
            quizzes = qq.student_quizzes(j.db, student, j.today(), now_utc(j))
            return Template(
                "distance/student.html",
                context={
                    "user": user,
                    "student": person(j.db, student),
                    "items": items,
                    "quizzes": quizzes,
                    "status": dq.STATUS_RU,
                    "local_log": local_log,
                    "children": dq.children_of(j.db, user.person, today),
                    "own": student == user.person,
                },
            )


def _megabytes(text: str) -> int:
    text = text.strip()
    if not text.isdigit() or not 0 < int(text) <= 10**7:
        raise RuleViolation("Пределы — целые числа мегабайт, больше нуля.")
    return int(text)


def _place(data: dict[str, Any]) -> tuple[str, int]:
    lesson, topic = field(data, "lesson"), field(data, "plan_topic")
    if topic and not topic.isdigit():
        raise RuleViolation("Тема КТП — номер темы.")
    return lesson, int(topic or "0")


def _due(j: Journal, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RuleViolation("Срок сдачи: дата и время, например 2026-11-20 18:00.") from None
    return moment.replace(tzinfo=j.now().tzinfo) if moment.tzinfo is None else moment


def _assignment_page(
    j: Journal, user: User, assignment: str, student: str, **more: Any
) -> Template:
    today = j.today()
    item = dq.course_item(j.db, assignment)
    if not dq.may_see_course(j.db, user.person, item.course, today):
        raise ForbiddenError
    teacher = course_access(j.db, user.person, item.course, today) != ""
    context: dict[str, Any] = {
        "user": user,
        "item": item,
        "course": course_info(j.db, item.course),
        "local": lambda t: local(j, t),
        "local_log": local_log,
        "error": "",
        "text": "",
        "teacher": teacher,
        "editable": teacher and course_access(j.db, user.person, item.course, today) == WRITE,
        "kinds": rules.WORK_KINDS,
        "status": dq.STATUS_RU,
    }
    if teacher:
        context["detail"] = dq.assignment_detail(j.db, assignment, today)
        context["lessons"] = dq.course_lessons(j.db, item.course)
        context["values"] = rules.GRADING_VALUES.get(lookup.course(j.db, item.course).grading, ())
    else:
        who = child_of(j, user, student)
        work = dq.student_work(j.db, assignment, who)
        due = dq.assignment_due(j.db, assignment)
        context["work"] = work
        context["state"] = dq.status_of(work, due, now_utc(j))
        context["own"] = who == user.person
        context["due_passed"] = now_utc(j) > due
    context.update(more)
    status = 422 if more.get("error") else 200
    return Template("distance/assignment.html", context=context, status_code=status)
