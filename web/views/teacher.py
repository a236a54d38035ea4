"""The teacher's pages: my courses, the journal grid of a course and period, and the grid's
cell form (a mark or an attendance code, saved through htmx)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import lookup
from ejournal.model.commands import teaching
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries import periods
from ejournal.queries.grid import Grid, grid_cell, journal_grid
from ejournal.queries.my_remarks import open_remarks
from ejournal.queries.periods import course_periods
from ejournal.queries.teacher import my_courses, teacher_day
from ejournal.queries.viewers import classes_kept_by, course_access

from ..security import JOURNAL_READERS, TEACHERS, ForbiddenError, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
ATTENDANCE = {"Б": "Б", "У": "У", "Н": "Н", "B": "Б", "Y": "У", "H": "Н", "N": "Н"}
DEFAULT_KIND = "У"
FINAL_VALUES = ("5", "4", "3", "2", "н/а")  # the period mark's choices (R-MRK-3)
CELL = re.compile(r"^\s*(?P<value>[^\s]+)(?:\s+(?P<kind>[^\s]+))?\s*$")


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _current_year(j: Journal) -> str:
    return periods.current_year(j.db, j.today()) or ""


class TeacherController(Controller):
    """/teacher (my courses) and /journal/… (the grid)."""

    @get("/teacher", opt={"roles": TEACHERS}, sync_to_thread=True)
    def my_courses(self, request: Request) -> Template:
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        with reading(j):
            today = j.today()
            courses = my_courses(j.db, user.person, _current_year(j))
            day = teacher_day(j.db, user.person, today)
            kept = classes_kept_by(j.db, user.person, today)
            remarks = open_remarks(j.db, user.person)
        return Template(
            "teacher/courses.html",
            context={
                "user": user,
                "courses": courses,
                "day": day,
                "kept": kept,
                "remarks_open": remarks,
            },
        )

    @get("/journal/{course:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def course_journal(self, request: Request, course: FromPath[str]) -> Response[Any]:
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        with reading(j):
            if not course_access(j.db, user.person, course, j.today()):
                raise ForbiddenError
            periods = course_periods(j.db, course)
        if not periods:
            raise NotFound("У этого курса нет учебных периодов.")
        today = j.today()
        current = next((p for p in periods if p.start <= today <= p.end), None)
        if current is None:
            past = [p for p in periods if p.start <= today]
            current = past[-1] if past else periods[0]
        return Redirect(f"/journal/{course}/{current.period}", status_code=303)

    @get("/journal/{course:str}/{period:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def grid(self, request: Request, course: FromPath[str], period: FromPath[str]) -> Template:
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        with reading(j):
            if not course_access(j.db, user.person, course, j.today()):
                raise ForbiddenError
            grid = journal_grid(j.db, course, period)
            if grid.period.year != grid.course.year:
                raise NotFound("Этот период не относится к учебному году курса.")
            all_periods = course_periods(j.db, course)
        return Template(
            "teacher/grid.html",
            context={
                "user": user,
                "grid": grid,
                "periods": all_periods,
                "editable": _may_edit(grid, user.person, user.roles),
            },
        )

    @post("/journal/{course:str}/{period:str}/cell", opt={"roles": TEACHERS}, sync_to_thread=True)
    def save_cell(
        self,
        request: Request,
        course: FromPath[str],
        period: FromPath[str],
        data: Annotated[dict[str, str], Form],
    ) -> Template:
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        lesson, student = str(data.get("lesson", "")), str(data.get("student", ""))
        error = ""
        with reading(j):
            try:
                save_cell_text(j, user.person, course, lesson, student, str(data.get("value", "")))
            except NotFound:
                raise
            except JournalError as e:
                error = e.message_ru
            # Only this cell is read back, not the whole grid.
            cell = grid_cell(j.db, lesson, student)
        return Template(
            "partials/cell.html",
            context={"cell": cell, "editable": True, "error": error, "user": user},
            status_code=422 if error else 200,
        )

    @get(
        "/journal/{course:str}/{period:str}/finals",
        opt={"roles": JOURNAL_READERS},
        sync_to_thread=True,
    )
    def finals(self, request: Request, course: FromPath[str], period: FromPath[str]) -> Template:
        """R-MRK-3, R-MRK-5: the period marks of a course, with averages and forecasts."""
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        with reading(j):
            if not course_access(j.db, user.person, course, j.today()):
                raise ForbiddenError
            grid = _period_grid(j, course, period)
        return Template(
            "teacher/finals.html",
            context={
                "user": user,
                "grid": grid,
                "values": FINAL_VALUES,
                "editable": _may_edit(grid, user.person, user.roles),
            },
        )

    @post(
        "/journal/{course:str}/{period:str}/finals",
        opt={"roles": TEACHERS},
        sync_to_thread=True,
    )
    def save_final(
        self,
        request: Request,
        course: FromPath[str],
        period: FromPath[str],
        data: Annotated[dict[str, str], Form],
    ) -> Template:
        """One student's period mark (htmx); the row comes back, with a refusal in it (422)."""
        j = _journal(request)
        user = current_user(request)
        assert user is not None
        student = str(data.get("student", ""))
        error = ""
        with reading(j):
            if not course_access(j.db, user.person, course, j.today()):
                raise ForbiddenError
            grid = _period_grid(j, course, period)
            if not any(row.student.person == student for row in grid.rows):
                raise NotFound("Такого ученика в журнале этого периода нет.")
            try:
                teaching.give_final_mark(
                    j,
                    user.person,
                    course=course,
                    student=student,
                    kind="period",
                    value=str(data.get("value", "")),
                    period=period,
                    reason=str(data.get("reason", ""))[:500],
                )
            except JournalError as e:
                error = e.message_ru
            else:
                grid = journal_grid(j.db, course, period)
        index, row = next((n, r) for n, r in enumerate(grid.rows) if r.student.person == student)
        return Template(
            "partials/final_row.html",
            context={
                "grid": grid,
                "row": row,
                "r": index,
                "editable": True,
                "error": error,
                "values": FINAL_VALUES,
                "user": user,
            },
            status_code=422 if error else 200,
        )


