import datetime
import re
from collections import defaultdict
from io import StringIO
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone, translation

from accounts.models import Notification, User
from alliances.models import Alliance, Delivery, Member, Product, ValueChain
from core.dates import add_months
from demo.data import PLANS
from demo.monitoring import STORIES
from demo.notifications import UNREAD_PER_USER
from funding.models import Payment, Program, PurchaseAgreement, Tranche
from monitoring.models import (
    IndicatorBaseline,
    IndicatorTarget,
    IndicatorValue,
    MonitoringReport,
    RevolvingFundEntry,
)
from monitoring.selectors import indicators_for
from plans.models import BusinessPlan, PlanStatus, TransitionLog
from reports.models import ReportJob
from tests.api import demo_journey

DEMO_USERS = [
    "producer",
    "producer_b",
    "buyer",
    "ta_provider",
    "officer",
    "regional_officer",
    "appraiser",
    "appraiser2",
    "committee",
    "finance",
    "finance2",
    "me_officer",
    "funder",
    "admin",
]


def snapshot():
    """Every row of every model of the project's apps, without timestamps."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"accounts", "alliances", "funding", "plans", "monitoring"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() != "DateTimeField" and f.attname != "password"
        ]
        rows[model._meta.label] = sorted(model.objects.values_list(*fields), key=repr)
    return rows


PASSWORD = "another-demo-password"


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for this module's tests in a transaction rolled back at the
    module's end; each test runs in a savepoint of it, so each starts from the demo as
    loaded (loading it is the slowest thing these tests do). It is loaded as an operator
    would on a server: refused while DEBUG is off, then forced, with DEMO_PASSWORD set.
    What the load itself did (the refusal, the e-mails sent) is kept for the tests."""
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            DEBUG=False,
            DEMO_PASSWORD=PASSWORD,
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        with pytest.raises(CommandError, match="DEBUG is off"):
            call_command("load_demo")
        refused_programmes = Program.objects.count()
        sent = len(mail.outbox)
        call_command("load_demo", "--force", stdout=StringIO())
        yield SimpleNamespace(
            refused_programmes=refused_programmes, emails=mail.outbox[sent:], media=media
        )
        transaction.set_rollback(True)


@pytest.fixture
def _private_media():
    """The demo's files stay in the module's folder (`_demo_once`)."""


