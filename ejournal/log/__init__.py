"""The record of truth: signed, append-only feeds of canonical JSON lines (docs/FORMAT.md).

This package is the public face of the log; its submodules are cut by what they are about:
``merkle`` (RFC 6962 trees), ``note`` (C2SP signed notes), ``checkpoint``, ``entry``,
``keys``, ``storage`` (files), ``feed`` (the writer), ``verify`` and ``witness``.
"""

from .checkpoint import Checkpoint
from .entry import FORMAT_VERSION, Entry
from .errors import (
    BadSignatureError,
    FeedClosedError,
    FeedLockedError,
    FormatError,
    IntegrityError,
    KeyFileError,
    LogError,
    ProofError,
    RootMismatchError,
    SequenceError,
)
from .feed import Feed, NewEntry, SigningPolicy
from .reader import read_entries
from .recovery import Recovery
from .verify import Problem, Report, verify_data_dir, verify_feed

__all__ = [
    "FORMAT_VERSION",
    "BadSignatureError",
    "Checkpoint",
    "Entry",
    "Feed",
    "FeedClosedError",
    "FeedLockedError",
    "FormatError",
    "IntegrityError",
    "KeyFileError",
    "LogError",
    "NewEntry",
    "Problem",
    "ProofError",
    "Recovery",
    "Report",
    "RootMismatchError",
    "SequenceError",
    "SigningPolicy",
    "read_entries",
    "verify_data_dir",
    "verify_feed",
]
