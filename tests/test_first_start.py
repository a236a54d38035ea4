"""A real school's first start (issue #10; R-STR-1, R-SEC-1, R-SEC-2): `ejournal init` with
flags or answers, INN and OGRN checked, the first administrator with a one-time password;
then, in Chromium over the school's https, the administrator signs in with that password and
is made to change it before anything else."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
from browser import screenshot
from click.testing import CliRunner, Result
from https_site import https_server, launch_pinned

from ejournal.cli import main
from ejournal.first_start import SetupError, parse_schemes
from ejournal.identifiers import IdentifierError, check_inn, check_ogrn
from ejournal.journal import Journal
from ejournal.tls import server_certificate, spki_sha256, tls_files
from web import create_app

pytest_plugins = ["browser"]

SCHOOL = [
    "--school-name", "МБОУ «Средняя общеобразовательная школа № 7»", "--short-name", "СОШ № 7",
    "--inn", "7707083893", "--ogrn", "1027700132195", "--timezone", "Asia/Krasnoyarsk",
    "--year", "2026/2027", "--periods", "1-9:quarters,10-11:halves",
    "--admin-name", "Соколов Андрей Викторович", "--admin-login", "sokolov",
]  # fmt: skip
PASSWORD = re.compile(r"one-time password: (\S+)")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="ejournal", input=input)


def test_inn_and_ogrn_check_digits() -> None:
    assert check_inn(" 7707083893 ") == "7707083893"
    assert check_ogrn("1027700132195") == "1027700132195"
    for bad in ("7707083894", "770708389", "77070838931", "77O7083893"):
        with pytest.raises(IdentifierError):
            check_inn(bad)
    for bad in ("1027700132196", "102770013219", "0027700132195"):
        with pytest.raises(IdentifierError):
            check_ogrn(bad)


def test_period_schemes_per_grades() -> None:
    schemes = parse_schemes("1-9:quarters,10-11:halves")
    assert [(s.kind, s.grades) for s in schemes] == [
        ("quarter", tuple(range(1, 10))), ("half", (10, 11)),
    ]  # fmt: skip
    assert parse_schemes("trimesters")[0].grades == tuple(range(1, 12))
    for bad in ("1-9:quarters", "1-9:quarters,9-11:halves", "weeks"):
        with pytest.raises(SetupError):
            parse_schemes(bad)


def test_init_with_flags_records_the_school_year_and_admin(tmp_path: Path) -> None:
    data = tmp_path / "school"
    result = run("init", str(data), *SCHOOL)
    assert result.exit_code == 0, result.output
    assert "login:                      sokolov" in result.output
    assert PASSWORD.search(result.output)
    # the root key notice, in both languages
    assert "скопируйте его на флешку" in result.output and "flash drive" in result.output
    assert stat.S_IMODE((data / "keys" / "root.key").stat().st_mode) == 0o600
    assert (data / "FORMAT").read_text() == "ejournal data directory format 2\n"
    with Journal.open(data) as j:
        school = j.db.execute("SELECT name, short_name, inn, ogrn, timezone FROM school").fetchone()
        assert school == ("МБОУ «Средняя общеобразовательная школа № 7»", "СОШ № 7",
                          "7707083893", "1027700132195", "Asia/Krasnoyarsk")  # fmt: skip
        assert j.db.execute("SELECT year, start, end FROM years").fetchall() == [
            ("2026/2027", "2026-09-01", "2027-05-25")
        ]
        kinds = j.db.execute("SELECT kind, count(*) FROM periods GROUP BY kind ORDER BY kind")
        assert kinds.fetchall() == [("half", 2), ("quarter", 4)]
        admin = j.db.execute("SELECT person FROM roles WHERE role = 'admin'").fetchall()
        assert len(admin) == 1
    keys = run("keys", str(data))
    assert keys.exit_code == 0
    assert "STILL ON THIS SERVER" in keys.output and "(this device)" in keys.output


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--inn", "7707083894", "check digit should be 3"),
        ("--ogrn", "1027700132196", "check digit should be 5"),
        ("--year", "2026/2028", "2026/2027"),
        ("--periods", "1-9:quarters", "no periods for grades [10, 11]"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_created(
    tmp_path: Path, flag: str, value: str, message: str
) -> None:
    args = list(SCHOOL)
    args[args.index(flag) + 1] = value
    result = run("init", str(tmp_path / "school"), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "school").exists()


def test_init_asks_at_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ejournal.cli_setup._interactive", lambda: True)
    answers = "\n".join([
        "МБОУ «Школа № 3»", "Школа № 3", "", "", "Europe/Moscow", "2026/2027", "", "",
        "trimesters", "Петрова Анна Ивановна", "",
    ]) + "\n"  # fmt: skip
    result = run("init", str(tmp_path / "school"), input=answers)
    assert result.exit_code == 0, result.output
    assert "ИНН (10 цифр" in result.output and PASSWORD.search(result.output)
    with Journal.open(tmp_path / "school") as j:
        assert j.db.execute("SELECT count(*) FROM periods WHERE kind = 'trimester'").fetchone() == (
            3,
        )


def test_init_without_a_terminal_or_flags_makes_the_bare_directory(tmp_path: Path) -> None:
    result = run("init", str(tmp_path / "school"))
    assert result.exit_code == 0 and "one-time password" not in result.output
    assert not (tmp_path / "school" / "auth.sqlite").exists()


def test_first_admin_signs_in_over_https_and_must_change_the_password(
    tmp_path: Path, chromium: Any
) -> None:
    # R-SEC-2: the printed one-time password works once, and only to set one's own.
    data = tmp_path / "school"
    password = PASSWORD.search(run("init", str(data), *SCHOOL).output).group(1)  # type: ignore[union-attr]
    assert run("tls", str(data), "--host", "journal.school.local").exit_code == 0
    pin = spki_sha256(server_certificate(tls_files(data)))
    with https_server(create_app(data), data) as url:
        browser = launch_pinned(chromium.browser_type, pin)
        try:
            page = browser.new_page()
            page.goto(url + "/login")
            page.get_by_label("Логин").fill("sokolov")
            page.get_by_label("Пароль").fill(password)
            page.get_by_role("button", name="Войти").click()
            page.wait_for_url("**/password")
            assert "Вам выдан временный пароль" in page.content()
            [cookie] = page.context.cookies()
            assert cookie["secure"] and cookie["httpOnly"]
            page.goto(url + "/admin/import")  # nothing else until the password is changed
            assert page.url.endswith("/password")
            screenshot(page, "first-start-password")
            page.get_by_label("Текущий пароль").fill(password)
            page.get_by_label("Новый пароль (не короче 8 символов)").fill("сосна-берёза-42")
            page.get_by_label("Новый пароль ещё раз").fill("сосна-берёза-42")
            page.get_by_role("button", name="Сохранить пароль").click()
            page.wait_for_url("**/?changed=1")
            assert "Пароль изменён" in page.content()
            page.get_by_role("link", name="Списки").click()
            page.wait_for_url("**/admin/import")
            assert "Загрузка списков из таблиц" in page.content()
            screenshot(page, "first-start-import")
        finally:
            browser.close()
