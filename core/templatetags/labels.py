"""The `labels` template library: a state shown on a page is named by the one label
registry (core/labels.py), in the active language, and its pill takes the tone
registered there with it. A page never prints a code, nor a model's `get_status_display`.

    {% load labels %}
    {{ plan|state_label }}                          Brouillon   (the object's `status`)
    {{ code|state_label:"plans.BusinessPlan" }}     the same, from a code and its model
    {{ plan|state_tone }}                           neutral · info · success · warning · danger

A status pill:

    <span class="status tone-{{ plan|state_tone }}">{{ plan|state_label }}</span>

(static/css/app.css colours `.status.tone-*`.)
"""

from __future__ import annotations

from django import template
from django.db import models

from core import labels

register = template.Library()


def _model_and_code(value, model: str | None):
    """(model, state code) of an object (its `status`) or of a code and its model label."""
    if isinstance(value, models.Model):
        return value, value.status
    if not model:
        raise template.TemplateSyntaxError(
            "state_label/state_tone of a code need its model: {{ code|state_label:'app.Model' }}"
        )
    return model, value


@register.filter
def state_label(value, model: str | None = None) -> str:
    """The state of an object, or of a code of `model`, in the active language."""
    if value is None or value == "":
        return ""
    return labels.state_label(*_model_and_code(value, model))


@register.filter
def state_tone(value, model: str | None = None) -> str:
    """The tone of the state of an object, or of a code of `model`: the modifier of its
    pill (`tone-<tone>`)."""
    if value is None or value == "":
        return labels.NEUTRAL
    return labels.state_tone(*_model_and_code(value, model))
