"""Verifying what a feed gained since a verified state (ejournal/log/extend.py, issue #9):
the same verdicts as a full verification, from the new entries only."""

from __future__ import annotations

import pytest
from conftest import School, append_entries

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
