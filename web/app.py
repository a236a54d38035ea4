"""The app factory: the journal and the auth store opened once, controllers, templates, static
files and the pages errors become."""

from __future__ import annotations

import gc
import hashlib
import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ejournal.auth import AuthStore
from ejournal.journal import Journal
from ejournal.model.errors import JournalError, NotFound

from .compression import compression_config
from .security import (
    CsrfError,
    ForbiddenError,
    MustChangePasswordError,
    NotSignedInError,
    current_user,
    role_guard,
)
from .views.account import AccountController
from .views.admin import AdminController
from .views.admin_people import PeopleController
from .views.admin_schedule import ScheduleController
from .views.admin_security import SecurityController
from .views.admin_structure import StructureController
from .views.archive import ArchiveController
from .views.backups import BackupsController, ConflictsController
from .views.cells import register as register_cells
from .views.classes import ClassController
from .views.diary import DiaryController
from .views.distance_area import DISTANCE_CONTROLLERS
from .views.feeds import FeedsController, start_replication, stop_replication
from .views.home import HomeController
from .views.imports import ImportController
from .views.lesson import LessonController
from .views.logins import LoginsController
from .views.mail import MailController
from .views.marks import MarkController
from .views.messages import MessagesController
from .views.paper import PaperController
from .views.plan import PlanController
from .views.printing import PrintController
from .views.remarks import RemarksController
from .views.reports import ReportsController
from .views.teacher import TeacherController
from .views.tls import TlsController

HERE = Path(__file__).parent
# Administration (issue #4 item 5) and the class teacher's logins (item 4).
ADMIN_CONTROLLERS = (AdminController, StructureController, ScheduleController, PeopleController,
                     SecurityController, LoginsController)  # fmt: skip
# Static files are cached by browsers for a day (families on slow connections load the CSS and
# htmx once); the stylesheet's address carries a hash of its content, so a new version of the
# journal is picked up at once. htmx has its version in its file name.
STATIC_MAX_AGE = 86400
CSS_VERSION = hashlib.sha256((HERE / "static" / "app.css").read_bytes()).hexdigest()[:10]
log = logging.getLogger("ejournal.web")


def _template_engine(engine: Engine) -> None:
    """The grid's cell and mark macros written in Python, and the stylesheet's version."""
    register_cells(engine)
    engine.engine.globals.update(css_version=CSS_VERSION)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _page(request: Request, status: int, title: str, message: str) -> Response[Any]:
    template = "partials/error.html" if _is_htmx(request) else "error.html"
    return Template(
        template,
        context={"title": title, "message": message, "user": current_user(request)},
        status_code=status,
    )


def _not_signed_in(request: Request, _: Exception) -> Response[Any]:
    if _is_htmx(request):
        return Response("", status_code=401, headers={"HX-Redirect": "/login"})
    return Redirect("/login", status_code=303)


def _must_change(request: Request, _: Exception) -> Response[Any]:
    if _is_htmx(request):
        return Response("", status_code=403, headers={"HX-Redirect": "/password"})
    return Redirect("/password", status_code=303)


def _forbidden(request: Request, _: Exception) -> Response[Any]:
    return _page(request, 403, "Доступ закрыт", "Этот раздел недоступен для вашей роли.")


def _csrf(request: Request, _: Exception) -> Response[Any]:
    return _page(
        request,
        403,
        "Запрос отклонён",
        "Форма устарела или отправлена не со страницы журнала. Обновите страницу и повторите.",
    )


def _journal_error(request: Request, exc: Exception) -> Response[Any]:
    assert isinstance(exc, JournalError)
    status = 404 if isinstance(exc, NotFound) else 403 if exc.code == "permission_denied" else 422
    return _page(request, status, "Действие не выполнено", exc.message_ru)


def _http_error(request: Request, exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    if isinstance(exc, NotFoundException) or exc.status_code == 404:
        return _page(request, 404, "Страница не найдена", "Такой страницы в журнале нет.")
    if exc.status_code == 405:
        return _page(request, 405, "Так нельзя", "Этот адрес не принимает такой запрос.")
    if exc.status_code < 500:
        return _page(request, exc.status_code, "Неверный запрос", "Данные формы не распознаны.")
    return _server_error(request, exc)


def _server_error(request: Request, exc: Exception) -> Response[Any]:
    log.exception("unexpected error on %s", request.url.path, exc_info=exc)
    return _page(
        request,
        500,
        "Ошибка сервера",
        "Что-то пошло не так. Запись не выполнена; попробуйте ещё раз или сообщите администратору.",
    )


def create_app(
    data_dir: Path,
    *,
    journal: Journal | None = None,
    auth: AuthStore | None = None,
    secure_cookies: bool = True,
) -> Litestar:
    """The web journal of one school.

    Args:
        data_dir: the school's data directory.
        journal: an already open journal (tests pass one with their clock); by default the
            app opens DATA_DIR at startup and closes it at shutdown.
        auth: an auth store (tests pass one with their clock); default DATA_DIR/auth.sqlite.
        secure_cookies: mark the session cookie Secure (browsers then send it over https and to
            http://localhost only); turn off only for a school network without TLS.
    """
    state: dict[str, Any] = {}

    def startup(app: Litestar) -> None:
        app.state.journal = journal or Journal.open(Path(data_dir))
        app.state.auth = auth or AuthStore.of(Path(data_dir))
        state["owned"] = journal is None
        if journal is None:  # serving a school (tests pass their own journal and keep the GC)
            # What the journal holds from opening (the log's tree of a large school: millions
            # of objects) lives until shutdown: keep the collector from rescanning it on every
            # full collection, a pause of tens of ms in the middle of a page.
            gc.collect()
            gc.freeze()

    def shutdown(app: Litestar) -> None:
        if app.state.get("mail_store") is not None:
            app.state.mail_store.close()
        if state.get("owned"):
            app.state.journal.close()
            app.state.auth.close()

    return Litestar(
        route_handlers=[
            AccountController,
            HomeController,
            TeacherController,
            LessonController,
            ClassController,
            *ADMIN_CONTROLLERS,
            FeedsController,
            BackupsController,
            ConflictsController,
            *DISTANCE_CONTROLLERS,
            ArchiveController,
            DiaryController,
            MessagesController,
            PaperController,
            MailController,
            ReportsController,
            ImportController,
            TlsController,
            MarkController,
            PlanController,
            PrintController,
            RemarksController,  # teacher (#4)
            create_static_files_router(
                cache_control=CacheControlHeader(max_age=STATIC_MAX_AGE),
                path="/static",
                directories=[HERE / "static"],
                opt={"roles": "public"},
                include_in_schema=False,
            ),
        ],
        guards=[role_guard],
        on_startup=[startup, start_replication],
        on_shutdown=[stop_replication, shutdown],
        plugins=[HTMXPlugin()],
        compression_config=compression_config(),  # text answers, brotli or gzip (#4)
        template_config=TemplateConfig(
            directory=HERE / "templates",
            engine=Engine,
            engine_callback=_template_engine,
        ),
        exception_handlers={
            NotSignedInError: _not_signed_in,
            MustChangePasswordError: _must_change,
            ForbiddenError: _forbidden,
            CsrfError: _csrf,
            JournalError: _journal_error,
            HTTPException: _http_error,
            Exception: _server_error,
        },
        state=State({"secure_cookies": secure_cookies}),
        openapi_config=None,
    )
