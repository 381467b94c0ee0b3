"""Each person's "my tasks" (accounts/worklist.py and the sources each app registers):
every step of the step tables that waits for a person has a task; each task shows to the
person who acts, leads to the form where it is done, disappears once the step is taken,
and never shows to someone outside the reader's scope (a regional officer of another
region, the other organization, a buyer of another alliance). The counts are one query,
kept per user until a step concerns them, and a cache outage never fails a page."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import steps
from accounts.models import Role, User
from accounts.worklist import figures_for, queue_of, tasks_for, with_items
from alliances.deliveries import delivery_dispute, delivery_record
from funding import services as money
from funding.agreements import agreement_confirm, agreement_draft, agreement_send
from monitoring.models import MonitoringReport
from monitoring.services import report_accept, report_return, report_submit
from plans import services
from plans.models import PlanStatus as S
from tests.factories import fill_report, first_deposit, member_of
from tests.funding.support import D, pdf, to_status, tranches

# Steps no one waits for: a person takes them on their own initiative (propose, record,
# withdraw), the ministry decides them when it must (suspend, resume, cancel), or they
# are an alternative answer to a task that is there (decline, dispute, return).
NOT_WAITING = {
    ("plans.BusinessPlan", "withdraw"),
    ("plans.BusinessPlan", "suspend"),
    ("plans.BusinessPlan", "resume"),
    ("plans.BusinessPlan", "cancel"),
    ("funding.CounterpartContribution", "record"),
    ("alliances.Delivery", "record"),
}


def _all_tasks(world):
    people = [getattr(world, name) for name in (
        "producer", "ta", "buyer_user", "officer", "appraiser", "committee", "finance",
        "me_officer",
    )]  # fmt: skip
    return [task for person in people for task in queue_of(person)]


def test_every_step_that_waits_for_a_person_has_a_task(world):
    covered = {step for task in _all_tasks(world) for step in task.covers}
    waiting = {
        (model, step.name)
        for model, table in steps.tables().items()
        for step in table.all
        if not step.system and step.sources
    }
    creating = {
        (model, step.name)
        for model, table in steps.tables().items()
        for step in table.all
        if not step.sources
    }
    assert waiting - covered - NOT_WAITING == set()
    assert creating <= NOT_WAITING


def counts(user) -> dict[str, int]:
    return {task.key: task.count for task in tasks_for(user)}


def items(user, key: str) -> list:
    task = next(t for t in with_items(tasks_for(user)) if t.key == key)
    return task.items


# --- the plan's stages -----------------------------------------------------------------------


def test_the_officer_screens_in_the_checklist_and_the_task_goes(client, world):
    plan = world.build(S.SUBMITTED)
    other_region = world.build(S.SUBMITTED, org=world.org_b)
    assert counts(world.officer)["to_screen"] == 2
    # The regional officer (region B) sees the plan of its region only.
    assert counts(world.regional_officer)["to_screen"] == 1
    [mine] = items(world.regional_officer, "to_screen")
    assert mine.url == reverse("plan-screening", args=[other_region.pk])
    assert "to_screen" not in counts(world.producer)
    # "Start screening" lands on the screening checklist.
    client.force_login(world.officer)
    response = client.post(
        reverse("plan-action", args=[plan.pk, "start_screening"]), {"start_screening-comment": ""}
    )
    assert response.url == reverse("plan-screening", args=[plan.pk])
    services.plan_fail_screening(plan=plan, by=world.officer, comment="Not eligible.")
    assert counts(world.officer)["to_screen"] == 1


def test_the_producer_sees_the_reason_of_the_revision_on_its_task(world):
    plan = world.build(S.SCREENING)
    services.plan_request_revision(
        plan=plan, by=world.officer, comment="The budget lacks the warehouse roof."
    )
    [item] = items(world.producer, "to_revise")
    assert (item.url, item.note) == (
        reverse("plan-edit", args=[plan.pk]),
        "The budget lacks the warehouse roof.",
    )
    assert [i.note for i in items(world.ta, "to_revise")] == [
        "The budget lacks the warehouse roof."
    ]
    assert counts(world.producer_b)["to_revise"] == 0
    services.plan_resubmit(plan=plan, by=world.producer)
    assert counts(world.producer)["to_revise"] == 0


def test_appraisers_and_the_committee_have_their_plans(world):
    plan = world.build(S.APPRAISAL)
    assignment = services.appraisal_assign(plan=plan, appraiser=world.appraiser, by=world.officer)
    assert counts(world.appraiser)["to_score"] == 1
    assert counts(world.appraiser2)["to_score"] == 0
    [item] = items(world.appraiser, "to_score")
    assert (item.url, item.note) == (
        reverse("appraisal", args=[assignment.pk]),
        "declaration of no conflict of interest pending",
    )
    at_committee = world.build(S.COMMITTEE)
    assert counts(world.committee)["to_decide"] == 1
    [item] = items(world.committee, "to_decide")
    assert item.url == reverse("plan-decision", args=[at_committee.pk])
    services.plan_reject(plan=at_committee, by=world.committee, comment="Weak market.")
    assert counts(world.committee)["to_decide"] == 0


# --- money ----------------------------------------------------------------------------------


def test_tranche_requests_and_contributions_wait_for_the_officer(world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    to_status(world, first, "requested")
    contribution = money.contribution_record(
        plan=plan,
        by=world.producer,
        kind="producer_in_kind",
        amount=D("500000"),
        contributed_on=timezone.localdate(),
        description="Labour",
        upload=pdf(),
    )
    assert (counts(world.officer)["to_verify_tranche"], counts(world.officer)["to_verify_contribution"]) == (1, 1)  # fmt: skip
    assert items(world.officer, "to_verify_tranche")[0].url == (
        reverse("plan-disbursement", args=[plan.pk]) + "#tranche-1"
    )
    assert items(world.officer, "to_verify_contribution")[0].url == (
        reverse("plan-disbursement", args=[plan.pk]) + f"#contribution-{contribution.pk}"
    )
    # Region B's officer does not see region A's money.
    regional = counts(world.regional_officer)
    assert (regional["to_verify_tranche"], regional["to_verify_contribution"]) == (0, 0)
    money.tranche_verify(tranche=first, by=world.officer)
    money.contribution_verify(contribution=contribution, by=world.officer)
    assert (counts(world.officer)["to_verify_tranche"], counts(world.officer)["to_verify_contribution"]) == (0, 0)  # fmt: skip
    # Verified: finance authorizes (not the verifier), then a third person pays.
    assert counts(world.finance)["to_disburse"] == 1
    money.tranche_authorize(tranche=first, by=world.finance2)
    assert (counts(world.finance)["to_disburse"], counts(world.finance2)["to_disburse"]) == (1, 0)
    money.tranche_pay(
        tranche=first, by=world.finance, amount=first.amount, paid_on=timezone.localdate(), reference="P-1"
    )  # fmt: skip
    assert counts(world.finance)["to_disburse"] == 0
    assert "to_disburse" not in counts(world.officer)


def test_the_producer_requests_the_next_tranche_once_its_condition_holds(world):
    plan = world.build(S.ACTIVE)
    first, second, _third = tranches(plan)
    [item] = items(world.producer, "to_request_tranche")
    assert item.url == reverse("plan-disbursement", args=[plan.pk]) + "#tranche-1"
    assert counts(world.producer_b)["to_request_tranche"] == 0
    to_status(world, first, "requested")
    # Tranche 2 waits for tranche 1 paid: no task meanwhile.
    assert counts(world.producer)["to_request_tranche"] == 0
    to_status_paid = money.tranche_verify(tranche=first, by=world.officer)
    money.tranche_authorize(tranche=to_status_paid, by=world.finance2)
    money.tranche_pay(
        tranche=first, by=world.finance, amount=first.amount, paid_on=timezone.localdate(), reference="P-1"
    )  # fmt: skip
    # Paid, but a monitoring report fell due since tranche 1 was requested, not accepted.
    report = MonitoringReport.objects.create(
        alliance=plan.alliance,
        period_start=timezone.localdate() - datetime.timedelta(days=90),
        period_end=timezone.localdate() - datetime.timedelta(days=1),
        due_on=timezone.localdate(),
    )
    assert counts(world.producer)["to_request_tranche"] == 0
    MonitoringReport.objects.filter(pk=report.pk).update(status=MonitoringReport.Status.ACCEPTED)
    [item] = items(world.producer, "to_request_tranche")
    assert item.url.endswith("#tranche-2")
    assert tranches(plan)[1].pk == second.pk


def test_a_plan_without_its_first_deposit_has_no_tranche_to_request(world):
    plan = world.build(S.APPROVED)
    world.builder.step(plan, "agree", world.producer)
    services.plan_sign_agreement(plan=plan, by=world.officer)
    assert counts(world.producer)["to_request_tranche"] == 0
    first_deposit(world, plan, producer=world.producer)
    assert counts(world.producer)["to_request_tranche"] == 1


# --- agreements, deliveries, monitoring reports -----------------------------------------------


def test_the_buyer_confirms_agreements_and_deliveries_of_its_alliances_only(world):
    plan = world.build(S.APPROVED)
    assert counts(world.producer)["to_send_agreement"] == 1
    agreement = agreement_draft(
        alliance=plan.alliance, by=world.producer, product=world.product, unit="kg",
        annual_volume=D("100000"), unit_price=D("250"), duration_months=36,
    )  # fmt: skip
    agreement_send(agreement=agreement, by=world.producer)
    assert counts(world.producer)["to_send_agreement"] == 0
    assert counts(world.buyer_user)["to_confirm_agreement"] == 1
    [item] = items(world.buyer_user, "to_confirm_agreement")
    assert item.url == reverse("plan-agreement", args=[plan.pk])
    agreement_confirm(agreement=agreement, by=world.buyer_user)
    assert counts(world.buyer_user)["to_confirm_agreement"] == 0

    active = world.build(S.ACTIVE)
    delivery = delivery_record(
        alliance=active.alliance, by=world.producer, delivered_on=timezone.localdate(),
        volume=D("1200"), quality_grade="A", unit_price=D("250"),
    )  # fmt: skip
    assert counts(world.buyer_user)["to_confirm_delivery"] == 1
    [item] = items(world.buyer_user, "to_confirm_delivery")
    assert item.url == (
        reverse("monitoring:deliveries", args=[active.pk]) + f"#delivery-{delivery.pk}"
    )
    delivery_dispute(delivery=delivery, by=world.buyer_user, comment="Moisture at 16 %.")
    assert counts(world.buyer_user)["to_confirm_delivery"] == 0
    assert [i.note for i in items(world.producer, "to_correct_delivery")] == ["Moisture at 16 %."]
    # Another organization's producer and an outsider have none of it.
    assert counts(world.producer_b)["to_correct_delivery"] == 0
    assert tasks_for(world.outsider) == []


def test_me_officer_reviews_submitted_reports_and_chases_overdue_ones(world):
    plan = world.build(S.ACTIVE)
    today = timezone.localdate()
    report = MonitoringReport.objects.create(
        alliance=plan.alliance,
        period_start=today - datetime.timedelta(days=130),
        period_end=today - datetime.timedelta(days=40),
        due_on=today - datetime.timedelta(days=10),
    )
    assert counts(world.me_officer)["to_chase_report"] == 1
    assert counts(world.producer)["to_report"] == 1
    [item] = items(world.producer, "to_report")
    assert item.url == reverse("monitoring:report", args=[report.pk])
    fill_report(report, by=world.producer)
    report_submit(report=report, by=world.producer)
    assert (counts(world.me_officer)["to_review_report"], counts(world.me_officer)["to_chase_report"]) == (1, 0)  # fmt: skip
    report_return(report=report, by=world.me_officer, comment="Women trained are missing.")
    assert [i.note for i in items(world.producer, "to_report")] == ["Women trained are missing."]
    report_submit(report=report, by=world.producer)
    report_accept(report=report, by=world.me_officer)
    assert counts(world.me_officer)["to_review_report"] == 0
    assert counts(world.producer)["to_report"] == 0


# --- one query, cached, and a cache outage ----------------------------------------------------


def test_the_counts_are_one_query_whatever_the_tasks(world):
    world.build(S.SUBMITTED)
    for user in (world.officer, world.producer, world.finance, world.me_officer):
        queue = queue_of(user)  # the memberships, read once per user
        with CaptureQueriesContext(connection) as captured:
            tasks_for(user)
        # all the counts of all the user's tasks in one query
        assert len(captured) == 1, (user, [q["sql"][:80] for q in captured])
        assert captured[0]["sql"].startswith("SELECT (SELECT COUNT(*) FROM")
        assert [t.key for t in tasks_for(user)] == [t.key for t in queue]


def test_counts_are_kept_per_user_and_forgotten_at_a_step(world, settings):
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    plan = world.build(S.SUBMITTED)
    assert counts(world.officer)["to_screen"] == 1
    with CaptureQueriesContext(connection) as captured:
        assert counts(world.officer)["to_screen"] == 1
    assert len(captured) == 0  # the counts come from the cache
    # A step on the alliance concerns the officer: its counts are read again.
    services.plan_start_screening(plan=plan, by=world.officer)
    services.plan_fail_screening(plan=plan, by=world.officer, comment="Not eligible.")
    assert counts(world.officer)["to_screen"] == 0
    cache.clear()


def test_a_proposal_is_counted_at_once_though_it_is_no_step(world, settings):
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    assert counts(world.producer).get("to_submit", 0) == 0
    world.build(S.DRAFT)  # alliance_propose, then the budget: no step
    assert counts(world.producer)["to_submit"] == 1
    cache.clear()


def test_the_stage_figures_are_kept_and_forgotten_at_a_step(world, settings):
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    plan = world.build(S.SUBMITTED)

    def stages(user) -> dict[str, str]:
        return {f.url.rsplit("=", 1)[1]: f.value for f in figures_for(user) if "status=" in f.url}

    assert (stages(world.officer)["submitted"], stages(world.officer)["screening"]) == ("1", "0")
    with CaptureQueriesContext(connection) as captured:
        stages(world.officer)
    assert len(captured) == 0  # kept
    services.plan_start_screening(plan=plan, by=world.officer)
    assert (stages(world.officer)["submitted"], stages(world.officer)["screening"]) == ("0", "1")
    # A committee role added without a step brings its figures, counted afresh.
    member_of(world.officer, Role.COMMITTEE_MEMBER)
    officer = User.objects.get(pk=world.officer.pk)
    assert stages(officer)["rejected"] == "0"
    cache.clear()


def test_kept_counts_are_counted_again_when_the_tasks_change(world, settings):
    # A new role brings new tasks, with no step to forget the kept counts: counts kept
    # for other tasks are not taken for these.
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    cache.clear()
    world.build(S.SUBMITTED)
    world.build(S.COMMITTEE)
    assert "to_decide" not in counts(world.officer)
    with CaptureQueriesContext(connection) as captured:
        assert counts(world.officer)["to_screen"] == 1
    assert len(captured) == 0  # kept
    member_of(world.officer, Role.COMMITTEE_MEMBER)  # no step: nothing is forgotten
    officer = User.objects.get(pk=world.officer.pk)  # as the next request loads it
    assert counts(officer)["to_decide"] == 1
    cache.clear()


def test_a_cache_outage_never_fails_a_page(client, world, settings):
    settings.TASK_COUNTS_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    plan = world.build(S.SUBMITTED)
    client.force_login(world.officer)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert [(t.key, t.count) for t in response.context["my_tasks"]][0] == ("to_screen", 1)
    services.plan_start_screening(plan=plan, by=world.officer)  # forgetting fails open too
