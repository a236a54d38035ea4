"""The diary (R-DIA-1, R-DIA-2, R-DIA-4): a student's week (timetable, topics, homework, marks
with work kinds, attendance, teachers' comments) and the period's results (marks per subject,
weighted average, forecast, period and year marks) with the family's confirmation. A parent with
several children switches between them; a student sees the own diary only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model.commands import diary as diary_commands
from ejournal.model.errors import NotFound
from ejournal.queries.diary import DiaryDay, DiaryLesson, diary_week, may_see_diary
from ejournal.queries.diary_period import diary_period, period_for
from ejournal.queries.family import Child, diary_children, school_names
from ejournal.queries.mailbox import announcements_for

from ..security import COUNTS_UNREAD, SIGNED_IN, ForbiddenError, User, current_user, reading
from . import ru
from .messages import note_unread

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
WEEK_OPT = {"roles": SIGNED_IN, COUNTS_UNREAD: True}


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a day in the diary: a timetable slot, a recorded lesson, or both."""

    number: int
    subject: str
    room: str
    lesson: DiaryLesson | None


def day_rows(day: DiaryDay) -> tuple[Row, ...]:
    """The timetable of a day merged with the lessons recorded, by lesson number."""
    rows: list[Row] = []
    recorded = {(les.number, les.course) for les in day.lessons}
    for slot in day.slots:
        if (slot.number, slot.course) not in recorded:
            rows.append(Row(slot.number, slot.subject_name, slot.room, None))
    rooms = {(s.number, s.course): s.room for s in day.slots}
    for les in day.lessons:
        room = rooms.get((les.number, les.course), "")
        rows.append(Row(les.number, les.subject_name, room, les))
    rows.sort(key=lambda r: (r.number or 99, r.subject))
    return tuple(rows)


def _monday(day: date) -> date:
    # On Sunday the diary opens the coming week: Monday's homework is what a family looks for.
    if day.isoweekday() == 7:
        return day + timedelta(days=1)
    return day - timedelta(days=day.isoweekday() - 1)


def _open(j: Journal, user: User, student: str) -> tuple[Child, ...]:
    """The family's children; ForbiddenError unless the user may see this student's diary."""
    if not may_see_diary(j.db, user.person, student, j.today()):
        raise ForbiddenError
    return diary_children(j.db, user.person, j.today())


def _common(j: Journal, user: User, student: str, children: tuple[Child, ...]) -> dict[str, Any]:
    mine = next((c for c in children if c.student.person == student), None)
    _, tz = school_names(j.db)
    return {
        "user": user,
        "ru": ru,
        "tz": ru.zone(tz),
        "children": children,
        "child": mine,
        "student_id": student,
        "family": mine is not None,
    }


class DiaryController(Controller):
    """/diary/… : the week and the period of a student."""

    @get("/diary", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def start(self, request: Request) -> Response[Any]:
        j, user = _journal(request), _user(request)
        with reading(j):
            children = diary_children(j.db, user.person, j.today())
        if children:
            return Redirect(f"/diary/{children[0].student.person}", status_code=303)
        return Template("diary/none.html", context={"user": user})

    @get("/diary/{student:str}", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def this_week(self, request: Request, student: FromPath[str]) -> Redirect:
        j, user = _journal(request), _user(request)
        with reading(j):
            _open(j, user, student)
            monday = _monday(j.today_date())
        return Redirect(f"/diary/{student}/week/{monday.isoformat()}", status_code=303)

    @get("/diary/{student:str}/week/{monday:str}", opt=WEEK_OPT, sync_to_thread=True)
    def week(
        self, request: Request, student: FromPath[str], monday: FromPath[str]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        try:
            first = date.fromisoformat(monday)
        except ValueError as e:
            raise NotFound("Такой недели в дневнике нет.") from e
        if first.isoweekday() != 1:
            return Redirect(f"/diary/{student}/week/{_monday(first).isoformat()}", status_code=303)
        with reading(j):
            children = _open(j, user, student)
            week = diary_week(j.db, student, first.isoformat())
            notices = announcements_for(j.db, user.person, j.today(), limit=3)
            note_unread(request, j, user.person)
            context = _common(j, user, student, children)
        return Template(
            "diary/week.html",
            context={
                **context,
                "week": week,
                "who": week.student,
                "view": "week",
                "days": [(d, day_rows(d)) for d in week.days],
                "today": j.today(),
                "previous": (first - timedelta(days=7)).isoformat(),
                "next": (first + timedelta(days=7)).isoformat(),
                "announcements": notices,
            },
        )

    @get("/diary/{student:str}/period", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def this_period(self, request: Request, student: FromPath[str]) -> Response[Any]:
        j, user = _journal(request), _user(request)
        with reading(j):
            _open(j, user, student)
            found = period_for(j.db, student, j.today())
        if found is None:
            raise NotFound("У ученика нет учебных периодов в этом году.")
        return Redirect(f"/diary/{student}/period/{found.period}", status_code=303)

    @get("/diary/{student:str}/period/{period:str}", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def period(self, request: Request, student: FromPath[str], period: FromPath[str]) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            children = _open(j, user, student)
            result = diary_period(j.db, student, period)
            context = _common(j, user, student, children)
        return Template(
            "diary/period.html",
            context={
                **context,
                "p": result,
                "who": result.student,
                "view": "period",
                "confirmed": request.query_params.get("confirmed"),
            },
        )

    @post("/diary/{student:str}/acknowledge", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def acknowledge(
        self, request: Request, student: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Redirect:
        """R-DIA-4: the family confirms having seen the period (or year) marks."""
        j, user = _journal(request), _user(request)
        period = str(data.get("period", ""))[:100]
        back = str(data.get("back", period))[:100]
        with reading(j):
            _open(j, user, student)
            diary_commands.acknowledge_finals(j, user.person, student=student, period=period)
        return Redirect(f"/diary/{student}/period/{back}?confirmed=1", status_code=303)
