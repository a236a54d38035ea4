"""Benchmark of replication (issue #9): a weekly incremental backup of a big school against
``cp`` of the same new bytes, and a full restore.

    .venv/bin/python bench/bench_sync.py --school /tmp/sync-demo10 --work /tmp/sync-bench

``--school`` is a data directory you may write to (a COPY of the shared demo school: the
benchmark appends a week of entries to its feed). Steps:

1. a first backup to ``WORK/flash`` (the whole history; the medium's verified state is made);
2. a week of new entries appended to the device feed (raw feed appends: the latest entries'
   types, data and actors again, as many as an average school week holds);
3. the weekly backup: time and bytes written, the time of the old full-history verification
   for comparison, and ``cp`` (and ``cp`` + ``sync``) of exactly the new bytes to the same medium;
4. a full restore of the medium into an empty folder (copy + verification of every entry, the
   new feed and attached files, projection rebuild; wall and CPU time per stage).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ejournal.datadir import DataDir  # noqa: E402
from ejournal.log.feed import NewEntry, SigningPolicy  # noqa: E402
from ejournal.log.reader import read_entries  # noqa: E402
from ejournal.log.storage import list_segments  # noqa: E402
from ejournal.log.verify import verify_data_dir  # noqa: E402
from sync.backup import backup  # noqa: E402
from sync.restore import restore  # noqa: E402


def _feed_bytes(dd: DataDir) -> dict[str, int]:
    out = {}
    for feed in sorted(p for p in dd.feeds.iterdir() if p.is_dir()):
        for path in feed.iterdir():
            if path.is_file() and path.name != "lock":
                out[f"{feed.name}/{path.name}"] = path.stat().st_size
    return out


def _a_week(dd: DataDir, weeks_of_history: int) -> int:
    """Append an average week of entries to the device feed; returns how many."""
    feed_dir = dd.feeds / dd.device_feed_id()
    segments = list_segments(feed_dir)
    total = sum(path.read_bytes().count(b"\n") for _, path in segments)
    count = max(1, total // weeks_of_history)
    first, _ = segments[-1]
    start = max(first, total - count)
    recent = [e for e in read_entries(feed_dir, start) if e.type != "key.certify"]
    new = [NewEntry(e.type, e.data, e.actor) for e in recent][:count]
    while len(new) < count:
        new += new[: count - len(new)]
    with dd.open_feed(policy=SigningPolicy(background=False)) as feed:
        for i in range(0, count, 500):  # a school day's commits come in small groups
            feed.append(new[i : i + 500])
    return count


def _time(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--school", type=Path, required=True, help="a writable data directory")
    parser.add_argument("--work", type=Path, required=True, help="a folder for the medium")
    parser.add_argument("--years", type=int, default=10, help="years of history in --school")
    parser.add_argument("--skip-restore", action="store_true")
    parser.add_argument(
        "--full-verify-restore", action="store_true", help="the restore verifies a second time"
    )
    parser.add_argument(
        "--reuse-medium", action="store_true", help="keep WORK/flash from a previous run"
    )
    parser.add_argument(
        "--skip-full-verify", action="store_true", help="do not time the old full verification"
    )
    args = parser.parse_args()
    dd = DataDir(args.school).require()
    root = dd.root_verifier()
    flash = args.work / "flash"
    if not (args.reuse_medium and flash.is_dir()):
        shutil.rmtree(args.work, ignore_errors=True)
        flash.mkdir(parents=True)
        started = time.perf_counter()
        first = backup(dd.path, flash, "bench: first copy")
        print(
            f"first backup: {first.sync.entries_copied:,} entries, "
            f"{first.sync.bytes_written / 1e6:,.1f} MB written in "
            f"{time.perf_counter() - started:.1f} s (ok={first.ok})"
        )
    shutil.rmtree(args.work / "restored", ignore_errors=True)

    before = _feed_bytes(dd)
    week = _a_week(dd, args.years * 34)
    after = _feed_bytes(dd)
    new_bytes = sum(after[k] - before.get(k, 0) for k in after)
    print(f"a week of new entries: {week:,} entries, {new_bytes / 1e6:.2f} MB new in the feed")

    started, cpu = time.perf_counter(), time.process_time()
    weekly = backup(dd.path, flash, "bench: weekly copy")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    f = weekly.sync.feeds[0]
    print(
        f"weekly backup: {seconds:.2f} s, CPU {cpu:.2f} s (ok={weekly.ok}; copy "
        f"{weekly.sync.seconds:.2f} s), "
        f"{weekly.sync.entries_copied:,} entries, {weekly.sync.bytes_copied / 1e6:.2f} MB new, "
        f"{weekly.sync.bytes_written / 1e6:.2f} MB written (whole files staged and renamed), "
        f"verified from entry {f.verified_from:,}"
    )

    blob = args.work / "new-bytes"
    with open(blob, "wb") as out:
        for name, size in after.items():
            path = dd.feeds / name
            with open(path, "rb") as src:
                src.seek(before.get(name, 0))
                out.write(src.read(size - before.get(name, 0)))
    cp = _time(["cp", str(blob), str(flash / "cp-new-bytes")])
    cp_sync = _time(["sh", "-c", f"cp {blob} {flash}/cp-new-bytes2 && sync {flash}/cp-new-bytes2"])
    print(f"cp of the same {new_bytes / 1e6:.2f} MB: {cp:.3f} s; cp + sync: {cp_sync:.3f} s")
    for extra in ("cp-new-bytes", "cp-new-bytes2"):
        (flash / extra).unlink()

    if args.skip_full_verify:
        pass
    else:
        started = time.perf_counter()
        report = verify_data_dir(dd.path, root)
        print(
            f"for comparison, the old way (full verification of the source each run): "
            f"{time.perf_counter() - started:.1f} s over {report.entries:,} entries"
        )

    if args.skip_restore:
        return
    target = args.work / "restored"
    started = time.perf_counter()
    result = restore(flash, target, root, full_verify=args.full_verify_restore)
    total = time.perf_counter() - started
    stages = ", ".join(
        f"{k} {v:.1f} s (CPU {result.cpu.get(k, 0):.1f} s)" for k, v in result.seconds.items()
    )
    print(f"full restore: {total:.1f} s (ok={result.ok}; {stages}), {result.entries:,} entries")


if __name__ == "__main__":
    main()
