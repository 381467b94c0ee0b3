"""Pages and API answers are gzipped for clients that accept it (Django's GZipMiddleware),
with Django's BREACH mitigation; static files are stored compressed by WhiteNoise, in
Brotli as well as gzip (issue 17)."""

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import brotli
from django.conf import settings
from django.urls import reverse
from whitenoise.compress import Compressor

from plans.models import PlanStatus

STATIC = Path(settings.BASE_DIR) / "static"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf_tokens(html: str) -> str:
    """The page less its CSRF tokens, which Django masks anew for every response."""
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', html)


def test_a_page_is_gzipped_for_a_client_that_accepts_it(client, world):
    world.build(PlanStatus.DRAFT)
    client.force_login(world.officer)
    plain = client.get(reverse("plan-list"))
    zipped = client.get(reverse("plan-list"), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    # Caches keep the two apart.
    assert "Accept-Encoding" in plain["Vary"] and "Accept-Encoding" in zipped["Vary"]
    html = gzip.decompress(zipped.content).decode()
    assert without_csrf_tokens(html) == without_csrf_tokens(plain.content.decode())
    assert "csrfmiddlewaretoken" in html  # the sign-out form: the case BREACH is about
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 2


def test_each_gzipped_answer_is_padded_differently_against_breach(client, world):
    client.force_login(world.officer)
    answers = [client.get(reverse("home"), HTTP_ACCEPT_ENCODING="gzip") for _ in range(5)]
    # Django writes a random number (0 to 99) of bytes as the gzip member's file name
    # (FNAME flag): the length of an answer no longer tells what compressed well.
    padding = set()
    for answer in answers:
        assert answer.content[:4] == b"\x1f\x8b\x08" + bytes([gzip.FNAME])
        padding.add(answer.content.index(b"\x00", 10) - 10)
    assert len(padding) > 1  # five times the same length: one chance in 100 million
    html = {without_csrf_tokens(gzip.decompress(a.content).decode()) for a in answers}
    assert len(html) == 1


def test_api_answers_are_gzipped_too(client, world):
    client.force_login(world.officer)
    plain = client.get("/api/v1/producer-organizations/")
    zipped = client.get("/api/v1/producer-organizations/", HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content


def test_a_client_that_does_not_accept_gzip_gets_the_page_as_it_is(client, world):
    client.force_login(world.officer)
    response = client.get(reverse("home"), HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"<!DOCTYPE html>")


PRODUCTION_STORAGE = """
import django; django.setup()
from django.core.files.storage import storages
storage = storages["staticfiles"]
print(type(storage).__name__, storage.create_compressor(quiet=True).use_brotli)
"""


def test_static_files_are_stored_in_brotli_and_gzip_beside_the_original(tmp_path):
    # Production (DEBUG off) stores static files with WhiteNoise's compressing storage,
    # whose compressor writes .br files beside the .gz ones: Brotli is installed.
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PRODUCTION_STORAGE],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k" * 60,
            "CACHE_URL": "locmemcache://",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.split() == ["CompressedManifestStaticFilesStorage", "True"], result.stderr
    original = tmp_path / "app.css"
    shutil.copy(STATIC / "css" / "app.css", original)
    written = Compressor(quiet=True).compress(str(original))
    assert sorted(Path(name).name for name in written) == ["app.css.br", "app.css.gz"]
    data = original.read_bytes()
    packed_br = (tmp_path / "app.css.br").read_bytes()
    packed_gz = (tmp_path / "app.css.gz").read_bytes()
    assert brotli.decompress(packed_br) == data == gzip.decompress(packed_gz)
    assert len(packed_br) < len(packed_gz) < len(data) / 2
