"""What an alliance may be proposed with: the choices the proposal page offers, and the
rule that refuses any other, by field.

A producer organization proposes to a programme of its own country whose call is open
today, with a buyer of that programme's country and a product of its eligible value
chains. The page lists only those (`programs_open_to`, `buyers_for`, `products_for`) and
`proposal_problems` refuses anything else with a message on the field; the same
questions can be asked by any other door that proposes an alliance.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alliances.models import Buyer, ProducerOrganization, Product
from core.formats import format_date


def _program_model():
    # The programme is funding's (an app above): named by string.
    return apps.get_model("funding", "Program")


def country_of(organization: ProducerOrganization) -> str:
    return organization.region.country


def programs_open_to(organizations, today: datetime.date | None = None) -> QuerySet:
    """The programmes of the organizations' countries whose call is open `today`."""
    today = today or timezone.localdate()
    if isinstance(organizations, ProducerOrganization):
        organizations = [organizations]
    countries = {country_of(o) for o in organizations}
    return (
        _program_model()
        .objects.filter(country__in=countries, opens_on__lte=today, closes_on__gte=today)
        .order_by("code")
    )


def buyers_for(program) -> QuerySet:
    """The buyers a plan of `program` may name: those of its country."""
    return Buyer.objects.filter(country=program.country).order_by("name")


def products_for(program) -> QuerySet:
    """The products of the programme's eligible value chains."""
    return (
        Product.objects.filter(value_chain__programs=program)
        .select_related("value_chain")
        .order_by("name", "pk")
    )


def proposal_problems(
    *, organization, program, buyer=None, product=None, today: datetime.date | None = None
) -> dict[str, list[str]]:
    """What is wrong with these choices, by field (empty: nothing)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if program.country != country_of(organization):
        errors["program"] = [
            _("Choose a programme of %(organization)s's country.")
            % {"organization": organization.name}
        ]
    elif not (program.opens_on <= today <= program.closes_on):
        errors["program"] = [
            _("The call of %(programme)s is open from %(opens)s to %(closes)s.")
            % {
                "programme": program.name,
                "opens": format_date(program.opens_on, long=True),
                "closes": format_date(program.closes_on, long=True),
            }
        ]
    if buyer is not None and buyer.country != program.country:
        errors["buyer"] = [_("Choose a buyer of the programme's country.")]
    if product is not None and not products_for(program).filter(pk=product.pk).exists():
        errors["product"] = [_("Choose a product of the programme's value chains.")]
    return errors
