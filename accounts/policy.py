"""The authorization policy: who may see what, and who may do what to which object.

The policy sits low in the house (accounts): it names the upper apps' models by string
(`apps.get_model`), never by importing them, so no app below imports one above.

One module answers for pages, API, admin actions, templates and tasks alike. A question
is answered by a `Decision` that carries a reason a person can read; a refused action
raises `ActionRefused`, the one domain error of the platform. Its `code` tells the
interfaces how to answer (`core.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from core.errors import (  # noqa: F401  (the policy's callers read them here too)
    ALLOWED,
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    WRONG_STATE,
    ActionRefused,
    Decision,
    refuse,
)

from .models import STAFF_ROLES, Membership, Role, User

# --- who the user is for an alliance ----------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    """A user's memberships, loaded once per user object."""

    roles: frozenset[str]
    organization_ids: frozenset[int]  # as producer
    ta_organization_ids: frozenset[int]  # accompanied, as TA provider
    buyer_ids: frozenset[int]
    funder_ids: frozenset[int]
    funded_program_ids: frozenset[int]
    staff: dict[str, frozenset[int] | None]  # staff role -> region ids (None = national)


# A user's memberships, one row per membership and region, accompanied organization or
# funded programme (a membership has at most one of the three kinds, by role:
# `membership_binding_matches_role`), NULL where it has none.
_SCOPE_COLUMNS = (
    "role",
    "producer_organization_id",
    "buyer_id",
    "funder_id",
    "ta_provider__organizations__id",
    "funder__fundings__program_id",
    "regions__id",
)


def _scope(user) -> _Scope:
    cached = getattr(user, "_policy_scope", None)
    if cached is not None:
        return cached
    rows = ()
    if user is not None and user.is_authenticated and user.is_active:
        # One query on every page.
        rows = user.memberships.order_by("pk").values_list(*_SCOPE_COLUMNS)
    scope = _digest(rows)
    if user is not None:
        user._policy_scope = scope
    return scope


def load_scopes(users) -> None:
    """Load the scopes of many users in one query (the people a step may notify), instead
    of one query each when they are first asked about."""
    waiting = {
        user.pk: user
        for user in users
        if getattr(user, "_policy_scope", None) is None and user.is_active
    }
    if not waiting:
        return
    rows: dict[int, list[tuple]] = {pk: [] for pk in waiting}
    memberships = Membership.objects.filter(user_id__in=waiting).order_by("pk")
    for user_id, *row in memberships.values_list("user_id", *_SCOPE_COLUMNS):
        rows[user_id].append(row)
    for pk, user in waiting.items():
        user._policy_scope = _digest(rows[pk])


def _digest(rows) -> _Scope:
    roles: set[str] = set()
    orgs: set[int] = set()
    ta_orgs: set[int] = set()
    buyers: set[int] = set()
    funders: set[int] = set()
    programs: set[int] = set()
    staff_regions: dict[str, set[int]] = {}
    for role, org, buyer, funder, ta_org, program, region in rows:
        roles.add(role)
        if role == Role.PRODUCER:
            orgs.add(org)
        elif role == Role.TA_PROVIDER:
            if ta_org is not None:
                ta_orgs.add(ta_org)
        elif role == Role.BUYER:
            buyers.add(buyer)
        elif role == Role.FUNDER:
            funders.add(funder)
            if program is not None:
                programs.add(program)
        elif role in STAFF_ROLES:
            regions = staff_regions.setdefault(role, set())
            if region is not None:
                regions.add(region)
    return _Scope(
        frozenset(roles),
        frozenset(orgs),
        frozenset(ta_orgs),
        frozenset(buyers),
        frozenset(funders),
        frozenset(programs),
        {role: frozenset(ids) or None for role, ids in staff_regions.items()},
    )


def user_scope(user) -> _Scope:
    """The user's memberships digested: roles, organizations, buyers, funders, regions."""
    return _scope(user)


