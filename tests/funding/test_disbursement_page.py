"""The disbursement page: who may open it, which buttons the policy gives each persona,
and every action through the page, allowed and refused, the refusals changing nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from funding import services as money
from funding.models import CounterpartContribution, Payment
from plans.models import PlanStatus
from tests.factories import UserFactory, attach_evidence, member_of

from .support import XOF, act, days_ago, exe, page, pdf, snapshot, to_status, tranches

D = Decimal
S = PlanStatus
# Most tests begin with a plan in this status: built once for the module.
pytestmark = pytest.mark.prebuilt(S.ACTIVE)


def forms_of(response) -> dict:
    """{tranche number: [actions offered]} read from the page's context."""
    return {row.tranche.number: [f.action for f in row.forms] for row in response.context["rows"]}


# --- who may open it ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["producer", "ta", "officer", "finance", "me_officer", "funder_user"]
)
def test_the_alliance_and_its_staff_read_the_page(client, world, who):
    plan = world.build(S.ACTIVE)
    response = page(client, getattr(world, who), "plan-disbursement", plan.pk)
    assert response.status_code == 200
    assert [r.tranche.amount for r in response.context["rows"]] == [
        D("4666666"),
        D("4666666"),
        D("4666668"),
    ]


@pytest.mark.parametrize(("who", "status"), [("buyer_user", 403), ("appraiser", 403),
                                             ("producer_b", 404), ("regional_officer", 404),
                                             ("outsider", 404)])  # fmt: skip
def test_others_are_refused(client, world, who, status):
    plan = world.build(S.ACTIVE)
    assert page(client, getattr(world, who), "plan-disbursement", plan.pk).status_code == status


def test_no_page_before_a_grant_is_committed(client, world):
    plan = world.build(S.COMMITTEE)
    assert page(client, world.officer, "plan-disbursement", plan.pk).status_code == 404


def test_before_signing_the_page_says_so(client, world):
    plan = world.build(S.APPROVED)
    response = page(client, world.officer, "plan-disbursement", plan.pk)
    assert response.status_code == 200
    assert (
        "The tranche schedule is created when the agreement is signed." in response.content.decode()
    )
    assert response.context["ledger"].committed == D("14000000")


