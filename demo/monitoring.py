"""Demo monitoring (§8) once the plans are built: baselines and targets, deliveries in each
of their states, periodic reports in each of theirs, and revolving funds.

Each alliance of `STORIES` was signed `months_ago` months before the demo is loaded
(demo/data.py signs it on that day, which schedules its reports from then on). Here its
targets are set after the signing, its deliveries are recorded and confirmed during
their periods, and its reports are submitted after their periods end, then reviewed:
each a story of `demo.clock` (demo/clock.py), at its date. Everything goes through the
services the pages call; nothing here writes a status.

Called from `demo.data.load`, inside its transaction, so it runs once per database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from alliances.deliveries import (
    delivery_confirm,
    delivery_correct,
    delivery_dispute,
    delivery_record,
)
from core.dates import add_months
from demo.common import buyer_user, producer_side
from monitoring import services as monitoring
from monitoring.catalogue import catalogue_seed
from monitoring.models import Indicator, MonitoringReport, RevolvingFundEntry

D = Decimal
ONE_DAY = datetime.timedelta(days=1)
MONITORING_MONTHS = 3  # the monitoring period of both demo programmes (demo/data.py)
TARGETS_AFTER = datetime.timedelta(days=10)  # baselines and targets, after the signing


@dataclass(frozen=True)
class Story:
    """How far back an alliance was signed, and what became of its past reports
    (oldest first): accepted, resubmitted (returned, resubmitted, then accepted),
    returned, submitted or due."""

    key: str
    months_ago: int
    reports: tuple[str, ...]
    # Extra deliveries of the latest past period, by the state they are left in.
    latest_deliveries: tuple[str, ...] = ()


STORIES = [
    # Benin: the maize union of Kandi, three alliances with the same buyer.
    Story(
        "bj_monitoring",
        15,
        ("accepted", "resubmitted", "accepted", "submitted", "due"),
        ("recorded", "disputed", "corrected"),
    ),
    Story("bj_active", 8, ("returned", "due")),
    # Completed at the end of its seventh period (demo/data.py), a month ago: the periods
    # after it were dropped, and its last report was accepted since.
    Story("bj_completed", 22, ("accepted",) * 7),
    # Colombia: avocados of the Cauca and coffee of La Plata (suspended).
    Story(
        "co_active",
        15,
        ("accepted", "accepted", "accepted", "submitted", "due"),
        ("recorded", "disputed", "corrected"),
    ),
    Story("co_suspended", 11, ("accepted", "returned", "due")),
]

NARRATIVES = {
    "XOF": (
        "Livraisons régulières à l'acheteur ; {trained} membres formés aux bonnes pratiques "
        "de récolte et de séchage pendant le trimestre."
    ),
    "COP": (
        "Entregas regulares al comprador; {trained} asociados capacitados en buenas prácticas "
        "de cosecha y poscosecha durante el trimestre."
    ),
}
RETURN_REASONS = {
    "XOF": "Le nombre de membres formés ne correspond pas aux feuilles de présence jointes.",
    "COP": "El área con prácticas mejoradas no coincide con las visitas de asistencia técnica.",
}
DISPUTE_REASONS = {
    "XOF": "Humidité mesurée à 15 % à la réception : au-dessus de la spécification.",
    "COP": "Peso recibido inferior al remitido: 300 kg de diferencia en báscula.",
}
# Where each alliance stands before the grant, per unit of its product (kg), and how the
# figures it reports grow: yield (t/ha) and household income per quarter.
PROFILES = {
    "XOF": {"yield": D("1.6"), "income": D("185000"), "income_step": D("12000"), "area": D("20")},
    "COP": {"yield": D("9.5"), "income": D("2400000"), "income_step": D("150000"), "area": D("28")},
}
ACCEPT_NOTE = {
    "XOF": "Rapport complet, chiffres vérifiés.",
    "COP": "Informe completo y verificado.",
}


def story_signed_on(key: str, today: datetime.date) -> datetime.date | None:
    """When the alliance of the story `key` was signed (None: no story has that key)."""
    months = {story.key: story.months_ago for story in STORIES}.get(key)
    return None if months is None else add_months(today, -months)


def load_monitoring(demo) -> None:
    """Start the monitoring story of each alliance of `STORIES` on `demo.clock`."""
    catalogue_seed(Indicator)  # the standard indicators, unless already there
    for story in STORIES:
        demo.clock.add(_alliance(demo, story))


def _alliance(demo, story: Story):
    """Baselines and targets set ten days after the signing; then the stories of the
    alliance's deliveries, revolving fund and past reports, at their own dates."""
    today, clock = demo.today, demo.clock
    yield clock.at(story_signed_on(story.key, today) + TARGETS_AFTER, 14)
    alliance = demo[story.key].alliance
    _targets(demo, alliance)
    producer = _po_user(demo, alliance)
    periods = list(
        alliance.monitoring_reports.filter(period_end__lt=today).order_by("period_start")
    )
    assert len(periods) == len(story.reports), (story.key, len(periods))
    deliveries = _deliveries(demo, alliance, producer, periods, story.latest_deliveries)
    if story.key in ("bj_monitoring", "co_active"):
        clock.add(_revolving_fund(demo, alliance, producer, periods))
    for number, (report, fate) in enumerate(zip(periods, story.reports, strict=True), 1):
        clock.add(_report(demo, alliance, producer, report, number, fate))
    demo.log(f"  {alliance.code}: {len(periods)} past monitoring reports, {deliveries} deliveries")