def roles_for_alliance(user, alliance) -> frozenset[str]:
    """The roles `user` holds for this alliance, with object and region scope applied."""
    s = _scope(user)
    held: set[str] = set()
    if alliance.producer_organization_id in s.organization_ids:
        held.add(Role.PRODUCER)
    if alliance.producer_organization_id in s.ta_organization_ids:
        held.add(Role.TA_PROVIDER)
    if alliance.buyer_id in s.buyer_ids:
        held.add(Role.BUYER)
    if alliance.program_id in s.funded_program_ids:
        held.add(Role.FUNDER)
    for role, regions in s.staff.items():
        if regions is None or alliance.region_id in regions:
            held.add(role)
    return frozenset(held)


def has_role(user, *roles: str) -> bool:
    """Holds any of `roles` anywhere (used for menus and queues, not for object actions)."""
    return bool(_scope(user).roles & set(roles))


def is_staff_member(user) -> bool:
    return bool(_scope(user).staff)


# --- who reads what (DESIGN §9a) -------------------------------------------------------
#
# An alliance's data falls into a few parts, and each role reads some of them. Every
# scope selector below (`<model>s_visible_to(user)`) and every `can_read` question is
# answered from this one table, so pages, API, report files and notifications agree.

SUMMARY = "summary"  # the alliance, the plan's summary and market, agreements, deliveries
CONTENT = "content"  # budget, cash flows, documents, screening, the decision and grant
SCORE = "score"  # the plan's consolidated appraisal score
MONEY = "money"  # commitments, tranches, payments, counterpart contributions, the ledger
MONITORING = "monitoring"  # monitoring reports, indicators, targets, the revolving fund
APPRAISALS = "appraisals"  # individual appraisals and the committee dossier
# Not a part but a scope: the alliances a portfolio view adds up (ministry staff of
# their regions, funders of their programmes), for the dashboard and portfolio reports.
PORTFOLIO = "portfolio"

PARTS = (SUMMARY, CONTENT, SCORE, MONEY, MONITORING, APPRAISALS)
_EVERYTHING = frozenset(PARTS)
_ORGANIZATION_SIDE = frozenset({SUMMARY, CONTENT, SCORE, MONEY, MONITORING})

READS: dict[str, frozenset[str]] = {
    Role.PRODUCER: _ORGANIZATION_SIDE,
    Role.TA_PROVIDER: _ORGANIZATION_SIDE,
    Role.BUYER: frozenset({SUMMARY}),
    Role.FUNDER: _ORGANIZATION_SIDE,
    Role.PROGRAMME_OFFICER: _EVERYTHING,
    Role.COMMITTEE_MEMBER: _EVERYTHING,
    Role.FINANCE_OFFICER: _EVERYTHING - {APPRAISALS},
    Role.ME_OFFICER: _EVERYTHING - {APPRAISALS},
    # Only the plans assigned to them (and, of appraisals, their own: see
    # `appraisals_visible_to`); never the mean score, from which a colleague's follows.
    Role.APPRAISER: frozenset({SUMMARY, CONTENT}),
}


def _assigned_alliances(user) -> QuerySet:
    AppraisalAssignment = apps.get_model("plans", "AppraisalAssignment")

    return AppraisalAssignment.objects.filter(appraiser=user).values("version__plan__alliance_id")


def _alliance_filter(user, prefix: str = "", reads: str = SUMMARY) -> Q | None:
    """A Q over the alliances whose `reads` part the user may read; None means all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    s = _scope(user)
    p = prefix
    q = Q(**{f"{p}pk__in": []})
    organizations, buyers, assigned = _beyond_slices(s, reads)
    if organizations:
        q |= Q(**{f"{p}producer_organization_id__in": organizations})
    if buyers:
        q |= Q(**{f"{p}buyer_id__in": buyers})
    if s.funded_program_ids and reads in READS[Role.FUNDER]:
        q |= Q(**{f"{p}program_id__in": s.funded_program_ids})
    region_ids: set[int] = set()
    for role, regions in s.staff.items():
        if role == Role.APPRAISER or reads not in READS[role]:
            continue
        if regions is None:
            return None
        region_ids |= regions
    if region_ids:
        q |= Q(**{f"{p}region_id__in": region_ids})
    if assigned:
        q |= Q(**{f"{p}pk__in": _assigned_alliances(user)})
    return q


def _beyond_slices(s: _Scope, reads: str) -> tuple[frozenset, frozenset, bool]:
    """The parts of a scope that are not whole programmes or regions: the organizations
    read as their producer or TA provider, the buyers read as their buyer, and whether
    the plans assigned to an appraiser are read."""
    organizations = frozenset()
    if reads in READS[Role.PRODUCER]:
        organizations |= s.organization_ids
    if reads in READS[Role.TA_PROVIDER]:
        organizations |= s.ta_organization_ids
    buyers = s.buyer_ids if reads in READS[Role.BUYER] else frozenset()
    assigned = Role.APPRAISER in s.staff and reads in READS[Role.APPRAISER]
    return organizations, frozenset(buyers), assigned


class NotSliced(Exception):
    """The user's scope is not a union of programmes and regions (`slice_filter`)."""


