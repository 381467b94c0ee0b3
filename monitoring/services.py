"""Monitoring (§8), one function per action.

Reports: scheduled from the signing date, one per monitoring period of the programme;
due -> submitted (PO or its TA provider) -> accepted | returned (M&E officer, a reason
to return); returned -> submitted when the PO resubmits. The PO side enters values
while the report is due or returned; an accepted report is locked, with the values the
platform computes (confirmed deliveries, revolving fund) stored as they stood.

Also: baselines and targets of an alliance, and the revolving fund of a producer
organization (repayments in, loans out; a loan never exceeds the balance).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Role
from accounts.policy import (
    CONFLICT,
    INVALID,
    ActionRefused,
    Decision,
    can_keep_revolving_fund,
    require_roles,
)
from accounts.steps import Confirm, Step, StepTable, take_step
from core.dates import add_months, date_problem
from core.formats import format_date
from core.money import ZERO, format_money, is_whole_in
from core.rows import save_rows

from .models import (
    Indicator,
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFund,
    RevolvingFundEntry,
)
from .selectors import computed_values, indicators_for

S = MonitoringReport.Status
PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
REVIEWERS = frozenset({Role.ME_OFFICER})
TARGET_SETTERS = frozenset({Role.ME_OFFICER, Role.PROGRAMME_OFFICER})
EDITABLE = frozenset({S.DUE, S.RETURNED})


_VALUES_LOCKED = gettext_lazy("The report is at “%(status)s”: its values can no longer be changed.")
_NOT_NOW = gettext_lazy("The report is at “%(status)s”: “%(action)s” is not possible.")

# The steps of a report (registered in `monitoring/registrations.py`): who takes each one (a
# role on its alliance), from which states, to which. Entering values and attaching
# evidence keep the report where it is (target None) and are not journaled.
REPORT_STEPS = StepTable(
    (
        Step(
            "save",
            gettext_lazy("enter the report's values"),
            EDITABLE,
            None,
            PO_SIDE,
            wrong_state=_VALUES_LOCKED,
            journaled=False,
        ),
        Step(
            "submit",
            gettext_lazy("submit the report"),
            EDITABLE,
            S.SUBMITTED,
            PO_SIDE,
            done=gettext_lazy("Monitoring report submitted"),
            log_name="report_submit",
        ),
        Step(
            "evidence",
            gettext_lazy("attach evidence to the report"),
            EDITABLE,
            None,
            PO_SIDE,
            wrong_state=gettext_lazy(
                "The report is at “%(status)s”: its evidence can no longer change."
            ),
            journaled=False,
        ),
        Step(
            "accept",
            gettext_lazy("accept the report"),
            frozenset({S.SUBMITTED}),
            S.ACCEPTED,
            REVIEWERS,
            done=gettext_lazy("Monitoring report accepted"),
            log_name="report_accept",
            confirm=Confirm(
                gettext_lazy("Accept this monitoring report?"),
                gettext_lazy(
                    "You cannot undo this. An accepted report is locked: its values can no "
                    "longer be changed, and it cannot be returned."
                ),
                gettext_lazy("Yes, accept the report"),
                danger=False,
            ),
        ),
        Step(
            "return",
            gettext_lazy("return the report"),
            frozenset({S.SUBMITTED}),
            S.RETURNED,
            REVIEWERS,
            done=gettext_lazy("Monitoring report returned"),
            log_name="report_return",
            reason_required=True,
        ),
    ),
    wrong_state=_NOT_NOW,
)


def report_step_decision(user, report, name: str, *, state: bool = True) -> Decision:
    """May `user` take step `name` on `report`? Its role on the alliance (404/403) and,
    with `state`, the report's status (409). Pages ask it which forms to show."""
    return REPORT_STEPS.decide(user, report, name, state=state)


# --- the schedule --------------------------------------------------------------------


