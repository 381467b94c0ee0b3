"""Every report button of every role, in the browser (issue 18): the plan page, the
committee's decision page, the indicator table, the programme ledger and the request
form of "My reports" each offer a role exactly the reports it may read (DESIGN §9a),
nothing clipped at 1280 px or at 360 px; each button, pressed (at 1280 px: the buttons
are the same elements at both widths, and each press runs a whole report), queues its
report with the parameter it takes (none answers "This report does not take 'plan'" or
"Select a valid choice"), and the report page shows the download once the file is ready
(tasks run eagerly here) and no error, at both widths. Each set of buttons is pressed in
the browser by one role; a role with the same set (the committee, the M&E officer, the
funder, the regional officer, the TA provider) sends each button's own form from its
browser session instead, as the press would, and lands on its report the same way. A
role with no report to ask for (the buyer, the appraiser) sees no button anywhere, and
the request form says so instead of offering kinds it would refuse. A queued job's hidden
download link stays hidden; a failed one shows its error and a button that asks for it
again, which works too."""

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from plans.models import PlanStatus
from reports.models import ReportJob, ReportKind
from tests.e2e.support import WIDTHS, at_each_width

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

# What sticks out sideways: the page, main, or a report form, button, heading or figure.
CLIPPED = """() => {
  const main = document.querySelector('main');
  const out = [];
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('page');
  if (main.scrollWidth > main.clientWidth) out.push('main');
  const parts = 'form.report-request, form.report-request button, h1, h2, .figures div,'
    + ' .report-status, .report-status a, fieldset label, select, main button';
  for (const el of main.querySelectorAll(parts)) {
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || box.right > window.innerWidth + 1)
      out.push(el.tagName + ' ' + el.textContent.trim().slice(0, 40));
  }
  return out;
}"""

# What a page must never say after a button was pressed: a refused parameter, a refused
# choice of the form, the server's error page.
ERRORS = ("does not take", "Select a valid choice", "Something went wrong", "Server Error")
# The report page in one call: the errors it shows, and what is clipped.
LANDED = (
    "errors => ({said: errors.filter(e => document.body.innerText.includes(e)), clipped: ("
    + CLIPPED
    + ")()})"
)

FACT_SHEET = ReportKind.ALLIANCE_FACTSHEET_PDF
DOSSIER = ReportKind.COMMITTEE_DOSSIER_PDF
PORTFOLIO_XLSX = ReportKind.PORTFOLIO_XLSX
PORTFOLIO_PDF = ReportKind.PORTFOLIO_PDF
LEDGER_XLSX = ReportKind.DISBURSEMENT_LEDGER_XLSX
LEDGER_CSV = ReportKind.DISBURSEMENT_LEDGER_CSV
INDICATORS = ReportKind.INDICATORS_XLSX


@dataclass(frozen=True)
class Offer:
    """The report buttons one role sees on each page, by kind, in page order; a page
    it may not open (403, 404) offers nothing."""

    plan: tuple = ()
    decision: tuple = ()
    indicators: tuple = ()
    ledger: tuple = ()
    request: tuple = ()  # the kinds of the request form, /reports/new/


# Producer and TA provider: their alliance's money and monitoring, no portfolio (§9a).
ORGANIZATION_SIDE = Offer(
    plan=(FACT_SHEET, LEDGER_XLSX),
    indicators=(INDICATORS,),
    request=(LEDGER_XLSX, LEDGER_CSV, INDICATORS),
)
PORTFOLIO_READER = {
    "indicators": (INDICATORS,),
    "ledger": (PORTFOLIO_XLSX, PORTFOLIO_PDF, LEDGER_XLSX, LEDGER_CSV),
    "request": (PORTFOLIO_XLSX, PORTFOLIO_PDF, LEDGER_XLSX, LEDGER_CSV, INDICATORS),
}
# Programme officers and the committee: everything, the committee dossier included.
DOSSIER_READER = Offer(
    plan=(FACT_SHEET, DOSSIER, LEDGER_XLSX), decision=(DOSSIER,), **PORTFOLIO_READER
)
# Finance and M&E officers, funders: everything but individual appraisals (the dossier).
MONEY_READER = Offer(plan=(FACT_SHEET, LEDGER_XLSX), **PORTFOLIO_READER)
NOTHING = Offer()

OFFERS = {
    "producer": ORGANIZATION_SIDE,
    "ta": ORGANIZATION_SIDE,
    "officer": DOSSIER_READER,
    "regional_officer": DOSSIER_READER,
    "committee": DOSSIER_READER,
    "finance": MONEY_READER,
    "me_officer": MONEY_READER,
    "funder_user": MONEY_READER,
    # The buyer reads the summary and market only; the appraiser its assigned plans.
    "buyer_user": NOTHING,
    "appraiser": NOTHING,
}


def label(kind) -> str:
    return str(ReportKind(kind).label)


