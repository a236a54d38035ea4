"""What the administration pages share: who may open each area (from the access matrix), reading
a form's fields strictly with Russian messages, and running a command from a form: on success
back to the page (303), on a refusal the page again with the message beside the form (422)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date as _date
from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.log.entry import format_time
from ejournal.model.access import MATRIX
from ejournal.model.errors import JournalError, NotFound, RuleViolation

from ..security import User, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
FormData = Annotated[dict[str, Any], Form]

# Who opens which area (R-SEC-1): the pages follow the matrix the commands enforce.
ADMIN_AREA = frozenset({"admin", "director", "deputy", "secretary"})
STRUCTURE = MATRIX["structure.edit"]
PEOPLE = MATRIX["people.edit"]
ROLE_GRANTERS = MATRIX["roles.grant"]
SECURITY = MATRIX["security.compromise"]
REMARKS = MATRIX["control.remark"]
NO_STORE = {"Cache-Control": "no-store"}
_INT = re.compile(r"^(0|[1-9][0-9]{0,5})$")


def journal_of(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def user_of(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


class Fields:
    """The fields of a submitted form, read strictly: each getter raises RuleViolation with
    the field's label in a Russian message."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def raw(self, name: str) -> str:
        value = self.data.get(name, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return str(value)

    def text(self, name: str, label: str, *, limit: int = 100, required: bool = True) -> str:
        value = " ".join(self.raw(name).split())
        if required and not value:
            raise RuleViolation(f"«{label}»: заполните поле.")
        if len(value) > limit:
            raise RuleViolation(f"«{label}»: не длиннее {limit} знаков.")
        return value

    def long_text(self, name: str, label: str, *, limit: int = 2000) -> str:
        value = self.raw(name).strip()
        if not value:
            raise RuleViolation(f"«{label}»: заполните поле.")
        if len(value) > limit:
            raise RuleViolation(f"«{label}»: не длиннее {limit} знаков.")
        return value

    def integer(self, name: str, label: str, low: int, high: int) -> int:
        value = self.raw(name).strip()
        if not _INT.match(value) or not low <= int(value) <= high:
            raise RuleViolation(f"«{label}»: целое число от {low} до {high}.")
        return int(value)

    def integers(self, name: str, label: str, low: int, high: int) -> list[int]:
        found = []
        for value in self.many(name):
            if not _INT.match(value) or not low <= int(value) <= high:
                raise RuleViolation(f"«{label}»: числа от {low} до {high}.")
            found.append(int(value))
        return sorted(set(found))

    def day(self, name: str, label: str) -> str:
        value = self.raw(name).strip()
        try:
            if len(value) != 10:
                raise ValueError(value)
            return _date.fromisoformat(value).isoformat()
        except ValueError:
            raise RuleViolation(f"«{label}»: дата в виде ГГГГ-ММ-ДД.") from None

    def moment(self, name: str, label: str, j: Journal) -> str | None:
        """A local date and time (``datetime-local``) as a log time in the school's offset;
        None when left empty."""
        value = self.raw(name).strip()
        if not value:
            return None
        try:
            if len(value) > 19:
                raise ValueError(value)
            local = datetime.fromisoformat(value)
        except ValueError:
            raise RuleViolation(f"«{label}»: дата и время в виде ГГГГ-ММ-ДД ЧЧ:ММ.") from None
        if local.tzinfo is not None:
            raise RuleViolation(f"«{label}»: дата и время в виде ГГГГ-ММ-ДД ЧЧ:ММ.")
        return format_time(local.replace(tzinfo=j.now().tzinfo))

    def choice(self, name: str, label: str, options: Collection[str]) -> str:
        value = self.raw(name)
        if value not in options:
            raise RuleViolation(f"«{label}»: выберите значение из списка.")
        return value

    def many(self, name: str) -> list[str]:
        value = self.data.get(name, [])
        return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v)]

    def flag(self, name: str) -> bool:
        return self.raw(name) in ("1", "on", "yes", "true")


Page = Callable[[Journal, User], dict[str, Any]]


def render(request: Request, template: str, page: Page, **extra: Any) -> Template:
    """An area's page: its context read under the journal's lock, plus ``extra``."""
    j, user = journal_of(request), user_of(request)
    with reading(j):
        context = page(j, user)
    done = request.query_params.get("done", "")
    return Template(
        template,
        context={
            "user": user,
            "error": "",
            "error_for": "",
            "form": {},
            "done": done,
            **context,
            **extra,
        },
    )


def act(
    request: Request,
    data: dict[str, Any],
    *,
    form: str,
    template: str,
    page: Page,
    action: Callable[[Journal, User, Fields], object],
    back: str,
) -> Response[Any]:
    """Run a command from the form named ``form``; back to ``back`` with ``done=form``.

    A refusal by the rules (or bad input) shows the page again, status 422, with the message
    beside that form and what was typed kept; a permission refusal (403) and an unknown object
    (404) go to the app's error pages. Nothing is written on a refusal: the commands check
    everything before they record.
    """
    j, user = journal_of(request), user_of(request)
    with reading(j):
        try:
            action(j, user, Fields(data))
        except NotFound:
            raise
        except JournalError as e:
            if e.code == "permission_denied":
                raise
            context = page(j, user)
            kept = {k: v for k, v in data.items() if k != "csrf"}
            return Template(
                template,
                context={
                    "user": user,
                    "done": "",
                    **context,
                    "error": e.message_ru,
                    "error_for": form,
                    "form": kept,
                },
                status_code=422,
            )
    sep = "&" if "?" in back else "?"
    return Redirect(f"{back}{sep}done={form}", status_code=303)


def chosen(value: str | None, options: Collection[str], default: str = "") -> str:
    """A page's selection from its query (a year, a class): one of ``options`` or the default."""
    return value if value in options else default
