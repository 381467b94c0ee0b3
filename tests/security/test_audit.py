"""Audit history: entries written for changes made through the admin, a page and a
service; who may read a plan's history; payments and the transition log stay as written."""

import importlib
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.audit import AuditActorMiddleware, plan_history
from alliances.models import Region
from funding import services as money
from funding.models import Payment
from plans import services
from plans.models import BudgetLine, BusinessPlan, PlanStatus, TransitionLog
from tests.factories import UserFactory, attach_evidence

# Plans built here keep their audit history: the tests read it.
pytestmark = [pytest.mark.django_db, pytest.mark.audited]


def entries_for(obj):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).order_by("pk")


# --- entries are written -----------------------------------------------------------------


def test_change_through_the_admin_is_recorded_with_its_actor(admin_client, admin_user):
    region = Region.objects.create(code="ALI", name="Alibori", country="BJ")

    response = admin_client.post(
        reverse("admin:alliances_region_change", args=[region.pk]),
        {"code": "ALI", "name": "Borgou", "country": "BJ"},
    )

    assert response.status_code == 302
    entry = entries_for(region).last()
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert entry.changes == {"name": ["Alibori", "Borgou"]}


def test_change_through_a_page_is_recorded_with_its_actor(world, client):
    plan = world.build(PlanStatus.DRAFT)
    client.force_login(world.producer)

    response = client.post(reverse("plan-action", args=[plan.pk, "submit"]), {})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    entry = entries_for(plan).filter(action=LogEntry.Action.UPDATE).last()
    assert entry.actor == world.producer
    assert entry.changes["status"] == ["draft", "submitted"]


def test_service_call_outside_a_request_is_recorded_without_an_actor(world):
    plan = world.build(PlanStatus.SUBMITTED)

    updates = entries_for(plan).filter(action=LogEntry.Action.UPDATE)

    assert [e.changes["status"] for e in updates if "status" in e.changes] == [
        ["draft", "submitted"]
    ]
    assert {e.actor for e in updates} == {None}


def test_actor_is_known_when_the_view_authenticates_it_itself(world):
    """The API authenticates a token inside its view: the entry still names the user."""

    def view(request):
        request.user = world.officer  # what DRF does once it has read the token
        region = Region.objects.get(pk=world.region_a.pk)
        region.name = "Alibori Nord"
        region.save()
        return HttpResponse()

    request = RequestFactory().post("/api/v1/anything/")
    request.user = AnonymousUser()
    AuditActorMiddleware(view)(request)

    entry = entries_for(world.region_a).filter(action=LogEntry.Action.UPDATE).last()
    assert entry.actor == world.officer
    assert entry.changes == {"name": ["Alibori", "Alibori Nord"]}


def _selects(queries) -> list[str]:
    """The table each SELECT reads first (its FROM)."""
    found = (
        re.match(r'SELECT .*? FROM "(\w+)"', q["sql"], re.DOTALL) for q in queries.captured_queries
    )
    return [match.group(1) for match in found if match]


def test_a_steps_entries_name_the_record_without_reading_it_again(world):
    """A step's entries (the record's and its journal row's) name the record, "Tranche 1
    of Business plan of …", from the rows the step's lock read: its plan, alliance and
    commitment are not read again for them (a tranche step read six more rows)."""
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.get(number=1)
    attach_evidence(tranche, by=world.producer)

    with CaptureQueriesContext(connection) as queries:
        money.tranche_request(tranche=tranche, by=world.producer)

    read = _selects(queries)
    assert read.count("plans_businessplan") == 1  # the lock, with its alliance and programme
    assert "alliances_alliance" not in read
    assert "funding_grantcommitment" not in read
    log = TransitionLog.objects.get(transition="tranche_request", object_id=tranche.pk)
    named = f"Tranche 1 of Business plan of {plan.alliance}"
    assert entries_for(tranche).last().object_repr == named
    assert entries_for(log).get().changes["subject"] == ["None", named]

    with CaptureQueriesContext(connection) as queries:
        services.plan_suspend(plan=plan, by=world.officer, comment="Checked.")

    assert "alliances_alliance" not in _selects(queries)
    log = TransitionLog.objects.get(transition="suspend", object_id=plan.pk)
    assert entries_for(log).get().changes["subject"] == ["None", str(plan)]


