"""Administration of the year's structure: school years, periods per grade and holidays;
classes, subgroups, groups and class teachers; subjects and the curriculum; courses and a
change of teacher (R-STR-1..4, R-STR-6). Pages list, forms call the structure commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model import rules
from ejournal.model.commands import structure
from ejournal.queries import admin_structure as q
from ejournal.queries.periods import current_year

from ..security import User
from .admin_forms import STRUCTURE, Fields, FormData, act, chosen, render

GRADES = [(g, str(g)) for g in range(1, 12)]
KINDS = list(structure.PERIOD_KINDS.items())
GROUP_KINDS = [("subgroup", "подгруппа одного класса"), ("group", "группа из нескольких классов")]
GRADINGS = list(q.GRADING_RU.items())


def selected_year(j: Journal, wanted: str | None) -> str:
    """The year a page shows: the one asked for if it exists, else the current one."""
    known = [y.year for y in q.years(j.db)]
    default = current_year(j.db, j.today()) or (known[0] if known else "")
    return chosen(wanted, known, default)


def _url(path: str, **query: str) -> str:
    return f"{path}?{urlencode(query)}" if any(query.values()) else path


# --- pages ----------------------------------------------------------------------------------


def year_page(wanted: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted)
        return {
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "periods": q.periods(j.db, year),
            "holidays": q.holidays(j.db, year),
            "kinds": KINDS,
            "grades": GRADES,
            "kind_names": structure.PERIOD_KINDS,
        }

    return page


def classes_page(wanted: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted)
        groups = q.groups(j.db, year, j.today())
        return {
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "groups": groups,
            "classes": [(g.group, g.name) for g in groups if g.kind == "class"],
            "teachers": [(t.person, t.full_name) for t in q.teachers(j.db, j.today())],
            "grades": GRADES,
            "group_kinds": GROUP_KINDS,
            "today": j.today(),
        }

    return page


def subjects_page(wanted: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted)
        subjects = q.subjects(j.db)
        return {
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "subjects": subjects,
            "hours": q.curriculum(j.db, year),
            "classes": [
                (g.group, g.name) for g in q.groups(j.db, year, j.today()) if g.kind == "class"
            ],
            "subject_options": [(s.subject, s.name) for s in subjects],
            "gradings": GRADINGS,
            "values": rules.GRADING_VALUES,
        }

    return page


def courses_page(wanted: str | None, wanted_group: str | None = None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted)
        groups = q.groups(j.db, year, j.today())
        group = chosen(wanted_group, [g.group for g in groups], groups[0].group if groups else "")
        # One class (with its subgroups and groups) at a time: a school has hundreds of courses.
        shown = q.class_courses(j.db, group) if group else ()
        is_class = any(g.group == group and g.kind == "class" for g in groups)
        courses = shown if is_class else q.courses(j.db, year, [group]) if group else ()
        return {
            "group": group,
            "group_name": next((g.name for g in groups if g.group == group), ""),
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "courses": courses,
            "course_options": [
                (c.course, f"{c.subject_name}, {c.group_name} — {c.teacher.short_name}")
                for c in courses
            ],
            "subjects": [(s.subject, s.name) for s in q.subjects(j.db)],
            "groups": [(g.group, g.name) for g in groups],
            "teachers": [(t.person, t.full_name) for t in q.teachers(j.db, j.today())],
            "gradings": GRADINGS,
            "grading_ru": q.GRADING_RU,
            "today": j.today(),
        }

    return page


# --- actions --------------------------------------------------------------------------------


def _define_year(j: Journal, user: User, f: Fields) -> None:
    structure.define_year(
        j,
        user.person,
        year=f.text("name", "Учебный год", limit=9),
        start=f.day("start", "Начало года"),
        end=f.day("end", "Конец года"),
    )


def _define_period(j: Journal, user: User, f: Fields) -> None:
    structure.define_period(
        j,
        user.person,
        year=f.raw("year"),
        kind=f.choice("kind", "Вид периода", structure.PERIOD_KINDS),
        number=f.integer("number", "Номер", 1, 4),
        start=f.day("start", "Начало"),
        end=f.day("end", "Конец"),
        grades=f.integers("grades", "Параллели", 1, 11),
    )


def _define_holiday(j: Journal, user: User, f: Fields) -> None:
    structure.define_holiday(
        j,
        user.person,
        year=f.raw("year"),
        name=f.text("name", "Название каникул"),
        start=f.day("start", "Начало"),
        end=f.day("end", "Конец"),
        grades=f.integers("grades", "Параллели", 1, 11),
    )


def _create_class(j: Journal, user: User, f: Fields) -> None:
    structure.create_class(
        j,
        user.person,
        year=f.raw("year"),
        grade=f.integer("grade", "Параллель", 1, 11),
        letter=f.text("letter", "Буква", limit=3),
    )


def _create_group(j: Journal, user: User, f: Fields) -> None:
    structure.create_group(
        j,
        user.person,
        year=f.raw("year"),
        name=f.text("name", "Название группы"),
        classes=f.many("classes"),
        kind=f.choice("kind", "Вид группы", dict(GROUP_KINDS)),
    )


def _assign_class_teacher(j: Journal, user: User, f: Fields) -> None:
    structure.assign_class_teacher(
        j,
        user.person,
        class_=f.text("class", "Класс"),
        teacher=f.text("teacher", "Классный руководитель"),
        start=f.day("start", "С даты"),
    )


def _define_subject(j: Journal, user: User, f: Fields) -> None:
    structure.define_subject(
        j,
        user.person,
        name=f.text("name", "Название предмета"),
        short=f.text("short", "Краткое название", limit=20, required=False),
        grading=f.choice("grading", "Система оценивания", q.GRADING_RU),
        elective=f.flag("elective"),
    )


def _set_hours(j: Journal, user: User, f: Fields) -> None:
    structure.set_curriculum(
        j,
        user.person,
        year=f.raw("year"),
        class_=f.text("class", "Класс"),
        subject=f.text("subject", "Предмет"),
        hours=f.integer("hours", "Часов в неделю", 0, 12),
    )


def _create_course(j: Journal, user: User, f: Fields) -> None:
    structure.create_course(
        j,
        user.person,
        year=f.raw("year"),
        subject=f.text("subject", "Предмет"),
        teacher=f.text("teacher", "Учитель"),
        group=f.text("group", "Класс или группа"),
        start=f.day("start", "Начало"),
        end=f.day("end", "Окончание"),
        grading=f.choice("grading", "Система оценивания", {"": "", **q.GRADING_RU}),
    )


def _change_teacher(j: Journal, user: User, f: Fields) -> None:
    structure.change_course_teacher(
        j,
        user.person,
        course=f.text("course", "Курс"),
        teacher=f.text("teacher", "Новый учитель"),
        start=f.day("start", "С даты"),
    )


def _in_year(
    request: Request,
    data: dict[str, Any],
    form: str,
    section: str,
    page: Callable[[str | None], Any],
    action: Any,
    *,
    year_field: str = "year",
) -> Response[Any]:
    """A form of the page /admin/<section> of one school year: done and back to the year's
    page, or that page again with the form's errors."""
    year = Fields(data).raw(year_field)
    return act(
        request,
        data,
        form=form,
        template=f"admin/{section}.html",
        page=page(year),
        action=action,
        back=_url(f"/admin/{section}", year=year),
    )


