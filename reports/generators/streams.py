"""Reading a whole portfolio in a fixed number of queries, with memory for one alliance.

A report that shows, per alliance, rows from several tables (tranches and payments,
baselines, targets and report values...) reads each table with ONE query over all the
covered alliances, every query sorted the same way (`alliance_order`), and walks them side
by side like a merge join: the alliances' stream leads, and each other stream hands over
the rows of the current alliance (`Follower.take`). Each query is read in chunks
(`iterator`: a server-side cursor on PostgreSQL), so nothing holds the portfolio in memory
and the number of queries does not grow with it.

The streams compare their alliance keys (programme code, alliance code, alliance id) in
Python, so the database sorts the codes by their bytes (`binary`: the "C" collation on
PostgreSQL, BINARY on SQLite), which is how Python orders text. A row whose alliance is
not in the leading stream (an alliance created between two queries) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import F
from django.db.models.functions import Collate

CHUNK = 2000


def binary(path: str) -> Collate:
    """`path` sorted by its bytes, the way Python compares text."""
    return Collate(F(path), "C" if connection.vendor == "postgresql" else "BINARY")


def alliance_order(prefix: str = "") -> tuple:
    """ORDER BY of a stream of rows about alliances: programme code, alliance code, id.
    `prefix` leads from the stream's model to the alliance ("plan__alliance__")."""
    return (binary(f"{prefix}program__code"), binary(f"{prefix}code"), f"{prefix}id")


def alliance_key(prefix: str = "") -> tuple:
    """The first values of each row of a stream: the same three as `alliance_order`."""
    return (f"{prefix}program__code", f"{prefix}code", f"{prefix}id")


def rows(queryset) -> Iterator[tuple]:
    """A values_list queryset read in chunks."""
    return queryset.iterator(chunk_size=CHUNK)


class Follower:
    """A stream of rows whose first three values are an alliance key, sorted like the
    leading stream; `take(key)` returns the rows of that alliance (the rest of each row)."""

    def __init__(self, stream: Iterable[tuple]):
        self._rows = iter(stream)
        self._next = next(self._rows, None)

    def take(self, key: tuple) -> list[tuple]:
        found = []
        while self._next is not None:
            head = tuple(self._next[:3])
            if head > key:
                break
            if head == key:
                found.append(tuple(self._next[3:]))
            self._next = next(self._rows, None)
        return found
