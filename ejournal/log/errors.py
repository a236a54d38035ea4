"""The error vocabulary of the log: every way reading, writing or checking a feed can fail.

Each error has a stable machine ``code`` (for the CLI, logs and tests) and a Russian
``message_ru`` for the web UI. Errors about untrusted bytes (files, notes, proofs) derive
from :class:`IntegrityError`; mistakes of the calling code stay ``ValueError``.
"""

from __future__ import annotations


class LogError(Exception):
    """Root of all log errors."""

    code = "log_error"
    message_ru = "Ошибка журнала записей."

    def __init__(self, message: str, *, place: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.place = place

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class FeedLockedError(LogError):
    """Another writer holds the feed."""

    code = "feed_locked"
    message_ru = "Журнал уже открыт для записи другим процессом. Остановите его и повторите."


class FeedClosedError(LogError):
    """The feed was closed, or a failed write left it unusable until reopened."""

    code = "feed_closed"
    message_ru = "Журнал закрыт для записи."


class KeyFileError(LogError):
    """A key file is missing, unreadable, malformed or has unsafe permissions."""

    code = "key_file"
    message_ru = "Файл ключа отсутствует или повреждён."


class IntegrityError(LogError):
    """Untrusted data failed a check: the record of truth may have been damaged or altered."""

    code = "integrity"
    message_ru = "Нарушена целостность журнала."


class FormatError(IntegrityError):
    """Bytes do not follow docs/FORMAT.md (bad JSON, wrong field, non-canonical encoding…)."""

    code = "format"
    message_ru = "Запись журнала не соответствует формату."


class SequenceError(IntegrityError):
    """Entries are missing, repeated or out of order."""

    code = "sequence"
    message_ru = "Нарушен порядок записей журнала."


class BadSignatureError(IntegrityError):
    """A signature does not verify, or no trusted key signed."""

    code = "bad_signature"
    message_ru = "Подпись недействительна."


class ProofError(IntegrityError):
    """An inclusion or consistency proof does not verify."""

    code = "bad_proof"
    message_ru = "Доказательство целостности не сходится."


class RootMismatchError(IntegrityError):
    """The tree recomputed from the entries does not match a signed checkpoint."""

    code = "root_mismatch"
    message_ru = "Записи журнала не совпадают с подписанной контрольной точкой."

    def __init__(
        self, message: str, *, expected: bytes, found: bytes, place: str | None = None
    ) -> None:
        super().__init__(message, place=place)
        self.expected = expected
        self.found = found
