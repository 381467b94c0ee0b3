from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.policy import programs_visible_to

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

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs_visible_to(user).order_by("code")
