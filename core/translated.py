"""Translated columns read in a query: system data with a column per language
(django-modeltranslation, each app's translation.py) as the model's attribute reads it.

`chain.name` reads the reader's language, English when that one is empty; but a query
over another model (`Alliance.objects.values("value_chain__name")`) is not rewritten by
modeltranslation and would read the single column, in whatever language the row was
saved. `translated("value_chain__name")` is that column in the active language (or
`language`), with the same fallback, for `.values()`, `.values_list()` and annotations:

    Alliance.objects.values("value_chain_id", chain=translated("value_chain__name"))
"""

from __future__ import annotations

from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.utils import build_localized_fieldname, get_language, resolution_order


def translated(path: str, language: str | None = None) -> Coalesce:
    """The translated column at `path` ("name", "value_chain__name") in `language` (the
    active one when None), then its fallback languages; an empty text counts as missing."""
    languages = resolution_order(language or get_language())
    columns = [NullIf(F(build_localized_fieldname(path, code)), Value("")) for code in languages]
    return Coalesce(*columns, F(path), output_field=CharField())
