"""The error vocabulary of archive_tools: every way sealing, cosigning or renewing can fail.

Each error has a machine ``code`` and a Russian ``message_ru`` for the web UI. Verification
itself never raises for bad packages: it reports problems (see verify_package.Report).
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Root of all archive errors (a usage problem: exit code 2)."""

    code = "archive_error"
    message_ru = "Ошибка архивного пакета."


class ArchiveKeyError(ArchiveError):
    """A key file is missing, malformed or readable by others."""

    code = "archive_key"
    message_ru = "Ключ не найден или повреждён."


class YearNotSealable(ArchiveError):
    """The year is not closed, or no signed checkpoint covers its closing."""

    code = "year_not_sealable"
    message_ru = "Учебный год не закрыт или не подписан: его нельзя сдать в архив."


class WitnessRefused(ArchiveError):
    """The witness will not cosign: the log is not consistent with what it saw before."""

    code = "witness_refused"
    message_ru = "Свидетель отказался подписать: журнал не согласуется с прежним."
