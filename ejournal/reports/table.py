"""The table every report is: typed columns, rows and a totals row, and its CSV form.

A report is a query that returns a :class:`Table`; the web page, the CSV download and the
printed PDF are three renderings of the same table, so the figures cannot differ between them.

CSV (decided for Russian spreadsheets): UTF-8 with a byte-order mark, so that Excel on Windows
opens Cyrillic correctly; ``;`` as the separator, because Russian Excel uses the comma as the
decimal separator and expects ``;`` between fields; decimal numbers written with a comma;
CRLF line ends (RFC 4180). LibreOffice reads the same file when asked for ``;``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

Value = str | int | float | None

CSV_SEPARATOR = ";"
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: a key for code and tests, a Russian title, and how its values read."""

    key: str
    title: str
    numeric: bool = False  # right-aligned; floats are written with one or two decimals
    percent: bool = False  # a share in per cent (shown with «%»)


@dataclass(frozen=True, slots=True)
class Table:
    """A report's result.

    Attributes:
        title: what the report is («Накопляемость отметок»).
        subtitle: its scope in words («2026/2027, 1 четверть, 5А»).
        columns: the columns, in order.
        rows: one tuple of values per row, in the order of ``columns``.
        totals: the totals row (same shape), or None.
        notes: what the reader should know: definitions, what is not counted yet.
        preliminary: computed before the period's end on current marks and forecasts
            (R-CTL-3); every rendering says so.
    """

    title: str
    subtitle: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]
    totals: tuple[Value, ...] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    preliminary: bool = False

    def index(self, key: str) -> int:
        """The position of the column named ``key``.

        Raises:
            KeyError: no such column.
        """
        for i, column in enumerate(self.columns):
            if column.key == key:
                return i
        raise KeyError(key)

    def column(self, key: str) -> list[Value]:
        """The values of one column, row by row (totals excluded)."""
        i = self.index(key)
        return [row[i] for row in self.rows]

    def row_by(self, key: str, value: Value) -> dict[str, Value]:
        """The first row whose column ``key`` holds ``value``, as {column key: value}.

        Raises:
            KeyError: no such row.
        """
        i = self.index(key)
        for row in self.rows:
            if row[i] == value:
                return {c.key: v for c, v in zip(self.columns, row, strict=True)}
        raise KeyError(value)

    def total(self, key: str) -> Value:
        assert self.totals is not None, "this table has no totals row"
        return self.totals[self.index(key)]


PERCENT = Column("", "", numeric=True, percent=True)


def text(value: Value, column: Column | None = None) -> str:
    """A value as a person reads it: «4,50», «75 %», «—» for nothing."""
    if value is None:
        return "—"
    if isinstance(value, float):
        shown = f"{value:.1f}" if column is not None and column.percent else f"{value:.2f}"
        shown = shown.replace(".", ",")
    else:
        shown = str(value)
    if column is not None and column.percent:
        shown += " %"
    return shown


def csv_bytes(table: Table) -> bytes:
    """The table as CSV for Russian spreadsheets (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([table.title])
    writer.writerow([table.subtitle + (" (предварительный)" if table.preliminary else "")])
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow(_csv_row(table.columns, row))
    if table.totals is not None:
        writer.writerow(_csv_row(table.columns, table.totals))
    for note in table.notes:
        writer.writerow([note])
    return (BOM + out.getvalue()).encode("utf-8")


def _csv_row(columns: Sequence[Column], row: Sequence[Value]) -> list[str]:
    cells = []
    for _, value in zip(columns, row, strict=True):
        if value is None:
            cells.append("")
        elif isinstance(value, float):
            cells.append(f"{value:.2f}".replace(".", ","))
        else:
            cells.append(str(value))
    return cells


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None
