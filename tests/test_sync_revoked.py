"""A stolen server (issue #9; docs/FORMAT.md §7): the school restores onto a new server and
revokes the old server's device key with the root key, in the NEW server's feed. Entries the
thief appends to the old feed afterwards, signed by the revoked key, are refused by sync —
into the new server and into a backup medium of it — and reported (exit 1, an alarm); the
entries up to the revocation's ``valid-through`` still copy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import Clock, School, append_entries, copy_school, snapshot

from ejournal.cli import main
from ejournal.datadir import DataDir
from ejournal.log import SigningPolicy, verify_data_dir
from ejournal.log.entry import format_time
from ejournal.log.keys import Revocation, load_private_key, sign_statement
from sync.backup import backup
from sync.records import read_alarms
from sync.replica import replicate
from sync.restore import restore


def test_entries_signed_by_a_revoked_device_key_after_its_revocation_are_refused(
    school: School, tmp_path: Path
) -> None:
    with school.open() as feed:
        append_entries(feed, 40, batch=10)
    flash = tmp_path / "flash"
    assert replicate(school.path, flash, school.root).ok
    revoked_at = school.data_dir.feeds / school.feed_id
    valid_through = sum(p.read_bytes().count(b"\n") for p in revoked_at.glob("seg-*"))
    stolen = copy_school(school, tmp_path / "stolen")  # what the thief runs
    # The new server, restored from the flash drive, revokes the old device key in its feed.
    root_signer = load_private_key(school.data_dir.root_key)
    new = tmp_path / "new"
    assert restore(flash, new, school.root, root_signer=root_signer).ok
    revocation = Revocation(
        school.data_dir.device_signer().verifier(),
        school.feed_id,
        valid_through,
        format_time(school.clock.now()),
        "сервер украден",
    )
    with DataDir(new).open_feed(clock=Clock(), policy=SigningPolicy(background=False)) as feed:
        feed.append_one(
            "key.revoke", {"revocation": sign_statement(revocation, root_signer)}, "system"
        )
    # The thief keeps writing to the old feed with the old key, checkpoints and all.
    with stolen.open() as feed:
        append_entries(feed, 30, batch=10)
    before = snapshot(new / "feeds")
    result = CliRunner().invoke(main, ["sync", str(new), str(stolen.path)])
    assert result.exit_code == 1, result.output
    assert "revoked" in result.output and "сервер украден" in result.output
    assert snapshot(new / "feeds") == before
    (alarm,) = read_alarms(new)
    assert alarm["kind"] == "invalid" and alarm["operation"] == "sync"
    # A backup medium of the new server (its feed's verified state holds the revocation)
    # refuses the stolen feed's new entries too.
    medium = tmp_path / "medium"
    medium.mkdir()
    made = backup(new, medium, "флешка в сейфе")
    assert made.ok, made.verify.all_problems
    copy = made.folder
    before = snapshot(copy / "feeds")
    refused = replicate(stolen.path, copy, school.root)
    (feed_result,) = [f for f in refused.feeds if f.feed == school.feed_id]
    assert feed_result.status == "invalid" and "revoked" in feed_result.problems[0]
    assert snapshot(copy / "feeds") == before
    # the other feeds of the run are not held back; the old feed up to valid-through was fine
    assert verify_data_dir(new, school.root).ok
    assert DataDir(new).feeds.joinpath(school.feed_id).is_dir()
