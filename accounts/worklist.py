"""The "my tasks" queue: one entry per kind of work waiting for a user, with its count.

Each app registers the kinds of work its own records create (`register`, in its
`apps.py`): a source is a function of the user and their scope that returns the entries
for the roles the user holds, each a query over what the user may see, so the queue shows
only work the user may actually do. Sources are listed in the order of their `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise

from .policy import user_scope


@dataclass
class Task:
    key: str
    label: Promise | str
    count: int
    url: str


Source = Callable[[object, object], Iterable[Task]]  # (user, scope) -> tasks

_SOURCES: dict[str, tuple[int, Source]] = {}


def register(name: str, source: Source, *, order: int) -> None:
    """Add (or replace) a source of tasks; `order` places its entries in the queue."""
    _SOURCES[name] = (order, source)


def tasks_for(user) -> list[Task]:
    """The user's queue, in the registered order."""
    if not user.is_authenticated:
        return []
    scope = user_scope(user)
    queue: list[Task] = []
    for _order, source in sorted(_SOURCES.values(), key=lambda entry: entry[0]):
        queue.extend(source(user, scope))
    return queue
