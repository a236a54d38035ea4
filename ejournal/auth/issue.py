"""Issuing logins with one-time passwords (R-SEC-2) and locking them on a reported compromise
(R-SEC-3).

The administrator issues and resets the logins of anyone who holds a role (staff above all);
the class teacher those of the students and parents of the own class. A password is made here,
shown once to whoever issued it, and only its argon2id hash is kept; it signs in once and must
then be changed (:meth:`AuthStore.verify_login`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..journal import Journal
from ..model import access
from ..model.commands import people
from ..model.errors import PermissionDenied, RuleViolation
from ..queries.admin_control import is_locked
from ..queries.admin_people import STAFF_ROLES, class_students
from ..queries.people import person as person_named
from .demo import translit
from .store import AuthStore

FAMILY_ROLES = frozenset({"parent", "student"})


@dataclass(frozen=True, slots=True)
class Issued:
    """A login and its one-time password, to print on a slip (never stored in clear)."""

    person: str
    name: str
    login: str
    password: str
    role: str  # the role the login is for, in Russian


@dataclass(frozen=True, slots=True)
class FamilySlip:
    """The slip a class teacher hands to one family."""

    student: str
    student_name: str
    class_name: str
    logins: tuple[Issued, ...]


def _new_login(auth: AuthStore, last: str, first: str) -> str:
    base = (translit(last) + ("." + translit(first)[:1] if first else "")) or "user"
    login, n = base, 1
    while auth.login_taken(login):
        n += 1
        login = f"{base}{n}"
    return login


def _classes_of(j: Journal, person: str, on: str) -> set[str]:
    rows = j.db.execute(
        "SELECT m.grp FROM memberships m JOIN groups g ON g.grp = m.grp WHERE m.student = ? "
        "AND g.kind = 'class' AND m.start <= ? AND (m.end IS NULL OR m.end >= ?)",
        (person, on, on),
    )
    return {r[0] for r in rows}


def require_issuer(j: Journal, actor: str, person: str) -> set[str]:
    """Check that ``actor`` may issue a login to ``person`` today; returns the person's roles.

    Raises:
        RuleViolation: the person is unknown or holds no role today (a login would open nothing).
        PermissionDenied: neither the administrator nor the class teacher of the person's (or,
            for a parent, the child's) class; staff logins are the administrator's to issue.
    """
    today = j.today()
    if j.db.execute("SELECT 1 FROM persons WHERE person = ?", (person,)).fetchone() is None:
        raise RuleViolation("Такой человек не зарегистрирован.")
    roles = access.roles_of(j.db, person, today)
    if not roles:
        raise RuleViolation("У этого человека нет действующей роли: сначала выдайте роль.")
    if access.may(j.db, actor, "roles.grant", today):
        return roles
    if roles & STAFF_ROLES:
        raise PermissionDenied("Логины сотрудникам выдаёт администратор.")
    # R-SEC-2: the class teacher issues the logins of the own class's students and parents.
    classes = _classes_of(j, person, today) if "student" in roles else set()
    for child in access.scopes_of(j.db, person, "parent", today):
        classes |= _classes_of(j, child, today)
    if not any(access.is_class_teacher(j.db, actor, c, today) for c in classes):
        raise PermissionDenied(
            "Выдавать логины ученикам и родителям может только классный руководитель их класса."
        )
    return roles


def issue_login(j: Journal, auth: AuthStore, actor: str, person: str) -> Issued:
    """Issue (or reset) a person's login with a new one-time password.

    The login stays the same on a reset; a new one is made from the transliterated name.

    Raises:
        RuleViolation, PermissionDenied: see :func:`require_issuer`; also while a reported
            compromise awaits new credentials (those are issued with :func:`reissue`).
    """
    with j.command():
        roles = require_issuer(j, actor, person)
        if is_locked(j.db, person):
            raise RuleViolation(
                "Учётные данные этого человека объявлены скомпрометированными: новые выдаются "
                "на странице «Безопасность»."
            )
        return _issue(j, auth, person, roles)


def _issue(j: Journal, auth: AuthStore, person: str, roles: set[str]) -> Issued:
    who = person_named(j.db, person)
    login = auth.login_of(person) or _new_login(auth, who.last_name, who.first_name)
    password = auth.issue_password(person, login)
    shown = sorted(roles, key=lambda r: (r not in STAFF_ROLES, r))
    label = ", ".join(access.ROLES.get(r, r) for r in shown)
    return Issued(person, who.full_name, login, password, label)


def issue_family(
    j: Journal, auth: AuthStore, actor: str, class_id: str, student: str, *, only_new: bool = False
) -> FamilySlip:
    """Logins for a student of a class (if the student holds the role) and the parents; with
    ``only_new``, only for those of them who have no login yet (nobody's password is reset).

    Raises:
        RuleViolation: the student is not in the class today, or nobody in the family holds a
            role a login would open.
        PermissionDenied: see :func:`require_issuer`.
    """
    with j.command():
        today = j.today()
        students = class_students(j.db, class_id, today)
        row = next((s for s in students if s.student.person == student), None)
        if row is None:
            raise RuleViolation("Этот ученик не числится в классе.")
        people_ = ([student] if row.is_student_user else []) + [p.person for p in row.parents]
        if only_new:
            have = auth.accounts(people_)
            people_ = [p for p in people_ if p not in have]
            if not people_:
                raise RuleViolation("У этой семьи логины уже есть.")
        if not people_:
            raise RuleViolation(
                "У ученика нет роли «обучающийся», а у семьи — родителей в журнале: "
                "выдавать нечего."
            )
        # Check every member first: a slip is issued whole or not at all.
        checked = [(p, require_issuer(j, actor, p)) for p in people_]
        locked = [p for p, _ in checked if is_locked(j.db, p)]
        if locked:
            raise RuleViolation(
                "Учётные данные одного из членов семьи объявлены скомпрометированными: новые "
                "выдаёт администрация."
            )
        issued = tuple(_issue(j, auth, p, roles) for p, roles in checked)
        return FamilySlip(student, row.student.full_name, row.class_name, issued)


def report_compromise(
    j: Journal, auth: AuthStore, actor: str, *, person: str, since: str | None, reason: str
) -> None:
    """R-SEC-3: record the compromise, then lock the person's account and end their sessions.

    Raises:
        JournalError: refused by :func:`people.report_compromise` (nothing changes then).
    """
    with j.command():
        people.report_compromise(j, actor, person=person, since=since, reason=reason)
        auth.lock(person)


def reissue(j: Journal, auth: AuthStore, actor: str, person: str) -> Issued:
    """New credentials after a compromise: recorded in the log, a new one-time password.

    Raises:
        RuleViolation: no compromise of this person awaits new credentials, or the person
            holds no role.
        PermissionDenied: the actor may not declare compromises.
    """
    with j.command():
        access.require(j.db, actor, "security.compromise", j.today())
        if not is_locked(j.db, person):
            raise RuleViolation("Для этого человека не заявлено компрометации учётных данных.")
        roles = access.roles_of(j.db, person, j.today())
        people.reissue_credentials(j, actor, person=person)
        return _issue(j, auth, person, roles)
