"""What the class teacher does for the families of the class on paper and about results:
reports to parents for the whole class at once, one page per student (R-DIA-3, R-CTL-4) as a
print view and a PDF/A, and the list of families who confirmed the period marks (R-DIA-4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model.errors import NotFound
from ejournal.pdf import DocumentMeta, log_state, render_pdf
from ejournal.queries.family import class_acknowledgements, school_names
from ejournal.queries.paper import class_reports
from ejournal.queries.periods import period as find_period
from ejournal.queries.viewers import class_access, class_period

from ..security import JOURNAL_READERS, ForbiddenError, User, current_user, reading
from . import ru

REPORT_DAYS = 14  # R-CTL-4: reports to parents at least every two weeks
MAX_DAYS = 400
READERS = {"roles": JOURNAL_READERS}


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _dates(request: Request, today: date) -> tuple[str, str]:
    """The report's dates from ?start=&end=, by default the two weeks up to today."""
    try:
        end = date.fromisoformat(request.query_params.get("end") or today.isoformat())
        start_text = request.query_params.get("start")
        start = date.fromisoformat(start_text) if start_text else end - timedelta(REPORT_DAYS - 1)
    except ValueError as e:
        raise NotFound("Даты отчёта: ГГГГ-ММ-ДД.") from e
    if start > end or (end - start).days > MAX_DAYS:
        raise NotFound("Начало отчёта позже конца или отчёт длиннее года.")
    return start.isoformat(), end.isoformat()


def _reports_context(request: Request, class_id: str) -> tuple[Journal, dict[str, Any]]:
    j, user = _journal(request), _user(request)
    if not class_access(j.db, user.person, class_id, j.today()):
        raise ForbiddenError
    start, end = _dates(request, j.today_date())
    school, tz = school_names(j.db)
    return j, {
        "user": user,
        "r": class_reports(j.db, class_id, start, end),
        "school": school,
        "ru": ru,
        "tz": ru.zone(tz),
    }


class PaperController(Controller):
    """/class/{class_id}/paper (print view), …/paper.pdf, …/acknowledgements."""

    @get("/class/{class_id:str}/paper", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def print_view(self, request: Request, class_id: FromPath[str]) -> Template:
        with reading(_journal(request)):
            _, context = _reports_context(request, class_id)
        return Template("diary/paper.html", context={**context, "pdf": False})

    @get("/class/{class_id:str}/paper.pdf", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def pdf(self, request: Request, class_id: FromPath[str]) -> Response[bytes]:
        engine = request.app.template_engine
        assert engine is not None
        with reading(_journal(request)):
            j, context = _reports_context(request, class_id)
            r = context["r"]
            meta = DocumentMeta(
                title=f"Отчёт для родителей, {r.class_name}, {ru.short(r.start)}–{ru.short(r.end)}",
                school=context["school"],
                generated=j.now(),
                checkpoints=log_state(j),
                subject="Текущая успеваемость и посещаемость за две недели (R-DIA-3, R-CTL-4)",
                keywords=(r.class_name, r.start, r.end, "отчёт для родителей"),
            )
        page = engine.get_template("diary/paper.html").render(**context, pdf=True)
        name = f"report-{r.class_name}-{r.start}-{r.end}.pdf"
        return Response(
            render_pdf(page, meta),
            media_type="application/pdf",
            headers={"Content-Disposition": f"inline; filename*=UTF-8''{_quote(name)}"},
        )

    @get("/class/{class_id:str}/acknowledgements", opt=READERS, sync_to_thread=True)
    def acknowledgements(self, request: Request, class_id: FromPath[str]) -> Template:
        """R-DIA-4: which families confirmed they have seen the period (or year) marks."""
        j, user = _journal(request), _user(request)
        with reading(j):
            if not class_access(j.db, user.person, class_id, j.today()):
                raise ForbiddenError
            term = class_period(j.db, class_id, j.today())
            chosen = request.query_params.get("period") or (term.period if term else "")
            if not chosen:
                raise NotFound("У этого класса нет учебных периодов.")
            if chosen == (term.year if term else None):
                start, end, name = term.start, term.end, f"{chosen} учебный год"  # type: ignore[union-attr]
            else:
                p = find_period(j.db, chosen)
                start, end, name = p.start, p.end, p.name
            rows = class_acknowledgements(j.db, class_id, chosen, start, end)
            tz = ru.zone(school_names(j.db)[1])
        return Template(
            "diary/acknowledgements.html",
            context={
                "user": user,
                "rows": rows,
                "name": name,
                "class_id": class_id,
                "term": term,
                "ru": ru,
                "tz": tz,
            },
        )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
