"""`{% report_button kind alliance=... %}`: a button that asks for a report.

The button sends exactly the parameter the report kind takes (the kinds' table in
`reports.generators` says which), never whatever else the page happens to have in its
context: a plan page has a `plan`, and a fact sheet does not take one.
"""

from django import template

from ..generators import KINDS
from ..models import ReportKind

register = template.Library()


@register.inclusion_tag("reports/_request_button.html", takes_context=True)
def report_button(context, kind, label="", **parameters):
    spec = KINDS.get(kind)
    accepts = spec.accepts if spec else ()
    given = [
        (name, value)
        for name, value in parameters.items()
        if name in accepts and value not in (None, "")
    ]
    request = context.get("request")
    return {
        "kind": kind,
        "parameters": given[:1],
        "label": label or (ReportKind(kind).label if kind in ReportKind.values else ""),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
