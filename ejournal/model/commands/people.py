"""People and their roles: registering staff, students and guardians, enrolment and movement of
students, roles, personal data changes, credential compromise (R-STR-2, R-STR-7, R-SEC-1..4)."""

from __future__ import annotations

from datetime import date as _date

from ...journal import Journal
from ...log.entry import format_time, parse_time
from ...log.errors import FormatError
from .. import access
from .. import events as ev
from ..errors import RuleViolation

PROMOTION_DECISIONS = ("promoted", "conditionally", "repeat", "graduated")


def _iso(value: str, what: str) -> str:
    try:
        return _date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as e:
        raise RuleViolation(f"{what}: дата должна быть в виде ГГГГ-ММ-ДД.") from e


def _name(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > 60 or any(ch.isdigit() for ch in value):
        raise RuleViolation(f"{what}: от 1 до 60 букв, без цифр.")
    return value


def register_person(
    j: Journal,
    actor: str,
    *,
    last_name: str,
    first_name: str,
    middle_name: str = "",
    birth_date: str = "",
    sex: str = "",
) -> str:
    """Register a person; only what the journal needs (R-SEC-4: no personal data beyond need)."""
    last, first = _name(last_name, "Фамилия"), _name(first_name, "Имя")
    middle = _name(middle_name, "Отчество") if middle_name.strip() else ""
    if birth_date:
        try:
            birth_date = _date.fromisoformat(birth_date).isoformat()
        except ValueError as e:
            raise RuleViolation("Дата рождения: ГГГГ-ММ-ДД.") from e
    if sex not in ("", "м", "ж"):
        raise RuleViolation("Пол: «м» или «ж».")
    with j.command():
        access.require(j.db, actor, "people.edit", j.today())
        person_id = j.ids.new("p")
        j.record(actor, [ev.PersonRegistered(person_id, last, first, middle, birth_date, sex)])
        return person_id


def update_person(j: Journal, actor: str, event: ev.PersonUpdated) -> None:
    """R-SEC-4: a change of personal data, with its reason."""
    for value, what in (
        (event.last_name, "Фамилия"),
        (event.first_name, "Имя"),
        (event.middle_name, "Отчество"),
    ):
        if value and _name(value, what) != value:
            raise RuleViolation(f"{what}: лишние пробелы.")
    if event.birth_date:
        _iso(event.birth_date, "Дата рождения")
    if not (event.last_name or event.first_name or event.middle_name or event.birth_date):
        raise RuleViolation("Изменение пусто: укажите, что меняется.")
    if not event.reason.strip() or len(event.reason) > 200:
        raise RuleViolation("Укажите основание изменения (до 200 знаков).")
    with j.command():
        access.require(j.db, actor, "people.edit", j.today())
        _require_person(j, event.person)
        j.record(actor, [event])


def _require_person(j: Journal, person: str) -> None:
    if j.db.execute("SELECT 1 FROM persons WHERE person = ?", (person,)).fetchone() is None:
        raise RuleViolation("Такой человек не зарегистрирован.")


def grant_role(
    j: Journal, actor: str, *, person: str, role: str, start: str, scope: str = ""
) -> None:
    """Give a role from a date. A parent's scope is the child (R-SEC-1, R-SEC-2)."""
    if role not in access.ROLES:
        raise RuleViolation("Неизвестная роль.")
    if role == "parent" and not scope:
        raise RuleViolation("Для роли родителя укажите ребёнка.")
    with j.command():
        _require_person(j, person)
        if role in ("parent", "student"):
            # R-SEC-2: the class teacher issues logins to parents and students of the class.
            if not (
                access.may(j.db, actor, "people.edit", j.today())
                or _class_teacher_of_student(j, actor, scope or person)
            ):
                access.require(j.db, actor, "roles.grant", j.today())
        else:
            access.require(j.db, actor, "roles.grant", j.today())
        j.record(actor, [ev.RoleGranted(person, role, start, scope)])


def _class_teacher_of_student(j: Journal, teacher: str, student: str) -> bool:
    today = j.today()
    rows = j.db.execute(
        "SELECT grp FROM memberships WHERE student = ? AND start <= ? "
        "AND (end IS NULL OR end >= ?)",
        (student, today, today),
    ).fetchall()
    return any(access.is_class_teacher(j.db, teacher, grp, today) for (grp,) in rows)


def revoke_role(
    j: Journal, actor: str, *, person: str, role: str, end: str, scope: str = ""
) -> None:
    end = _iso(end, "Дата окончания роли")
    with j.command():
        access.require(j.db, actor, "roles.grant", j.today())
        held = j.db.execute(
            "SELECT start FROM roles WHERE person = ? AND role = ? AND scope = ? AND end IS NULL",
            (person, role, scope),
        ).fetchone()
        if held is None:
            raise RuleViolation("Такой действующей роли у этого человека нет.")
        if end < held[0]:
            raise RuleViolation("Роль не может кончиться раньше, чем началась.")
        j.record(actor, [ev.RoleRevoked(person, role, end, scope)])


def enroll(
    j: Journal,
    actor: str,
    *,
    student: str,
    group: str,
    start: str,
    order: str = "",
    individual_plan: bool = False,
) -> None:
    """Admission to a class, or joining a group or subgroup, from a date (R-STR-2, R-STR-7)."""
    with j.command():
        access.require(j.db, actor, "people.edit", j.today())
        j.record(actor, [_enrolment(j, student, group, start, order, individual_plan)])


def _enrolment(
    j: Journal, student: str, group: str, start: str, order: str, individual_plan: bool
) -> ev.StudentEnrolled:
    first = _iso(start, "Дата зачисления")
    _require_person(j, student)
    row = j.db.execute("SELECT kind, year FROM groups WHERE grp = ?", (group,)).fetchone()
    if row is None:
        raise RuleViolation("Нет такого класса или группы.")
    if row[0] == "class":
        current = j.db.execute(
            "SELECT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp "
            "WHERE m.student = ? AND g.kind = 'class' AND g.year = ? AND m.end IS NULL",
            (student, row[1]),
        ).fetchone()
        if current is not None:
            raise RuleViolation(
                "Ученик уже числится в классе этого года: сначала оформите выбытие или перевод."
            )
    return ev.StudentEnrolled(student, group, first, order, individual_plan)


def leave(
    j: Journal, actor: str, *, student: str, group: str, end: str, reason: str, order: str = ""
) -> None:
    """Leaving a class or group after a date: transfer, withdrawal (R-STR-7)."""
    with j.command():
        access.require(j.db, actor, "people.edit", j.today())
        j.record(actor, [_leaving(j, student, group, end, reason, order)])


def _leaving(
    j: Journal, student: str, group: str, end: str, reason: str, order: str
) -> ev.StudentLeft:
    end = _iso(end, "Дата выбытия")
    open_ = j.db.execute(
        "SELECT start FROM memberships WHERE student = ? AND grp = ? AND end IS NULL",
        (student, group),
    ).fetchone()
    if open_ is None:
        raise RuleViolation("Ученик не числится в этом классе (группе).")
    if end < open_[0]:
        raise RuleViolation("Дата выбытия раньше даты зачисления.")
    return ev.StudentLeft(student, group, end, reason, order)


def transfer(
    j: Journal,
    actor: str,
    *,
    student: str,
    from_class: str,
    to_class: str,
    on: str,
    order: str = "",
) -> None:
    """Move a student to another class: leaves the old one the day before ``on``.

    Both records are written together or not at all.
    """
    first = _date.fromisoformat(_iso(on, "Дата перевода"))
    day_before = _date.fromordinal(first.toordinal() - 1).isoformat()
    with j.command():
        access.require(j.db, actor, "people.edit", j.today())
        years = j.db.execute(
            "SELECT f.year, t.year FROM groups f JOIN groups t ON t.grp = ? AND t.kind = 'class' "
            "WHERE f.grp = ? AND f.kind = 'class'",
            (to_class, from_class),
        ).fetchone()
        if years is None or years[0] != years[1]:
            raise RuleViolation("Перевод возможен только из класса в класс того же учебного года.")
        left = _leaving(j, student, from_class, day_before, "transfer", order)
        j.record(actor, [left, ev.StudentEnrolled(student, to_class, first.isoformat(), order)])


def promote(
    j: Journal, actor: str, *, student: str, year: str, decision: str, to_class: str = ""
) -> None:
    """Year closing: the teachers' council decision for a student (R-STR-7)."""
    if decision not in PROMOTION_DECISIONS:
        raise RuleViolation(
            "Решение: переведён, переведён условно, оставлен на повторное обучение, выпущен."
        )
    with j.command():
        access.require(j.db, actor, "structure.edit", j.today())
        _require_person(j, student)
        if j.db.execute("SELECT 1 FROM years WHERE year = ?", (year,)).fetchone() is None:
            raise RuleViolation("Нет такого учебного года.")
        if to_class and (
            j.db.execute(
                "SELECT 1 FROM groups WHERE grp = ? AND kind = 'class'", (to_class,)
            ).fetchone()
            is None
        ):
            raise RuleViolation("Нет такого класса.")
        j.record(actor, [ev.StudentPromoted(student, year, decision, to_class)])


def report_compromise(
    j: Journal, actor: str, *, person: str, since: str | None = None, reason: str = ""
) -> None:
    """R-SEC-3: declare a person's credentials compromised since a time (default: now).

    Every entry made with them since then stops counting; the log is untouched.
    """
    now = format_time(j.now())
    moment = since or now
    try:
        parse_time(moment)
    except FormatError as e:
        raise RuleViolation("Время компрометации: ГГГГ-ММ-ДДTЧЧ:ММ:СС.ммм+ЧЧ:ММ.") from e
    if parse_time(moment) > parse_time(now):
        raise RuleViolation("Время компрометации не может быть в будущем.")
    with j.command():
        access.require(j.db, actor, "security.compromise", j.today())
        _require_person(j, person)
        j.record(actor, [ev.CredentialsCompromised(person, moment, reason)])


def reissue_credentials(j: Journal, actor: str, *, person: str) -> None:
    """New credentials after a compromise: the person's new entries count again."""
    with j.command():
        access.require(j.db, actor, "security.compromise", j.today())
        j.record(actor, [ev.CredentialsReissued(person)])
