"""The writer's resume point (ejournal/log/resume.py): opening a feed reads only what came after
it, and a resume point that does not match the files — stale, another feed's, edited, or of a
feed changed behind it — is never trusted: the feed is then read in full. ``verify`` never
reads it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import School, append_entries, make_school, problem_text, rewrite

from ejournal.log import IntegrityError, SigningPolicy
from ejournal.log.recovery import Reopened, reopen
from ejournal.log.resume import RESUME, load

SEGMENT_LIMIT = 4096


def grow(school: School, entries: int, **options: object) -> None:
    options.setdefault("segment_limit", SEGMENT_LIMIT)
    with school.open(**options) as feed:
        append_entries(feed, entries, batch=3)


@pytest.fixture
def grown(school: School) -> School:
    """A closed feed of 61 entries over several segments, its resume point written at close."""
    grow(school, 60)
    assert len(school.segments()) >= 4
    return school


def reopened(school: School) -> Reopened:
    """Read the feed back as its writer does on open (the lock is not needed for a look)."""
    return reopen(school.feed_dir, school.data_dir.device_signer().verifier())


def full_read(school: School) -> Reopened:
    """What opening finds with no resume point at all."""
    path = school.feed_dir / RESUME
    kept = path.read_bytes() if path.exists() else None
    path.unlink(missing_ok=True)
    try:
        return reopened(school)
    finally:
        if kept is not None:
            path.write_bytes(kept)


def state(r: Reopened) -> tuple[object, ...]:
    return (
        r.size,
        r.tree.root(),
        r.tree.hashes,
        r.last_time,
        r.last_checkpoint,
        r.segment_first,
        r.segment_bytes,
        r.recovery,
    )


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the files read whole while the test runs."""
    names: list[str] = []
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        names.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    yield names


def test_closing_keeps_a_resume_point_at_the_last_checkpoint(grown: School) -> None:
    point = load(grown.feed_dir)
    assert point is not None
    assert point.size == 61
    assert point.state.feed == grown.feed_id
    assert point.segment == int(grown.segments()[-1].name[4:16])
    assert point.offset == grown.segments()[-1].stat().st_size
    assert [s.first for s in point.sealed] == [int(p.name[4:16]) for p in grown.segments()[:-1]]


def test_opening_reads_no_sealed_segment_when_the_resume_point_matches(
    grown: School, reads: list[str]
) -> None:
    r = reopened(grown)
    assert r.resumed_at == 61
    sealed = {p.name for p in grown.segments()[:-1]}
    assert sealed and not sealed & set(reads)
    assert state(r) == state(full_read(grown))


def test_opening_from_the_resume_point_checks_and_keeps_the_new_entries(grown: School) -> None:
    old_point = (grown.feed_dir / RESUME).read_bytes()
    grow(grown, 30, policy=SigningPolicy(max_unsigned_entries=7, background=False))
    # As after a crash: the point left behind is the one of an earlier size.
    (grown.feed_dir / RESUME).write_bytes(old_point)
    r = reopened(grown)
    assert r.resumed_at == 61
    assert r.size == 91
    assert state(r) == state(full_read(grown))
    with grown.open() as feed:
        assert feed.size == 91
    assert load(grown.feed_dir) is not None and load(grown.feed_dir).size == 91  # type: ignore[union-attr]
    assert grown.verify().ok


def test_a_torn_tail_after_a_stale_resume_point_is_cut(grown: School) -> None:
    old_point = (grown.feed_dir / RESUME).read_bytes()
    grow(grown, 5)
    (grown.feed_dir / RESUME).write_bytes(old_point)
    last = grown.segments()[-1]
    whole = last.read_bytes()
    rewrite(last, whole + b'{"actor":"u-1","da')
    with grown.open() as feed:
        assert feed.recovery.bytes_cut == len(b'{"actor":"u-1","da')
        assert feed.size == 66
    assert last.read_bytes() == whole
    assert grown.verify().ok


def _edit(key: str, value: Callable[[object], object]) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        obj = json.loads(data)
        where, name = (obj["state"], key[6:]) if key.startswith("state.") else (obj, key)
        where[name] = value(where[name])
        return json.dumps(obj).encode()

    return change


def _flip(text: object) -> str:
    assert isinstance(text, str)
    return ("B" if text[0] == "A" else "A") + text[1:]