class StructureController(Controller):
    """/admin/year, /admin/classes, /admin/subjects, /admin/courses and their forms."""

    opt = {"roles": STRUCTURE}

    @get("/admin/year", sync_to_thread=True)
    def year(self, request: Request) -> Template:
        return render(request, "admin/year.html", year_page(request.query_params.get("year")))

    @post("/admin/year", sync_to_thread=True)
    def define_year(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "year", "year", year_page, _define_year, year_field="name")

    @post("/admin/year/period", sync_to_thread=True)
    def define_period(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "period", "year", year_page, _define_period)

    @post("/admin/year/holiday", sync_to_thread=True)
    def define_holiday(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "holiday", "year", year_page, _define_holiday)

    @get("/admin/classes", sync_to_thread=True)
    def classes(self, request: Request) -> Template:
        page = classes_page(request.query_params.get("year"))
        return render(request, "admin/classes.html", page)

    @post("/admin/classes", sync_to_thread=True)
    def create_class(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "class", "classes", classes_page, _create_class)

    @post("/admin/classes/group", sync_to_thread=True)
    def create_group(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "group", "classes", classes_page, _create_group)

    @post("/admin/classes/teacher", sync_to_thread=True)
    def class_teacher(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "teacher", "classes", classes_page, _assign_class_teacher)

    @get("/admin/subjects", sync_to_thread=True)
    def subjects(self, request: Request) -> Template:
        page = subjects_page(request.query_params.get("year"))
        return render(request, "admin/subjects.html", page)

    @post("/admin/subjects", sync_to_thread=True)
    def define_subject(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "subject", "subjects", subjects_page, _define_subject)

    @post("/admin/subjects/hours", sync_to_thread=True)
    def set_hours(self, request: Request, data: FormData) -> Response[Any]:
        return _in_year(request, data, "hours", "subjects", subjects_page, _set_hours)

    @get("/admin/courses", sync_to_thread=True)
    def courses(self, request: Request) -> Template:
        p = request.query_params
        page = courses_page(p.get("year"), p.get("group"))
        return render(request, "admin/courses.html", page)

    @post("/admin/courses", sync_to_thread=True)
    def create_course(self, request: Request, data: FormData) -> Response[Any]:
        return self._courses(request, data, "course", _create_course)

    @post("/admin/courses/teacher", sync_to_thread=True)
    def change_teacher(self, request: Request, data: FormData) -> Response[Any]:
        return self._courses(request, data, "teacher", _change_teacher)

    @staticmethod
    def _courses(request: Request, data: dict[str, Any], form: str, action: Any) -> Response[Any]:
        f = Fields(data)
        year, group = f.raw("year"), f.raw("shown") or f.raw("group")
        return act(
            request,
            data,
            form=form,
            template="admin/courses.html",
            page=courses_page(year, group),
            action=action,
            back=_url("/admin/courses", year=year, group=group),
        )