def report_schedule_create(*, alliance, start: datetime.date) -> list[MonitoringReport]:
    """One report per monitoring period from `start` (the signing date) to the end of the
    plan's horizon, each due `report_grace_days` after its period ends. Safe to run
    twice: periods already scheduled are left as they are."""

    program = alliance.program
    months = program.monitoring_period_months
    plan = getattr(alliance, "plan", None)
    version = plan.current_version if plan is not None else None
    horizon_months = (version.horizon_years if version else 1) * 12
    existing = set(alliance.monitoring_reports.values_list("period_start", flat=True))
    reports = []
    for offset in range(0, horizon_months, months):
        period_start = add_months(start, offset)
        period_end = add_months(start, offset + months) - datetime.timedelta(days=1)
        if period_start in existing:
            continue
        reports.append(
            MonitoringReport(
                alliance=alliance,
                period_start=period_start,
                period_end=period_end,
                due_on=period_end + datetime.timedelta(days=program.report_grace_days),
            )
        )
    return MonitoringReport.objects.bulk_create(reports)


def report_schedule_close(*, alliance, on: datetime.date) -> int:
    """The alliance's life ended on `on`: periods that had not started are dropped (no
    report will ever be due for them). Reports of periods under way stay."""
    deleted, _rows = alliance.monitoring_reports.filter(status=S.DUE, period_start__gt=on).delete()
    return deleted


# --- values of a report ---------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the PO side types for one indicator (strings, as a form or a client sends)."""

    value: object = None
    women: object = None
    youth: object = None


def _number(raw, field: str, errors: dict, label: str, required: bool) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            errors.setdefault(field, []).append(_("Give a value for “%(name)s”.") % {"name": label})
        return None
    try:
        # Pages send Decimals (their one number field read the user's language); the API
        # sends plain JSON numbers or "1234.5": a comma is never guessed at.
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        errors.setdefault(field, []).append(_("Give a number for “%(name)s”.") % {"name": label})
        return None
    if not number.is_finite() or number < 0 or number >= Decimal("1e15"):
        errors.setdefault(field, []).append(
            _("Give a number of zero or more for “%(name)s”.") % {"name": label}
        )
        return None
    if number != number.quantize(Decimal("0.001")):
        errors.setdefault(field, []).append(
            _("Give “%(name)s” with at most three decimals.") % {"name": label}
        )
        return None
    return number


