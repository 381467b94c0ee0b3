"""The purchase agreement as a PDF for signature: parties, terms, signature blocks.

One small page, built in the request (ReportLab, with the report building blocks of
`core.pdf`); the long reports go through the Celery report jobs instead.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

from core.formats import format_date, format_money, format_quantity
from core.labels import state_label
from core.pdf import (
    BODY,
    CELL,
    GRID,
    H1,
    HEADER_BACKGROUND,
    SMALL,
    clean,
    footer,
    gap,
    generated_line,
    pairs,
    para,
    section,
)

PDF = "application/pdf"


def _party(name, *details) -> str:
    return " · ".join(str(d) for d in (name, *details) if d)


def _signatures(parties: list[str]) -> Table:
    """One row per signing party, tall enough to sign in."""
    header = [_("For"), _("Name"), _("Date"), _("Signature")]
    rows = [[para(h, CELL) for h in header]] + [[para(p, CELL), "", "", ""] for p in parties]
    signatures = Table(
        rows,
        colWidths=[60 * mm, 45 * mm, 25 * mm, 50 * mm],
        rowHeights=[None] + [18 * mm] * len(parties),
        hAlign="LEFT",
    )
    signatures.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return signatures


def agreement_pdf_bytes(agreement, version) -> bytes:
    alliance = agreement.alliance
    organization, buyer, program = alliance.producer_organization, alliance.buyer, alliance.program
    currency = program.currency
    price = format_money(version.unit_price, currency)
    if version.price_type == version.PriceType.MARKET_PLUS_PREMIUM:
        price_terms = _("%(reference)s plus a premium of %(price)s per %(unit)s") % {
            "reference": version.market_reference or _("market reference"),
            "price": price,
            "unit": version.unit,
        }
    else:
        price_terms = _("Fixed price of %(price)s per %(unit)s") % {
            "price": price,
            "unit": version.unit,
        }
    title = _("Purchase agreement")
    story = [
        para(title, H1),
        para(
            _("Alliance %(code)s · %(name)s · programme %(program)s · version %(number)s")
            % {
                "code": alliance.code,
                "name": alliance.name,
                "program": program.code,
                "number": version.number,
            },
            BODY,
        ),
        para(
            _("Status: %(status)s") % {"status": state_label(agreement, agreement.status)}
            + (
                " · "
                + _("confirmed by the buyer on %(date)s")
                % {"date": format_date(version.confirmed_at, long=True)}
                if version.confirmed_at
                else ""
            ),
            SMALL,
        ),
        gap(),
        *section(
            _("Parties"),
            pairs(
                [
                    (
                        _("Producer organization (seller)"),
                        _party(
                            organization.name,
                            organization.registration_number,
                            organization.address,
                        ),
                    ),
                    (_("Buyer"), _party(buyer.name, buyer.registration_number, buyer.country)),
                    (_("Programme"), _party(program.name, program.code)),
                ]
            ),
        ),
        *section(
            _("Terms"),
            pairs(
                [
                    (_("Product"), version.product.name),
                    (_("Annual volume"), format_quantity(version.annual_volume, version.unit)),
                    (_("Quality specification"), version.quality_specification or "—"),
                    (_("Price"), price_terms),
                    (_("Delivery schedule"), version.delivery_schedule or "—"),
                    (_("Payment terms"), version.payment_terms or "—"),
                    (
                        _("Duration"),
                        _("%(months)s months") % {"months": version.duration_months},
                    ),
                    (_("Buyer's support"), version.buyer_support or "—"),
                ]
            ),
        ),
        *section(_("Signatures"), _signatures([organization.name, buyer.name, program.name])),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=clean(f"{title} {alliance.code} v{version.number}"),
        author=clean(_("Productive alliances")),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
    )
    draw = footer(f"{alliance.code} · {generated_line()}")
    doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def agreement_pdf_response(agreement, version) -> HttpResponse:
    """The PDF as an attachment named after the alliance and version (page and API)."""
    response = HttpResponse(agreement_pdf_bytes(agreement, version), content_type=PDF)
    filename = f"agreement-{agreement.alliance.code}-v{version.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
