"""Sending one webhook request: where it may go, how it is signed, what came back.

A webhook may not point into the platform's own network (no server-side request
forgery): its host must resolve only to public addresses, checked when it is registered
and again before every request, unless DEBUG is on or WEBHOOKS_ALLOW_PRIVATE_ADDRESSES
says so. Redirects are not followed (they could lead anywhere). The body is signed with
the webhook's secret: `X-Signature: sha256=<hex HMAC-SHA256 of the body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

TIMEOUT = 10  # seconds for one request
USER_AGENT = "productive-alliances-webhooks/1"


class Refused(ValueError):
    """The address may not receive webhooks; the message says why, for the registrant."""


def private_addresses_allowed() -> bool:
    return settings.DEBUG or settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES


def check_address(url: str) -> None:
    """Refuse an address that is not http(s), or whose host is (or resolves to) a
    loopback, private, link-local, multicast or reserved address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("Give an http:// or https:// address."))
    if parts.username or parts.password:
        raise Refused(_("Give the address without a user name or password."))
    if private_addresses_allowed():
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, ValueError, UnicodeError):
        raise Refused(_("This host name cannot be found.")) from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise Refused(
                _("This address leads into a private network; webhooks go to public addresses.")
            )


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    ok: bool
    status_code: int | None
    error: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is an answer, not a new address to follow


_opener = urllib.request.build_opener(_NoRedirects)


def send(url: str, secret: str, event: str, delivery_id: int, payload: dict) -> Answer:
    """POST the event; any 2xx is delivered. Never raises for what the other end does."""
    try:
        check_address(url)
    except Refused as refusal:
        return Answer(False, None, str(refusal))
    body = body_of(payload)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Event": event,
            "X-Delivery": str(delivery_id),
            "X-Signature": signature(secret, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            code = response.status
    except urllib.error.HTTPError as exc:
        return Answer(False, exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:  # refused, timed out, TLS, bad address
        return Answer(False, None, f"{type(exc).__name__}: {exc}"[:500])
    return Answer(200 <= code < 300, code, "" if 200 <= code < 300 else f"HTTP {code}")
