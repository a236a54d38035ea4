"""Identifiers of things a school records: a short prefix and random letters (``mrk-3kq9x2ab``).

Random so that two devices never make the same id; the demo school seeds the factory to be
reproducible.
"""

from __future__ import annotations

import random
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


class IdFactory:
    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else None

    def new(self, prefix: str) -> str:
        if self._random is not None:
            chars = "".join(self._random.choice(_ALPHABET) for _ in range(10))
        else:
            chars = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        return f"{prefix}-{chars}"
