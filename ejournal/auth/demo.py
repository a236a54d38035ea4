"""Accounts for the demo school: every person with a role gets a login and a known password.

The people listed in ``demo-logins.txt`` (one per role, written by ``ejournal demo``) get short
logins named for their role; everyone else a transliterated name. Passwords are ``demo-<role>``
and need no change: this is a demo, never a real school.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..translit import TRANSLIT
from .store import AuthStore

DEMO_LOGINS = "demo-logins.txt"
DEMO_ACCOUNTS = "demo-accounts.txt"
# Roles in the order an account takes its password from (a teacher who is also deputy: deputy).
ROLE_ORDER = [
    "admin",
    "director",
    "deputy",
    "secretary",
    "archivist",
    "teacher",
    "parent",
    "student",
]
# The labels of demo-logins.txt → short logins.
FEATURED = [
    ("администратор", "admin"),
    ("директор", "director"),
    ("заместитель", "deputy"),
    ("секретарь", "secretary"),
    ("архивист", "archivist"),
    ("учитель начальных", "primary"),
    ("учитель", "teacher"),
    ("классный руководитель", "classteacher"),
    ("родитель", "parent"),
    ("ученик", "student"),
]
LINE = re.compile(r"^\s+(?P<label>.+?)\s+логин: (?P<person>\S+)(?:\s+(?P<name>.*))?$")


@dataclass(frozen=True, slots=True)
class DemoAccount:
    login: str
    password: str
    label: str  # the role as demo-logins.txt names it
    name: str


def translit(text: str) -> str:
    out = "".join(TRANSLIT.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]", "", out.replace("-", ""))


def featured_logins(data_dir: Path) -> list[tuple[str, str, str]]:
    """(label, person, name) of every line of DATA_DIR/demo-logins.txt."""
    path = Path(data_dir) / DEMO_LOGINS
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = LINE.match(line)
        if m:
            found.append((m["label"], m["person"], m["name"] or ""))
    return found


def _short(label: str) -> str:
    for prefix, login in FEATURED:
        if label.startswith(prefix):
            return login
    return "user"


def seed_demo_accounts(data_dir: Path) -> list[DemoAccount]:
    """Give every person with a role in the demo school an account; list the featured ones.

    Also writes DATA_DIR/demo-accounts.txt with the featured logins and passwords.
    """
    data_dir = Path(data_dir)
    db = sqlite3.connect(f"file:{data_dir / 'journal.sqlite'}?mode=ro", uri=True)
    try:
        roles: dict[str, set[str]] = {}
        for person, role in db.execute("SELECT DISTINCT person, role FROM roles"):
            roles.setdefault(person, set()).add(role)
        names = {
            p: (last or "", first or "")
            for p, last, first in db.execute("SELECT person, last_name, first_name FROM persons")
        }
    finally:
        db.close()
    used: set[str] = set()
    accounts: list[tuple[str, str, str]] = []
    shown: list[DemoAccount] = []
    for label, person, name in featured_logins(data_dir):
        login = _unique(_short(label), used)
        password = f"demo-{login}"
        accounts.append((person, login, password))
        shown.append(DemoAccount(login, password, label, name))
    done = {a[0] for a in accounts}
    for person in sorted(roles):
        if person in done:
            continue
        last, first = names.get(person, ("", ""))
        base = translit(last) + ("." + translit(first)[:1] if first else "") or "user"
        role = next(r for r in ROLE_ORDER + sorted(roles[person]) if r in roles[person])
        accounts.append((person, _unique(base, used), f"demo-{role}"))
    store = AuthStore.of(data_dir)
    try:
        store.set_passwords(accounts)
    finally:
        store.close()
    lines = [f"  {a.login:<14} пароль: {a.password:<20} {a.label}  {a.name}" for a in shown]
    (data_dir / DEMO_ACCOUNTS).write_text(
        "Вход в демонстрационную школу (логин, пароль, роль):\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    return shown


def _unique(base: str, used: set[str]) -> str:
    login, n = base, 1
    while login in used:
        n += 1
        login = f"{base}{n}"
    used.add(login)
    return login
