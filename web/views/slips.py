"""The printable slip of a login and its one-time password (R-SEC-2): shown once, right after
issuing, never cached; one slip per page when printed."""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from litestar.response import Template

from ejournal.auth.issue import Issued

from .admin_forms import NO_STORE, user_of


@dataclass(frozen=True, slots=True)
class Slip:
    title: str  # the person, or the family («Семья ученика: Иванов Артём, 5А»)
    subtitle: str
    logins: tuple[Issued, ...]


def sign_in_address(request: Request) -> str:
    """Where to sign in, as the person issuing reached the journal."""
    return str(request.base_url).rstrip("/") + "/login"


def slips_page(
    request: Request, title: str, slips: list[Slip], back: str, skipped: list[str] | None = None
) -> Template:
    return Template(
        "admin/slips.html",
        context={
            "user": user_of(request),
            "title": title,
            "slips": slips,
            "back": back,
            "address": sign_in_address(request),
            "skipped": skipped or [],
        },
        headers=NO_STORE,
    )
