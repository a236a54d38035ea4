"""Witness cosignatures from two copies (issue #9; docs/FORMAT.md §6): the director cosigns the
checkpoint on the flash drive in the safe, the education office cosigns the same checkpoint on
its copy; syncing the copies merges the two cosignatures (append-only) instead of calling it a
fork, and every copy then verifies with both. A cosigned checkpoint with another root at the
same size is still a fork: refused, nothing changed."""

from __future__ import annotations

from pathlib import Path

from conftest import School, append_entries, snapshot

from ejournal.log import verify_data_dir
from ejournal.log.checkpoint import Checkpoint, parse_checkpoint, read_notes
from ejournal.log.entry import format_time
from ejournal.log.keys import Certificate, load_private_key, new_witness_key, sign_statement
from ejournal.log.note import Ed25519Signer, Note
from ejournal.log.witness import cosign, latest_checkpoint_note, record_cosignature
from sync.replica import replicate


def _certify(school: School, name: str) -> Ed25519Signer:
    witness = new_witness_key(name)
    root = load_private_key(school.data_dir.root_key)
    cert = Certificate(witness.verifier(), "witness", "*", format_time(school.clock.now()))
    with school.open() as feed:
        feed.append_one("key.certify", {"certificate": sign_statement(cert, root)}, "system")
        append_entries(feed, 3)
    return witness


def _cosignatures(folder: Path, feed: str) -> list[Note]:
    path = folder / "feeds" / feed / "cosignatures"
    return [r.note for r in read_notes(path.read_bytes()).records] if path.exists() else []


def _witnesses(folder: Path, feed: str) -> set[str]:
    return {s.name for n in _cosignatures(folder, feed) for s in n.signatures}


def test_cosignatures_of_one_checkpoint_from_two_copies_are_merged(
    school: School, tmp_path: Path
) -> None:
    director = _certify(school, "ejournal/witness/director")
    rono = _certify(school, "ejournal/witness/rono")
    feed = school.feed_id
    flash, office = tmp_path / "flash", tmp_path / "office"
    for copy in (flash, office):
        assert replicate(school.path, copy, school.root).ok
    note = latest_checkpoint_note(school.feed_dir)
    record_cosignature(flash / "feeds" / feed, cosign(note, director, timestamp=1788226200))
    record_cosignature(office / "feeds" / feed, cosign(note, rono, timestamp=1788226260))
    flash_file = (flash / "feeds" / feed / "cosignatures").read_bytes()

    # the office's copy brought to the flash drive: not a fork; the flash keeps its bytes and
    # gains the office's cosignature
    result = replicate(office, flash, school.root)
    assert result.ok and not result.forks, [f.problems for f in result.feeds]
    (synced,) = result.feeds
    assert synced.status == "ok" and synced.bytes_copied > 0
    merged = (flash / "feeds" / feed / "cosignatures").read_bytes()
    assert merged.startswith(flash_file) and len(merged) > len(flash_file)
    names = {"ejournal/witness/director", "ejournal/witness/rono"}
    assert _witnesses(flash, feed) >= names
    report = verify_data_dir(flash, school.root)
    assert report.ok and report.feeds[0].cosignatures == 2
    # and back: the office gets the director's; nothing more moves after that
    assert replicate(flash, office, school.root).ok
    assert _witnesses(office, feed) >= names
    assert verify_data_dir(office, school.root).feeds[0].cosignatures == 2
    for source, dest in ((office, flash), (flash, office)):
        again = replicate(source, dest, school.root)
        assert again.ok and again.bytes_written == 0
    # the server, behind neither, takes both too; and a later week still syncs on top
    assert replicate(flash, school.path, school.root).ok
    assert verify_data_dir(school.path, school.root).feeds[0].cosignatures == 2
    with school.open() as writer:
        append_entries(writer, 20)
    grown = replicate(school.path, flash, school.root)
    assert grown.ok and grown.feeds[0].entries_copied == 20
    assert replicate(school.path, office, school.root).ok
    assert verify_data_dir(office, school.root).ok


def test_a_cosigned_checkpoint_with_another_root_is_still_a_fork(
    school: School, tmp_path: Path
) -> None:
    rono = _certify(school, "ejournal/witness/rono")
    feed = school.feed_id
    flash, office = tmp_path / "flash", tmp_path / "office"
    for copy in (flash, office):
        assert replicate(school.path, copy, school.root).ok
    note = latest_checkpoint_note(school.feed_dir)
    record_cosignature(flash / "feeds" / feed, cosign(note, rono, timestamp=1788226200))
    cp = parse_checkpoint(note.text)
    other_root = bytes(32) if cp.root != bytes(32) else b"\x01" * 32
    forged = Note(Checkpoint(cp.origin, cp.size, other_root).text(), ())
    record_cosignature(office / "feeds" / feed, cosign(forged, rono, timestamp=1788226260))
    before = snapshot(flash / "feeds")
    result = replicate(office, flash, school.root)
    (fork,) = result.forks
    assert "another root" in " ".join(fork.problems)
    assert snapshot(flash / "feeds") == before
