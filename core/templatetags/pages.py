"""Numbered pagination for every list (`templates/_pager.html`): the page links keep the
list's filters, search and sort (the request's query string) and change only `page`."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.core.paginator import Page
from django.http import QueryDict

register = template.Library()


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: the gap of an ellipsis
    href: str = ""
    current: bool = False


def page_href(query, number: int) -> str:
    """`?<the other parameters>&page=<number>` from a QueryDict."""
    query = query.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def page_links(context, page: Page) -> dict:
    """Previous, the numbered links (1 … 4 5 6 … 10) and next of `page`."""
    request = context.get("request")
    query = request.GET if request is not None else QueryDict()
    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    links = [
        PageLink(None)
        if number == page.paginator.ELLIPSIS
        else PageLink(number, page_href(query, number), number == page.number)
        for number in numbers
    ]
    return {
        "links": links,
        "previous": page_href(query, page.previous_page_number()) if page.has_previous() else "",
        "next": page_href(query, page.next_page_number()) if page.has_next() else "",
    }
