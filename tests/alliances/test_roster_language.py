"""A roster file's numbers are read in the language of its column names (issue 14): "1,5"
is 1.5 under French or Spanish names, "1,500" is 1500 under English ones and "1.500" is
1500 under Spanish ones. A number that would need a guess is refused on its row; when
the names do not tell one language, the uploader's language decides. A workbook's
number cells are numbers already, whatever the language. The preview says how the
numbers were read."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from alliances import roster
from alliances.views import IMPORT_SESSION_KEY

from .support import csv_file, url, xlsx_file

D = Decimal
NNBSP = "\u202f"
EN_HEADER = ["name", "sex", "birth_year", "land_area_ha", "role"]
FR_HEADER = ["Nom et prénoms", "Sexe", "Année de naissance", "Superficie", "Fonction"]
ES_HEADER = ["Nombre", "Sexo", "Año de nacimiento", "Hectáreas", "Cargo"]
# One name of each language (and "ha", which all three write): no language wins.
MIXED_HEADER = ["name", "sexe", "nacimiento", "ha"]
NOTE = {
    "en": "Numbers read as written in English (1,234.5).",
    "fr": f"Numbers read as written in French (1{NNBSP}234,5).",
    "es": "Numbers read as written in Spanish (1.234,5).",
}


def speak(client, language):
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: language})


def rows(header, *areas):
    return [header] + [[f"Person {i}", "F", "1980", area] for i, area in enumerate(areas, 1)]


def areas_added(org):
    return dict(org.members.filter(name__startswith="Person ").values_list("name", "land_area_ha"))


def upload(client, org, file):
    return client.post(url("roster-upload", org.pk), {"file": file})


def import_file(client, org, file):
    """Upload, preview and confirm; the preview page."""
    response = upload(client, org, file)
    assert response.status_code == 302, response.context and response.context["errors"]
    preview = client.get(url("roster-preview", org.pk))
    assert preview.status_code == 200
    token = client.session[IMPORT_SESSION_KEY]["token"]
    confirmed = client.post(url("roster-import", org.pk), {"token": token})
    assert confirmed.url == url("organization", org.pk)
    return preview


# --- the language of the header --------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (EN_HEADER, "en"),
        (["Name", "Gender", "Year of birth", "Land area", "Position"], "en"),
        (FR_HEADER, "fr"),
        (["Nom", "Sexe", "Naissance", "Hectares", "Rôle"], "fr"),  # "hectares", "role": en too
        (ES_HEADER, "es"),
        (["Nombre", "Sexo", "Nacimiento", "Área (ha)", "Función"], "es"),  # "area": en too
        (["Nombre", "Sexo", "Año de nacimiento", "Superficie"], "es"),  # "superficie": fr too
    ],
)
def test_the_header_tells_the_language(header, language):
    assert roster.header_language(header) == language
    assert roster.read_roster_file(csv_file([header])).language == language


@pytest.mark.parametrize("active", ["en", "fr", "es"])
def test_a_header_of_no_one_language_is_read_in_the_uploaders(active):
    with translation.override(active):
        assert roster.header_language(MIXED_HEADER) == active
        # French and Spanish match two columns each.
        assert roster.header_language(["name", "sexe", "ano_de_nacimiento", "superficie"]) == (
            active
        )


# --- numbers read through the pages ----------------------------------------------------


@pytest.mark.parametrize(
    ("header", "typed", "stored"),
    [
        (FR_HEADER, "1,5", D("1.5")),
        (FR_HEADER, "1 234,5", D("1234.5")),
        (FR_HEADER, f"1{NNBSP}234,5", D("1234.5")),
        (FR_HEADER, "0,125", D("0.12")),  # rounded to the hundredth, half to even
        (ES_HEADER, "1,5", D("1.5")),
        (ES_HEADER, "1.500", D("1500")),
        (ES_HEADER, "1.234,5", D("1234.5")),
        (EN_HEADER, "1,500", D("1500")),
        (EN_HEADER, "1.5", D("1.5")),
        (EN_HEADER, "1,234.5", D("1234.5")),
    ],
)
def test_text_numbers_are_read_in_the_language_of_the_header(client, world, header, typed, stored):
    client.force_login(world.producer)
    import_file(client, world.org_a, csv_file(rows(header, typed), delimiter=";"))
    assert areas_added(world.org_a) == {"Person 1": stored}


@pytest.mark.parametrize(("header", "language"), [(FR_HEADER, "fr"), (ES_HEADER, "es")])
def test_the_preview_says_how_numbers_were_read(client, world, header, language):
    client.force_login(world.producer)
    upload(client, world.org_a, csv_file(rows(header, "1,5")))

    preview = client.get(url("roster-preview", world.org_a.pk))

    assert preview.context["numbers_note"] == NOTE[language]
    assert NOTE[language] in preview.content.decode()
    assert client.session[IMPORT_SESSION_KEY]["numbers_language"] == language


def test_the_preview_says_it_in_the_readers_language(client, world):
    client.force_login(world.producer)
    speak(client, "fr")
    upload(client, world.org_a, csv_file(rows(ES_HEADER, "1,5")))

    preview = client.get(url("roster-preview", world.org_a.pk))

    with translation.override("fr"):
        note = roster.numbers_note("es")
    assert preview.context["numbers_note"] == note
    assert note.endswith("(1.234,5).")  # the file's numbers, however the page speaks


def test_the_file_keeps_its_language_from_preview_to_import(client, world):
    client.force_login(world.producer)
    upload(client, world.org_a, csv_file(rows(FR_HEADER, "1,5", "2 000")))
    speak(client, "en")  # the reader changes the menu's language before confirming
    token = client.session[IMPORT_SESSION_KEY]["token"]

    assert client.get(url("roster-preview", world.org_a.pk)).context["errors"] == []
    client.post(url("roster-import", world.org_a.pk), {"token": token})

    assert areas_added(world.org_a) == {"Person 1": D("1.5"), "Person 2": D("2000")}


# --- what would need a guess is refused ---------------------------------------------------

AMBIGUOUS = "could mean two different numbers (write numbers like {example})"
NOT_THE_FILES = "is not written like the file's numbers ({example})"


@pytest.mark.parametrize(
    ("header", "language", "typed", "problem"),
    [
        (FR_HEADER, "fr", "1,500", AMBIGUOUS),  # 1.5 or one thousand five hundred?
        (FR_HEADER, "fr", "1.5", NOT_THE_FILES),
        (FR_HEADER, "fr", "1,200.5", NOT_THE_FILES),
        (ES_HEADER, "es", "1,500", AMBIGUOUS),
        (ES_HEADER, "es", "1 500", NOT_THE_FILES),
        (EN_HEADER, "en", "1.500", AMBIGUOUS),
        (EN_HEADER, "en", "1,5", NOT_THE_FILES),
        (EN_HEADER, "en", "1.2.3", NOT_THE_FILES),
    ],
)
def test_a_number_that_needs_a_guess_is_refused_on_its_row(
    client, world, header, language, typed, problem
):
    client.force_login(world.producer)
    file = csv_file(rows(header, "2", typed), delimiter=";")

    response = upload(client, world.org_a, file)

    assert response.status_code == 200
    example = roster.number_example(language)
    assert response.context["errors"] == [
        f"Row 3: land area “{typed}” {problem.format(example=example)}."
    ]
    assert NOTE[language] in response.content.decode()  # why "1.5" is not read
    assert IMPORT_SESSION_KEY not in client.session
    assert areas_added(world.org_a) == {}


def test_the_service_refuses_the_same_rows(world):
    file = roster.read_roster_file(csv_file(rows(FR_HEADER, "1,5", "1,500")))
    assert file.language == "fr"

    with pytest.raises(roster.ActionRefused) as refused:
        roster.roster_import(
            organization=world.org_a, by=world.producer, rows=file.rows, language=file.language
        )

    assert list(refused.value.reasons) == [
        "Row 3: land area “1,500” could mean two different numbers "
        f"(write numbers like 1{NNBSP}234,5)."
    ]
    assert areas_added(world.org_a) == {}


def test_the_service_reads_the_files_language(world):
    file = roster.read_roster_file(csv_file(rows(ES_HEADER, "1.500", "0,75")))

    roster.roster_import(
        organization=world.org_a, by=world.producer, rows=file.rows, language=file.language
    )

    assert areas_added(world.org_a) == {"Person 1": D("1500"), "Person 2": D("0.75")}


def test_a_year_is_digits_only(client, world):
    client.force_login(world.producer)
    file = csv_file([ES_HEADER, ["Ana", "F", "1.990", "1"], ["Eva", "F", "1990", "1"]])

    response = upload(client, world.org_a, file)

    assert response.context["errors"] == ["Row 2: birth year “1.990” is not a year."]


# --- a header of no one language --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [("fr", "1,5", D("1.5")), ("es", "1.500", D("1500")), ("en", "1,500", D("1500"))],
)
def test_a_mixed_header_is_read_in_the_uploaders_language(client, world, language, typed, stored):
    client.force_login(world.producer)
    speak(client, language)

    import_file(client, world.org_a, csv_file(rows(MIXED_HEADER, typed)))

    assert areas_added(world.org_a) == {"Person 1": stored}


def test_a_mixed_header_refuses_what_the_uploaders_language_does_not_write(client, world):
    client.force_login(world.producer)  # in English

    response = upload(client, world.org_a, csv_file(rows(MIXED_HEADER, "1,5")))

    assert response.context["errors"] == [
        "Row 2: land area “1,5” is not written like the file's numbers (1,234.5)."
    ]


# --- workbooks ---------------------------------------------------------------------------


def test_workbook_number_cells_stay_numbers_and_text_cells_follow_the_header(client, world):
    client.force_login(world.producer)
    workbook = [
        FR_HEADER,
        ["Person 1", "F", 1975, 2.25, ""],  # number cells
        ["Person 2", "F", 1980.0, 1500, ""],
        ["Person 3", "F", "1980", "1,5", ""],  # text cells, read in French
        ["Person 4", "F", 1980, 0.30000000000000004, ""],
    ]

    import_file(client, world.org_a, xlsx_file(workbook))

    assert areas_added(world.org_a) == {
        "Person 1": D("2.25"),
        "Person 2": D("1500"),
        "Person 3": D("1.5"),
        "Person 4": D("0.30"),
    }


def test_a_workbook_text_cell_in_the_wrong_convention_is_refused(client, world):
    client.force_login(world.producer)
    workbook = [FR_HEADER, ["Person 1", "F", 1975, 2.5, ""], ["Person 2", "F", 1975, "2.5", ""]]

    response = upload(client, world.org_a, xlsx_file(workbook))

    assert response.context["errors"] == [
        f"Row 3: land area “2.5” is not written like the file's numbers (1{NNBSP}234,5)."
    ]


def test_a_workbook_number_cell_that_is_no_year_is_refused(client, world):
    client.force_login(world.producer)
    workbook = [EN_HEADER, ["Person 1", "F", 1975.5, 1, ""]]

    response = upload(client, world.org_a, xlsx_file(workbook))

    assert response.context["errors"] == ["Row 2: birth year “1975.5” is not a year."]
