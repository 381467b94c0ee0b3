"""Forms of the organization pages. They check the shape of the input; the rules (who
may change what, plausible years and areas) are asked of `alliances.roster`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.number_fields import LocaleDecimalField, YearField

from . import roster
from .models import Member, ProducerOrganization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = ProducerOrganization
        fields = roster.ORGANIZATION_FIELDS
        field_classes = {"founded_year": YearField}
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = roster.MEMBER_FIELDS
        field_classes = {"birth_year": YearField, "land_area_ha": LocaleDecimalField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earliest, latest = roster.birth_year_range()
        self.fields["birth_year"].help_text = _("Between %(earliest)s and %(latest)s.") % {
            "earliest": earliest,
            "latest": latest,
        }

    def _post_clean(self):
        # The member is changed by `roster.member_add`/`member_update`, which check the
        # rules (plausible birth year, land area) with readable messages; the model's
        # constraints would only repeat them less clearly.
        pass


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV or XLSX, at most 2 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            self.roster_file = roster.read_roster_file(upload)
        except roster.RosterFileError as error:
            raise forms.ValidationError(str(error), code="invalid_file") from error
        return upload