def _clean_values(alliance, entries: dict, *, complete: bool) -> dict[Indicator, tuple]:
    """Check what was typed; with `complete`, every reported indicator needs a value."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[Indicator, tuple] = {}
    currency = alliance.program.currency
    known = {i.code: i for i in indicators_for(alliance) if not i.is_computed}
    unknown = sorted(set(entries) - set(known))
    if unknown:
        errors["values"] = [
            _("These indicators are not reported by this alliance: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        ]
    for code, indicator in known.items():
        entry = entries.get(code) or Entry()
        if not isinstance(entry, Entry):
            entry = Entry(**entry) if isinstance(entry, dict) else Entry(value=entry)
        name = indicator.label
        value = _number(entry.value, code, errors, name, required=complete)
        if value is not None and indicator.is_money and not is_whole_in(value, currency):
            errors.setdefault(code, []).append(
                _("Give “%(name)s” in whole %(currency)s minor units.")
                % {"name": name, "currency": currency}
            )
        women = youth = None
        if indicator.by_sex:
            women = _number(
                entry.women,
                f"{code}.women",
                errors,
                _("%(name)s, of which women") % {"name": name},
                required=complete and value is not None,
            )
        if indicator.by_youth:
            youth = _number(
                entry.youth,
                f"{code}.youth",
                errors,
                _("%(name)s, of which youth") % {"name": name},
                required=complete and value is not None,
            )
        for part, field, what in ((women, "women", _("women")), (youth, "youth", _("youth"))):
            if part is not None and value is not None and part > value:
                errors.setdefault(f"{code}.{field}", []).append(
                    _("“%(name)s”: the figure for %(part)s cannot exceed the total.")
                    % {"name": name, "part": what}
                )
        if value is not None:
            cleaned[indicator] = (value, women, youth)
    if errors:
        raise ActionRefused([m for ms in errors.values() for m in ms], code=INVALID, fields=errors)
    return cleaned


def _lock_report(report, by) -> MonitoringReport:
    locked = (
        MonitoringReport.objects.select_for_update(of=("self",))
        .select_related("alliance__program")
        .get(pk=report.pk)
    )
    report_step_decision(by, locked, "save").raise_if_refused()
    return locked


def _write_values(report, cleaned: dict[Indicator, tuple]) -> None:
    given = {
        indicator: {"value": value, "women": women, "youth": youth}
        for indicator, (value, women, youth) in cleaned.items()
    }
    save_rows(IndicatorValue, {"report": report}, "indicator", given)
    keep = [indicator.pk for indicator in cleaned]
    report.values.filter(indicator__source=Indicator.Source.REPORTED).exclude(
        indicator_id__in=keep
    ).delete()


def report_values_save(
    *, report, by, values: dict, narrative: str | None = None
) -> MonitoringReport:
    """Save a draft of the report's values (and narrative); partial drafts are fine."""
    with transaction.atomic():
        locked = _lock_report(report, by)
        cleaned = _clean_values(locked.alliance, values, complete=False)
        _write_values(locked, cleaned)
        if narrative is not None:
            locked.narrative = narrative.strip()
            locked.save(update_fields=["narrative"])
    report.refresh_from_db()
    return report


def report_missing_values(report) -> list[str]:
    """Names of the reported indicators that still need a value before submission."""
    have = set(report.values.values_list("indicator_id", flat=True))
    return [
        i.label for i in indicators_for(report.alliance) if not i.is_computed and i.pk not in have
    ]


def _move(report, *, by, name: str, comment: str = "", narrative=None) -> MonitoringReport:
    """Submit, accept or return: who and from where in `REPORT_STEPS`, checked under
    the row lock by `take_step`; what each step records besides the status here."""
    target = REPORT_STEPS[name].target

    def effect(locked: MonitoringReport, comment: str) -> list[str]:
        now = timezone.now()
        if target == S.SUBMITTED:
            if narrative is not None:
                locked.narrative = narrative.strip()
            problems = []
            missing = report_missing_values(locked)
            if missing:
                problems.append(_("Give a value for: %(names)s.") % {"names": ", ".join(missing)})
            if not locked.narrative:
                problems.append(_("Write the narrative: what happened in the period."))
            if problems:
                raise ActionRefused(problems, code=INVALID, fields={"values": problems})
            locked.submitted_by, locked.submitted_at = by, now
            return ["narrative", "submitted_by", "submitted_at"]
        locked.reviewed_by, locked.reviewed_at = by, now
        if target == S.ACCEPTED:
            _store_computed_values(locked)
            return ["reviewed_by", "reviewed_at"]
        locked.return_reason = comment
        return ["reviewed_by", "reviewed_at", "return_reason"]

    return take_step(REPORT_STEPS, name, report, by=by, comment=comment, effect=effect)


def _store_computed_values(report) -> None:
    """At acceptance, the figures the platform computes are written down as they stand."""
    given = {indicator: {"value": value} for indicator, value in computed_values(report).items()}
    save_rows(IndicatorValue, {"report": report}, "indicator", given)


def report_submit(
    *, report, by, narrative: str | None = None, values: dict | None = None, comment: str = ""
):
    """Submit (or resubmit); with `values`, they are saved first in the same transaction.
    Every reported indicator needs a value, and the narrative must be written."""
    if values is not None:
        with transaction.atomic():
            report_values_save(report=report, by=by, values=values, narrative=narrative)
            return report_submit(report=report, by=by, comment=comment)
    return _move(report, by=by, name="submit", comment=comment, narrative=narrative)


