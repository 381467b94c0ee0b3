"""Periodic monitoring reports (DESIGN.md §8).

The report's life: due -> submitted -> accepted | returned, and returned -> submitted when
the producer organization resubmits. `overdue` is shown, not stored: a due report past
its date. Reports are scheduled from the agreement's signing date, one per monitoring
period of the programme (`services.report_schedule_create`).

Also here: the indicator catalogue, each alliance's baselines and targets, the values
of each report, and producer organizations' revolving funds.
"""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import actor_field
from core.money import money_field


class MonitoringReport(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("Due")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned")

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.PROTECT, related_name="monitoring_reports"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DUE, db_index=True
    )
    narrative = models.TextField(_("narrative"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    submitted_by = actor_field(_("submitted by"), optional=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = actor_field(_("reviewed by"), optional=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The last day a reminder went out for this report: at most one a day.
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["alliance", "period_start"]
        verbose_name = _("monitoring report")
        verbose_name_plural = _("monitoring reports")
        # The lists' sorts (`due_on` has its own index); the status board's columns (a
        # status, often with a date bound), in the order its list reads them.
        indexes = [
            models.Index(fields=["period_start", "id"], name="report_period_idx"),
            models.Index(fields=["status", "due_on", "id"], name="report_board_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "period_start"], name="monitoring_report_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="monitoring_report_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.period_start} – {self.period_end}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.DUE and self.due_on < timezone.localdate()


class Indicator(models.Model):
    """An entry of the indicator catalogue (§8), configured in the admin.

    `source` says where values come from: entered in the periodic report, or computed
    from the platform's own records (confirmed deliveries, the revolving fund)."""

    class Aggregation(models.TextChoices):
        SUM = "sum", _("Sum over the periods")
        AVERAGE = "average", _("Average of the periods")
        LATEST = "latest", _("Latest value")

    class Source(models.TextChoices):
        REPORTED = "reported", _("Entered in the periodic report")
        DELIVERY_VOLUME = "delivery_volume", _("Volume of confirmed deliveries")
        DELIVERY_VALUE = "delivery_value", _("Value of confirmed deliveries")
        REVOLVING_REPAYMENTS = "revolving_repayments", _("Repayments to the revolving fund")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(
        _("unit"),
        max_length=40,
        blank=True,
        help_text=_(
            "Leave empty for money (the programme's currency) and delivered volumes "
            "(the purchase agreement's unit)."
        ),
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    source = models.CharField(
        _("source of values"), max_length=30, choices=Source.choices, default=Source.REPORTED
    )
    is_money = models.BooleanField(_("amount of money"), default=False)
    by_sex = models.BooleanField(_("disaggregated by sex (of which women)"), default=False)
    by_youth = models.BooleanField(_("disaggregated by age (of which youth)"), default=False)
    description = models.TextField(_("how it is measured"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=Q(source="reported") | Q(by_sex=False, by_youth=False),
                name="indicator_computed_not_disaggregated",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The name in the reader's language: `name` reads the column of the active
        language (name_en, name_fr, name_es; monitoring/translation.py), English when
        that one is empty."""
        return self.name or ""

    def unit_for(self, *, currency: str, volume_unit: str) -> str:
        """The unit of its values for an alliance: its own; else the programme's currency
        for money and the agreement's unit for delivered volumes
        (`selectors.volume_unit`)."""
        if self.unit:
            return self.unit
        if self.is_money:
            return currency
        return volume_unit if self.source == self.Source.DELIVERY_VOLUME else ""

    @property
    def is_computed(self) -> bool:
        return self.source != self.Source.REPORTED

    @property
    def is_disaggregated(self) -> bool:
        return self.by_sex or self.by_youth


class IndicatorBaseline(models.Model):
    """Where an alliance starts on an indicator, before the grant."""

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.CASCADE, related_name="indicator_baselines"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="baselines")
    value = models.DecimalField(_("baseline"), max_digits=18, decimal_places=3)
    measured_on = models.DateField(_("measured on"), null=True, blank=True)

    class Meta:
        ordering = ["alliance", "indicator"]
        verbose_name = _("indicator baseline")
        verbose_name_plural = _("indicator baselines")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "indicator"], name="indicator_baseline_once"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_baseline_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.indicator.code} · {self.value}"


class IndicatorTarget(models.Model):
    """What an alliance aims for on an indicator: in a plan year (1 = the first year from
    the signing date) or, when `year` is empty, by the end of the plan."""

    alliance = models.ForeignKey(
        "alliances.Alliance", on_delete=models.CASCADE, related_name="indicator_targets"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    year = models.PositiveSmallIntegerField(
        _("plan year"), null=True, blank=True, help_text=_("Empty for the end of the plan.")
    )
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=3)

    class Meta:
        ordering = ["alliance", "indicator", F("year").asc(nulls_last=True)]
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "indicator", "year"],
                condition=Q(year__isnull=False),
                name="indicator_target_once_a_year",
            ),
            models.UniqueConstraint(
                fields=["alliance", "indicator"],
                condition=Q(year__isnull=True),
                name="indicator_target_once_end_of_plan",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1, year__lte=30),
                name="indicator_target_year_range",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.alliance.code} · {self.indicator.code} · {self.year or '∞'}"


class IndicatorValue(models.Model):
    """One indicator's value in one periodic report, with its disaggregation where the
    indicator allows (`women` and `youth` are "of which" figures). Values of computed
    indicators are stored when the report is accepted, so an accepted report is a record
    that later changes do not rewrite."""

    report = models.ForeignKey(MonitoringReport, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=3)
    women = models.DecimalField(
        _("of which women"), max_digits=18, decimal_places=3, null=True, blank=True
    )
    youth = models.DecimalField(
        _("of which youth"), max_digits=18, decimal_places=3, null=True, blank=True
    )

    class Meta:
        ordering = ["report", "indicator__position", "indicator__code"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["report", "indicator"], name="indicator_value_once"),
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_nonneg"),
            models.CheckConstraint(
                condition=Q(women__isnull=True) | Q(women__gte=0, women__lte=F("value")),
                name="indicator_value_women_within",
            ),
            models.CheckConstraint(
                condition=Q(youth__isnull=True) | Q(youth__gte=0, youth__lte=F("value")),
                name="indicator_value_youth_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.indicator.code} = {self.value}"


class RevolvingFund(models.Model):
    """A producer organization's revolving fund: members repay part of the grant to their
    organization, which lends it on (§8). Its balance is the sum of its entries."""

    organization = models.OneToOneField(
        "alliances.ProducerOrganization", on_delete=models.PROTECT, related_name="revolving_fund"
    )
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3)
    opened_on = models.DateField(_("opened on"))

    class Meta:
        verbose_name = _("revolving fund")
        verbose_name_plural = _("revolving funds")

    def __str__(self) -> str:
        return _("Revolving fund of %(organization)s") % {"organization": self.organization}


class RevolvingFundEntry(models.Model):
    """Money in (a member's repayment) or out (a loan to a member); never edited: a
    mistake is put right by an entry of the other kind, with a note that says so."""

    class Kind(models.TextChoices):
        REPAYMENT = "repayment", _("Repayment in")
        LOAN = "loan", _("Loan out")

    fund = models.ForeignKey(RevolvingFund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    amount = money_field(_("amount"))
    member = models.ForeignKey(
        "alliances.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revolving_fund_entries",
        verbose_name=_("member"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fund", "occurred_on", "id"]
        verbose_name = _("revolving fund entry")
        verbose_name_plural = _("revolving fund entries")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="revolving_entry_amount_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.fund.organization} · {self.get_kind_display()} · {self.amount}"

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.kind == self.Kind.REPAYMENT else -self.amount


# --- the portfolio dashboard's summary (monitoring/figures.py) ---------------------------


class PortfolioSlice(models.Model):
    """The alliances of one programme, region and value chain: the unit in which the
    portfolio dashboard's figures are stored and refreshed (`monitoring.figures`). A read
    scope (regions for ministry staff, programmes for funders) is a union of slices."""

    program = models.ForeignKey("funding.Program", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("alliances.Region", on_delete=models.CASCADE, related_name="+")
    value_chain = models.ForeignKey(
        "alliances.ValueChain", on_delete=models.CASCADE, related_name="+"
    )
    refreshed_at = models.DateTimeField(_("figures refreshed at"), null=True)
    # The day its monitoring reports were sorted into the status board's columns, which
    # depend on the day (`PortfolioBoard`): the board reads them only on that day.
    board_day = models.DateField(_("board counted on"), null=True)

    class Meta:
        verbose_name = _("portfolio slice")
        verbose_name_plural = _("portfolio slices")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "region", "value_chain"], name="portfolio_slice_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program_id}/{self.region_id}/{self.value_chain_id}"


class PortfolioStage(models.Model):
    """A slice's alliances at one stage (their plan's status; "" without a plan), with
    the beneficiaries planned in their approved versions and reached in their latest
    accepted reports."""

    slice = models.ForeignKey(PortfolioSlice, on_delete=models.CASCADE, related_name="stages")
    stage = models.CharField(max_length=20, blank=True)
    alliances = models.PositiveIntegerField(default=0)
    plans = models.PositiveIntegerField(default=0)  # plans counted in "planned"
    planned_families = models.PositiveIntegerField(default=0)
    planned_women = models.PositiveIntegerField(default=0)
    planned_youth = models.PositiveIntegerField(default=0)
    reporting = models.PositiveIntegerField(default=0)  # alliances with a "members" value
    reached_members = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    reached_women = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    reached_youth = models.DecimalField(max_digits=20, decimal_places=3, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "stage"], name="portfolio_stage_once")
        ]

    def __str__(self) -> str:
        return f"{self.slice} · {self.stage}"


class PortfolioMonth(models.Model):
    """A slice's money in one month, in its programme's currency: commitments (net of
    released) by the month they were made, payments (net of reversals) by the month paid."""

    slice = models.ForeignKey(PortfolioSlice, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()  # its first day
    committed = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "month"], name="portfolio_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.slice} · {self.month}"


class PortfolioBoard(models.Model):
    """A slice's monitoring reports in one column of the M&E status board
    (`monitoring.selectors.reports_board_filter`) on the slice's `board_day`; the column
    "" holds all its reports, whatever their state (the board's filters offer the
    programmes and regions that have some)."""

    slice = models.ForeignKey(PortfolioSlice, on_delete=models.CASCADE, related_name="board")
    column = models.CharField(max_length=20, blank=True)
    reports = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "column"], name="portfolio_board_once")
        ]

    def __str__(self) -> str:
        return f"{self.slice} · {self.column or 'all'}"


class PortfolioAgreed(models.Model):
    """A slice's confirmed purchase agreements in one unit: how many, and their annual
    volume (current versions)."""

    slice = models.ForeignKey(PortfolioSlice, on_delete=models.CASCADE, related_name="agreed")
    unit = models.CharField(max_length=20)
    agreements = models.PositiveIntegerField(default=0)
    annual_volume = models.DecimalField(max_digits=20, decimal_places=3, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slice", "unit"], name="portfolio_agreed_once")
        ]

    def __str__(self) -> str:
        return f"{self.slice} · {self.unit}"


class PortfolioDelivered(models.Model):
    """A slice's confirmed deliveries in one unit and month: volume, value (programme
    currency) and how many."""

    slice = models.ForeignKey(PortfolioSlice, on_delete=models.CASCADE, related_name="delivered")
    unit = models.CharField(max_length=20)
    month = models.DateField()  # its first day
    volume = models.DecimalField(max_digits=20, decimal_places=3, default=0)
    value = models.DecimalField(max_digits=32, decimal_places=5, default=0)
    deliveries = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["slice", "unit", "month"], name="portfolio_delivered_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.slice} · {self.unit} · {self.month}"
