"""Pages of a list read in two steps (issue 17): the ids first, then the rows.

A list is a queryset with the list's scope, filters and order, and nothing else. The page
is read from it as ids alone (only the joins its filters and order need), and what is
shown about those rows (related rows, member counts, sums, the latest version) is read
for those ids only, by the `rows` queryset. So the database never joins, counts or sums
over rows that are not on the page, and the pager's count reads the list's filters alone.

Pages (`IdsFirstPaginator`) and the API (`core.api.Pagination`, for views with
`page_rows`) share it. One query more than a single-step page, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def rows_in_order(rows: QuerySet, ids: Sequence) -> list:
    """The rows of `rows` whose primary key is in `ids`, in the order of `ids` (one
    query, none when `ids` is empty)."""
    if not ids:
        return []
    by_pk = {row.pk: row for row in rows.filter(pk__in=ids).order_by()}
    return [by_pk[pk] for pk in ids if pk in by_pk]


class IdsFirstPaginator(Paginator):
    """A Paginator over `object_list` (a queryset: the list's scope, filters and order)
    whose page holds the instances of `rows` (a queryset of the same model with what the
    page shows: `select_related`, aggregates, prefetches) for the page's ids only."""

    def __init__(self, object_list: QuerySet, per_page, *, rows: QuerySet, **kwargs):
        super().__init__(object_list.values_list("pk", flat=True), per_page, **kwargs)
        self.rows = rows

    def page(self, number) -> Page:
        page = super().page(number)
        page.object_list = rows_in_order(self.rows, list(page.object_list))
        return page
