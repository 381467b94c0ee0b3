"""The standard indicators of DESIGN.md §8: every installation starts with them (data
migration 0003) and so does every test world. Administrators may rename, deactivate or
add to them in the admin; codes stay stable because reports and exports refer to them."""

from django.utils.translation import gettext_noop as N_

# Names are stored in English and shown in the reader's language (`Indicator.label`).
STANDARD_INDICATORS = [
    # code, name, unit, aggregation, source, is_money, by_sex, by_youth
    ("sales_volume", N_("Sales volume to the buyer"), "", "sum", "delivery_volume", 0, 0, 0),
    ("sales_value", N_("Sales value to the buyer"), "", "sum", "delivery_value", 1, 0, 0),
    ("yield", N_("Yield"), "t/ha", "average", "reported", 0, 0, 0),
    (
        "household_income",
        N_("Average household income from the activity"),
        "",
        "latest",
        "reported",
        1,
        0,
        0,
    ),
    ("members_trained", N_("Members trained"), "people", "sum", "reported", 0, 1, 1),
    ("members", N_("Members of the organization"), "people", "latest", "reported", 0, 1, 1),
    ("jobs", N_("Jobs created"), "jobs", "sum", "reported", 0, 1, 1),
    ("improved_area", N_("Area under improved practices"), "ha", "latest", "reported", 0, 0, 0),
    (
        "revolving_repayments",
        N_("Repayments to the revolving fund"),
        "",
        "sum",
        "revolving_repayments",
        1,
        0,
        0,
    ),
]


def catalogue_seed(indicator_model) -> int:
    """Create the standard indicators that are missing (existing ones are left as the
    administrators made them). Takes the model so that a migration can pass its own."""
    created = 0
    for position, row in enumerate(STANDARD_INDICATORS, start=1):
        code, name, unit, aggregation, source, is_money, by_sex, by_youth = row
        _indicator, was_created = indicator_model.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "aggregation": aggregation,
                "source": source,
                "is_money": bool(is_money),
                "by_sex": bool(by_sex),
                "by_youth": bool(by_youth),
                "position": position * 10,
            },
        )
        created += was_created
    return created
