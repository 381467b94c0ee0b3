import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from alliances.models import PurchaseAgreement
from funding.models import Program, Tranche
from plans.models import BusinessPlan, PlanStatus

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
        if model._meta.app_label not in {"accounts", "alliances", "funding", "plans"}:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.get_internal_type() != "DateTimeField" and f.attname != "password"
        ]
        rows[model._meta.label] = sorted(model.objects.values_list(*fields), key=repr)
    return rows


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_load_demo_twice_gives_the_same_database(demo):
    before = snapshot()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
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
        assert authenticate(username=username, password="demo") is not None, username


def test_demo_password_comes_from_the_environment_setting(db, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "another-demo-password"
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert authenticate(username="officer", password="another-demo-password") is not None
    assert authenticate(username="officer", password="demo") is None


def test_load_demo_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Program.objects.exists()
    call_command("load_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Program.objects.count() == 2
