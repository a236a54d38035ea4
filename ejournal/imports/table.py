"""Reading a spreadsheet as schools have them: CSV (UTF-8 or Windows-1251, with ``;``, ``,``
or tabs) or XLSX (openpyxl, the first sheet), into a header and rows of text."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

MAX_ROWS = 20_000
MAX_BYTES = 20_000_000


class TableError(ValueError):
    """The file is not a spreadsheet this reads (a usage problem; nothing was imported)."""

    code = "bad_table"

    def __init__(self, message: str, message_ru: str) -> None:
        super().__init__(message)
        self.message_ru = message_ru


@dataclass(frozen=True)
class Table:
    """A header and the rows under it; ``lines`` are the spreadsheet's own row numbers."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[int, ...]


def read_table(name: str, data: bytes) -> Table:
    """Read ``data`` (the file called ``name``) as a table.

    Raises:
        TableError: too big, not CSV/XLSX, or no header row.
    """
    if len(data) > MAX_BYTES:
        raise TableError("the file is larger than 20 MB", "Файл больше 20 МБ.")
    if name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        raw = _xlsx_rows(data)
    elif name.lower().endswith((".csv", ".txt", ".tsv")) or not name:
        raw = _csv_rows(data)
    else:
        raise TableError(
            f"{name}: use a .csv or .xlsx file", "Загрузите файл .csv или .xlsx (Excel)."
        )
    return _to_table(raw)


def _to_table(raw: list[tuple[int, list[str]]]) -> Table:
    filled = [(n, [c.strip() for c in cells]) for n, cells in raw if any(c.strip() for c in cells)]
    if not filled:
        raise TableError("the file has no rows", "В файле нет строк.")
    if len(filled) > MAX_ROWS:
        raise TableError(f"more than {MAX_ROWS} rows", f"В файле больше {MAX_ROWS} строк.")
    # A title above the header ("Список 5А класса…") is one cell: the header is the first row
    # (of the first ten) with two cells or more.
    start = next((i for i, (_, c) in enumerate(filled[:10]) if sum(1 for x in c if x) > 1), 0)
    (_, header), body = filled[start], filled[start + 1 :]
    width = len(header)
    rows = tuple(tuple((cells + [""] * width)[:width]) for _, cells in body)
    return Table(tuple(header), rows, tuple(n for n, _ in body))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError("the CSV is neither UTF-8 nor Windows-1251", "Не удалось прочитать CSV.")


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, row) for row in reader]
    except csv.Error as e:
        raise TableError(f"the CSV is malformed: {e}", "Файл CSV повреждён.") from e


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as e:
        raise TableError(f"not a readable XLSX file: {e}", "Файл Excel не читается.") from e
    try:
        sheet = book.worksheets[0]
        return [
            (n, [_cell(v) for v in row])
            for n, row in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
    finally:
        book.close()
