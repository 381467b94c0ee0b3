"""A producer organization's profile and member roster: the one door for changing them.

`organization_update`, `member_add`, `member_update` and `roster_import` ask the policy
(`can_manage_organization` / `can_manage_roster`) and check the rules of §5. An import
reads a CSV or XLSX file (`read_roster_file`), checks every row (`check_rows`) and adds
the members in one transaction: nothing at all when any row is wrong.

A file's type is told from its content, never from its name: an XLSX workbook is a zip
archive holding `xl/workbook.xml`; a CSV file is text that decodes as UTF-8 or Latin-1
(Windows-1252) without control characters. A workbook that would unpack to too much is
refused before it is read (`core.uploads.archive_check`).

Numbers in text cells (a CSV file, a workbook cell typed as text) are read the way the
language of the header row writes them (`header_language`): "1,5" is 1.5 under French or
Spanish column names, "1,500" is 1500 under English ones, "1.500" 1500 under Spanish
ones. A number that would need a guess ("1,500" under French names) is refused on its
row, as `core.numbers` refuses it in a form. A workbook's number cells are numbers
already and are taken as they are.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import math
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import INVALID, ActionRefused, can_manage_organization, can_manage_roster
from core.numbers import NumberRefused, format_input, parse_decimal
from core.uploads import UploadRefused, archive_check

from .models import YOUTH_AGE_LIMIT, Member, ProducerOrganization

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_SHEET_ROWS = 4 * MAX_ROWS  # blank rows included
MAX_COLUMNS = 40
EARLIEST_BIRTH_YEAR = 1900  # also a database constraint
MIN_MEMBER_AGE = 15
MAX_LAND_AREA_HA = Decimal("10000")
FIELDS = ("name", "sex", "birth_year", "land_area_ha", "role")
REQUIRED_FIELDS = ("name", "sex", "birth_year")
HA = Decimal("0.01")
AREA_PLACES = Member._meta.get_field("land_area_ha").decimal_places

# --- the rules of a member ---------------------------------------------------------------


def birth_year_range(today: datetime.date | None = None) -> tuple[int, int]:
    """The plausible birth years of a member: born 1900 or later, at least 15 years old."""
    year = (today or timezone.localdate()).year
    return EARLIEST_BIRTH_YEAR, year - MIN_MEMBER_AGE


def member_problems(values: Mapping, today: datetime.date | None = None) -> dict[str, str]:
    """What is wrong with a member's values, by field (empty when all is well)."""
    problems: dict[str, str] = {}
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        problems["name"] = _("the name is missing")
    elif len(name) > Member._meta.get_field("name").max_length:
        problems["name"] = _("the name is longer than 200 characters")
    if values.get("sex") not in Member.Sex.values:
        problems["sex"] = _("the sex is missing")
    year = values.get("birth_year")
    earliest, latest = birth_year_range(today)
    if year is None:
        problems["birth_year"] = _("the birth year is missing")
    elif not earliest <= year <= latest:
        problems["birth_year"] = _("birth year %(year)s is not plausible") % {"year": year}
    area = values.get("land_area_ha", Decimal(0))
    if area is not None and area < 0:
        problems["land_area_ha"] = _("land area %(area)s ha is negative") % {
            "area": _plain_number(area)
        }
    elif area is not None and area > MAX_LAND_AREA_HA:
        problems["land_area_ha"] = _("land area %(area)s ha is not plausible") % {
            "area": _plain_number(area)
        }
    if values.get("role", Member.MemberRole.MEMBER) not in Member.MemberRole.values:
        problems["role"] = _("the role is not one of the roster's roles")
    return problems


