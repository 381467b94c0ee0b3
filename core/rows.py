"""Writing a set of child rows at once: the screening checklist of a plan version, an
appraiser's scores, a report's indicator values, an alliance's baselines.

`save_rows` is `update_or_create` for many rows, without its cost per row: one read of
the rows that exist, then one INSERT or UPDATE per row, with no savepoint around each
(`update_or_create` makes one per row, so a checklist of 14 items cost 56 statements; it
costs 15). Each row is saved by `Model.save()`, so its signals run and the audit history
records it as before. The caller holds the lock of the rows' owner (the plan, the
assignment, the report, the alliance) inside its transaction: nobody else writes these
rows meanwhile.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from django.db.models import Model


def save_rows(
    model: type[Model], owner: Mapping[str, Any], key: str, rows: Mapping[Hashable, Mapping]
) -> None:
    """For each `key` value of `rows`, the row of `model` with `owner`'s fields and that
    key gets the row's field values: updated where it exists, created where it does not.
    A foreign key's value may be given as the object or as its id."""
    field = model._meta.get_field(key)
    wanted = {(k.pk if isinstance(k, Model) else k): (k, values) for k, values in rows.items()}
    if not wanted:
        return
    existing = model._default_manager.filter(**owner, **{f"{field.attname}__in": list(wanted)})
    found = {getattr(row, field.attname): row for row in existing}
    for key_value, (given, values) in wanted.items():
        row = found.get(key_value)
        if row is None:
            row = model(**owner, **{key if isinstance(given, Model) else field.attname: given})
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
