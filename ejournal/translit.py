"""Russian letters in Latin ones, for names that must be plain ASCII: demo logins, the file
names inside an archive package (a package lives 25 years on file systems and tools we cannot
foresee; the documents themselves keep the Cyrillic names).

The table is the common simple one (close to BGN/PCGN: й y, х kh, ц ts, ю yu, я ya), with ъ
and ь dropped; demo logins were made with it, so it does not change.
"""

from __future__ import annotations

TRANSLIT: dict[str, str] = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def latin(text: str) -> str:
    """``text`` with every Russian letter in Latin letters, keeping upper case; ъ, ь dropped."""
    out = []
    for ch in text:
        low = ch.lower()
        if low in TRANSLIT:
            letters = TRANSLIT[low].strip("-")
            out.append(letters.capitalize() if ch != low else letters)
        else:
            out.append(ch)
    return "".join(out)
