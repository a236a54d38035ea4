"""The archivist's page (R-ARC-3, issue #8): the archive packages the school holds, and the
verification report of the one chosen, made by the archive verifier (archive_tools)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from archive_tools import verify_package as vp
from archive_tools.verify import verify_packages
from ejournal.model.access import MATRIX

from ..security import current_user

ARCHIVE_READERS = MATRIX["archive.read"]


def packages_dir(request: Request) -> Path:
    """Where the school keeps its packages: DATA_DIR/archive/packages."""
    return Path(request.app.state.journal.data_dir.path) / "archive" / "packages"


def _packages(folder: Path) -> list[dict[str, str]]:
    out = []
    for bag in sorted(folder.iterdir()) if folder.is_dir() else ():
        desc = bag / "data" / "package.json"
        if not desc.is_file():
            continue
        try:
            info = json.loads(desc.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        out.append(
            {
                "name": bag.name,
                "year": str(info.get("year", "?")),
                "school": str(info.get("school", {}).get("name", "")),
                "sealed": str(info.get("sealed", "")),
            }
        )
    return out


class ArchiveController(Controller):
    path = "/archive"

    @get("/", opt={"roles": ARCHIVE_READERS}, sync_to_thread=True)
    def index(self, request: Request) -> Response[Any]:
        folder = packages_dir(request)
        return Template(
            "archive/index.html",
            context={
                "user": current_user(request),
                "packages": _packages(folder),
                "folder": str(folder),
            },
        )

    @get("/{name:str}", opt={"roles": ARCHIVE_READERS}, sync_to_thread=True)
    def report(self, request: Request, name: str) -> Response[Any]:
        folder = packages_dir(request)
        known = {p["name"] for p in _packages(folder)}
        if name not in known:  # only a package listed here, never a path
            raise NotFoundException()
        reports = verify_packages([str(folder / name)])
        return Template(
            "archive/report.html",
            context={
                "user": current_user(request),
                "name": name,
                "ok": all(r.ok for r in reports),
                "report_html": vp.render_html_body(reports),
            },
        )
