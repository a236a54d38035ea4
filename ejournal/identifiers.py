"""The school's state registration numbers: ИНН of a legal entity and ОГРН, with their check
digits (the Federal Tax Service's published algorithms)."""

from __future__ import annotations

import re

INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
DIGITS = re.compile(r"[0-9]+")


class IdentifierError(ValueError):
    """An ИНН or ОГРН that is not well formed or whose check digit is wrong."""


def check_inn(value: str) -> str:
    """The ИНН of a legal entity (10 digits, the last a check digit), stripped of spaces.

    Raises:
        IdentifierError: not 10 digits, or the check digit does not match.
    """
    inn = value.strip()
    if len(inn) != 10 or not DIGITS.fullmatch(inn):
        raise IdentifierError(f"INN {value!r}: a school's INN has 10 digits (ИНН юрлица — 10 цифр)")
    digits = [int(c) for c in inn]
    check = sum(w * d for w, d in zip(INN_WEIGHTS, digits, strict=False)) % 11 % 10
    if check != digits[9]:
        raise IdentifierError(
            f"INN {inn}: the check digit should be {check}, not {digits[9]} "
            "(ошибка в ИНН: не сходится контрольная цифра)"
        )
    return inn


def check_ogrn(value: str) -> str:
    """The ОГРН of a legal entity (13 digits: the first 12 mod 11, mod 10, is the 13th).

    Raises:
        IdentifierError: not 13 digits, or the check digit does not match.
    """
    ogrn = value.strip()
    if len(ogrn) != 13 or not DIGITS.fullmatch(ogrn) or ogrn[0] == "0":
        raise IdentifierError(f"OGRN {value!r}: a school's OGRN has 13 digits (ОГРН — 13 цифр)")
    check = int(ogrn[:12]) % 11 % 10
    if check != int(ogrn[12]):
        raise IdentifierError(
            f"OGRN {ogrn}: the check digit should be {check}, not {ogrn[12]} "
            "(ошибка в ОГРН: не сходится контрольная цифра)"
        )
    return ogrn
