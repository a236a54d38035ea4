"""The fast rebuild (ejournal/projection/rebuild.py) is only a faster way to the same database:
its decoding of lines gives what the strict reader and the model give, its other processes
change nothing in the result, and a line the strict reader refuses still makes it refuse the
whole rebuild, leaving the projection as it was (issue #3)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import msgspec
import pytest
import school_fixture as sf
from test_projection import dump

from ejournal.log.entry import Entry, parse_line
from ejournal.log.errors import FormatError
from ejournal.log.storage import list_segments
from ejournal.model import events as ev
from ejournal.projection.db import Projection
from ejournal.projection.lines import decode_line, decode_lines
from ejournal.projection.offload import OffloadError, OffloadingWriter
from ejournal.projection.rebuild import rebuild


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("fast-rebuild") / "school")


def feed_lines(feeds: Path) -> list[bytes]:
    (feed_dir,) = feeds.iterdir()
    return [line for _, path in list_segments(feed_dir) for line in path.read_bytes().splitlines()]


def copy_feeds(built: sf.Built, dest: Path) -> Path:
    shutil.copytree(built.path / "feeds", dest / "feeds", ignore=shutil.ignore_patterns("lock"))
    return dest / "feeds"


def last_segment(feeds: Path) -> Path:
    (feed_dir,) = feeds.iterdir()
    return list_segments(feed_dir)[-1][1]


def kept_dump(built: sf.Built) -> dict[str, list[tuple[object, ...]]]:
    return dump(sqlite3.connect(f"file:{built.path / 'journal.sqlite'}?mode=ro", uri=True))


def test_decoding_a_line_gives_the_strict_entry_and_its_event(built: sf.Built) -> None:
    lines = feed_lines(built.path / "feeds")
    assert len(lines) > 100
    fast = decode_lines(lines)
    for line, found in zip(lines, fast, strict=True):
        entry = parse_line(line)
        cls = ev.REGISTRY.get(entry.type)
        expected = None if cls is None else msgspec.convert(entry.data, cls)
        assert (found.actor, found.feed, found.seq, found.time) == (
            entry.actor,
            entry.feed,
            entry.seq,
            entry.time,
        )
        assert (found.kind, found.data) == (entry.type, expected)
        assert decode_line(line) == found


@pytest.mark.parametrize("parallel", [False, True])
def test_rebuild_in_one_or_three_processes_equals_the_kept_database(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    target = tmp_path / "journal.sqlite"
    count = rebuild(built.path / "feeds", target, parallel=parallel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite"]  # nothing left over
    assert count == len(feed_lines(built.path / "feeds"))
    assert dump(sqlite3.connect(target)) == kept_dump(built)


def _append(feeds: Path, data: dict[str, object], kind: str = "mark.given") -> str:
    """Append an entry the feed writer would not write, canonical but not signed."""
    last = parse_line(feed_lines(feeds)[-1])
    entry = Entry(last.feed, last.seq + 1, last.time, last.actor, kind, data)
    segment = last_segment(feeds)
    segment.chmod(0o644)
    with segment.open("ab") as f:
        f.write(entry.encode() + b"\n")
    return f"{entry.feed}#{entry.seq}"


@pytest.mark.parametrize("parallel", [False, True])
def test_entries_the_model_does_not_accept_are_kept_as_unknown_as_when_applied(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    feeds = copy_feeds(built, tmp_path)
    refused = _append(feeds, {"mark": "mrk-x", "lesson": "les-x"})  # no student, no value
    unknown = _append(feeds, {"what": 1}, kind="future.event")
    target = tmp_path / "rebuilt.sqlite"
    rebuild(feeds, target, parallel=parallel)
    applied = Projection(tmp_path / "applied.sqlite")
    applied.catch_up(feeds)  # entry by entry, the way the server applies them
    applied.close()
    rebuilt = sqlite3.connect(target)
    assert rebuilt.execute("SELECT ref, type FROM unknown_entries ORDER BY ref").fetchall() == [
        (refused, "mark.given"),
        (unknown, "future.event"),
    ]
    assert dump(rebuilt) == dump(sqlite3.connect(tmp_path / "applied.sqlite"))


@pytest.mark.parametrize("parallel", [False, True])
def test_a_line_the_strict_reader_refuses_refuses_the_rebuild(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    feeds = copy_feeds(built, tmp_path)
    segment = last_segment(feeds)
    lines = segment.read_bytes().splitlines()
    # A space after a colon: plain JSON that decodes to the same entry, but not the canonical
    # line (FORMAT §3), which only the strict reader sees.
    assert lines[-1].count(b'"actor":"') == 1
    lines[-1] = lines[-1].replace(b'"actor":"', b'"actor": "')
    segment.chmod(0o644)
    segment.write_bytes(b"\n".join(lines) + b"\n")
    target = tmp_path / "journal.sqlite"
    target.write_bytes(b"the projection before")
    with pytest.raises(FormatError, match="canonical"):
        rebuild(feeds, target, parallel=parallel)
    assert target.read_bytes() == b"the projection before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds", "journal.sqlite"]


def test_a_statement_naming_offloaded_and_other_tables_is_refused() -> None:
    writer = OffloadingWriter(sqlite3.connect(":memory:"), worker=None)  # type: ignore[arg-type]
    with pytest.raises(OffloadError):
        writer.execute("SELECT m.mark FROM marks m JOIN lessons l ON l.lesson = m.lesson")
    # submission_marks is not the marks table
    assert not writer._is_remote("SELECT 1 FROM submission_marks")
