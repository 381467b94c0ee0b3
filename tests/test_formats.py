"""core/formats.py: every figure and date shown, as each language writes it.

Babel's French groups with a narrow no-break space (U+202F) and puts a no-break space
(U+00A0) before a currency code or a percent sign; amounts carry the ISO 4217 code with the
currency's minor units (XOF none, COP and USD two).
"""

import datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from babel.numbers import format_percent as babel_percent
from django.template import Context, Template
from django.utils import timezone, translation
from openpyxl import Workbook

from core.formats import (
    _money_pattern,
    _rounded,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_percent,
    format_quantity,
    locale_of,
    minor_units,
)
from reports.generators import xlsx

D = Decimal
NNBSP, NBSP = "\u202f", "\u00a0"

MONEY = [
    # language, currency, amount, shown
    ("en", "XOF", D("20000000"), f"XOF{NBSP}20,000,000"),
    ("en", "COP", D("20000000"), f"COP{NBSP}20,000,000.00"),
    ("en", "USD", D("20000000"), f"USD{NBSP}20,000,000.00"),
    ("fr", "XOF", D("20000000"), f"20{NNBSP}000{NNBSP}000{NBSP}XOF"),
    ("fr", "COP", D("20000000"), f"20{NNBSP}000{NNBSP}000,00{NBSP}COP"),
    ("fr", "USD", D("20000000"), f"20{NNBSP}000{NNBSP}000,00{NBSP}USD"),
    ("es", "XOF", D("20000000"), f"20.000.000{NBSP}XOF"),
    ("es", "COP", D("20000000"), f"20.000.000,00{NBSP}COP"),
    ("es", "USD", D("20000000"), f"20.000.000,00{NBSP}USD"),
    # Rounded half to even to the minor unit, once.
    ("en", "XOF", D("1234.5"), f"XOF{NBSP}1,234"),
    ("en", "XOF", D("1235.5"), f"XOF{NBSP}1,236"),
    ("en", "USD", D("1250.5"), f"USD{NBSP}1,250.50"),
    ("en", "USD", D("0.125"), f"USD{NBSP}0.12"),
    ("fr", "COP", D("9000000.00"), f"9{NNBSP}000{NNBSP}000,00{NBSP}COP"),
    ("fr", "XOF", D("9000000.00"), f"9{NNBSP}000{NNBSP}000{NBSP}XOF"),
    # Negative amounts: the locale's minus sign in front.
    ("en", "XOF", D("-4666666"), f"-XOF{NBSP}4,666,666"),
    ("fr", "XOF", D("-4666666"), f"-4{NNBSP}666{NNBSP}666{NBSP}XOF"),
    ("es", "USD", D("-0.5"), f"-0,50{NBSP}USD"),
    ("en", "XOF", D("-0.4"), f"XOF{NBSP}0"),
]


@pytest.mark.parametrize(("language", "currency", "amount", "shown"), MONEY)
def test_money(language, currency, amount, shown):
    assert format_money(amount, currency, language) == shown


def test_money_follows_the_active_language():
    with translation.override("fr"):
        assert format_money(D("20000000"), "XOF") == f"20{NNBSP}000{NNBSP}000{NBSP}XOF"
    with translation.override("en"):
        assert format_money(D("20000000"), "XOF") == f"XOF{NBSP}20,000,000"


NUMBERS = [
    # language, value, digits, shown
    ("en", D("4063500"), 3, "4,063,500"),
    ("fr", D("4063500"), 3, f"4{NNBSP}063{NNBSP}500"),
    ("es", D("4063500"), 3, "4.063.500"),
    ("en", D("0.7300"), 2, "0.73"),
    ("fr", D("0.7300"), 2, "0,73"),
    ("en", D("20.00"), 3, "20"),
    ("fr", D("12.50"), 3, "12,5"),
    ("en", D("80.00"), 2, "80"),
    ("en", D("58.335"), 2, "58.34"),
    ("en", D("-0.0001"), 3, "0"),
    ("en", 1200, 3, "1,200"),
    ("fr", 1200, 3, f"1{NNBSP}200"),
    ("en", 0.5, 3, "0.5"),
    ("en", D("1234.56789"), 0, "1,235"),
    ("en", D("0.00166000"), 8, "0.00166"),
]


@pytest.mark.parametrize(("language", "value", "digits", "shown"), NUMBERS)
def test_numbers_are_grouped_without_useless_zeros(language, value, digits, shown):
    assert format_number(value, language, digits=digits) == shown


