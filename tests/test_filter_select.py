"""One partial for the drop-downs of every list's filters (`templates/_filter_select.html`,
`{% filter_select %}`): a visible label tied to its select, an "all" choice, the chosen
value selected whatever its type, programmes named by code and name."""

import re
from types import SimpleNamespace

from django.template import Context, Template

from funding.models import Program

TEMPLATE = Template("{% load pages %}{% filter_select name label choices chosen everything %}")


def render(**context) -> str:
    return TEMPLATE.render(Context(context))


def selected(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', html)


def test_a_labelled_select_with_an_all_choice_and_the_chosen_value_selected():
    html = render(
        name="status",
        label="Status",
        choices=[("requested", "Requested"), ("verified", "Verified")],
        chosen="verified",
        everything="All",
    )
    assert '<label for="filter-status">Status</label>' in html
    assert '<select id="filter-status" name="status">' in html
    assert '<option value="">All</option>' in html
    assert selected(html) == ["verified"]


def test_a_number_chosen_from_the_query_selects_its_record_and_programmes_show_their_code():
    programmes = [
        Program(pk=3, code="BJ-1", name="Benin"),
        Program(pk=12, code="CO-2", name="Colombia"),
    ]
    html = render(
        name="program", label="Programme", choices=programmes, chosen=12, everything="All"
    )
    assert '<option value="12" selected>CO-2 · Colombia</option>' in html
    assert selected(html) == ["12"]


def test_figures_choices_and_nothing_chosen():
    regions = [SimpleNamespace(id=1, label="Alibori"), SimpleNamespace(id=2, label="Zou")]
    html = render(name="region", label="Region", choices=regions, chosen=None, everything="All")
    assert '<option value="2">Zou</option>' in html
    assert selected(html) == []
