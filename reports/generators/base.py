"""What every report generator receives, and the progress bar it moves.

A generator is a function `generate(ctx, path)` that writes the whole file to `path`
(a temporary part file) and calls `ctx.progress.row()` as it writes rows. It reads
only what the requester may see: `ctx.alliances()` is the requester's visible
portfolio narrowed by the job's parameters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet

from accounts.policy import alliances_visible_to
from core.formats import format_money
from core.money import round_money

from . import KINDS


class Superseded(Exception):  # noqa: N818 - a signal, not an error
    """The job was taken over by a newer run (redelivery): stop without touching it."""


class Progress:
    """Moves the job's progress bar: phases of the bar, each filled row by row.

    `report(percent)` is called only when the whole-number percentage changes (at most
    100 writes per job); it raises `Superseded` when the run lost the job.
    """

    def __init__(self, report: Callable[[int], None]):
        self._report = report
        self._start = 0
        self._end = 100
        self._total = 1
        self._done = 0
        self._last = -1
        # Test-only: a pause per row, to have a window to kill a worker mid-job.
        self._delay = float(getattr(settings, "REPORTS_TEST_DELAY_PER_ROW", 0) or 0)

    def phase(self, start: int, end: int, total: int) -> None:
        """The next `total` rows fill the bar from `start` to `end` percent."""
        self._start, self._end, self._total, self._done = start, end, max(total, 1), 0
        self._emit(start)

    def row(self, count: int = 1) -> None:
        self._done += count
        if self._delay:
            time.sleep(self._delay * count)
        span = self._end - self._start
        self._emit(self._start + span * min(self._done, self._total) // self._total)

    def _emit(self, percent: int) -> None:
        percent = min(percent, 99)  # 100 means the file is there: set on success only
        if percent != self._last:
            self._last = percent
            self._report(percent)


@dataclass
class Context:
    job: object  # reports.models.ReportJob
    user: object  # the requester
    progress: Progress
    language: str
    parameters: dict = field(default_factory=dict)

    def alliances(self) -> QuerySet:
        """The alliances the report covers: visible to the requester, narrowed by parameters."""
        qs = alliances_visible_to(self.user, reads=KINDS[self.job.kind].reads)
        if "program" in self.parameters:
            qs = qs.filter(program_id=self.parameters["program"])
        if "alliance" in self.parameters:
            qs = qs.filter(pk=self.parameters["alliance"])
        return qs

    def money(self, amount: Decimal | None, currency: str) -> str:
        return format_money(amount, currency, self.language)


def to_reporting(amount: Decimal | None, rate: Decimal, currency: str) -> Decimal | None:
    """An amount in the programme's reporting currency, at the programme's dated rate."""
    if amount is None:
        return None
    return round_money(Decimal(amount) * Decimal(rate), currency)
