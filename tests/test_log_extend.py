"""Verifying what a feed gained since a verified state (ejournal/log/extend.py, issue #9):
the same verdicts as a full verification, from the new entries only."""

from __future__ import annotations

import re

import pytest
from conftest import School, append_entries, reference_path_only

from ejournal.log import extend
from ejournal.log.checkpoint import parse_checkpoint, read_notes
from ejournal.log.errors import IntegrityError
from ejournal.log.extend import FeedState, verify_extension
from ejournal.log.storage import CHECKPOINTS


def _chunks(school: School, start: int = 0) -> list[tuple[str, bytes]]:
    out = []
    for path in school.segments():
        first = int(path.name[4:16])
        data = path.read_bytes()
        if first < start:
            lines = data.split(b"\n")[start - first : -1]
            data = b"".join(line + b"\n" for line in lines)
        out.append((path.name, data))
    return out


@pytest.fixture
def grown(school: School) -> School:
    with school.open() as feed:
        for _ in range(3):  # three checkpoints, one per close
            append_entries(feed, 100, batch=25)
            feed.checkpoint()
    return school


def _notes(school: School) -> bytes:
    return (school.feed_dir / CHECKPOINTS).read_bytes()


def test_from_the_empty_state_it_verifies_a_whole_feed(grown: School) -> None:
    result = verify_extension(
        FeedState.empty(grown.feed_id), grown.root, _notes(grown), b"", _chunks(grown)
    )
    assert result.ok, result.problems
    last = parse_checkpoint(read_notes(_notes(grown)).records[-1].note.text)
    assert result.state.size == last.size == 301 and result.state.root() == last.root
    assert result.state.notes_length == len(_notes(grown))


def test_state_then_extension_equals_one_pass(grown: School) -> None:
    notes = _notes(grown)
    records = read_notes(notes).records
    middle = records[1]
    early = notes[: middle.offset + len(middle.raw) + 1]
    size = parse_checkpoint(middle.note.text).size
    part = [(n, b"".join(x + b"\n" for x in d.split(b"\n")[:-1][:size])) for n, d in _chunks(grown)]
    first = verify_extension(FeedState.empty(grown.feed_id), grown.root, early, b"", part)
    assert first.ok and first.state.size == size
    state = FeedState.from_json(first.state.to_json())
    assert state.to_json() == first.state.to_json()  # the state file round-trips exactly
    rest = verify_extension(state, grown.root, notes, b"", _chunks(grown, size))
    whole = verify_extension(FeedState.empty(grown.feed_id), grown.root, notes, b"", _chunks(grown))
    assert rest.ok and rest.state.to_json() == whole.state.to_json()


def test_a_changed_new_entry_is_refused(grown: School) -> None:
    chunks = _chunks(grown)
    name, data = chunks[-1]
    chunks[-1] = (name, data.replace(b'"value":"3"', b'"value":"4"', 1))
    result = verify_extension(
        FeedState.empty(grown.feed_id), grown.root, _notes(grown), b"", chunks
    )
    assert not result.ok and "do not hash to the root" in result.problems[0]


def test_a_state_with_a_certificate_not_signed_by_the_root_is_refused(
    grown: School, tmp_path: object
) -> None:
    from conftest import make_school

    whole = verify_extension(
        FeedState.empty(grown.feed_id), grown.root, _notes(grown), b"", _chunks(grown)
    )
    stranger = make_school(tmp_path / "stranger")  # type: ignore[operator]
    with pytest.raises(IntegrityError):
        whole.state.keys(stranger.root)


TAMPERS = {
    "none": lambda line: line,
    "value": lambda line: line.replace(b'"value":"', b'"value":"x', 1),
    "seq": lambda line: re.sub(rb'"seq":([0-9]+)', lambda m: b'"seq":%d' % (int(m[1]) + 1), line),
    "time": lambda line: line.replace(b'"time":"20', b'"time":"19', 1),
    "space": lambda line: line.replace(b'","', b'", "', 1),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_the_native_path_gives_the_reference_verdict(
    grown: School, tamper: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ADR 0009: a chunk the native scanner vouches for leaves the state the reference path
    would; any doubt goes to the reference, which names the problem."""
    notes = _notes(grown)
    first_note = read_notes(notes).records[0]
    size = parse_checkpoint(first_note.note.text).size
    early = notes[: first_note.offset + len(first_note.raw) + 1]
    part = [(n, b"".join(x + b"\n" for x in d.split(b"\n")[:-1][:size])) for n, d in _chunks(grown)]
    state = verify_extension(FeedState.empty(grown.feed_id), grown.root, early, b"", part).state
    chunks = _chunks(grown, size)
    name, data = chunks[0]
    lines = data.split(b"\n")
    lines[40] = TAMPERS[tamper](lines[40])
    chunks[0] = (name, b"\n".join(lines))
    vouched: list[bool] = []
    real = extend._native_chunk
    monkeypatch.setattr(
        extend, "_native_chunk", lambda *a: vouched.append(real(*a) is not None) or real(*a)
    )
    native = verify_extension(state, grown.root, notes, b"", chunks)
    with reference_path_only():
        reference = verify_extension(state, grown.root, notes, b"", chunks)
    assert native.problems == reference.problems
    assert native.ok == (tamper == "none") and vouched[0] == (tamper == "none")
    if native.ok:
        assert native.state.to_json() == reference.state.to_json()
