"""Accounts, passwords and sessions: the local auth store ``DATA_DIR/auth.sqlite``.

Not part of the log and never archived (DESIGN.md): password hashes (argon2id), sign-in
throttling and sessions live here; who holds which role, and when, is in the log.
"""

from .store import (
    AuthError,
    AuthStore,
    LoginRefused,
    LoginThrottled,
    PasswordPolicyError,
    Session,
    SignIn,
)

__all__ = [
    "AuthError",
    "AuthStore",
    "LoginRefused",
    "LoginThrottled",
    "PasswordPolicyError",
    "Session",
    "SignIn",
]
