"""`load_demo` is for development: refused when DEBUG is off unless forced, and its users
sign in with DEMO_PASSWORD. (The demo's content: tests/test_demo.py.)"""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from funding.models import Program


def test_load_demo_refuses_when_debug_is_off_and_forced_takes_the_password_setting(db, settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = "another-demo-password"
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("load_demo")
    assert not Program.objects.exists()

    call_command("load_demo", "--force", stdout=StringIO())

    assert Program.objects.count() == 2
    assert authenticate(username="officer", password="another-demo-password") is not None
    assert authenticate(username="officer", password="demo") is None
