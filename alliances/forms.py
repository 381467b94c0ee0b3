"""Forms of the organization pages. They check the shape of the input; the rules (who
may change what, plausible years and areas) are asked of `alliances.roster`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import roster
from .models import Member, ProducerOrganization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = ProducerOrganization
        fields = roster.ORGANIZATION_FIELDS
        widgets = {
            "founded_year": forms.NumberInput(attrs={"min": roster.EARLIEST_BIRTH_YEAR}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = roster.MEMBER_FIELDS
        widgets = {
            "birth_year": forms.NumberInput(attrs={"inputmode": "numeric"}),
            "land_area_ha": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earliest, latest = roster.birth_year_range()
        self.fields["birth_year"].widget.attrs.update(min=earliest, max=latest)
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
