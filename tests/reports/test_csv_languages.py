"""CSV reports open right in the spreadsheet of the reader's language: French and Spanish
files are semicolon-separated with decimal commas, English ones comma-separated with
decimal points; amounts unformatted (no grouping) so that they are read as numbers; UTF-8
with a byte-order mark; and the pages say which."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from reports.generators.cells import csv_format, csv_format_note, csv_number
from reports.models import ReportKind
from reports.services import report_request

from .support import build_portfolio

pytestmark = pytest.mark.django_db
D = Decimal

SEMICOLONS = "CSV file (UTF-8): semicolon-separated, with a decimal comma."
COMMAS = "CSV file (UTF-8): comma-separated, with a decimal point."


def ledger(world, language: str, capture) -> bytes:
    with capture(execute=True):
        job = report_request(
            kind=ReportKind.DISBURSEMENT_LEDGER_CSV,
            parameters={},
            by=world.officer,
            language=language,
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    with open(job.file.path, "rb") as f:
        return f.read()


def parsed(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def amounts(rows, code) -> list[list[str]]:
    """Per row of the alliance: reference, then committed, scheduled, paid, to disburse."""
    return [[r[7], *r[9:13]] for r in rows if r[0] == code]


@pytest.fixture
def portfolio(world):
    return build_portfolio(world)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_ledgers_use_semicolons_and_decimal_commas(
    world, portfolio, language, django_capture_on_commit_callbacks
):
    data = ledger(world, language, django_capture_on_commit_callbacks)
    rows = parsed(data, ";")
    assert {len(row) for row in rows} == {16}
    assert amounts(rows, portfolio.active.alliance.code) == [
        ["", "14000000", "", "", ""],
        ["", "", "4666666", "", ""],
        ["PAY-A1", "", "", "4666666", ""],
        ["PAY-A1-REV", "", "", "-4666666", ""],
        ["PAY-A1B", "", "", "4666666", ""],
        ["", "", "4666666", "", ""],
        ["", "", "4666668", "", ""],
        ["", "14000000", "14000000", "4666666", "9333334"],
    ]
    alliance_total = [r for r in rows if r[0] == portfolio.active.alliance.code][-1]
    assert alliance_total[13:] == ["USD", "23240,00", "7746,67"]
    assert rows[-2][3] == "XOF"
    assert rows[-2][9:13] == ["28000000", "28000000", "18666666", "9333334"]
    assert rows[-1][13:] == ["USD", "46480,00", "30986,67"]
    # XOF has no minor unit; USD amounts carry the decimal comma.
    assert "46480,00" in data.decode("utf-8-sig")
    assert "46480.00" not in data.decode("utf-8-sig")


def test_english_ledger_uses_commas_and_decimal_points(
    world, portfolio, django_capture_on_commit_callbacks
):
    data = ledger(world, "en", django_capture_on_commit_callbacks)
    rows = parsed(data, ",")
    assert {len(row) for row in rows} == {16}
    assert rows[0][9:13] == ["Committed", "Tranche amount", "Paid (signed)", "Still to disburse"]
    assert amounts(rows, portfolio.active.alliance.code)[3:] == [
        ["PAY-A1-REV", "", "", "-4666666", ""],
        ["PAY-A1B", "", "", "4666666", ""],
        ["", "", "4666666", "", ""],
        ["", "", "4666668", "", ""],
        ["", "14000000", "14000000", "4666666", "9333334"],
    ]
    alliance_total = [r for r in rows if r[0] == portfolio.active.alliance.code][-1]
    assert alliance_total[13:] == ["USD", "23240.00", "7746.67"]
    assert rows[-1][13:] == ["USD", "46480.00", "30986.67"]
    assert ";" not in data.decode("utf-8-sig")


def test_numbers_are_written_without_grouping_in_the_languages_decimal_sign():
    french, english = csv_format("fr"), csv_format("en")
    assert (french.delimiter, french.decimal, english.delimiter, english.decimal) == (
        ";",
        ",",
        ",",
        ".",
    )
    assert csv_format("es") == french
    values = (D("-1234567.50"), D("0.00166000"), 3, 2.5)
    assert [csv_number(v, french) for v in values] == ["-1234567,50", "0,00166000", "3", "2,5"]
    assert [csv_number(v, english) for v in values] == ["-1234567.50", "0.00166000", "3", "2.5"]


def test_the_request_page_says_how_the_csv_file_is_separated(client, world):
    client.force_login(world.officer)
    english = client.get(reverse("reports:new")).content.decode()
    assert COMMAS in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(reverse("reports:new")).content.decode()
    with translation.override("fr"):
        note = translation.gettext(SEMICOLONS)
        assert csv_format_note() == note
    assert note in french.replace("&#x27;", "'")
    assert COMMAS not in french


def test_the_ledger_button_and_the_report_page_say_it_too(client, world, portfolio):
    client.force_login(world.finance)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("program-ledger", args=[world.program.pk])).content.decode()
    with translation.override("es"):
        assert translation.gettext(SEMICOLONS) in page
    job = report_request(
        kind=ReportKind.DISBURSEMENT_LEDGER_CSV, parameters={}, by=world.finance, language="fr"
    )
    # Read in English, the page describes the French file in English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = client.get(reverse("reports:detail", args=[job.pk])).content.decode()
    assert f"<dt>Format</dt><dd>{SEMICOLONS}</dd>" in detail
    xlsx = report_request(
        kind=ReportKind.DISBURSEMENT_LEDGER_XLSX, parameters={}, by=world.finance, language="fr"
    )
    assert (
        "<dt>Format</dt>"
        not in client.get(reverse("reports:detail", args=[xlsx.pk])).content.decode()
    )
