"""The "my tasks" queue: one entry per kind of work waiting for a user, with its count and
its first records, each leading to the form where it is done.

Each app registers the kinds of work its own records create (`register`, in its
`registrations.py`): a source is a function of the user and their scope that returns a
`Task` for each role the user holds, whose `records` start from the model's scope
selector (`*_visible_to`) and keep the records on which the user holds that role
(`acting_as`), so the queue shows only work the user may actually do. A task says which
steps of the step tables it stands for (`covers`): `tests/accounts/test_worklist.py` walks
the tables and fails when a step that waits for a person has no task.

The counts are one query whatever the number of tasks (`count_all`), kept per user for a
short time (`TASK_COUNTS_CACHE_SECONDS`) and forgotten at every step on an alliance the
user acts for (`forget`, an `accounts.steps.on_step` listener): every page shows them in
the header at the cost of one cache read. The cache fails open (`core.cache`): when it is
away, the counts are read from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.functional import Promise

from .models import Role
from .policy import user_scope, users_acting_for


@dataclass(frozen=True)
class TaskItem:
    """One record waiting: what it is, where it is done, and what the person must know
    first (a revision's reason, a dispute's reason, the date a report was due)."""

    text: str
    url: str
    note: str = ""


def alliance_subject(alliance) -> str:
    """How a task names the alliance it is about: its code and producer organization."""
    return f"{alliance.code} · {alliance.producer_organization.name}"


@dataclass
class Task:
    key: str
    label: Promise | str
    url: str  # the list of all of them
    # The records waiting, in the reader's scope (None: a count given as is).
    records: QuerySet | None = None
    # Where each record is done (a function of a record of `records`).
    item: Callable[[Any], TaskItem] | None = None
    # The steps it stands for: ("app_label.Model", "step name").
    covers: tuple[tuple[str, str], ...] = ()
    count: int = 0
    items: list[TaskItem] = field(default_factory=list)


Source = Callable[[object, object], Iterable[Task]]  # (user, scope) -> tasks

_SOURCES: dict[str, tuple[int, Source]] = {}


def register(name: str, source: Source, *, order: int) -> None:
    """Add (or replace) a source of tasks; `order` places its entries in the queue."""
    _SOURCES[name] = (order, source)


def acting_as(user, roles, path: str = "alliance") -> Q:
    """A Q over records (whose alliance is at `path`) on which `user` holds one of
    `roles`: its organizations as producer or TA provider, its buyer, its regions as
    ministry staff (all of them when national). A task's records are a scope selector's
    rows filtered by it."""
    s = user_scope(user)
    p = f"{path}__"
    q = Q(pk__in=[])
    for role in roles:
        if role == Role.PRODUCER and s.organization_ids:
            q |= Q(**{f"{p}producer_organization_id__in": s.organization_ids})
        elif role == Role.TA_PROVIDER and s.ta_organization_ids:
            q |= Q(**{f"{p}producer_organization_id__in": s.ta_organization_ids})
        elif role == Role.BUYER and s.buyer_ids:
            q |= Q(**{f"{p}buyer_id__in": s.buyer_ids})
        elif role in s.staff:
            regions = s.staff[role]
            if regions is None:
                return Q()
            q |= Q(**{f"{p}region_id__in": regions})
    return q


def queue_of(user) -> list[Task]:
    """The user's kinds of work, in the registered order, without their counts (no query
    but the user's memberships)."""
    if not user.is_authenticated:
        return []
    scope = user_scope(user)
    queue: list[Task] = []
    for _order, source in sorted(_SOURCES.values(), key=lambda entry: entry[0]):
        queue.extend(source(user, scope))
    return queue


def tasks_for(user) -> list[Task]:
    """The user's queue, in the registered order, with the count of each task."""
    queue = queue_of(user)
    counts = task_counts(user, queue)
    for task in queue:
        task.count = counts.get(task.key, 0)
    return queue


def tasks_of_request(request) -> list[Task]:
    """`tasks_for` the request's user, asked once per request: the header's badge and
    the home page share it."""
    if not hasattr(request, "_worklist_tasks"):
        request._worklist_tasks = tasks_for(request.user)
    return request._worklist_tasks


def with_items(queue: list[Task], limit: int = 5) -> list[Task]:
    """The first `limit` records of each task that has some, each as the form where it is
    done (one query per task with records waiting)."""
    for task in queue:
        if task.count and task.records is not None and task.item is not None:
            task.items = [task.item(record) for record in task.records[:limit]]
    return queue


