"""What the distance, test and portfolio pages share: form fields and uploaded files, the
roles they declare, local times, and which student a student or a parent looks at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from ejournal.journal import Journal
from ejournal.model.files import Upload
from ejournal.queries import distance as dq

from ..security import TEACHERS, ForbiddenError, User, current_user

Multipart = Body(media_type=RequestEncodingType.MULTI_PART)
Form = Body(media_type=RequestEncodingType.URL_ENCODED)
UPLOAD_BODY_MAX = 256 * 1024 * 1024  # the school's own limits are checked by the commands
STUDENTS = frozenset({"student", "parent"})
STAFF_REPORTS = frozenset({"deputy", "director", "admin"})
VIEWERS = STUDENTS | TEACHERS | STAFF_REPORTS  # who reads courses, assignments, portfolios


def journal_of(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def user_of(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def field(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return "" if isinstance(value, UploadFile) else str(value)


def fields(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v)]


def uploads(data: dict[str, Any], name: str = "files") -> list[Upload]:
    value = data.get(name, [])
    found = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, UploadFile) and (item.filename or ""):
            found.append(Upload(item.filename or "", item.file.read()))
    return found


def local(j: Journal, utc_text: str) -> str:
    """A UTC time of the projection as the school's local «16.11.2026 10:05»."""
    if not utc_text:
        return ""
    moment = datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone(j.now().tzinfo)
    return moment.strftime("%d.%m.%Y %H:%M")


def local_log(text: str) -> str:
    """A time in the log's format (its own offset) as «18.11.2026 18:00»."""
    return datetime.fromisoformat(text).strftime("%d.%m.%Y %H:%M") if text else ""


def child_of(j: Journal, user: User, student: str) -> str:
    """The student a student or parent looks at: themself, or a child of the parent."""
    today = j.today()
    if "student" in user.roles and student in ("", user.person):
        return user.person
    children = [c.person for c in dq.children_of(j.db, user.person, today)]
    if not student and children:
        return children[0]
    if student in children:
        return student
    raise ForbiddenError
