"""The portfolio dashboard's summary: its figures stored per programme x region x value
chain (a slice, `PortfolioSlice`) and stage, so that the dashboard reads a few hundred
summary rows instead of adding up every delivery, payment and report of the portfolio.
The M&E status board's counts are kept with them (`PortfolioBoard`, counted on the
slice's `board_day`; `reports_board_summary` reads them).

Each figure is computed by a handful of grouped queries (GROUP BY slice, stage, month,
unit), never a subquery per row: "the latest frozen version", "the latest accepted report"
and "the agreement's current version" are anti-joins (NOT EXISTS a later one), which
PostgreSQL runs as one hash anti-join over the set.

Refreshed after commit, never in the step's transaction (core/outbox.py): every step of
every step table (`accounts.steps.on_step`, registered in `registrations.py`) asks for
`monitoring.tasks.refresh_portfolio_figures` with its alliance; the task recomputes that
alliance's slice whole (so an alliance that changed stage leaves its old stage too). A
broker outage delays the refresh, never the step. `rebuild_portfolio_figures` (command,
and the hourly task of the same name) recomputes every slice: after rows written
directly (`seed_portfolio`), a proposal (no step yet) or an alliance moved to another
region in the admin.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from accounts.policy import MONITORING, NotSliced, slice_filter
from alliances.models import Alliance, Delivery, Region
from funding.models import (
    GrantCommitment,
    Payment,
    Program,
    PurchaseAgreement,
    PurchaseAgreementVersion,
)
from plans.models import PlanStatus, PlanVersion

from .models import (
    IndicatorValue,
    MonitoringReport,
    PortfolioAgreed,
    PortfolioBoard,
    PortfolioDelivered,
    PortfolioMonth,
    PortfolioSlice,
    PortfolioStage,
)
from .selectors import (
    BOARD_CODE,
    BOARD_NAME,
    BOARD_PROGRAM,
    BOARD_REGION,
    SALES_VALUE,
    SALES_VALUE_FIELD,
    reports_board_filter,
    reports_board_sums,
)

MONEY = DecimalField(max_digits=18, decimal_places=2)
VOLUME = DecimalField(max_digits=20, decimal_places=3)
MEMBERS_INDICATOR = "members"
# Plans whose approved version counts as "planned" beneficiaries: approved and not
# given up (rejected, withdrawn and cancelled plans are out; a suspended one is in).
PLANNED_STATUSES = (
    PlanStatus.APPROVED,
    PlanStatus.ACTIVE,
    PlanStatus.MONITORING,
    PlanStatus.COMPLETED,
    PlanStatus.SUSPENDED,
)
NO_PLAN = ""  # the stage of an alliance without a business plan
ALL_REPORTS = ""  # the status board's column of every report (`PortfolioBoard`)

Key = tuple[int, int, int]  # (programme, region, value chain) of a slice


def _key(path: str) -> dict:
    """The slice key of the alliance at `path` ("" for the alliance itself)."""
    p = f"{path}__" if path else ""
    return {
        "k_program": F(f"{p}program_id"),
        "k_region": F(f"{p}region_id"),
        "k_chain": F(f"{p}value_chain_id"),
    }


def _of(row: dict) -> Key:
    return row["k_program"], row["k_region"], row["k_chain"]


def _month(name: str) -> TruncMonth:
    return TruncMonth(name, output_field=DateField())


_SIGNED_AMOUNT = Case(
    When(kind="reversal", then=-F("amount")),
    default=F("amount"),
    output_field=MONEY,
)


class _Figures:
    """The summary rows of some slices, computed from the rows of their alliances."""

    def __init__(self) -> None:
        self.stages: dict[tuple[Key, str], PortfolioStage] = {}
        self.months: dict[tuple[Key, object], PortfolioMonth] = {}
        self.agreed: dict[tuple[Key, str], PortfolioAgreed] = {}
        self.delivered: dict[tuple[Key, str, object], PortfolioDelivered] = {}
        self.board: dict[tuple[Key, str], PortfolioBoard] = {}

    def stage(self, key: Key, stage: str | None) -> PortfolioStage:
        stage = stage or NO_PLAN
        return self.stages.setdefault((key, stage), PortfolioStage(stage=stage))

    def month(self, key: Key, month) -> PortfolioMonth:
        return self.months.setdefault((key, month), PortfolioMonth(month=month))

    def keys(self) -> set[Key]:
        return {k[0] for rows in (self.stages, self.months, self.agreed, self.delivered,
                                  self.board)
                for k in rows}  # fmt: skip


def _compute(alliances, today: datetime.date) -> _Figures:
    """Every summary row of `alliances` (a queryset of whole slices), in 8 grouped
    queries; the status board's columns as they are on `today`."""
    ids = alliances.order_by().values("pk")
    out = _Figures()

    # 1. Alliances per slice and stage.
    for r in (
        Alliance.objects.filter(pk__in=ids)
        .order_by()
        .values(**_key(""), k_stage=F("plan__status"))
        .annotate(n=Count("pk"))
    ):
        out.stage(_of(r), r["k_stage"]).alliances += r["n"]

    # 2. Planned: the latest frozen version (the approved one) of each approved plan.
    later_frozen = PlanVersion.objects.filter(
        plan=OuterRef("plan"), frozen_at__isnull=False, number__gt=OuterRef("number")
    )
    for r in (
        PlanVersion.objects.filter(
            plan__alliance__in=ids, plan__status__in=PLANNED_STATUSES, frozen_at__isnull=False
        )
        .filter(~Exists(later_frozen))
        .order_by()
        .values(**_key("plan__alliance"), k_stage=F("plan__status"))
        .annotate(
            families=Sum("beneficiary_families"),
            women=Sum("women_members"),
            youth=Sum("youth_members"),
            n=Count("pk"),
        )
    ):
        row = out.stage(_of(r), r["k_stage"])
        row.plans += r["n"]
        row.planned_families += r["families"] or 0
        row.planned_women += r["women"] or 0
        row.planned_youth += r["youth"] or 0

    # 3. Reached: the "members" value of each alliance's latest accepted report that has
    # one (latest by period end, then by report).
    accepted = IndicatorValue.objects.filter(
        indicator__code=MEMBERS_INDICATOR, report__status=MonitoringReport.Status.ACCEPTED
    )
    later_accepted = accepted.filter(report__alliance_id=OuterRef("report__alliance_id")).filter(
        Q(report__period_end__gt=OuterRef("report__period_end"))
        | Q(report__period_end=OuterRef("report__period_end"), report_id__gt=OuterRef("report_id"))
    )
    for r in (
        accepted.filter(report__alliance__in=ids)
        .filter(~Exists(later_accepted))
        .order_by()
        .values(**_key("report__alliance"), k_stage=F("report__alliance__plan__status"))
        .annotate(
            members=Sum("value"),
            women=Coalesce(Sum("women"), Value(0), output_field=VOLUME),
            youth=Coalesce(Sum("youth"), Value(0), output_field=VOLUME),
            n=Count("pk"),
        )
    ):
        row = out.stage(_of(r), r["k_stage"])
        row.reporting += r["n"]
        row.reached_members += r["members"]
        row.reached_women += r["women"]
        row.reached_youth += r["youth"]

    # 4. Committed (net of released) by month of commitment.
    for r in (
        GrantCommitment.objects.filter(plan__alliance__in=ids)
        .order_by()
        .values(**_key("plan__alliance"), k_month=_month("committed_at"))
        .annotate(t=Sum(F("amount") - F("released_amount"), output_field=MONEY))
    ):
        out.month(_of(r), r["k_month"]).committed += r["t"]

    # 5. Paid (net of reversals) by month of payment.
    for r in (
        Payment.objects.filter(tranche__commitment__plan__alliance__in=ids)
        .order_by()
        .values(**_key("tranche__commitment__plan__alliance"), k_month=_month("paid_on"))
        .annotate(t=Sum(_SIGNED_AMOUNT))
    ):
        out.month(_of(r), r["k_month"]).paid += r["t"]

    # 6. Agreed annual volumes of confirmed agreements, their current version.
    later_version = PurchaseAgreementVersion.objects.filter(
        agreement=OuterRef("agreement"), number__gt=OuterRef("number")
    )
    current = PurchaseAgreementVersion.objects.filter(~Exists(later_version))
    for r in (
        current.filter(
            agreement__alliance__in=ids, agreement__status=PurchaseAgreement.Status.CONFIRMED
        )
        .order_by()
        .values("unit", **_key("agreement__alliance"))
        .annotate(volume=Sum("annual_volume"), n=Count("pk"))
    ):
        row = out.agreed.setdefault((_of(r), r["unit"]), PortfolioAgreed(unit=r["unit"]))
        row.agreements += r["n"]
        row.annual_volume += r["volume"]

    # 7. Confirmed deliveries by unit and month. A delivery's unit is its alliance's
    # agreement's current version's, else its product's: read from the version's side
    # (one join), then the deliveries of alliances without a version.
    confirmed = {"status": Delivery.Status.CONFIRMED}
    with_version = (
        current.filter(
            agreement__alliance__in=ids,
            **{f"agreement__alliance__deliveries__{k}": v for k, v in confirmed.items()},
        )
        .order_by()
        .values(
            "unit",
            **_key("agreement__alliance"),
            k_month=_month("agreement__alliance__deliveries__delivered_on"),
        )
        .annotate(
            vol=Sum("agreement__alliance__deliveries__volume"),
            val=Sum(
                F("agreement__alliance__deliveries__volume")
                * F("agreement__alliance__deliveries__unit_price"),
                output_field=SALES_VALUE_FIELD,
            ),
            n=Count("agreement__alliance__deliveries"),
        )
    )
    without_version = (
        Delivery.objects.filter(
            alliance__in=ids,
            alliance__purchase_agreement__versions__isnull=True,
            **confirmed,
        )
        .order_by()
        .values(
            **_key("alliance"), k_month=_month("delivered_on"), unit=F("alliance__product__unit")
        )
        .annotate(vol=Sum("volume"), val=Sum(SALES_VALUE), n=Count("pk"))
    )
    for rows in (with_version, without_version):
        for r in rows:
            at = (_of(r), r["unit"], r["k_month"])
            row = out.delivered.setdefault(
                at, PortfolioDelivered(unit=r["unit"], month=r["k_month"])
            )
            row.volume += r["vol"]
            row.value += r["val"]
            row.deliveries += r["n"]

    # 8. Monitoring reports in each column of the status board on `today`, and in all.
    columns = reports_board_filter(today)
    for r in (
        MonitoringReport.objects.filter(alliance__in=ids)
        .order_by()
        .values(**_key("alliance"))
        .annotate(
            every=Count("pk"),
            **{f"in_{name}": Count("pk", filter=q) for name, q in columns.items()},
        )
    ):
        for column, n in [(ALL_REPORTS, r["every"])] + [(c, r[f"in_{c}"]) for c in columns]:
            if n:
                out.board[(_of(r), column)] = PortfolioBoard(column=column, reports=n)
    return out


