"""Administration of the timetable of a class from a date (R-STR-5), the school's settings:
grading systems, mark deadlines and weights (R-STR-6, R-MRK-1, R-MRK-5), and the year's end:
promotion decisions and closing the year (R-STR-7)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model import events as ev
from ejournal.model import rules
from ejournal.model.commands import people, structure
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries import admin_people as qp
from ejournal.queries import admin_structure as q

from ..security import User, reading
from .admin_forms import STRUCTURE, Fields, FormData, act, chosen, journal_of, render, user_of
from .admin_structure import selected_year

WEEKDAYS = [(str(n), q.WEEKDAYS_RU[n]) for n in range(1, 7)]
NUMBERS = [(str(n), str(n)) for n in range(1, 11)]
DEADLINES_RU = {
    "oral": "устный ответ",
    "written_2_9": "письменная работа, 2–9 классы",
    "written_10_11": "письменная работа, 10–11 классы",
    "other": "прочие отметки",
    "attendance": "посещаемость",
}
TIMEZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]
DECISIONS = list(qp.DECISIONS_RU.items())


def _url(path: str, **query: str) -> str:
    return f"{path}?{urlencode({k: v for k, v in query.items() if v})}"


def _classes(j: Journal, year: str) -> list[tuple[str, str]]:
    return [(g.group, g.name) for g in q.groups(j.db, year, j.today()) if g.kind == "class"]


def timetable_page(wanted_year: str | None, wanted_class: str | None, day: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted_year)
        classes = _classes(j, year)
        class_ = chosen(wanted_class, [c for c, _ in classes], classes[0][0] if classes else "")
        on = day if day and len(day) == 10 and day[4] == "-" else j.today()
        slots = q.class_timetable(j.db, class_, on) if class_ else ()
        groups = [
            g
            for g in q.groups(j.db, year, j.today())
            if class_ and (g.group == class_ or dict(classes).get(class_, "") in g.classes)
        ]
        courses = q.class_courses(j.db, class_) if class_ else ()
        return {
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "classes": classes,
            "class_": class_,
            "class_name": dict(classes).get(class_, ""),
            "on": on,
            "cells": {
                (s.weekday, s.number): [
                    x for x in slots if (x.weekday, x.number) == (s.weekday, s.number)
                ]
                for s in slots
            },
            "rows": range(1, max([7, *[s.number for s in slots]]) + 1),
            "weekdays": WEEKDAYS,
            "numbers": NUMBERS,
            "groups": [(g.group, g.name) for g in groups],
            "course_options": [
                (c.course, f"{c.subject_name} ({c.group_name}) — {c.teacher.short_name}")
                for c in courses
            ],
        }

    return page


def config_page(j: Journal, user: User) -> dict[str, Any]:
    settings = q.school_settings(j.db)
    return {
        "s": settings,
        "deadlines": q.effective_deadlines(settings),
        "deadlines_ru": DEADLINES_RU,
        "weights": q.effective_weights(settings),
        "kinds": rules.WORK_KINDS,
        "timezones": [(z, z) for z in TIMEZONES],
        "gradings": q.GRADING_RU,
        "values": rules.GRADING_VALUES,
        "extra": rules.FINAL_EXTRA_VALUES,
    }


def closing_page(wanted_year: str | None, wanted_class: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted_year)
        classes = _classes(j, year)
        class_ = chosen(wanted_class, [c for c, _ in classes], "")
        info = q.year(j.db, year)
        students = ()
        if class_ and info:
            students = qp.class_students(j.db, class_, min(info.end, j.today()))
        later = [y for y in q.years(j.db) if info and y.start > info.start]
        targets = [(c, f"{n} ({y.year})") for y in later for c, n in _classes(j, y.year)]
        return {
            "years": q.years(j.db),
            "year": info,
            "classes": classes,
            "class_": class_,
            "class_name": dict(classes).get(class_, ""),
            "students": students,
            "decided": qp.decisions(j.db, year),
            "decisions": DECISIONS,
            "targets": targets,
            "target_names": dict(targets),
        }

    return page


def _set_slot(j: Journal, user: User, f: Fields) -> None:
    structure.set_timetable(
        j,
        user.person,
        group=f.text("group", "Класс или группа"),
        weekday=f.integer("weekday", "День недели", 1, 6),
        number=f.integer("number", "Номер урока", 1, 10),
        course=f.raw("course"),
        start=f.day("start", "С даты"),
        room=f.text("room", "Кабинет", limit=20, required=False),
    )


def _configure(j: Journal, user: User, f: Fields) -> None:
    inn, ogrn = (
        f.text("inn", "ИНН", limit=12, required=False),
        f.text("ogrn", "ОГРН", limit=15, required=False),
    )
    if inn and (not inn.isdigit() or len(inn) not in (10, 12)):
        raise RuleViolation("«ИНН»: 10 или 12 цифр.")
    if ogrn and (not ogrn.isdigit() or len(ogrn) not in (13, 15)):
        raise RuleViolation("«ОГРН»: 13 или 15 цифр.")
    deadlines = {
        key: f.integer(f"deadline_{key}", f"Срок: {label}", 0, 30)
        for key, label in DEADLINES_RU.items()
    }
    weights = {
        kind: f.integer(f"weight_{kind}", f"Вес: {kind}", 1, 10) for kind in rules.WORK_KINDS
    }
    structure.configure_school(
        j,
        user.person,
        ev.SchoolConfigured(
            name=f.text("name", "Полное название", limit=200),
            short_name=f.text("short_name", "Краткое название", limit=60, required=False),
            inn=inn,
            ogrn=ogrn,
            timezone=f.choice("timezone", "Часовой пояс", TIMEZONES),
            deadline_days=deadlines,
            weights=weights,
            student_min_age=f.integer("student_min_age", "Возраст для входа ученика", 0, 18),
        ),
    )


def _promote(j: Journal, user: User, f: Fields) -> None:
    people.promote(
        j,
        user.person,
        student=f.text("student", "Ученик"),
        year=f.raw("year"),
        decision=f.choice("decision", "Решение", qp.DECISIONS_RU),
        to_class=f.raw("to_class"),
    )


def _promote_row(request: Request, data: dict[str, Any], page: Any) -> Template:
    """htmx: record one decision and give back that student's row (422 with the refusal)."""
    j, user, f = journal_of(request), user_of(request), Fields(data)
    error = ""
    with reading(j):
        try:
            _promote(j, user, f)
        except NotFound:
            raise
        except JournalError as e:
            if e.code == "permission_denied":
                raise
            error = e.message_ru
        context = page(j, user)
    row = next((s for s in context["students"] if s.student.person == f.raw("student")), None)
    if row is None:
        raise NotFound(error or "Такого ученика в классе нет.")
    n = f.raw("n") if f.raw("n").isdigit() else "0"
    return Template(
        "admin/decision_row.html",
        context={"user": user, **context, "s": row, "n": n, "row_error": error},
        status_code=422 if error else 200,
    )