def report_accept(*, report, by, comment: str = ""):
    return _move(report, by=by, name="accept", comment=comment)


def report_return(*, report, by, comment: str = ""):
    return _move(report, by=by, name="return", comment=comment)


# --- baselines and targets --------------------------------------------------------------


def targets_save(*, alliance, by, baselines: dict, targets: dict) -> None:
    """Set an alliance's baselines (`{code: value}`) and targets (`{code: {year: value}}`,
    year None for the end of the plan). Empty values remove a row. All or nothing."""
    require_roles(by, alliance, TARGET_SETTERS, _("set baselines and targets")).raise_if_refused()
    indicators = {i.code: i for i in indicators_for(alliance)}
    errors: dict[str, list[str]] = {}
    unknown = sorted((set(baselines) | set(targets)) - set(indicators))
    if unknown:
        errors["indicators"] = [
            _("These indicators are not reported by this alliance: %(codes)s.")
            % {"codes": ", ".join(unknown)}
        ]
    clean_base, clean_targets = {}, {}
    for code, raw in baselines.items():
        if code in indicators:
            clean_base[code] = _number(
                raw, f"{code}.baseline", errors, indicators[code].label, False
            )
    for code, years in targets.items():
        if code not in indicators:
            continue
        for year, raw in years.items():
            if year is not None and not (isinstance(year, int) and 1 <= year <= 30):
                errors.setdefault(f"{code}.target", []).append(
                    _("A target's year is a plan year from 1 to 30.")
                )
                continue
            clean_targets[(code, year)] = _number(
                raw, f"{code}.target.{year or 'end'}", errors, indicators[code].label, False
            )
    if errors:
        raise ActionRefused([m for ms in errors.values() for m in ms], code=INVALID, fields=errors)
    with transaction.atomic():
        # One writer of the alliance's baselines and targets at a time: the rows below are
        # read, then created or updated, without a savepoint or a lock of their own.
        type(alliance).objects.select_for_update().filter(pk=alliance.pk).values_list("pk").get()
        emptied = [indicators[code] for code, value in clean_base.items() if value is None]
        IndicatorBaseline.objects.filter(alliance=alliance, indicator__in=emptied).delete()
        given = {
            indicators[code]: {"value": value}
            for code, value in clean_base.items()
            if value is not None
        }
        save_rows(IndicatorBaseline, {"alliance": alliance}, "indicator", given)
        for (code, year), value in clean_targets.items():
            rows = IndicatorTarget.objects.filter(
                alliance=alliance, indicator=indicators[code], year=year
            )
            if value is None:
                rows.delete()
            elif not rows.update(value=value):
                IndicatorTarget.objects.create(
                    alliance=alliance, indicator=indicators[code], year=year, value=value
                )


# --- the revolving fund -----------------------------------------------------------------


def fund_currency(organization) -> str | None:
    """The currency of the organization's revolving fund: its latest alliance's programme's."""
    alliance = organization.alliances.select_related("program").order_by("-pk").first()
    return alliance.program.currency if alliance else None


def revolving_fund_balance(fund: RevolvingFund) -> Decimal:
    total = ZERO
    for kind, amount in fund.entries.values_list("kind", "amount"):
        total += amount if kind == RevolvingFundEntry.Kind.REPAYMENT else -amount
    return total


