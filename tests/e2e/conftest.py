"""Browser journeys in Debian's headless Chromium, driven by Playwright.

Playwright's own browser download does not work here: the tests launch /usr/bin/chromium
(`CHROMIUM` overrides it) and are skipped with a clear reason when it is absent.
"""

import contextlib
import gc
import os
import shutil

import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.utils import translation

from tests.e2e.support import DESKTOP, HEIGHT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
WINDOW = {"width": DESKTOP, "height": HEIGHT}  # of a signed-in page
# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, set up after the test database so that what follows
    its session runs before the database is dropped: Playwright's sync API runs the
    tests' code in a context of its own, in which Django opens database connections of
    its own, which nothing else closes (the test database could not be dropped)."""
    yield live_server
    for wrapper in gc.get_objects():
        if issubclass(type(wrapper), BaseDatabaseWrapper):
            with contextlib.suppress(DatabaseError):  # another thread's: it closes its own
                wrapper.close()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                # A navigation keeps its frame's document host instead of making a new
                # one: Chromium's CPU for a plan page's load goes from 118 to 96 ms (the
                # journeys make some 400 loads). What a page shows is the same.
                "--disable-features=RenderDocument",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _pages(browser):
    """One browser page per language, kept for the session: Chromium spends about 0.4 s
    of CPU starting the renderer of a new page, and the journeys sign in some sixty times.
    Each sign-in empties the page's cookies first, so no one stays signed in."""
    pages = {}
    yield pages
    for page in pages.values():
        page.context.close()


@pytest.fixture
def sign_in(_pages, browser, live_server, settings):
    """sign_in(user, language) -> the page of that language, signed in as `user` (and no
    one else: its cookies are emptied first), 1280 px wide, on its home page. A sign-in
    takes over the page: whoever was signed in on it before is signed out, so a test
    signs in one person at a time in each language.

    The page is given the session cookie that signing in makes (Django's `login`, its
    signals included), instead of going through the sign-in form, which costs two more
    page loads per person; `through_form=True` goes through it (the plan journey does)."""

    def _sign_in(user, language="en", *, through_form=False):
        page = _pages.get(language)
        if page is None or page.is_closed():
            context = browser.new_context(
                locale=language, extra_http_headers={"Accept-Language": language}
            )
            page = _pages[language] = context.new_page()
        page.context.clear_cookies()
        page.set_viewport_size(WINDOW)  # whatever the test before left
        page.set_default_timeout(15_000)
        if through_form:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", "correct horse battery staple")
            page.click("main button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            return page
        client = Client()
        with translation.override(translation.get_language()):  # the signals' language
            client.force_login(user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME]
        cookie = {"name": session.key, "value": session.value, "url": live_server.url}
        page.context.add_cookies([cookie])
        page.goto(f"{live_server.url}/")
        return page

    yield _sign_in