EDITS: dict[str, Callable[[bytes], bytes]] = {
    "garbage": lambda data: b"{not json",
    "empty": lambda data: b"",
    "other version": _edit("v", lambda v: 2),
    "changed range": _edit("state.range", lambda r: [_flip(r[0]), *r[1:]]),  # type: ignore[index]
    "bigger size": _edit("state.size", lambda s: s + 1),  # type: ignore[operator]
    "smaller size": _edit("state.size", lambda s: s - 1),  # type: ignore[operator]
    "offset a line early": _edit("offset", lambda o: o - 1),  # type: ignore[operator]
    "offset past the end": _edit("offset", lambda o: o + 1000),  # type: ignore[operator]
    "other segment": _edit("segment", lambda s: 0),
    "changed checkpoints digest": _edit("checkpoints_sha256", _flip),
    "changed segment digest": _edit("segment_sha256", _flip),
    "changed last leaf": _edit("last_leaf", _flip),
    "changed last time": _edit("state.last_time", lambda t: "2020-01-01T00:00:00.000+07:00"),
    "fewer checkpoint bytes": _edit("state.notes_length", lambda n: n - 1),  # type: ignore[operator]
    "a sealed segment forgotten": _edit("sealed", lambda s: s[1:]),  # type: ignore[index]
    "a sealed segment's time": _edit("sealed", lambda s: [[s[0][0], s[0][1], 1], *s[1:]]),  # type: ignore[index]
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_an_edited_resume_point_is_not_used(grown: School, edit: Callable[[bytes], bytes]) -> None:
    path = grown.feed_dir / RESUME
    path.write_bytes(edit(path.read_bytes()))
    r = reopened(grown)
    assert r.resumed_at is None
    assert state(r) == state(full_read(grown))


def test_the_resume_point_of_another_feed_is_not_used(grown: School, tmp_path: Path) -> None:
    other = make_school(tmp_path / "other")
    grow(other, 60)
    shutil.copy(other.feed_dir / RESUME, grown.feed_dir / RESUME)
    r = reopened(grown)
    assert r.resumed_at is None
    assert r.size == 61
    with grown.open() as feed:
        assert feed.size == 61
    point = load(grown.feed_dir)
    assert point is not None and point.state.feed == grown.feed_id  # replaced on close


def test_a_sealed_segment_changed_behind_the_resume_point_is_read_and_refused(
    grown: School,
) -> None:
    sealed = grown.segments()[1]
    lines = sealed.read_bytes().split(b"\n")
    del lines[2]
    rewrite(sealed, b"\n".join(lines))
    with pytest.raises(IntegrityError):
        grown.open()
    assert not grown.verify().ok


def test_an_edit_before_the_point_in_the_last_segment_is_read_and_refused(
    grown: School,
) -> None:
    last = grown.segments()[-1]
    data = bytearray(last.read_bytes())
    at = data.index(b'"value":"') + len(b'"value":"')
    data[at] = ord("2") if data[at] != ord("2") else ord("3")
    rewrite(last, bytes(data))
    with pytest.raises(IntegrityError, match="do not match the last signed checkpoint"):
        grown.open()


def test_verify_never_reads_the_resume_point(grown: School) -> None:
    # An edit that keeps a sealed segment's size and time is not seen by the resume point's
    # fingerprints, so a writer opens the feed; verify reads every line and finds it.
    sealed = grown.segments()[0]
    before = sealed.stat()
    data = bytearray(sealed.read_bytes())
    at = data.rindex(b'"value":"') + len(b'"value":"')
    data[at] = ord("2") if data[at] != ord("2") else ord("3")
    rewrite(sealed, bytes(data))
    os.utime(sealed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert reopened(grown).resumed_at == 61
    with_point = grown.verify()
    (grown.feed_dir / RESUME).unlink()
    without = grown.verify()
    assert not with_point.ok
    assert problem_text(with_point) == problem_text(without)
    assert sealed.name in problem_text(with_point)


def test_a_failed_open_leaves_the_resume_point_as_it_was(grown: School) -> None:
    point = (grown.feed_dir / RESUME).read_bytes()
    last = grown.segments()[-1]
    rewrite(last, last.read_bytes().replace(b'"u-1', b'"u-9', 1))
    with pytest.raises(IntegrityError):
        grown.open()
    assert (grown.feed_dir / RESUME).read_bytes() == point


def test_a_feed_opened_and_closed_without_change_keeps_its_resume_point_as_it_is(
    grown: School,
) -> None:
    path = grown.feed_dir / RESUME
    before = path.stat().st_mtime_ns, path.read_bytes()
    with grown.open(segment_limit=SEGMENT_LIMIT):
        pass
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before
