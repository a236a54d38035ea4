"""The app factory: the journal and the auth store opened once, controllers, templates, static
files and the pages errors become."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine as Engine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ejournal.auth import AuthStore
from ejournal.journal import Journal
from ejournal.model.errors import JournalError, NotFound

from .security import (
    CsrfError,
    ForbiddenError,
    MustChangePasswordError,
    NotSignedInError,
    current_user,
    role_guard,
)
from .views.account import AccountController
from .views.cells import register as register_cells
from .views.classes import ClassController
from .views.home import HomeController
from .views.lesson import LessonController
from .views.marks import MarkController
from .views.plan import PlanController
from .views.printing import PrintController
from .views.remarks import RemarksController
from .views.teacher import TeacherController

HERE = Path(__file__).parent
log = logging.getLogger("ejournal.web")


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

    def shutdown(app: Litestar) -> None:
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
            MarkController,
            PlanController,
            PrintController,
            RemarksController,  # teacher (#4)
            create_static_files_router(
                path="/static",
                directories=[HERE / "static"],
                opt={"roles": "public"},
                include_in_schema=False,
            ),
        ],
        guards=[role_guard],
        on_startup=[startup],
        on_shutdown=[shutdown],
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(
            directory=HERE / "templates", engine=Engine, engine_callback=register_cells
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