QUANTITIES = [
    # language, value, unit, shown
    ("en", D("1.000"), None, "1"),
    ("fr", D("1.000"), None, "1"),
    ("es", D("1.000"), None, "1"),
    ("en", D("47925.000"), None, "47,925"),
    ("fr", D("47925.000"), None, f"47{NNBSP}925"),
    ("es", D("47925.000"), None, "47.925"),
    ("en", D("1980.625"), "kg", f"1,980.625{NBSP}kg"),
    ("fr", D("1980.625"), "kg", f"1{NNBSP}980,625{NBSP}kg"),
    ("es", D("2.500"), "ha", f"2,5{NBSP}ha"),
    ("en", D("100000.000"), "t", f"100,000{NBSP}t"),
]


@pytest.mark.parametrize(("language", "value", "unit", "shown"), QUANTITIES)
def test_quantities(language, value, unit, shown):
    assert format_quantity(value, unit, language) == shown


PERCENTS = [
    ("en", D("0.125"), "12.5%"),
    ("fr", D("0.125"), f"12,5{NBSP}%"),
    ("es", D("0.125"), f"12,5{NBSP}%"),
    ("en", D("0.7000"), "70%"),
    ("fr", D("0.7000"), f"70{NBSP}%"),
    ("en", D("-0.025"), "-2.5%"),
    ("en", D("0.33333"), "33.3%"),
]


@pytest.mark.parametrize(("language", "share", "shown"), PERCENTS)
def test_percentages(language, share, shown):
    assert format_percent(share, language) == shown


def test_percent_with_more_decimals():
    assert format_percent(D("0.3333"), "en", digits=2) == "33.33%"


@pytest.mark.parametrize(
    "formatter",
    [
        lambda: format_money(None, "XOF"),
        lambda: format_number(None),
        lambda: format_quantity(None, "kg"),
        lambda: format_percent(None),
        lambda: format_date(None),
        lambda: format_datetime(None),
    ],
)
def test_nothing_is_a_dash(formatter):
    assert formatter() == "—"


DAY = datetime.date(2025, 3, 5)

DATES = [
    # language, short, long
    ("en", "03/05/2025", "March 5, 2025"),
    ("fr", "05/03/2025", "5 mars 2025"),
    ("es", "05/03/2025", "5 de marzo de 2025"),
]


@pytest.mark.parametrize(("language", "short", "long"), DATES)
def test_dates(language, short, long):
    assert (format_date(DAY, language), format_date(DAY, language, long=True)) == (short, long)


MOMENTS = [
    # language, hour, minute, short, long
    ("en", 13, 16, "03/05/2025 13:16", "March 5, 2025, 13:16"),
    ("en", 9, 5, "03/05/2025 09:05", "March 5, 2025, 09:05"),
    ("en", 0, 0, "03/05/2025 00:00", "March 5, 2025, 00:00"),
    ("en", 12, 0, "03/05/2025 12:00", "March 5, 2025, 12:00"),
    ("fr", 13, 16, "05/03/2025 13:16", "5 mars 2025 13:16"),
    ("es", 13, 16, "05/03/2025 13:16", "5 de marzo de 2025 a las 13:16"),
]


@pytest.mark.parametrize(("language", "hour", "minute", "short", "long"), MOMENTS)
def test_moments_on_a_24_hour_clock(language, hour, minute, short, long):
    moment = timezone.make_aware(datetime.datetime(2025, 3, 5, hour, minute))
    assert format_datetime(moment, language) == short
    assert format_datetime(moment, language, long=True) == long


def test_an_english_sentence_ending_with_a_time_has_one_period(settings):
    # Django's own "P" wrote "1:16 p.m." (and "noon", "midnight"): "... on 03/05/2025 1:16 p.m.."
    moment = timezone.make_aware(datetime.datetime(2025, 3, 5, 13, 16))
    with translation.override("en"):
        sentence = Template(
            "{% load i18n formats %}{% blocktranslate with when=moment|short_datetime %}"
            "Submitted by {{ who }} on {{ when }}.{% endblocktranslate %}"
        ).render(Context({"moment": moment, "who": "producer"}))
    assert sentence == "Submitted by producer on 03/05/2025 13:16."


def test_moments_are_shown_in_the_platform_time_zone(settings):
    settings.TIME_ZONE = "Africa/Porto-Novo"  # UTC+1
    moment = datetime.datetime(2025, 3, 5, 23, 30, tzinfo=datetime.UTC)
    assert format_datetime(moment, "fr") == "06/03/2025 00:30"
    assert format_date(moment, "fr") == "06/03/2025"


