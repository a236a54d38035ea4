"""Staff logins issued by the administrator (R-SEC-2), reporting a credential compromise and
what it invalidated, new credentials after it (R-SEC-3), and the deputy head's remarks to
teachers about their journals (R-CTL-2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ejournal.auth import AuthStore
from ejournal.auth.issue import Issued, issue_login, reissue, report_compromise
from ejournal.journal import Journal
from ejournal.model.commands import control
from ejournal.model.errors import JournalError, NotFound
from ejournal.queries import admin_control as qc
from ejournal.queries import admin_people as qp
from ejournal.queries import admin_structure as q
from ejournal.queries.people import person as person_named
from ejournal.queries.periods import current_year

from ..security import User, reading
from .admin_forms import (
    REMARKS,
    ROLE_GRANTERS,
    SECURITY,
    Fields,
    FormData,
    act,
    journal_of,
    render,
    user_of,
)
from .slips import Slip, slips_page


def local_time(j: Journal) -> Any:
    """A filter-like function: a log time (UTC) as the school's local «ДД.ММ.ГГГГ ЧЧ:ММ»."""
    zone = j.now().tzinfo

    def show(utc: str) -> str:
        try:
            return datetime.fromisoformat(utc).astimezone(zone).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            return utc

    return show


def _auth(request: Request) -> AuthStore:
    return request.app.state.auth  # type: ignore[no-any-return]


def accounts_page(auth: AuthStore) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        staff = qp.staff(j.db, j.today())
        return {
            "staff": staff,
            "accounts": auth.accounts([r.person.person for r in staff]),
            "roles_ru": qp.ROLES,
        }

    return page


def security_page(query: str, chosen: str) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        known = bool(chosen) and qp.is_registered(j.db, chosen)
        return {
            "q": query,
            "found": qp.register(j.db, j.today(), query, limit=50) if query else (),
            "person": person_named(j.db, chosen) if known else None,
            "compromises": qc.compromises(j.db),
            "local": local_time(j),
        }

    return page


def detail_page(person: str) -> Any:
    def page(j: Journal, user: User) -> dict[str, Any]:
        if not qp.is_registered(j.db, person):
            raise NotFound("Такой человек не зарегистрирован.")
        rows, total = qc.invalidated(j.db, person)
        return {
            "person": person_named(j.db, person),
            "compromises": [c for c in qc.compromises(j.db) if c.person.person == person],
            "rows": rows,
            "total": total,
            "locked": qc.is_locked(j.db, person),
            "local": local_time(j),
        }

    return page


def remarks_page(j: Journal, user: User) -> dict[str, Any]:
    year = current_year(j.db, j.today()) or ""
    courses = q.courses(j.db, year) if year else ()
    return {
        "remarks": qc.remarks(j.db, j.today()),
        "teachers": [(t.person, t.full_name) for t in q.teachers(j.db, j.today())],
        "courses": [
            (c.course, f"{c.subject_name}, {c.group_name} — {c.teacher.short_name}")
            for c in courses
        ],
        "course_teacher": {c.course: c.teacher.person for c in courses},
        "today": j.today(),
    }


def _slip(request: Request, title: str, issued: Issued, back: str) -> Template:
    slip = Slip(title=issued.name, subtitle=issued.role, logins=(issued,))
    return slips_page(request, title, [slip], back)


def _remark(j: Journal, user: User, f: Fields) -> None:
    course = f.raw("course")
    teacher = f.raw("teacher")
    if not teacher and course:
        teacher = remarks_page(j, user)["course_teacher"].get(course, "")
    control.issue_remark(
        j,
        user.person,
        teacher=teacher or f.text("teacher", "Учитель"),
        text=f.long_text("text", "Текст замечания"),
        due=f.day("due", "Срок устранения"),
        course=course,
    )


