"""The start page after sign-in: teachers go to their courses, everyone else sees their roles
(their pages come later in issue #4)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Redirect, Template

from ejournal.local_state import problems
from ejournal.model.access import ROLES
from ejournal.queries.mailbox import announcements_for

from ..security import SIGNED_IN, current_user, reading


class HomeController(Controller):
    @get("/", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def home(self, request: Request) -> Response[Any]:
        user = current_user(request)
        assert user is not None
        if "teacher" in user.roles and not request.query_params.get("changed"):
            return Redirect("/teacher", status_code=303)
        if user.roles & {"parent", "student"} and not request.query_params.get("changed"):
            return Redirect("/diary", status_code=303)  # families start in the diary (R-DIA-2)
        journal = request.app.state.journal
        with reading(journal):  # R-COM-1: the board on the home page of those it is for
            notices = announcements_for(journal.db, user.person, journal.today(), limit=5)
        return Template(
            "home.html",
            context={
                "announcements": notices,
                "user": user,
                "roles": [ROLES[r] for r in sorted(user.roles) if r in ROLES],
                "changed": bool(request.query_params.get("changed")),
                # issue #10: failed daily verification, backups, open alarms (admins only)
                "ops_problems": problems(request.app.state.journal.data_dir.path)
                if user.roles & {"admin", "director"}
                else [],
            },
        )
