"""The journal grid's cells and marks as HTML, written in Python: a grid page of a quarter has
a thousand cells and a template would spend most of the page's time on them. One function per
piece, used by the grid page, the one-cell answer after a save and every page showing a mark,
so the markup exists once. Late marks are flagged wherever a mark shows (R-MRK-1); a mark links
to its history (R-MRK-2)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from markupsafe import Markup

from ejournal.queries.grid import GridCell
from ejournal.queries.marks import Mark

LATE = '<span class="flag" aria-hidden="true">*</span><span class="sr-only"> (с опозданием)</span>'
INPUT = '<input name="value" aria-label="Отметка или пропуск" maxlength="20" autocomplete="off"'
EMPTY_EDITABLE = f"<td>{INPUT}></td>"
OUT = '<td class="out"></td>'


def _mark(m: Mark) -> str:
    classes = "mark" + (" late" if m.late else "") + (" changed" if m.changed else "")
    title = escape(m.kind) + (", внесена с опозданием" if m.late else "")
    title += ", исправлена" if m.changed else ""
    return (
        f'<a class="{classes}" href="/mark/{escape(m.mark)}" title="{title}">'
        f"{escape(m.value)}{LATE if m.late else ''}</a>"
    )


def mark_html(m: Mark) -> Markup:
    """A mark: its value, a link to its history, a flag when entered late or corrected."""
    return Markup(_mark(m))


def _cell(cell: GridCell, editable: bool, error: str = "") -> str:
    if not error and not cell.marks and not cell.attendance:  # most cells: nothing in them
        if not cell.member:
            return OUT
        return EMPTY_EDITABLE if editable else "<td></td>"
    classes = " ".join(c for c, on in (("refused", bool(error)), ("out", not cell.member)) if on)
    parts = [f'<td class="{classes}">' if classes else "<td>"]
    marks = [_mark(m) for m in cell.marks if m.counts]
    code = escape(cell.attendance)
    if editable and cell.member:
        if cell.marks:
            parts.append(f'<span class="marks">{code + " " if code else ""}{"".join(marks)}</span>')
        value = code if code and not cell.marks else ""
        parts.append(f'{INPUT} value="{value}">')
    else:
        parts.append(code + "".join(" " + m for m in marks))
    if error:
        parts.append(f'<span class="error" role="alert">{escape(error)}</span>')
    parts.append("</td>")
    return "".join(parts)


def cell_html(cell: GridCell, editable: bool, error: str = "") -> Markup:
    """One grid cell (a ``<td>``): for the course's teacher an input with the cell's marks
    beside it; for readers the absence code and the marks."""
    return Markup(_cell(cell, editable, error))


def cells_html(cells: Iterable[GridCell], editable: bool) -> Markup:
    """A row's cells (built as one string: a quarter's page has a thousand of them)."""
    return Markup("".join([_cell(cell, editable) for cell in cells]))


def register(engine: Any) -> None:
    """Make the functions available to every template (``TemplateConfig.engine_callback``)."""
    engine.engine.globals.update(mark_html=mark_html, cell_html=cell_html, cells_html=cells_html)
