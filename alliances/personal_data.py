"""Personal data of producer organizations' members: masking, export and anonymization.

Who may see national ID numbers and bank details is the policy's question
(`accounts.policy.can_see_personal_data`). Here: how such a value is shown to everyone
else, everything held about a member (for a request to see one's data), and the
anonymization of a member who leaves (name and ID number gone, birth year coarsened so
that the roster's youth count stays right, history scrubbed, one audit entry written).
"""

from __future__ import annotations

import datetime
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policy import CONFLICT, ActionRefused

from .models import YOUTH_AGE_LIMIT, Member

REMOVED = "[removed]"
# Fields that identify a person; their old values are scrubbed from the audit history.
IDENTIFYING_FIELDS = ("name", "national_id", "birth_year")
BIRTH_YEAR_BAND = 5


def mask(value: Any) -> str:
    """A personal value for someone who may not see it: all but its end hidden."""
    value = "" if value is None else str(value)
    if len(value) <= 4:
        return "•" * len(value)
    return "•" * (len(value) - 2) + value[-2:]


def anonymized_name(member: Member) -> str:
    return f"Anonymized member {member.pk}"


def coarse_birth_year(birth_year: int, on: datetime.date | None = None) -> int:
    """The middle of the birth year's five-year band, moved just enough that the member
    is still counted as youth (under 35) today exactly when they were before."""
    limit = (on or timezone.localdate()).year - YOUTH_AGE_LIMIT  # youth: born after it
    coarse = birth_year - birth_year % BIRTH_YEAR_BAND + BIRTH_YEAR_BAND // 2
    return max(coarse, limit + 1) if birth_year > limit else min(coarse, limit)


def _audit_entries(member: Member):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=member.pk
    ).order_by("timestamp", "pk")


def member_export(member: Member) -> dict:
    """Everything held about a member: the roster row, the organization it belongs to,
    and the audit history of the row (personal values masked there, as recorded)."""
    organization = member.organization
    return {
        "exported_at": timezone.now().isoformat(),
        "member": {
            field.name: field.value_from_object(member) for field in Member._meta.concrete_fields
        },
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "registration_number": organization.registration_number,
            "legal_form": organization.legal_form,
            "region": str(organization.region),
            "address": organization.address,
            "email": organization.email,
            "phone": organization.phone,
        },
        "audit": [
            {
                "timestamp": entry.timestamp.isoformat(),
                "action": entry.get_action_display(),
                "actor": entry.actor.get_username() if entry.actor else None,
                "changes": entry.changes,
                "additional_data": entry.additional_data,
            }
            for entry in _audit_entries(member).select_related("actor")
        ],
    }


def member_anonymize(member: Member, *, by=None) -> Member:
    """Remove what identifies a member who leaves; keep the row for the roster counts.

    The name becomes "Anonymized member <id>", the ID number is emptied, the birth year
    is coarsened (`coarse_birth_year`), and earlier audit entries of the row lose the
    identifying values they recorded. One audit entry says the member was anonymized."""
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        new_name = anonymized_name(locked)
        if locked.name == new_name and not locked.national_id:
            raise ActionRefused(_("This member is already anonymized."), code=CONFLICT)
        old_birth_year = locked.birth_year
        locked.name = new_name
        locked.national_id = ""
        locked.birth_year = coarse_birth_year(old_birth_year)
        with disable_auditlog():
            locked.save(update_fields=["name", "national_id", "birth_year"])
        for entry in _audit_entries(locked):
            changes = entry.changes if isinstance(entry.changes, dict) else {}
            for name in IDENTIFYING_FIELDS:
                if name in changes and isinstance(changes[name], list):
                    changes[name] = [REMOVED for _value in changes[name]]
            entry.changes = changes
            entry.changes_text = ""
            entry.object_repr = new_name
            entry.serialized_data = None
            entry.save(update_fields=["changes", "changes_text", "object_repr", "serialized_data"])
        LogEntry.objects.log_create(
            locked,
            action=LogEntry.Action.UPDATE,
            changes={
                "name": [REMOVED, new_name],
                "national_id": [REMOVED, ""],
                "birth_year": [REMOVED, str(locked.birth_year)],
            },
            actor=by,
            additional_data={"event": "anonymized"},
        )
    member.refresh_from_db()
    return member
