"""Each person's home page in a real Chromium (issue 18), at 1280 px and 360 px: the
tasks and the key figures fit (nothing wider than the main content), the tasks are
exactly the records waiting for that person, and every task leads straight to the page
and the element where its step is done (the form or its button shown, inside the
window), a page that fits too.

Every role that has tasks: the programme officer (screening, tranche requests and
contributions to verify), both finance officers (whoever authorized a tranche does not
pay it), the producer and its TA provider (the same work of their organization), the
committee member, the appraiser, the buyer and the M&E officer. Each role's waiting
records are built by its scene, through the services."""

import datetime
from dataclasses import dataclass
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances.deliveries import delivery_dispute, delivery_record
from funding import services as money
from funding.agreements import agreement_draft, agreement_send
from monitoring.models import MonitoringReport
from monitoring.services import report_submit
from plans import services
from plans.models import PlanStatus
from tests.e2e.support import at_each_width
from tests.factories import fill_report
from tests.funding.support import D, pdf, to_status, tranches

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

# What sticks out of the main content, sideways: the page itself, or an element of main.
CLIPPED = """() => {
  const main = document.querySelector('main');
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page');
  if (main.scrollWidth > main.clientWidth) out.push('main');
  for (const el of main.querySelectorAll('.tasks li, .figures div, h1, h2')) {
    if (el.scrollWidth > el.clientWidth + 1) out.push(el.tagName + ' ' + el.textContent.trim().slice(0, 40));
  }
  return out;
}"""

# Where the step's control is: shown (or, in a closed <details>, its summary shown) and
# inside the window sideways; "missing" or "hidden" or "clipped" otherwise.
SHOWN = """selector => {
  const el = document.querySelector(selector);
  if (!el) return 'missing';
  const closed = el.closest('details:not([open])');
  const target = closed ? closed.querySelector('summary') : el;
  const box = target.getBoundingClientRect();
  if (!box.width || !box.height || getComputedStyle(target).visibility === 'hidden') return 'hidden';
  if (box.left < 0 || box.right > window.innerWidth + 1) return 'clipped';
  return 'shown';
}"""


@dataclass(frozen=True)
class Waiting:
    """A task the home page must list: where it leads, and the controls of its step
    (each shown on the page it leads to)."""

    href: str
    controls: tuple[str, ...]


def _step(name: str) -> str:
    """The submit button of a form whose hidden `action` is `name` (the disbursement's
    step forms, the agreement's and the report's)."""
    return f'form:has(input[name=action][value="{name}"]) button[type=submit]'


def officer(world):
    """A plan waiting for screening; an active alliance whose tranche 1 is requested and
    whose in-kind contribution waits for verification."""
    submitted = world.build(PlanStatus.SUBMITTED)
    requested = world.build(PlanStatus.ACTIVE)
    to_status(world, tranches(requested)[0], "requested")
    contribution = money.contribution_record(
        plan=requested,
        by=world.producer,
        kind="producer_in_kind",
        amount=D("800000"),
        contributed_on=timezone.localdate(),
        description="Labour for the warehouse",
        upload=pdf(),
    )
    disbursement = reverse("plan-disbursement", args=[requested.pk])
    contributed = f"#contribution-{contribution.pk}"
    return {
        "officer": [
            Waiting(
                reverse("plan-screening", args=[submitted.pk]),
                ('form[action$="/do/start_screening/"] button[type=submit]',),
            ),
            Waiting(disbursement + "#tranche-1", ("#tranche-1 " + _step("verify"),)),
            Waiting(
                disbursement + contributed, (f"{contributed} " + _step("verify_contribution"),)
            ),
        ]
    }


def finance(world):
    """Tranche 1 of one alliance verified by the officer (to authorize); tranche 1 of
    another authorized by finance2, which only the other finance officer may pay."""
    verified = world.build(PlanStatus.ACTIVE)
    to_status(world, tranches(verified)[0], "verified")
    authorized = world.build(PlanStatus.ACTIVE)
    to_status(world, tranches(authorized)[0], "authorized", authorizer=world.finance2)
    to_authorize = Waiting(
        reverse("plan-disbursement", args=[verified.pk]) + "#tranche-1",
        ("#tranche-1 " + _step("authorize"),),
    )
    to_pay = Waiting(
        reverse("plan-disbursement", args=[authorized.pk]) + "#tranche-1",
        ("#tranche-1 " + _step("pay"),),
    )
    return {"finance": [to_authorize, to_pay], "finance2": [to_authorize]}


def producer(world):
    """The work of Coop A, for its producer and its TA provider alike: its next tranche
    (its first deposit verified), an overdue monitoring report, a delivery the buyer
    disputed, a draft plan."""
    draft = world.build(PlanStatus.DRAFT)
    ready = world.build(PlanStatus.ACTIVE)
    today = timezone.localdate()
    report = MonitoringReport.objects.create(
        alliance=ready.alliance,
        period_start=today - datetime.timedelta(days=130),
        period_end=today - datetime.timedelta(days=40),
        due_on=today - datetime.timedelta(days=10),
    )
    delivery = delivery_record(
        alliance=ready.alliance, by=world.producer, delivered_on=today,
        volume=D("1200"), quality_grade="A", unit_price=D("250"),
    )  # fmt: skip
    delivery_dispute(delivery=delivery, by=world.buyer_user, comment="Moisture at 16 %.")
    row = f"#delivery-{delivery.pk}"
    work = [
        Waiting(reverse("plan-edit", args=[draft.pk]), ("main form button[type=submit]",)),
        # The request waits for its evidence, attached right there; until then its
        # button is shown disabled, with the reason.
        Waiting(
            reverse("plan-disbursement", args=[ready.pk]) + "#tranche-1",
            ("#tranche-1 " + _step("evidence"), "#tranche-1 .blocked button[disabled]"),
        ),
        Waiting(
            reverse("monitoring:report", args=[report.pk]),
            ('#values button[name=action][value="submit"]',),
        ),
        Waiting(
            reverse("monitoring:deliveries", args=[ready.pk]) + row,
            (f'{row} form[action$="/correct/"] button[type=submit]',),
        ),
    ]
    return {"producer": work, "ta": work}