def test_anonymous_is_sent_to_sign_in(client, world):
    plan = world.build(S.ACTIVE)
    response = client.get(reverse("plan-disbursement", args=[plan.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_get_writes_nothing(client, world):
    plan = world.build(S.ACTIVE)
    before = snapshot(plan)
    for who in (world.producer, world.officer, world.finance):
        page(client, who, "plan-disbursement", plan.pk)
    assert snapshot(plan) == before


# --- buttons follow the policy ----------------------------------------------------------------


def test_buttons_follow_the_policy(client, world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    producer = page(client, world.producer, "plan-disbursement", plan.pk)
    assert forms_of(producer) == {1: ["evidence"], 2: ["evidence"], 3: ["evidence"]}
    assert [r.notes for r in producer.context["rows"]] == [
        ["Attach at least one evidence document before requesting tranche 1."],
        ["Tranche 1 must be paid before tranche 2 is requested."],
        ["Tranche 2 must be paid before tranche 3 is requested."],
    ]
    assert forms_of(page(client, world.officer, "plan-disbursement", plan.pk)) == {
        1: [],
        2: [],
        3: [],
    }

    attach_evidence(first, by=world.producer)
    assert forms_of(page(client, world.ta, "plan-disbursement", plan.pk))[1] == [
        "evidence",
        "request",
    ]

    money.tranche_request(tranche=first, by=world.producer)
    assert forms_of(page(client, world.producer, "plan-disbursement", plan.pk))[1] == []
    assert forms_of(page(client, world.officer, "plan-disbursement", plan.pk))[1] == ["verify"]
    assert forms_of(page(client, world.finance, "plan-disbursement", plan.pk))[1] == []
    money.tranche_verify(tranche=first, by=world.officer)
    assert forms_of(page(client, world.finance, "plan-disbursement", plan.pk))[1] == ["authorize"]
    money.tranche_authorize(tranche=first, by=world.finance)
    assert forms_of(page(client, world.finance2, "plan-disbursement", plan.pk))[1] == ["pay"]
    assert forms_of(page(client, world.funder_user, "plan-disbursement", plan.pk))[1] == []


def test_the_verifier_sees_why_someone_else_authorizes(client, world):
    both = member_of(UserFactory(username="both"), Role.PROGRAMME_OFFICER)
    member_of(both, Role.FINANCE_OFFICER)
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "verified", verifier=both)
    response = page(client, both, "plan-disbursement", plan.pk)
    assert forms_of(response)[1] == []
    assert response.context["rows"][0].notes == [
        "You verified this tranche: another finance officer must authorize it."
    ]
    before = snapshot(plan)

    response = act(client, both, plan, "authorize", first.pk, comment="")

    assert response.status_code == 403
    assert snapshot(plan) == before
    response = act(client, world.finance, plan, "authorize", first.pk, comment="")
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.verified_by, first.authorized_by) == (
        "authorized",
        both,
        world.finance,
    )


# --- the tranche journey through the page -------------------------------------------------


def test_request_verify_authorize_pay_through_the_page(client, world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    url = reverse("plan-disbursement", args=[plan.pk])

    response = act(
        client, world.producer, plan, "evidence", first.pk, title="Deposit slip", file=pdf()
    )
    assert (response.status_code, response.url) == (302, url)
    [document] = first.evidence.all()
    assert (document.title, document.kind, document.uploaded_by) == (
        "Deposit slip",
        "evidence",
        world.producer,
    )
    assert (
        act(client, world.producer, plan, "request", first.pk, comment="Deposit made.").status_code
        == 302
    )
    assert act(client, world.officer, plan, "verify", first.pk, comment="").status_code == 302
    assert act(client, world.finance2, plan, "authorize", first.pk, comment="").status_code == 302
    response = act(
        client,
        world.finance,
        plan,
        "pay",
        first.pk,
        paid_on=timezone.localdate().isoformat(),
        amount="4666666",
        reference="TR-0001",
        comment="",
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.status, first.requested_by, first.verified_by, first.authorized_by) == (
        "paid",
        world.producer,
        world.officer,
        world.finance2,
    )
    payment = Payment.objects.get()
    assert (payment.amount, payment.reference, payment.recorded_by) == (
        D("4666666"),
        "TR-0001",
        world.finance,
    )
    response = page(client, world.producer, "plan-disbursement", plan.pk)
    ledger = response.context["ledger"]
    assert (ledger.requested, ledger.authorized, ledger.paid, ledger.remaining) == (
        D("4666666"),
        D("4666666"),
        D("4666666"),
        D("9333334"),
    )
    content = response.content.decode()
    assert "TR-0001" in content and f"{XOF}4,666,666" in content


def test_request_without_evidence_is_refused_on_the_page(client, world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    before = snapshot(plan)
    response = act(client, world.producer, plan, "request", first.pk, comment="")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        "Attach at least one evidence document before requesting tranche 1."
    ]
    assert snapshot(plan) == before


def test_bad_evidence_keeps_the_input_and_saves_nothing(client, world):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    before = snapshot(plan)
    response = act(client, world.producer, plan, "evidence", first.pk, title="Receipt", file=exe())
    assert response.status_code == 400
    form = response.context["rows"][0].forms[0].form
    assert form.errors == {
        "file": [
            "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
            "whatever its name says."
        ]
    }
    assert form["title"].value() == "Receipt"
    response = act(client, world.producer, plan, "evidence", first.pk, title="")
    assert response.status_code == 400
    assert set(response.context["rows"][0].forms[0].form.errors) == {"title", "file"}
    assert snapshot(plan) == before


def test_bad_payment_keeps_the_input_and_pays_nothing(client, world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    before = snapshot(plan)
    tomorrow = days_ago(-1).isoformat()
    response = act(
        client,
        world.finance,
        plan,
        "pay",
        first.pk,
        paid_on=tomorrow,
        amount="4666000",
        reference="TR-9",
        comment="",
    )
    assert response.status_code == 400
    form = response.context["rows"][0].forms[0].form
    assert form.errors == {
        "amount": [f"The payment must be the tranche amount, {XOF}4,666,666."],
        "paid_on": ["Give the payment date; it cannot be in the future."],
    }
    assert (form["reference"].value(), form["amount"].value(), form["paid_on"].value()) == (
        "TR-9",
        "4666000",
        tomorrow,
    )
    response = act(
        client, world.finance, plan, "pay", first.pk, paid_on="", amount="x", reference=""
    )
    assert response.status_code == 400
    assert set(response.context["rows"][0].forms[0].form.errors) == {
        "paid_on",
        "amount",
        "reference",
    }
    assert snapshot(plan) == before


@pytest.mark.parametrize(
    ("action", "status", "who", "code"),
    [
        ("request", "planned", "officer", 403),
        ("request", "planned", "producer_b", 404),
        ("verify", "requested", "producer", 403),
        ("verify", "requested", "regional_officer", 404),
        ("authorize", "verified", "officer", 403),
        ("pay", "authorized", "producer", 403),
        ("pay", "authorized", "buyer_user", 403),
        ("pay", "authorized", "outsider", 404),
    ],
)
def test_wrong_person_is_refused_and_nothing_changes(client, world, action, status, who, code):
    plan = world.build(S.ACTIVE)
    first = tranches(plan)[0]
    if status == "planned":
        attach_evidence(first, by=world.producer)
    else:
        first = to_status(world, first, status)
    before = snapshot(plan)
    fields = {"comment": ""}
    if action == "pay":
        fields = {
            "paid_on": timezone.localdate().isoformat(),
            "amount": "4666666",
            "reference": "X",
        }
    response = act(client, getattr(world, who), plan, action, first.pk, **fields)
    assert response.status_code == code
    assert snapshot(plan) == before


def test_a_step_in_the_wrong_state_is_refused_with_its_reason(client, world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "verified")
    before = snapshot(plan)
    response = act(client, world.officer, plan, "verify", first.pk, comment="")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        "Tranche 1 is verified; it cannot be sent to “verify a tranche request”."
    ]
    assert snapshot(plan) == before


@pytest.mark.parametrize("action", ["suspend", "cancel"])
def test_paying_a_suspended_or_cancelled_alliance_is_refused(client, world, action):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    client.force_login(world.officer)
    url = reverse("plan-action", args=[plan.pk, action])
    client.post(url, {f"{action}-comment": "Audit.", "confirmed": "yes"}, follow=True)
    plan.refresh_from_db()
    assert plan.status == {"suspend": "suspended", "cancel": "cancelled"}[action]
    before = snapshot(plan)
    response = act(
        client,
        world.finance,
        plan,
        "pay",
        first.pk,
        paid_on=timezone.localdate().isoformat(),
        amount="4666666",
        reference="TR-1",
    )
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == [
        f"The alliance is {plan.status}: its tranches are frozen."
    ]
    assert forms_of(response)[1] == []
    assert snapshot(plan) == before


def test_unknown_action_or_foreign_target_is_not_found(client, world):
    plan = world.build(S.ACTIVE)
    other = world.build(S.ACTIVE)
    foreign = tranches(other)[0]
    attach_evidence(foreign, by=world.producer)
    before = snapshot(other)
    assert act(client, world.producer, plan, "request", foreign.pk, comment="").status_code == 404
    assert act(client, world.producer, plan, "launch", 1).status_code == 404
    assert act(client, world.producer, plan, "request", "abc").status_code == 404
    assert snapshot(other) == before


# --- reversal ----------------------------------------------------------------------------------


def test_reversal_through_the_page_needs_a_reason(client, world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "paid")
    payment = Payment.objects.get()
    response = page(client, world.finance2, "plan-disbursement", plan.pk)
    assert response.context["rows"][0].payments[0].reverse_form.action == "reverse"
    assert not hasattr(
        page(client, world.producer, "plan-disbursement", plan.pk).context["rows"][0].payments[0],
        "reverse_form",
    )
    before = snapshot(plan)
    response = act(client, world.finance2, plan, "reverse", payment.pk, reason="  ")
    assert response.status_code == 400
    assert snapshot(plan) == before
    assert act(client, world.producer, plan, "reverse", payment.pk, reason="No.").status_code == 403
    assert snapshot(plan) == before

    response = act(client, world.finance2, plan, "reverse", payment.pk, reason="Wrong account.")

    assert response.status_code == 302
    reversal = Payment.objects.get(kind="reversal")
    assert (reversal.reverses, reversal.amount, reversal.reason, reversal.recorded_by) == (
        payment,
        D("4666666"),
        "Wrong account.",
        world.finance2,
    )
    first.refresh_from_db()
    assert first.status == "authorized"
    ledger = page(client, world.producer, "plan-disbursement", plan.pk).context["ledger"]
    assert (ledger.paid, ledger.reversed, ledger.net_paid, ledger.remaining) == (
        D("4666666"),
        D("4666666"),
        D("0"),
        D("14000000"),
    )
    response = act(client, world.finance2, plan, "reverse", payment.pk, reason="Again.")
    assert response.status_code == 409
    assert [str(m) for m in response.context["messages"]] == ["This payment is already reversed."]
    assert Payment.objects.count() == 2


# --- counterpart contributions ----------------------------------------------------------------


def test_contribution_recorded_and_verified_through_the_page(client, world):
    plan = world.build(S.ACTIVE)
    response = act(
        client,
        world.ta,
        plan,
        "record",
        0,
        kind="producer_in_kind",
        amount="800000",
        contributed_on=days_ago(2).isoformat(),
        description="Labour for the warehouse",
        file=pdf("labour.pdf"),
    )
    assert (response.status_code, response.url) == (
        302,
        reverse("plan-disbursement", args=[plan.pk]) + "#contributions",
    )
    # The first counterpart deposit was made before signing (the world's active plan).
    contribution = CounterpartContribution.objects.get(plan=plan, kind="producer_in_kind")
    assert (
        contribution.kind,
        contribution.amount,
        contribution.recorded_by,
        contribution.status,
    ) == (
        "producer_in_kind",
        D("800000"),
        world.ta,
        "recorded",
    )
    assert list(contribution.evidence.values_list("original_name", flat=True)) == ["labour.pdf"]
    officer_page = page(client, world.officer, "plan-disbursement", plan.pk)
    assert officer_page.context["record_form"] is None
    forms = {
        c.pk: c.verify_form.action if c.verify_form else None
        for c in officer_page.context["contributions"]
    }
    assert forms[contribution.pk] == "verify_contribution"
    assert (
        act(
            client, world.producer, plan, "verify_contribution", contribution.pk, comment=""
        ).status_code
        == 403
    )
    response = act(
        client, world.officer, plan, "verify_contribution", contribution.pk, comment="Seen."
    )
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert (contribution.status, contribution.verified_by) == ("verified", world.officer)
    response = page(client, world.producer, "plan-disbursement", plan.pk)
    assert [
        (r.kind, r.planned, r.recorded, r.verified) for r in response.context["counterpart"]
    ] == [
        ("producer_cash", D("3000000"), D("1000000"), D("1000000")),
        ("producer_in_kind", D("1000000"), D("800000"), D("800000")),
        ("buyer", D("2000000"), D("0"), D("0")),
    ]
    assert response.context["counterpart_totals"] == {
        "planned": D("6000000"),
        "recorded": D("1800000"),
        "verified": D("1800000"),
    }
    assert response.context["investment"] == D("20000000")


def test_bad_contribution_keeps_the_input_and_saves_nothing(client, world):
    plan = world.build(S.ACTIVE)
    before = snapshot(plan)
    response = act(
        client,
        world.producer,
        plan,
        "record",
        0,
        kind="buyer",
        amount="0",
        contributed_on=days_ago(-3).isoformat(),
        description="Seed from the buyer",
        file=pdf(),
    )
    assert response.status_code == 400
    form = response.context["record_form"].form
    assert form.errors == {
        "amount": ["Enter an amount greater than zero."],
        "contributed_on": ["Give the date of the contribution; not in the future."],
    }
    assert (form["description"].value(), form["kind"].value()) == ("Seed from the buyer", "buyer")
    assert snapshot(plan) == before
    # A minus sign is refused as it is read (core/numbers.py), before the service.
    response = act(
        client,
        world.producer,
        plan,
        "record",
        0,
        kind="buyer",
        amount="-5",
        contributed_on=days_ago(3).isoformat(),
        description="Seed from the buyer",
        file=pdf(),
    )
    assert response.status_code == 400
    assert response.context["record_form"].form.errors == {"amount": ["Enter zero or more."]}
    assert snapshot(plan) == before
    assert act(client, world.officer, plan, "record", 0, kind="buyer").status_code == 403
    assert act(client, world.producer_b, plan, "record", 0, kind="buyer").status_code == 404
    assert snapshot(plan) == before


# --- suspend, resume and cancel on the plan page -------------------------------------------


def test_plan_page_offers_suspend_and_cancel_with_a_reason(client, world):
    plan = world.build(S.ACTIVE)
    response = page(client, world.officer, "plan-detail", plan.pk)
    actions = {t.name: form for t, form in response.context["actions"]}
    assert sorted(actions) == ["cancel", "suspend"]
    assert actions["cancel"].fields["comment"].label == "Reason"
    assert actions["cancel"].fields["comment"].required
    assert page(client, world.producer, "plan-detail", plan.pk).context["actions"] == []


def test_cancel_from_the_plan_page_releases_exactly_the_remaining_amount(client, world):
    plan = world.build(S.ACTIVE)
    to_status(world, tranches(plan)[0], "paid")
    available = world.program.available
    before = snapshot(plan)
    client.force_login(world.officer)
    url = reverse("plan-action", args=[plan.pk, "cancel"])
    response = client.post(url, {"cancel-comment": ""})
    assert response.status_code == 302
    assert snapshot(plan) == before
    client.force_login(world.producer)
    assert client.post(url, {"cancel-comment": "No.", "confirmed": "yes"}).status_code == 403
    assert snapshot(plan) == before

    client.force_login(world.officer)
    client.post(url, {"cancel-comment": "The cooperative dissolved.", "confirmed": "yes"})

    plan.refresh_from_db()
    assert plan.status == "cancelled"
    assert plan.commitment.released_amount == D("9333334")
    assert world.program.available - available == D("9333334")
    ledger = page(client, world.finance, "plan-disbursement", plan.pk).context["ledger"]
    assert (ledger.released, ledger.net_paid, ledger.remaining) == (
        D("9333334"),
        D("4666666"),
        D("0"),
    )


def test_suspend_then_resume_from_the_plan_page(client, world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    client.force_login(world.officer)
    client.post(reverse("plan-action", args=[plan.pk, "suspend"]), {"suspend-comment": "Audit."})
    plan.refresh_from_db()
    assert plan.status == "suspended"
    assert forms_of(page(client, world.finance, "plan-disbursement", plan.pk))[1] == []
    client.force_login(world.officer)
    client.post(reverse("plan-action", args=[plan.pk, "resume"]), {"resume-comment": ""})
    plan.refresh_from_db()
    assert plan.status == "active"
    assert forms_of(page(client, world.finance, "plan-disbursement", plan.pk))[1] == ["pay"]
    assert first.status == "authorized"


def test_odd_input_never_breaks_the_page(client, world):
    plan = world.build(S.ACTIVE)
    first = to_status(world, tranches(plan)[0], "authorized")
    payment_fields = {"paid_on": "2024-13-45", "amount": "1e999", "reference": "x" * 500}
    before = snapshot(plan)
    cases = [
        (world.finance, "pay", first.pk, payment_fields, 400),
        (world.finance, "pay", first.pk, {"amount": "NaN", "paid_on": "today"}, 400),
        (world.finance, "reverse", 999999, {"reason": "x"}, 404),
        (world.producer, "record", 0, {"amount": "9" * 30, "kind": "cash"}, 400),
        (world.producer, "evidence", tranches(plan)[1].pk, {"title": "t" * 300}, 400),
        (world.officer, "verify_contribution", "", {}, 404),
    ]
    for user, action, target, fields, status in cases:
        response = act(client, user, plan, action, target, **fields)
        assert response.status_code == status, (action, response.status_code)
    assert snapshot(plan) == before
    client.force_login(world.officer)
    url = reverse("plan-legalization", args=[plan.pk])
    assert client.post(url, {"requirement": "abc"}).status_code == 404
    assert (
        client.get(reverse("plan-agreement", args=[plan.pk]), {"version": "x"}).status_code == 404
    )
    assert (
        client.get(reverse("program-ledger", args=[world.program.pk]), {"page": "z"}).status_code
        == 200
    )