@pytest.fixture
def demo(_demo_once, db, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = PASSWORD
    settings.MEDIA_ROOT = _demo_once.media
    return _demo_once


def test_load_demo_refuses_when_debug_is_off_and_forced_takes_the_password_setting(demo):
    assert demo.refused_programmes == 0
    assert Program.objects.count() == 2
    assert authenticate(username="officer", password=PASSWORD) is not None
    assert authenticate(username="officer", password="demo") is None


def test_load_demo_twice_gives_the_same_database(demo):
    """Every row of the project's apps, monitoring's included, is the same after a second
    load."""
    before = snapshot()
    call_command("load_demo", stdout=StringIO())
    assert snapshot() == before
    assert sum(len(r) for r in before.values()) > 1000


def test_demo_content(demo):
    """Plans, tranches and agreements in every state; budgets hold; every user signs in."""
    assert set(BusinessPlan.objects.values_list("status", flat=True)) == set(PlanStatus.values)
    assert set(Tranche.objects.values_list("status", flat=True)) == set(Tranche.Status.values)
    assert set(PurchaseAgreement.objects.values_list("status", flat=True)) == set(
        PurchaseAgreement.Status.values
    )
    assert sorted(Program.objects.values_list("code", "currency")) == [
        ("BJ-PADAAM", "XOF"),
        ("CO-PAAP", "COP"),
    ]
    for program in Program.objects.all():
        assert program.committed <= program.total_budget
        for commitment in program.commitments.all():
            assert sum(t.amount for t in commitment.tranches.all()) in (0, commitment.amount)
    for username in DEMO_USERS:
        assert authenticate(username=username, password=PASSWORD) is not None, username


def test_demo_monitoring_in_every_state_in_both_programmes(demo):
    """Reports and deliveries in each of their states, per programme, through the services."""
    today = timezone.localdate()
    for code in ("BJ-PADAAM", "CO-PAAP"):
        reports = MonitoringReport.objects.filter(alliance__program__code=code)
        assert set(reports.values_list("status", flat=True)) == set(MonitoringReport.Status.values)
        due = reports.filter(status=MonitoringReport.Status.DUE, period_end__lt=today)
        assert due.filter(due_on__lt=today).exists(), code  # overdue
        assert due.filter(due_on__gte=today).exists(), code  # period over, still in time
        assert reports.filter(status=MonitoringReport.Status.ACCEPTED).count() >= 3
        assert reports.filter(status="returned").exclude(return_reason="").exists()
        deliveries = Delivery.objects.filter(alliance__program__code=code)
        assert set(deliveries.values_list("status", flat=True)) == set(Delivery.Status.values)
        corrected = deliveries.filter(status="confirmed").exclude(dispute_reason="")
        assert corrected.exists(), code  # disputed, corrected, then confirmed
        assert RevolvingFundEntry.objects.filter(
            fund__organization__alliances__program__code=code, kind="loan"
        ).exists()
        assert RevolvingFundEntry.objects.filter(
            fund__organization__alliances__program__code=code, kind="repayment"
        ).exists()
    for report in MonitoringReport.objects.filter(status=MonitoringReport.Status.ACCEPTED):
        # Every indicator has its value, computed ones included.
        assert report.values.count() == len(indicators_for(report.alliance)), report
        assert report.narrative
        assert report.reviewed_by.username == "me_officer"
    # Values grow over time: members trained in the oldest and newest accepted report.
    accepted = MonitoringReport.objects.filter(
        status="accepted", alliance__plan__status=PlanStatus.MONITORING
    ).order_by("period_start")
    first, last = (
        IndicatorValue.objects.get(report=r, indicator__code="members_trained")
        for r in (accepted.first(), accepted.last())
    )
    assert last.value > first.value and last.women is not None and last.youth is not None
    sales = IndicatorValue.objects.filter(
        report__in=accepted, indicator__code="sales_volume", value__gt=0
    )
    assert sales.count() == accepted.count()
    # At most one report per period, and periods do not overlap.
    for plan in BusinessPlan.objects.filter(status__in=["active", "monitoring", "completed"]):
        periods = list(plan.alliance.monitoring_reports.order_by("period_start"))
        for before, after in zip(periods, periods[1:], strict=False):
            assert before.period_end < after.period_start
        assert IndicatorBaseline.objects.filter(alliance=plan.alliance).count() == 9
        assert IndicatorTarget.objects.filter(alliance=plan.alliance, year=None).count() == 9
    completed = BusinessPlan.objects.get(status=PlanStatus.COMPLETED).alliance
    assert not completed.monitoring_reports.exclude(status="accepted").exists()


def test_demo_members_have_distinct_names(demo):
    """A roster reads like a real one: no name twice in a programme, and Colombians carry
    two family names."""
    for country in ("BJ", "CO"):
        names = list(
            Member.objects.filter(organization__region__code__startswith=country).values_list(
                "name", flat=True
            )
        )
        assert len(names) == len(set(names)) > 100, country
    colombian = Member.objects.filter(organization__region__code__startswith="CO")
    assert all(len(name.split()) >= 3 for name in colombian.values_list("name", flat=True))


def plan_of(key: str) -> BusinessPlan:
    """The demo plan `key` of demo/data.py's PLANS (its alliance bears the plan's name)."""
    name = next(row[5] for row in PLANS if row[0] == key)
    return Alliance.objects.get(name=name).plan


def test_demo_journals_run_in_workflow_order_over_months(demo):
    """Each record's journal goes from state to state in order; nothing is dated in the
    future; a plan's steps are days apart; the alliances started at different dates, the
    oldest about two years ago, and the latest steps were taken in the last days."""
    now = timezone.now()
    logs = TransitionLog.objects.order_by("at", "id")
    assert logs.count() > 250
    assert not logs.filter(at__gt=now).exists()
    journals = defaultdict(list)
    for log in logs:
        journals[(log.content_type_id, log.object_id)].append(log)
    for journal in journals.values():
        for before, after in pairwise(journal):
            assert after.from_state == before.to_state, (before, after)
    plans = BusinessPlan.objects.exclude(status=PlanStatus.DRAFT)
    for plan in plans:
        steps = list(logs.filter(content_type__model="businessplan", object_id=plan.pk))
        assert steps, plan
        assert steps[0].at - plan.created_at >= datetime.timedelta(days=4)
        for before, after in pairwise(steps):
            assert after.at - before.at >= datetime.timedelta(days=1), (before, after)
    first_steps = [logs.filter(alliance=plan.alliance).first().at for plan in plans]
    assert len({timezone.localdate(at) for at in first_steps}) >= len(first_steps) - 2
    assert now - min(first_steps) > datetime.timedelta(days=700)
    assert now - logs.last().at < datetime.timedelta(days=3)
    # Plans still under way moved over the last weeks.
    for plan in BusinessPlan.objects.filter(
        status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.SCREENING]
    ):
        assert now - plan.created_at < datetime.timedelta(days=45), plan


def test_demo_story_alliances_were_signed_months_ago_and_proposed_before(demo):
    """An alliance signed N months ago, as its monitoring story says, was proposed four
    to five months before; its tranches were requested and paid after the signing."""
    today = timezone.localdate()
    for story in STORIES:
        plan = plan_of(story.key)
        signing = TransitionLog.objects.get(alliance=plan.alliance, transition="sign_agreement").at
        assert timezone.localdate(signing) == add_months(today, -story.months_ago), story
        assert 120 <= (signing - plan.created_at).days <= 160, (story, plan.created_at)
        tranches = Tranche.objects.filter(commitment__plan=plan)
        for tranche in tranches.exclude(requested_at=None):
            assert tranche.requested_at > signing
        for payment in Payment.objects.filter(tranche__in=tranches):
            assert payment.paid_on > timezone.localdate(signing)
            assert payment.paid_on >= timezone.localdate(payment.tranche.requested_at)


