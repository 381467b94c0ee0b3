"""A producer organization's profile and member roster: the one door for changing them.

`organization_update`, `member_add`, `member_update` and `roster_import` ask the policy
(`can_manage_organization` / `can_manage_roster`) and check the rules of §5. An import
reads a CSV or XLSX file (`read_roster_file`), checks every row (`check_rows`) and adds
the members in one transaction: nothing at all when any row is wrong.

A file's type is told from its content, never from its name: an XLSX workbook is a zip
archive holding `xl/workbook.xml`; a CSV file is text that decodes as UTF-8 or Latin-1
(Windows-1252) without control characters. A workbook that would unpack to too much is
refused before it is read (`core.uploads.archive_check`).
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import INVALID, ActionRefused, can_manage_organization, can_manage_roster
from core.uploads import UploadRefused, archive_check

from .models import Member, ProducerOrganization

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


def roster_import(
    *, organization: ProducerOrganization, by, rows: Iterable[Mapping]
) -> list[Member]:
    """Add the members of an import, all or none.

    `rows` are the records of `read_roster_file` (row number and raw cells). They are
    checked again here, under a lock on the organization, so that two imports of the
    same people at once cannot both pass the "already on the roster" check."""
    can_manage_roster(by, organization).raise_if_refused()
    rows = list(rows)
    if not rows:
        raise ActionRefused(_("The file has no member rows."), code=INVALID)
    with transaction.atomic():
        ProducerOrganization.objects.select_for_update().filter(pk=organization.pk).first()
        checked = check_rows(organization, rows)
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


HEADER_ALIASES = {
    "name": """name full_name member member_name names nom nom_complet nom_et_prenoms
        nom_et_prenom nom_prenoms nom_prenom prenom_et_nom nom_du_membre nombre nombres
        nombre_completo nombre_y_apellido nombre_y_apellidos nombres_y_apellidos
        apellidos_y_nombres""",
    "sex": "sex gender sexe genre sexo genero",
    "birth_year": """birth_year year_of_birth birthyear year_born born annee_de_naissance
        annee_naissance naissance ano_de_nacimiento ano_nacimiento anio_de_nacimiento
        anio_nacimiento nacimiento""",
    "land_area_ha": """land_area_ha land_area land_ha land area_ha area hectares ha
        superficie superficie_ha superficie_terre superficie_des_terres surface surface_ha
        terre_ha superficie_de_tierra superficie_tierra tierra_ha tierra hectareas
        area_de_tierra""",
    "role": "role function position fonction poste rol cargo funcion",
}
HEADERS = {alias: key for key, aliases in HEADER_ALIASES.items() for alias in aliases.split()}

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
    rows: list[dict]  # {"row": spreadsheet row number, field: raw text, ...}
    ignored_columns: list[str] = field(default_factory=list)


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
    rows, ignored = _records(table)
    return RosterFile(kind=kind, rows=rows, ignored_columns=ignored)


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
                table.append([_cell_text(v) for v in values])
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


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _records(table: Iterable[list[str]]) -> tuple[list[dict], list[str]]:
    """Map the header row's columns to fields and return the data rows as records."""
    columns: dict[int, str] = {}
    ignored: list[str] = []
    records: list[dict] = []
    header_seen = False
    for number, cells in enumerate(table, start=1):
        cells = [str(c).strip() for c in cells[:MAX_COLUMNS]]
        if not any(cells):
            continue
        if not header_seen:
            header_seen = True
            columns, ignored = _columns(cells)
            continue
        if len(records) >= MAX_ROWS or number > MAX_SHEET_ROWS:
            raise RosterFileError(TOO_MANY_ROWS % {"max": MAX_ROWS})
        record = {"row": number}
        for index, key in columns.items():
            record[key] = cells[index] if index < len(cells) else ""
        records.append(record)
    if not header_seen:
        raise RosterFileError(_("The file is empty."))
    return records, ignored


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
    organization: ProducerOrganization, rows: Iterable[Mapping], today: datetime.date | None = None
) -> CheckedRows:
    """Check every row and say what is wrong, row by row ("Row 7: birth year 1850 is not
    plausible."). A name twice in the file, or already on the roster, is an error: a
    second upload of the same file must not count the same people twice."""
    on_roster = {name_key(n) for n in organization.members.values_list("name", flat=True)}
    first_row_of: dict[str, int] = {}
    members: list[Member] = []
    errors: list[str] = []
    for record in rows:
        values, problems = _parse_row(record)
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


def _parse_row(record: Mapping) -> tuple[dict, dict[str, str]]:
    """Turn a record's raw cells into member values; problems the cells themselves show."""
    problems: dict[str, str] = {}
    values: dict = {"name": " ".join(str(record.get("name", "")).split())}

    raw_sex = str(record.get("sex", "")).strip()
    values["sex"] = SEXES.get(_plain(raw_sex))
    if raw_sex and values["sex"] is None:
        problems["sex"] = _("sex “%(value)s” is not recognised (use F or M)") % {"value": raw_sex}

    raw_year = str(record.get("birth_year", "")).strip()
    values["birth_year"] = None
    if raw_year:
        try:
            year = Decimal(raw_year)
            if len(raw_year) > 10 or not year.is_finite() or year != int(year):
                raise InvalidOperation
            values["birth_year"] = int(year)
        except (InvalidOperation, ValueError):
            values["birth_year"] = None
            problems["birth_year"] = _("birth year “%(value)s” is not a year") % {"value": raw_year}

    raw_area = str(record.get("land_area_ha", "")).strip().replace(" ", "").replace("\u00a0", "")
    values["land_area_ha"] = Decimal(0)
    if raw_area:
        if "," in raw_area and "." not in raw_area:
            raw_area = raw_area.replace(",", ".")  # decimal comma (French, Spanish)
        try:
            area = Decimal(raw_area)
            if not area.is_finite():
                raise InvalidOperation
            values["land_area_ha"] = area.quantize(HA, rounding=ROUND_HALF_EVEN)
        except InvalidOperation:
            values["land_area_ha"] = None
            problems["land_area_ha"] = _("land area “%(value)s” is not a number") % {
                "value": record.get("land_area_ha")
            }

    raw_role = str(record.get("role", "")).strip()
    values["role"] = ROLES.get(_plain(raw_role)) if raw_role else Member.MemberRole.MEMBER
    if values["role"] is None:
        problems["role"] = _("role “%(value)s” is not recognised") % {"value": raw_role}
    return values, problems
