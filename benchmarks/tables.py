"""The figures as tables, with the targets of issue 17 and whether each is met."""

from __future__ import annotations

from dataclasses import dataclass

# Targets (issue 17, at 50,000 alliances; shown at every size).
PAGE_RATIO = 3  # lists, API lists, the tasks homes and the dashboard: median <= 3x floor
PAGE_P95_MS = 300  # the same under 8 concurrent clients (home, lists, dashboard)
REPORT_RATIO = 2  # indicator table and ledger XLSX: <= 2x floor
REPORT_PEAK_MB = 250  # and their peak memory


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # "page" (a list, a home, the dashboard), "report" (held to the targets), "other"
    figures: dict  # median, floor (s), queries, peak_mb, p95 (s), any of them missing


def _time(seconds: float | None, *, in_seconds: bool = False) -> str:
    if seconds is None:
        return "—"
    if in_seconds:
        return f"{seconds:.2f} s"
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def floor_of(f: dict) -> float | None:
    """A row's floor: its rows by raw SQL, plus for a page or an API list the cost of an
    empty answer through the same stack as the same persona (`stack`, measure.py): what
    any request pays before it reads a row."""
    if "floor" not in f:
        return None
    return f["floor"] + f.get("stack", 0)


def _ratio(f: dict) -> float | None:
    floor = floor_of(f)
    return f["median"] / floor if "median" in f and floor else None


def _checks(row: Row) -> tuple[str, list[bool]]:
    """The row's target, and for each part of it that was measured: met or not."""
    f = row.figures
    ratio = _ratio(f)
    if row.kind == "page":
        checks = [] if ratio is None else [ratio <= PAGE_RATIO]
        if "p95" in f:
            checks.append(f["p95"] * 1000 <= PAGE_P95_MS)
        return f"≤{PAGE_RATIO}× floor, p95 ≤{PAGE_P95_MS} ms", checks
    if row.kind == "report":
        checks = [] if ratio is None else [ratio <= REPORT_RATIO]
        if "peak_mb" in f:
            checks.append(f["peak_mb"] <= REPORT_PEAK_MB)
        return f"≤{REPORT_RATIO}× floor, ≤{REPORT_PEAK_MB} MB", checks
    return "—", []


def figures_table(title: str, rows: list[Row], *, clients: int) -> str:
    header = (
        "what", "median", "SQL", "+ stack", "ratio", "to SQL", "queries", "peak MB",
        f"p95 ×{clients}", "target", "",
    )  # fmt: skip
    lines = []
    for row in rows:
        f = row.figures
        ratio = _ratio(f)
        to_sql = f["median"] / f["floor"] if "median" in f and f.get("floor") else None
        target, checks = _checks(row)
        met = ("✓" if all(checks) else "✗") if checks else ""
        in_seconds = row.kind != "page"  # reports take seconds
        lines.append(
            (
                row.label,
                _time(f.get("median"), in_seconds=in_seconds),
                _time(f.get("floor"), in_seconds=in_seconds),
                _time(floor_of(f), in_seconds=in_seconds) if "stack" in f else "—",
                "—" if ratio is None else f"{ratio:.1f}×",
                "—" if to_sql is None or "stack" not in f else f"{to_sql:.1f}×",
                str(f["queries"]) if "queries" in f else "—",
                f"{f['peak_mb']:.0f}" if "peak_mb" in f else "—",
                _time(f.get("p95")),
                target,
                met,
            )
        )
    return _render(title, header, lines)


def weight_table(title: str, rows: list[tuple[str, float, int | None]]) -> str:
    header = ("what a browser accepting gzip transfers (bodies)", "KB", "target", "")
    lines = [
        (what, f"{kb:.1f}", "", "")
        if target is None
        else (what, f"{kb:.1f}", f"< {target} KB", "✓" if kb < target else "✗")
        for what, kb, target in rows
    ]
    return _render(title, header, lines)


def _render(title: str, header: tuple, lines: list[tuple]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]

    def line(cells) -> str:
        first, *rest = cells
        out = [f"{first:<{widths[0]}}"]
        out += [f"{cell:>{width}}" for cell, width in zip(rest[:-2], widths[1:-2], strict=True)]
        out += [f"{rest[-2]:<{widths[-2]}}", rest[-1]]
        return "  ".join(out).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([title, line(header), rule, *(line(cells) for cells in lines)])
