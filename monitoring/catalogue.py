"""The standard indicators of DESIGN.md §8: every installation starts with them (data
migrations 0003 and 0005) and so does every test world. Administrators may rename,
deactivate or add to them in the admin, where each name and unit has an English, French
and Spanish column (monitoring/translation.py); codes stay stable because reports and
exports refer to them."""

# Names and units are data, not messages: each language's text is stored in its own
# column and the reader's language is shown, English when it is empty.
PEOPLE = {"en": "people", "fr": "personnes", "es": "personas"}
JOBS = {"en": "jobs", "fr": "emplois", "es": "empleos"}
NONE: dict[str, str] = {"en": "", "fr": "", "es": ""}


def _same(unit: str) -> dict[str, str]:
    return {"en": unit, "fr": unit, "es": unit}


STANDARD_INDICATORS = [
    # code, name {language: text}, unit {language: text}, aggregation, source, is_money,
    # by_sex, by_youth
    (
        "sales_volume",
        {
            "en": "Sales volume to the buyer",
            "fr": "Volume des ventes à l'acheteur",
            "es": "Volumen de ventas al comprador",
        },
        NONE,
        "sum",
        "delivery_volume",
        0,
        0,
        0,
    ),
    (
        "sales_value",
        {
            "en": "Sales value to the buyer",
            "fr": "Valeur des ventes à l'acheteur",
            "es": "Valor de las ventas al comprador",
        },
        NONE,
        "sum",
        "delivery_value",
        1,
        0,
        0,
    ),
    (
        "yield",
        {"en": "Yield", "fr": "Rendement", "es": "Rendimiento"},
        _same("t/ha"),
        "average",
        "reported",
        0,
        0,
        0,
    ),
    (
        "household_income",
        {
            "en": "Average household income from the activity",
            "fr": "Revenu moyen des ménages tiré de l'activité",
            "es": "Ingreso promedio de los hogares por la actividad",
        },
        NONE,
        "latest",
        "reported",
        1,
        0,
        0,
    ),
    (
        "members_trained",
        {"en": "Members trained", "fr": "Membres formés", "es": "Miembros capacitados"},
        PEOPLE,
        "sum",
        "reported",
        0,
        1,
        1,
    ),
    (
        "members",
        {
            "en": "Members of the organization",
            "fr": "Membres de l'organisation",
            "es": "Miembros de la organización",
        },
        PEOPLE,
        "latest",
        "reported",
        0,
        1,
        1,
    ),
    (
        "jobs",
        {"en": "Jobs created", "fr": "Emplois créés", "es": "Empleos creados"},
        JOBS,
        "sum",
        "reported",
        0,
        1,
        1,
    ),
    (
        "improved_area",
        {
            "en": "Area under improved practices",
            "fr": "Superficie sous pratiques améliorées",
            "es": "Área con prácticas mejoradas",
        },
        _same("ha"),
        "latest",
        "reported",
        0,
        0,
        0,
    ),
    (
        "revolving_repayments",
        {
            "en": "Repayments to the revolving fund",
            "fr": "Remboursements au fonds renouvelable",
            "es": "Reembolsos al fondo rotatorio",
        },
        NONE,
        "sum",
        "revolving_repayments",
        1,
        0,
        0,
    ),
]

LANGUAGES = ("en", "fr", "es")


def has_language_columns(indicator_model) -> bool:
    """Whether this (possibly historical) model has the name_en/name_fr/name_es columns:
    migration 0003 seeds the catalogue before migration 0005 adds them."""
    return any(f.name == "name_en" for f in indicator_model._meta.get_fields())


def standard_texts(code: str) -> tuple[dict[str, str], dict[str, str]] | None:
    """The standard name and unit of an indicator code, per language."""
    return next(((row[1], row[2]) for row in STANDARD_INDICATORS if row[0] == code), None)


def catalogue_seed(indicator_model) -> int:
    """Create the standard indicators that are missing (existing ones are left as the
    administrators made them). Takes the model so that a migration can pass its own."""
    languages = has_language_columns(indicator_model)
    created = 0
    for position, row in enumerate(STANDARD_INDICATORS, start=1):
        code, name, unit, aggregation, source, is_money, by_sex, by_youth = row
        texts = {"name": name["en"], "unit": unit["en"]}
        if languages:
            texts |= {f"name_{lang}": name[lang] for lang in LANGUAGES}
            texts |= {f"unit_{lang}": unit[lang] for lang in LANGUAGES}
        _indicator, was_created = indicator_model.objects.get_or_create(
            code=code,
            defaults={
                **texts,
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
