from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.policy import programs_visible_to

from . import services
from .generators import KINDS
from .generators.cells import csv_format_note
from .models import ReportKind

PORTFOLIO_KINDS = [
    (kind, label)
    for kind, label in ReportKind.choices
    if kind
    in (
        ReportKind.PORTFOLIO_XLSX,
        ReportKind.PORTFOLIO_PDF,
        ReportKind.DISBURSEMENT_LEDGER_XLSX,
        ReportKind.DISBURSEMENT_LEDGER_CSV,
        ReportKind.INDICATORS_XLSX,
    )
]


def portfolio_kinds_for(user) -> list[tuple[str, str]]:
    """The kinds of the request form that `user` may ask for (§9a): none of them for a
    buyer or an appraiser, the ledger and the indicator table of their own alliances for
    a producer organization and its TA provider, all of them for ministry staff who read
    money and for funders."""
    return [
        (kind, label)
        for kind, label in PORTFOLIO_KINDS
        if services.can_request_report(user, kind, {})
    ]


class PortfolioReportForm(forms.Form):
    """The portfolio reports: all the alliances the user sees, or one programme."""

    kind = forms.ChoiceField(
        label=_("Report"),
        choices=PORTFOLIO_KINDS,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a report."),
            "invalid_choice": _("Choose one of the reports listed."),
        },
    )
    program = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=None,
        required=False,
        empty_label=_("All the alliances I can see"),
        error_messages={"invalid_choice": _("Choose one of the programmes listed.")},
    )

    # The kinds whose file is CSV: the page says how it is separated (`csv_note`).
    csv_kinds = frozenset(kind for kind, spec in KINDS.items() if spec.extension == "csv")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = portfolio_kinds_for(user)
        self.fields["program"].queryset = programs_visible_to(user).order_by("code")
        self.csv_note = csv_format_note()
