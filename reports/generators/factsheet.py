"""Alliance fact sheet (PDF): the parties, the plan's stage and timeline, its financial
analysis, the purchase agreement, and the money: commitment, tranches and payments."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliances.models import Alliance, Delivery
from core import labels, pdf
from core.formats import format_date, format_number, format_quantity
from core.money import ZERO
from funding.models import Payment, PurchaseAgreement
from funding.selectors import commitment_net_paid, net_paid
from plans import workflow
from plans.finance import FinanceInputError

from .base import Context
from .labels import SOURCE_LABELS, stage_label


def _date(value) -> str:
    return format_date(value)


def analysis_rows(ctx: Context, version, currency: str) -> list:
    """The computed figures of §5 as label/value pairs (or why they are missing)."""
    try:
        a = version.analysis()
    except FinanceInputError as exc:
        return [pdf.para(_("The financial analysis is not available: %(why)s") % {"why": exc})]
    money = lambda v: ctx.money(v, currency)  # noqa: E731
    irr = pdf.percent(a.irr) if a.irr is not None else _("not defined")
    items = [
        (_("Total investment"), money(a.total_investment)),
        *(
            (
                str(SOURCE_LABELS[source]),
                f"{money(a.totals_by_source[source])} ({pdf.percent(a.shares_by_source[source])})",
            )
            for source in SOURCE_LABELS
        ),
        (_("Net present value"), money(a.npv)),
        (_("Internal rate of return"), irr),
        (_("Benefit-cost ratio"), format_number(a.benefit_cost_ratio, digits=2)),
        (_("Payback year"), pdf.dash(a.payback_year)),
        (_("Grant per family"), money(a.grant_per_family)),
    ]
    return [pdf.pairs(items)]


def generate(ctx: Context, path) -> None:
    alliance = (
        Alliance.objects.select_related(
            "program", "producer_organization__region", "buyer", "value_chain", "product", "region"
        )
        .select_related("plan")
        .get(pk=ctx.parameters["alliance"])
    )
    ctx.progress.phase(0, 100, 8)
    program = alliance.program
    currency = program.currency
    money = lambda v: ctx.money(v, currency)  # noqa: E731
    plan = getattr(alliance, "plan", None)
    org = alliance.producer_organization
    roster = org.members.active().counts()
    title = _("Alliance fact sheet: %(code)s") % {"code": alliance.code}
    story = [
        pdf.para(title, pdf.H1),
        pdf.para(alliance.name, pdf.H3),
        pdf.para(pdf.generated_line(), pdf.SMALL),
        pdf.para(_("Alliance"), pdf.H2),
        pdf.pairs(
            [
                (_("Programme"), f"{program.code} · {program.name}"),
                (_("Region"), alliance.region.name),
                (_("Value chain"), alliance.value_chain.name),
                (_("Product"), str(alliance.product)),
                (_("Stage"), stage_label(plan.status if plan else None)),
                (_("Approved grant"), money(plan.approved_grant) if plan else "—"),
                (_("Approval conditions"), pdf.dash(plan.approval_conditions if plan else "")),
            ]
        ),
        pdf.para(_("Producer organization"), pdf.H2),
        pdf.pairs(
            [
                (_("Name"), org.name),
                (_("Legal form"), org.get_legal_form_display()),
                (_("Registration number"), pdf.dash(org.registration_number)),
                (_("Region"), org.region.name),
                (_("Year founded"), pdf.dash(org.founded_year)),
                (_("Members"), format_number(roster["members"])),
                (_("Women"), format_number(roster["women"])),
                (_("Youth (under 35)"), format_number(roster["youth"])),
            ]
        ),
        pdf.para(_("Buyer"), pdf.H2),
        pdf.pairs(
            [
                (_("Name"), alliance.buyer.name),
                (_("Kind"), alliance.buyer.get_kind_display()),
                (_("Country"), alliance.buyer.country),
            ]
        ),
    ]
    ctx.progress.row()

    agreement = PurchaseAgreement.objects.filter(alliance=alliance).first()
    story.append(pdf.para(_("Purchase agreement"), pdf.H2))
    terms = agreement.current_version if agreement else None
    if terms is None:
        story.append(pdf.para(_("No purchase agreement yet.")))
    else:
        story.append(
            pdf.pairs(
                [
                    (_("Status"), labels.state_label(agreement, agreement.status)),
                    (_("Version"), terms.number),
                    (_("Annual volume"), format_quantity(terms.annual_volume, terms.unit)),
                    (_("Price terms"), terms.get_price_type_display()),
                    (_("Unit price"), money(terms.unit_price)),
                    (_("Duration (months)"), terms.duration_months),
                ]
            )
        )
    deliveries = Delivery.objects.filter(alliance=alliance, status=Delivery.Status.CONFIRMED)
    count = deliveries.count()
    if count:
        volume = sum((d.volume for d in deliveries), ZERO)
        value = sum((d.volume * d.unit_price for d in deliveries), ZERO)
        story.append(
            pdf.para(
                ngettext(
                    "%(count)s confirmed delivery: %(volume)s for %(value)s.",
                    "%(count)s confirmed deliveries: %(volume)s for %(value)s.",
                    count,
                )
                % {
                    "count": format_number(count),
                    "volume": format_quantity(volume, terms.unit if terms else None),
                    "value": money(value),
                }
            )
        )
    ctx.progress.row()

    logs = labels.label_logs(alliance.transition_logs.select_related("actor").order_by("at", "id"))
    rows = [
        [
            _date(log.at),
            log.step_label,
            f"{log.from_label} – {log.to_label}" if log.from_label else log.to_label,
            str(log.actor) if log.actor else _("the platform"),
            log.comment,
        ]
        for log in logs
    ]
    if rows:
        timeline = pdf.table(
            [_("Date"), _("Action"), _("From – to"), _("By"), _("Comment")],
            rows,
            widths=[22 * pdf.mm, 38 * pdf.mm, 45 * pdf.mm, 30 * pdf.mm, 45 * pdf.mm],
        )
    else:
        timeline = pdf.para(_("Nothing has happened yet."))
    story += pdf.section(_("Timeline"), timeline)
    ctx.progress.row()

    if plan is not None:
        version = plan.current_version
        story.append(pdf.para(_("Business plan"), pdf.H2))
        counts = workflow.beneficiaries(version)
        story.append(
            pdf.pairs(
                [
                    (_("Title"), version.title),
                    (_("Version"), version.number),
                    (_("Beneficiary families"), format_number(counts["families"])),
                    (_("Women"), format_number(counts["women"])),
                    (_("Youth (under 35)"), format_number(counts["youth"])),
                ]
            )
        )
        story += pdf.section(_("Financial analysis"), *analysis_rows(ctx, version, currency))
    ctx.progress.row()

    story.extend(_money_section(ctx, plan, currency))
    ctx.progress.row()

    doc = pdf.document(path, title=title)
    decorate = pdf.footer(f"{alliance.code} · {pdf.generated_line()}")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    ctx.progress.row(3)


def _money_section(ctx: Context, plan, currency: str) -> list:
    money = lambda v: ctx.money(v, currency)  # noqa: E731
    story = [pdf.para(_("Grant commitment and disbursement"), pdf.H2)]
    commitment = getattr(plan, "commitment", None) if plan else None
    if commitment is None:
        story.append(pdf.para(_("No grant has been committed yet.")))
        return story
    paid = commitment_net_paid(commitment)
    committed = commitment.amount - commitment.released_amount
    story.append(
        pdf.pairs(
            [
                (_("Committed"), money(commitment.amount)),
                (_("Released to the programme"), money(commitment.released_amount)),
                (_("Paid (net of reversals)"), money(paid)),
                (_("Still to disburse"), money(committed - paid)),
            ]
        )
    )
    tranches = list(commitment.tranches.order_by("number"))
    if tranches:
        story.append(pdf.para(_("Tranches"), pdf.H3))
        story.append(
            pdf.table(
                [_("Tranche"), _("Planned date"), _("Amount"), _("Status"), _("Paid")],
                [
                    [
                        t.number,
                        _date(t.planned_date),
                        money(t.amount),
                        labels.state_label(t, t.status),
                        money(net_paid(Payment.objects.filter(tranche=t))),
                    ]
                    for t in tranches
                ],
                widths=[18 * pdf.mm, 28 * pdf.mm, 40 * pdf.mm, 30 * pdf.mm, 40 * pdf.mm],
                numeric={0, 2, 4},
            )
        )
    payments = Payment.objects.filter(tranche__commitment=commitment).select_related("tranche")
    rows = [
        [
            _date(p.paid_on),
            p.tranche.number,
            p.get_kind_display(),
            p.reference,
            money(-p.amount if p.kind == Payment.Kind.REVERSAL else p.amount),
        ]
        for p in payments.order_by("paid_on", "id")
    ]
    if rows:
        story.append(pdf.para(_("Payments and reversals"), pdf.H3))
        story.append(
            pdf.table(
                [_("Date"), _("Tranche"), _("Entry"), _("Reference"), _("Amount")],
                rows,
                widths=[25 * pdf.mm, 18 * pdf.mm, 25 * pdf.mm, 50 * pdf.mm, 40 * pdf.mm],
                numeric={1, 4},
            )
        )
    return story
