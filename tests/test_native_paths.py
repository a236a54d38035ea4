"""Where the native scanner runs besides full verification (docs/adr/0009): the line check of
the projection rebuild, reopening a feed, and what `ejournal verify` says without it. Each is
compared with the reference path (tests/test_fastscan.py checks the scanner itself)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest
from conftest import School, append_entries, reference_path_only, rewrite

from ejournal.log import SigningPolicy
from ejournal.log.errors import FormatError, RootMismatchError
from ejournal.log.reader import check_lines, read_chunks
from ejournal.log.recovery import reopen
from ejournal.log.resume import RESUME


def test_check_lines_gives_the_verdict_of_the_bulk_parser(school: School) -> None:
    with school.open(policy=SigningPolicy(max_unsigned_entries=50, background=False)) as feed:
        append_entries(feed, 300, batch=7)
    feed_dir = school.feed_dir
    assert check_lines(feed_dir) == sum(map(len, read_chunks(feed_dir))) == 301
    with reference_path_only():
        assert check_lines(feed_dir) == 301
    (segment,) = school.segments()
    lines = segment.read_bytes().split(b"\n")
    lines[150] = lines[150].replace(b'"v":1}', b'"v": 1}')  # not canonical
    lines[151] = lines[151].replace(b'"seq":151', b'"seq":9')  # parses: not this check's job
    rewrite(segment, b"\n".join(lines))
    with pytest.raises(FormatError) as native:
        check_lines(feed_dir)
    with pytest.raises(FormatError) as reference:
        list(read_chunks(feed_dir))
    assert native.value.message == reference.value.message
    assert "canonical" in native.value.message


def test_verify_says_when_it_runs_without_the_native_scanner(school: School) -> None:
    ejournal = [sys.executable, "-m", "ejournal.cli", "verify", str(school.path)]
    env = dict(os.environ, EJOURNAL_PURE_VERIFY="1")
    slow = subprocess.run(ejournal, env=env, capture_output=True, text=True, check=False)
    fast = subprocess.run(ejournal, capture_output=True, text=True, check=False)
    assert slow.returncode == fast.returncode == 0, slow.stderr + fast.stderr
    assert "native fast path of verification is switched off" in slow.stdout
    assert "native fast path" not in fast.stdout


def _reopened(school: School) -> tuple[object, ...]:
    (school.feed_dir / RESUME).unlink(missing_ok=True)  # read the whole feed
    r = reopen(school.feed_dir, school.data_dir.device_signer().verifier())
    return (r.size, r.tree.root(), r.last_time, r.signed_size, r.segment_bytes, r.recovery)


def test_reopening_hashes_the_signed_part_natively_with_the_reference_result(
    school: School,
) -> None:
    policy = SigningPolicy(max_unsigned_entries=1500, background=False)
    with school.open(policy=policy, segment_limit=300_000) as feed:
        append_entries(feed, 2600, batch=100)
    with school.open(policy=SigningPolicy(max_unsigned_entries=10_000, background=False)) as f:
        append_entries(f, 20, batch=1)  # an unsigned tail after the last checkpoint
    last = school.segments()[-1]
    with last.open("ab") as out:
        out.write(b'{"actor":"torn')  # and a torn last line, cut on open
    native = _reopened(school)
    with last.open("ab") as out:
        out.write(b'{"actor":"torn')
    with reference_path_only():
        reference = _reopened(school)
    assert native == reference and native[0] == 2621 and native[3] >= 2500
    assert len(school.segments()) > 1


def test_reopening_finds_a_changed_signed_line_natively_as_the_reference_does(
    school: School,
) -> None:
    with school.open(policy=SigningPolicy(max_unsigned_entries=5000, background=False)) as f:
        append_entries(f, 3000, batch=500)
    (segment,) = school.segments()
    data = segment.read_bytes()
    rewrite(segment, data.replace(b'"seq":1234,', b'"seq":1234 ,', 1))
    messages = []
    for context in (contextlib.nullcontext(), reference_path_only()):
        with context, pytest.raises(RootMismatchError) as e:
            _reopened(school)
        messages.append(str(e.value))
    assert messages[0] == messages[1]
