"""The lesson plan (КТП) editor of a course (R-LES-3): topics by lesson number, added, edited
and reordered in a draft, saved only when the hours match the curriculum; the plan beside the
lessons held (program completion); and filling the topics of lessons ahead from the plan for
the rest of a period (R-LES-1)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import events as ev
from ejournal.model import lookup
from ejournal.model.commands import structure, teaching
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.periods import course_periods
from ejournal.queries.plan import course_plan, lesson_ordinal, timetable_dates, topic_of_lesson
from ejournal.queries.viewers import WRITE, course_access

from ..security import JOURNAL_READERS, TEACHERS, ForbiddenError, User, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
TOPIC_MAX = 300
SECTION_MAX = 200
MAX_TOPICS = 400
MAX_FILL = 200  # lessons recorded ahead by one press
HOURS = re.compile(r"^[1-9][0-9]?$")
ACTION = re.compile(r"^(save|add|up|down|del)(?:-(0|[1-9][0-9]{0,2}))?$")


@dataclass(frozen=True, slots=True)
class DraftTopic:
    """A row of the editor as typed (hours kept as text to show back what was typed)."""

    topic: str
    hours: str
    section: str


def _values(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [" ".join(str(v).split()) for v in (value if isinstance(value, list) else [value])]


def _draft(data: dict[str, Any]) -> list[DraftTopic]:
    topics, hours, sections = (
        _values(data, "topic"),
        _values(data, "hours"),
        _values(data, "section"),
    )
    if not len(topics) == len(hours) == len(sections):
        raise RuleViolation("Форма плана повреждена: обновите страницу.")
    if len(topics) > MAX_TOPICS:
        raise RuleViolation(f"В плане не больше {MAX_TOPICS} тем.")
    return [DraftTopic(t, h, s) for t, h, s in zip(topics, hours, sections, strict=True)]


def _topics(draft: list[DraftTopic]) -> list[ev.PlanTopic]:
    """The plan to record; blank rows are dropped. RuleViolation names the first bad row."""
    found = []
    for row in draft:
        if not row.topic and not row.hours and not row.section:
            continue
        n = len(found) + 1
        if not row.topic:
            raise RuleViolation(f"Тема {n}: впишите название темы.")
        if len(row.topic) > TOPIC_MAX or len(row.section) > SECTION_MAX:
            raise RuleViolation(
                f"Тема {n}: название длиннее {TOPIC_MAX} знаков (раздел — {SECTION_MAX})."
            )
        if not HOURS.match(row.hours):
            raise RuleViolation(f"Тема {n}: часы — целое число от 1 до 99.")
        found.append(ev.PlanTopic(n, row.topic, hours=int(row.hours), section=row.section))
    if not found:
        raise RuleViolation("План пуст: добавьте хотя бы одну тему.")
    return found


def _edit(draft: list[DraftTopic], action: str, index: int) -> list[DraftTopic]:
    rows = list(draft)
    if action == "add":
        rows.append(DraftTopic("", "1", rows[-1].section if rows else ""))
    elif not 0 <= index < len(rows):
        raise RuleViolation("Такой строки в плане нет.")
    elif action == "del":
        del rows[index]
    elif action == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def _hours(draft: list[DraftTopic]) -> int:
    return sum(int(r.hours) for r in draft if HOURS.match(r.hours))


def _context(
    j: Journal, user: User, course: str, draft: list[DraftTopic] | None = None, **more: Any
) -> dict[str, Any]:
    today = j.today()
    allowed = course_access(j.db, user.person, course, today)
    if not allowed:
        raise ForbiddenError
    plan = course_plan(j.db, course, today)
    expected = structure.plan_hours_expected(j, lookup.course(j.db, course))
    saved = [DraftTopic(t.topic, str(t.hours), t.section) for t in plan.lines]
    rows = saved if draft is None else draft
    periods = course_periods(j.db, course)
    return {
        "user": user,
        "plan": plan,
        "expected": expected,
        "rows": rows,
        "draft_hours": _hours(rows),
        "changed": draft is not None and rows != saved,
        "editable": allowed == WRITE,
        "periods": [p for p in periods if p.end >= today],
        "error": "",
        "notice": "",
        **more,
    }


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


class PlanController(Controller):
    """/plan/{course}: the КТП of a course."""

    @get("/plan/{course:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def page(self, request: Request, course: FromPath[str]) -> Template:
        j, user = request.app.state.journal, _user(request)
        filled = request.query_params.get("filled", "")
        notice = (
            f"Записано уроков вперёд с темами из плана: {filled}."
            if filled.isdigit() and len(filled) < 4
            else "План сохранён."
            if request.query_params.get("saved")
            else ""
        )
        with reading(j):
            context = _context(j, user, course, notice=notice)
        return Template("plan/editor.html", context=context)

    @post("/plan/{course:str}", opt={"roles": TEACHERS}, sync_to_thread=True)
    def edit(
        self, request: Request, course: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """Edit the draft (add, move, delete a row) or save it as the plan (R-LES-3)."""
        j, user = request.app.state.journal, _user(request)
        action = ACTION.match(str(data.get("action", "save")))
        with reading(j):
            if course_access(j.db, user.person, course, j.today()) != WRITE:
                raise ForbiddenError
            if action is None:
                raise RuleViolation("Неизвестное действие с планом.")
            draft = _draft(data)
            name, index = action[1], int(action[2] or 0)
            if name != "save":
                draft = _edit(draft, name, index)
                notice = "Изменения ещё не сохранены: нажмите «Сохранить план»."
                return Template(
                    "plan/editor.html", context=_context(j, user, course, draft, notice=notice)
                )
            try:
                structure.set_plan(j, user.person, course=course, topics=_topics(draft))
            except JournalError as e:
                if e.code == "permission_denied" or isinstance(e, NotFound):
                    raise
                context = _context(j, user, course, draft, error=e.message_ru)
                return Template("plan/editor.html", context=context, status_code=422)
        return Redirect(f"/plan/{course}?saved=1", status_code=303)

    @post("/plan/{course:str}/fill", opt={"roles": TEACHERS}, sync_to_thread=True)
    def fill(
        self, request: Request, course: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """R-LES-1: record the timetable's lessons up to the end of a period with their topics
        taken from the plan in order."""
        j, user = request.app.state.journal, _user(request)
        period = str(data.get("period", ""))
        with reading(j):
            if course_access(j.db, user.person, course, j.today()) != WRITE:
                raise ForbiddenError
            chosen = [p for p in course_periods(j.db, course) if p.period == period]
            try:
                if not chosen:
                    raise RuleViolation("Выберите учебный период этого курса.")
                count = _fill(j, user, course, chosen[0].end)
            except JournalError as e:
                if e.code == "permission_denied" or isinstance(e, NotFound):
                    raise
                context = _context(j, user, course, error=e.message_ru)
                return Template("plan/editor.html", context=context, status_code=422)
        return Redirect(f"/plan/{course}?filled={count}", status_code=303)


def _fill(j: Journal, user: User, course: str, until: str) -> int:
    today = j.today()
    plan = course_plan(j.db, course, today)
    if not plan.lines:
        raise RuleViolation("Сначала составьте и сохраните план: темы берутся из него.")
    dates = timetable_dates(j.db, plan.course, today, until)
    if not dates:
        raise RuleViolation("До конца этого периода по расписанию нет незаполненных уроков.")
    count = 0
    for day, number in dates[:MAX_FILL]:
        line = topic_of_lesson(plan, lesson_ordinal(j.db, course, day, number) + 1)
        if line is None:
            break  # the plan ends here
        teaching.record_lesson(
            j,
            user.person,
            course=course,
            date=day,
            number=number,
            topic=line.topic,
            plan_topic=line.number,
        )
        count += 1
    if not count:
        raise RuleViolation("Все темы плана уже распределены по урокам.")
    return count