def _po_user(demo, alliance):
    return producer_side(demo, alliance.plan)


def _agreement_terms(alliance) -> tuple[D, D, str]:
    """(annual volume, unit price, unit) of the alliance's confirmed agreement."""
    agreement = alliance.purchase_agreement
    confirmed = agreement.versions.filter(confirmed_at__isnull=False).order_by("-number")
    version = confirmed.first() or agreement.current_version
    return version.annual_volume, version.unit_price, version.unit


def _members(alliance) -> tuple[int, int, int]:
    """(members, women, youth) of the producer organization's roster."""
    counts = alliance.producer_organization.members.counts()
    return counts["members"], counts["women"], counts["youth"]


def _targets(demo, alliance) -> None:
    currency = alliance.program.currency
    p = PROFILES[currency]
    volume, price, _unit = _agreement_terms(alliance)
    members, _women, _youth = _members(alliance)
    horizon = alliance.plan.current_version.horizon_years
    baselines = {
        "sales_volume": volume * D("0.4"),
        "sales_value": (volume * D("0.4") * price).quantize(D("1")),
        "yield": p["yield"],
        "household_income": p["income"],
        "members_trained": 0,
        "members": members - 6,
        "jobs": 0,
        "improved_area": p["area"],
        "revolving_repayments": 0,
    }

    def ramp(first, last, year):
        """Yearly targets rising from `first` (year 1) to `last` (the last plan year)."""
        step = (D(last) - D(first)) / max(horizon - 1, 1)
        return (D(first) + step * (year - 1)).quantize(D("0.001"))

    yearly = {
        "sales_volume": (volume * D("0.7"), volume),
        "sales_value": (volume * D("0.7") * price, volume * price),
        "yield": (p["yield"] * D("1.15"), p["yield"] * D("1.6")),
        "household_income": (p["income"] * D("1.1"), p["income"] * D("1.8")),
        "members_trained": (members // 2, members),
        "members": (members, members + 15),
        "jobs": (4, 18),
        "improved_area": (p["area"] * 2, p["area"] * 5),
        "revolving_repayments": (p["income"] * D("0.5"), p["income"] * 2),
    }
    targets = {}
    for code, (first, last) in yearly.items():
        years = {year: ramp(first, last, year) for year in range(1, horizon + 1)}
        if code in ("household_income", "sales_value", "revolving_repayments"):
            years = {year: value.quantize(D("1")) for year, value in years.items()}
        # Sums over the plan (sales, people trained, jobs, repayments) or the level reached.
        summed = code in ("sales_volume", "sales_value", "members_trained", "jobs")
        summed = summed or code == "revolving_repayments"
        years[None] = sum(years.values(), D(0)) if summed else years[horizon]
        targets[code] = years
    monitoring.targets_save(
        alliance=alliance, by=demo.users["me_officer"], baselines=baselines, targets=targets
    )


def _deliveries(demo, alliance, producer, periods, latest: tuple[str, ...]) -> int:
    """Two confirmed deliveries a period, a little more each quarter; the latest period
    also has the deliveries of `latest` (waiting for the buyer, disputed, corrected).
    Each is a story of `demo.clock`; returns how many there are."""
    volume, price, _unit = _agreement_terms(alliance)
    quarter = volume / 4
    colombian = alliance.program.currency == "COP"
    grade = "Excelso" if colombian else "Grade A"
    count = 0
    for number, report in enumerate(periods, 1):
        growth = D("0.55") + D("0.08") * number
        for part, day in ((D("0.45"), 20), (D("0.55"), 65)):
            delivered_on = min(
                report.period_start + datetime.timedelta(days=day), report.period_end
            )
            lot = {
                "delivered_on": delivered_on,
                "volume": (quarter * growth * part).quantize(D("1")),
                "unit_price": price + D(5 * number if not colombian else 50 * number),
                "quality_grade": grade,
            }
            demo.clock.add(_delivery(demo, alliance, producer, lot, "confirmed"))
            count += 1
    if not periods:
        return count
    last = periods[-1]
    for offset, state in enumerate(latest):
        lot = {
            "delivered_on": last.period_end - datetime.timedelta(days=10 + 7 * offset),
            "volume": (quarter * D("0.12")).quantize(D("1")),
            "unit_price": price,
            "quality_grade": grade,
        }
        demo.clock.add(_delivery(demo, alliance, producer, lot, state))
        count += 1
    return count


def _delivery(demo, alliance, producer, lot: dict, state: str):
    """One delivery, recorded the day after it left and left `state`: confirmed by the
    buyer two days later, still waiting (recorded), disputed, or disputed then corrected
    and confirmed."""
    clock, delivered_on = demo.clock, lot["delivered_on"]
    yield clock.at(delivered_on + ONE_DAY, 16)
    delivery = delivery_record(alliance=alliance, by=producer, **lot)
    if state == "recorded":
        return
    buyer = buyer_user(demo, alliance.buyer)
    yield clock.at(delivered_on + 3 * ONE_DAY, 11)
    if state == "confirmed":
        delivery_confirm(delivery=delivery, by=buyer)
        return
    delivery_dispute(
        delivery=delivery, by=buyer, comment=DISPUTE_REASONS[alliance.program.currency]
    )
    if state == "disputed":
        return
    yield clock.at(delivered_on + 6 * ONE_DAY, 10)
    colombian = alliance.program.currency == "COP"
    delivery_correct(
        delivery=delivery,
        by=producer,
        **{**lot, "volume": lot["volume"] - 300},
        comment="Pesée contradictoire acceptée." if not colombian else "Peso corregido.",
    )
    yield clock.at(delivered_on + 8 * ONE_DAY, 12)
    delivery_confirm(delivery=delivery, by=buyer)


def _revolving_fund(demo, alliance, producer, periods):
    """Members repay each quarter; the organization lends on from the second quarter.
    Recorded for one alliance per organization (the fund is the organization's), the day
    after each repayment or loan."""
    organization = alliance.producer_organization
    members = list(organization.members.order_by("id")[:6])
    colombian = alliance.program.currency == "COP"
    unit = D("250000") if colombian else D("25000")
    for number, report in enumerate(periods, 1):
        for index, member in enumerate(members[:3]):
            occurred_on = report.period_start + datetime.timedelta(days=30 + index)
            yield demo.clock.at(occurred_on + ONE_DAY, 9)
            monitoring.revolving_fund_record(
                organization=organization,
                by=producer,
                kind=RevolvingFundEntry.Kind.REPAYMENT,
                amount=unit * (2 + number + index),
                occurred_on=occurred_on,
                member=member,
                note="Remboursement" if not colombian else "Abono al fondo rotatorio",
            )
        if number >= 2:
            occurred_on = report.period_start + datetime.timedelta(days=60)
            yield demo.clock.at(occurred_on + ONE_DAY, 9)
            monitoring.revolving_fund_record(
                organization=organization,
                by=producer,
                kind=RevolvingFundEntry.Kind.LOAN,
                amount=unit * (4 + number),
                occurred_on=occurred_on,
                member=members[3 + number % 3],
                note="Prêt pour intrants" if not colombian else "Crédito para insumos",
            )


def _entries(alliance, number: int) -> dict:
    """The figures the PO reports for its `number`th period: they grow quarter by quarter."""
    currency = alliance.program.currency
    p = PROFILES[currency]
    members, women, youth = _members(alliance)
    grown = members - 6 + min(number, 6)
    trained = 8 + 3 * number
    jobs = 1 + number % 3
    return {
        "yield": {"value": p["yield"] + D("0.15") * number},
        "household_income": {"value": p["income"] + p["income_step"] * number},
        "members_trained": {
            "value": trained,
            "women": trained * 5 // 10,
            "youth": trained * 3 // 10,
        },
        "members": {
            "value": grown,
            "women": min(women + number // 2, grown),
            "youth": min(youth + number // 3, grown),
        },
        "jobs": {"value": jobs, "women": jobs // 2, "youth": 1},
        "improved_area": {"value": p["area"] + D("4.5") * number},
    }


def _report(demo, alliance, producer, report, number: int, fate: str):
    """The report of a past period: submitted within a week or so after the period ends,
    reviewed some days later (returned ones resubmitted a week after)."""
    if fate == "due":
        return
    at = demo.clock.at
    day = report.period_end + datetime.timedelta(days=5 + number % 4)
    yield at(day, 11)
    me = demo.users["me_officer"]
    currency = alliance.program.currency
    entries = _entries(alliance, number)
    narrative = NARRATIVES[currency].format(trained=entries["members_trained"]["value"])
    monitoring.report_submit(report=report, by=producer, values=entries, narrative=narrative)
    if fate == "submitted":
        return
    if fate in ("returned", "resubmitted"):
        day += datetime.timedelta(days=5)
        yield at(day, 15)
        monitoring.report_return(report=report, by=me, comment=RETURN_REASONS[currency])
        if fate == "returned":
            return
        day += datetime.timedelta(days=7)
        yield at(day, 10)
        monitoring.report_submit(
            report=report,
            by=producer,
            values=entries,
            narrative=narrative + " (corrigé)",
        )
    yield at(day + datetime.timedelta(days=4), 14)
    monitoring.report_accept(report=report, by=me, comment=ACCEPT_NOTE[currency])
    assert report.status == MonitoringReport.Status.ACCEPTED