def _plain_number(number: Decimal) -> str:
    """2.50 -> "2.5", -1.00 -> "-1", 12000 -> "12000" (never "1.2E+4")."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _refuse_problems(problems: dict[str, str]) -> None:
    if problems:
        messages = [p[:1].upper() + p[1:] + "." for p in problems.values()]
        raise ActionRefused(
            messages, code=INVALID, fields={f: [m] for f, m in zip(problems, messages, strict=True)}
        )


# --- services ---------------------------------------------------------------------------

ORGANIZATION_FIELDS = ("name", "legal_form", "founded_year", "address", "email", "phone")
MEMBER_FIELDS = ("name", "sex", "birth_year", "land_area_ha", "role", "active")


def organization_update(
    *, organization: ProducerOrganization, by, changes: Mapping
) -> ProducerOrganization:
    """Change the organization's profile (name, legal form, year founded, contacts)."""
    can_manage_organization(by, organization).raise_if_refused()
    unknown = set(changes) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    year = changes.get("founded_year")
    if year is not None and not EARLIEST_BIRTH_YEAR <= year <= timezone.localdate().year:
        _refuse_problems(
            {"founded_year": _("the year founded %(year)s is not plausible") % {"year": year}}
        )
    if "name" in changes and not str(changes["name"]).strip():
        _refuse_problems({"name": _("the name is missing")})
    with transaction.atomic():
        locked = ProducerOrganization.objects.select_for_update().get(pk=organization.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
    return locked


def member_add(*, organization: ProducerOrganization, by, **values) -> Member:
    """Add one member to the roster."""
    can_manage_roster(by, organization).raise_if_refused()
    unknown = set(values) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not member fields: {sorted(unknown)}")
    values["name"] = " ".join(str(values.get("name") or "").split())
    _refuse_problems(member_problems(values))
    return Member.objects.create(organization=organization, **values)


def member_update(*, member: Member, by, changes: Mapping) -> Member:
    """Change a member of the roster (name, sex, birth year, land, role, active)."""
    can_manage_roster(by, member.organization).raise_if_refused()
    unknown = set(changes) - set(MEMBER_FIELDS)
    if unknown:
        raise ValueError(f"Not member fields: {sorted(unknown)}")
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = " ".join(str(changes["name"] or "").split())
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _refuse_problems(member_problems({f: getattr(locked, f) for f in MEMBER_FIELDS}))
        locked.save(update_fields=list(changes))
    return locked


def members_counts(members: list[Member]) -> dict[str, int]:
    """The §5 figures of members not yet saved (an import's), as `Member.objects.counts()`
    gives them for the roster."""
    earliest_young = timezone.localdate().year - YOUTH_AGE_LIMIT
    return {
        "members": len(members),
        "women": sum(m.sex == Member.Sex.FEMALE for m in members),
        "youth": sum(m.birth_year > earliest_young for m in members),
    }


def roster_import(
    *,
    organization: ProducerOrganization,
    by,
    rows: Iterable[Mapping],
    language: str | None = None,
) -> list[Member]:
    """Add the members of an import, all or none.

    `rows` are the records of `read_roster_file` (row number and raw cells) and
    `language` the language its numbers are written in (`RosterFile.language`; the
    active language when None). They are checked again here, under a lock on the
    organization, so that two imports of the same people at once cannot both pass the
    "already on the roster" check."""
    can_manage_roster(by, organization).raise_if_refused()
    rows = list(rows)
    if not rows:
        raise ActionRefused(_("The file has no member rows."), code=INVALID)
    with transaction.atomic():
        ProducerOrganization.objects.select_for_update().filter(pk=organization.pk).first()
        checked = check_rows(organization, rows, language=language)
        if checked.errors:
            raise ActionRefused(checked.errors, code=INVALID)
        return Member.objects.bulk_create(checked.members, batch_size=500)


# --- reading a roster file --------------------------------------------------------------


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster (type, size, columns)."""


def _plain(text: str) -> str:
    """Lower case, without accents, words joined by underscores: "Año de nacimiento" ->
    "ano_de_nacimiento"."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip().casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return "_".join(letters.split())


# The column names of each language, as `_plain` writes them. `_plain` drops accents, so a
# name may be one of two languages ("Área" is "area", "Rôle" is "role") or of all three.
HEADER_ALIASES_BY_LANGUAGE = {
    "en": {
        "name": "name full_name member member_name names",
        "sex": "sex gender",
        "birth_year": "birth_year year_of_birth birthyear year_born born",
        "land_area_ha": "land_area_ha land_area land_ha land area_ha area hectares ha",
        "role": "role function position",
    },
    "fr": {
        "name": """nom nom_complet nom_et_prenoms nom_et_prenom nom_prenoms nom_prenom
            prenom_et_nom nom_du_membre""",
        "sex": "sexe genre",
        "birth_year": "annee_de_naissance annee_naissance naissance",
        "land_area_ha": """superficie superficie_ha superficie_terre superficie_des_terres
            surface surface_ha terre_ha hectares ha""",
        "role": "role fonction poste",
    },
    "es": {
        "name": """nombre nombres nombre_completo nombre_y_apellido nombre_y_apellidos
            nombres_y_apellidos apellidos_y_nombres""",
        "sex": "sexo genero",
        "birth_year": """ano_de_nacimiento ano_nacimiento anio_de_nacimiento anio_nacimiento
            nacimiento""",
        "land_area_ha": """superficie superficie_ha superficie_de_tierra superficie_tierra
            tierra_ha tierra hectareas area area_ha area_de_tierra ha""",
        "role": "rol cargo funcion",
    },
}
HEADER_LANGUAGES: dict[str, frozenset[str]] = {}  # column name -> its languages
HEADERS: dict[str, str] = {}  # column name -> field
for _language, _fields in HEADER_ALIASES_BY_LANGUAGE.items():
    for _key, _aliases in _fields.items():
        for _alias in _aliases.split():
            if HEADERS.setdefault(_alias, _key) != _key:
                raise ValueError(f"The column name {_alias!r} gives two fields.")
            HEADER_LANGUAGES[_alias] = HEADER_LANGUAGES.get(_alias, frozenset()) | {_language}
del _language, _fields, _key, _aliases, _alias

SEX_ALIASES = {
    Member.Sex.FEMALE: "f female woman femme feminin feminine fem mujer femenino femenina",
    Member.Sex.MALE: "m male man homme h masculin hombre masculino",
}
SEXES = {alias: sex for sex, aliases in SEX_ALIASES.items() for alias in aliases.split()}

ROLE_ALIASES = {
    Member.MemberRole.MEMBER: """member membre miembro socio socia asociado asociada
        afiliado afiliada adherent adherente""",
    Member.MemberRole.PRESIDENT: "president presidente presidenta",
    Member.MemberRole.TREASURER: "treasurer tresorier tresoriere tesorero tesorera",
    Member.MemberRole.SECRETARY: "secretary secretaire secretario secretaria",
    Member.MemberRole.BOARD: """board board_member membre_du_bureau membre_du_conseil
        administrateur administratrice conseiller conseillere junta junta_directiva
        miembro_de_la_junta directivo directiva vocal""",
}
ROLES = {alias: role for role, aliases in ROLE_ALIASES.items() for alias in aliases.split()}

FIELD_LABELS = {
    "name": gettext_lazy("name"),
    "sex": gettext_lazy("sex"),
    "birth_year": gettext_lazy("birth year"),
    "land_area_ha": gettext_lazy("land area (ha)"),
    "role": gettext_lazy("role"),
}


@dataclass
class RosterFile:
    kind: str  # "csv" or "xlsx"
    # {"row": spreadsheet row number, field: raw text, or a workbook's number cell, ...}
    rows: list[dict]
    ignored_columns: list[str] = field(default_factory=list)
    language: str = "en"  # the language of the header row, in which numbers are read


def read_roster_file(upload) -> RosterFile:
    """Read an uploaded CSV or XLSX roster; RosterFileError when it is not one."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise RosterFileError(_("The file is larger than 2 MB."))
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError(_("The file is larger than 2 MB."))
    if not data.strip():
        raise RosterFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        kind, table = "xlsx", _xlsx_table(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(
            _("Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV.")
        )
    else:
        kind, table = "csv", _csv_table(_decode_text(data))
    rows, ignored, language = _records(table)
    return RosterFile(kind=kind, rows=rows, ignored_columns=ignored, language=language)


# --- the language of the numbers ---------------------------------------------------------

NUMBER_LANGUAGES = tuple(HEADER_ALIASES_BY_LANGUAGE)
NUMBER_EXAMPLE = Decimal("1234.5")
NUMBERS_READ_AS = {
    "en": gettext_lazy("Numbers read as written in English (%(example)s)."),
    "fr": gettext_lazy("Numbers read as written in French (%(example)s)."),
    "es": gettext_lazy("Numbers read as written in Spanish (%(example)s)."),
}


def active_language() -> str:
    """The active language if numbers can be read in it, else the site's language."""
    for code in (translation.get_language(), settings.LANGUAGE_CODE):
        base = (code or "").split("-")[0].lower()
        if base in NUMBER_LANGUAGES:
            return base
    return NUMBER_LANGUAGES[0]


def header_language(titles: Iterable[str]) -> str:
    """The language the column names are written in: the one whose names match the most
    columns. When no language matches more columns than every other (a mixed header,
    or names of several languages), the uploader's active language."""
    counts = Counter()
    for title in titles:
        counts.update(HEADER_LANGUAGES.get(_plain(title), ()))
    ranked = counts.most_common(2)
    if len(ranked) == 1 or (len(ranked) == 2 and ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return active_language()


def number_example(language: str | None = None) -> str:
    """How `language` writes 1234.5: "1,234.5", "1 234,5", "1.234,5"."""
    return format_input(NUMBER_EXAMPLE, language or active_language())


def numbers_note(language: str | None = None) -> str:
    """The note "Numbers read as written in French (1 234,5).", in the active language."""
    language = language if language in NUMBER_LANGUAGES else active_language()
    return NUMBERS_READ_AS[language] % {"example": number_example(language)}


NOT_A_ROSTER = gettext_lazy(
    "The file is neither a CSV text file nor an XLSX workbook. Save the sheet as CSV or "
    "XLSX and try again."
)


TOO_MANY_ROWS = gettext_lazy("The file has more than %(max)s member rows; split it in parts.")


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    # Text files have no control characters besides tab and line ends; images and
    # programs do (NUL bytes, the PNG signature's \x1a, ELF's \x7f...).
    if any(unicodedata.category(c) == "Cc" and c not in "\t\r\n" for c in text):
        raise RosterFileError(str(NOT_A_ROSTER))
    return text


def _csv_table(text: str) -> Iterable[list[str]]:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    # Spreadsheets in French and Spanish save CSV with semicolons.
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise RosterFileError(
            _("Row %(row)s: the CSV file cannot be read (%(error)s).")
            % {"row": reader.line_num, "error": error}
        ) from error


def _xlsx_table(data: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if "xl/workbook.xml" not in {e.filename for e in entries}:
                raise RosterFileError(str(NOT_A_ROSTER))
            archive_check(archive)  # before openpyxl unpacks anything (zip bombs)
    except UploadRefused as refusal:
        raise RosterFileError(refusal.message) from refusal
    except zipfile.BadZipFile as error:
        raise RosterFileError(str(NOT_A_ROSTER)) from error

    import openpyxl

    table: list[list[str]] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some programs write wrong dimensions
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                table.append([_cell_value(v) for v in values])
                if len(table) > MAX_SHEET_ROWS:
                    raise RosterFileError(TOO_MANY_ROWS % {"max": MAX_ROWS})
        finally:
            workbook.close()
    except RosterFileError:
        raise
    except Exception as error:  # a damaged workbook may fail anywhere inside openpyxl
        logger.info("Unreadable XLSX roster: %r", error)
        raise RosterFileError(
            _("The workbook cannot be read. Open it in a spreadsheet and save it again.")
        ) from error
    return table


def _cell_value(value) -> str | int | float:
    """A workbook cell as text, or as the number it holds: a number cell is a number,
    whatever the language of the file (and an int or a float, for the session)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value) -> str:
    """A cell as text: a number cell as its digits ("1975", "2.25")."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _records(table: Iterable[list]) -> tuple[list[dict], list[str], str]:
    """Map the header row's columns to fields and return the data rows as records, the
    ignored columns and the language of the header."""
    columns: dict[int, str] = {}
    ignored: list[str] = []
    records: list[dict] = []
    language = ""
    header_seen = False
    for number, cells in enumerate(table, start=1):
        cells = [c.strip() if isinstance(c, str) else c for c in cells[:MAX_COLUMNS]]
        if all(c == "" for c in cells):
            continue
        if not header_seen:
            header_seen = True
            header = [_text(c) for c in cells]
            columns, ignored = _columns(header)
            language = header_language(header[index] for index in columns)
            continue
        if len(records) >= MAX_ROWS or number > MAX_SHEET_ROWS:
            raise RosterFileError(TOO_MANY_ROWS % {"max": MAX_ROWS})
        record = {"row": number}
        for index, key in columns.items():
            record[key] = cells[index] if index < len(cells) else ""
        records.append(record)
    if not header_seen:
        raise RosterFileError(_("The file is empty."))
    return records, ignored, language


def _columns(header: list[str]) -> tuple[dict[int, str], list[str]]:
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    ignored = []
    for index, title in enumerate(header):
        key = HEADERS.get(_plain(title))
        if key is None:
            if title:
                ignored.append(title)
            continue
        if key in seen:
            raise RosterFileError(
                _("The columns “%(first)s” and “%(second)s” both give the %(field)s.")
                % {"first": seen[key], "second": title, "field": FIELD_LABELS[key]}
            )
        seen[key] = title
        columns[index] = key
    missing = [str(FIELD_LABELS[f]) for f in REQUIRED_FIELDS if f not in seen]
    if missing:
        raise RosterFileError(
            _(
                "The first row must name the columns; these are missing: %(missing)s. "
                "Expected: name, sex, birth_year, land_area_ha, role."
            )
            % {"missing": ", ".join(missing)}
        )
    return columns, ignored


# --- checking the rows ------------------------------------------------------------------


@dataclass
class CheckedRows:
    members: list[Member]  # unsaved, valid rows only
    errors: list[str]  # one message per wrong row, in row order


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def check_rows(
    organization: ProducerOrganization,
    rows: Iterable[Mapping],
    today: datetime.date | None = None,
    *,
    language: str | None = None,
) -> CheckedRows:
    """Check every row and say what is wrong, row by row ("Row 7: birth year 1850 is not
    plausible."). A name twice in the file, or already on the roster, is an error: a
    second upload of the same file must not count the same people twice. Numbers in
    text cells are read in `language` (the file's, `RosterFile.language`; the active
    language when None)."""
    language = language if language in NUMBER_LANGUAGES else active_language()
    on_roster = {name_key(n) for n in organization.members.values_list("name", flat=True)}
    first_row_of: dict[str, int] = {}
    members: list[Member] = []
    errors: list[str] = []
    for record in rows:
        values, problems = _parse_row(record, language)
        problems.update(
            {k: v for k, v in member_problems(values, today).items() if k not in problems}
        )
        name = values["name"]
        key = name_key(name)
        if name and "name" not in problems:
            if key in first_row_of:
                problems["name"] = _("“%(name)s” is already on row %(row)s") % {
                    "name": name,
                    "row": first_row_of[key],
                }
            elif key in on_roster:
                problems["name"] = _("“%(name)s” is already on the roster") % {"name": name}
            first_row_of.setdefault(key, record["row"])
        if problems:
            ordered = [problems[f] for f in FIELDS if f in problems]
            errors.append(
                _("Row %(row)s: %(problems)s.")
                % {"row": record["row"], "problems": "; ".join(ordered)}
            )
        else:
            member = Member(organization=organization, **values)
            member.import_row = record["row"]  # for the preview
            members.append(member)
    return CheckedRows(members, errors)


def _parse_row(record: Mapping, language: str) -> tuple[dict, dict[str, str]]:
    """Turn a record's raw cells into member values; problems the cells themselves show.
    Numbers in text cells are read as `language` writes them."""
    problems: dict[str, str] = {}
    values: dict = {"name": " ".join(_text(record.get("name", "")).split())}

    raw_sex = _text(record.get("sex", "")).strip()
    values["sex"] = SEXES.get(_plain(raw_sex))
    if raw_sex and values["sex"] is None:
        problems["sex"] = _("sex “%(value)s” is not recognised (use F or M)") % {"value": raw_sex}

    raw_year = record.get("birth_year", "")
    values["birth_year"] = None
    if _is_number(raw_year) or str(raw_year).strip():
        try:
            if _is_number(raw_year):
                year = _number(raw_year)
            else:  # digits only, as a year is typed in a form
                year = parse_decimal(raw_year, language, decimal_places=0, grouping=False)
            if year != year.to_integral_value():
                raise InvalidOperation
            values["birth_year"] = int(year)
        except (NumberRefused, InvalidOperation):
            problems["birth_year"] = _("birth year “%(value)s” is not a year") % {
                "value": _text(raw_year).strip()
            }

    raw_area = record.get("land_area_ha", "")
    values["land_area_ha"] = Decimal(0)
    area = None
    if _is_number(raw_area):
        area = _number(raw_area)
    elif str(raw_area).strip():
        try:
            area = parse_decimal(
                raw_area, language, allow_negative=True, decimal_places=AREA_PLACES
            )
        except NumberRefused as refusal:
            values["land_area_ha"] = None
            problems["land_area_ha"] = _area_refused(str(raw_area).strip(), refusal, language)
    if area is not None:
        try:
            values["land_area_ha"] = area.quantize(HA, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:  # too many digits to hold: not plausible, as it is
            values["land_area_ha"] = area

    raw_role = _text(record.get("role", "")).strip()
    values["role"] = ROLES.get(_plain(raw_role)) if raw_role else Member.MemberRole.MEMBER
    if values["role"] is None:
        problems["role"] = _("role “%(value)s” is not recognised") % {"value": raw_role}
    return values, problems


def _number(cell: int | float) -> Decimal:
    """A workbook's number cell: 2.25 is Decimal("2.25"), not the float's binary value."""
    return Decimal(cell) if isinstance(cell, int) else Decimal(repr(cell))


def _area_refused(text: str, refusal: NumberRefused, language: str) -> str:
    """Why a land area written as text is not read, for the row's report."""
    if not any(c.isdigit() for c in text):
        return _("land area “%(value)s” is not a number") % {"value": text}
    if refusal.code == "ambiguous_number":
        message = _(
            "land area “%(value)s” could mean two different numbers "
            "(write numbers like %(example)s)"
        )
    else:
        message = _("land area “%(value)s” is not written like the file's numbers (%(example)s)")
    return message % {"value": text, "example": number_example(language)}
