"""Disbursement ledger (XLSX and CSV): per alliance, its commitment, the tranches
scheduled, every payment and reversal with signed amounts, the released remainder of a
cancelled alliance and the alliance's total; then totals per currency.

Commitments are read in chunks (`iterator` with per-chunk prefetch of tranches and
payments) and each row is written as it is produced: memory does not grow with the
portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _

from core.labels import state_label
from core.money import ZERO, round_money
from funding.models import GrantCommitment, Payment, Program, Tranche
from plans.models import TransitionLog

from . import cells, xlsx
from .base import Context, to_reporting

CHUNK = 500

COLUMNS = [
    # key, width
    ("alliance", 16),
    ("name", 30),
    ("program", 12),
    ("currency", 9),
    ("date", 12),
    ("entry", 22),
    ("tranche", 8),
    ("reference", 20),
    ("note", 24),
    ("committed", 16),
    ("scheduled", 16),
    ("paid", 16),
    ("to_disburse", 16),
    ("reporting_currency", 10),
    ("committed_reporting", 16),
    ("paid_reporting", 16),
]
MONEY_COLUMNS = {9, 10, 11, 12}
REPORTING_MONEY_COLUMNS = {14, 15}


def headers() -> list[str]:
    return [
        _("Alliance code"),
        _("Alliance"),
        _("Programme"),
        _("Currency"),
        _("Date"),
        _("Entry"),
        _("Tranche"),
        _("Reference"),
        _("Status or reason"),
        _("Committed"),
        _("Tranche amount"),
        _("Paid (signed)"),
        _("Still to disburse"),
        _("Reporting currency"),
        _("Committed (reporting currency)"),
        _("Paid (reporting currency)"),
    ]


@dataclass
class Sums:
    committed: Decimal = ZERO
    scheduled: Decimal = ZERO
    paid: Decimal = ZERO

    def add(self, other: Sums) -> None:
        self.committed += other.committed
        self.scheduled += other.scheduled
        self.paid += other.paid


def commitments(ctx: Context):
    released_on = TransitionLog.objects.filter(
        alliance=OuterRef("plan__alliance"), transition="cancel"
    ).order_by("-at")
    payments = Payment.objects.order_by("paid_on", "recorded_at", "id")
    tranches = Tranche.objects.order_by("number").prefetch_related(
        Prefetch("payments", queryset=payments)
    )
    return (
        GrantCommitment.objects.filter(plan__alliance__in=ctx.alliances().values("pk"))
        .select_related("plan__alliance", "program")
        .annotate(released_on=Subquery(released_on.values("at")[:1]))
        .prefetch_related(Prefetch("tranches", queryset=tranches))
        .order_by("program__code", "plan__alliance__code")
    )


def rows(ctx: Context) -> Iterator[list]:
    """Every ledger row in order; the last ones are the totals per currency."""
    totals: dict[int, Sums] = defaultdict(Sums)
    programs: dict[int, Program] = {}
    labels = {
        "commitment": _("Commitment"),
        "tranche": _("Tranche scheduled"),
        Payment.Kind.PAYMENT: _("Payment"),
        Payment.Kind.REVERSAL: _("Reversal"),
        "release": _("Released to the programme"),
        "alliance": _("Alliance total"),
    }
    for c in commitments(ctx).iterator(chunk_size=CHUNK):
        alliance, program = c.plan.alliance, c.program
        programs[program.pk] = program
        cur, rep, rate = program.currency, program.reporting_currency, program.reporting_rate
        line = _line_maker([alliance.code, alliance.name, program.code, cur], rep, rate)
        sums = Sums(committed=c.amount)
        yield line(c.committed_at.date(), labels["commitment"], committed=c.amount)
        for t in c.tranches.all():
            sums.scheduled += t.amount
            yield line(
                t.planned_date, labels["tranche"], t.number, note=state_label(t, t.status),
                scheduled=t.amount,
            )  # fmt: skip
            for p in t.payments.all():
                signed = -p.amount if p.kind == Payment.Kind.REVERSAL else p.amount
                sums.paid += signed
                yield line(p.paid_on, labels[p.kind], t.number, p.reference, p.reason, paid=signed)
        if c.released_amount:
            sums.committed -= c.released_amount
            released_on = c.released_on.date() if c.released_on else None
            yield line(released_on, labels["release"], committed=-c.released_amount)
        yield line(
            None, labels["alliance"], committed=sums.committed, scheduled=sums.scheduled,
            paid=sums.paid, to_disburse=sums.committed - sums.paid,
        )  # fmt: skip
        totals[program.pk].add(sums)
        ctx.progress.row()
    yield from _total_rows(totals, programs)


def _line_maker(head: list, rep: str, rate: Decimal):
    """Rows of one alliance: its identity, then the entry, then the amounts."""

    def line(date, entry, tranche="", reference="", note="", committed=None, scheduled=None,
             paid=None, to_disburse=None):  # fmt: skip
        return [
            *head, date, entry, tranche, reference, note,
            committed, scheduled, paid, to_disburse, rep,
            to_reporting(committed, rate, rep), to_reporting(paid, rate, rep),
        ]  # fmt: skip

    return line


def _total_rows(totals: dict[int, Sums], programs: dict[int, Program]) -> Iterator[list]:
    by_currency: dict[str, Sums] = defaultdict(Sums)
    by_reporting: dict[str, Sums] = defaultdict(Sums)
    for program_id, sums in totals.items():
        p = programs[program_id]
        by_currency[p.currency].add(sums)
        rep = p.reporting_currency
        by_reporting[rep].add(
            Sums(
                to_reporting(sums.committed, p.reporting_rate, rep),
                to_reporting(sums.scheduled, p.reporting_rate, rep),
                to_reporting(sums.paid, p.reporting_rate, rep),
            )
        )
    for cur, s in sorted(by_currency.items()):
        yield [
            "", "", "", cur, None, _("Total"), "", "", "",
            s.committed, s.scheduled, s.paid, s.committed - s.paid, "", None, None,
        ]  # fmt: skip
    for rep, s in sorted(by_reporting.items()):
        yield [
            "", "", "", "", None, _("Total (reporting currency)"), "", "", "",
            None, None, None, None, rep, s.committed, s.paid,
        ]  # fmt: skip


def generate_xlsx(ctx: Context, path) -> None:
    ctx.progress.phase(0, 99, commitments(ctx).count())
    wb = xlsx.workbook()
    ws = xlsx.sheet(wb, _("Disbursement ledger"), headers(), [w for _k, w in COLUMNS])
    for row in rows(ctx):
        cur, rep = row[3], row[13]
        cells = []
        for index, value in enumerate(row):
            if index in MONEY_COLUMNS and value is not None:
                value = xlsx.money(ws, value, cur)
            elif index in REPORTING_MONEY_COLUMNS and value is not None:
                value = xlsx.money(ws, value, rep)
            elif index == 4:
                value = xlsx.date(ws, value)
            elif index == 5 and not row[0]:
                value = xlsx.bold(ws, value)
            cells.append(value)
        ws.append(cells)
    wb.save(str(path))


def generate_csv(ctx: Context, path) -> None:
    ctx.progress.phase(0, 99, commitments(ctx).count())
    # UTF-8 with a byte-order mark, so that spreadsheet programs read accents right; the
    # separator and decimal sign of the requester's language (`cells.csv_format`).
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = cells.csv_writer(out, language=ctx.language)
        writer.writerow(headers())
        for row in rows(ctx):
            writer.writerow(_csv_amounts(row))


def _csv_amounts(row: list) -> list:
    """Amounts in their currency's minor units (`9000000` in XOF, `12.50` in USD); the
    figures stay plain numbers that any program reads."""
    cur, rep = row[3], row[13]
    out = list(row)
    for index, value in enumerate(row):
        currency = (
            cur if index in MONEY_COLUMNS else rep if index in REPORTING_MONEY_COLUMNS else ""
        )
        if value is not None and currency:
            out[index] = round_money(value, currency)
    return out