def test_demo_monitoring_happens_after_the_periods_it_reports(demo):
    """A report is submitted after its period ends and reviewed after it was submitted;
    a delivery is recorded after it left; notifications are dated like their steps."""
    now = timezone.now()
    reports = MonitoringReport.objects.exclude(submitted_at=None)
    assert reports.count() >= 15
    for report in reports:
        assert report.period_end < timezone.localdate(report.submitted_at) < report.due_on
        assert report.submitted_at < now
        if report.reviewed_at:
            assert report.submitted_at < report.reviewed_at < now
    for delivery in Delivery.objects.all():
        recorded = TransitionLog.objects.get(
            content_type__model="delivery", object_id=delivery.pk, transition="delivery_record"
        )
        assert timezone.localdate(recorded.at) > delivery.delivered_on
    notifications = Notification.objects.select_related("transition_log")
    assert notifications.count() > 100
    for notification in notifications:
        assert abs(notification.created_at - notification.transition_log.at) < (
            datetime.timedelta(minutes=1)
        )
        assert notification.read_at is None or notification.created_at < notification.read_at


def test_demo_plan_history_shows_the_dates_of_its_changes(demo, client):
    """The history page of an alliance signed over a year ago lists its changes over
    many days, months apart, none in the future."""
    plan = plan_of("bj_monitoring")
    client.force_login(User.objects.get(username="officer"))
    shown = []
    for page in (1, 2, 3):
        response = client.get(f"/plans/{plan.pk}/history/", {"page": page})
        assert response.status_code == 200
        shown += re.findall(r'<time datetime="([^"]+)"', response.content.decode())
        if not response.context["page"].has_next():
            break
    moments = [datetime.datetime.fromisoformat(value) for value in shown]
    assert len({moment.date() for moment in moments}) >= 10
    assert max(moments) <= timezone.now()
    assert max(moments) - min(moments) > datetime.timedelta(days=90)


def test_demo_notifications_some_read_none_emailed(demo):
    """Every demo user with notifications has a few unread ones; none is e-mailed."""
    per_user = Notification.objects.values("recipient__username").annotate(
        total=Count("id"), unread=Count("id", filter=Q(read_at__isnull=True))
    )
    assert {row["recipient__username"] for row in per_user} >= {
        "producer",
        "producer_b",
        "officer",
        "regional_officer",
        "committee",
        "finance",
    }
    for row in per_user:
        assert row["unread"] == min(row["total"], UNREAD_PER_USER), row
    assert Notification.objects.filter(read_at__isnull=False).count() > 0
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert demo.emails == []
    # Each transition's people were told: one notification per recipient and event.
    assert Notification.objects.filter(transition_log__isnull=True).count() == 0
    # Each says its step with both states, or the one of a step that creates its record;
    # never an empty state, never a code, in any language.
    notices = list(Notification.objects.select_related("alliance", "transition_log"))
    for language in ("en", "fr", "es"):
        with translation.override(language):
            wrong = [n.text for n in notices if re.search(r"\( →|→ \)|\b[a-z]+_[a-z_]+\b", n.text)]
        assert wrong == []


def test_load_demo_leaves_a_ready_report_of_each_available_kind(demo):
    jobs = ReportJob.objects.order_by("kind")
    assert [(j.kind, j.status, j.requester.username) for j in jobs] == [
        ("alliance_factsheet_pdf", "succeeded", "producer"),
        ("committee_dossier_pdf", "succeeded", "committee"),
        ("disbursement_ledger_csv", "succeeded", "finance"),
        ("disbursement_ledger_xlsx", "succeeded", "finance"),
        ("portfolio_pdf", "succeeded", "officer"),
        ("portfolio_xlsx", "succeeded", "funder"),
    ]
    assert all(j.file.storage.exists(j.file.name) for j in jobs)
    call_command("load_demo", stdout=StringIO())
    assert ReportJob.objects.count() == 6


def test_the_demo_names_its_value_chains_and_products_in_three_languages(demo):
    coffee = ValueChain.objects.get(code="COFFEE")
    assert (coffee.name_en, coffee.name_fr, coffee.name_es) == ("Coffee", "Café", "Café")
    for product in Product.objects.all():
        assert all((product.name_en, product.name_fr, product.name_es)), product.pk
        assert " / " not in product.name_en


def test_the_demo_users_go_from_proposal_to_first_payment_through_the_api(demo):
    """The demo users of DESIGN.md §11, signed in with the demo password, take one new
    alliance from its proposal to the first payment of its grant through the API alone
    (tests/api/demo_journey.py)."""
    demo_journey.walk(PASSWORD)
