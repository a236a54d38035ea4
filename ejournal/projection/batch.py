"""Writes of one projection transaction, with plain inserts grouped into ``executemany``.

A rebuild applies millions of entries, most of them one ``INSERT`` each (a mark, an absence, a
lesson). Handing them to SQLite one ``execute`` at a time costs more than SQLite's own work, so
:class:`BatchedWriter` holds plain inserts back per table and writes them in bulk. It stays
exactly equivalent to executing each statement at once: before any other statement runs, the
held inserts of every table that statement names are written first, in the order they came, and
everything is written before the transaction commits. Inserts into different tables do not
affect each other (the projection has no triggers and no foreign keys), so only the order within
a table matters, and it is kept.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

_INSERT = re.compile(r"INSERT (?:OR \w+ )?INTO (\w+) (?:\([^)]*\) )?VALUES \([^()]*\)")


def _insert_table(sql: str) -> str | None:
    """The table of a plain ``INSERT … VALUES (…)`` (no subquery, no function); None for every
    other statement."""
    try:
        return _TABLES[sql]
    except KeyError:
        found = _INSERT.fullmatch(sql)
        table = _TABLES[sql] = found.group(1) if found else None
        if len(_TABLES) > 1000:  # statements are constants but for a few; stay small anyway
            _TABLES.clear()
        return table


_TABLES: dict[str, str | None] = {}


class BatchedWriter:
    """The connection as handlers see it during one transaction (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._held: dict[str, list[tuple[str, list[Sequence[Any]]]]] = {}  # table → runs
        self._last: dict[str, list[Sequence[Any]]] = {}  # statement → rows of its table's last run

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor | None:
        """Hold a plain insert (returns None); run anything else now, returning its cursor."""
        rows = self._last.get(sql)
        if rows is not None:  # the common case: one more row like the one before
            rows.append(params)
            return None
        table = _insert_table(sql)
        if table is None:
            self._write_named(sql)
            return self.conn.execute(sql, params)
        self._start_run(sql, table, [params])
        return None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        table = _insert_table(sql)
        if table is None:
            self._write_named(sql)
            self.conn.executemany(sql, rows)
            return
        self._hold(sql, table, rows)

    def _hold(self, sql: str, table: str, rows: Iterable[Sequence[Any]]) -> None:
        """Hold the rows of a plain insert into ``table``."""
        held = self._last.get(sql)
        if held is None:  # the rows start a new run
            rows = list(rows)
            if rows:
                self._start_run(sql, table, rows)
            return
        held.extend(rows)

    def _start_run(self, sql: str, table: str, rows: list[Sequence[Any]]) -> None:
        runs = self._held.setdefault(table, [])
        if runs:
            self._last.pop(runs[-1][0], None)  # another statement for the table: a new run
        runs.append((sql, rows))
        self._last[sql] = rows

    def flush(self) -> None:
        """Write everything held."""
        for table in list(self._held):
            self._write(table)

    def _write_named(self, sql: str) -> None:
        # A table's name in the statement's text is the only way it can read or change it; a
        # name inside another (marks in final_marks) only writes a little early, which is safe.
        for table in [t for t in self._held if t in sql]:
            self._write(table)

    def _write(self, table: str) -> None:
        for sql, rows in self._held.pop(table):
            self._last.pop(sql, None)
            self.conn.executemany(sql, rows)