def _close_year(j: Journal, user: User, f: Fields) -> None:
    if not f.flag("confirm"):
        raise RuleViolation("Подтвердите закрытие года: после него записи за год не вносятся.")
    structure.close_year(j, user.person, year=f.text("year", "Учебный год", limit=9))


class ScheduleController(Controller):
    """/admin/timetable, /admin/config, /admin/closing and their forms."""

    opt = {"roles": STRUCTURE}

    @get("/admin/timetable", sync_to_thread=True)
    def timetable(self, request: Request) -> Template:
        p = request.query_params
        page = timetable_page(p.get("year"), p.get("class"), p.get("date"))
        return render(request, "admin/timetable.html", page)

    @post("/admin/timetable", sync_to_thread=True)
    def set_slot(self, request: Request, data: FormData) -> Response[Any]:
        f = Fields(data)
        year, class_, day = f.raw("year"), f.raw("class"), f.raw("start")
        return act(
            request,
            data,
            form="slot",
            template="admin/timetable.html",
            page=timetable_page(year, class_, day),
            action=_set_slot,
            back=_url("/admin/timetable", year=year, **{"class": class_}, date=day),
        )

    @get("/admin/config", sync_to_thread=True)
    def config(self, request: Request) -> Template:
        return render(request, "admin/config.html", config_page)

    @post("/admin/config", sync_to_thread=True)
    def configure(self, request: Request, data: FormData) -> Response[Any]:
        return act(
            request,
            data,
            form="config",
            template="admin/config.html",
            page=config_page,
            action=_configure,
            back="/admin/config",
        )

    @get("/admin/closing", sync_to_thread=True)
    def closing(self, request: Request) -> Template:
        p = request.query_params
        return render(request, "admin/closing.html", closing_page(p.get("year"), p.get("class")))

    @post("/admin/closing/promote", sync_to_thread=True)
    def promote(self, request: Request, data: FormData) -> Response[Any]:
        f = Fields(data)
        year, class_ = f.raw("year"), f.raw("class")
        if request.headers.get("hx-request") == "true":
            return _promote_row(request, data, closing_page(year, class_))
        return act(
            request,
            data,
            form="promote",
            template="admin/closing.html",
            page=closing_page(year, class_),
            action=_promote,
            back=_url("/admin/closing", year=year, **{"class": class_}),
        )

    @post("/admin/closing/close", sync_to_thread=True)
    def close(self, request: Request, data: FormData) -> Response[Any]:
        year = Fields(data).raw("year")
        return act(
            request,
            data,
            form="close",
            template="admin/closing.html",
            page=closing_page(year, None),
            action=_close_year,
            back=_url("/admin/closing", year=year),
        )
