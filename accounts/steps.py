"""The step machinery every stateful record shares: its journal, its small status moves,
and who acts next.

Each app owns the steps of its own models and registers them here when it is ready
(`register`: who acts after a step leaves the record in a state, and which part of the
alliance's data the record belongs to, §9a). This module knows no app above it: it names
the transition log by string, and the notifications (`accounts.notifications`) read who
to tell from the registrations, so a new stateful model needs no change here.

- `record_step` writes one row of the journal (the transition log) and, once the
  transaction has committed, has the people concerned notified.
- `status_move` is one step of a record whose steps are a status change checked by role:
  lock, check role, state and reason, apply the step's effect, save, journal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from core import labels
from core.errors import INVALID, WRONG_STATE, ActionRefused

from .policy import SUMMARY, require_roles
from .tasks import notify_transition

# `acts_next(to_state)` -> the roles that act after a step leaves a record in `to_state`.
ActsNext = Callable[[str], set[str] | frozenset[str]]


@dataclass(frozen=True)
class StepOwner:
    """What the notifications need to know of one stateful model's steps."""

    model: str  # "app_label.ModelName"
    acts_next: ActsNext
    reads: str = SUMMARY  # the part of the alliance's data its steps belong to (§9a)


_OWNERS: dict[str, StepOwner] = {}


def register(model, *, acts_next: ActsNext | Mapping[str, set[str]], reads: str = SUMMARY):
    """Register who acts next after each state of `model`, and what part of the data its
    steps belong to. `acts_next` is a function of the new state, or a mapping state ->
    roles (a state not in it: nobody in particular acts next)."""
    label = labels.model_label(model)
    if isinstance(acts_next, Mapping):
        table = {state: frozenset(roles) for state, roles in acts_next.items()}
        acts_next = lambda state: table.get(state, frozenset())  # noqa: E731
    _OWNERS[label] = StepOwner(label, acts_next, reads)
    return _OWNERS[label]


def owner(model_or_label) -> StepOwner | None:
    return _OWNERS.get(labels.model_label(model_or_label))


def next_roles(log) -> set[str]:
    """The roles that act after the step of a transition-log row."""
    registered = owner(labels.log_model(log))
    return set(registered.acts_next(log.to_state)) if registered else set()


def part_of(log) -> str:
    """The part of the alliance's data the step of a transition-log row belongs to."""
    registered = owner(labels.log_model(log))
    return registered.reads if registered else SUMMARY


def journal_model():
    """The transition log (plans.TransitionLog), named by string."""
    return apps.get_model("plans", "TransitionLog")


def record_step(
    *, subject, alliance, transition: str, from_state: str, to_state: str, by, comment: str = ""
):
    """Append a row to the journal and have the people concerned notified once the
    transaction has committed. The step must have its label (`core.labels`): a row nobody
    can read is refused."""
    labels.require_step(subject, transition)
    log = journal_model().objects.create(
        alliance=alliance,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=by,
        comment=comment,
    )
    transaction.on_commit(lambda: notify_transition.delay(log.pk))
    return log


def status_move(
    subject,
    *,
    by,
    roles,
    label,
    transition: str,
    sources,
    target: str,
    wrong_state: str,
    comment: str = "",
    reason_required: bool = False,
    effect: Callable[[object, str], list[str]] | None = None,
):
    """One step of a small status machine of an alliance's record (a delivery, a
    monitoring report): lock the row, check the actor's role on the alliance (404/403),
    the current state (409, `wrong_state` names it) and the reason (400); `effect(locked,
    comment)` sets what the step changes besides the status and returns those fields
    (it may refuse too); save, journal. Returns `subject`, refreshed."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = (
            type(subject)
            .objects.select_for_update(of=("self",))
            .select_related("alliance__program")
            .get(pk=subject.pk)
        )
        require_roles(by, locked.alliance, roles, label).raise_if_refused()
        if locked.status not in sources:
            raise ActionRefused(
                wrong_state % {"status": locked.get_status_display(), "action": label},
                code=WRONG_STATE,
            )
        if reason_required and not comment:
            raise ActionRefused(
                _("Give a reason."), code=INVALID, fields={"comment": [_("Give a reason.")]}
            )
        source = locked.status
        fields = {"status", *(effect(locked, comment) if effect else ())}
        locked.status = target
        locked.save(update_fields=sorted(fields))
        record_step(
            subject=locked,
            alliance=locked.alliance,
            transition=transition,
            from_state=source,
            to_state=target,
            by=by,
            comment=comment,
        )
    subject.refresh_from_db()
    return subject