def slice_filter(user, reads: str) -> Q | None:
    """The alliances whose `reads` part the user may read, as a filter on `program_id`
    and `region_id` alone (None: all), for summaries kept per programme and region (the
    dashboard's slices, `monitoring.figures`). Raises `NotSliced` when the scope reaches
    alliances one by one (a producer organization, a buyer, an appraiser's plans): such
    a reader is answered from the records themselves."""
    signed_in = user is not None and user.is_authenticated and user.is_active
    if signed_in and not user.is_superuser and any(_beyond_slices(_scope(user), reads)):
        raise NotSliced
    return _alliance_filter(user, reads=reads)


def assigned_alliance_ids(user) -> frozenset[int]:
    """The alliances whose plans are assigned to `user` as appraiser (one query), for
    asking `readable_parts` about many alliances without a query each."""
    if user is None or not user.is_authenticated or Role.APPRAISER not in _scope(user).roles:
        return frozenset()
    return frozenset(_assigned_alliances(user).values_list("version__plan__alliance_id", flat=True))


def readable_parts(user, alliance, *, assigned: frozenset[int] | None = None) -> frozenset[str]:
    """The parts of this alliance's data (SUMMARY, CONTENT, ...) the user may read.
    `assigned`: `assigned_alliance_ids(user)` when asking about many alliances."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return _EVERYTHING
    held = roles_for_alliance(user, alliance)
    parts: set[str] = set()
    for role in held - {Role.APPRAISER}:
        parts |= READS[role]
    if Role.APPRAISER in held and not parts >= READS[Role.APPRAISER]:
        if assigned is None:
            is_assigned = (
                _assigned_alliances(user).filter(version__plan__alliance_id=alliance.pk).exists()
            )
        else:
            is_assigned = alliance.pk in assigned
        if is_assigned:
            parts |= READS[Role.APPRAISER]
    return frozenset(parts)


def reads_part_anywhere(user, reads: str) -> bool:
    """Does any of the user's roles read the `reads` part of some alliance? (A buyer
    reads no alliance's money: a ledger of "everything it sees" is not for it.)"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if reads == PORTFOLIO:
        return can_view_portfolio(user)
    return any(reads in READS[role] for role in _scope(user).roles if role in READS)


def can_read(user, alliance, reads: str = SUMMARY) -> bool:
    """May `user` read the `reads` part of this alliance's data?"""
    return reads in readable_parts(user, alliance)


def alliances_visible_to(user, reads: str = SUMMARY) -> QuerySet:
    """Alliances whose `reads` part the user may read (by default: that they exist)."""
    Alliance = apps.get_model("alliances", "Alliance")

    if reads == PORTFOLIO:
        return portfolio_alliances_visible_to(user)
    q = _alliance_filter(user, reads=reads)
    qs = Alliance.objects.all()
    return qs if q is None else qs.filter(q)


def _through_alliance(queryset: QuerySet, user, path: str, reads: str) -> QuerySet:
    q = _alliance_filter(user, prefix=f"{path}__", reads=reads)
    return queryset if q is None else queryset.filter(q)


