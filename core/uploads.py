"""What an uploaded file is, told from its bytes: one rule for every upload (plan documents,
tranche, contribution and monitoring evidence, member rosters).

- The type comes from the content, never from the file's name or the browser's declared
  type, and the stored file gets a generated name whose extension is the detected type's:
  `page.html` holding a PDF is kept as `<uuid>.pdf`. The user's name is for display only.
- Web content (HTML, SVG, XML, scripts) is refused even where it would pass for CSV text:
  a browser or a viewer could run it.
- A zip-based office file (XLSX) is measured before anything unpacks it, and refused when
  its members would unpack to more than `MAX_UNPACKED_BYTES`, or when a large member is
  packed more than `MAX_RATIO` times tighter than its content (a zip bomb). `zipfile`
  never unpacks more of a member than its declared size, so the declared sizes bound what
  openpyxl will read.
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import puremagic
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", XLSX: "xlsx", CSV: "csv"}
_SAME_EXTENSION = {"jpg": {"jpg", "jpeg"}}

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_RATIO = 100  # real workbooks pack 5 to 20 times
RATIO_CHECKED_FROM = 1024 * 1024  # small members may pack tightly and harm no one

# The start of a tag that makes text a web page, an SVG image or XML to a browser.
_MARKUP = re.compile(
    rb"<(?:\?xml|!--|!doctype|(?:html|head|body|script|iframe|frame|frameset|svg|math|object"
    rb"|embed|meta|link|style|base|form|img|video|audio|template)(?=[\s/>]))",
    re.IGNORECASE,
)


class UploadRefused(Exception):  # noqa: N818 - a refusal with a message, as ActionRefused
    """The file is refused; `message` says why, in words for the person who sent it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def not_accepted_message() -> str:
    return _(
        "This file is not a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV), "
        "whatever its name says."
    )


def content_type_of(data: bytes) -> str:
    """The type of `data` among EXTENSIONS, read from the bytes; UploadRefused otherwise."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                # Not a workbook, or one with macros (an .xlsm under another name).
                if "xl/workbook.xml" not in names or any(
                    name.lower().endswith("vbaproject.bin") for name in names
                ):
                    raise UploadRefused(not_accepted_message())
                archive_check(archive)
        except zipfile.BadZipFile as error:
            raise UploadRefused(not_accepted_message()) from error
        return XLSX
    if _MARKUP.search(data):
        raise UploadRefused(web_content_message())
    try:
        known = puremagic.magic_string(data[:2048])
    except puremagic.PureError:
        known = []
    if known or b"\x00" in data:
        # A binary format that we do not accept (executables, archives, other images).
        raise UploadRefused(not_accepted_message())
    for encoding in ("utf-8", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        first_line = text.splitlines()[0] if text.strip() else ""
        if any(sep in first_line for sep in (",", ";", "\t")):
            return CSV
    raise UploadRefused(not_accepted_message())


def web_content_message() -> str:
    return _(
        "Web pages, SVG images and other markup are not accepted, whatever the file's name "
        "says. Send a PDF, an image (PNG, JPEG) or a spreadsheet (XLSX, CSV)."
    )


def archive_check(archive: zipfile.ZipFile) -> None:
    """Refuse a zip (an XLSX workbook) that would unpack to too much: call it before
    anything reads a member."""
    total = 0
    for entry in archive.infolist():
        total += entry.file_size
        packed_too_tightly = (
            entry.file_size > RATIO_CHECKED_FROM
            and entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        )
        if total > MAX_UNPACKED_BYTES or packed_too_tightly:
            raise UploadRefused(
                _(
                    "This spreadsheet would take more than %(limit)s MB once unpacked, or is "
                    "packed far more tightly than a real one, so it was not opened. Save it "
                    "again from your spreadsheet program, or split it."
                )
                % {"limit": MAX_UNPACKED_BYTES // 1024 // 1024}
            )


def stored_name(content_type: str) -> str:
    """A new file name for stored content: random, with the detected type's extension."""
    return f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"


def download_name(original: str, content_type: str) -> str:
    """The user's file name to offer on download, with the extension of the type read from
    the content: `page.html` holding a PDF is offered as `page.pdf`."""
    extension = EXTENSIONS.get(content_type)
    if extension is None:
        return original
    stem, dot, current = original.rpartition(".")
    if not dot:
        stem = original
    elif current.lower() in _SAME_EXTENSION.get(extension, {extension}):
        return original
    return f"{stem.strip() or 'document'}.{extension}"
