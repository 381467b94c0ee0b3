"""Every main page, for several people, on a phone (360 px) and a desktop (1280 px), in a
real Chromium (issue 18): nothing sticks out sideways, the actions of a table stay in
view, the header stays compact on the phone with its menu behind a button, the favicon
loads, every title names the product, and axe-core (shipped by axe-playwright-python,
nothing downloaded) finds no serious or critical problem on the plan page, the dashboard
and a form with errors."""

import datetime
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from alliances.deliveries import delivery_record
from plans.models import PlanStatus
from tests.e2e.support import DESKTOP, HEIGHT, PHONE, at_each_width

pytestmark = [pytest.mark.browser, pytest.mark.heavy, pytest.mark.django_db(transaction=True)]

WIDTHS = (PHONE, DESKTOP)  # each page loaded at the phone's width first
PRODUCT = " – Productive alliances"

# Every button, link or disclosure of a table's actions column, and every button of a
# table: where it ends up right of what the page (or its scrolling region) shows.
CLIPPED_ACTIONS = """() => {
  const out = [];
  for (const el of document.querySelectorAll(
      'main table button, main table .col-actions a, main table .col-actions summary')) {
    const r = el.getBoundingClientRect();
    if (!el.checkVisibility() || r.width === 0) continue;  // in a closed disclosure
    let right = window.innerWidth;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') {
        right = Math.min(right, p.getBoundingClientRect().right);
      }
    }
    if (r.right > right + 1) out.push(el.textContent.trim());
  }
  return out;
}"""

# Scrolling regions the keyboard cannot reach, or that have no name.
UNREACHABLE_REGIONS = """() => [...document.querySelectorAll('main *')].filter(el => {
  const o = getComputedStyle(el).overflowX;
  if (o !== 'auto' && o !== 'scroll') return false;
  if (el.scrollWidth <= el.clientWidth) return false;
  return !(el.tabIndex >= 0 && el.getAttribute('role') === 'region' && el.getAttribute('aria-label'));
}).map(el => el.className)"""


@pytest.fixture
def scene(world):
    """An active alliance (tranches, agreement, reports), a recorded delivery waiting for
    the buyer, and a draft plan of organization A."""
    active = world.build(PlanStatus.ACTIVE)
    delivery_record(
        alliance=active.alliance,
        by=world.producer,
        delivered_on=timezone.localdate() - datetime.timedelta(days=3),
        volume=Decimal("1200"),
        unit_price=Decimal("250"),
    )
    draft = world.build(PlanStatus.DRAFT)
    return active, draft


def pages_of(world, active, draft):
    p = active.pk
    return {
        world.producer: [
            "/",
            "/plans/",
            f"/plans/{p}/",
            f"/plans/{p}/disbursement/",
            f"/monitoring/plans/{p}/deliveries/",
            f"/plans/{draft.pk}/budget/",
            f"/plans/{draft.pk}/cash-flows/",
            "/monitoring/reports/",
            "/organizations/",
            "/reports/",
            "/notifications/",
        ],
        world.buyer_user: [
            "/",
            "/agreements/",
            f"/plans/{p}/",
            f"/monitoring/plans/{p}/deliveries/",
        ],
        world.officer: [
            "/",
            "/plans/",
            f"/plans/{p}/",
            f"/plans/{p}/agreement/",
            "/agreements/",
            "/organizations/",
            "/monitoring/reports/",
            "/monitoring/portfolio/",
        ],
        world.finance: ["/", "/finance/tranches/", f"/plans/{p}/disbursement/", "/programmes/"],
        world.me_officer: ["/", "/monitoring/reports/", "/monitoring/portfolio/"],
    }


def _check_page(page, url: str) -> list[str]:
    """The page loaded at the first width, then the window widened to each of the others
    (the layout is CSS's: media queries apply as the window changes, as on a phone turned
    sideways)."""
    page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    response = page.goto(url)
    if response.status != 200:
        return [f"{url}: HTTP {response.status}"]
    problems = []
    title = page.title()
    if not title.endswith(PRODUCT) or title == PRODUCT.lstrip(" –"):
        problems.append(f"{url}: title {title!r}")
    at_each_width(page, lambda width: problems.extend(_fits(page, url, width)), WIDTHS)
    return problems


