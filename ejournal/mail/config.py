"""The school's SMTP settings: ``DATA_DIR/mail.toml``, a local file (0600) and never in the log
or the archive, since it holds the mail server's password.

::

    [smtp]
    host = "smtp.example.ru"
    port = 587
    security = "starttls"        # "starttls" | "ssl" | "none"
    user = "school7@example.ru"  # optional
    password = "…"               # optional
    sender = "Школа № 7 <school7@example.ru>"
    base_url = "https://journal.school7.ru"   # where the unsubscribe links point
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_FILE = "mail.toml"
SECURITY = ("starttls", "ssl", "none")


class MailConfigError(ValueError):
    """mail.toml is missing, unreadable or wrong (a usage problem)."""


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int
    sender: str
    base_url: str
    security: str = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 20.0


def load_config(data_dir: Path) -> MailConfig:
    """Read ``DATA_DIR/mail.toml``.

    Raises:
        MailConfigError: no file, bad TOML, a missing or wrong setting, or a file others can read.
    """
    path = Path(data_dir) / CONFIG_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise MailConfigError(f"{path}: no mail settings (see ejournal/mail/config.py)") from e
    if path.stat().st_mode & 0o077:
        raise MailConfigError(
            f"{path}: holds a password, must be readable by its owner only (0600)"
        )
    try:
        smtp = tomllib.loads(raw.decode("utf-8")).get("smtp", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MailConfigError(f"{path}: not valid TOML: {e}") from e
    try:
        config = MailConfig(
            host=str(smtp["host"]),
            port=int(smtp.get("port", 587)),
            sender=str(smtp["sender"]),
            base_url=str(smtp["base_url"]).rstrip("/"),
            security=str(smtp.get("security", "starttls")),
            user=str(smtp.get("user", "")),
            password=str(smtp.get("password", "")),
            timeout=float(smtp.get("timeout", 20.0)),
        )
    except KeyError as e:
        raise MailConfigError(f"{path}: [smtp] needs {e.args[0]}") from e
    except (TypeError, ValueError) as e:
        raise MailConfigError(f"{path}: {e}") from e
    if config.security not in SECURITY:
        raise MailConfigError(f"{path}: security must be one of {', '.join(SECURITY)}")
    if not 0 < config.port < 65536:
        raise MailConfigError(f"{path}: bad port {config.port}")
    return config
