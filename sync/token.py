"""The replication token of a server: who may read its feeds over HTTP (web/views/feeds.py).

``DATA_DIR/replication.token`` (0600) holds one line: 43 URL-safe base64 characters (32 random
bytes). No file, no replication: the endpoints answer 404. A peer sends the token as
``Authorization: Bearer <token>``; it is compared in constant time. The token only lets a peer
read what it would find on a backup medium (feeds and public keys); it writes nothing.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "replication.token"


def ensure_token(data_dir: Path) -> str:
    """The server's token, created (0600) when there is none."""
    path = data_dir / TOKEN_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    return token


def read_token(data_dir: Path) -> str | None:
    path = data_dir / TOKEN_FILE
    try:
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return token or None


def token_matches(data_dir: Path, authorization: str | None) -> bool:
    """Whether an ``Authorization`` header carries this server's token."""
    token = read_token(data_dir)
    if token is None or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization[7:].strip().encode(), token.encode())
