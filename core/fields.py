"""Model fields every app declares the same way."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def actor_field(verbose_name, *, optional: bool = False, **kwargs) -> models.ForeignKey:
    """Who took a step or wrote a record ("recorded by", "verified by"): a user kept as
    long as the record (PROTECT), with no reverse accessor on the user. `optional` for a
    step not taken yet."""
    if optional:
        kwargs.update(null=True, blank=True)
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=verbose_name,
        **kwargs,
    )
