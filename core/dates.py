"""The window of dates a person may type, one rule for every page, API call and service.

A typed date is refused before 1 January 2000 or more than ten years after today: nothing
the platform records happened earlier or is planned later, and dates such as 0001-01-01
break date arithmetic, charts and exports downstream. Forms and serializers use
`validate_typed_date` for a field message; the services that record a dated fact ask
`date_problem` again, so nothing bypasses it. Tighter rules (a payment is not in the
future) stay with their service and apply as well.
"""

from __future__ import annotations

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formats import format_date

EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_date(today: datetime.date | None = None) -> datetime.date:
    """Ten years after `today` (28 February for a 29 February)."""
    today = today or timezone.localdate()
    year = today.year + YEARS_AHEAD
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


def date_problem(value: datetime.date, today: datetime.date | None = None) -> str:
    """Why `value` is outside the window of typed dates, or "" when it is inside."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    latest = latest_date(today)
    if EARLIEST_DATE <= value <= latest:
        return ""
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": format_date(EARLIEST_DATE, long=True),
        "latest": format_date(latest, long=True),
    }


def validate_typed_date(value: datetime.date) -> None:
    """The validator of every date field of a form or a serializer."""
    problem = date_problem(value)
    if problem:
        raise ValidationError(problem, code="date_out_of_range")


# The admin's editable date fields take the same validator: `formfield_overrides = ADMIN_DATES`.
ADMIN_DATES = {models.DateField: {"validators": [validate_typed_date]}}


# --- month arithmetic ------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day`, `months` later (or earlier), on the same day of the month or the last day of
    a shorter month (31 January + 1 month: 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def calendar_period(day: datetime.date, months: int) -> datetime.date:
    """The first day of the calendar period of `months` months (1: month, 3: quarter)
    that holds `day`: 2026-02-17 is in the quarter of 2026-01-01."""
    return datetime.date(day.year, (day.month - 1) // months * months + 1, 1)
