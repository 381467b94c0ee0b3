"""Helpers every part of the demo uses: who acts for a party, and a small PDF to upload."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, Role, User


def pdf_bytes(title: str) -> bytes:
    """A small, valid one-page PDF with a line of text (no library needed)."""
    text = title.encode("cp1252", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>stream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += b"trailer << /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\n"
    return out + b"startxref\n" + str(xref).encode() + b"\n%%EOF\n"


def pdf_upload(title: str, name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(title), content_type="application/pdf")


def buyer_user(demo, buyer) -> User:
    if buyer == demo["buyer_bj"]:
        return demo.users["buyer"]
    username = f"buyer_{buyer.pk}"
    user = demo.users.get(username)
    if user is None:
        user = User.objects.create_user(username=username, password=demo.password)
        Membership.objects.create(user=user, role=Role.BUYER, buyer=buyer)
        demo.users[username] = user
    return user


def producer_side(demo, plan):
    """The user who acts for the plan's producer organization in the demo."""

    organization_id = plan.alliance.producer_organization_id
    membership = (
        Membership.objects.filter(role=Role.PRODUCER, producer_organization_id=organization_id)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else demo.users["ta_provider"]
