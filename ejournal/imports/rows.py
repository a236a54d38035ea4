"""From a table to typed rows of one list — students, parents or staff — each with the
problems that can be seen without the journal: a missing name, a bad date, an unknown role
(R-STR-2, R-SEC-4: only the columns the journal needs are read)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .table import Table

KINDS = {"students": "ученики", "parents": "родители", "staff": "сотрудники"}
# Canonical fields of each list, in the order the preview shows them.
FIELDS = {
    "students": ("name", "birth_date", "class", "sex"),
    "parents": ("name", "phone", "email", "child_name", "child_birth_date"),
    "staff": ("name", "role"),
}
FIELD_RU = {
    "name": "ФИО",
    "birth_date": "Дата рождения",
    "class": "Класс",
    "sex": "Пол",
    "phone": "Телефон",
    "email": "Эл. почта",
    "child_name": "ФИО ребёнка",
    "child_birth_date": "Дата рождения ребёнка",
    "role": "Должность",
}
# Header words → field (headers are compared lower-case, ё as е, without punctuation).
HEADERS = {
    "name": ("фио", "фио ученика", "фио обучающегося", "фио учащегося", "фио сотрудника",
             "фио родителя", "фио законного представителя", "фио родителя законного представителя",
             "фио представителя", "фамилия имя отчество"),
    "last": ("фамилия",),
    "first": ("имя",),
    "middle": ("отчество",),
    "birth_date": ("дата рождения", "др", "дата рожд"),
    "class": ("класс",),
    "sex": ("пол",),
    "phone": ("телефон", "тел", "контактный телефон", "мобильный телефон"),
    "email": ("email", "e mail", "эл почта", "электронная почта", "почта"),
    "child_name": ("фио ребенка", "ребенок", "фио ученика", "фио обучающегося"),
    "child_birth_date": ("дата рождения ребенка", "дата рождения ученика"),
    "role": ("должность", "роль"),
}  # fmt: skip
ROLE_WORDS = {
    "учитель": "teacher",
    "педагог": "teacher",
    "классный руководитель": "teacher",
    "директор": "director",
    "заместитель": "deputy",
    "завуч": "deputy",
    "заместитель директора": "deputy",
    "заместитель директора по увр": "deputy",
    "секретарь": "secretary",
    "администратор": "admin",
    "архивист": "archivist",
}
DATE_FORMATS = (
    re.compile(r"(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
)
PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,20}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Problem:
    code: str
    message_ru: str


@dataclass(frozen=True)
class Row:
    """One row of the list: its line in the file, its fields as text, what is wrong."""

    line: int
    values: dict[str, str]
    problems: tuple[Problem, ...] = ()
    parsed: dict[str, str] = field(default_factory=dict)  # normalised values when good


def _key(header: str) -> str:
    text = header.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def detect_kind(header: tuple[str, ...]) -> str:
    """Which list a header is: parents (a child's columns), staff (a position), or students."""
    keys = {_key(h) for h in header}
    if keys & {"фио ребенка", "ребенок", "дата рождения ребенка"}:
        return "parents"
    if keys & set(HEADERS["role"]):
        return "staff"
    return "students"


def columns(header: tuple[str, ...], kind: str) -> dict[str, int]:
    """Field → column index for the list ``kind``."""
    found: dict[str, int] = {}
    keys = [_key(h) for h in header]
    order = ["child_name", "child_birth_date"] if kind == "parents" else []
    order += [f for f in HEADERS if f not in order]
    for f in order:
        if kind != "parents" and f.startswith("child_"):
            continue
        for i, k in enumerate(keys):
            if k in HEADERS[f] and i not in found.values():
                found.setdefault(f, i)
    return found


def table_rows(table: Table, kind: str) -> list[Row]:
    """The rows of ``table`` as list ``kind``, each checked on its own."""
    cols = columns(table.header, kind)
    rows = []
    for line, cells in zip(table.lines, table.rows, strict=True):
        values = {f: cells[i] for f, i in cols.items()}
        if "name" not in values and {"last", "first"} <= values.keys():
            values["name"] = " ".join(values.get(k, "") for k in ("last", "first", "middle"))
        for k in ("last", "first", "middle"):
            values.pop(k, None)
        rows.append(check_row(line, {f: values.get(f, "") for f in FIELDS[kind]}, kind))
    return rows


def parse_date(text: str) -> str | None:
    """``14.03.2015``, ``2015-03-14`` (or an Excel date) → ISO, or None."""
    for pattern in DATE_FORMATS:
        found = pattern.fullmatch(text.strip())
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"])).isoformat()
            except ValueError:
                return None
    return None


def split_name(text: str) -> tuple[str, str, str] | None:
    """``Иванов Артём Сергеевич`` → (last, first, middle); None unless 2+ words of letters."""
    words = text.split()
    if len(words) < 2 or any(not re.fullmatch(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", w) for w in words):
        return None
    return words[0], words[1], " ".join(words[2:])


def check_row(line: int, values: dict[str, str], kind: str) -> Row:
    """Check one row's fields on their own (the journal is consulted later, in the plan)."""
    problems: list[Problem] = []
    parsed: dict[str, str] = {}
    _name(values.get("name", ""), "name", "", problems, parsed)
    if kind == "students":
        _date(values.get("birth_date", ""), "birth_date", "", problems, parsed, required=True)
        if not values.get("class", "").strip():
            problems.append(Problem("missing_class", "Не указан класс."))
        sex = values.get("sex", "").strip().lower()[:1]
        if sex and sex not in "мж":
            problems.append(Problem("bad_sex", f"Пол «{values['sex']}»: нужно «м» или «ж»."))
        parsed["sex"] = sex
    elif kind == "parents":
        _name(values.get("child_name", ""), "child_name", "ребёнка ", problems, parsed)
        _date(values.get("child_birth_date", ""), "child_birth_date", "ребёнка ", problems,
              parsed, required=True)  # fmt: skip
        phone, email = values.get("phone", "").strip(), values.get("email", "").strip()
        if phone and not PHONE.fullmatch(phone):
            problems.append(Problem("bad_phone", f"Телефон «{phone}» не распознан."))
        if email and not EMAIL.fullmatch(email):
            problems.append(Problem("bad_email", f"Адрес почты «{email}» не распознан."))
        parsed["phone"], parsed["email"] = phone, email
    elif kind == "staff":
        role = ROLE_WORDS.get(_key(values.get("role", "")))
        if role is None:
            problems.append(
                Problem("unknown_role", f"Должность «{values.get('role', '')}» не распознана.")
            )
        else:
            parsed["role"] = role
    return Row(line, dict(values), tuple(problems), parsed)


def _name(text: str, f: str, whose: str, problems: list[Problem], parsed: dict[str, str]) -> None:
    if not text.strip():
        problems.append(Problem("missing_name", f"Не указаны фамилия и имя {whose}".strip() + "."))
        return
    parts = split_name(text)
    if parts is None:
        problems.append(Problem("bad_name", f"ФИО {whose}«{text}»: нужны фамилия и имя, буквами."))
        return
    parsed[f] = " ".join(p for p in parts if p)


def _date(
    text: str, f: str, whose: str, problems: list[Problem], parsed: dict[str, str], required: bool
) -> None:
    if not text.strip():
        if required:
            problems.append(
                Problem("missing_date", f"Не указана дата рождения {whose}".strip() + ".")
            )
        return
    iso = parse_date(text)
    if iso is None or not "1920-01-01" <= iso <= date.today().isoformat():
        problems.append(Problem("bad_date", f"Дата рождения {whose}«{text}» не распознана."))
        return
    parsed[f] = iso
