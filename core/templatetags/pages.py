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


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _choice(option) -> Choice:
    """A (value, label) pair, a figure's choice (`id`, `label`) or a record (`pk`, and
    "code · name" when it has a code, as programmes are named in filters)."""
    if isinstance(option, (tuple, list)):
        value, label = option
        return Choice(str(value), str(label))
    value = getattr(option, "pk", None) or option.id
    label = getattr(option, "label", None)
    if label is None:
        code = getattr(option, "code", "")
        label = f"{code} · {option.name}" if code else str(option)
    return Choice(str(value), str(label))


@register.inclusion_tag("_filter_select.html")
def filter_select(name: str, label: str, choices, chosen, everything: str) -> dict:
    """One drop-down of a list's filters (`templates/_filter_select.html`): `everything`
    is the empty choice ("All programmes"); `chosen` the value the list is filtered by."""
    return {
        "name": name,
        "label": label,
        "everything": everything,
        "choices": [_choice(option) for option in choices],
        "chosen": "" if chosen in (None, "") else str(chosen),
    }