def assert_job_of(url, where, kind, parameters) -> None:
    """`url` is the page of a new job of `kind` with `parameters`, its file ready."""
    found = re.search(r"/reports/(\d+)/$", url)
    assert found, (*where, url)
    job = ReportJob.objects.get(pk=found.group(1))
    assert (job.kind, job.parameters, job.status) == (kind, parameters, "succeeded"), where


def assert_lands_on_its_report(page, nav, who, width, where, kind, parameters) -> None:
    """The button led to the new job's page, which offers the ready file and no error."""
    where = (who, width, where, str(kind))
    assert nav.value is not None and nav.value.status == 200, where
    assert_job_of(page.url, where, kind, parameters)
    assert page.locator("[data-report-download]").is_visible(), where
    assert page.locator("[data-report-error]").is_hidden(), where
    assert page.evaluate(LANDED, ERRORS) == {"said": [], "clipped": []}, where


# How a button is pressed: clicked in the browser, or its form sent from the browser's
# session (the fields and the button's own name and value, as a click sends them) by a
# role whose buttons are the same as those of a role that clicks them.
CLICK = "click"
SEND = "send"

FORM_OF = """button => ({
  action: button.form.action,
  fields: [...new FormData(button.form, button)].map(([name, value]) => [name, String(value)]),
})"""


def send_form_of(page, button):
    """What pressing `button` sends, sent from the page's session: the response at the end
    of its redirects."""
    form = button.evaluate(FORM_OF)
    fields = dict(form["fields"])
    assert len(fields) == len(form["fields"]), form  # no field sent twice
    return page.request.post(form["action"], form=fields, headers={"Referer": page.url})


def assert_sent_lands_on_its_report(response, who, width, where, kind, parameters) -> None:
    """The form sent led to the new job's page, which says no error."""
    where = (who, width, where, str(kind))
    assert response.status == 200, where
    assert_job_of(response.url, where, kind, parameters)
    body = response.text()
    assert [error for error in ERRORS if error in body] == [], where


def press_page_buttons(page, base, who, where, url, kinds, parameters, press=CLICK):
    """Open `url`: at each width, exactly the buttons of `kinds`, nothing clipped; then
    press each (`press`: CLICK, SEND, or None to leave them)."""
    page.goto(f"{base}{url}")
    buttons = page.locator("form.report-request button")

    def offers(width):
        assert buttons.all_inner_texts() == [label(kind) for kind in kinds], (who, width, where)
        assert page.evaluate(CLIPPED) == [], (who, width, where)

    at_each_width(page, offers)
    width = WIDTHS[0]
    for index, kind in enumerate(kinds if press else ()):
        if press == SEND:
            response = send_form_of(page, buttons.nth(index))
            assert_sent_lands_on_its_report(response, who, width, where, kind, parameters[kind])
            continue
        if index:
            page.go_back()  # the page again, from the server, as a person goes back
        with page.expect_navigation() as nav:
            buttons.nth(index).click()
        assert_lands_on_its_report(page, nav, who, width, where, kind, parameters[kind])


def press_request_form(page, base, who, kinds, program, press=CLICK) -> None:
    """The request form offers exactly `kinds` at each width; each (`press`: CLICK or
    SEND) is prepared for all the alliances the user sees, then once more for the
    programme."""
    url = f"{base}{reverse('reports:new')}"
    page.goto(url)

    def offers(width):
        where = (who, width, "request")
        offered = page.locator("main fieldset label").all_inner_texts()
        assert offered == [label(kind) for kind in kinds], where
        assert page.evaluate(CLIPPED) == [], where
        if not kinds:
            # Nothing to ask for: the page says so.
            assert page.locator("[data-no-report-kinds]").is_visible(), where
            assert page.locator("main form button[type=submit]").count() == 0, where

    at_each_width(page, offers)
    width = WIDTHS[0]
    if not kinds:
        # ... and "My reports" does not lead there.
        page.goto(f"{base}{reverse('reports:list')}")
        where = (who, width, "request")
        assert page.locator(f"main a[href='{reverse('reports:new')}']").count() == 0, where
        return
    if not press:
        return
    choices = [("", kind, {}) for kind in kinds] + [
        (str(program.pk), kinds[0], {"program": program.pk})
    ]
    for index, (choice, kind, parameters) in enumerate(choices):
        if index and press == CLICK:
            page.go_back()
        page.get_by_label(label(kind), exact=True).check()
        page.select_option("#id_program", value=choice)
        button = page.get_by_role("button", name="Prepare the report")
        if press == SEND:
            response = send_form_of(page, button)
            assert_sent_lands_on_its_report(response, who, width, "request", kind, parameters)
            continue
        with page.expect_navigation() as nav:
            button.click()
        assert_lands_on_its_report(page, nav, who, width, "request", kind, parameters)


