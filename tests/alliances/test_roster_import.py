"""Roster import: CSV and XLSX, header and value aliases in three languages, a preview,
a row-by-row error report, all or nothing, and files whose content is not a roster."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from alliances import roster
from alliances.models import Member
from alliances.views import IMPORT_SESSION_KEY

from .support import (
    ELF,
    HEADER,
    PNG,
    WINDOWS_EXE,
    csv_file,
    url,
    xlsx_bytes,
    xlsx_file,
    zip_bytes,
)

D = Decimal

GOOD_ROWS = [
    HEADER,
    ["Afiavi Kora", "F", "1988", "1.5", "president"],
    ["Issa Yarou", "M", "1979", "3", ""],
    ["Sènami Zinsou", "female", "2001", "", "treasurer"],
]
GOOD_MEMBERS = [
    ("Afiavi Kora", "female", 1988, D("1.50"), "president", True),
    ("Issa Yarou", "male", 1979, D("3.00"), "member", True),
    ("Sènami Zinsou", "female", 2001, D("0.00"), "treasurer", True),
]


def added_to(org):
    return sorted(
        org.members.exclude(name__startswith="Member ").values_list(
            "name", "sex", "birth_year", "land_area_ha", "role", "active"
        )
    )


def upload(client, org, file):
    return client.post(url("roster-upload", org.pk), {"file": file})


def confirm(client, org):
    token = client.session[IMPORT_SESSION_KEY]["token"]
    return client.post(url("roster-import", org.pk), {"token": token})


def import_file(client, org, file):
    response = upload(client, org, file)
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response.url == url("roster-preview", org.pk)
    preview = client.get(response.url)
    assert preview.status_code == 200
    response = confirm(client, org)
    assert response.status_code == 302
    assert response.url == url("organization", org.pk)
    return preview


# --- good files --------------------------------------------------------------------------


def test_csv_is_previewed_then_imported(client, world):
    client.force_login(world.producer)
    assert client.get(url("roster-upload", world.org_a.pk)).status_code == 200
    upload(client, world.org_a, csv_file(GOOD_ROWS))
    assert added_to(world.org_a) == []  # the preview adds nothing

    preview = client.get(url("roster-preview", world.org_a.pk))
    assert [(m.import_row, m.name) for m in preview.context["members"]] == [
        (2, "Afiavi Kora"),
        (3, "Issa Yarou"),
        (4, "Sènami Zinsou"),
    ]
    assert preview.context["counts"] == {"members": 3, "women": 2, "youth": 1}
    assert "Add these 3 members to the roster" in preview.content.decode()
    assert added_to(world.org_a) == []

    response = confirm(client, world.org_a)
    assert response.status_code == 302
    assert added_to(world.org_a) == GOOD_MEMBERS
    assert world.org_a.members.count() == 33
    assert IMPORT_SESSION_KEY not in client.session
    page = client.get(response.url)
    assert "3 members were added to the roster." in page.content.decode()


def test_xlsx_with_spanish_headers_and_numbers_is_imported(client, world):
    rows = [
        ["Nombre", "Sexo", "Año de nacimiento", "Superficie (ha)", "Cargo"],
        ["Luz Marina Cerón", "Mujer", 1975, 2.25, "Presidenta"],
        [None, None, None, None, None],
        ["Hernán Quintero", "hombre", 1999.0, 0.30000000000000004, "socio"],
        ["Rosa Muñoz", "F", "1990", "1,75", "Tesorera"],
    ]
    client.force_login(world.ta)
    import_file(client, world.org_a, xlsx_file(rows))
    assert added_to(world.org_a) == [
        ("Hernán Quintero", "male", 1999, D("0.30"), "member", True),
        ("Luz Marina Cerón", "female", 1975, D("2.25"), "president", True),
        ("Rosa Muñoz", "female", 1990, D("1.75"), "treasurer", True),
    ]


def test_french_csv_with_semicolons_in_latin1_is_imported(client, world):
    rows = [
        ["Nom et prénoms", "Sexe", "Année de naissance", "Superficie", "Fonction", "Village"],
        ["Houéfa Adjovi", "Femme", "1983", "0,75", "Secrétaire", "Kandi"],
        ["Orou Sabi", "H", "1968", "4", "membre du bureau", "Angaradébou"],
    ]
    client.force_login(world.producer)
    preview = import_file(client, world.org_a, csv_file(rows, encoding="latin-1", delimiter=";"))
    assert preview.context["staged"]["ignored_columns"] == ["Village"]
    assert "These columns are ignored:" in preview.content.decode()
    assert added_to(world.org_a) == [
        ("Houéfa Adjovi", "female", 1983, D("0.75"), "secretary", True),
        ("Orou Sabi", "male", 1968, D("4.00"), "board", True),
    ]


# --- wrong rows: a report, and nothing imported ------------------------------------------


BAD_ROWS = [
    HEADER,
    ["Ana Gómez", "F", "1980", "1.5", "president"],
    ["Bio Kora", "M", "1850", "2", "member"],
    ["Chantal Tchobo", "X", "1990", "", ""],
    ["ana  gómez", "F", "1985", "1", ""],
    ["", "", "", "", ""],
    ["", "M", "abc", "-1", "chief"],
    ["Member 4", "M", "1970", "lots", ""],
]
BAD_ROW_REPORT = [
    "Row 3: birth year 1850 is not plausible.",
    "Row 4: sex “X” is not recognised (use F or M).",
    "Row 5: “ana gómez” is already on row 2.",
    "Row 7: the name is missing; birth year “abc” is not a year; land area -1 ha is "
    "negative; role “chief” is not recognised.",
    "Row 8: “Member 4” is already on the roster; land area “lots” is not a number.",
]


def test_a_file_with_wrong_rows_imports_nothing_and_says_why(client, world):
    client.force_login(world.producer)
    response = upload(client, world.org_a, csv_file(BAD_ROWS))
    assert response.status_code == 200
    assert response.context["errors"] == BAD_ROW_REPORT
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "5 rows are wrong." in body
    assert "Row 3: birth year 1850 is not plausible." in body
    assert IMPORT_SESSION_KEY not in client.session
    assert added_to(world.org_a) == []
    assert world.org_a.members.count() == 30


def test_the_same_report_for_the_same_rows_in_xlsx(client, world):
    client.force_login(world.producer)
    response = upload(client, world.org_a, xlsx_file(BAD_ROWS))
    assert response.context["errors"] == BAD_ROW_REPORT
    assert added_to(world.org_a) == []


def test_the_service_imports_nothing_when_one_row_is_wrong(world):
    rows = roster.read_roster_file(csv_file(BAD_ROWS)).rows
    with pytest.raises(roster.ActionRefused) as refused:
        roster.roster_import(organization=world.org_a, by=world.producer, rows=rows)
    assert refused.value.code == "invalid"
    assert list(refused.value.reasons) == BAD_ROW_REPORT
    assert added_to(world.org_a) == []


def test_import_refused_when_the_roster_changed_since_the_preview(client, world):
    client.force_login(world.producer)
    upload(client, world.org_a, csv_file(GOOD_ROWS))
    Member.objects.create(organization=world.org_a, name="Issa Yarou", sex="male", birth_year=1979)
    response = confirm(client, world.org_a)
    assert response.status_code == 302
    assert response.url == url("roster-preview", world.org_a.pk)
    assert added_to(world.org_a) == [("Issa Yarou", "male", 1979, D("0.00"), "member", True)]
    preview = client.get(response.url)
    assert preview.context["errors"] == ["Row 3: “Issa Yarou” is already on the roster."]
    assert "Nothing was added: some rows are no longer right." in preview.content.decode()


def test_confirm_without_a_current_preview_imports_nothing(client, world):
    client.force_login(world.producer)
    response = client.post(url("roster-import", world.org_a.pk), {"token": "x"})
    assert response.status_code == 302
    assert response.url == url("roster-upload", world.org_a.pk)
    upload(client, world.org_a, csv_file(GOOD_ROWS))
    response = client.post(url("roster-import", world.org_a.pk), {"token": "stale"})
    assert response.url == url("roster-upload", world.org_a.pk)
    # A preview of organization A is not one of organization B.
    client.force_login(world.producer_b)
    assert client.post(url("roster-import", world.org_b.pk), {"token": "x"}).status_code == 302
    assert added_to(world.org_a) == []
    assert world.org_b.members.count() == 30


def test_preview_without_a_file_goes_back_to_the_upload(client, world):
    client.force_login(world.producer)
    response = client.get(url("roster-preview", world.org_a.pk))
    assert response.status_code == 302
    assert response.url == url("roster-upload", world.org_a.pk)


# --- files that are not rosters ----------------------------------------------------------

NOT_A_ROSTER = (
    "The file is neither a CSV text file nor an XLSX workbook. Save the sheet as CSV or XLSX "
    "and try again."
)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.csv", PNG, NOT_A_ROSTER),
        ("roster.xlsx", PNG, NOT_A_ROSTER),
        ("roster.csv", ELF, NOT_A_ROSTER),
        ("roster.xlsx", WINDOWS_EXE, NOT_A_ROSTER),
        ("roster.xlsx", zip_bytes({"word/document.xml": b"<w/>"}), NOT_A_ROSTER),
        (
            "roster.xlsx",
            zip_bytes({"xl/workbook.xml": b"not xml", "[Content_Types].xml": b"?"}),
            "The workbook cannot be read. Open it in a spreadsheet and save it again.",
        ),
        (
            "roster.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "Old Excel files (.xls) cannot be read: save the sheet as .xlsx or CSV.",
        ),
        ("roster.csv", b"", "The submitted file is empty."),
        ("roster.csv", b"\n\n  \n", "The file is empty."),
        (
            "roster.csv",
            b"nom,village\nAna,Kandi\n",
            "The first row must name the columns; these are missing: sex, birth year. "
            "Expected: name, sex, birth_year, land_area_ha, role.",
        ),
        (
            "roster.csv",
            b"Nom,Name,sex,birth_year\n",
            "The columns “Nom” and “Name” both give the name.",
        ),
        (
            "roster.csv",
            b"name,sex,birth_year\n" + b"a" * (2 * 1024 * 1024),
            "The file is larger than 2 MB.",
        ),
    ],
)
def test_files_that_are_not_rosters_are_refused(client, world, name, content, message):
    client.force_login(world.producer)
    response = upload(client, world.org_a, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [message]}
    assert IMPORT_SESSION_KEY not in client.session
    assert added_to(world.org_a) == []


def test_a_file_with_only_a_header_has_no_rows(client, world):
    client.force_login(world.producer)
    response = upload(client, world.org_a, csv_file([HEADER]))
    assert response.context["form"].errors == {"file": ["The file has no member rows."]}


def test_too_many_rows_are_refused(world):
    rows = [HEADER] + [[f"Person {i}", "F", "1980"] for i in range(roster.MAX_ROWS + 1)]
    with pytest.raises(roster.RosterFileError) as error:
        roster.read_roster_file(SimpleUploadedFile("big.xlsx", xlsx_bytes(rows)))
    assert str(error.value) == "The file has more than 5000 member rows; split it in parts."


# --- who may import ----------------------------------------------------------------------


def test_officer_may_not_import(client, world):
    client.force_login(world.officer)
    assert client.get(url("roster-upload", world.org_a.pk)).status_code == 403
    assert upload(client, world.org_a, csv_file(GOOD_ROWS)).status_code == 403
    assert client.get(url("roster-preview", world.org_a.pk)).status_code == 403
    assert client.post(url("roster-import", world.org_a.pk), {"token": "x"}).status_code == 403
    assert IMPORT_SESSION_KEY not in client.session
    assert added_to(world.org_a) == []


def test_another_organizations_import_is_not_found(client, world):
    client.force_login(world.producer_b)
    assert client.get(url("roster-upload", world.org_a.pk)).status_code == 404
    assert upload(client, world.org_a, csv_file(GOOD_ROWS)).status_code == 404
    assert client.get(url("roster-preview", world.org_a.pk)).status_code == 404
    assert client.post(url("roster-import", world.org_a.pk), {"token": "x"}).status_code == 404
    assert added_to(world.org_a) == []


def test_the_service_refuses_an_officer(world):
    rows = roster.read_roster_file(csv_file(GOOD_ROWS)).rows
    with pytest.raises(roster.ActionRefused) as refused:
        roster.roster_import(organization=world.org_a, by=world.officer, rows=rows)
    assert refused.value.code == "forbidden"
    assert added_to(world.org_a) == []