def _fits(page, url: str, width: int) -> list[str]:
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth")
    if overflow > width:
        problems.append(f"{url} @{width}: the page is {overflow} px wide")
    clipped = page.evaluate(CLIPPED_ACTIONS)
    if clipped:
        problems.append(f"{url} @{width}: actions out of view {clipped}")
    unreachable = page.evaluate(UNREACHABLE_REGIONS)
    if unreachable:
        problems.append(
            f"{url} @{width}: scrolling regions out of the keyboard's reach {unreachable}"
        )
    header = page.locator("header.topbar").bounding_box()["height"]
    if width == PHONE and header > 120:
        problems.append(f"{url} @{width}: the header is {header} px tall")
    return problems


def test_every_main_page_fits_names_the_product_and_keeps_its_actions_in_view(
    world, scene, sign_in, live_server
):
    active, draft = scene
    problems = []
    for user, urls in pages_of(world, active, draft).items():
        page = sign_in(user)
        for url in urls:
            problems += _check_page(page, live_server.url + url)
    assert problems == []


def test_the_phone_menu_is_a_button_that_opens_without_script(world, sign_in, live_server, browser):
    page = sign_in(world.officer)
    page.set_viewport_size({"width": PHONE, "height": 780})
    page.goto(f"{live_server.url}/plans/")
    menu = page.locator("header .menu > summary")
    payments = page.locator("header nav a", has_text="Business plans")
    assert menu.is_visible() and not payments.is_visible()
    assert page.locator("header.topbar").bounding_box()["height"] <= 120
    menu.click()
    assert payments.is_visible()
    payments.click()
    page.wait_for_url("**/plans/")

    page.set_viewport_size({"width": DESKTOP, "height": HEIGHT})
    page.goto(f"{live_server.url}/plans/")
    assert not menu.is_visible() and payments.is_visible()

    # The same disclosure with scripts turned off.
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": PHONE, "height": 780}
    )
    bare = context.new_page()
    bare.goto(f"{live_server.url}/accounts/login/")
    assert bare.title() == "Sign in" + PRODUCT
    bare.locator("header .menu > summary").click()
    assert bare.locator("header nav select#language").is_visible()
    context.close()


def test_the_favicon_loads_from_the_link_and_from_its_usual_address(world, sign_in, live_server):
    page = sign_in(world.producer)
    for href in page.eval_on_selector_all("link[rel=icon]", "els => els.map(e => e.href)"):
        response = page.request.get(href)
        assert response.status == 200, href
        assert response.headers["content-type"] in (
            "image/svg+xml",
            "image/x-icon",
            "image/vnd.microsoft.icon",
        )
    answer = page.request.get(f"{live_server.url}/favicon.ico")
    assert answer.status == 200
    assert answer.body()[:4] == b"\x00\x00\x01\x00"  # an ICO file


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_problem_on_the_plan_page_dashboard_and_a_form_with_errors(
    world, scene, sign_in, live_server
):
    """At each width, each page as it stands, the window resized."""
    active, draft = scene
    officer = sign_in(world.officer)
    for url in (f"/plans/{active.pk}/", "/monitoring/portfolio/"):
        officer.goto(f"{live_server.url}{url}")

        def nothing_serious(width, url=url):
            assert _serious(officer) == [], (url, width)

        at_each_width(officer, nothing_serious, WIDTHS)

    producer = sign_in(world.producer)
    producer.goto(f"{live_server.url}/plans/{draft.pk}/budget/")
    producer.fill("#id_description", "Drying floor")
    producer.fill("#id_quantity", "abc")
    producer.click("main form button.primary")
    summary = producer.locator(".error-summary")
    summary.wait_for()

    def each_problem_leads_to_its_field(width):
        # The summary comes first and each problem leads to its field.
        link = summary.locator("a").first
        target = link.get_attribute("href")
        link.click()
        assert producer.evaluate("document.activeElement.id") == target.lstrip("#"), width
        assert _serious(producer) == [], width

    at_each_width(producer, each_problem_leads_to_its_field, WIDTHS)