def press_every_button(world, sign_in, live_server, who, plan, how=CLICK):
    """As `who`: every page's report buttons, then the request form, checked at each
    width and pressed (`how`)."""
    offer = OFFERS[who]
    alliance = {"alliance": plan.alliance_id}
    program = {"program": world.program.pk}
    # Each page's buttons, and the parameter each sends: a plan page passes its
    # alliance (its plan to the dossier alone), the programme ledger its programme.
    pages = [
        ("plan", reverse("plan-detail", args=[plan.pk]), offer.plan, alliance),
        ("decision", reverse("plan-decision", args=[plan.pk]), offer.decision, alliance),
        (
            "indicators",
            reverse("monitoring:indicators", args=[plan.pk]),
            offer.indicators,
            alliance,
        ),
        ("ledger", reverse("program-ledger", args=[world.program.pk]), offer.ledger, program),
    ]
    page = sign_in(getattr(world, who))  # the page, signed in as this role
    for where, url, kinds, sent in pages:
        parameters = {kind: {"plan": plan.pk} if kind == DOSSIER else sent for kind in kinds}
        press_page_buttons(page, live_server.url, who, where, url, kinds, parameters, how)
    press_request_form(page, live_server.url, who, offer.request, world.program, how)
    # At 360 px too, the report a button led to: its download, no error, nothing clipped.
    last = ReportJob.objects.filter(requester=getattr(world, who)).order_by("pk").last()
    if last is not None:
        page.goto(f"{live_server.url}{reverse('reports:detail', args=[last.pk])}")

        def landed(width):
            assert page.locator("[data-report-download]").is_visible(), (who, width)
            assert page.locator("[data-report-error]").is_hidden(), (who, width)
            assert page.evaluate(LANDED, ERRORS) == {"said": [], "clipped": []}, (who, width)

        at_each_width(page, landed)
    return page


# One test per group of roles that share a plan: a live server's world is built (and
# flushed) for each test, so fewer tests keep the file fast.


def test_programme_staff_and_the_funder_press_every_report_button(world, sign_in, live_server):
    plan = world.build(PlanStatus.ACTIVE)
    # The committee has the officer's buttons; the M&E officer and the funder the finance
    # officer's: each set is clicked once.
    assert OFFERS["committee"] == OFFERS["officer"]
    assert OFFERS["me_officer"] == OFFERS["funder_user"] == OFFERS["finance"]
    for who, how in (
        ("officer", CLICK),
        ("committee", SEND),
        ("finance", CLICK),
        ("me_officer", SEND),
        ("funder_user", SEND),
    ):
        press_every_button(world, sign_in, live_server, who, plan, how)


def test_the_regional_officer_presses_every_report_button_of_its_region(
    world, sign_in, live_server
):
    # The regional officer works in Zou (region B): a plan of Coop B.
    plan = world.build(PlanStatus.ACTIVE, org=world.org_b)
    # The officer's buttons (clicked in the test above), on a plan of its region.
    assert OFFERS["regional_officer"] == OFFERS["officer"]
    press_every_button(world, sign_in, live_server, "regional_officer", plan, SEND)


def test_the_organization_presses_its_report_buttons_the_buyer_and_appraiser_have_none(
    world, sign_in, live_server
):
    plan = world.build(PlanStatus.ACTIVE)
    for who in ("buyer_user", "appraiser"):
        press_every_button(world, sign_in, live_server, who, plan)
    assert not ReportJob.objects.exists()
    assert OFFERS["ta"] == OFFERS["producer"]
    press_every_button(world, sign_in, live_server, "ta", plan, SEND)
    page = press_every_button(world, sign_in, live_server, "producer", plan)

    def fact_sheet_job(**state) -> ReportJob:
        return ReportJob.objects.create(
            kind=FACT_SHEET,
            parameters={"alliance": plan.alliance_id},
            requester=world.producer,
            title="Fact sheet",
            filename="f.pdf",
            **state,
        )

    # A job still queued: no download link (its href is empty), no error, the progress bar.
    queued = fact_sheet_job()
    page.goto(f"{live_server.url}{reverse('reports:detail', args=[queued.pk])}")
    assert page.locator("[data-report-download]").is_hidden()
    assert page.locator("[data-report-error]").is_hidden()
    assert page.locator("[data-report-progress]").is_visible()
    queued.delete()  # else asking again would answer with it (one job per request)

    # A failed job: its error, no download, and the button that asks for it again.
    failed = fact_sheet_job(status=ReportJob.Status.FAILED, error="The report took too long.")
    url = reverse("reports:detail", args=[failed.pk])
    page.goto(f"{live_server.url}{url}")

    def failed_shown(width):
        assert page.locator("[data-report-error]").is_visible(), width
        assert page.locator("[data-report-download]").is_hidden(), width

    at_each_width(page, failed_shown)
    parameters = {FACT_SHEET: {"alliance": plan.alliance_id}}
    press_page_buttons(page, live_server.url, "producer", "failed", url, (FACT_SHEET,), parameters)
