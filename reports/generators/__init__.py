"""The report kinds: what each one accepts as parameters and which function writes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from accounts.policy import APPRAISALS, MONEY, MONITORING, PORTFOLIO, SUMMARY

from ..models import ReportKind


@dataclass(frozen=True)
class KindSpec:
    kind: str
    extension: str
    content_type: str
    # Parameter names the kind accepts; a report takes at most one of them.
    accepts: tuple[str, ...]
    required: bool
    generate: Callable | None
    # Which part of an alliance's data the report shows (accounts.policy, §9a): the
    # requester must read it for every alliance the report covers. PORTFOLIO: the
    # portfolio scope (ministry staff and funders only).
    reads: str = SUMMARY
    unavailable_reason: Promise | None = None

    @property
    def available(self) -> bool:
        return self.generate is not None


PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
XML = "application/xml"


def _lazy(module: str, name: str) -> Callable:
    """Import a generator when it runs, so that the web process loads no PDF library."""

    def run(ctx, path):
        from importlib import import_module

        return getattr(import_module(f"reports.generators.{module}"), name)(ctx, path)

    return run


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            ReportKind.ALLIANCE_FACTSHEET_PDF,
            "pdf",
            PDF,
            ("alliance",),
            True,
            _lazy("factsheet", "generate"),
            reads=MONEY,
        ),
        KindSpec(
            ReportKind.COMMITTEE_DOSSIER_PDF,
            "pdf",
            PDF,
            ("plan",),
            True,
            _lazy("dossier", "generate"),
            reads=APPRAISALS,
        ),
        KindSpec(
            ReportKind.PORTFOLIO_XLSX,
            "xlsx",
            XLSX,
            ("program",),
            False,
            _lazy("portfolio", "generate_xlsx"),
            reads=PORTFOLIO,
        ),
        KindSpec(
            ReportKind.PORTFOLIO_PDF,
            "pdf",
            PDF,
            ("program",),
            False,
            _lazy("portfolio", "generate_pdf"),
            reads=PORTFOLIO,
        ),
        KindSpec(
            ReportKind.DISBURSEMENT_LEDGER_XLSX,
            "xlsx",
            XLSX,
            ("program", "alliance"),
            False,
            _lazy("ledger", "generate_xlsx"),
            reads=MONEY,
        ),
        KindSpec(
            ReportKind.DISBURSEMENT_LEDGER_CSV,
            "csv",
            CSV,
            ("program", "alliance"),
            False,
            _lazy("ledger", "generate_csv"),
            reads=MONEY,
        ),
        KindSpec(
            ReportKind.INDICATORS_XLSX,
            "xlsx",
            XLSX,
            ("program", "alliance"),
            False,
            _lazy("indicators", "generate"),
            reads=MONITORING,
        ),
        # IATI activity XML 2.03 of a programme's funded alliances, also served by
        # GET /api/v1/iati/activities/ (reports/iati_api.py): the portfolio's readers.
        KindSpec(
            ReportKind.IATI_ACTIVITIES_XML,
            "xml",
            XML,
            ("program",),
            True,
            _lazy("iati", "generate"),
            reads=PORTFOLIO,
        ),
    )
}

AVAILABLE_KINDS = tuple(kind for kind, spec in KINDS.items() if spec.available)