def _period_grid(j: Journal, course: str, period: str) -> Grid:
    grid = journal_grid(j.db, course, period)
    if grid.period.year != grid.course.year:
        raise NotFound("Этот период не относится к учебному году курса.")
    return grid


def _may_edit(grid: Grid, person: str, roles: frozenset[str]) -> bool:
    # The command decides for real (substitutes too); this only hides the forms from readers.
    return "teacher" in roles and grid.course.teacher.person == person


def save_cell_text(
    j: Journal, actor: str, course: str, lesson: str, student: str, text: str
) -> None:
    """What a teacher typed in a grid cell: «5», «4 кр» (a mark and its work kind), «Б», «У»,
    «Н» (an absence) or nothing (present). The commands check every rule."""
    if len(text) > 20:
        raise RuleViolation("Слишком длинная запись для клетки журнала.")
    if not _lesson_of(j, course, lesson):
        raise NotFound("Такого урока в этом курсе нет.")
    match = CELL.match(text)
    if not match:
        # An empty cell: the student was present.
        teaching.mark_attendance(j, actor, lesson=lesson, student=student, code="")
        return
    value, kind = match["value"], match["kind"] or DEFAULT_KIND
    code = ATTENDANCE.get(value.upper())
    if code and match["kind"] is None:
        teaching.mark_attendance(j, actor, lesson=lesson, student=student, code=code)
    else:
        teaching.give_mark(j, actor, lesson=lesson, student=student, value=value, kind=kind.upper())


def _lesson_of(j: Journal, course: str, lesson: str) -> bool:
    try:
        return lookup.lesson(j.db, lesson).course.course == course
    except JournalError:
        return False
