"""Archive packages of the demo school, through the command line: two closed years sealed,
verified alone and as a chain, valid BagIt bags, checked by the one-file verifier; the
retention register and its act of destruction (R-ARC-1..3)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import bagit
import pytest
from archive_fixture import PURE_PYTHON, run_main, run_onefile
from click.testing import CliRunner

from archive_tools import verify_package as vp
from archive_tools.cli import archive
from ejournal.cli import main
from ejournal.demo import DemoOptions, build_demo

pytest_plugins = ["archive_fixture"]
YEARS = ["2024/2025", "2025/2026"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """A small demo school with two closed years, both sealed with `ejournal archive seal`."""
    path = tmp_path_factory.mktemp("demo") / "school"
    build_demo(path, DemoOptions(students=11, years=3, seed=3, today=date(2026, 11, 15)))
    runner = CliRunner()
    listed = runner.invoke(main, ["archive", "years", str(path)])
    assert listed.exit_code == 0 and listed.output.split() == YEARS
    out = path / "archive" / "packages"
    packages = []
    for year in YEARS:
        done = runner.invoke(
            main,
            ["archive", "seal", str(path), "--year", year, "--out", str(out), "--no-documents"],
        )  # the documents: tests/test_archive_documents.py (a journal PDF per class is slow)
        assert done.exit_code == 0, done.output
        assert "verified: OK" in done.output
        packages.append(out / f"{done.output.split('sealed ')[1].split(':')[0].split('/')[-1]}")
    return path, packages


def test_two_years_seal_verify_and_chain(demo: tuple[Path, list[Path]]) -> None:
    _, (first, second) = demo
    for pkg in (first, second):
        bagit.Bag(str(pkg)).validate()
    runner = CliRunner()
    both = runner.invoke(archive, ["verify", str(first), str(second), "--json"])
    assert both.exit_code == 0, both.output
    reports = json.loads(both.output)["packages"]
    (f1,), (f2,) = reports[0]["feeds"], reports[1]["feeds"]
    assert f1["start"] == 0 and f2["start"] == f1["end"]  # consecutive years tile the feed
    assert f2["start_checkpoint"] == f1["end_checkpoint"]
    assert any("chained to the previous package" in fact for fact in reports[1]["facts"])
    previous = runner.invoke(archive, ["verify", str(second), "--previous", str(first)])
    assert previous.exit_code == 0, previous.output
    # The wrong way round: the later year's end is not where the earlier one starts.
    wrong = runner.invoke(archive, ["verify", str(second), str(first)])
    assert wrong.exit_code == 1 and "FAIL [chain]" in wrong.output


def test_the_second_year_carries_what_it_needs_with_proofs(demo: tuple[Path, list[Path]]) -> None:
    _, (_, second) = demo
    (feed,) = (second / "data" / "feeds").iterdir()
    context = [json.loads(x) for x in (feed / "context.jsonl").read_text().splitlines()]
    types = {json.loads(c["line"])["type"] for c in context}
    # Its keys, the school, subjects and people came before the year: carried with proofs.
    assert {"key.certify", "school.configured", "subject.defined", "person.registered"} <= types
    desc = json.loads((second / "data" / "package.json").read_text())
    assert all(c["seq"] < desc["feeds"][0]["start"] for c in context)
    assert len(desc["summary"]) == 10  # one class a grade; grades 2–11 have marks, 1 has none


def test_the_one_file_verifier_checks_the_chain_alone(
    demo: tuple[Path, list[Path]], crypto_python: list[str]
) -> None:
    _, (first, second) = demo
    done = run_main(
        crypto_python, str(first), str(second), verifier=second / "data" / "verify_package.py"
    )
    assert done.returncode == 0, done.stdout
    assert "chained to the previous package" in done.stdout
    (pure,) = run_onefile(PURE_PYTHON, [second])
    assert pure["ok"], pure["report"]


def test_seal_needs_the_root_key_and_a_closed_year(
    demo: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    path, _ = demo
    runner = CliRunner()
    missing = runner.invoke(
        archive,
        [
            "seal",
            str(path),
            "--year",
            "2025/2026",
            "--out",
            str(tmp_path),
            "--root-key",
            str(tmp_path / "root.key"),
        ],
    )
    assert missing.exit_code == 2 and "flash drive" in missing.output
    open_year = runner.invoke(
        archive, ["seal", str(path), "--year", "2026/2027", "--out", str(tmp_path)]
    )
    assert open_year.exit_code == 2 and "not closed" in open_year.output
    again = runner.invoke(
        archive,
        ["seal", str(path), "--year", "2025/2026", "--out", str(path / "archive" / "packages")],
    )
    assert again.exit_code == 2 and "never overwritten" in again.output


def test_retention_register_and_act_of_destruction(
    demo: tuple[Path, list[Path]], tmp_path: Path
) -> None:  # R-ARC-1, R-ARC-2
    path, _ = demo
    runner = CliRunner()
    now = runner.invoke(archive, ["register", str(path), "--today", "2026-12-01"])
    assert now.exit_code == 0
    assert "2024/2025  2050-08-31  хранится" in now.output  # 25 years from 31 August 2025
    assert "2025/2026  2051-08-31  хранится" in now.output
    act = tmp_path / "act.html"
    later = runner.invoke(
        archive, ["register", str(path), "--today", "2050-09-01", "--html", str(act)]
    )
    assert "2024/2025  2050-08-31  срок истёк" in later.output
    assert "(1 items past term)" in later.output
    text = act.read_text(encoding="utf-8")
    assert "Акт о выделении к уничтожению" in text and "2024/2025" in text
    assert "2025/2026" not in text


def test_printed_journals_are_kept_five_years(tmp_path: Path) -> None:  # R-ARC-2
    from archive_tools.register import holdings, render_register

    bag = tmp_path / "packages" / "p"
    (bag / "data").mkdir(parents=True)
    desc = {
        "year": "2025/2026",
        "school": {"name": "x"},
        "documents": ["documents/journals/5A.pdf", "documents/summary/5A.pdf"],
    }
    (bag / "data" / "package.json").write_text(json.dumps(desc))
    items = holdings(tmp_path / "packages")
    assert [(h.kind, h.keep_until.isoformat()) for h in items] == [
        ("package", "2051-08-31"),
        ("journal", "2031-08-31"),
    ]
    assert "2031-08-31  срок истёк  Классный журнал 5A" in render_register(items, date(2031, 9, 1))


def test_verify_html_report(demo: tuple[Path, list[Path]], tmp_path: Path) -> None:
    _, (first, _) = demo
    html = tmp_path / "report.html"
    done = CliRunner().invoke(archive, ["verify", str(first), "--html", str(html)])
    assert done.exit_code == 0
    page = html.read_text(encoding="utf-8")
    assert "Пакет цел и подлинен" in page and vp.TOOL not in page
