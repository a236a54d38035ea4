"""The demo school's accounts: the people of demo-logins.txt get role logins and known
passwords; everyone with a role gets an account."""

from __future__ import annotations

from pathlib import Path

from ejournal.auth import AuthStore
from ejournal.auth.demo import DEMO_ACCOUNTS, featured_logins, seed_demo_accounts, translit

pytest_plugins = ["school"]


def test_translit_gives_readable_latin_logins() -> None:
    assert translit("Щукина") == "shchukina"
    assert translit("Ёлкин-Подъячев") == "elkinpodyachev"


def test_seed_demo_accounts(sch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = sch.j.data_dir.path
    i = sch.ids
    (path / "demo-logins.txt").write_text(
        "Demo logins:\n"
        f"  администратор  логин: {i.admin}  Администраторов\n"
        f"  учитель (алгебра, математика)  логин: {i.math_teacher}  Учитель\n"
        f"  ученик 5А  логин: {i.students_5a[0]}  Ученик\n",
        encoding="utf-8",
    )
    assert len(featured_logins(path)) == 3
    shown = seed_demo_accounts(path)
    assert [a.login for a in shown] == ["admin", "teacher", "student"]
    assert "demo-teacher" in (path / DEMO_ACCOUNTS).read_text(encoding="utf-8")
    store = AuthStore.of(path)
    try:
        assert store.verify_login("teacher", "demo-teacher") == i.math_teacher
        assert store.verify_login("student", "demo-student") == i.students_5a[0]
        assert store.login_of(i.deputy)  # everyone with a role has an account
        assert store.verify_login(store.login_of(i.deputy) or "", "demo-deputy") == i.deputy
    finally:
        store.close()
