"""The demo's history: every step taken on its own date, in the order of the dates.

The services date what they record with the time they run at (the journal's `at`, a
report's `submitted_at`, a payment's `paid_on`...), and the journal is append-only: its
dates cannot be set afterwards. So the demo runs its steps at their dates, under a
frozen clock (freezegun) moved from one date to the next.

A story is a generator: it yields the moment of its next step, and takes the step when
the clock has come to that moment. `Clock.run` takes the steps of all stories in the
order of their moments, so that one alliance's monitoring reports are accepted before
its next tranche is requested, whichever part of the demo tells each. A story does
nothing before its first yield (it is started when added). No moment is later than the
time the demo is loaded at.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone
from freezegun import freeze_time

# Read the real clock, whatever the demo's: log lines and the cache's warnings.
REAL_TIME_FOR = ["logging", "redis", "kombu", "core.cache"]
# The latest moment a step is dated: a little before the demo is loaded.
MARGIN = datetime.timedelta(minutes=10)

Story = Iterator[datetime.datetime]


class Clock:
    def __init__(self, now: datetime.datetime):
        self.now = now  # when the demo is loaded: nothing is dated after it
        self.today = timezone.localdate(now)
        self._factory = None
        self._queue: list[tuple[datetime.datetime, int, Story]] = []
        self._order = itertools.count()
        self._current: datetime.datetime | None = None
        self._running = False

    def at(self, day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """`day` at `hour`:`minute`, local time; never after the demo's loading."""
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
        return min(moment, self.now - MARGIN)

    @contextmanager
    def running(self):
        """The frozen clock, ticking from each moment it is moved to (the steps of one
        moment follow each other by milliseconds)."""
        with freeze_time(self.now, tick=True, ignore=REAL_TIME_FOR) as factory:
            self._factory = factory
            try:
                yield self
            finally:
                self._factory = None

    def move_to(self, moment: datetime.datetime) -> None:
        self._factory.move_to(moment)
        self._current = moment

    def add(self, story: Story) -> None:
        """Start `story`: its steps are taken by `run`, at their moments."""
        self._schedule(story, self._current if self._running else None)

    def run(self) -> None:
        self._running = True
        try:
            while self._queue:
                moment, _order, story = heapq.heappop(self._queue)
                self.move_to(moment)
                self._schedule(story, moment)
        finally:
            self._running = False

    def _schedule(self, story: Story, earliest: datetime.datetime | None) -> None:
        moment = next(story, None)
        if moment is None:
            return
        if earliest is not None and moment < earliest:
            raise ValueError(f"A demo story goes back in time: {moment} after {earliest}.")
        heapq.heappush(self._queue, (moment, next(self._order), story))
