"""`{% report_button kind alliance=... %}`: a button that asks for a report.

The button sends exactly the parameter the report kind takes (the kinds' table in
`reports.generators` says which), never whatever else the page happens to have in its
context: a plan page has a `plan`, and a fact sheet does not take one. A user who may
not ask for the report (a buyer and the ledger, say) sees no button.
"""

from django import template

from .. import services
from ..generators import KINDS
from ..generators.cells import csv_format_note
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
        # How a CSV file is separated, in the reader's language (it is written for it).
        "note": csv_format_note() if spec.extension == "csv" else "",
    }


@register.simple_tag
def file_format_note(job) -> str:
    """For a CSV report: its separator and decimal sign, which follow the language the
    report was asked in; empty for other files."""
    spec = KINDS.get(job.kind)
    return csv_format_note(job.language) if spec and spec.extension == "csv" else ""