def plans_visible_to(user, reads: str = SUMMARY) -> QuerySet:
    BusinessPlan = apps.get_model("plans", "BusinessPlan")

    return _through_alliance(BusinessPlan.objects.all(), user, "alliance", reads)


def agreements_visible_to(user) -> QuerySet:
    """Purchase agreements: everyone who sees the alliance, the buyer included."""
    PurchaseAgreement = apps.get_model("funding", "PurchaseAgreement")

    return _through_alliance(PurchaseAgreement.objects.all(), user, "alliance", SUMMARY)


def deliveries_visible_to(user) -> QuerySet:
    Delivery = apps.get_model("alliances", "Delivery")

    return _through_alliance(Delivery.objects.all(), user, "alliance", SUMMARY)


def commitments_visible_to(user) -> QuerySet:
    GrantCommitment = apps.get_model("funding", "GrantCommitment")

    return _through_alliance(GrantCommitment.objects.all(), user, "plan__alliance", MONEY)


def tranches_visible_to(user) -> QuerySet:
    Tranche = apps.get_model("funding", "Tranche")

    return _through_alliance(Tranche.objects.all(), user, "commitment__plan__alliance", MONEY)


def payments_visible_to(user) -> QuerySet:
    Payment = apps.get_model("funding", "Payment")

    return _through_alliance(
        Payment.objects.all(), user, "tranche__commitment__plan__alliance", MONEY
    )


def contributions_visible_to(user) -> QuerySet:
    CounterpartContribution = apps.get_model("funding", "CounterpartContribution")

    return _through_alliance(CounterpartContribution.objects.all(), user, "plan__alliance", MONEY)


def appraisals_visible_to(user) -> QuerySet:
    """Individual appraisals: the committee and programme officers of the alliance's
    region, and each appraiser its own; nobody else (§9a)."""
    AppraisalAssignment = apps.get_model("plans", "AppraisalAssignment")

    qs = AppraisalAssignment.objects.all()
    q = _alliance_filter(user, prefix="version__plan__alliance__", reads=APPRAISALS)
    if q is None:
        return qs
    if user is not None and user.is_authenticated and user.is_active:
        q |= Q(appraiser=user)
    return qs.filter(q)


def monitoring_reports_visible_to(user) -> QuerySet:
    """Periodic reports the user may read: the PO side, its TA provider, ministry staff of
    its region and the programme's funders; not the buyer (§8 is between the PO and the
    ministry)."""
    MonitoringReport = apps.get_model("monitoring", "MonitoringReport")

    return _through_alliance(MonitoringReport.objects.all(), user, "alliance", MONITORING)


def monitoring_alliances_visible_to(user) -> QuerySet:
    """Alliances whose monitoring (indicators, reports) the user may read."""
    return alliances_visible_to(user, reads=MONITORING)


def can_view_monitoring(user, alliance) -> bool:
    """Monitoring (reports, their evidence, indicators): all who see the alliance except
    those who see it only as its buyer."""
    return can_read(user, alliance, MONITORING)


def regions_visible_to(user) -> QuerySet:
    """Regions offered in filters: all for national staff and administrators; for
    regional staff their regions; for others the regions of the alliances they see."""
    Region = apps.get_model("alliances", "Region")

    if user is None or not user.is_authenticated or not user.is_active:
        return Region.objects.none()
    if _alliance_filter(user) is None:
        return Region.objects.all()
    s = _scope(user)
    staff_regions = frozenset().union(*(r for r in s.staff.values() if r is not None))
    q = Q(pk__in=alliances_visible_to(user).values("region_id")) | Q(pk__in=staff_regions)
    return Region.objects.filter(q)


def report_jobs_visible_to(user) -> QuerySet:
    """Report jobs: each belongs to its requester, and nobody else sees it (§9)."""
    ReportJob = apps.get_model("reports", "ReportJob")

    if user is None or not user.is_authenticated or not user.is_active:
        return ReportJob.objects.none()
    return ReportJob.objects.filter(requester=user)


