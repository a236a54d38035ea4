"""Tampering with a closed feed's files: every change is found by verify, at the damaged file.

The property tests draw one change of each kind at random over a template feed (three
segments, several checkpoints); the deterministic tests show what a person reads for each kind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    Clock,
    School,
    append_entries,
    copy_school,
    make_school,
    problem_text,
    reference_path_only,
    rewrite,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.log import Entry, Report, SigningPolicy
from ejournal.log.checkpoint import Checkpoint, frame_note, parse_checkpoint, read_notes
from ejournal.log.entry import parse_line
from ejournal.log.note import Ed25519Signer, sign_note

BATCHES = [1, 2, 3, 5, 8, 13, 1, 1, 2, 3, 5, 8, 13, 21, 4, 4, 4, 4, 4, 4, 4, 6]
PROPERTY = settings(max_examples=40, deadline=None)


@dataclass(frozen=True, repr=False)
class Template:
    """A closed feed of 121 entries in three segments with several checkpoints, read once."""

    school: School
    scratch: Path
    segments: list[str]
    lines: dict[str, list[bytes]]
    checkpoints: bytes
    notes: list[bytes]

    def __repr__(self) -> str:
        return f"Template({self.school.path})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # short in Hypothesis reports
        printer.text(repr(self))

    @property
    def all_lines(self) -> list[tuple[str, int]]:
        return [(name, i) for name in self.segments for i in range(len(self.lines[name]))]

    @property
    def sizes(self) -> list[int]:
        records = read_notes(self.checkpoints).records
        return [parse_checkpoint(r.note.text).size for r in records]


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    base = tmp_path_factory.mktemp("tamper")
    school = make_school(base / "template", Clock(tick=timedelta(seconds=1)))
    policy = SigningPolicy(max_unsigned_entries=23, background=False)
    with school.open(policy=policy, segment_limit=16_000) as feed:
        for batch in BATCHES:
            append_entries(feed, batch, batch=batch)
    segments = [p.name for p in school.segments()]
    checkpoints = (school.feed_dir / "checkpoints").read_bytes()
    notes = read_notes(checkpoints)
    bounds = [r.offset for r in notes.records] + [len(checkpoints)]
    template = Template(
        school,
        base,
        segments,
        {n: (school.feed_dir / n).read_bytes().split(b"\n")[:-1] for n in segments},
        checkpoints,
        [checkpoints[a:b] for a, b in zip(bounds, bounds[1:], strict=False)],
    )
    assert len(segments) == 3 and len(template.notes) >= 5
    assert school.verify().ok
    return template


@contextmanager
def copy_of(template: Template) -> Iterator[School]:
    scratch = Path(tempfile.mkdtemp(dir=template.scratch))
    try:
        yield copy_school(template.school, scratch / "school")
    finally:
        shutil.rmtree(scratch)


def write_lines(school: School, name: str, lines: list[bytes]) -> None:
    rewrite(school.feed_dir / name, b"".join(line + b"\n" for line in lines))


def assert_detected(school: School, *damaged: str) -> Report:
    """Verify finds a problem, and one of them is placed at one of the ``damaged`` files; the
    Python reference path alone (no native scanner) gives the very same report."""
    report = school.verify()
    assert not report.ok, "the change went unnoticed"
    text = problem_text(report)
    assert any(name in p.place for p in report.all_problems for name in damaged), text
    with reference_path_only():
        assert problem_text(school.verify()) == text
    return report


# --- segments ------------------------------------------------------------------------------


@PROPERTY
@given(data=st.data())
def test_any_changed_byte_in_a_segment_is_detected(template: Template, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(template.segments), label="segment")
    content = b"".join(line + b"\n" for line in template.lines[name])
    pos = data.draw(st.integers(0, len(content) - 1), label="offset")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != content[pos]), label="byte")
    with copy_of(template) as school:
        rewrite(school.feed_dir / name, content[:pos] + bytes([byte]) + content[pos + 1 :])
        assert_detected(school, name)


@PROPERTY
@given(data=st.data())
def test_a_deleted_line_is_detected(template: Template, data: st.DataObject) -> None:
    name, index = data.draw(st.sampled_from(template.all_lines), label="line")
    with copy_of(template) as school:
        lines = list(template.lines[name])
        del lines[index]
        write_lines(school, name, lines)
        assert_detected(school, name)


def new_entry_line(seq: int, near: bytes) -> bytes:
    """A valid entry line with ``seq``, in the feed, at the time of the line ``near`` it."""
    like = parse_line(near)
    data = {"student": "Петров Пётр", "value": "5", "kind": "КР"}
    return Entry(
        feed=like.feed, seq=seq, time=like.time, actor="u-99", type="mark.set", data=data
    ).encode()


@PROPERTY
@given(data=st.data())
def test_an_inserted_line_is_detected(template: Template, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(template.segments), label="segment")
    lines = list(template.lines[name])
    position = data.draw(st.integers(0, len(lines)), label="position")
    if data.draw(st.booleans(), label="copy of a line"):
        source, index = data.draw(st.sampled_from(template.all_lines), label="source")
        line = template.lines[source][index]
    else:
        first = int(name[4:16])
        seq = data.draw(st.sampled_from([first + position, first + position - 1]), label="seq")
        near = lines[min(position, len(lines) - 1)]
        line = new_entry_line(max(seq, 0), near)
    lines.insert(position, line)
    with copy_of(template) as school:
        write_lines(school, name, lines)
        assert_detected(school, name)


@PROPERTY
@given(data=st.data())
def test_two_swapped_lines_are_detected(template: Template, data: st.DataObject) -> None:
    first, second = data.draw(
        st.lists(st.sampled_from(template.all_lines), min_size=2, max_size=2, unique=True),
        label="lines",
    )
    lines = {name: list(content) for name, content in template.lines.items()}
    (a, i), (b, j) = first, second
    lines[a][i], lines[b][j] = lines[b][j], lines[a][i]
    with copy_of(template) as school:
        for name in {a, b}:
            write_lines(school, name, lines[name])
        assert_detected(school, a, b)


@PROPERTY
@given(data=st.data())
def test_a_truncated_sealed_segment_is_detected(template: Template, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(template.segments[:-1]), label="sealed segment")
    content = b"".join(line + b"\n" for line in template.lines[name])
    length = data.draw(st.integers(0, len(content) - 1), label="new length")
    with copy_of(template) as school:
        rewrite(school.feed_dir / name, content[:length])
        assert_detected(school, name)


# --- checkpoints ---------------------------------------------------------------------------


def foreign_note(template: Template, size: int, root: bytes, seed: bytes) -> bytes:
    """A checkpoint note signed by a key that is not the feed's, under the feed's key name."""
    origin = f"ejournal/feed/{template.school.feed_id}"
    forger = Ed25519Signer(origin, seed)
    return frame_note(sign_note(Checkpoint(origin, size, root).text(), [forger]))


@PROPERTY
@given(data=st.data())
def test_a_checkpoint_signed_by_a_foreign_key_is_detected(
    template: Template, data: st.DataObject
) -> None:
    seed = data.draw(st.binary(min_size=32, max_size=32), label="foreign seed")
    notes = list(template.notes)
    index = data.draw(st.integers(0, len(notes) - 1), label="checkpoint")
    original = parse_checkpoint(read_notes(notes[index]).records[0].note.text)
    size = original.size
    if data.draw(st.booleans(), label="append"):
        size = data.draw(st.sampled_from([size, template.sizes[-1], template.sizes[-1] + 1]))
        notes.append(foreign_note(template, size, original.root, seed))
    else:
        notes[index] = foreign_note(template, size, original.root, seed)
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(notes))
        assert_detected(school, "checkpoints")


def test_a_removed_last_checkpoint_is_detected_as_an_unsigned_tail(template: Template) -> None:
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(template.notes[:-1]))
        report = school.verify()
        [problem] = report.all_problems
        assert problem.code == "unsigned_tail"
        signed, total = template.sizes[-2], template.sizes[-1]
        assert problem.message.startswith(f"entries {signed}..{total - 1} ({total - signed})")
        last_first = int(template.segments[-1][4:16])
        assert problem.place.startswith(
            f"{school.feed_id}/{template.segments[-1]} line {signed - last_first + 1} "
        )
        assert report.feeds[0].unsigned_tail == total - signed


@PROPERTY
@given(data=st.data())
def test_a_shortened_checkpoints_file_is_detected(template: Template, data: st.DataObject) -> None:
    length = data.draw(st.integers(0, len(template.checkpoints) - 1), label="new length")
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(template.checkpoints[:length])
        report = school.verify()
        assert not report.ok
        codes = {p.code for p in report.all_problems}
        # Entries the shortened file no longer covers are an unsigned tail; a cut inside a
        # note is also a torn tail, placed at the checkpoints file.
        assert "unsigned_tail" in codes, problem_text(report)
        if length not in [r.offset for r in read_notes(template.checkpoints).records]:
            assert_detected(school, "checkpoints")


@PROPERTY
@given(data=st.data())
def test_reordered_checkpoints_are_detected(template: Template, data: st.DataObject) -> None:
    order = data.draw(st.permutations(range(len(template.notes))), label="order")
    if order == sorted(order):
        order = order[1:] + order[:1]
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(template.notes[i] for i in order))
        assert_detected(school, "checkpoints")


@PROPERTY
@given(data=st.data())
def test_any_changed_byte_in_the_checkpoints_is_detected(
    template: Template, data: st.DataObject
) -> None:
    content = template.checkpoints
    pos = data.draw(st.integers(0, len(content) - 1), label="offset")
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != content[pos]), label="byte")
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(
            content[:pos] + bytes([byte]) + content[pos + 1 :]
        )
        assert_detected(school, "checkpoints")


# --- what a person reads, one case per kind ------------------------------------------------


def covering_checkpoint(template: Template, seq: int) -> int:
    return next(size for size in template.sizes if size > seq)


def test_a_changed_mark_is_reported_at_its_file_before_the_covering_checkpoint(
    template: Template,
) -> None:
    name = template.segments[0]
    lines = list(template.lines[name])
    assert b'"value":"4"' in lines[6]
    lines[6] = lines[6].replace(b'"value":"4"', b'"value":"5"')  # line 7: a mark made better
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    [problem] = report.all_problems
    covering = covering_checkpoint(template, 6)
    since = max(size for size in template.sizes if size <= 6)
    assert problem.code == "integrity"
    assert problem.message == (
        f"the {covering} entries up to this line do not hash to the root of the signed "
        f"checkpoint of size {covering}: an entry from {since} to {covering - 1} was changed, "
        "removed or inserted"
    )
    prefix = f"{school.feed_id}/{name} line "
    assert problem.place.startswith(prefix)
    line = int(problem.place[len(prefix) :].split()[0])
    assert 7 <= line == covering


def test_a_changed_entry_covered_from_the_next_segment_names_both_files(
    template: Template,
) -> None:
    name, following = template.segments[0], template.segments[1]
    last_seq = len(template.lines[name]) - 1
    covering = covering_checkpoint(template, last_seq)
    since = max(size for size in template.sizes if size <= last_seq)
    assert covering > int(following[4:16]), "the template should sign across the segment end"
    lines = list(template.lines[name])
    lines[-1] = lines[-1].replace(b'"u-1', b'"u-2', 1)  # another teacher's name on the mark
    assert lines[-1] != template.lines[name][-1]
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    [problem] = report.all_problems
    assert problem.place.startswith(f"{school.feed_id}/{name} line {since + 1} (byte ")
    assert f" to {school.feed_id}/{following} line {covering - int(following[4:16])} " in (
        problem.place
    )
    assert f"an entry from {since} to {covering - 1} was changed" in problem.message


def test_a_broken_line_is_reported_at_that_line(template: Template) -> None:
    name = template.segments[1]
    lines = list(template.lines[name])
    lines[4] = lines[4][:-1]  # the closing brace is gone
    offset = sum(len(line) + 1 for line in lines[:4])
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    [problem] = report.all_problems
    assert problem.code == "format"
    assert problem.place == f"{school.feed_id}/{name} line 5 (byte {offset})"
    assert problem.message.startswith("not a valid entry")


def test_a_broken_line_in_the_first_segment_is_the_only_problem_reported(
    template: Template,
) -> None:
    # The feed's key certificate is in that segment: the checkpoints' signatures cannot be
    # judged, and they are not reported as untrusted (they are not the damage).
    name = template.segments[0]
    lines = list(template.lines[name])
    lines[40] = lines[40][:-1]
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    assert [p.code for p in report.all_problems] == ["format"]
    assert report.all_problems[0].place.startswith(f"{school.feed_id}/{name} line 41 ")


def test_entries_removed_from_the_end_are_reported_at_the_last_segment(
    template: Template,
) -> None:
    name = template.segments[-1]
    with copy_of(template) as school:
        write_lines(school, name, template.lines[name][:-2])
        report = assert_detected(school, name)
    [problem] = report.all_problems
    total = template.sizes[-1]
    assert problem.place == f"{school.feed_id}/{name} end"
    assert problem.message.startswith(
        f"a checkpoint covers {total} entries but the feed has only {total - 2}"
    )


def test_a_deleted_last_line_of_a_sealed_segment_names_that_segment(template: Template) -> None:
    name, following = template.segments[0], template.segments[1]
    with copy_of(template) as school:
        write_lines(school, name, template.lines[name][:-1])
        report = assert_detected(school, name)
    first = report.all_problems[0]
    assert first.place == f"{school.feed_id}/{name}"
    assert f"next one, {following}, starts at entry {int(following[4:16])}" in first.message


def test_a_copied_line_is_reported_where_it_was_inserted(template: Template) -> None:
    name = template.segments[1]
    lines = list(template.lines[name])
    lines.insert(4, lines[3])
    first_seq = int(name[4:16])
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    [problem] = report.all_problems
    assert problem.message == f"entry has seq {first_seq + 3}, expected {first_seq + 4}"
    assert problem.place.startswith(f"{school.feed_id}/{name} line 5 ")


def test_a_sealed_segment_cut_inside_a_line_is_reported_at_that_line(template: Template) -> None:
    name = template.segments[0]
    content = b"".join(line + b"\n" for line in template.lines[name])
    cut = content.index(b"\n", 5000) - 30  # in the middle of a line past byte 5000
    line = content[:cut].count(b"\n") + 1
    with copy_of(template) as school:
        rewrite(school.feed_dir / name, content[:cut])
        report = assert_detected(school, name)
    [problem] = report.all_problems
    assert problem.message == "incomplete last line (torn write or truncation)"
    assert problem.place.startswith(f"{school.feed_id}/{name} line {line} ")


def test_swapped_lines_are_reported_at_the_first_of_them(template: Template) -> None:
    name = template.segments[2]
    lines = list(template.lines[name])
    lines[2], lines[9] = lines[9], lines[2]
    first_seq = int(name[4:16])
    with copy_of(template) as school:
        write_lines(school, name, lines)
        report = assert_detected(school, name)
    first = report.all_problems[0]
    assert first.message == f"entry has seq {first_seq + 9}, expected {first_seq + 2}"
    assert first.place.startswith(f"{school.feed_id}/{name} line 3 ")


def test_a_foreign_checkpoint_is_reported_as_not_signed_by_a_trusted_key(
    template: Template,
) -> None:
    notes = list(template.notes)
    cp = parse_checkpoint(read_notes(notes[2]).records[0].note.text)
    notes[2] = foreign_note(template, cp.size, cp.root, bytes(32))
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(notes))
        report = assert_detected(school, "checkpoints")
    [problem] = report.all_problems
    assert problem.code == "bad_signature"
    line = 1 + 6 * 2  # each note: three lines of text, a blank, its signature, a blank
    assert problem.place == f"{school.feed_id}/checkpoints line {line}"
    assert problem.message == f"checkpoint of size {cp.size}: no signature from a trusted key"


def test_an_edited_checkpoint_size_is_reported_at_its_signature(template: Template) -> None:
    notes = list(template.notes)
    note = read_notes(notes[3]).records[0].note
    cp = parse_checkpoint(note.text)
    notes[3] = notes[3].replace(f"\n{cp.size}\n".encode(), f"\n{cp.size - 1}\n".encode(), 1)
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(notes))
        report = assert_detected(school, "checkpoints")
    by_code = {p.code: p for p in report.all_problems}
    assert set(by_code) == {"integrity", "bad_signature"}
    # The entries do not match the edited size's root, and the edit breaks the signature.
    assert f"checkpoint of size {cp.size - 1}" in by_code["integrity"].message
    assert by_code["bad_signature"].place == f"{school.feed_id}/checkpoints line {1 + 6 * 3}"
    assert by_code["bad_signature"].message.startswith(f"checkpoint of size {cp.size - 1}: ")


def test_reordered_checkpoints_are_reported_where_the_size_goes_back(
    template: Template,
) -> None:
    notes = list(template.notes)
    notes[1], notes[2] = notes[2], notes[1]
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(b"".join(notes))
        report = assert_detected(school, "checkpoints")
    [problem] = report.all_problems
    assert problem.place == f"{school.feed_id}/checkpoints line 13"
    assert problem.message == (
        f"checkpoint size {template.sizes[1]} does not grow from {template.sizes[2]} "
        "(reordered or repeated)"
    )


def test_an_edited_signature_is_reported_even_when_it_decodes_to_the_same_bytes(
    template: Template,
) -> None:
    # Base64 has four spellings of the last character of a 68-byte signature; only the
    # canonical one (zero padding bits) is accepted, or an edit would go unnoticed.
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    content = template.checkpoints
    pos = content.rfind(b"=\n") - 1
    twin = alphabet[alphabet.index(content[pos]) ^ 1]
    with copy_of(template) as school:
        (school.feed_dir / "checkpoints").write_bytes(
            content[:pos] + bytes([twin]) + content[pos + 1 :]
        )
        report = assert_detected(school, "checkpoints")
    assert report.all_problems[0].code == "format"
    assert "not canonical base64" in report.all_problems[0].message