# --- the figures a person watches, beside the tasks on the home page ----------------------


@dataclass(frozen=True)
class Figure:
    """One figure of the home page: its words, its value already formatted
    (`core.formats`), and what it means or what to do about it."""

    label: str
    value: str
    note: str = ""
    url: str = ""


FigureSource = Callable[[object, object], Iterable[Figure]]  # (user, scope) -> figures

_FIGURES: dict[str, tuple[int, FigureSource]] = {}


def register_figures(name: str, source: FigureSource, *, order: int) -> None:
    """Add (or replace) a source of home-page figures: a few set-wise queries for the
    roles the user holds, within the user's scope."""
    _FIGURES[name] = (order, source)


def figures_for(user) -> list[Figure]:
    if not user.is_authenticated:
        return []
    scope = user_scope(user)
    figures: list[Figure] = []
    for _order, source in sorted(_FIGURES.values(), key=lambda entry: entry[0]):
        figures.extend(source(user, scope))
    return figures


# --- the counts: one query, cached per user ----------------------------------------------


def count_all(querysets: list[QuerySet]) -> list[int]:
    """The number of rows of each queryset, in one query (a scalar subquery each)."""
    parts: list[str] = []
    params: list = []
    positions: list[int | None] = []
    for queryset in querysets:
        try:
            sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # .none(), or a filter on an empty set: nothing to ask
            positions.append(None)
            continue
        positions.append(len(parts))
        # `sql` is the ORM's own compiled query; every value travels in `params`.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS task_{len(parts)})")  # noqa: S608
        params.extend(sql_params)
    if not parts:
        return [0] * len(querysets)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return [0 if at is None else int(row[at]) for at in positions]


def _key(user_pk: int, name: str) -> str:
    return f"worklist:{name}:{user_pk}"


# What is kept per user (`kept`), and forgotten at once at every step (`forget`).
_KEPT: set[str] = set()


def keeps(name: str) -> str:
    """Declare (at import, in every process) a name of what `kept` keeps per user."""
    _KEPT.add(name)
    return name


COUNTS = keeps("counts")


def kept(
    user, name: str, compute: Callable[[], Any], *, fits: Callable[[Any], bool] | None = None
) -> Any:
    """What `compute()` returns (plain values, never words: the next page may be in
    another language), kept per user for `TASK_COUNTS_CACHE_SECONDS`, forgotten at every
    step concerning the user (`forget`); computed afresh when the cache is away, when the
    setting is 0, or when what is kept does not fit what is asked now (`fits`). The task counts
    and the home page's heavier figures; `name` is declared with `keeps`."""
    assert name in _KEPT, name  # a programming error: declare it with `keeps`
    seconds = settings.TASK_COUNTS_CACHE_SECONDS
    if not seconds:
        return compute()
    key = _key(user.pk, name)
    value = cache.get(key)
    if value is None or (fits is not None and not fits(value)):
        value = compute()
        cache.set(key, value, seconds)
    return value


def task_counts(user, queue: list[Task]) -> dict[str, int]:
    """Each task's count: kept (`kept`) while fresh and for the same tasks, else one
    query."""
    keys = sorted(task.key for task in queue)
    if not keys:
        return {}

    def count() -> dict[str, int]:
        asked = [t for t in queue if t.records is not None]
        counts = dict(
            zip([t.key for t in asked], count_all([t.records for t in asked]), strict=True)
        )
        counts.update({t.key: t.count for t in queue if t.records is None})
        return counts

    return kept(user, COUNTS, count, fits=lambda kept_counts: sorted(kept_counts) == keys)


def forget(user_ids: Iterable[int]) -> None:
    """Forget the cached counts (and what else is `kept`) of these users, now and once
    the transaction commits (a page read in between would otherwise keep the counts of
    before)."""
    keys = [_key(pk, name) for pk in set(user_ids) for name in sorted(_KEPT)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_acting_for(alliance, *also: int | None) -> None:
    """Forget what is kept for those who act for `alliance`, and for the users `also`:
    their work changed (a step on it, a new alliance)."""
    if not settings.TASK_COUNTS_CACHE_SECONDS:
        return
    users = set(users_acting_for(alliance, set(Role.values)).values_list("pk", flat=True))
    forget(users | {pk for pk in also if pk})


def forget_after_step(log) -> None:
    """A step changes the work of those who act for its alliance, and of its actor
    (registered with `accounts.steps.on_step`)."""
    forget_acting_for(log.alliance, log.actor_id)
