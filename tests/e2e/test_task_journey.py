"""Each person's home page in a real Chromium (issue 18), at 1280 px and 360 px: the
tasks and the key figures fit (nothing wider than the main content), and every task's
record leads straight to the page where it is done (the screening checklist, the tranche
on the disbursement page, the finance queue's tranche), which fits too."""

import pytest
from django.urls import reverse
from django.utils import timezone

from funding import services as money
from plans.models import PlanStatus
from tests.funding.support import D, pdf, to_status, tranches

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

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


@pytest.fixture
def scene(world):
    """A plan waiting for screening; an active alliance whose tranche 1 is requested and
    whose in-kind contribution waits for the officer; another whose tranche 1 is verified
    (finance's turn); a third whose tranche 1 the producer may request."""
    submitted = world.build(PlanStatus.SUBMITTED)
    requested = world.build(PlanStatus.ACTIVE)
    to_status(world, tranches(requested)[0], "requested")
    money.contribution_record(
        plan=requested,
        by=world.producer,
        kind="producer_in_kind",
        amount=D("800000"),
        contributed_on=timezone.localdate(),
        description="Labour for the warehouse",
        upload=pdf(),
    )
    verified = world.build(PlanStatus.ACTIVE)
    to_status(world, tranches(verified)[0], "verified")
    ready = world.build(PlanStatus.ACTIVE)
    return {"submitted": submitted, "requested": requested, "verified": verified, "ready": ready}


# Who, and the pages their tasks must lead to (path and the element the task points at).
JOURNEYS = {
    "officer": [
        ("submitted", "plan-screening", None),
        ("requested", "plan-disbursement", "#tranche-1"),
        ("requested", "plan-disbursement", "#contribution-"),
    ],
    "finance": [("verified", "plan-disbursement", "#tranche-1")],
    "producer": [("ready", "plan-disbursement", "#tranche-1")],
}


@pytest.mark.parametrize("who", list(JOURNEYS))
def test_home_fits_and_each_task_leads_to_its_form(world, scene, sign_in, live_server, who):
    page = sign_in(getattr(world, who))
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/")
        assert page.evaluate(CLIPPED) == [], (who, width)
        links = page.eval_on_selector_all(
            "#tasks-title ~ .tasks .task-items a", "els => els.map(e => e.getAttribute('href'))"
        )
        for key, name, anchor in JOURNEYS[who]:
            expected = [h for h in links if h.startswith(reverse(name, args=[scene[key].pk]))]
            if anchor:
                expected = [h for h in expected if anchor in h]
            assert expected, (who, key, anchor, links)
        for href in links:
            page.goto(f"{live_server.url}/")
            with page.expect_navigation():
                page.locator(f'.task-items a[href="{href}"]').first.click()
            path, _hash, fragment = href.partition("#")
            assert page.url.split("#")[0].endswith(path)
            if fragment:
                # The record the task names is on the page, with its form.
                assert page.locator(f"#{fragment}").count() == 1, href
            else:
                assert page.locator("main form").count() >= 1, href
            assert page.evaluate(CLIPPED) == [], (who, width, href)
