"""Audit history: who changed which domain record, when, from what to what.

django-auditlog writes one entry per created, changed or deleted row (and per change of
a many-to-many relation) of every model of the domain apps. Its middleware records the
actor of page, API and admin changes; a change made outside a request (a task, a
command) has no actor. Audit entries are read in the admin (read-only) and, for a plan,
on the plan's history page (`plans.views.history`). Personal data is masked in the entries.

Rows written with `bulk_create` or `QuerySet.update` bypass the model signals and so the
audit; the services use them only for rows that are not edited afterwards.
"""

from __future__ import annotations

from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.functional import SimpleLazyObject

AUDITED_APPS = ("accounts", "alliances", "funding", "plans", "monitoring")
# Notifications derive from the transition log; a token grant's key is the API token;
# the dashboard's summary rows are recomputed from the audited rows (monitoring/figures.py).
NOT_AUDITED = frozenset(
    {
        "accounts.Notification",
        "accounts.ApiTokenGrant",
        "monitoring.PortfolioSlice",
        "monitoring.PortfolioStage",
        "monitoring.PortfolioMonth",
        "monitoring.PortfolioAgreed",
        "monitoring.PortfolioDelivered",
    }
)
EXCLUDED_FIELDS = {"accounts.User": ["password", "last_login"]}
MASKED_FIELDS = {
    "alliances.Member": ["national_id"],
    "alliances.ProducerOrganization": ["bank_account_number"],
}
MASK_CALLABLE = "alliances.personal_data.mask"  # all but the last two characters hidden


def register_domain_models() -> None:
    """Called once the apps are ready (`AccountsConfig.ready`)."""
    for label in AUDITED_APPS:
        if not apps.is_installed(label):
            continue
        for model in apps.get_app_config(label).get_models():
            name = model._meta.label
            if name in NOT_AUDITED or auditlog.contains(model):
                continue
            auditlog.register(
                model,
                exclude_fields=EXCLUDED_FIELDS.get(name),
                mask_fields=MASKED_FIELDS.get(name),
                mask_callable=MASK_CALLABLE if name in MASKED_FIELDS else None,
                m2m_fields={field.name for field in model._meta.many_to_many},
            )


def _actor(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class AuditActorMiddleware(AuditlogMiddleware):
    """auditlog's middleware, asking who the actor is when an entry is written rather
    than when the request arrives: the API authenticates a token inside its view, and
    sets `request.user` only then."""

    @staticmethod
    def _get_actor(request):
        return SimpleLazyObject(lambda: _actor(request))


# --- a plan's history --------------------------------------------------------------------

# How each audited record hangs from a business plan (a filter path to the plan).
PLAN_PATHS = {
    "plans.BusinessPlan": "pk",
    "plans.PlanVersion": "plan",
    "plans.BudgetLine": "version__plan",
    "plans.CashFlowRow": "version__plan",
    "plans.ScreeningCheck": "version__plan",
    "plans.AppraisalAssignment": "version__plan",
    "plans.CriterionScore": "assignment__version__plan",
    "plans.CommitteeDecision": "version__plan",
    "plans.PlanDocument": "plan",
    "plans.TransitionLog": "alliance__plan",
    "alliances.Alliance": "plan",
    "funding.PurchaseAgreement": "alliance__plan",
    "funding.PurchaseAgreementVersion": "agreement__alliance__plan",
    "alliances.Delivery": "alliance__plan",
    "funding.GrantCommitment": "plan",
    "funding.Tranche": "commitment__plan",
    "funding.Payment": "tranche__commitment__plan",
    "funding.CounterpartContribution": "plan",
    "funding.LegalizationCheck": "alliance__plan",
}


def _models():
    for label, path in PLAN_PATHS.items():
        try:
            yield apps.get_model(label), path
        except LookupError:
            continue


def plan_history(plan) -> QuerySet:
    """Audit entries of the plan and of everything that hangs from it, newest first.

    A deleted record no longer leads to the plan through the database; its deletion entry
    is found through the parent it named (e.g. the version of a deleted budget line)."""
    content_types = ContentType.objects.get_for_models(*(model for model, _path in _models()))
    parent_ids: dict[str, list[str]] = {}
    q = Q()
    for model, path in _models():
        ct = content_types[model]
        if path == "pk":
            q |= Q(content_type=ct, object_id=plan.pk)
            continue
        rows = model._default_manager.filter(**{path: plan}).values("pk")
        q |= Q(content_type=ct, object_id__in=rows)
        first = path.split("__")[0]
        field = model._meta.get_field(first)
        if not field.concrete:  # a reverse relation: nothing recorded in the entry
            continue
        parent = field.related_model
        parent_label = parent._meta.label
        if parent_label not in parent_ids:
            parent_path = PLAN_PATHS.get(parent_label)
            if parent_path is None:
                continue
            if parent_path == "pk":
                parent_ids[parent_label] = [str(plan.pk)]
            else:
                pks = parent._default_manager.filter(**{parent_path: plan}).values_list(
                    "pk", flat=True
                )
                parent_ids[parent_label] = [str(pk) for pk in pks]
        if parent_ids[parent_label]:
            q |= Q(
                content_type=ct,
                action=LogEntry.Action.DELETE,
                **{f"changes__{first}__0__in": parent_ids[parent_label]},
            )
    return (
        LogEntry.objects.filter(q)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