FILTERS = (
    "{% load formats %}{{ amount|money:currency }}|{{ computed|number }}|{{ ratio|number:2 }}|"
    "{{ volume|quantity:unit }}|{{ share|percent }}|{{ day|short_date }}|{{ day|long_date }}|"
    "{{ moment|short_datetime }}|{{ moment|long_datetime }}"
)


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "en",
            f"XOF{NBSP}20,000,000|4,063,500|0.73|47,925{NBSP}t|12.5%|03/05/2025|March 5, 2025|"
            "03/05/2025 13:16|March 5, 2025, 13:16",
        ),
        (
            "fr",
            f"20{NNBSP}000{NNBSP}000{NBSP}XOF|4{NNBSP}063{NNBSP}500|0,73|47{NNBSP}925{NBSP}t|"
            f"12,5{NBSP}%|05/03/2025|5 mars 2025|05/03/2025 13:16|5 mars 2025 13:16",
        ),
        (
            "es",
            f"20.000.000{NBSP}XOF|4.063.500|0,73|47.925{NBSP}t|12,5{NBSP}%|05/03/2025|"
            "5 de marzo de 2025|05/03/2025 13:16|5 de marzo de 2025 a las 13:16",
        ),
    ],
)
def test_template_filters(language, shown):
    context = Context(
        {
            "amount": D("20000000.00"),
            "currency": "XOF",
            "computed": D("4063500.00"),
            "ratio": D("0.7273"),
            "volume": D("47925.000"),
            "unit": "t",
            "share": D("0.125"),
            "day": DAY,
            "moment": timezone.make_aware(datetime.datetime(2025, 3, 5, 13, 16)),
        }
    )
    with translation.override(language):
        assert Template(FILTERS).render(context) == shown


def test_templates_still_loading_money_get_the_same_filters():
    with translation.override("en"):
        text = Template("{% load money %}{{ a|money:'USD' }} {{ s|percent }}").render(
            Context({"a": D("1250.5"), "s": D("0.2")})
        )
    assert text == f"USD{NBSP}1,250.50 20%"


# --- spreadsheets: numbers and dates with a number format, never preformatted text ----


@pytest.mark.parametrize(
    ("value", "number_format"),
    [
        (D("1.000"), "#,##0"),
        (D("47925.000"), "#,##0"),
        (D("47925.500"), "#,##0.0"),
        (D("2.75"), "#,##0.00"),
        (D("0.123456"), "#,##0.000"),
        (30, "#,##0"),
    ],
)
def test_xlsx_numbers_keep_their_value_and_get_a_format(value, number_format):
    ws = Workbook(write_only=True).create_sheet()
    cell = xlsx.number(ws, value)
    assert (cell.value, cell.number_format) == (value, number_format)


def test_xlsx_money_has_the_currency_minor_units():
    ws = Workbook(write_only=True).create_sheet()
    cells = [xlsx.money(ws, D("9000000.00"), currency) for currency in ("XOF", "COP", "USD")]
    assert [(c.value, c.number_format) for c in cells] == [
        (D("9000000.00"), "#,##0"),
        (D("9000000.00"), "#,##0.00"),
        (D("9000000.00"), "#,##0.00"),
    ]


def test_xlsx_dates_are_dates_in_the_reader_short_date_format():
    ws = Workbook(write_only=True).create_sheet()
    cell = xlsx.date(ws, DAY)
    # "mm-dd-yy" is Excel's built-in format 14, shown as the reader's own short date.
    assert (cell.value, cell.number_format, cell.is_date) == (DAY, "mm-dd-yy", True)
    assert (xlsx.date(ws, None), xlsx.number(ws, None)) == (None, None)


# --- the formatter writes what Babel writes ------------------------------------------------

SHAPES = [
    D(0),
    D("0.0004"),
    D("-0.0004"),
    D("0.5"),
    D("2.5"),
    D("0.125"),
    D("0.999"),
    D("-1"),
    D("999"),
    D("1000"),
    D("-1000.5"),
    D("1234567.891"),
    D("1E+7"),
    D("123456789012345.67"),
    D("-98765.4321"),
]


@pytest.mark.parametrize("language", ["en", "fr", "es", "de-ch", "hi"])
def test_the_kept_formatter_writes_what_babel_writes(language):
    # One formatter per language (and digits, or currency), its pattern parsed once:
    # the same text as Babel's own functions, figure for figure (de-CH groups with an
    # apostrophe, Hindi by two after the first three).
    locale = locale_of(language)
    for value in SHAPES:
        for digits in (0, 1, 3, 8):
            pattern = "#,##0" + ("." + "#" * digits if digits else "")
            expected = format_decimal(_rounded(value, digits), format=pattern, locale=locale)
            assert format_number(value, language, digits=digits) == expected
        for currency in ("XOF", "COP", "USD", "JPY", "BHD"):
            rounded = _rounded(value, minor_units(currency))
            expected = format_currency(
                rounded, currency, format=_money_pattern(locale), locale=locale
            )
            assert format_money(value, currency, language) == expected
        share = value / 1000
        for digits in (0, 2):
            pattern = locale.percent_formats[None].pattern.replace("0", "0." + "#" * digits, 1)
            expected = babel_percent(
                _rounded(share, digits + 2), format=pattern if digits else None, locale=locale
            )
            assert format_percent(share, language, digits=digits) == expected
