"""``/admin/backups``: the copies of the journal on their media, warnings and fork alarms
(issue #9, item 5; R-ARC-4). Read only; backups are made with ``ejournal backup``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.queries.sites import conflicts, ended_periods
from sync.overview import backup_overview

from ..security import current_user, reading

ADMINS = frozenset({"admin", "director"})


class BackupsController(Controller):
    path = "/admin/backups"

    @get("/", opt={"roles": ADMINS}, sync_to_thread=True)
    def page(self, request: Request) -> Response[Any]:
        journal: Journal = request.app.state.journal
        today = journal.today_date()
        with reading(journal):
            ended = [(p.name, p.end) for p in ended_periods(journal.db, today.isoformat())]
        overview = backup_overview(journal.data_dir.path, ended, today)
        return Template(
            "backups/page.html",
            context={
                "user": current_user(request),
                "overview": overview,
                "today": today,
            },
        )


CONFLICT_READERS = frozenset({"deputy", "director", "admin"})


class ConflictsController(Controller):
    """``/conflicts``: concurrent edits of the same thing on two sites (a branch school), for
    the deputy head: which change is in force and which one it replaced."""

    path = "/conflicts"

    @get("/", opt={"roles": CONFLICT_READERS}, sync_to_thread=True)
    def page(self, request: Request) -> Response[Any]:
        journal: Journal = request.app.state.journal
        with reading(journal):
            found = conflicts(journal.db)
        return Template(
            "backups/conflicts.html",
            context={"user": current_user(request), "conflicts": found},
        )
