"""Projection handlers of the replication events (issue #9): receipts of other sites' feeds, and
marks given in the same cell on two sites at once.

**Concurrent new marks** (docs/SYNC.md, "Conflicts"). A mark given on one site (feed F) for a
student, a lesson and a work kind — one *slot* of the journal grid — while another site (feed
G) had given a mark in the same slot that F had not received yet (no ``replica.received`` of G
covering it, recorded in F before the mark) is the same cell filled twice without either site
seeing the other. The projection applies entries in the merged order (docs/adr/0003), so the
later of the two is applied second on every site, whatever order the feeds arrived in; it is in
force, and the earlier one is *superseded*: a ``mark_changes`` row ``superseded`` (made by the
later mark's author, at its time, with its ref and validity) sets its current value to none, as
a revocation would. Nothing is lost: both marks stay, ``ejournal.queries.sites.conflicts`` lists
the pair for the deputy head, and R-SEC-3 invalidation of the later mark's author brings the
earlier mark back (``recompute_mark`` reads only valid changes). Two marks in one slot on one
site, or on a site that had received the other's, are two marks, as before.

The handler needs, for a new mark, the other feeds' marks in its slot that its feed had not
received. It keeps, per projection (:class:`Sites`, on the handlers' cache): the receipts, the
last mark seen per feed, and — only once a mark meets marks of another feed it had not
received — an in-memory window of that feed's marks by slot (loaded once from ``marks``,
then kept up to date; pruned as receipts come in). A school with one site, or a restored one
whose old feed is all received, never leaves the fast path: a dictionary look-up per mark.
"""

from __future__ import annotations

import sqlite3

from ..model import events as ev
from .apply import BULK, Cache, Ctx, handles, handles_runs
from .handlers_journal import _mark_change

Slot = tuple[str, str, str]  # lesson, student, work kind


class Sites:
    """What the concurrent-mark check knows (see the module docstring)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.received: dict[str, dict[str, int]] = {}  # feed → other feed → entries received
        for feed, other, size in db.execute(
            "SELECT feed, other, MAX(size) FROM receipts GROUP BY feed, other"
        ):
            self.received.setdefault(feed, {})[other] = size
        # the last mark's seq per feed; from the positions an upper bound, which is safe (it
        # only sends a mark down the slow path, which looks at the marks themselves)
        self.last: dict[str, int] = {
            feed: size - 1 for feed, size in db.execute("SELECT feed, next_seq FROM positions")
        }
        self.window: dict[str, dict[Slot, list[tuple[int, str]]]] = {}
        self.window_from: dict[str, int] = {}  # the window holds every mark of seq >= this

    def marks_since(self, db: sqlite3.Connection, feed: str, start: int, slot: Slot) -> list[str]:
        """The marks of ``feed`` with seq >= ``start`` in ``slot``, in the order applied."""
        if self.window_from.get(feed, start + 1) > start:
            self._load(db, feed, start)
        return [mark for seq, mark in self.window[feed].get(slot, ()) if seq >= start]

    def _load(self, db: sqlite3.Connection, feed: str, start: int) -> None:
        prefix = f"{feed}#"
        window: dict[Slot, list[tuple[int, str]]] = {}
        rows = db.execute(
            "SELECT lesson, student, kind, CAST(substr(ref, ?) AS INTEGER) AS seq, mark "
            "FROM marks WHERE substr(ref, 1, ?) = ? AND seq >= ? ORDER BY seq",
            (len(prefix) + 1, len(prefix), prefix, start),
        )
        for lesson, student, kind, seq, mark in rows:
            window.setdefault((lesson, student, kind), []).append((seq, mark))
        self.window[feed] = window
        self.window_from[feed] = start

    def add(self, feed: str, seq: int, slot: Slot, mark: str) -> None:
        self.last[feed] = seq
        window = self.window.get(feed)
        if window is not None:
            window.setdefault(slot, []).append((seq, mark))

    def received_now(self, feed: str, other: str, size: int) -> None:
        """A receipt: ``feed`` now holds ``other`` up to ``size``; prune ``other``'s window."""
        got = self.received.setdefault(feed, {})
        got[other] = max(size, got.get(other, 0))
        start = self.window_from.get(other)
        if start is None:
            return
        readers = [f for f in set(self.last) | set(self.received) if f != other]
        floor = min((self.received.get(f, {}).get(other, 0) for f in readers), default=start)
        if floor > start:
            self.window[other] = {
                slot: kept
                for slot, marks in self.window[other].items()
                if (kept := [(s, m) for s, m in marks if s >= floor])
            }
            self.window_from[other] = floor


def sites_of(db: sqlite3.Connection, cache: Cache) -> Sites:
    """The :class:`Sites` of this projection (made from the database on first use)."""
    found: Sites | None = getattr(cache, "sites", None)
    if found is None:
        found = Sites(db)
        cache.sites = found  # type: ignore[attr-defined]
    return found


@handles(ev.ReplicaReceived)
def _received(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.ReplicaReceived) -> None:
    feed, seq = c.ref.split("#")
    db.execute(
        "INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?, ?)",
        (feed, int(seq), e.feed, e.size, c.at),
    )
    sites = getattr(cache, "sites", None)
    if sites is not None:
        sites.received_now(feed, e.feed, e.size)


_given = BULK[ev.MarkGiven]  # handlers_journal's: the marks themselves
SUPERSEDED_REASON = "в ту же клетку на другой площадке выставлена отметка «{}»"


@handles_runs(ev.MarkGiven)
def _marks_given(
    db: sqlite3.Connection, cache: Cache, ctxs: list[Ctx], events: list[ev.MarkGiven]
) -> None:
    """A run of marks of one feed (see apply.BULK)."""
    sites: Sites | None = getattr(cache, "sites", None)
    if sites is None:
        sites = sites_of(db, cache)
    ref = ctxs[0].ref
    feed = ref[: ref.index("#")]
    last = sites.last
    if feed in last and len(last) == 1 and not sites.window:
        # one feed (nearly every rebuild): nothing to check, and nothing changes that
        _given(db, cache, ctxs, events)
        ref = ctxs[-1].ref
        last[feed] = int(ref[ref.index("#") + 1 :])
        return
    for c, e in zip(ctxs, events, strict=True):
        _mark_given(db, cache, c, e)


def _mark_given(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.MarkGiven) -> None:
    _given(db, cache, [c], [e])
    sites = sites_of(db, cache)
    ref = c.ref
    cut = ref.index("#")
    feed = ref[:cut]
    last = sites.last
    if feed in last and len(last) == 1 and not sites.window:
        last[feed] = int(ref[cut + 1 :])
        return
    seq = int(ref[cut + 1 :])
    slot = (e.lesson, e.student, e.kind)
    received = sites.received.get(feed) or {}
    for other, other_last in last.items():
        start = received.get(other, 0)
        if other == feed or other_last < start:
            continue  # everything the other feed marked, this one had seen
        for earlier in sites.marks_since(db, other, start, slot):
            row = db.execute("SELECT current FROM marks WHERE mark = ?", (earlier,)).fetchone()
            if row is not None and row[0] is not None:
                reason = SUPERSEDED_REASON.format(e.value)
                _mark_change(db, c, earlier, "superseded", None, reason)
    sites.add(feed, seq, slot, e.mark)
