"""The retention register (R-ARC-2, R-ARC-1): which archive packages and printed class journals
the school holds, until when each is kept, and the act of destruction for those past term.

Terms run from the end of the school year (31 August of its second calendar year): a year's
package with its summary sheets, 25 years (R-ARC-1); a printed class journal, 5 years (R-ARC-2);
printed journals are the package's ``data/documents/journals/*`` (docs/ARCHIVE.md §Register).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import ArchiveError

SUMMARY_YEARS, JOURNAL_YEARS = 25, 5


@dataclass(frozen=True)
class Holding:
    """One thing the school keeps: what, which year, where, until when."""

    kind: str  # "package" | "journal"
    title: str
    year: str
    location: str
    keep_until: date

    def expired(self, today: date) -> bool:
        return today > self.keep_until


def year_end(year: str) -> date:
    """31 August of the second calendar year of ``2025/2026``."""
    try:
        first, second = (int(x) for x in year.split("/"))
    except ValueError as e:
        raise ArchiveError(f"not a school year: {year!r}") from e
    if second != first + 1:
        raise ArchiveError(f"not a school year: {year!r}")
    return date(second, 8, 31)


def _plus_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def holdings(packages_dir: Path) -> list[Holding]:
    """Every package under ``packages_dir`` and every printed journal it holds."""
    if not packages_dir.is_dir():
        return []
    out: list[Holding] = []
    for bag in sorted(p for p in packages_dir.iterdir() if (p / "data/package.json").is_file()):
        desc = json.loads((bag / "data/package.json").read_text(encoding="utf-8"))
        year = desc["year"]
        end = year_end(year)
        school = desc.get("school", {}).get("name", "")
        out.append(
            Holding(
                "package",
                f"Архивный пакет {year}: электронный журнал и сводные ведомости ({school})",
                year,
                bag.name,
                _plus_years(end, SUMMARY_YEARS),
            )
        )
        for doc in desc.get("documents", []):
            if doc.startswith("documents/journals/"):
                out.append(
                    Holding(
                        "journal",
                        f"Классный журнал {Path(doc).stem} ({year})",
                        year,
                        f"{bag.name}/data/{doc}",
                        _plus_years(end, JOURNAL_YEARS),
                    )
                )
    return out


def render_register(items: list[Holding], today: date) -> str:
    lines = [f"Реестр хранения на {today.isoformat()}", ""]
    for h in items:
        state = "срок истёк" if h.expired(today) else "хранится"
        lines.append(f"{h.year}  {h.keep_until.isoformat()}  {state:<11} {h.title} [{h.location}]")
    if not items:
        lines.append("нет архивных пакетов")
    return "\n".join(lines) + "\n"


def render_act(items: list[Holding], today: date, school: str = "") -> str:
    """The act of destruction (акт о выделении к уничтожению) of items past term, as HTML."""
    due = [h for h in items if h.expired(today)]
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(h.title)}</td><td>{html.escape(h.year)}</td>"
        f"<td>{h.keep_until.isoformat()}</td><td>{html.escape(h.location)}</td></tr>"
        for i, h in enumerate(due, 1)
    )
    body = (
        "<table><tr><th>№</th><th>документ</th><th>учебный год</th><th>хранить до</th>"
        f"<th>где</th></tr>{rows}</table>"
        if due
        else "<p>Документов с истёкшим сроком хранения нет.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='ru'><head><meta charset='utf-8'><title>Акт о выделении к "
        "уничтожению</title><style>body{font-family:serif;max-width:50em;margin:auto}"
        "td,th{border:1px solid #000;padding:.2em .4em}table{border-collapse:collapse}</style>"
        f"</head><body><h1>Акт о выделении к уничтожению документов, не подлежащих хранению</h1>"
        f"<p>{html.escape(school)}</p><p>Дата: {today.isoformat()}</p>"
        "<p>Отобраны к уничтожению как не имеющие ценности и утратившие практическое значение "
        f"документы, срок хранения которых истёк:</p>{body}"
        "<p>Председатель комиссии ____________ &nbsp; Члены комиссии ____________ ____________"
        "</p><p>Утверждаю: директор ____________ &nbsp; М.П.</p></body></html>\n"
    )
