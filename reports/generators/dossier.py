"""Committee dossier of a plan (PDF): every section of the version under decision, the
budget split by source, the cash flows, the analysis and the programme's rules, the
screening checks, and each appraiser's scores beside the weighted score (§6)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import pdf
from core.formats import format_date, format_number, format_quantity
from core.money import ZERO
from plans import workflow
from plans.finance import SOURCES, FinanceInputError
from plans.models import BusinessPlan
from plans.rules import plan_rule_breaches

from .base import Context
from .factsheet import analysis_rows
from .labels import SOURCE_LABELS, stage_label

mm = pdf.mm


def generate(ctx: Context, path) -> None:
    plan = (
        BusinessPlan.objects.with_list_data()
        .select_related("alliance__buyer")
        .get(pk=ctx.parameters["plan"])
    )
    alliance = plan.alliance
    program = alliance.program
    currency = program.currency
    money = lambda v: ctx.money(v, currency)  # noqa: E731
    version = plan.current_version
    counts = workflow.beneficiaries(version)
    ctx.progress.phase(0, 100, 7)

    title = _("Committee dossier: %(code)s, version %(number)s") % {
        "code": alliance.code,
        "number": version.number,
    }
    story = [
        pdf.para(title, pdf.H1),
        pdf.para(version.title, pdf.H3),
        pdf.para(pdf.generated_line(), pdf.SMALL),
        pdf.pairs(
            [
                (_("Alliance"), f"{alliance.code} · {alliance.name}"),
                (_("Programme"), f"{program.code} · {program.name}"),
                (_("Producer organization"), alliance.producer_organization.name),
                (_("Buyer"), alliance.buyer.name),
                (_("Region"), alliance.region.name),
                (_("Value chain"), alliance.value_chain.name),
                (_("Stage"), stage_label(plan.status)),
                (_("Horizon (years)"), version.horizon_years),
                (_("Beneficiary families"), format_number(counts["families"])),
                (_("Women"), format_number(counts["women"])),
                (_("Youth (under 35)"), format_number(counts["youth"])),
            ]
        ),
    ]
    for label, text in (
        (_("Summary"), version.summary),
        (_("Market and buyer"), version.market_description),
        (_("Technical description"), version.technical_description),
        (_("Environmental and social aspects"), version.environmental_social),
    ):
        story.append(pdf.para(label, pdf.H2))
        story.append(pdf.para(text or _("Not given.")))
    ctx.progress.row()

    story += _budget(version, money)
    ctx.progress.row()
    story += _cash_flows(version, money)
    ctx.progress.row()

    story += pdf.section(_("Financial analysis"), *analysis_rows(ctx, version, currency))
    story.append(pdf.para(_("Programme rules"), pdf.H2))
    try:
        breaches = plan_rule_breaches(
            program=program,
            analysis=version.analysis(),
            families=counts["families"],
            grant=plan.approved_grant,
        )
    except FinanceInputError as exc:
        story.append(pdf.para(_("The rules cannot be checked: %(why)s") % {"why": exc}))
    else:
        if breaches:
            story.append(pdf.table([_("Rule not met")], [[b.message] for b in breaches]))
        else:
            story.append(pdf.para(_("The plan meets every money rule of the programme.")))
    ctx.progress.row()

    story += _screening(version)
    ctx.progress.row()
    story += _appraisals(version, program)
    story += _decisions(version, money)
    ctx.progress.row()

    doc = pdf.document(path, title=title, wide=True)
    decorate = pdf.footer(f"{alliance.code} v{version.number} · {pdf.generated_line()}")
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    ctx.progress.row()


def _budget(version, money) -> list:
    lines = list(version.budget_lines.all())
    if not lines:
        return pdf.section(_("Investment budget"), pdf.para(_("No budget line yet.")))
    header = [_("Category"), _("Description"), _("Quantity"), _("Unit cost"), _("Amount")]
    header += [str(SOURCE_LABELS[s]) for s in SOURCES]
    rows = [
        [
            line.get_category_display(),
            line.description,
            format_quantity(line.quantity),
            money(line.unit_cost),
            money(line.amount),
            *(money(getattr(line, s)) for s in SOURCES),
        ]
        for line in lines
    ]
    totals = {s: sum((getattr(line, s) for line in lines), ZERO) for s in ("amount", *SOURCES)}
    rows.append(
        [_("Total"), "", "", "", money(totals["amount"]), *(money(totals[s]) for s in SOURCES)]
    )
    widths = [22 * mm, 33 * mm, 14 * mm, 26 * mm, 26 * mm] + [24 * mm] * len(SOURCES)
    budget = pdf.table(
        header, rows, widths=widths, numeric=set(range(2, 11)), total_row=True, small=True
    )
    return pdf.section(_("Investment budget"), budget)


def _cash_flows(version, money) -> list:
    rows_db = list(version.cash_flows.all())
    title = _("Cash-flow projection")
    if not rows_db:
        return pdf.section(title, pdf.para(_("No cash-flow projection yet.")))
    try:
        flows = version.analysis().flows
    except FinanceInputError:
        flows = [None] * len(rows_db)
    header = [
        _("Year"),
        _("Revenue with the project"),
        _("Costs with the project"),
        _("Revenue without the project"),
        _("Costs without the project"),
        _("Incremental flow (investment in year 0)"),
    ]
    rows = [
        [
            row.year,
            money(row.revenue_with),
            money(row.costs_with),
            money(row.revenue_without),
            money(row.costs_without),
            money(flow),
        ]
        for row, flow in zip(rows_db, flows, strict=False)
    ]
    widths = [15 * mm] + [45 * mm] * 5
    return pdf.section(title, pdf.table(header, rows, widths=widths, numeric=set(range(6))))


def _screening(version) -> list:
    checks = list(version.screening_checks.select_related("checked_by"))
    if not checks:
        return pdf.section(_("Screening"), pdf.para(_("The plan has not been screened yet.")))
    rows = [
        [
            c.label,
            _("Passed") if c.passed else _("Not passed"),
            _("Computed by the platform") if c.automatic else str(c.checked_by or "—"),
            c.note,
        ]
        for c in checks
    ]
    header = [_("Check"), _("Result"), _("Checked by"), _("Note")]
    widths = [100 * mm, 25 * mm, 45 * mm, 90 * mm]
    return pdf.section(_("Screening"), pdf.table(header, rows, widths=widths))


def _appraisals(version, program) -> list:
    assignments = list(
        version.appraisals.select_related("appraiser").prefetch_related("scores__criterion")
    )
    if not assignments:
        return pdf.section(_("Appraisal"), pdf.para(_("No appraiser has been assigned yet.")))
    criteria = list(program.criteria.all())
    header = [_("Criterion"), _("Weight")] + [str(a.appraiser) for a in assignments]
    rows = []
    for criterion in criteria:
        row = [criterion.name, format_number(criterion.weight)]
        for a in assignments:
            score = next((s for s in a.scores.all() if s.criterion_id == criterion.pk), None)
            row.append(
                "—"
                if score is None
                else f"{format_number(score.score, digits=2)} / {criterion.max_score}"
                + (f"\n{score.comment}" if score.comment else "")
            )
        rows.append(row)
    rows.append(
        [_("Weighted score (0-100)"), ""]
        + [
            format_number(workflow.appraisal_score(a), digits=2) if a.is_complete else "—"
            for a in assignments
        ]
    )
    rows.append(
        [_("Recommendation"), ""]
        + [a.get_recommendation_display() or _("Not complete") for a in assignments]
    )
    width = (260 - 60 - 18) / max(len(assignments), 1)
    widths = [60 * mm, 18 * mm] + [width * mm] * len(assignments)
    story = pdf.section(_("Appraisal"), pdf.table(header, rows, widths=widths, numeric={1}))
    score = workflow.plan_score(assignments)
    story.append(pdf.gap())
    story.append(
        pdf.para(
            _(
                "Plan score: %(score)s (threshold %(threshold)s; %(complete)s of %(count)s "
                "appraisals complete)."
            )
            % {
                "score": format_number(score, digits=2),
                "threshold": format_number(program.score_threshold, digits=2),
                "complete": sum(1 for a in assignments if a.is_complete),
                "count": len(assignments),
            },
            pdf.H3,
        )
    )
    comments = [(str(a.appraiser), a.comment) for a in assignments if a.comment]
    if comments:
        story.append(pdf.para(_("Appraisers' comments"), pdf.H3))
        story.append(pdf.pairs(comments, widths=(60 * mm, 200 * mm)))
    return story


def _decisions(version, money) -> list:
    decisions = list(version.decisions.select_related("decided_by").order_by("decided_at", "id"))
    if not decisions:
        return []
    rows = [
        [
            format_date(d.decided_at),
            d.get_outcome_display(),
            money(d.approved_grant) if d.approved_grant is not None else "—",
            d.conditions or d.reason,
            str(d.decided_by),
        ]
        for d in decisions
    ]
    header = [_("Date"), _("Decision"), _("Approved grant"), _("Conditions or reason"), _("By")]
    return [
        pdf.para(_("Committee decisions"), pdf.H2),
        pdf.table(header, rows, widths=[25 * mm, 35 * mm, 40 * mm, 110 * mm, 45 * mm]),
    ]
