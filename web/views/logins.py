"""The class teacher issues and resets the logins of the own class's students and parents, with
a printable slip per family (R-SEC-2); the administrator may do it too."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ejournal.auth import AuthStore
from ejournal.auth.issue import FamilySlip, issue_family
from ejournal.journal import Journal
from ejournal.model.access import is_class_teacher, may
from ejournal.model.commands import people
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.admin_people import class_students
from ejournal.queries.members import group_name
from ejournal.queries.viewers import class_period

from ..security import ForbiddenError, User, reading
from .admin_forms import ROLE_GRANTERS, Fields, FormData, journal_of, user_of
from .slips import Slip, slips_page

LOGIN_ISSUERS = frozenset({"teacher"}) | ROLE_GRANTERS
ALL = "all"


def _auth(request: Request) -> AuthStore:
    return request.app.state.auth  # type: ignore[no-any-return]


def _require_keeper(j: Journal, user: User, class_id: str) -> None:
    class_period(j.db, class_id, j.today())  # NotFound for an unknown class
    today = j.today()
    if not (
        is_class_teacher(j.db, user.person, class_id, today)
        or may(j.db, user.person, "roles.grant", today)
    ):
        raise ForbiddenError


def _context(j: Journal, auth: AuthStore, user: User, class_id: str) -> dict[str, Any]:
    students = class_students(j.db, class_id, j.today())
    people = [s.student.person for s in students] + [p.person for s in students for p in s.parents]
    return {
        "user": user,
        "class_id": class_id,
        "class_name": group_name(j.db, class_id),
        "students": students,
        "accounts": auth.accounts(people),
        "error": "",
        "error_for": "",
    }


def _slip(family: FamilySlip) -> Slip:
    return Slip(
        title=f"{family.student_name}, {family.class_name}",
        subtitle="Вход в электронный дневник для ученика и родителей",
        logins=family.logins,
    )


class LoginsController(Controller):
    """/class/{class_id}/logins."""

    @get("/class/{class_id:str}/logins", opt={"roles": LOGIN_ISSUERS}, sync_to_thread=True)
    def page(self, request: Request, class_id: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            _require_keeper(j, user, class_id)
            context = _context(j, _auth(request), user, class_id)
        return Template("admin/logins.html", context=context)

    @post("/class/{class_id:str}/logins", opt={"roles": LOGIN_ISSUERS}, sync_to_thread=True)
    def issue(self, request: Request, class_id: FromPath[str], data: FormData) -> Response[Any]:
        """Issue (or reset) the logins of one family, or of every family that has none yet."""
        j, user, auth = journal_of(request), user_of(request), _auth(request)
        wanted = Fields(data).raw("student")[:40]
        with reading(j):
            _require_keeper(j, user, class_id)
            try:
                families, skipped = self._issue(j, auth, user, class_id, wanted)
            except NotFound:
                raise
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                context = _context(j, auth, user, class_id)
                return Template(
                    "admin/logins.html",
                    context={**context, "error": e.message_ru, "error_for": wanted},
                    status_code=422,
                )
        title = f"Логины класса {families[0].class_name}" if families else "Логины"
        slips = [_slip(f) for f in families]
        return slips_page(request, title, slips, f"/class/{class_id}/logins", skipped=skipped)

    @post("/class/{class_id:str}/student-role", opt={"roles": LOGIN_ISSUERS}, sync_to_thread=True)
    def student_role(
        self, request: Request, class_id: FromPath[str], data: FormData
    ) -> Response[Any]:
        """Give a student of the class the role «обучающийся» from today, so that the family's
        slip can carry the student's own login (R-SEC-2: the class teacher does it)."""
        j, user, auth = journal_of(request), user_of(request), _auth(request)
        student = Fields(data).raw("student")[:40]
        with reading(j):
            _require_keeper(j, user, class_id)
            try:
                if student not in {
                    s.student.person for s in class_students(j.db, class_id, j.today())
                }:
                    raise RuleViolation("Этот ученик не числится в классе.")
                people.grant_role(j, user.person, person=student, role="student", start=j.today())
            except NotFound:
                raise
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                context = _context(j, auth, user, class_id)
                return Template(
                    "admin/logins.html",
                    context={**context, "error": e.message_ru, "error_for": student},
                    status_code=422,
                )
        return Redirect(f"/class/{class_id}/logins", status_code=303)

    @staticmethod
    def _issue(
        j: Journal, auth: AuthStore, user: User, class_id: str, wanted: str
    ) -> tuple[list[FamilySlip], list[str]]:
        """The slips, and what was skipped (in «all» mode a family that cannot be issued to,
        e.g. a parent who is also staff, does not stop the others)."""
        if not wanted:
            raise RuleViolation("Выберите семью, которой выдать логины.")
        if wanted != ALL:
            return [issue_family(j, auth, user.person, class_id, wanted)], []
        students = class_students(j.db, class_id, j.today())
        people = [s.student.person for s in students] + [
            p.person for s in students for p in s.parents
        ]
        have = auth.accounts(people)
        waiting = [
            s
            for s in students
            if (s.is_student_user and s.student.person not in have)
            or any(p.person not in have for p in s.parents)
        ]
        if not waiting:
            raise RuleViolation(
                "У всех семей класса логины уже есть; сбросить пароли можно по одной семье."
            )
        slips, skipped = [], []
        for s in waiting:
            try:
                slips.append(
                    issue_family(j, auth, user.person, class_id, s.student.person, only_new=True)
                )
            except JournalError as e:
                skipped.append(f"{s.student.full_name}: {e.message_ru}")
        if not slips:
            raise RuleViolation(" ".join(skipped))
        return slips, skipped
