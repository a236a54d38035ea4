"""The archivist's page (R-ARC-3): the packages the school holds and a package's report."""

from __future__ import annotations

import shutil

from archive_fixture import ArchiveYear, flip_byte
from web_fixture import Web

pytest_plugins = ["school", "web_fixture", "archive_fixture"]


def _install(web: Web, archive_year: ArchiveYear) -> str:
    folder = web.sch.j.data_dir.path / "archive" / "packages"
    folder.mkdir(parents=True)
    shutil.copytree(archive_year.package, folder / archive_year.package.name)
    return archive_year.package.name


def test_director_sees_the_packages_and_a_report(web: Web, archive_year: ArchiveYear) -> None:
    name = _install(web, archive_year)
    web.sign_in("director")
    page = web.client.get("/archive")
    assert page.status_code == 200
    assert f'href="/archive/{name}"' in page.text and "2026/2027" in page.text
    assert 'href="/archive">Архив</a>' in page.text
    report = web.client.get(f"/archive/{name}")
    assert report.status_code == 200
    assert "Пакет цел и подлинен" in report.text
    assert "witness.roo.example/test" in report.text


def test_a_damaged_package_shows_its_problems(web: Web, archive_year: ArchiveYear) -> None:
    name = _install(web, archive_year)
    folder = web.sch.j.data_dir.path / "archive" / "packages" / name
    flip_byte(folder / "data" / "summary" / f"{archive_year.ids.c5a}.csv")
    web.sign_in("director")
    report = web.client.get(f"/archive/{name}")
    assert "Найдены проблемы" in report.text and "fixity" in report.text
    assert f"data/summary/{archive_year.ids.c5a}.csv" in report.text


def test_others_may_not_and_only_listed_packages_open(web: Web, archive_year: ArchiveYear) -> None:
    name = _install(web, archive_year)
    web.sign_in("teacher")
    assert web.client.get("/archive").status_code == 403
    assert web.client.get(f"/archive/{name}").status_code == 403
    web.sign_in("director")
    assert web.client.get("/archive/keys").status_code == 404  # a folder, not a package
    assert web.client.get("/archive/no-such-package").status_code == 404
