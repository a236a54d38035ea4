"""The control reports by name, as the web pages and the CLI offer them (R-CTL-1, R-CTL-3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from ..auth.activity import SignIns
from . import attendance, corrections, density, filling, participation, performance, teachers
from .scope import Scope
from .table import Table


@dataclass(frozen=True, slots=True)
class Options:
    """What some reports take besides the scope."""

    today: str
    minimum: int | None = None  # mark density: the school's minimum unless the page asks
    sign_ins: SignIns | None = None


Build = Callable[[sqlite3.Connection, Scope, Options], Table]


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    title: str
    description: str
    build: Build


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report("density", "Накопляемость отметок",
               "Ученики без отметок, с одной отметкой, меньше минимума; отметок на ученика.",
               lambda db, s, o: density.mark_density(db, s, o.minimum)),
        Report("filling", "Темы и домашние задания",
               "Доля проведённых уроков с записанной темой и домашним заданием.",
               lambda db, s, o: filling.topics_and_homework(db, s, o.today)),
        Report("completion", "Выполнение программы",
               "Проведённые уроки против часов КТП и учебного плана.",
               lambda db, s, o: filling.program_completion(db, s, o.today)),
        Report("timeliness", "Своевременность",
               "Отметки и посещаемость, внесённые позже сроков, по учителям.",
               lambda db, s, o: teachers.timeliness(db, s)),
        Report("activity", "Активность учителей",
               "Записи каждого учителя за период.",
               lambda db, s, o: teachers.teacher_activity(db, s)),
        Report("participation", "Участие родителей и учащихся",
               "Доступ к дневнику, входы, сообщения родителей.",
               lambda db, s, o: participation.participation(db, s, o.sign_ins)),
        Report("attendance", "Посещаемость",
               "Пропуски уроков по болезни, по уважительной причине и без причины.",
               lambda db, s, o: attendance.attendance(db, s)),
        Report("performance", "Успеваемость",
               "Отличники, хорошисты, с одной «3», неуспевающие; качество знаний и успеваемость.",
               lambda db, s, o: performance.performance(db, s, o.today)),
        Report("preliminary", "Предварительная успеваемость",
               "За две недели до конца периода: по выставленным отметкам и прогнозам.",
               lambda db, s, o: performance.performance(db, s, o.today, preliminary=True)),
        Report("corrections", "Исправления и недействительные записи",
               "Исправленные и отменённые отметки, записи со скомпрометированными данными.",
               lambda db, s, o: corrections.corrections(db, s)),
    )
}  # fmt: skip