def programs_visible_to(user) -> QuerySet:
    """Programmes the user works in: national staff see all; regional staff the
    programmes open to their regions; funders those they fund; others, the programmes of
    the alliances they see."""
    Program = apps.get_model("funding", "Program")

    if user is None or not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    s = _scope(user)
    staff = {role: regions for role, regions in s.staff.items() if role != Role.APPRAISER}
    if any(regions is None for regions in staff.values()):
        return Program.objects.all()
    q = Q(pk__in=alliances_visible_to(user).values("program_id"))
    q |= Q(pk__in=s.funded_program_ids)
    if s.organization_ids | s.ta_organization_ids:  # calls open to a proposal today
        today = timezone.localdate()
        q |= Q(opens_on__lte=today, closes_on__gte=today)
    if staff:
        region_ids = frozenset().union(*staff.values())
        q |= Q(pk__in=Program.objects.filter(eligible_regions__in=region_ids).values("pk"))
    return Program.objects.filter(q)


def plan_documents_visible_to(user, plan) -> QuerySet:
    """A plan's documents the user may open: the evidence of a tranche or a counterpart
    contribution only for those who read the alliance's money, a monitoring report's
    evidence only for those who may see monitoring (neither for the buyer, §9a)."""
    documents = plan.documents.all()
    if not can_read(user, plan.alliance, MONEY):
        documents = documents.filter(tranche__isnull=True, contribution__isnull=True)
    if not can_view_monitoring(user, plan.alliance):
        documents = documents.filter(monitoring_report__isnull=True)
    return documents


def can_view_alliance(user, alliance) -> bool:
    return can_read(user, alliance, SUMMARY)


def get_plan_for_user(user, pk) -> object:
    """The plan `pk` if the user may see it; otherwise 404 (never reveal it exists)."""
    plan = plans_visible_to(user).with_list_data().filter(pk=pk).first()
    if plan is None:
        raise Http404(_("No such business plan."))
    return plan


# --- what the user may do --------------------------------------------------------------


def role_names(roles) -> str:
    labels = [str(Role(r).label).lower() for r in sorted(roles)]
    if len(labels) == 1:
        return labels[0]
    return format_lazy("{} {} {}", ", ".join(labels[:-1]), _("or"), labels[-1])


def require_roles(user, alliance, roles, action_label: str) -> Decision:
    """Visibility (404) then role on this object (403)."""
    if not can_view_alliance(user, alliance):
        return refuse(NOT_FOUND, _("You do not have access to this alliance."))
    if not (roles_for_alliance(user, alliance) & set(roles)):
        return refuse(
            FORBIDDEN,
            _("Only a %(roles)s of this alliance may %(action)s.")
            % {"roles": role_names(roles), "action": action_label},
        )
    return ALLOWED


def users_acting_for(alliance, roles) -> QuerySet:
    """Active users who hold one of `roles` for this alliance (for notifications)."""

    roles = set(roles)
    q = Q(pk__in=[])
    if Role.PRODUCER in roles:
        q |= Q(role=Role.PRODUCER, producer_organization_id=alliance.producer_organization_id)
    if Role.TA_PROVIDER in roles:
        q |= Q(
            role=Role.TA_PROVIDER,
            ta_provider__organizations__id=alliance.producer_organization_id,
        )
    if Role.BUYER in roles:
        q |= Q(role=Role.BUYER, buyer_id=alliance.buyer_id)
    if Role.FUNDER in roles:
        q |= Q(role=Role.FUNDER, funder__fundings__program_id=alliance.program_id)
    staff = roles & STAFF_ROLES
    if staff:
        q |= Q(role__in=staff) & (Q(regions__isnull=True) | Q(regions__id=alliance.region_id))
    user_ids = Membership.objects.filter(q).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True)


# --- security: two-factor sign-in, personal data, audit history -----------------------

# Staff roles that handle a producer organization's members and bank details (§1).
PERSONAL_DATA_STAFF_ROLES = frozenset({Role.PROGRAMME_OFFICER, Role.FINANCE_OFFICER})


