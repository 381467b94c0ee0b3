"""Page weight: what a browser accepting gzip transfers for a producer (issue 17).

The first page (home, first visit): its HTML gzipped by Django's GZipMiddleware, plus the
assets it loads (stylesheets, scripts, one icon, what the stylesheets load), gzipped files
served by WhiteNoise as in production; then later pages with the assets cached, HTML only:
home again, the plan list and the producer's plan. Bodies only, headers not counted.
"""

from __future__ import annotations

from .databases import child

PERSONA = "producer"
FIRST_PAGE_KB = 40
LATER_PAGE_KB = 15


def measure(env: dict) -> dict:
    figures = child(env, "weight", persona=PERSONA)
    print(f"  weight: {figures}", flush=True)
    return figures


def rows(figures: dict) -> list[tuple[str, float, int | None]]:
    """(what, KB transferred, target KB or None) for the first page, its parts, and each
    later page."""
    assets = sum(size for _, size, _ in figures["assets"])
    out = [
        (
            f"{PERSONA}'s first page, first visit: HTML + assets",
            (figures["first"] + assets) / 1024,
            FIRST_PAGE_KB,
        ),
        (
            f"  home HTML ({figures['first_encoding'] or 'not compressed'})",
            figures["first"] / 1024,
            None,
        ),
    ]
    for url, size, encoding in figures["assets"]:
        out.append((f"  {url} ({encoding or 'not compressed'})", size / 1024, None))
    for name, (size, encoding) in figures["later"].items():
        out.append(
            (
                f"later page: {name}, HTML ({encoding or 'not compressed'})",
                size / 1024,
                LATER_PAGE_KB,
            )
        )
    return out
