"""The command line of a school's first start: ``ejournal init`` (asked, or from flags) and
``ejournal keys`` (issue #10)."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .cli import DATA_DIR, handle_errors
from .datadir import DataDir, init_data_dir

if TYPE_CHECKING:
    from .first_start import SchoolSetup


def _interactive() -> bool:
    return sys.stdin.isatty()


def _system_timezone() -> str:
    try:
        return Path("/etc/timezone").read_text(encoding="ascii").strip()
    except OSError:
        return ""


@click.command()
@DATA_DIR
@click.option("--school-name", help="Full official name, e.g. 'МБОУ «Средняя школа № 7»'.")
@click.option("--short-name", default="", help="Official short name, e.g. 'СШ № 7'.")
@click.option("--inn", default="", help="The school's ИНН (10 digits), if known.")
@click.option("--ogrn", default="", help="The school's ОГРН (13 digits), if known.")
@click.option("--timezone", default=None, help="e.g. Asia/Krasnoyarsk; default: this machine's.")
@click.option(
    "--year", default=None, help="The school year, e.g. 2026/2027; default: the coming one."
)
@click.option("--year-start", default=None, help="Its first day (YYYY-MM-DD); default 1 September.")
@click.option("--year-end", default=None, help="Its last day (YYYY-MM-DD); default 25 May.")
@click.option(
    "--periods",
    default="1-9:quarters,10-11:halves",
    show_default=True,
    help="quarters | halves | trimesters, or per grades: 1-9:quarters,10-11:halves.",
)
@click.option("--admin-name", default=None, help="The first administrator: 'Фамилия Имя Отчество'.")
@click.option("--admin-login", default="admin", show_default=True, help="Their login.")
@handle_errors
def init(data_dir: Path, school_name: str | None, **answers: str | None) -> None:
    """Create a school's data directory: keys, feed, and (when asked or given --school-name)
    the school, its year with periods and the first administrator with a one-time password.

    At a terminal with no --school-name it asks its questions; without a terminal and without
    --school-name it makes a bare data directory (keys and feed only). The school root PRIVATE
    key is written to DATA_DIR/keys/root.key: copy it to a flash drive and delete it here.
    """
    if school_name is None and _interactive():
        school_name = click.prompt("Полное название школы / full name of the school")
        answers = _ask(answers)
    if school_name is None:
        result = init_data_dir(data_dir)
        click.echo(f"Created the school data directory {data_dir}")
        click.echo(f"  device feed:      {result.feed_id}")
        click.echo(f"  school root key:  {result.root.vkey()}")
        _root_key_notice(result.data_dir.root_key)
        return
    from .first_start import first_start

    setup = _setup(school_name, answers)
    done = first_start(data_dir, setup)
    click.echo(f"Created the school data directory {data_dir}")
    click.echo(f"  school:           {setup.name}")
    click.echo(
        f"  school year:      {setup.year} ({setup.year_start} – {setup.year_end}), "
        f"{len(done.periods)} periods"
    )
    click.echo(f"  device feed:      {done.feed_id}")
    click.echo(f"  school root key:  {done.root_vkey}")
    _root_key_notice(done.root_key_file)
    click.echo("")
    click.echo("Первый администратор / the first administrator:")
    click.echo(f"  логин / login:                      {done.admin_login}")
    click.echo(f"  одноразовый пароль / one-time password: {done.password}")
    click.echo("Пароль нужно сменить при первом входе.")
    click.echo("The password must be changed at first sign-in.")


def _ask(answers: dict[str, str | None]) -> dict[str, str | None]:
    from .first_start import default_year

    year, start, end = default_year(date.today())
    asked = dict(answers)
    asked["short_name"] = click.prompt("Краткое название / short name", default="")
    asked["inn"] = click.prompt("ИНН (10 цифр, можно пропустить) / INN", default="")
    asked["ogrn"] = click.prompt("ОГРН (13 цифр, можно пропустить) / OGRN", default="")
    asked["timezone"] = click.prompt("Часовой пояс / time zone", default=_system_timezone())
    asked["year"] = click.prompt("Учебный год / school year", default=year)
    y0 = int(str(asked["year"]).split("/")[0]) if str(asked["year"])[:4].isdigit() else 0
    if y0:
        start, end = f"{y0}-09-01", f"{y0 + 1}-05-25"
    asked["year_start"] = click.prompt("Первый учебный день / first day", default=start)
    asked["year_end"] = click.prompt("Последний учебный день / last day", default=end)
    asked["periods"] = click.prompt(
        "Периоды / periods (quarters, halves, trimesters, 1-9:quarters,10-11:halves)",
        default=str(answers["periods"]),
    )
    asked["admin_name"] = click.prompt("ФИО администратора / administrator's full name")
    asked["admin_login"] = click.prompt("Логин администратора / login", default="admin")
    return asked


def _setup(name: str, a: dict[str, str | None]) -> SchoolSetup:
    from .first_start import SchoolSetup, default_year, parse_schemes

    year, start, end = default_year(date.today())
    if a.get("year"):
        year = str(a["year"])
        if year[:4].isdigit():
            y0 = int(year[:4])
            start, end = f"{y0}-09-01", f"{y0 + 1}-05-25"
    if not a.get("admin_name"):
        raise click.UsageError("--admin-name is required with --school-name")
    return SchoolSetup(
        name=name,
        short_name=str(a.get("short_name") or ""),
        inn=str(a.get("inn") or ""),
        ogrn=str(a.get("ogrn") or ""),
        timezone=str(a["timezone"]) if a.get("timezone") is not None else _system_timezone(),
        year=year,
        year_start=str(a.get("year_start") or start),
        year_end=str(a.get("year_end") or end),
        schemes=parse_schemes(str(a.get("periods") or "quarters")),
        admin_name=str(a["admin_name"]),
        admin_login=str(a.get("admin_login") or "admin"),
    )


def _root_key_notice(root_key: Path) -> None:
    click.echo("")
    click.echo(f"The school root PRIVATE key is in {root_key}.")
    click.echo(
        "Copy it to a flash drive kept in the director's safe, then delete it from this server."
    )
    click.echo("Закрытый корневой ключ школы записан в этот файл: скопируйте его на флешку,")
    click.echo("храните её в сейфе директора и удалите файл с сервера.")
    click.echo(
        "Write down the root key line above (or print it): it is what proves the archive authentic."
    )


@click.command()
@DATA_DIR
@handle_errors
def keys(data_dir: Path) -> None:
    """Show which keys are where in DATA_DIR and what each one certifies."""
    from .keyring import describe_keys

    dd = DataDir(data_dir).require()
    for line in describe_keys(dd):
        click.echo(line)
