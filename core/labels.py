"""The words for codes: one registry of the states and steps of every stateful model.

Each app registers its tables when it is ready (its `registrations.py`): a model's states (its
`Status` choices) and the steps its services write to the transition log (`steps`: the
log's `transition` name -> what happened, e.g. "tranche_pay" -> "Tranche paid"). Pages,
the plan's history, PDFs, notifications and the API ask `state_label` and `step_label`
here, in the reader's language; nothing shows a code.

Each state also has a tone (`tones`: code -> one of `TONES`), the colour of its pill on
the pages (`{{ obj|state_tone }}`, core/templatetags/labels.py; the colours are in
static/css/app.css): neutral (not started, closed), info (under way, waiting for
someone), success (done, agreed), warning (needs attention) or danger (refused, failed).

A code missing from the registry is a bug. Writing one to the transition log always
raises (`require_step`); reading one raises `UnknownCode` when `settings.LABELS_STRICT`
is on (the tests turn it on; it defaults to `DEBUG`), and otherwise is logged as an error
and shown as it is, so that a page never breaks on an old row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

Labels = Mapping[str, Promise | str]


class UnknownCode(LookupError):
    """A state or step code that no app registered for the model."""


# The tones of a state's pill, GOV.UK "tag" colours: grey, blue, green, yellow, red.
NEUTRAL, INFO, SUCCESS, WARNING, DANGER = "neutral", "info", "success", "warning", "danger"
TONES = (NEUTRAL, INFO, SUCCESS, WARNING, DANGER)


@dataclass(frozen=True)
class Machine:
    """The words of one stateful model: `states` and `steps`, code -> lazy label; and the
    `tones` of its states, code -> one of `TONES`."""

    model: str  # "app_label.ModelName"
    states: dict[str, Promise | str] = field(default_factory=dict)
    steps: dict[str, Promise | str] = field(default_factory=dict)
    tones: dict[str, str] = field(default_factory=dict)


_MACHINES: dict[str, Machine] = {}


def model_label(model_or_label) -> str:
    """ "app_label.ModelName" of a model class, an instance, a content type or a label."""
    if isinstance(model_or_label, str):
        return model_or_label
    if isinstance(model_or_label, ContentType):
        model = model_or_label.model_class()
        if model is None:  # a model that no longer exists
            return f"{model_or_label.app_label}.{model_or_label.model}"
        return model._meta.label
    return model_or_label._meta.label


def _as_dict(labels: Labels | type[models.Choices] | Iterable) -> dict[str, Promise | str]:
    if isinstance(labels, type) and issubclass(labels, models.Choices):
        return {choice.value: choice.label for choice in labels}
    return dict(labels)


def register(model, *, states=(), steps=(), tones=()) -> Machine:
    """Register (or extend) the words of `model`. `states` is a `TextChoices` class or a
    mapping; `steps` a mapping of transition-log names to labels; `tones` a mapping of
    state codes to one of `TONES`. Registering a code twice with another label or tone
    is a mistake and raises (the labels are not evaluated: apps register before
    translations may be read), and so is a tone not in `TONES`."""
    label = model_label(model)
    current = _MACHINES.get(label, Machine(label))
    new_tones = dict(tones)
    wrong = {code: tone for code, tone in new_tones.items() if tone not in TONES}
    if wrong:
        raise ValueError(f"{label}: tones must be one of {TONES}, not {wrong}")
    merged = []
    for kind, old, new in (
        ("state", current.states, _as_dict(states)),
        ("step", current.steps, _as_dict(steps)),
        ("tone of the state", current.tones, new_tones),
    ):
        for code, text in new.items():
            # Labels by identity (comparing lazy texts would translate them); tones by value.
            same = old.get(code) is text or (old is current.tones and old.get(code) == text)
            if code in old and not same:
                raise ValueError(f"{label}: {kind} {code!r} registered twice")
        merged.append({**old, **new})
    _MACHINES[label] = Machine(label, states=merged[0], steps=merged[1], tones=merged[2])
    return _MACHINES[label]


def machines() -> tuple[Machine, ...]:
    return tuple(_MACHINES.values())


def knows(model_or_label) -> bool:
    """Has an app registered this model's states and steps?"""
    return model_label(model_or_label) in _MACHINES


def machine(model_or_label) -> Machine:
    label = model_label(model_or_label)
    try:
        return _MACHINES[label]
    except KeyError:
        raise UnknownCode(f"no states or steps are registered for {label}") from None


def _strict() -> bool:
    return getattr(settings, "LABELS_STRICT", settings.DEBUG)


def _lookup(model_or_label, kind: str, code: str) -> str:
    label = model_label(model_or_label)
    table = getattr(_MACHINES.get(label), kind, {})
    if code in table:
        return str(table[code])
    message = f"{label}: no label for the {kind[:-1]} {code!r}"
    if _strict():
        raise UnknownCode(message)
    logger.error(message)
    return code


def state_label(model_or_label, code: str) -> str:
    """The state `code` of this model, in the active language."""
    return _lookup(model_or_label, "states", code)


def step_label(model_or_label, code: str) -> str:
    """The step `code` (a transition-log name) of this model, in the active language."""
    return _lookup(model_or_label, "steps", code)


def state_choices(model_or_label) -> list[tuple[str, Promise | str]]:
    """(code, label) of every state of this model, in its order, for a filter's options."""
    return list(machine(model_or_label).states.items())


def state_tone(model_or_label, code: str) -> str:
    """The tone of the state `code` of this model (one of `TONES`), for its pill. A state
    registered without a tone is a bug like a code without a label: it raises when
    `settings.LABELS_STRICT` is on, and is logged and shown neutral otherwise."""
    label = model_label(model_or_label)
    tone = getattr(_MACHINES.get(label), "tones", {}).get(code)
    if tone is not None:
        return tone
    message = f"{label}: no tone for the state {code!r}"
    if _strict():
        raise UnknownCode(message)
    logger.error(message)
    return NEUTRAL


def require_step(model_or_label, code: str) -> None:
    """Refuse to record a step nobody could read: always raises for an unknown one."""
    label = model_label(model_or_label)
    if code not in getattr(_MACHINES.get(label), "steps", {}):
        raise UnknownCode(f"{label}: the step {code!r} is not registered (core/labels.py)")


def state_change(model_or_label, from_state: str, to_state: str) -> str:
    """ "Draft → Submitted"; just "Recorded" for a step that creates its record (no
    from-state)."""
    to = state_label(model_or_label, to_state)
    if not from_state:
        return to
    return f"{state_label(model_or_label, from_state)} → {to}"


# --- transition-log rows -----------------------------------------------------------------


def log_model(log) -> str:
    """The model of the record a transition-log row is about (no query: content types
    are cached)."""
    return model_label(ContentType.objects.get_for_id(log.content_type_id))


def log_step(log) -> str:
    """What happened in a transition-log row, e.g. "Tranche paid"."""
    return step_label(log_model(log), log.transition)


def log_states(log) -> str:
    """The row's state change, e.g. "Authorized → Paid", or "Recorded"."""
    return state_change(log_model(log), log.from_state, log.to_state)


def label_logs(logs: Iterable) -> list:
    """The rows, each with `step_label`, `from_label`, `to_label` and `states_label`
    set for a template."""
    rows = list(logs)
    for log in rows:
        model = log_model(log)
        log.step_label = step_label(model, log.transition)
        log.from_label = state_label(model, log.from_state) if log.from_state else ""
        log.to_label = state_label(model, log.to_state)
        log.states_label = state_change(model, log.from_state, log.to_state)
    return rows
