"""The ``ejournal`` command line: init, verify, checkpoint; exit codes 0 / 1 / 2 and messages."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from conftest import School, append_entries, rewrite, snapshot

from ejournal.cli import main
from ejournal.log.keys import new_root_key, write_public_key

EJOURNAL = Path(sys.executable).with_name("ejournal")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="ejournal")


def run_installed(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a school's technician runs it."""
    return subprocess.run(
        [str(EJOURNAL), *args], capture_output=True, text=True, timeout=60, check=False
    )


def tamper_a_mark(school: School) -> str:
    with school.open() as feed:
        append_entries(feed, 10)
    segment = school.segments()[0]
    data = segment.read_bytes()
    lines = data.split(b"\n")
    assert b'"value":"4"' in lines[6]
    lines[6] = lines[6].replace(b'"value":"4"', b'"value":"5"')
    rewrite(segment, b"\n".join(lines))
    return segment.name


def test_init_then_verify_prints_ok(tmp_path: Path) -> None:
    data_dir = tmp_path / "school"
    created = run("init", str(data_dir))
    assert created.exit_code == 0, created.output
    assert "device feed:" in created.stdout
    assert str(data_dir / "keys" / "root.key") in created.stdout
    verified = run("verify", str(data_dir))
    assert verified.exit_code == 0, verified.output
    assert "OK: 1 entries verified" in verified.stdout
    assert "1 checkpoints" in verified.stdout and "closed" in verified.stdout
    assert verified.stderr == ""


def test_the_installed_command_inits_and_verifies(tmp_path: Path) -> None:
    data_dir = tmp_path / "school"
    assert run_installed("init", str(data_dir)).returncode == 0
    verified = run_installed("verify", str(data_dir))
    assert verified.returncode == 0, verified.stderr
    assert "OK" in verified.stdout


def test_quiet_verify_prints_nothing_when_all_is_well(school: School) -> None:
    result = run("verify", "-q", str(school.path))
    assert result.exit_code == 0 and result.output == ""


def test_verify_after_tampering_fails_with_exit_1_and_the_place(school: School) -> None:
    segment = tamper_a_mark(school)
    result = run("verify", str(school.path))
    assert result.exit_code == 1
    assert "OK" not in result.stdout
    [fail] = result.stderr.splitlines()
    assert fail.startswith(f"FAIL {school.feed_id}/{segment} line ")
    assert "do not hash to the root of the signed checkpoint" in fail


def test_the_installed_verify_fails_with_exit_1_and_the_place(school: School) -> None:
    segment = tamper_a_mark(school)
    result = run_installed("verify", "--quiet", str(school.path))
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"FAIL {school.feed_id}/{segment} line " in result.stderr


def test_verify_of_a_missing_directory_exits_2_with_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    result = run_installed("verify", str(missing))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {missing} is not a directory\n"


def test_verify_of_a_directory_that_is_no_school_exits_2(tmp_path: Path) -> None:
    result = run("verify", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {tmp_path} is not an ejournal data directory (run 'ejournal init')"
    ]


def test_init_over_an_existing_school_refuses_and_changes_nothing(school: School) -> None:
    before = snapshot(school.path)
    result = run_installed("init", str(school.path))
    assert result.returncode == 2
    assert "refusing to overwrite" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(school.path) == before


def test_verify_with_another_root_key_fails(school: School, tmp_path: Path) -> None:
    other = new_root_key().verifier()
    by_line = run("verify", "--root-key", other.vkey(), str(school.path))
    assert by_line.exit_code == 1
    assert other.vkey() in by_line.stdout
    assert f"FAIL {school.feed_id}/seg-000000000000.jsonl line 1 " in by_line.stderr
    assert "not signed by the school root key" in by_line.stderr

    key_file = tmp_path / "other-root.vkey"
    write_public_key(key_file, other)
    by_file = run("verify", "--root-key", str(key_file), str(school.path))
    assert by_file.exit_code == 1


def test_verify_with_the_right_root_key_given_explicitly_passes(school: School) -> None:
    result = run("verify", "--root-key", school.root.vkey(), str(school.path))
    assert result.exit_code == 0, result.output


def test_verify_with_a_malformed_root_key_exits_2(school: School) -> None:
    result = run("verify", "--root-key", "not-a-key", str(school.path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --root-key is neither a file nor a verifier key")


@pytest.mark.parametrize("name", ["root.key", "device.key"])
def test_private_keys_are_readable_by_the_owner_only(school: School, name: str) -> None:
    mode = stat.S_IMODE((school.data_dir.keys / name).stat().st_mode)
    assert mode == 0o600


def test_checkpoint_signs_the_feed(school: School) -> None:
    result = run("checkpoint", str(school.path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "checkpoint: 1 entries\n"


def test_checkpoint_while_a_writer_holds_the_feed_exits_2(school: School) -> None:
    with school.open():
        result = run("checkpoint", str(school.path))
    assert result.exit_code == 2
    [message] = result.stderr.splitlines()
    assert message.startswith("error: ") and school.feed_id in message


def test_version_is_printed() -> None:
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("ejournal, version ")


COMMANDS = sorted(main.commands)  # type: ignore[attr-defined]


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMANDS]], ids=repr)
def test_every_command_and_option_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: {' '.join(['ejournal', *command])} ")
    cmd: click.Command = main.commands[command[0]] if command else main  # type: ignore[attr-defined]
    assert cmd.help and cmd.help.strip()
    assert words(cmd.help.split("\n\n")[0]) in words(result.stdout)
    for option in cmd.params:
        if isinstance(option, click.Option):
            assert option.help, f"{option.name} has no help"
