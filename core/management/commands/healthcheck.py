"""`manage.py healthcheck web|beat`: the compose healthchecks of the web and beat
containers (the worker's is `celery inspect ping`). Exit status 0 when healthy, 1 with
the reason on stderr otherwise.

- `web` asks the running server for `/healthz/` over HTTP on 127.0.0.1 (database, cache,
  media storage and broker, `core.health`), as a load balancer would: with a host name
  the site accepts and, behind a proxy, as if over HTTPS.
- `beat` checks that the scheduler ticked lately (`core.health.Scheduler`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.health import beat_is_alive


def site_host() -> str:
    """A host name the site accepts (the first of ALLOWED_HOSTS, made concrete)."""
    for host in settings.ALLOWED_HOSTS:
        host = host.lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


class Command(BaseCommand):
    help = "Exit 0 if the web server (or beat) is healthy, 1 otherwise."

    def add_arguments(self, parser):
        parser.add_argument("part", choices=["web", "beat"])
        parser.add_argument("--port", type=int, default=8000, help="web: the server's port")
        parser.add_argument(
            "--max-age",
            type=float,
            default=180,
            help="beat: seconds since its last tick after which it is unhealthy",
        )

    def handle(self, *args, part, port, max_age, **options):
        if part == "beat":
            if not beat_is_alive(max_age):
                raise CommandError(f"beat has not ticked for {max_age:g} seconds")
            self.stdout.write("beat: OK")
            return
        headers = {"Host": site_host(), "Accept": "application/json"}
        if settings.TRUSTED_PROXY_COUNT:
            headers["X-Forwarded-Proto"] = "https"  # as the TLS-terminating proxy says
        request = urllib.request.Request(  # noqa: S310 - a fixed http:// address
            f"http://127.0.0.1:{port}/healthz/?format=json", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:500].decode(errors="replace")
            raise CommandError(f"web: {exc.code} {detail}") from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"web: no answer from 127.0.0.1:{port} ({exc})") from exc
        self.stdout.write("web: " + ", ".join(f"{name} {state}" for name, state in body.items()))
