"""Lists from spreadsheets (issue #10; R-STR-2, R-STR-7, R-SEC-4): class lists, parents and
staff as CSV or XLSX → typed rows with their problems → a plan against the journal → one
command. And the same lists back out.

    table = read_table(name, data)
    rows = table_rows(table, detect_kind(table.header))
    plan = make_plan(journal.db, kind, rows, today=journal.today())   # the preview
    import_rows(journal, actor, kind, rows, source=name, sha256=...)  # confirm
"""

from .command import ImportResult, import_rows
from .export import list_rows, to_csv, to_xlsx
from .plan import ImportPlan, PlannedRow, class_label, make_plan
from .rows import FIELD_RU, FIELDS, KINDS, Problem, Row, check_row, detect_kind, table_rows
from .table import Table, TableError, read_table

__all__ = [
    "FIELDS",
    "FIELD_RU",
    "KINDS",
    "ImportPlan",
    "ImportResult",
    "PlannedRow",
    "Problem",
    "Row",
    "Table",
    "TableError",
    "check_row",
    "class_label",
    "detect_kind",
    "import_rows",
    "list_rows",
    "make_plan",
    "read_table",
    "table_rows",
    "to_csv",
    "to_xlsx",
]