def _where(keys: Iterable[Key]) -> Q:
    return reduce(
        or_,
        (Q(program_id=p, region_id=r, value_chain_id=c) for p, r, c in keys),
        Q(pk__in=[]),
    )


def _write(keys: set[Key] | None) -> int:
    """Recompute the slices `keys` (None: every slice) and replace their rows, in one
    transaction, the slices locked first so that two refreshes never interleave. Returns
    how many slices were written."""
    with transaction.atomic():
        alliances = Alliance.objects.all()
        if keys is None:
            keys = set(
                Alliance.objects.order_by()
                .values_list("program_id", "region_id", "value_chain_id")
                .distinct()
            )
            stale = PortfolioSlice.objects.all()
        else:
            alliances = alliances.filter(_where(keys))
            stale = PortfolioSlice.objects.none()
        PortfolioSlice.objects.bulk_create(
            [PortfolioSlice(program_id=p, region_id=r, value_chain_id=c) for p, r, c in keys],
            ignore_conflicts=True,
        )
        # Lock (in a fixed order: no deadlock between two refreshes), then read the rows.
        slices = list(
            PortfolioSlice.objects.filter(_where(keys) | Q(pk__in=stale.values("pk")))
            .select_for_update()
            .order_by("pk")
        )
        today = timezone.localdate()
        figures = _compute(alliances, today)
        slice_of = {(s.program_id, s.region_id, s.value_chain_id): s for s in slices}
        ids = [s.pk for s in slices]
        written = (
            (PortfolioStage, figures.stages),
            (PortfolioMonth, figures.months),
            (PortfolioAgreed, figures.agreed),
            (PortfolioDelivered, figures.delivered),
            (PortfolioBoard, figures.board),
        )
        for model, _rows in written:
            model.objects.filter(slice_id__in=ids).delete()
        for model, rows in written:
            kept = []
            for at, row in rows.items():
                if at[0] in slice_of:  # else an alliance added meanwhile: the next refresh
                    row.slice = slice_of[at[0]]
                    kept.append(row)
            model.objects.bulk_create(kept, batch_size=2000)
        PortfolioSlice.objects.filter(pk__in=ids).update(
            refreshed_at=timezone.now(), board_day=today
        )
        # A slice left without any alliance (all moved elsewhere) goes.
        empty = [s.pk for s in slices if (s.program_id, s.region_id, s.value_chain_id) not in keys]
        PortfolioSlice.objects.filter(pk__in=empty).delete()
    return len(slices) - len(empty)


