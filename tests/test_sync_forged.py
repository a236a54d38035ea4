"""A flash drive that carries a forged feed, and incremental verification (issue #9).

Forged on the medium: a checkpoint signed by a foreign key, a rewritten entry, a rolled-back
checkpoint; each is refused (or, for an older copy, taken as "behind"), reported, and nothing on
the receiving server changes. Incremental: a second sync verifies only the new entries, from
the state kept beside the copy; a state that does not match its copy is not trusted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import School, append_entries, copy_school, make_school, snapshot

import sync.replica as replica_mod
from ejournal.cli import main
from ejournal.log import verify_data_dir
from ejournal.log.checkpoint import frame_note
from ejournal.log.note import parse_note, sign_note
from sync.records import read_alarms
from sync.replica import STATE_DIR, replicate


def _grow(school: School, count: int) -> None:
    with school.open() as feed:
        append_entries(feed, count, batch=50)


@pytest.fixture
def grown(school: School) -> School:
    _grow(school, 300)
    return school


def _sync(server: School, source: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", str(server.path), str(source)])
    return result.exit_code, result.output


def _flash_ahead(grown: School, tmp_path: Path) -> Path:
    """A flash drive holding the server's feed and 40 entries more (from another run)."""
    flash = tmp_path / "flash"
    replicate(grown.path, flash, grown.root)
    other = copy_school(grown, tmp_path / "ahead")
    _grow(other, 40)
    replicate(other.path, flash, grown.root)
    return flash


def test_checkpoint_signed_by_a_foreign_key_is_refused(grown: School, tmp_path: Path) -> None:
    flash = _flash_ahead(grown, tmp_path)
    notes_path = flash / "feeds" / grown.feed_id / "checkpoints"
    data = notes_path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n\n", 0, data.rstrip(b"\n").rfind(b"\n\n")) + 2
    note = parse_note(data[last_start:-1])
    stranger = make_school(tmp_path / "stranger")
    signer = stranger.data_dir.device_signer()
    forged = sign_note(note.text, [signer])
    notes_path.write_bytes(data[:last_start] + frame_note(forged))
    before = snapshot(grown.path / "feeds"), snapshot(grown.path / "keys")
    code, out = _sync(grown, flash)
    assert code == 1 and "checkpoint of size 341" in out, out
    assert (snapshot(grown.path / "feeds"), snapshot(grown.path / "keys")) == before
    (alarm,) = read_alarms(grown.path)
    assert alarm["kind"] == "invalid" and alarm["operation"] == "sync"


def test_rewritten_entry_on_the_flash_is_refused(grown: School, tmp_path: Path) -> None:
    flash = _flash_ahead(grown, tmp_path)
    seg = sorted((flash / "feeds" / grown.feed_id).glob("seg-*"))[-1]
    seg.chmod(0o644)
    data = seg.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 1
    seg.write_bytes(data[:cut] + data[cut:].replace(b'"value":"', b'"value":"1', 1))
    feeds_before = snapshot(grown.path / "feeds")
    code, out = _sync(grown, flash)
    assert code == 1 and "do not hash to the root" in out, out
    assert snapshot(grown.path / "feeds") == feeds_before
    assert read_alarms(grown.path)


def test_rewritten_old_entry_on_the_flash_is_a_fork(grown: School, tmp_path: Path) -> None:
    """An entry the server already has, changed on the flash drive: the copies disagree."""
    flash = _flash_ahead(grown, tmp_path)
    seg = sorted((flash / "feeds" / grown.feed_id).glob("seg-*"))[-1]
    seg.chmod(0o644)
    seg.write_bytes(seg.read_bytes().replace(b'"value":"3"', b'"value":"5"', 1))
    feeds_before = snapshot(grown.path / "feeds")
    code, out = _sync(grown, flash)
    assert code == 1 and "FORK" in out, out
    assert snapshot(grown.path / "feeds") == feeds_before


def test_rolled_back_checkpoint_on_the_flash_changes_nothing(grown: School, tmp_path: Path) -> None:
    """The flash drive's checkpoints cut back to an older one: an older copy, taken as behind;
    with a different checkpoint at that older size instead, it is a fork."""
    flash = tmp_path / "flash"
    replicate(grown.path, flash, grown.root)
    _grow(grown, 20)
    notes_path = flash / "feeds" / grown.feed_id / "checkpoints"
    data = notes_path.read_bytes()
    first_end = data.find(b"\n\n", data.find(b"\n\n") + 2) + 2
    notes_path.write_bytes(data[:first_end])
    feeds_before = snapshot(grown.path / "feeds")
    code, out = _sync(grown, flash)
    assert code == 0 and "ahead" in out, out
    assert snapshot(grown.path / "feeds") == feeds_before
    # now a forged checkpoint at the same old size with another root
    note = parse_note(data[: first_end - 1])
    lines = note.text.split("\n")
    lines[2] = "A" * 43 + "="
    stranger = make_school(tmp_path / "stranger").data_dir.device_signer()
    notes_path.write_bytes(frame_note(sign_note("\n".join(lines), [stranger])))
    code, out = _sync(grown, flash)
    assert code == 1 and "FORK" in out, out
    assert snapshot(grown.path / "feeds") == feeds_before


# --- incremental verification -----------------------------------------------------------------


def test_second_sync_verifies_only_the_new_entries(
    grown: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int]] = []
    real = replica_mod.verify_extension

    def spy(state, root, notes, cosigs, chunks):  # type: ignore[no-untyped-def]
        chunks = list(chunks)
        calls.append((state.size, sum(data.count(b"\n") for _, data in chunks)))
        return real(state, root, notes, cosigs, chunks)

    monkeypatch.setattr(replica_mod, "verify_extension", spy)
    flash = tmp_path / "flash"
    replicate(grown.path, flash, grown.root)
    assert calls == [(0, 301)]
    _grow(grown, 57)
    calls.clear()
    result = replicate(grown.path, flash, grown.root)
    assert result.feeds[0].verified_from == 301
    # the state at 301 came from the state file: only the segment being extended is read, and
    # of it only the 57 new lines are verified
    assert calls == [(301, 57)]
    assert verify_data_dir(flash, grown.root).ok


def test_a_state_that_does_not_match_its_copy_is_not_trusted(grown: School, tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    replicate(grown.path, flash, grown.root)
    state_path = flash / STATE_DIR / f"{grown.feed_id}.json"
    text = state_path.read_text()
    # a forged compact range: its root is not the copy's signed root, so the copy is
    # verified again from its first entry instead
    obj = json.loads(text)
    obj["range"][0] = "A" * 43 + "="
    state_path.write_text(json.dumps(obj))
    _grow(grown, 10)
    result = replicate(grown.path, flash, grown.root)
    assert result.ok and result.entries_copied == 10
    assert json.loads(state_path.read_text())["size"] == 311
    assert verify_data_dir(flash, grown.root).ok
