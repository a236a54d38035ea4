"""The administration home (/admin): a link to each area the person's roles open (R-SEC-1)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Controller, Request, get
from litestar.response import Template

from .admin_forms import (
    ADMIN_AREA,
    PEOPLE,
    REMARKS,
    ROLE_GRANTERS,
    SECURITY,
    STRUCTURE,
    user_of,
)

BACKUPS = frozenset({"admin", "director"})


@dataclass(frozen=True, slots=True)
class Area:
    href: str
    title: str
    about: str
    roles: frozenset[str]


AREAS = (
    Area(
        "/admin/year",
        "Учебный год",
        "годы, четверти и полугодия по параллелям, каникулы",
        STRUCTURE,
    ),
    Area(
        "/admin/classes",
        "Классы и группы",
        "классы, подгруппы, группы, классные руководители",
        STRUCTURE,
    ),
    Area(
        "/admin/subjects",
        "Предметы и учебный план",
        "предметы, системы оценивания, часы",
        STRUCTURE,
    ),
    Area(
        "/admin/courses",
        "Учителя и курсы",
        "кто что ведёт в каком классе, смена учителя",
        STRUCTURE,
    ),
    Area("/admin/timetable", "Расписание", "расписание класса с даты", STRUCTURE),
    Area(
        "/admin/config", "Настройки школы", "название, сроки выставления отметок, веса", STRUCTURE
    ),
    Area("/admin/people", "Люди", "регистрация учеников, родителей, сотрудников", PEOPLE),
    Area("/admin/students", "Движение учащихся", "зачисление, перевод, выбытие, родители", PEOPLE),
    Area(
        "/admin/closing", "Закрытие года", "решения о переводе, закрытие учебного года", STRUCTURE
    ),
    Area("/admin/roles", "Роли", "выдача и снятие ролей", ROLE_GRANTERS),
    Area("/admin/accounts", "Логины сотрудников", "выдача логинов и сброс паролей", ROLE_GRANTERS),
    Area(
        "/admin/security",
        "Безопасность",
        "компрометация учётных данных и что она отменила",
        SECURITY,
    ),
    Area(
        "/admin/remarks", "Замечания учителям", "замечания по ведению журнала и их сроки", REMARKS
    ),
    Area("/admin/backups", "Резервные копии", "копии журнала на флешку и их проверка", BACKUPS),
)


def areas_for(roles: frozenset[str]) -> list[Area]:
    return [a for a in AREAS if a.roles & roles]


class AdminController(Controller):
    """/admin."""

    @get("/admin", opt={"roles": ADMIN_AREA}, sync_to_thread=True)
    def home(self, request: Request) -> Template:
        user = user_of(request)
        return Template("admin/home.html", context={"user": user, "areas": areas_for(user.roles)})
