"""Scoring of tests (R-DST-2): pure functions of a question, an answer and the teacher's scale.

- single choice: the question's points when the one option chosen is the correct one;
- multiple choice: the points when the options chosen are exactly the correct ones (no partial
  credit: a school test counts a task as done or not);
- short answer: the points when the text, compared without case, outer and repeated spaces,
  and with ё read as е, is one of the accepted variants;
- number: the points when the number (a comma or a point as the decimal sign) is within the
  tolerance of the answer;
- free text: no score until the teacher gives one by hand.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

KINDS = {
    "single": "один ответ",
    "multiple": "несколько ответов",
    "short": "краткий ответ",
    "number": "число",
    "free": "развёрнутый ответ (проверяет учитель)",
}
CONTROLS = {"intermediate": "промежуточный", "spot_check": "срезовый", "final": "итоговый"}


@dataclass(frozen=True)
class Question:
    question: str
    kind: str
    points: int
    correct: tuple[int, ...] = ()  # option numbers (single, multiple)
    accepted: tuple[str, ...] = ()  # short
    number: str = ""  # number
    tolerance: str = ""


def normalise(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").casefold().split())


def parse_number(text: str) -> Decimal | None:
    """A decimal number as people type it: «3,5», « -2 », «1e3» is refused (not a school form)."""
    text = text.strip().replace(",", ".").replace("−", "-")
    if not text or any(ch not in "0123456789.-+" for ch in text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def score(q: Question, answer: list[str]) -> int | None:
    """Points for an answer (``[]`` when none was given); None for free text (marked by hand)."""
    if q.kind == "free":
        return None
    if not answer:
        return 0
    if q.kind == "single":
        return q.points if len(answer) == 1 and answer[0] == str(q.correct[0]) else 0
    if q.kind == "multiple":
        return q.points if set(answer) == {str(n) for n in q.correct} else 0
    if q.kind == "short":
        given = normalise(answer[0])
        return q.points if given and given in {normalise(a) for a in q.accepted} else 0
    if q.kind == "number":
        value, target = parse_number(answer[0]), parse_number(q.number)
        tolerance = parse_number(q.tolerance or "0") or Decimal(0)
        if value is None or target is None:
            return 0
        return q.points if abs(value - target) <= tolerance else 0
    raise ValueError(f"unknown question kind {q.kind!r}")


def mark_for(points: int, scale: list[tuple[str, int]]) -> str:
    """The mark of the highest step whose minimum the points reach (scale: (mark, min points))."""
    reached = [(m, value) for value, m in scale if points >= m]
    if not reached:
        raise ValueError("the scale has no step for these points")
    return max(reached)[1]


def draw(pool: list[str], count: int, seed: str, student: str) -> list[str]:
    """The questions of a student's attempt: all in order (``count`` 0 or the whole pool), or
    ``count`` drawn at random, the same every time for the same seed and student."""
    if count <= 0 or count >= len(pool):
        return list(pool)
    return random.Random(f"{seed}/{student}").sample(pool, count)
