"""`{% report_button kind alliance=... %}`: a button that asks for a report.

The button sends exactly the parameter the report kind takes (the kinds' table in
`reports.generators` says which), never whatever else the page happens to have in its
context: a plan page has a `plan`, and a fact sheet does not take one. A user who may
not ask for the report (a buyer and the ledger, say) sees no button.
"""

from django import template

from .. import services
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
    user = getattr(request, "user", None)
    if not services.can_request_report(user, kind, dict(given[:1])):
        return {"hide": True}  # the user may not read what the report shows (§9a)
    return {
        "kind": kind,
        "parameters": given[:1],
        "label": label or (ReportKind(kind).label if kind in ReportKind.values else ""),
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