def portfolio_figures_refresh(*, alliance_ids: Iterable[int]) -> int:
    """Recompute the slices of these alliances (after one of their steps)."""
    keys = set(
        Alliance.objects.filter(pk__in=list(alliance_ids)).values_list(
            "program_id", "region_id", "value_chain_id"
        )
    )
    return _write(keys) if keys else 0


def portfolio_figures_rebuild() -> int:
    """Recompute every slice; returns how many there are."""
    return _write(None)


# --- the M&E status board's counts, read from the summary --------------------------------


@dataclass(frozen=True)
class BoardSummary:
    """The status board's counts (as `selectors.reports_board_counts` gives them) and
    the programmes and regions its filters offer (those with reports)."""

    by_program: list[dict]
    by_region: list[dict]
    totals: dict
    programs: list[Program]
    regions: list[Region]


def reports_board_summary(
    user, today: datetime.date, *, program: int | None = None, region: int | None = None
) -> BoardSummary | None:
    """The status board of `user` on `today`, filtered by programme and region, from the
    slices' summary rows (`PortfolioBoard`) in two queries, whatever the number of
    reports. None when the summary cannot answer: a scope not made of whole programmes
    and regions (`accounts.policy.slice_filter`), or a slice in it not counted today (the
    columns move with the day; the hourly rebuild counts every slice again). The board
    then counts the reports themselves."""
    try:
        scope = slice_filter(user, MONITORING)
    except NotSliced:
        return None
    slices = PortfolioSlice.objects.all() if scope is None else PortfolioSlice.objects.filter(scope)
    if slices.exclude(board_day=today).exists():  # not counted today (or never)
        return None
    columns = reports_board_filter(today)
    rows = (
        PortfolioBoard.objects.filter(slice__in=slices)
        .order_by()
        .values(
            "column",
            "slice__program_id",
            "slice__program__code",
            "slice__program__name",
            "slice__region_id",
            "slice__region__code",
            "slice__region__name",
        )
        .annotate(n=Sum("reports"))
    )
    groups: dict[tuple[int, int], dict] = {}
    programs: dict[int, Program] = {}
    regions: dict[int, Region] = {}
    for r in rows:
        p, g = r["slice__program_id"], r["slice__region_id"]
        if r["column"] == ALL_REPORTS:
            # One record per programme and per region (a row per slice: programmes times
            # regions), for the filters' choices.
            if p not in programs:
                programs[p] = Program(
                    pk=p, code=r["slice__program__code"], name=r["slice__program__name"]
                )
            if g not in regions:
                regions[g] = Region(
                    pk=g, code=r["slice__region__code"], name=r["slice__region__name"]
                )
            continue
        if r["column"] not in columns or program not in (None, p) or region not in (None, g):
            continue
        group = groups.setdefault(
            (p, g),
            {
                BOARD_PROGRAM: p,
                BOARD_CODE: r["slice__program__code"],
                BOARD_REGION: g,
                BOARD_NAME: r["slice__region__name"],
            },
        )
        group[r["column"]] = r["n"]
    by_program, by_region, totals = reports_board_sums(groups.values(), columns)
    return BoardSummary(
        by_program,
        by_region,
        totals,
        sorted(programs.values(), key=lambda x: x.code),
        sorted(regions.values(), key=lambda x: x.name),
    )
