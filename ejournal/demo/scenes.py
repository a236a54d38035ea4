"""The life of the demo school around the lessons, through the public commands of the person
who acts: a student leaves and another one arrives mid-year (R-STR-7), the deputy head's
monthly remarks (R-CTL-2), announcements and messages between class teachers and parents
(R-COM-1). Incidents (corrections, a substitution, a stolen password) are in
:mod:`ejournal.demo.incidents`."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from ..model import events as ev
from ..model.commands import control, people
from .enrolment import Household, admit, leave_school
from .school import Klass
from .world import Office, World, YearState, at

REMARKS = (
    "Не заполнены темы уроков за прошлую неделю ({klass}, {subject}).",
    "Отметки за письменную работу выставлены позже установленного срока ({klass}, {subject}).",
    "Низкая накопляемость отметок в {klass} по предмету «{subject}»: "
    "у нескольких учеников нет ни одной отметки.",
    "Не указано домашнее задание к нескольким урокам ({klass}, {subject}).",
    "Посещаемость за прошлую неделю отмечена не в день урока ({klass}, {subject}).",
)


def movement(w: World, y: YearState, households: list[Household]) -> None:
    """A withdrawal in October and an admission in November (R-STR-7)."""
    rng = w.rng
    leave_day = _study_day_from(y, date(y.cal.first, 10, 15))
    join_day = _study_day_from(y, date(y.cal.first, 11, 10))
    candidates = [k for k in y.classes if 2 <= k.grade <= 9 and len(k.students) > 3]
    if not candidates:
        return
    klass = rng.choice(candidates)
    student = rng.choice(w.members_on(klass.id, leave_day))
    groups = [klass.id] + [g for g, ms in klass.subgroups if student in ms]

    def withdraw() -> None:
        office = Office(w, w.clock.now(), (20, 60), flush=False)
        leave_school(w, office, student, groups, leave_day - timedelta(days=1), "transfer")
        w.students_now = [s for s in w.students_now if s is not student]

    w.then(at(leave_day, 7, 30), withdraw)
    target = rng.choice(candidates)

    def arrive() -> None:
        office = Office(w, w.clock.now(), (20, 60), flush=False)
        st = admit(w, office, target, y.cal.first, join_day, households)
        if target.subgroups:
            group, members = min(target.subgroups, key=lambda g: (len(g[1]), g[0]))
            office.step()
            people.enroll(
                w.j, w.staff.secretary, student=st.person, group=group, start=join_day.isoformat()
            )
            members.append(st)
            w.join(group, st, join_day)
        w.students_now.append(st)

    w.then(at(join_day, 7, 20), arrive)


def _study_day_from(y: YearState, day: date) -> date:
    while not y.cal.is_study_day(day, 5):
        day += timedelta(days=1)
    return day


def remarks(w: World, y: YearState) -> None:
    """The deputy head's remarks, one or two a month; most are fixed before they are due."""
    rng = w.rng
    for month in (9, 10, 11, 12, 1, 2, 3, 4, 5):
        day = _study_day_from(y, date(y.cal.first + (month < 9), month, 12))
        for n in range(rng.randint(1, 2)):
            w.then(at(day, 11, 10 + n * 7), partial(_remark, w, y, day))


def _remark(w: World, y: YearState, day: date) -> None:
    rng = w.rng
    # Often one who has been filling the journal late lately, otherwise anyone checked.
    teaching = sorted({c.teacher for c in y.courses})
    recent = sorted(set(y.late_teachers[-30:]) & set(teaching))
    teacher = rng.choice(recent if recent and rng.random() < 0.5 else teaching)
    course = rng.choice([c for c in y.courses if c.teacher == teacher])
    text = rng.choice(REMARKS).format(klass=course.klass.name, subject=course.subject.name)
    due = day + timedelta(days=7)
    remark = control.issue_remark(
        w.j, w.staff.deputy, teacher=teacher, text=text, due=due.isoformat(), course=course.id
    )
    if rng.random() < 0.7:
        fixed = at(day + timedelta(days=rng.randint(1, 6)), 15, rng.randint(0, 59))
        if not w.guarded(teacher, fixed):
            note = rng.choice(
                ("Исправлено.", "Темы и домашние задания заполнены.", "Отметки выставлены, учту.")
            )
            w.then(fixed, lambda: control.fix_remark(w.j, teacher, remark=remark, note=note))


