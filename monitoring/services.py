"""The life of a periodic monitoring report (§8), one function per action.

due -> submitted (PO or its TA provider) -> accepted | returned (M&E officer, a reason
to return); returned -> submitted when the PO resubmits. An accepted report is locked.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.policy import INVALID, WRONG_STATE, ActionRefused, require_roles
from plans.services import log_transition

from .models import MonitoringReport

S = MonitoringReport.Status
PO_SIDE = frozenset({Role.PRODUCER, Role.TA_PROVIDER})
REVIEWERS = frozenset({Role.ME_OFFICER})


def _move(
    report,
    *,
    by,
    roles,
    action,
    label,
    sources,
    target,
    comment="",
    reason_required=False,
    narrative=None,
) -> MonitoringReport:
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = (
            MonitoringReport.objects.select_for_update()
            .select_related("alliance")
            .get(pk=report.pk)
        )
        require_roles(by, locked.alliance, roles, label).raise_if_refused()
        if locked.status not in sources:
            raise ActionRefused(
                _("The report is at “%(status)s”: “%(action)s” is not possible.")
                % {"status": locked.get_status_display(), "action": label},
                code=WRONG_STATE,
            )
        if reason_required and not comment:
            raise ActionRefused(
                _("Give a reason."), code=INVALID, fields={"comment": [_("Give a reason.")]}
            )
        source = locked.status
        now = timezone.now()
        fields = ["status"]
        if target == S.SUBMITTED:
            if narrative is not None:
                locked.narrative = narrative
            locked.submitted_by, locked.submitted_at = by, now
            fields += ["narrative", "submitted_by", "submitted_at"]
        else:
            locked.reviewed_by, locked.reviewed_at = by, now
            fields += ["reviewed_by", "reviewed_at"]
            if target == S.RETURNED:
                locked.return_reason = comment
                fields.append("return_reason")
        locked.status = target
        locked.save(update_fields=fields)
        log_transition(
            subject=locked,
            alliance=locked.alliance,
            transition=action,
            from_state=source,
            to_state=target,
            by=by,
            comment=comment,
        )
    report.refresh_from_db()
    return report


def report_submit(*, report, by, narrative: str | None = None, comment: str = ""):
    return _move(
        report,
        by=by,
        roles=PO_SIDE,
        action="report_submit",
        label=_("submit the report"),
        sources={S.DUE, S.RETURNED},
        target=S.SUBMITTED,
        comment=comment,
        narrative=narrative,
    )


def report_accept(*, report, by, comment: str = ""):
    return _move(
        report,
        by=by,
        roles=REVIEWERS,
        action="report_accept",
        label=_("accept the report"),
        sources={S.SUBMITTED},
        target=S.ACCEPTED,
        comment=comment,
    )


def report_return(*, report, by, comment: str = ""):
    return _move(
        report,
        by=by,
        roles=REVIEWERS,
        action="report_return",
        label=_("return the report"),
        sources={S.SUBMITTED},
        target=S.RETURNED,
        comment=comment,
        reason_required=True,
    )
