"""The step machinery every stateful record shares: its journal, its small status moves,
and who acts next.

Each app owns the steps of its own models and registers them here when it is ready
(`register`: who acts after a step leaves the record in a state, and which part of the
alliance's data the record belongs to, §9a). This module knows no app above it: it names
the transition log by string, and the notifications (`accounts.notifications`) read who
to tell from the registrations, so a new stateful model needs no change here.

- `record_step` writes one row of the journal (the transition log) and, in the same
  transaction, the in-app notifications of the people concerned and the outbox message
  that e-mails them once it has committed (`core.outbox`).
- `take_step` takes one step of a table on a record whose steps are a status change
  checked by role: lock, check role, state and reason, apply the step's effect, save,
  journal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import labels, outbox
from core.errors import INVALID, WRONG_STATE, ActionRefused, Decision, refuse

from . import notifications, policy  # notifications reads `steps` only when called
from .policy import SUMMARY, require_roles

# `acts_next(to_state)` -> the roles that act after a step leaves a record in `to_state`.
ActsNext = Callable[[str], set[str] | frozenset[str]]


# --- the step tables ---------------------------------------------------------------------


@dataclass(frozen=True)
class Confirm:
    """What a person is asked before a step that cannot be undone (GOV.UK "warning text"):
    the page's question, what cannot be undone, and the button that takes the step. Pages
    take such a step only from that page (`accounts.confirmation`); the API is not asked,
    a client confirms by calling."""

    question: Promise | str  # "Withdraw this business plan?"
    warning: Promise | str  # "You cannot undo this. ..."
    yes: Promise | str  # "Yes, withdraw the plan"
    danger: bool = True  # the step ends or refuses something (a red button)


@dataclass(frozen=True)
class Step:
    """One step of a stateful record: from which states (`sources`; empty: the step
    creates the record), to which (`target`; None: back where the record came from), who
    takes it (roles on the alliance), whether it needs a reason, and its words: the action
    (`label`, in refusals and buttons) and what happened (`done`, in the journal)."""

    name: str
    label: Promise | str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    done: Promise | str | None = None  # defaults to `label`
    log_name: str = ""  # the journal's name of the step; defaults to `name`
    reason_required: bool = False
    guards: tuple = ()
    system: bool = False  # taken by the platform itself, never by a person
    # The refusal when the record is in another state: "%(status)s" and "%(action)s".
    wrong_state: Promise | str | None = None
    # False for an action that leaves the record where it is and writes no journal row
    # (entering a report's values); it still says who may act in which states.
    journaled: bool = True
    # A step that cannot be undone: the pages ask this question before taking it.
    confirm: Confirm | None = None

    @property
    def journal_name(self) -> str:
        return self.log_name or self.name

    @property
    def journal_label(self) -> Promise | str:
        return self.done if self.done is not None else self.label


class StepTable:
    """The steps of one model, declared once by the app that owns it, read by its
    services (who, from where, to where), the label registry (the words of its steps), and
    the notifications (who acts next: the roles of the steps that leave the new state)."""

    def __init__(
        self,
        steps,
        *,
        other_log_steps: Mapping[str, Promise | str] | None = None,
        wrong_state: Promise | str | None = None,
    ):
        self.model = ""  # set when registered
        self.all: tuple[Step, ...] = tuple(steps)
        # By name; a name may come twice, from different states (a plan's "request
        # revision" from screening and from the committee): the first one here.
        self.steps: dict[str, Step] = {}
        for step in self.all:
            self.steps.setdefault(step.name, step)
        self.wrong_state = wrong_state or gettext_lazy(
            "“%(action)s” is not possible for a record that is %(status)s."
        )
        # Journal rows that are not a step of the table (e.g. a payment reversed on a tranche).
        self.other_log_steps = dict(other_log_steps or {})
        self._effects: dict[str, list[Callable[..., None]]] = {}

    def __getitem__(self, name: str) -> Step:
        return self.steps[name]

    def __contains__(self, name: str) -> bool:
        return name in self.steps

    def __iter__(self):  # like a mapping: the names
        return iter(self.steps)

    def values(self):
        return self.steps.values()

    def items(self):
        return self.steps.items()

    def journal_name(self, name: str) -> str:
        """What the journal calls step `name`."""
        return self.steps[name].journal_name

    def named(self, name: str) -> list[Step]:
        return [step for step in self.all if step.name == name]

    def step_for(self, name: str, state: str) -> Step | None:
        """The step `name` that leaves `state`, if there is one."""
        return next((s for s in self.all if s.name == name and state in s.sources), None)

    def from_state(self, state: str) -> list[Step]:
        return [step for step in self.all if state in step.sources]

    def acts_next(self, state: str) -> set[str]:
        """The roles that act after a step leaves a record in `state`."""
        return {role for step in self.from_state(state) if not step.system for role in step.roles}

    def log_steps(self) -> dict[str, Promise | str]:
        """The journal's names of the steps and their words, for `core.labels`."""
        return {
            **{step.journal_name: step.journal_label for step in self.all if step.journaled},
            **self.other_log_steps,
        }

    def decide(self, user, subject, name: str, *, state: bool = True, **params) -> Decision:
        """May `user` take step `name` on `subject` (a record of an alliance) now? Its role
        on the alliance (404 / 403) and, with `state`, the record's state (409). A table
        whose steps have guards or parameters (the plan's) says more by overriding this."""
        step = self.steps[name]
        decision = require_roles(user, subject.alliance, step.roles, str(step.label))
        if decision and state and step.sources and subject.status not in step.sources:
            message = step.wrong_state or self.wrong_state
            return refuse(
                WRONG_STATE,
                message % {"status": subject.get_status_display(), "action": step.label},
            )
        return decision

    # --- what `take_step` asks of the table ---------------------------------------------

    def lock(self, subject):
        """The row of `subject`, locked for the step, with its alliance and programme."""
        return (
            type(subject)
            .objects.select_for_update(of=("self",))
            .select_related("alliance__program")
            .get(pk=subject.pk)
        )

    def target_of(self, step: Step, subject) -> str:
        """The state the step leaves `subject` in (a step may return it where it was)."""
        return step.target

    def alliance_of(self, subject):
        """The alliance whose journal the step goes to."""
        return subject.alliance

    def on(self, name: str, effect: Callable[..., None]) -> None:
        """Run `effect(subject, by=...)` inside every step `name`, after the step's own
        effect: how an upper app reacts to a lower app's step without being imported
        from below (registered in its `registrations.py`). One that refuses
        (`ActionRefused`) undoes the whole step."""
        if name not in self.steps:
            raise ValueError(f"no step is named {name!r}")
        effects = self._effects.setdefault(name, [])
        if effect not in effects:
            effects.append(effect)

    def effects_of(self, name: str) -> tuple[Callable[..., None], ...]:
        return tuple(self._effects.get(name, ()))