def must_use_two_factor(user) -> bool:
    """Must `user` sign in with an authentication code as well as a password?

    Ministry staff must when the site-wide setting `TWO_FACTOR_REQUIRED_FOR_STAFF` is on
    (so must anyone who can open the administration), or when a programme they work on
    requires it: every programme for national staff, for regional staff the programmes
    whose eligible regions include one of theirs. Producers and buyers may opt in.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_two_factor_required", None)
    if cached is not None:
        return cached
    s = _scope(user)
    if settings.TWO_FACTOR_REQUIRED_FOR_STAFF and (s.staff or user.is_staff):
        required = True
    elif not s.staff:
        required = False
    else:
        Program = apps.get_model("funding", "Program")

        programs = Program.objects.filter(two_factor_required=True)
        if not any(regions is None for regions in s.staff.values()):
            region_ids = frozenset().union(*s.staff.values())
            programs = programs.filter(eligible_regions__in=region_ids)
        required = programs.exists()
    user._two_factor_required = required
    return required


def can_see_personal_data(user, organization) -> bool:
    """May `user` see national ID numbers and bank details of `organization` and its
    members? Its own representatives, its technical-assistance provider, programme and
    finance officers whose regions cover it, and administrators; never buyers, funders,
    appraisers, committee members or M&E officers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    s = _scope(user)
    if organization.pk in s.organization_ids | s.ta_organization_ids:
        return True
    for role in PERSONAL_DATA_STAFF_ROLES:
        if role in s.staff:
            regions = s.staff[role]
            if regions is None or organization.region_id in regions:
                return True
    return False


def check_plan_history_access(user, plan) -> Decision:
    """A plan's audit history: its programme's officers (in their regions) and
    administrators. Others who see the plan get 403; those who don't, 404."""
    if user is None or not user.is_authenticated:
        return refuse(NOT_FOUND, _("No such business plan."))
    if user.is_superuser:
        return ALLOWED
    if not can_view_alliance(user, plan.alliance):
        return refuse(NOT_FOUND, _("No such business plan."))
    if Role.PROGRAMME_OFFICER not in roles_for_alliance(user, plan.alliance):
        return refuse(
            FORBIDDEN,
            _("Only the programme's officers and administrators may read a plan's history."),
        )
    return ALLOWED


# --- producer organizations: profile and member roster ----------------------------------


def _organization_filter(user) -> Q | None:
    """A Q over producer organizations the user may see; None means all of them.

    Its representatives and its accompanying TA provider; programme officers whose
    regions cover it (national officers: all); administrators."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    s = _scope(user)
    q = Q(pk__in=s.organization_ids | s.ta_organization_ids)
    if Role.PROGRAMME_OFFICER in s.staff:
        regions = s.staff[Role.PROGRAMME_OFFICER]
        if regions is None:
            return None
        q |= Q(region_id__in=regions)
    return q


def organizations_visible_to(user) -> QuerySet:
    ProducerOrganization = apps.get_model("alliances", "ProducerOrganization")

    q = _organization_filter(user)
    qs = ProducerOrganization.objects.all()
    return qs if q is None else qs.filter(q)


def can_view_organization(user, organization) -> bool:
    if _organization_filter(user) is None:  # administrators and national officers
        return True
    s = _scope(user)
    officer_regions = s.staff.get(Role.PROGRAMME_OFFICER) or frozenset()
    return (
        organization.pk in s.organization_ids | s.ta_organization_ids
        or organization.region_id in officer_regions
    )


def organizations_known_to(user) -> QuerySet:
    """Organizations whose name, region and member counts the user may know (the API's
    directory): those whose profile they read, and those party to an alliance they see."""
    ProducerOrganization = apps.get_model("alliances", "ProducerOrganization")

    q = _organization_filter(user)
    if q is None:
        return ProducerOrganization.objects.all()
    q |= Q(pk__in=alliances_visible_to(user).values("producer_organization_id"))
    return ProducerOrganization.objects.filter(q)


def get_organization_for_user(user, pk) -> object:
    """The organization `pk` if the user may see it; otherwise 404."""
    organization = organizations_visible_to(user).select_related("region").filter(pk=pk).first()
    if organization is None:
        raise Http404(_("No such producer organization."))
    return organization


def _organization_side(user, organization, refusal: str) -> Decision:
    """The organization's own representatives and its accompanying TA provider act for
    it; others who see it (officers) read only; others do not see it (404)."""
    if not can_view_organization(user, organization):
        return refuse(NOT_FOUND, _("No such producer organization."))
    s = _scope(user)
    if organization.pk in s.organization_ids | s.ta_organization_ids:
        return ALLOWED
    return refuse(FORBIDDEN, refusal)


def can_manage_organization(user, organization) -> Decision:
    """Edit the profile and the member roster."""
    return _organization_side(
        user,
        organization,
        _(
            "Only the organization's representatives and its technical assistance provider "
            "may change its profile and member roster."
        ),
    )


# The roster is kept by the same people as the profile.
can_manage_roster = can_manage_organization


def can_keep_revolving_fund(user, organization) -> Decision:
    """Record repayments and loans of the organization's revolving fund."""
    return _organization_side(
        user,
        organization,
        _(
            "Only the organization's representatives and its technical assistance provider "
            "may record revolving-fund entries."
        ),
    )


