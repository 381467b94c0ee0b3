"""Disbursement ledger (XLSX and CSV): per alliance, its commitment, the tranches
scheduled, every payment and reversal with signed amounts, the released remainder of a
cancelled alliance; per alliance its totals; then totals per currency.

The XLSX file keeps the totals apart from the entries, so that filtering and adding up
the entries never counts a total twice: the sheet "Disbursement ledger" holds the entries
only, "By alliance" one row of totals per alliance, and "Totals" the totals per currency
and per reporting currency. The CSV file, one table, has each alliance's total after its
entries and the totals at the end.

A fixed number of queries for any portfolio (`streams`): commitments, tranches, payments
and cancellations, each one query sorted by alliance and read in chunks side by side;
each row is written as it is produced, so memory does not grow with the portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from core.labels import state_label
from core.money import ZERO, round_money
from funding.models import GrantCommitment, Payment, Tranche
from plans.models import TransitionLog

from . import cells, xlsx
from .base import Context, to_reporting
from .streams import Follower, alliance_key, alliance_order
from .streams import rows as read

# Kinds of rows `rows` yields: an entry, an alliance's total, a total per currency.
ENTRY, ALLIANCE, TOTAL = "entry", "alliance", "total"

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
    ("committed", 18),
    ("scheduled", 18),
    ("paid", 18),
    ("to_disburse", 18),
    ("reporting_currency", 10),
    ("committed_reporting", 18),
    ("paid_reporting", 18),
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
    """The commitments of the covered alliances, in the ledger's order."""
    return GrantCommitment.objects.filter(plan__alliance__in=ctx.alliances().values("pk"))


def _streams(ctx: Context):
    """(commitments, tranches, payments, cancellations): one query each, sorted alike."""
    ids = ctx.alliances().values("pk")
    lead = (
        commitments(ctx)
        .order_by(*alliance_order("plan__alliance__"))
        .values_list(
            *alliance_key("plan__alliance__"),
            "plan__alliance__name",
            "program__code",
            "program__currency",
            "program__reporting_currency",
            "program__reporting_rate",
            "committed_at",
            "amount",
            "released_amount",
        )
    )
    via = "commitment__plan__alliance__"
    tranches = (
        Tranche.objects.filter(**{f"{via}in": ids})
        .order_by(*alliance_order(via), "number")
        .values_list(*alliance_key(via), "number", "planned_date", "status", "amount")
    )
    via = "tranche__commitment__plan__alliance__"
    payments = (
        Payment.objects.filter(**{f"{via}in": ids})
        .order_by(*alliance_order(via), "tranche__number", "paid_on", "recorded_at", "id")
        .values_list(
            *alliance_key(via), "tranche__number", "paid_on", "kind", "reference", "reason",
            "amount",
        )
    )  # fmt: skip
    cancellations = (
        TransitionLog.objects.filter(alliance__in=ids, transition="cancel")
        .order_by(*alliance_order("alliance__"), "-at")
        .values_list(*alliance_key("alliance__"), "at")
    )
    return lead, Follower(read(tranches)), Follower(read(payments)), Follower(read(cancellations))


def rows(ctx: Context) -> Iterator[tuple[str, list]]:
    """(kind, row) of every ledger row in order: per alliance its entries (ENTRY) then its
    total (ALLIANCE); at the end the totals per currency and reporting currency (TOTAL)."""
    totals: dict[str, Sums] = defaultdict(Sums)
    totals_reporting: dict[str, Sums] = defaultdict(Sums)
    labels = {
        "commitment": _("Commitment"),
        "tranche": _("Tranche scheduled"),
        Payment.Kind.PAYMENT: _("Payment"),
        Payment.Kind.REVERSAL: _("Reversal"),
        "release": _("Released to the programme"),
        "alliance": _("Alliance total"),
    }
    lead, tranches, payments, cancellations = _streams(ctx)
    for row in read(lead):
        key = tuple(row[:3])
        name, program, cur, rep, rate, committed_at, amount, released = row[3:]
        line = _line_maker([key[1], name, program, cur], rep, rate)
        sums = Sums(committed=amount)
        yield ENTRY, line(committed_at.date(), labels["commitment"], committed=amount)
        paid_by_tranche = defaultdict(list)
        for number, *payment in payments.take(key):
            paid_by_tranche[number].append(payment)
        for number, planned, status, scheduled in tranches.take(key):
            sums.scheduled += scheduled
            yield ENTRY, line(
                planned, labels["tranche"], number, note=state_label(Tranche, status),
                scheduled=scheduled,
            )  # fmt: skip
            for paid_on, kind, reference, reason, paid in paid_by_tranche[number]:
                signed = -paid if kind == Payment.Kind.REVERSAL else paid
                sums.paid += signed
                yield ENTRY, line(paid_on, labels[kind], number, reference, reason, paid=signed)
        cancelled = cancellations.take(key)
        if released:
            sums.committed -= released
            released_on = cancelled[0][0].date() if cancelled else None
            yield ENTRY, line(released_on, labels["release"], committed=-released)
        yield ALLIANCE, line(
            None, labels["alliance"], committed=sums.committed, scheduled=sums.scheduled,
            paid=sums.paid, to_disburse=sums.committed - sums.paid,
        )  # fmt: skip
        totals[cur].add(sums)
        totals_reporting[rep].add(
            Sums(
                to_reporting(sums.committed, rate, rep),
                to_reporting(sums.scheduled, rate, rep),
                to_reporting(sums.paid, rate, rep),
            )
        )
        ctx.progress.row()
    for cur, s in sorted(totals.items()):
        yield TOTAL, [
            "", "", "", cur, None, _("Total"), "", "", "",
            s.committed, s.scheduled, s.paid, s.committed - s.paid, "", None, None,
        ]  # fmt: skip
    for rep, s in sorted(totals_reporting.items()):
        yield TOTAL, [
            "", "", "", "", None, _("Total (reporting currency)"), "", "", "",
            None, None, None, None, rep, s.committed, s.paid,
        ]  # fmt: skip


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