class SecurityController(Controller):
    """/admin/accounts, /admin/security…, /admin/remarks."""

    @get("/admin/accounts", opt={"roles": ROLE_GRANTERS}, sync_to_thread=True)
    def accounts(self, request: Request) -> Template:
        return render(request, "admin/accounts.html", accounts_page(_auth(request)))

    @post("/admin/accounts/issue", opt={"roles": ROLE_GRANTERS}, sync_to_thread=True)
    def issue(self, request: Request, data: FormData) -> Response[Any]:
        """A staff login with a one-time password, shown once on a printable slip."""
        j, user, auth = journal_of(request), user_of(request), _auth(request)
        person = Fields(data).raw("person")[:40]
        with reading(j):
            try:
                issued = issue_login(j, auth, user.person, person)
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                context = accounts_page(auth)(j, user)
                return Template(
                    "admin/accounts.html",
                    context={
                        "user": user,
                        "done": "",
                        "form": {},
                        **context,
                        "error": e.message_ru,
                        "error_for": "issue",
                    },
                    status_code=422,
                )
        return _slip(request, "Логин сотрудника", issued, "/admin/accounts")

    @get("/admin/security", opt={"roles": SECURITY}, sync_to_thread=True)
    def security_index(self, request: Request) -> Template:
        p = request.query_params
        page = security_page(p.get("q", "")[:60], p.get("person", "")[:40])
        return render(request, "admin/security.html", page)

    @post("/admin/security/compromise", opt={"roles": SECURITY}, sync_to_thread=True)
    def compromise(self, request: Request, data: FormData) -> Response[Any]:
        """R-SEC-3: record the report, lock the account, end the person's sessions."""
        person = Fields(data).raw("person")[:40]
        auth = _auth(request)

        def action(j: Journal, user: User, f: Fields) -> None:
            if not qp.is_registered(j.db, person):
                raise NotFound("Такой человек не зарегистрирован.")
            report_compromise(
                j,
                auth,
                user.person,
                person=person,
                since=f.moment("since", "С какого времени", j),
                reason=f.text("reason", "Что произошло", limit=500),
            )

        response = act(
            request,
            data,
            form="compromise",
            template="admin/security.html",
            page=security_page("", person),
            action=action,
            back="/admin/security",
        )
        if isinstance(response, Redirect):
            return Redirect(f"/admin/security/{person}?done=compromise", status_code=303)
        return response

    @get("/admin/security/{person:str}", opt={"roles": SECURITY}, sync_to_thread=True)
    def detail(self, request: Request, person: FromPath[str]) -> Template:
        return render(request, "admin/invalidated.html", detail_page(person))

    @post("/admin/security/{person:str}/reissue", opt={"roles": SECURITY}, sync_to_thread=True)
    def reissue(self, request: Request, person: FromPath[str]) -> Response[Any]:
        """New credentials after a compromise: recorded, and a one-time password on a slip."""
        j, user, auth = journal_of(request), user_of(request), _auth(request)
        with reading(j):
            page = detail_page(person)
            try:
                issued = reissue(j, auth, user.person, person)
            except JournalError as e:
                if e.code == "permission_denied" or isinstance(e, NotFound):
                    raise
                return Template(
                    "admin/invalidated.html",
                    context={
                        "user": user,
                        "done": "",
                        "form": {},
                        **page(j, user),
                        "error": e.message_ru,
                        "error_for": "reissue",
                    },
                    status_code=422,
                )
        return _slip(request, "Новые учётные данные", issued, f"/admin/security/{person}")

    @get("/admin/remarks", opt={"roles": REMARKS}, sync_to_thread=True)
    def remarks(self, request: Request) -> Template:
        return render(request, "admin/remarks.html", remarks_page)

    @post("/admin/remarks", opt={"roles": REMARKS}, sync_to_thread=True)
    def issue_remark(self, request: Request, data: FormData) -> Response[Any]:
        return act(
            request,
            data,
            form="remark",
            template="admin/remarks.html",
            page=remarks_page,
            action=_remark,
            back="/admin/remarks",
        )
