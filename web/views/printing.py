"""Print views (R-ARC-5): a course's journal page for a period, and its list of lessons
(topics and homework by date), laid out for paper by ``@media print`` with places for the
signatures and the seal. The browser prints them; no PDF is made here."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model import rules
from ejournal.model.errors import NotFound
from ejournal.queries.grid import Grid, journal_grid
from ejournal.queries.printing import school_name
from ejournal.queries.viewers import course_access

from ..security import JOURNAL_READERS, ForbiddenError, User, current_user, reading


def _open(request: Request, course: str, period: str) -> tuple[Journal, User, Grid, str]:
    j: Journal = request.app.state.journal
    user = current_user(request)
    assert user is not None
    with reading(j):
        if not course_access(j.db, user.person, course, j.today()):
            raise ForbiddenError
        grid = journal_grid(j.db, course, period)
        if grid.period.year != grid.course.year:
            raise NotFound("Этот период не относится к учебному году курса.")
        return j, user, grid, school_name(j.db)


def _context(j: Journal, user: User, grid: Grid, school: str) -> dict[str, Any]:
    today = j.today()
    return {
        "user": user,
        "grid": grid,
        "school": school,
        "printed": f"{today[8:10]}.{today[5:7]}.{today[0:4]}",
        "kinds": rules.WORK_KINDS,
    }


class PrintController(Controller):
    """/journal/{course}/{period}/print and …/lessons/print."""

    @get(
        "/journal/{course:str}/{period:str}/print",
        opt={"roles": JOURNAL_READERS},
        sync_to_thread=True,
    )
    def journal_page(
        self, request: Request, course: FromPath[str], period: FromPath[str]
    ) -> Template:
        """The journal page: students × lessons with marks and absences, averages and period
        marks, signed by the teacher and checked by the deputy head."""
        j, user, grid, school = _open(request, course, period)
        return Template("print/journal.html", context=_context(j, user, grid, school))

    @get(
        "/journal/{course:str}/{period:str}/lessons/print",
        opt={"roles": JOURNAL_READERS},
        sync_to_thread=True,
    )
    def lesson_list(
        self, request: Request, course: FromPath[str], period: FromPath[str]
    ) -> Template:
        """The lessons of the period: date, number, topic, homework, work kinds."""
        j, user, grid, school = _open(request, course, period)
        return Template("print/lessons.html", context=_context(j, user, grid, school))
