"""/reports: the deputy head's and the director's control reports (R-CTL-1, R-CTL-3) with
htmx filters, each also as CSV and PDF/A; the summary sheet (R-ARC-1, also for the secretary),
the printed class journal and the act of destruction (R-ARC-2, R-ARC-5).

Who may: ``reports.read`` (director, deputy) for the control reports; ``summary.read``
(director, deputy, secretary) for the summary sheet, the class journal print and the act — the
secretary is the one who registers, stitches and archives them (001 App.2 §3).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from ejournal.journal import Journal
from ejournal.model.access import MATRIX
from ejournal.model.errors import NotFound, RuleViolation
from ejournal.reports import documents
from ejournal.reports.catalog import REPORTS, Options
from ejournal.reports.density import school_minimum
from ejournal.reports.destruction import destruction_act
from ejournal.reports.options import filter_options
from ejournal.reports.performance import preliminary_due
from ejournal.reports.scope import ReportFilter, resolve, ru_date
from ejournal.reports.summary import summary_sheet, summary_table
from ejournal.reports.table import Table, csv_bytes, text

from ..security import User, current_user, reading

REPORT_READERS = MATRIX["reports.read"]
SUMMARY_READERS = MATRIX["summary.read"]
ANY_READER = REPORT_READERS | SUMMARY_READERS
FIELDS = ("year", "period", "start", "end", "class", "course", "teacher")


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _param(request: Request, name: str, limit: int = 100) -> str:
    return str(request.query_params.get(name, "") or "").strip()[:limit]


def _filter(request: Request) -> ReportFilter:
    p = {name: _param(request, name) for name in FIELDS}
    return ReportFilter(p["year"], p["period"], p["start"], p["end"], p["class"], p["course"],
                        p["teacher"])  # fmt: skip


def _minimum(request: Request) -> int | None:
    text_value = _param(request, "minimum", 3)
    if not text_value:
        return None  # the school's (reports.configured)
    if not text_value.isdigit() or not 1 <= int(text_value) <= 50:
        raise RuleViolation("Минимум отметок — целое число от 1 до 50.")
    return int(text_value)


def _query(request: Request, *extra: str) -> str:
    keep = {k: _param(request, k) for k in (*FIELDS, *extra) if _param(request, k)}
    return urlencode(keep)


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    # RFC 6266 / 5987: an ASCII fallback name and the Cyrillic one in UTF-8.
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{_ascii(filename)}\"; "
                 f"filename*=UTF-8''{quote(filename)}"},
    )  # fmt: skip


def _ascii(name: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in ".-_") else "_" for ch in name)


def _report(request: Request, name: str) -> tuple[Table, dict[str, Any]]:
    report = REPORTS.get(name)
    if report is None:
        raise NotFound("Такого отчёта нет.")
    j = _journal(request)
    today = j.today()
    scope = resolve(j.db, _filter(request), today)
    table = report.build(j.db, scope, Options(today, _minimum(request), request.app.state.auth))
    options = filter_options(j.db, scope.year, scope.class_)
    due = preliminary_due(scope.period.end) if scope.period else ""
    context = {"report": report, "table": table, "scope": scope, "options": options,
               "due": ru_date(due), "show": text, "query": _query(request, "minimum"),
               "minimum": _param(request, "minimum", 3),
               "school_minimum": school_minimum(j.db)}  # fmt: skip
    return table, context


class ReportsController(Controller):
    """The /reports area."""

    path = "/reports"

    @get("/", opt={"roles": ANY_READER}, sync_to_thread=True)
    def index(self, request: Request) -> Template:
        user = _user(request)
        j = _journal(request)
        with reading(j):
            year = _param(request, "year")
            scope = resolve(j.db, ReportFilter(year=year), j.today())
            options = filter_options(j.db, scope.year)
        return Template("reports/index.html", context={
            "user": user, "reports": REPORTS.values(), "options": options, "year": scope.year,
            "may_report": bool(user.roles & REPORT_READERS),
        })  # fmt: skip

    @get("/control/{name:str}", opt={"roles": REPORT_READERS}, sync_to_thread=True)
    def page(self, request: Request, name: FromPath[str]) -> Template:
        j = _journal(request)
        with reading(j):
            _, context = _report(request, name)
        context["user"] = _user(request)
        partial = request.headers.get("hx-request") == "true"
        return Template("reports/_table.html" if partial else "reports/report.html",
                        context=context)  # fmt: skip

    @get("/control/{name:str}/csv", opt={"roles": REPORT_READERS}, sync_to_thread=True)
    def csv(self, request: Request, name: FromPath[str]) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            table, _ = _report(request, name)
        return _download(csv_bytes(table), "text/csv; charset=utf-8", f"{name}.csv")

    @get("/control/{name:str}/pdf", opt={"roles": REPORT_READERS}, sync_to_thread=True)
    def pdf(self, request: Request, name: FromPath[str]) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            table, _ = _report(request, name)
            printable = documents.report_document(j, table)
        # Rendering takes seconds: outside the journal's lock, so others' pages go on.
        return _download(printable.pdf(), "application/pdf", f"{name}.pdf")

    @get("/summary", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def summary(self, request: Request) -> Template:
        j = _journal(request)
        class_id = _param(request, "class")
        with reading(j):
            year = _param(request, "year")
            scope = resolve(j.db, ReportFilter(year=year), j.today())
            options = filter_options(j.db, scope.year)
            in_year = class_id in {c.value for c in options.classes}
            sheet = summary_sheet(j.db, class_id) if in_year else None
        return Template("reports/summary.html", context={
            "user": _user(request), "sheet": sheet, "options": options, "year": scope.year,
            "class_id": class_id, "query": urlencode({"class": class_id}),
        })  # fmt: skip

    @get("/summary/csv", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def summary_csv(self, request: Request) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            sheet = summary_sheet(j.db, _param(request, "class"))
        return _download(csv_bytes(summary_table(sheet)), "text/csv; charset=utf-8",
                         f"Сводная ведомость {sheet.class_name}.csv")  # fmt: skip

    @get("/summary/pdf", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def summary_pdf(self, request: Request) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            sheet = summary_sheet(j.db, _param(request, "class"))
            printable = documents.summary_document(j, sheet.class_)
        return _download(
            printable.pdf(), "application/pdf", f"Сводная ведомость {sheet.class_name}.pdf"
        )

    @get("/journal/pdf", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def journal_pdf(self, request: Request) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            sheet = summary_sheet(j.db, _param(request, "class"))
            register = _param(request, "register", 30)
            printable = documents.class_journal_document(j, sheet.class_, register)
        return _download(
            printable.pdf(), "application/pdf", f"Классный журнал {sheet.class_name}.pdf"
        )

    @get("/destruction", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def destruction(self, request: Request) -> Template:
        j = _journal(request)
        with reading(j):
            act = destruction_act(j.db, j.today())
        return Template("reports/destruction.html",
                        context={"user": _user(request), "act": act, "ru": ru_date})  # fmt: skip

    @get("/destruction/pdf", opt={"roles": SUMMARY_READERS}, sync_to_thread=True)
    def destruction_pdf(self, request: Request) -> Response[bytes]:
        j = _journal(request)
        with reading(j):
            printable = documents.destruction_document(j, j.today())
        return _download(printable.pdf(), "application/pdf", "Акт об уничтожении журналов.pdf")
