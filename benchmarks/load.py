"""Every list, the tasks homes and the dashboard under load: `CLIENTS` processes each ask
for the page `REQUESTS` times at once (after a warm-up request each); the 95th percentile
of every request's time (and the median, and the requests served per second)."""

from __future__ import annotations

from . import dashboard, lists
from .databases import child

CLIENTS = 8
REQUESTS = 20


def measure(env: dict, *, clients: int = CLIENTS, requests: int = REQUESTS) -> dict[str, dict]:
    """{label: figures} for every list target and the dashboard's personas."""
    pages = [(t.label, t.path, t.persona) for t in lists.TARGETS]
    pages += [(dashboard.label(p), dashboard.PATH, p) for p in dashboard.PERSONAS]
    results = {}
    for label, path, persona in pages:
        figures = child(env, "load", path=path, persona=persona, clients=clients, requests=requests)
        print(f"  {label} x{clients}: {figures}", flush=True)
        results[label] = figures
    return results