def test_personal_data_is_masked_in_the_history(world):
    member = world.org_a.members.first()
    member.national_id = "BJ-1234567890"
    member.save()

    entry = entries_for(member).last()

    assert entry.changes["national_id"] == ["", "•••••••••••90"]
    assert "1234567890" not in str(LogEntry.objects.values_list("changes", flat=True))


# --- a plan's history page ---------------------------------------------------------------


@pytest.fixture
def submitted(world):
    return world.build(PlanStatus.SUBMITTED)


def test_officer_reads_the_plan_history(world, submitted, client):
    client.force_login(world.officer)

    response = client.get(reverse("plan-history", args=[submitted.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Draft → Submitted" in content
    assert "Maize sheller" in content  # the budget line's creation


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("producer", 403),
        ("ta", 403),
        ("buyer_user", 403),
        ("appraiser", 404),  # not assigned to it: the plan is not there for them (§9a)
        ("committee", 403),
        ("funder_user", 403),
        ("producer_b", 404),
        ("regional_officer", 404),  # region B; the plan is in region A
        ("outsider", 404),
    ],
)
def test_plan_history_access_by_role(world, submitted, client, persona, status):
    client.force_login(getattr(world, persona))

    assert client.get(reverse("plan-history", args=[submitted.pk])).status_code == status


def test_plan_history_for_administrators_and_not_for_anonymous(world, submitted, client):
    assert client.get(reverse("plan-history", args=[submitted.pk])).status_code == 302
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(reverse("plan-history", args=[submitted.pk])).status_code == 200
    assert client.get(reverse("plan-history", args=[10**9])).status_code == 404


def test_regional_officer_reads_the_history_of_plans_in_its_region(world, client):
    plan = world.build(PlanStatus.SUBMITTED, org=world.org_b)
    client.force_login(world.regional_officer)

    assert client.get(reverse("plan-history", args=[plan.pk])).status_code == 200


def test_history_keeps_deleted_budget_lines_and_leaves_other_plans_out(world):
    plan = world.build(PlanStatus.DRAFT)
    other = world.build(PlanStatus.DRAFT, org=world.org_b)
    line = BudgetLine.objects.get(version__plan=plan)
    line_pk = line.pk
    line.delete()

    history = plan_history(plan)

    deleted = history.filter(action=LogEntry.Action.DELETE)
    assert [(e.content_type.model, e.object_id) for e in deleted] == [("budgetline", line_pk)]
    other_line = BudgetLine.objects.get(version__plan=other)
    assert not history.filter(
        content_type=ContentType.objects.get_for_model(BudgetLine), object_id=other_line.pk
    ).exists()
    assert history.filter(
        content_type=ContentType.objects.get_for_model(BusinessPlan), object_id=plan.pk
    ).exists()


def test_log_entries_are_read_only_in_the_admin(world, admin_client, admin_user):
    plan = world.build(PlanStatus.DRAFT)
    entry = entries_for(plan).first()
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = admin.site._registry[LogEntry]

    assert (
        admin_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk])).status_code
        == 200
    )
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, entry) is False
    response = admin_client.post(
        reverse("admin:auditlog_logentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


# --- payments and the transition log stay as written -----------------------------------


@pytest.fixture
def paid(world):
    """The first tranche of an active plan, paid."""
    plan = world.build(PlanStatus.ACTIVE)
    tranche = plan.commitment.tranches.order_by("number").first()
    attach_evidence(tranche, by=world.producer)
    money.tranche_request(tranche=tranche, by=world.producer)
    money.tranche_verify(tranche=tranche, by=world.officer)
    money.tranche_authorize(tranche=tranche, by=world.finance2)
    return money.tranche_pay(
        tranche=tranche,
        by=world.finance,
        amount=tranche.amount,
        paid_on=timezone.localdate(),
        reference="PAY-SEC-1",
    )


@pytest.mark.parametrize("model", [Payment, TransitionLog], ids=lambda m: m.__name__)
def test_admin_refuses_to_edit_or_delete_records(world, paid, admin_client, model):
    obj = model._default_manager.order_by("pk").first()
    before = model._default_manager.filter(pk=obj.pk).values().get()
    opts = model._meta
    base = f"admin:{opts.app_label}_{opts.model_name}"

    change = admin_client.post(reverse(f"{base}_change", args=[obj.pk]), {"comment": "edited"})
    delete = admin_client.post(reverse(f"{base}_delete", args=[obj.pk]), {"post": "yes"})
    bulk = admin_client.post(
        reverse(f"{base}_changelist"),
        {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
    )

    assert (change.status_code, delete.status_code) == (403, 403)
    assert bulk.status_code in (200, 302)
    assert model._default_manager.filter(pk=obj.pk).values().get() == before


@pytest.fixture
def payment_trigger(db):
    """The trigger of funding's migration 0004. The suite builds its database without
    running migrations, so the test installs it with the migration's own code (inside the
    test's transaction: PostgreSQL rolls it back afterwards)."""
    migration = importlib.import_module("funding.migrations.0004_payment_immutable")
    with connection.schema_editor() as schema_editor:
        migration._run(migration.CREATE)(None, schema_editor)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_database_refuses_to_change_or_delete_a_payment(paid, payment_trigger):
    with pytest.raises(IntegrityError, match="never edited or deleted"), transaction.atomic():
        Payment.objects.filter(pk=paid.pk).update(amount=Decimal("1"))
    with pytest.raises(IntegrityError, match="never edited or deleted"), transaction.atomic():
        Payment.objects.filter(pk=paid.pk).delete()
    paid.refresh_from_db()
    assert paid.amount > Decimal("1")


def test_a_correction_is_a_reversal_and_leaves_the_payment_as_it_was(world, paid, payment_trigger):
    before = Payment.objects.filter(pk=paid.pk).values().get()

    reversal = money.payment_reverse(payment=paid, by=world.finance, reason="Wrong account")

    assert (reversal.kind, reversal.reverses_id, reversal.amount) == (
        Payment.Kind.REVERSAL,
        paid.pk,
        paid.amount,
    )
    assert Payment.objects.filter(pk=paid.pk).values().get() == before


def test_a_checklist_recorded_again_keeps_one_row_per_item_and_records_what_changed(world):
    """The screening checklist, recorded a second time with one answer changed: each item
    keeps its one row, with the new answer; the audit history has a creation entry for
    each item of the first recording and an update entry for the one answer changed."""
    plan = world.build(PlanStatus.SCREENING)
    checks = dict.fromkeys(services.MANUAL_SCREENING_CHECKS, (True, ""))
    services.screening_record(plan=plan, by=world.officer, checks=checks)
    rows = {check.code: check for check in plan.current_version.screening_checks.all()}
    changed = next(iter(services.MANUAL_SCREENING_CHECKS))

    services.screening_record(
        plan=plan, by=world.officer, checks={**checks, changed: (False, "Site flooded.")}
    )

    again = {check.code: check for check in plan.current_version.screening_checks.all()}
    assert {code: check.pk for code, check in again.items()} == {
        code: check.pk for code, check in rows.items()
    }
    assert (again[changed].passed, again[changed].note) == (False, "Site flooded.")
    assert [entry.action for entry in entries_for(again[changed])] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
    ]
    assert entries_for(again[changed]).last().changes == {
        "passed": ["True", "False"],
        "note": ["", "Site flooded."],
    }
    untouched = next(code for code in again if code != changed)
    assert [entry.action for entry in entries_for(again[untouched])] == [LogEntry.Action.CREATE]
