"""Administration of people: registering a person, the students of a class with their parents,
admission, transfer between classes and withdrawal (R-STR-2, R-STR-7, R-SEC-4), and the roles
a person holds (R-SEC-1)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model import events as ev
from ejournal.model.access import ROLES
from ejournal.model.commands import people
from ejournal.model.errors import NotFound, RuleViolation
from ejournal.queries import admin_people as qp
from ejournal.queries import admin_structure as q
from ejournal.queries.people import person as person_named

from ..security import User
from .admin_forms import PEOPLE, ROLE_GRANTERS, Fields, FormData, act, chosen, render
from .admin_structure import selected_year

SEXES = [("", "не указан"), ("м", "мужской"), ("ж", "женский")]
LEAVING = [("withdrawal", "выбытие из школы"), ("transfer_out", "перевод в другую школу")]
# Parents get their role on the students page, with the child it is for.
GRANTABLE = [(r, name) for r, name in ROLES.items() if r != "parent"]


def _url(path: str, **query: str) -> str:
    kept = {k: v for k, v in query.items() if v}
    return f"{path}?{urlencode(kept)}" if kept else path


def people_page(query: str) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        return {
            "q": query,
            # The register of a school is thousands of people: a search, not a list.
            "found": qp.register(j.db, j.today(), query, limit=100) if query else (),
            "sexes": SEXES,
            "roles_ru": ROLES,
            "may_grant": bool(user.roles & ROLE_GRANTERS),
        }

    return page


def students_page(wanted_year: str | None, wanted_class: str | None) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        year = selected_year(j, wanted_year)
        classes = [(g.group, g.name) for g in q.groups(j.db, year, j.today()) if g.kind == "class"]
        class_ = chosen(wanted_class, [c for c, _ in classes], "")
        students = qp.class_students(j.db, class_, j.today()) if class_ else ()
        return {
            "years": q.years(j.db),
            "year": q.year(j.db, year),
            "classes": classes,
            "class_": class_,
            "class_name": dict(classes).get(class_, ""),
            "students": students,
            "student_options": [(s.student.person, s.student.full_name) for s in students],
            "others": [(c, n) for c, n in classes if c != class_],
            "newcomers": [(p.person, p.full_name) for p in qp.unplaced_students(j.db, year)]
            if class_
            else [],
            "leaving": LEAVING,
            "sexes": SEXES,
            "today": j.today(),
        }

    return page


def roles_page(query: str, chosen_person: str) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        known = chosen_person and qp.is_registered(j.db, chosen_person)
        return {
            "q": query,
            "found": qp.register(j.db, j.today(), query, limit=50) if query else (),
            "person": person_named(j.db, chosen_person) if known else None,
            "held": qp.roles_of_person(j.db, chosen_person) if known else (),
            "grantable": GRANTABLE,
            "today": j.today(),
        }

    return page


def person_page(person: str) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        row = qp.person_row(j.db, person, j.today())
        if row is None:
            raise NotFound("Такой человек не зарегистрирован.")
        return {"row": row, "roles_ru": ROLES}

    return page


def _update(person: str) -> Any:
    def action(j: Journal, user: User, f: Fields) -> None:
        # R-SEC-4: only the fields that change, with the reason of the change.
        people.update_person(
            j,
            user.person,
            ev.PersonUpdated(
                person=person,
                last_name=f.text("last_name", "Фамилия", limit=60, required=False),
                first_name=f.text("first_name", "Имя", limit=60, required=False),
                middle_name=f.text("middle_name", "Отчество", limit=60, required=False),
                birth_date=f.day("birth_date", "Дата рождения") if f.raw("birth_date") else "",
                reason=f.text("reason", "Основание изменения", limit=200),
            ),
        )

    return action


def _register(j: Journal, user: User, f: Fields) -> None:
    people.register_person(
        j,
        user.person,
        last_name=f.text("last_name", "Фамилия", limit=60),
        first_name=f.text("first_name", "Имя", limit=60),
        middle_name=f.text("middle_name", "Отчество", limit=60, required=False),
        birth_date=f.day("birth_date", "Дата рождения") if f.raw("birth_date") else "",
        sex=f.choice("sex", "Пол", dict(SEXES)),
    )


def _enrol(j: Journal, user: User, f: Fields) -> None:
    people.enroll(
        j,
        user.person,
        student=f.text("student", "Ученик"),
        group=f.text("class", "Класс"),
        start=f.day("start", "Дата зачисления"),
        order=f.text("order", "Приказ", limit=40, required=False),
        individual_plan=f.flag("individual_plan"),
    )


def _transfer(j: Journal, user: User, f: Fields) -> None:
    people.transfer(
        j,
        user.person,
        student=f.text("student", "Ученик"),
        from_class=f.text("class", "Класс"),
        to_class=f.text("to_class", "В класс"),
        on=f.day("on", "Дата перевода"),
        order=f.text("order", "Приказ", limit=40, required=False),
    )


def _leave(j: Journal, user: User, f: Fields) -> None:
    people.leave(
        j,
        user.person,
        student=f.text("student", "Ученик"),
        group=f.text("class", "Класс"),
        end=f.day("end", "Последний день в школе"),
        reason=f.choice("reason", "Причина", dict(LEAVING)),
        order=f.text("order", "Приказ", limit=40, required=False),
    )


def _add_parent(j: Journal, user: User, f: Fields) -> None:
    """Register a guardian and give the parent role for the child. Everything the grant checks
    (people.edit, a registered child) is checked before the registration is recorded."""
    child, class_ = f.text("student", "Ребёнок"), f.raw("class")
    if child not in {s.student.person for s in qp.class_students(j.db, class_, j.today())}:
        raise RuleViolation("Этот ученик не числится в классе.")
    last = f.text("last_name", "Фамилия", limit=60)
    first = f.text("first_name", "Имя", limit=60)
    middle = f.text("middle_name", "Отчество", limit=60, required=False)
    with j.command():
        parent = people.register_person(
            j,
            user.person,
            last_name=last,
            first_name=first,
            middle_name=middle,
            sex=f.choice("sex", "Пол", dict(SEXES)),
        )
        people.grant_role(
            j, user.person, person=parent, role="parent", start=j.today(), scope=child
        )


def _grant(j: Journal, user: User, f: Fields) -> None:
    people.grant_role(
        j,
        user.person,
        person=f.text("person", "Человек"),
        role=f.choice("role", "Роль", dict(GRANTABLE)),
        start=f.day("start", "С даты"),
    )


def _revoke(j: Journal, user: User, f: Fields) -> None:
    people.revoke_role(
        j,
        user.person,
        person=f.text("person", "Человек"),
        role=f.choice("role", "Роль", ROLES),
        end=f.day("end", "Последний день"),
        scope=f.text("scope", "Для кого", required=False),
    )


class PeopleController(Controller):
    """/admin/people, /admin/students and /admin/roles with their forms."""

    @get("/admin/people", opt={"roles": PEOPLE}, sync_to_thread=True)
    def register_page(self, request: Request) -> Template:
        query = request.query_params.get("q", "")[:60]
        return render(request, "admin/people.html", people_page(query))

    @post("/admin/people", opt={"roles": PEOPLE}, sync_to_thread=True)
    def register(self, request: Request, data: FormData) -> Response[Any]:
        last = Fields(data).raw("last_name")[:60]
        return act(
            request,
            data,
            form="person",
            template="admin/people.html",
            page=people_page(""),
            action=_register,
            back=_url("/admin/people", q=last),
        )

    @get("/admin/people/{person:str}", opt={"roles": PEOPLE}, sync_to_thread=True)
    def person(self, request: Request, person: FromPath[str]) -> Template:
        return render(request, "admin/person.html", person_page(person))

    @post("/admin/people/{person:str}", opt={"roles": PEOPLE}, sync_to_thread=True)
    def update(self, request: Request, person: FromPath[str], data: FormData) -> Response[Any]:
        return act(
            request,
            data,
            form="update",
            template="admin/person.html",
            page=person_page(person),
            action=_update(person),
            back=f"/admin/people/{person}",
        )

    @get("/admin/students", opt={"roles": PEOPLE}, sync_to_thread=True)
    def students(self, request: Request) -> Template:
        p = request.query_params
        return render(request, "admin/students.html", students_page(p.get("year"), p.get("class")))

    @post("/admin/students/enrol", opt={"roles": PEOPLE}, sync_to_thread=True)
    def enrol(self, request: Request, data: FormData) -> Response[Any]:
        return self._students(request, data, "enrol", _enrol)

    @post("/admin/students/transfer", opt={"roles": PEOPLE}, sync_to_thread=True)
    def transfer(self, request: Request, data: FormData) -> Response[Any]:
        return self._students(request, data, "transfer", _transfer)

    @post("/admin/students/leave", opt={"roles": PEOPLE}, sync_to_thread=True)
    def leave(self, request: Request, data: FormData) -> Response[Any]:
        return self._students(request, data, "leave", _leave)

    @post("/admin/students/parent", opt={"roles": PEOPLE}, sync_to_thread=True)
    def add_parent(self, request: Request, data: FormData) -> Response[Any]:
        return self._students(request, data, "parent", _add_parent)

    @staticmethod
    def _students(request: Request, data: dict[str, Any], form: str, action: Any) -> Response[Any]:
        f = Fields(data)
        year, class_ = f.raw("year"), f.raw("class")
        return act(
            request,
            data,
            form=form,
            template="admin/students.html",
            page=students_page(year, class_),
            action=action,
            back=_url("/admin/students", year=year, **{"class": class_}),
        )

    @get("/admin/roles", opt={"roles": ROLE_GRANTERS}, sync_to_thread=True)
    def roles(self, request: Request) -> Template:
        p = request.query_params
        page = roles_page(p.get("q", "")[:60], p.get("person", "")[:40])
        return render(request, "admin/roles.html", page)

    @post("/admin/roles/grant", opt={"roles": ROLE_GRANTERS}, sync_to_thread=True)
    def grant(self, request: Request, data: FormData) -> Response[Any]:
        return self._roles(request, data, "grant", _grant)

    @post("/admin/roles/revoke", opt={"roles": ROLE_GRANTERS}, sync_to_thread=True)
    def revoke(self, request: Request, data: FormData) -> Response[Any]:
        return self._roles(request, data, "revoke", _revoke)

    @staticmethod
    def _roles(request: Request, data: dict[str, Any], form: str, action: Any) -> Response[Any]:
        person = Fields(data).raw("person")[:40]
        return act(
            request,
            data,
            form=form,
            template="admin/roles.html",
            page=roles_page("", person),
            action=action,
            back=_url("/admin/roles", person=person),
        )