_TABLES: dict[str, StepTable] = {}


def register_table(
    model,
    table: StepTable,
    *,
    states,
    tones=None,
    reads: str = SUMMARY,
    acts_next: ActsNext | None = None,
):
    """Register a model's step table: the words of its states and steps (`core.labels`)
    and who acts after each state (the notifications): the table's roles, unless
    `acts_next` says otherwise."""
    label = labels.model_label(model)
    table.model = label
    _TABLES[label] = table
    labels.register(model, states=states, steps=table.log_steps(), tones=tones or {})
    return register(model, acts_next=acts_next or table.acts_next, reads=reads)


def tables() -> dict[str, StepTable]:
    """Every registered step table, by model ("app_label.ModelName")."""
    return dict(_TABLES)


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


def _has_updated_at(record) -> bool:
    return any(f.name == "updated_at" for f in record._meta.concrete_fields)


def journal_visible_to(user, alliance):
    """The journal rows of `alliance` that `user` may read (§9a): the steps of the records
    whose part of the alliance's data they read. A buyer's timeline has the plan's, the
    agreement's and the deliveries' steps, never a tranche's or a contribution's."""
    TransitionLog = apps.get_model("plans", "TransitionLog")
    parts = policy.readable_parts(user, alliance)
    hidden = [apps.get_model(label) for label, o in _OWNERS.items() if o.reads not in parts]
    rows = TransitionLog.objects.filter(alliance=alliance)
    if hidden:
        types = ContentType.objects.get_for_models(*hidden, for_concrete_models=False)
        rows = rows.exclude(content_type__in=list(types.values()))
    return rows


def part_of(log) -> str:
    """The part of the alliance's data the step of a transition-log row belongs to."""
    registered = owner(labels.log_model(log))
    return registered.reads if registered else SUMMARY


# The task that tops up a step's notices and e-mails them, after the commit (record_step).
NOTICES_TASK = "accounts.tasks.notify_transition"

# Who else hears of every step, in its transaction, once its journal row is written: an
# upper app (the webhooks) registers here instead of being imported from below.
_STEP_LISTENERS: list[Callable[[object], None]] = []


def on_step(listener: Callable[[object], None]) -> None:
    """Call `listener(log)` with the journal row of every step, in the step's transaction."""
    if listener not in _STEP_LISTENERS:
        _STEP_LISTENERS.append(listener)


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
        subject=subject,  # its type and id, and the row itself for the audit's account of it
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=by,
        comment=comment,
    )
    # The people concerned are told in the app in this same transaction; their e-mails
    # follow the commit through the outbox (the task tops up the notices, idempotently,
    # and e-mails them): a broker outage delays e-mails, never loses them or fails the step.
    notifications.notify(log)
    outbox.enqueue(NOTICES_TASK, log.pk)
    for listener in _STEP_LISTENERS:
        listener(log)
    return log


def take_step(
    table: StepTable,
    name: str,
    subject,
    *,
    by,
    comment: str = "",
    effect: Callable[[object, str], Iterable[str] | None] | None = None,
    **params,
):
    """Take step `name` of `table` on `subject` (a record of an alliance: a plan, a
    delivery, a monitoring report...), the one way every stateful record moves: lock the
    row (`table.lock`); ask the table whether `by` may take it now with these `params`
    (role on the alliance 404/403, state 409, guards, the same question the pages ask);
    check the reason (400); `effect(locked, comment)` sets what the step changes besides
    the status and returns those fields (it may refuse too); the effects other apps
    registered (`table.on`) follow; save, journal, notify. Returns `subject`, refreshed."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = table.lock(subject)
        table.decide(by, locked, name, comment=comment, **params).raise_if_refused()
        step = table.step_for(name, locked.status) or table[name]
        if step.reason_required and not comment:
            raise ActionRefused(
                _("Give a reason."), code=INVALID, fields={"comment": [_("Give a reason.")]}
            )
        source = locked.status
        target = table.target_of(step, locked)
        fields = {"status", *((effect(locked, comment) or ()) if effect else ())}
        for registered in table.effects_of(name):
            registered(locked, by=by)
        locked.status = target
        if _has_updated_at(locked):
            fields.add("updated_at")  # a step is a change (the API's `updated_since`)
        locked.save(update_fields=sorted(fields))
        record_step(
            subject=locked,
            alliance=table.alliance_of(locked),
            transition=step.journal_name,
            from_state=source,
            to_state=target,
            by=by,
            comment=comment,
        )
    subject.refresh_from_db()
    return subject