def revolving_fund_record(
    *,
    organization,
    by,
    kind: str,
    amount,
    occurred_on,
    member=None,
    note: str = "",
) -> RevolvingFundEntry:
    """A repayment into, or a loan out of, the organization's revolving fund. Recorded by
    the organization's representative or its TA provider; a loan cannot exceed the
    balance (the fund row is locked while the entry is written)."""

    can_keep_revolving_fund(by, organization).raise_if_refused()
    errors: dict[str, list[str]] = {}
    if kind not in RevolvingFundEntry.Kind.values:
        errors["kind"] = [_("Choose a repayment or a loan.")]
    if not isinstance(occurred_on, datetime.date) or occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("Give the date; it cannot be in the future.")]
    elif problem := date_problem(occurred_on):
        errors["occurred_on"] = [problem]
    currency = fund_currency(organization)
    if currency is None:
        raise ActionRefused(
            _("The organization has no alliance yet: its revolving fund has no currency."),
            code=CONFLICT,
        )
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or amount <= 0
        or amount >= Decimal("1e16")
        or (not is_whole_in(amount, currency))
    ):
        errors["amount"] = [
            _("Give an amount greater than zero, in whole %(currency)s minor units.")
            % {"currency": currency}
        ]
    if member is not None and member.organization_id != organization.pk:
        errors["member"] = [_("Choose a member of this organization.")]
    if errors:
        raise ActionRefused([m for ms in errors.values() for m in ms], code=INVALID, fields=errors)
    with transaction.atomic():
        fund, _created = RevolvingFund.objects.get_or_create(
            organization=organization,
            defaults={"currency": currency, "opened_on": occurred_on},
        )
        fund = RevolvingFund.objects.select_for_update().get(pk=fund.pk)
        if kind == RevolvingFundEntry.Kind.LOAN:
            balance = revolving_fund_balance(fund)
            if amount > balance:
                raise ActionRefused(
                    _("A loan of %(amount)s exceeds the fund's balance of %(balance)s.")
                    % {
                        "amount": format_money(amount, fund.currency),
                        "balance": format_money(balance, fund.currency),
                    },
                    code=CONFLICT,
                    fields={"amount": [_("More than the fund's balance.")]},
                )
        return RevolvingFundEntry.objects.create(
            fund=fund,
            kind=kind,
            amount=amount,
            occurred_on=occurred_on,
            member=member,
            note=(note or "").strip(),
            recorded_by=by,
        )


# --- effects of a plan's transitions (registered in `monitoring/registrations.py`) ----------


def on_plan_signed(plan, *, by) -> None:
    """Signing schedules the alliance's monitoring reports."""
    report_schedule_create(alliance=plan.alliance, start=timezone.localdate())


def on_plan_closed(plan, *, by) -> None:
    """Completing or cancelling: no report is due for periods that had not started."""
    report_schedule_close(alliance=plan.alliance, on=timezone.localdate())


def reports_pending_before_tranche(plan, tranche, since) -> str:
    """Tranche n+1 waits for the monitoring reports due since tranche n was requested to
    be accepted, those that fell due while it was being paid included (registered with
    funding in `monitoring/registrations.py`)."""
    pending = list(
        MonitoringReport.objects.filter(
            alliance_id=plan.alliance_id,
            due_on__gte=since,
            due_on__lte=timezone.localdate(),
        )
        .exclude(status=MonitoringReport.Status.ACCEPTED)
        .order_by("due_on")
        .values_list("due_on", flat=True)
    )
    if not pending:
        return ""
    dates = ", ".join(format_date(day, long=True) for day in pending)
    return ngettext(
        "The monitoring report due on %(dates)s must be accepted before tranche %(number)s "
        "is requested.",
        "The monitoring reports due on %(dates)s must be accepted before tranche %(number)s "
        "is requested.",
        len(pending),
    ) % {"dates": dates, "number": tranche.number}


def no_reports_pending_before_tranche() -> Exists:
    """`reports_pending_before_tranche` over many tranches at once (rows carrying
    `since`, `funding.services.tranches_requestable`): no report due since then, until
    today, is left unaccepted."""
    pending = MonitoringReport.objects.filter(
        alliance=OuterRef("commitment__plan__alliance"),
        due_on__gte=OuterRef("since"),
        due_on__lte=timezone.localdate(),
    ).exclude(status=MonitoringReport.Status.ACCEPTED)
    return ~Exists(pending)
