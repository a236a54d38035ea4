"""Lists from spreadsheets (issue #10; R-STR-2, R-STR-7): /admin/import — upload a class list,
parents or staff (CSV or XLSX), see the preview with every problem, fix or skip rows, confirm;
and /admin/import/export/… — the same lists back (one area under /admin/import). For the
administrator and the secretary."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.contacts import ContactStore
from ejournal.imports import (
    FIELD_RU,
    FIELDS,
    KINDS,
    TableError,
    import_rows,
    list_rows,
    make_plan,
    to_csv,
    to_xlsx,
)
from ejournal.imports.export import history
from ejournal.imports.staging import Staged, discard, load, save, stage
from ejournal.journal import Journal

from ..security import User, current_user, reading

IMPORTERS = frozenset({"admin", "secretary"})
Form = Body(media_type=RequestEncodingType.URL_ENCODED)
Upload = Body(media_type=RequestEncodingType.MULTI_PART)
ACTIONS = {
    "new": "новый",
    "add": "добавить",
    "exists": "уже в журнале",
    "error": "есть замечания",
    "skipped": "пропущена",
}


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _start_page(request: Request, error: str = "", status: int = 200) -> Template:
    j = _journal(request)
    with reading(j):
        done = history(j.db)
    return Template(
        "imports/start.html",
        context={"user": _user(request), "kinds": KINDS, "history": done, "error": error},
        status_code=status,
    )


def _preview(request: Request, s: Staged, error: str = "", status: int = 200) -> Template:
    j = _journal(request)
    with reading(j):
        plan = make_plan(
            j.db,
            s.kind,
            s.rows(),
            today=j.today(),
            create_classes=s.create_classes,
            skip=frozenset(s.skip),
        )
    return Template(
        "imports/preview.html",
        context={
            "user": _user(request),
            "s": s,
            "plan": plan,
            "fields": FIELDS[s.kind],
            "field_ru": FIELD_RU,
            "actions": ACTIONS,
            "kind_ru": KINDS[s.kind],
            "error": error,
            "unknown_class": any(
                pr.code == "unknown_class" for p in plan.rows for pr in p.problems
            ),
        },
        status_code=status,
    )


class ImportController(Controller):
    """/admin/import, /admin/import/{token}, /admin/import/export/{kind}.{csv|xlsx}."""

    @get("/admin/import", opt={"roles": IMPORTERS}, sync_to_thread=True)
    def start(self, request: Request) -> Template:
        return _start_page(request)

    @post("/admin/import", opt={"roles": IMPORTERS}, sync_to_thread=True)
    def upload(self, request: Request, data: Annotated[dict[str, Any], Upload]) -> Response[Any]:
        upload = data.get("file")
        if upload is None or not hasattr(upload, "file") or not upload.filename:
            return _start_page(request, "Выберите файл со списком.", 422)
        try:
            staged = stage(
                _journal(request).data_dir.path,
                upload.filename,
                upload.file.read(),
                str(data.get("kind", "")),
            )
        except TableError as e:
            return _start_page(request, e.message_ru, 422)
        return Redirect(f"/admin/import/{staged.token}", status_code=303)

    @get("/admin/import/{token:str}", opt={"roles": IMPORTERS}, sync_to_thread=True)
    def preview(self, request: Request, token: FromPath[str]) -> Response[Any]:
        s = load(_journal(request).data_dir.path, token)
        if s is None:
            return _start_page(
                request, "Загрузка не найдена или устарела: загрузите файл снова.", 404
            )
        return _preview(request, s)

    @post("/admin/import/{token:str}", opt={"roles": IMPORTERS}, sync_to_thread=True)
    def fix_or_confirm(
        self, request: Request, token: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j = _journal(request)
        s = load(j.data_dir.path, token)
        if s is None:
            return _start_page(
                request, "Загрузка не найдена или устарела: загрузите файл снова.", 404
            )
        _apply_fixes(s, data)
        save(j.data_dir.path, s)
        if data.get("action") != "confirm":
            return Redirect(f"/admin/import/{token}", status_code=303)
        result = import_rows(
            j,
            _user(request).person,
            s.kind,
            s.rows(),
            source=s.source,
            sha256=s.sha256,
            create_classes=s.create_classes,
            skip=frozenset(s.skip),
        )
        discard(j.data_dir.path, token)
        return Template(
            "imports/done.html",
            context={"user": _user(request), "r": result.summary, "entries": result.entries,
                     "kind_ru": KINDS[s.kind]},
        )  # fmt: skip

    @get("/admin/import/export/{name:str}", opt={"roles": IMPORTERS}, sync_to_thread=True)
    def export(self, request: Request, name: FromPath[str]) -> Response[bytes]:
        kind, _, fmt = name.partition(".")
        if kind not in KINDS or fmt not in ("csv", "xlsx"):
            return Response(b"", status_code=404)
        j = _journal(request)
        store = ContactStore.of(j.data_dir.path)
        try:
            with reading(j):
                rows = list_rows(j.db, kind, j.today(), store.all())
        finally:
            store.close()
        body = to_xlsx(rows, KINDS[kind]) if fmt == "xlsx" else to_csv(rows)
        media = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if fmt == "xlsx"
            else "text/csv; charset=utf-8"
        )
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{kind}.{fmt}"'},
        )


def _apply_fixes(s: Staged, data: dict[str, Any]) -> None:
    """The operator's fixes from the preview form: ``r<line>.<field>`` values, ``skip``
    checkboxes (``s<line>``), and whether to create the missing classes."""
    for line, values in s.lines.items():
        for f in FIELDS[s.kind]:
            key = f"r{line}.{f}"
            if key in data:
                values[f] = str(data[key])[:200].strip()
    shown = {int(x) for x in str(data.get("shown", "")).split(",") if x.isdigit()}
    for line in shown & set(s.lines):
        if data.get(f"s{line}"):
            s.skip.add(line)
        else:
            s.skip.discard(line)
    if "classes_shown" in data:
        s.create_classes = bool(data.get("create_classes"))