def committee(world):
    plan = world.build(PlanStatus.COMMITTEE)
    decide = 'form:has(input[name=decision][value="{}"]) button[type=submit]'
    return {
        "committee": [
            Waiting(
                reverse("plan-decision", args=[plan.pk]),
                tuple(decide.format(d) for d in ("approve", "request_revision", "reject")),
            )
        ]
    }


def appraiser(world):
    """One appraisal to declare (no conflict of interest), another declared, to score."""
    to_declare = world.build(PlanStatus.APPRAISAL)
    to_score = world.build(PlanStatus.APPRAISAL)
    first = services.appraisal_assign(plan=to_declare, appraiser=world.appraiser, by=world.officer)
    second = services.appraisal_assign(plan=to_score, appraiser=world.appraiser, by=world.officer)
    services.appraisal_declare_no_conflict(assignment=second, by=world.appraiser)
    return {
        "appraiser": [
            Waiting(reverse("appraisal", args=[first.pk]), ("main form button.primary",)),
            Waiting(
                reverse("appraisal", args=[second.pk]), ("main form:has(fieldset) button.primary",)
            ),
        ]
    }


def buyer(world):
    """An agreement sent to the buyer; a delivery recorded on an active alliance."""
    approved = world.build(PlanStatus.APPROVED)
    agreement = agreement_draft(
        alliance=approved.alliance, by=world.producer, product=world.product, unit="kg",
        annual_volume=D("100000"), unit_price=D("250"), duration_months=36,
    )  # fmt: skip
    agreement_send(agreement=agreement, by=world.producer)
    active = world.build(PlanStatus.ACTIVE)
    delivery = delivery_record(
        alliance=active.alliance, by=world.producer, delivered_on=timezone.localdate(),
        volume=D("1200"), quality_grade="A", unit_price=D("250"),
    )  # fmt: skip
    row = f"#delivery-{delivery.pk}"
    return {
        "buyer_user": [
            Waiting(
                reverse("plan-agreement", args=[approved.pk]), (_step("confirm"), _step("decline"))
            ),
            # Disputing is behind its summary: the summary is what shows.
            Waiting(
                reverse("monitoring:deliveries", args=[active.pk]) + row,
                (
                    f'{row} form[action$="/confirm/"] button[type=submit]',
                    f'{row} form[action$="/dispute/"] button[type=submit]',
                ),
            ),
        ]
    }


def me_officer(world):
    """On an active alliance: a report submitted (to review) and one overdue (to chase)."""
    plan = world.build(PlanStatus.ACTIVE)
    today = timezone.localdate()
    submitted, overdue = (
        MonitoringReport.objects.create(
            alliance=plan.alliance,
            period_start=today - datetime.timedelta(days=days + 90),
            period_end=today - datetime.timedelta(days=days),
            due_on=today - datetime.timedelta(days=days - 30),
        )
        for days in (130, 40)
    )
    fill_report(submitted, by=world.producer)
    report_submit(report=submitted, by=world.producer)
    return {
        "me_officer": [
            Waiting(
                reverse("monitoring:report", args=[submitted.pk]),
                ("#review " + _step("accept"), "#review " + _step("return")),
            ),
            # Nothing to fill in: the report says it is overdue, and since when.
            Waiting(reverse("monitoring:report", args=[overdue.pk]), (".meta .overdue",)),
        ]
    }


# Each scene builds the records waiting for some people, and says what each must see.
SCENES = [officer, finance, producer, committee, appraiser, buyer, me_officer]


def lists_the_tasks(page, who, waiting, width) -> None:
    """The home page fits, and lists exactly the records waiting for `who`, each once,
    each link in view."""
    assert page.evaluate(CLIPPED) == [], (who, width)
    links = page.eval_on_selector_all(
        "#tasks-title ~ .tasks .task-items a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert sorted(links) == sorted(w.href for w in waiting), (who, width)
    for task in waiting:
        link = f'.task-items a[href="{task.href}"]'
        assert page.evaluate(SHOWN, link) == "shown", (who, width, task.href)


def shows_its_controls(page, who, task, width) -> None:
    """The page a task led to fits, and shows the controls of its step."""
    for control in task.controls:
        assert page.evaluate(SHOWN, control) == "shown", (who, width, task.href, control)
    assert page.evaluate(CLIPPED) == [], (who, width, task.href)


@pytest.mark.parametrize("scene", SCENES, ids=lambda scene: scene.__name__)
def test_home_fits_and_each_task_leads_to_its_form(world, sign_in, live_server, scene):
    """Each page is checked at both widths as it stands, the window resized, and left
    once per task."""
    for who, waiting in scene(world).items():
        page = sign_in(getattr(world, who))  # on the home page, 1280 px wide
        at_each_width(page, partial(lists_the_tasks, page, who, waiting))
        for index, task in enumerate(waiting):
            if index:
                page.goto(f"{live_server.url}/")
            with page.expect_navigation():
                page.locator(f'.task-items a[href="{task.href}"]').click()
            path, _hash, fragment = task.href.partition("#")
            assert page.url.split("#")[0] == f"{live_server.url}{path}", (who, task.href)
            if fragment:
                assert page.locator(f"#{fragment}").count() == 1, (who, task.href)
            at_each_width(page, partial(shows_its_controls, page, who, task))
