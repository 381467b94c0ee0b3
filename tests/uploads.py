"""Hostile uploads built in the tests: a zip bomb dressed as an XLSX workbook, web pages."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from plans.models import PlanDocument
from tests.factories import EVIDENCE_PDF, FIRST_DEPOSIT

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOMB_UNPACKED_MB = 200
ZIP_BOMB_MESSAGE = (
    "This spreadsheet would take more than 50 MB once unpacked, or is packed far more "
    "tightly than a real one, so it was not opened. Save it again from your spreadsheet "
    "program, or split it."
)
WEB_CONTENT_MESSAGE = (
    "Web pages, SVG images and other markup are not accepted, whatever the file's name says. "
    "Send a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV)."
)
HTML_PAGE = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script>a,b</body></html>"
# Passes for CSV text (a separator on the first line), with a script further down.
CSV_WITH_SCRIPT = b"name,amount\nAna,12\n<script>alert(1)</script>,3\n"
NOT_ACCEPTED_MESSAGE = (
    "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
    "whatever its name says."
)


def workbook_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@functools.cache
def zip_bomb_xlsx(unpacked_mb: int = BOMB_UNPACKED_MB) -> bytes:
    """A real workbook (about 1 MB) whose first sheet unpacks to `unpacked_mb` MB: the
    sheet's XML padded with spaces, streamed into the zip so the test never holds it."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([["name", "sex", "birth_year"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(entry.filename, data)
                continue
            head, tail = data.split(b"<sheetData", 1)
            with bomb.open(entry.filename, "w", force_zip64=True) as sheet:
                sheet.write(head)
                chunk = b" " * (1024 * 1024)
                for _ in range(unpacked_mb):
                    sheet.write(chunk)
                sheet.write(b"<sheetData" + tail)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_named_html() -> SimpleUploadedFile:
    return upload("page.html", EVIDENCE_PDF, "text/html")


def zip_bomb(name: str = "roster.xlsx") -> SimpleUploadedFile:
    return upload(name, zip_bomb_xlsx(), XLSX_TYPE)


def zip_file(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# Files every upload refuses, each with its message (a parameter list for the tests).
REFUSED = [
    pytest.param(lambda: zip_bomb("budget.xlsx"), ZIP_BOMB_MESSAGE, id="zip-bomb"),
    pytest.param(lambda: upload("quote.pdf", HTML_PAGE), WEB_CONTENT_MESSAGE, id="html"),
    pytest.param(lambda: upload("sales.csv", CSV_WITH_SCRIPT), WEB_CONTENT_MESSAGE, id="script"),
    pytest.param(
        lambda: upload("archive.xlsx", zip_file({"word/document.xml": b"<w/>"})),
        NOT_ACCEPTED_MESSAGE,
        id="not-a-workbook",
    ),
]


def uploaded_documents():
    """Every plan document but the slips of the first counterpart deposits that signed
    plans carry (`tests.factories.first_deposit`): what a test's own uploads add to."""
    return PlanDocument.objects.exclude(contribution__description=FIRST_DEPOSIT)


def stored_files() -> list[str]:
    """Every file under the private media root's plans/ folder, but the slips of the first
    counterpart deposits that signed plans carry (`tests.factories.first_deposit`)."""
    media = Path(settings.MEDIA_ROOT)
    slips = set(
        PlanDocument.objects.filter(contribution__description=FIRST_DEPOSIT).values_list(
            "file", flat=True
        )
    )
    files = (str(p.relative_to(media)) for p in (media / "plans").rglob("*") if p.is_file())
    return sorted(name for name in files if name not in slips)


def assert_stored_as(document, extension: str) -> None:
    """The document's file is the only one stored, under plans/<plan>/ with a generated
    name and the extension of the type read from its content."""
    pattern = rf"plans/{document.plan_id}/[0-9a-f]{{32}}\.{extension}"
    assert re.fullmatch(pattern, document.file.name), document.file.name
    assert stored_files() == [document.file.name]