def _share(paid: Decimal | None, committed: Decimal | None) -> Decimal | None:
    """The share of the commitment paid (0.25 for a quarter); none without a commitment."""
    if paid is None or not committed:
        return None
    return (paid / committed).quantize(Decimal("0.0001"))


def _ledger_sheet(wb):
    """The entries: every column of the CSV but "Still to disburse", which only totals have."""
    header = [h for i, h in enumerate(headers()) if i != TO_DISBURSE]
    widths = [w for i, (_k, w) in enumerate(COLUMNS) if i != TO_DISBURSE]
    return xlsx.sheet(wb, _("Disbursement ledger"), header, widths)


def _amount_headers() -> list[str]:
    """The figures of an alliance's row and of a total."""
    return [
        _("Committed"),
        _("Tranche amount"),
        _("Paid (net of reversals)"),
        _("Still to disburse"),
        _("Share disbursed"),
    ]


def _alliance_sheet(wb):
    header = [
        _("Alliance code"),
        _("Alliance"),
        _("Programme"),
        _("Currency"),
        *_amount_headers(),
        _("Reporting currency"),
        _("Committed (reporting currency)"),
        _("Paid (reporting currency)"),
    ]
    return xlsx.sheet(wb, _("By alliance"), header, [16, 30, 12, 9, 18, 18, 18, 18, 10, 10, 18, 18])


def _totals_sheet(wb):
    header = [
        _("Total"),
        _("Currency"),
        *_amount_headers(),
    ]
    return xlsx.sheet(wb, _("Totals"), header, [28, 9, 18, 18, 18, 18, 10], filtered=False)


TO_DISBURSE = 12


def generate_xlsx(ctx: Context, path) -> None:
    ctx.progress.phase(0, 99, commitments(ctx).count())
    wb = xlsx.workbook()
    ledger = _ledger_sheet(wb)
    by_alliance = _alliance_sheet(wb)
    totals = _totals_sheet(wb)
    for kind, row in rows(ctx):
        cur, rep = row[3], row[13]
        if kind == ENTRY:
            cells = []
            for index, value in enumerate(row):
                if index == TO_DISBURSE:
                    continue
                if index in MONEY_COLUMNS and value is not None:
                    value = xlsx.money(ledger, value, cur)
                elif index in REPORTING_MONEY_COLUMNS and value is not None:
                    value = xlsx.money(ledger, value, rep)
                elif index == 4:
                    value = xlsx.date(ledger, value)
                cells.append(value)
            ledger.append(cells)
        elif kind == ALLIANCE:
            ws = by_alliance
            committed, scheduled, paid, to_disburse = row[9:13]
            ws.append(
                [
                    *row[:4],
                    *(xlsx.money(ws, v, cur) for v in (committed, scheduled, paid, to_disburse)),
                    xlsx.percent(ws, _share(paid, committed)),
                    rep,
                    xlsx.money(ws, row[14], rep),
                    xlsx.money(ws, row[15], rep),
                ]
            )
        else:
            ws = totals
            if row[3]:  # in a programme currency
                committed, scheduled, paid, to_disburse = row[9:13]
                currency = cur
            else:  # in a reporting currency
                committed, scheduled, paid = row[14], None, row[15]
                to_disburse, currency = committed - paid, rep
            ws.append(
                [
                    xlsx.bold(ws, row[5]),
                    currency,
                    *(
                        xlsx.money(ws, v, currency) if v is not None else None
                        for v in (committed, scheduled, paid, to_disburse)
                    ),
                    xlsx.percent(ws, _share(paid, committed)),
                ]
            )
    xlsx.save(wb, path)


def generate_csv(ctx: Context, path) -> None:
    ctx.progress.phase(0, 99, commitments(ctx).count())
    # UTF-8 with a byte-order mark, so that spreadsheet programs read accents right; the
    # separator and decimal sign of the requester's language (`cells.csv_format`).
    with open(path, "w", newline="", encoding="utf-8-sig") as out:
        writer = cells.csv_writer(out, language=ctx.language)
        writer.writerow(headers())
        for _kind, row in rows(ctx):
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
