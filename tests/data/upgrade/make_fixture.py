"""Made the data directory ``v1/`` beside this file, with the code of main at b5bb358 (data
directory format 1: no FORMAT file, projection schema version 1). Kept to show how; not run by
the tests (the point of the fixture is that it was made by the PREVIOUS version of the code).

    PYTHONPATH=tests python tests/data/upgrade/make_fixture.py tests/data/upgrade/v1
"""

from __future__ import annotations

import sys
from pathlib import Path

from school import SETUP_TIME, TEST_TIME, SchoolClock, build_school, open_journal

from ejournal.datadir import init_data_dir
from ejournal.log import SigningPolicy
from ejournal.model.commands import teaching


def main(path: Path) -> None:
    clock = SchoolClock(SETUP_TIME)
    init_data_dir(path, clock=clock, policy=SigningPolicy(background=False))
    with open_journal(path, clock) as j:
        ids = build_school(j)
        clock.current = TEST_TIME
        lesson = teaching.record_lesson(
            j, ids.math_teacher, course=ids.math_5a, date="2026-11-16", number=1, topic="Дроби"
        )
        for student, value in zip(ids.students_5a, "5432", strict=True):
            teaching.give_mark(
                j, ids.math_teacher, lesson=lesson, student=student, value=value, kind="У"
            )
        j.feed.checkpoint()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