# --- the portfolio dashboard (§8) -------------------------------------------------------


def _money_staff(user) -> dict[str, frozenset[int] | None]:
    """The user's ministry roles that read money (all but the appraiser), with regions."""
    return {role: r for role, r in _scope(user).staff.items() if MONEY in READS[role]}


def can_view_portfolio(user) -> bool:
    """The portfolio dashboard: ministry staff who read money (not appraisers) and
    funders; not producers, buyers or TA providers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or _money_staff(user) or _scope(user).funder_ids)


def portfolio_filter(user) -> Q | None:
    """The portfolio scope of `user` as a filter on `region_id` and `program_id` alone
    (None: everything): their regions as ministry staff, the programmes they fund as a
    funder. An alliance and a slice of the dashboard's summary (a programme x region x
    value chain) share these fields, so the same filter picks the alliances and the
    slices that hold them."""
    if not can_view_portfolio(user):
        return Q(pk__in=[])
    if user.is_superuser:
        return None
    staff = _money_staff(user)
    if any(regions is None for regions in staff.values()):
        return None
    q = Q(pk__in=[])
    if staff:
        q |= Q(region_id__in=sorted(frozenset().union(*staff.values())))
    if _scope(user).funded_program_ids:
        q |= Q(program_id__in=sorted(_scope(user).funded_program_ids))
    return q


def portfolio_alliances_visible_to(user) -> QuerySet:
    """The alliances the dashboard and the portfolio reports add up for `user`: those
    they see as ministry staff (their regions) or as a funder (the programmes they fund).
    Alliances they see only as a producer, buyer, TA provider or appraiser are left out."""
    qs = alliances_visible_to(user, reads=MONEY)
    q = portfolio_filter(user)
    return qs if q is None else qs.filter(q)


# --- programme money: the programme ledger ----------------------------------------------


def programs_with_ledger_for(user) -> QuerySet:
    """Programmes whose ledger the user may read: for ministry staff who read money, all
    of them (national) or those open to their regions; for funders, those they fund."""
    Program = apps.get_model("funding", "Program")

    if user is None or not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    staff = _money_staff(user)
    if any(regions is None for regions in staff.values()):
        return Program.objects.all()
    q = Q(pk__in=_scope(user).funded_program_ids)
    if staff:
        region_ids = frozenset().union(*staff.values())
        q |= Q(pk__in=Program.objects.filter(eligible_regions__in=region_ids).values("pk"))
    return Program.objects.filter(q)


def check_program_ledger_access(user, program) -> Decision:
    """Ministry staff (their regions' alliances) and the programme's funders read its
    ledger; staff or a funder of another programme do not see it exists; others are
    refused."""
    if user is None or not user.is_authenticated or not user.is_active:
        return refuse(NOT_FOUND, _("No such programme."))
    if programs_with_ledger_for(user).filter(pk=program.pk).exists():
        return ALLOWED
    s = _scope(user)
    if _money_staff(user) or s.funder_ids:
        return refuse(NOT_FOUND, _("No such programme."))
    return refuse(FORBIDDEN, _("Only ministry staff and the programme's funders read its ledger."))
