"""A plan's history in words (the history page, `plans.views.history`).

django-auditlog stores each change as codes and raw values: field names, choice codes,
primary keys, "None". Here each entry becomes what a person reads, in their language:
the record (its model's verbose name and a name such as "Version 2" or "Tranche 1"),
what happened (created, changed, deleted, or the step of a transition-log row, named by
the label registry `core.labels`), and each changed field with its verbose name and
its values as a person writes them: labels for choices and states, names for related
records, dates and figures in the reader's format. The records an entry refers to are
loaded once per model for the whole page.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import labels
from core.formats import format_date, format_datetime, format_money, format_number

DASH = "—"
# Bookkeeping a reader does not need: the entry itself says when and by whom.
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at", "content_type", "object_id", "at"})
TRANSITION_LOG = "plans.TransitionLog"

# How a record is named on the page: a wording and the fields it takes (without a
# wording, the fields' values joined); no fields: the model's name says it all (there is
# one per plan). A model not listed is named as it names itself now (`str`), or as it was
# named when audited if it no longer exists.
RECORD_NAMES: dict[str, tuple[Promise | str | None, tuple[str, ...]]] = {
    "plans.BusinessPlan": (None, ()),
    "plans.PlanVersion": (gettext_lazy("Version %(number)s"), ("number",)),
    "plans.BudgetLine": (None, ("description",)),
    "plans.CashFlowRow": (gettext_lazy("Year %(year)s"), ("year",)),
    "plans.ScreeningCheck": (None, ("code",)),
    "plans.AppraisalAssignment": (None, ("appraiser",)),
    "plans.CriterionScore": (None, ("criterion",)),
    "plans.CommitteeDecision": (None, ("outcome",)),
    "plans.PlanDocument": (None, ("title",)),
    "alliances.Alliance": (None, ("code",)),
    "funding.PurchaseAgreement": (None, ()),
    "funding.PurchaseAgreementVersion": (gettext_lazy("Version %(number)s"), ("number",)),
    "alliances.Delivery": (None, ("delivered_on",)),
    "funding.GrantCommitment": (None, ()),
    "funding.Tranche": (gettext_lazy("Tranche %(number)s"), ("number",)),
    "funding.Payment": (None, ("kind", "reference")),
    "funding.CounterpartContribution": (None, ("kind", "contributed_on")),
    "funding.LegalizationCheck": (None, ("requirement",)),
    "monitoring.MonitoringReport": (
        "%(period_start)s – %(period_end)s",
        ("period_start", "period_end"),
    ),
}


def action_labels() -> dict[int, str]:
    return {
        LogEntry.Action.CREATE: _("Created"),
        LogEntry.Action.UPDATE: _("Changed"),
        LogEntry.Action.DELETE: _("Deleted"),
    }


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Row:
    entry: LogEntry
    model: str  # the record's kind: "tranche"
    name: str  # which one: "Tranche 1" (may be empty)
    action: str  # "Changed", or a step: "Tranche paid"
    changes: list[Change] = field(default_factory=list)
    comment: str = ""


def _model_of(entry: LogEntry):
    return ContentType.objects.get_for_id(entry.content_type_id).model_class()


def _is_empty(raw) -> bool:
    return raw is None or raw in ("None", "")


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _is_money(f) -> bool:
    """A column made by `core.money.money_field` (18 digits, 2 decimals)."""
    return f.max_digits == 18 and f.decimal_places == 2


def _is_fk(f) -> bool:
    return f is not None and f.concrete and (f.many_to_one or f.one_to_one)


class _Page:
    """The records the entries of one page refer to, loaded once per model."""

    def __init__(self, entries: list[LogEntry], currency: str = ""):
        self.currency = currency
        self.objects: dict[type, dict] = defaultdict(dict)
        self.asked: dict[type, set] = defaultdict(set)
        wanted: dict[type, set] = defaultdict(set)
        for entry in entries:
            model = _model_of(entry)
            if model is None:
                continue
            if entry.object_id is not None:
                wanted[model].add(entry.object_id)
            for name, values in entry.changes_dict.items():
                f = _field(model, name)
                if _is_fk(f) and isinstance(values, list):
                    for raw in values:
                        pk = self._pk(f.related_model, raw)
                        if pk is not None:
                            wanted[f.related_model].add(pk)
        self._load(wanted)

    @staticmethod
    def _pk(model, raw):
        if _is_empty(raw):
            return None
        try:
            return model._meta.pk.to_python(raw)
        except ValidationError:
            return None

    def _load(self, wanted: dict[type, set]) -> None:
        """Load the wanted records, then those their names need, until none is missing."""
        while wanted:
            following: dict[type, set] = defaultdict(set)
            for model, pks in wanted.items():
                missing = pks - self.asked[model]
                if not missing:
                    continue
                self.asked[model] |= missing
                found = model._base_manager.in_bulk(missing)
                self.objects[model].update(found)
                for obj in found.values():
                    for ref_model, pk in self._refs(model, obj):
                        following[ref_model].add(pk)
            wanted = following

    def _refs(self, model, obj):
        """The records naming `obj` needs: those of its name's fields, or the subject of a
        transition-log row."""
        if model._meta.label == TRANSITION_LOG:
            subject = ContentType.objects.get_for_id(obj.content_type_id).model_class()
            if subject is not None:
                yield subject, obj.object_id
            return
        for name in RECORD_NAMES.get(model._meta.label, (None, ()))[1]:
            f = _field(model, name)
            if _is_fk(f) and getattr(obj, f.attname) is not None:
                yield f.related_model, getattr(obj, f.attname)

    def record(self, model, pk):
        return self.objects[model].get(pk)

    # --- words ------------------------------------------------------------------------

    def value(self, model, f, raw) -> str:
        """A stored value as a person reads it."""
        if _is_empty(raw):
            return DASH
        if f.choices:
            code = str(raw)
            if f.name == "status" and labels.knows(model):
                return labels.state_label(model, code)
            return str({str(k): v for k, v in f.flatchoices}.get(code, code))
        if isinstance(f, models.BooleanField):
            return _("Yes") if raw in (True, "True") else _("No")
        if _is_fk(f):
            target = f.related_model
            related = self.record(target, self._pk(target, raw))
            if related is None:
                return DASH
            return self.name(target, related) or capfirst(str(target._meta.verbose_name))
        if isinstance(f, models.DateTimeField):
            moment = raw if isinstance(raw, datetime.datetime) else parse_datetime(str(raw))
            return format_datetime(moment) if moment else str(raw)
        if isinstance(f, models.DateField):
            day = raw if isinstance(raw, datetime.date) else parse_date(str(raw)[:10])
            return format_date(day) if day else str(raw)
        if isinstance(f, models.DecimalField):
            try:
                number = Decimal(str(raw))
            except InvalidOperation:
                return str(raw)
            if self.currency and _is_money(f):
                return format_money(number, self.currency)
            return format_number(number, digits=f.decimal_places)
        return str(raw)

    def name(self, model, obj, changes: dict | None = None, fallback: str = "") -> str:
        """Which record: "Version 2", "Tranche 1", a budget line's description."""
        spec = RECORD_NAMES.get(model._meta.label)
        if spec is None:
            return str(obj) if obj is not None else fallback
        wording, names = spec
        values = {}
        for name in names:
            f = model._meta.get_field(name)
            if obj is not None:
                raw = getattr(obj, f.attname)
            else:  # deleted: as its last entry recorded it
                old, new = (changes or {}).get(name, ["None", "None"])
                raw = new if not _is_empty(new) else old
            values[name] = self.value(model, f, raw)
        if wording is not None:
            return wording % values
        return " · ".join(v for v in values.values() if v != DASH)

    def changes(self, model, entry: LogEntry) -> list[Change]:
        rows = []
        for name, values in entry.changes_dict.items():
            f = _field(model, name)
            if f is None or name in HIDDEN_FIELDS or not (f.concrete or f.many_to_many):
                continue
            label = capfirst(str(f.verbose_name))
            if isinstance(values, dict):  # a many-to-many change: the records' names
                objects = ", ".join(str(o) for o in values.get("objects", [])) or DASH
                added = values.get("operation") == "add"
                rows.append(Change(label, DASH if added else objects, objects if added else DASH))
                continue
            old, new = values
            if entry.action == LogEntry.Action.CREATE and _is_empty(new):
                continue
            if entry.action == LogEntry.Action.DELETE and _is_empty(old):
                continue
            before, after = self.value(model, f, old), self.value(model, f, new)
            if before != after:  # "240" then "240.00": the same figure
                rows.append(Change(label, before, after))
        return sorted(rows, key=lambda c: c.label)

    def row(self, entry: LogEntry) -> Row:
        model = _model_of(entry)
        action = action_labels().get(entry.action, "")
        if model is None:  # a model that no longer exists
            return Row(entry, entry.content_type.name, entry.object_repr, action)
        obj = self.record(model, entry.object_id)
        if model._meta.label == TRANSITION_LOG and obj is not None:
            subject = ContentType.objects.get_for_id(obj.content_type_id).model_class()
            if subject is not None:
                return self._step(entry, obj, subject)
        return Row(
            entry,
            model=capfirst(str(model._meta.verbose_name)),
            name=self.name(model, obj, entry.changes_dict, fallback=entry.object_repr),
            action=action,
            changes=self.changes(model, entry),
        )

    def _step(self, entry: LogEntry, log, subject) -> Row:
        """A transition-log row: the step of its record, from a state to another."""
        status = _field(subject, "status")
        label = capfirst(str(status.verbose_name)) if status is not None else ""
        before = labels.state_label(subject, log.from_state) if log.from_state else DASH
        return Row(
            entry,
            model=capfirst(str(subject._meta.verbose_name)),
            name=self.name(subject, self.record(subject, log.object_id)),
            action=labels.step_label(subject, log.transition),
            changes=[Change(label, before, labels.state_label(subject, log.to_state))],
            comment=log.comment,
        )


def history_rows(entries, *, currency: str = "") -> list[Row]:
    """The page's entries, each in words; amounts in `currency` (the programme's)."""
    entries = list(entries)
    page = _Page(entries, currency)
    return [page.row(entry) for entry in entries]