def announcements(w: World, y: YearState) -> None:
    first = y.cal.first
    autumn = next(h for h in y.cal.holidays if h.name.startswith("Осенние"))
    posts = [
        (
            at(date(first, 8, 29), 12),
            "all",
            "Торжественная линейка 1 сентября",
            "Торжественная линейка, посвящённая Дню знаний, начнётся 1 сентября в 9:00 "
            "на школьном дворе.",
        ),
        (
            at(autumn.start - timedelta(days=3), 13),
            "all",
            "Осенние каникулы",
            f"Осенние каникулы — с {autumn.start:%d.%m} по {autumn.end:%d.%m}. "
            f"Занятия начнутся {autumn.end + timedelta(days=1):%d.%m}.",
        ),
        (
            at(autumn.start - timedelta(days=2), 15),
            "staff",
            "Педагогический совет",
            "Педсовет по итогам первой четверти — в последний день четверти в 15:00 "
            "в актовом зале.",
        ),
        (
            at(date(first, 12, 20), 12),
            "all",
            "Новогодние праздники",
            "Зимние каникулы — с 29 декабря по 8 января. Поздравляем с наступающим Новым годом!",
        ),
    ]
    for moment, audience, title, text in posts:
        w.then(
            moment,
            partial(
                control.post_announcement,
                w.j,
                w.staff.deputy,
                audience=audience,
                title=title,
                text=text,
            ),
        )
    meeting = autumn.end + timedelta(days=3)
    for klass in y.classes:
        text = (
            f"Родительское собрание {klass.name} класса — {meeting:%d.%m} в 18:00. "
            "Итоги первой четверти."
        )
        w.then(
            at(autumn.start - timedelta(days=1), 12),
            partial(
                control.post_announcement,
                w.j,
                w.staff.deputy,
                audience=klass.id,
                title="Родительское собрание",
                text=text,
            ),
        )


def messages(w: World, y: YearState) -> None:
    """Class teachers write to the parents of their class; some parents write back."""
    rng = w.rng
    for klass in y.classes:
        for month in (9, 11, 2, 4):
            day = _study_day_from(y, date(y.cal.first + (month < 9), month, rng.randint(3, 20)))
            w.then(at(day, 16, rng.randint(0, 50)), partial(_to_parents, w, klass, day))


def _to_parents(w: World, klass: Klass, day: date) -> None:
    rng = w.rng
    members = w.members_on(klass.id, day)
    parents = sorted({p for st in members for p in w.parents.get(st.person, [])})
    teacher = klass.teacher
    if not parents:
        return
    subject, text = rng.choice(
        (
            (
                "Экскурсия",
                "Уважаемые родители! Планируем экскурсию в краеведческий музей. "
                "Просьба сообщить, кто поедет.",
            ),
            (
                "Дежурство",
                "Уважаемые родители! Напоминаю о графике дежурства класса на следующей неделе.",
            ),
            (
                "Медосмотр",
                "Уважаемые родители! В четверг в школе пройдёт медицинский осмотр, "
                "прошу не опаздывать.",
            ),
            (
                "Успеваемость",
                "Уважаемые родители! Прошу проверить в дневнике отметки за последние две недели.",
            ),
        )
    )
    message = control.send_message(w.j, teacher, to=parents, subject=subject, text=text)
    for parent in parents:
        if rng.random() < 0.6:
            w.later(
                w.clock.now() + timedelta(hours=rng.randint(1, 72)),
                parent,
                [ev.MessageRead(message)],
            )
    if rng.random() < 0.5:
        parent = rng.choice(parents)
        reply = rng.choice(("Спасибо, поняли.", "Здравствуйте! Мы поедем.", "Хорошо, проверим."))
        moment = w.clock.now() + timedelta(hours=rng.randint(2, 30))
        w.then(
            moment,
            lambda: control.send_message(
                w.j, parent, to=[teacher], subject=f"Re: {subject}", text=reply, reply_to=message
            ),
        )
