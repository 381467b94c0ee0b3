"""Producer organization pages: the list, the profile and its member roster (add, edit,
import from CSV/XLSX with a preview).

Who may see and change an organization is asked of `accounts.policy`; every change goes
through `alliances.roster`. GET never writes; each POST does one thing and redirects.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.policy import (
    FORBIDDEN,
    NOT_FOUND,
    ActionRefused,
    Decision,
    can_manage_organization,
    can_manage_roster,
    get_organization_for_user,
    organizations_visible_to,
)
from core.pagination import IdsFirstPaginator

from . import roster
from .forms import MemberForm, OrganizationForm, RosterUploadForm
from .models import Member, ProducerOrganization

PAGE_SIZE = 50
IMPORT_SESSION_KEY = "roster_import"
# A wrong file may hold thousands of wrong rows: the page lists the first ones.
MAX_ERRORS_SHOWN = 200


def _enforce(decision: Decision) -> None:
    """404 for what the user may not see, 403 for what they may see but not change."""
    if decision:
        return
    if decision.code == NOT_FOUND:
        raise Http404(decision.reason)
    raise PermissionDenied(decision.reason)


def _show_refusal(request, refusal: ActionRefused, form) -> None:
    if refusal.code == NOT_FOUND:
        raise Http404(" ".join(refusal.reasons))
    if refusal.code == FORBIDDEN:
        raise PermissionDenied(" ".join(refusal.reasons))
    if refusal.fields:
        for name, errors in refusal.fields.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    else:
        for reason in refusal.reasons:
            form.add_error(None, reason)


def _data(request, *, files: bool = False):
    """The submitted data of a POST (even an empty one: it must show errors), else None."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def _organization(request, pk, *, manage: bool = False) -> ProducerOrganization:
    organization = get_organization_for_user(request.user, pk)
    if manage:
        _enforce(can_manage_organization(request.user, organization))
    return organization


# --- organizations ----------------------------------------------------------------------


@login_required
def organization_list(request: HttpRequest) -> HttpResponse:
    """The organizations the user sees, by name, searched by name or registration number
    (trigram indexes: alliances migrations 0008, 0009); members are counted for the page's
    rows only (ids first, then those rows with their counts)."""
    organizations = organizations_visible_to(request.user).order_by("name", "pk")
    text = request.GET.get("q", "").strip()
    if text:
        organizations = organizations.filter(
            Q(name__icontains=text) | Q(registration_number__icontains=text)
        )
    rows = ProducerOrganization.objects.select_related("region").annotate(
        active_members=Count("members", filter=Q(members__active=True))
    )
    page = IdsFirstPaginator(organizations, PAGE_SIZE, rows=rows).get_page(request.GET.get("page"))
    return render(request, "alliances/organization_list.html", {"page": page, "q": text})


@login_required
def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The profile and the roster, one page of members at a time, with the counts of §5."""
    organization = _organization(request, pk)
    members = organization.members.order_by("name", "pk")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alliances/organization_detail.html",
        {
            "organization": organization,
            "page": page,
            "counts": organization.members.active().counts(),
            "can_manage": bool(can_manage_organization(request.user, organization)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request, pk, manage=True)
    heading = organization.name  # the form changes the instance as it validates
    form = OrganizationForm(_data(request), instance=organization)
    if request.method == "POST" and form.is_valid():
        try:
            roster.organization_update(
                organization=organization, by=request.user, changes=form.cleaned_data
            )
        except ActionRefused as refusal:
            _show_refusal(request, refusal, form)
        else:
            messages.success(request, _("The organization's profile is saved."))
            return redirect("alliances:organization", pk=organization.pk)
    return render(
        request,
        "alliances/organization_form.html",
        {"organization": organization, "heading": heading, "form": form},
    )


# --- members ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request, pk, manage=True)
    form = MemberForm(_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            member = roster.member_add(
                organization=organization, by=request.user, **form.cleaned_data
            )
        except ActionRefused as refusal:
            _show_refusal(request, refusal, form)
        else:
            messages.success(request, _("%(name)s is on the roster.") % {"name": member.name})
            return redirect("alliances:organization", pk=organization.pk)
    return render(
        request,
        "alliances/member_form.html",
        {"organization": organization, "form": form, "member": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    organization = _organization(request, pk)
    member = get_object_or_404(Member, pk=member_pk, organization=organization)
    _enforce(can_manage_roster(request.user, organization))
    form = MemberForm(_data(request), instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member = roster.member_update(member=member, by=request.user, changes=form.cleaned_data)
        except ActionRefused as refusal:
            _show_refusal(request, refusal, form)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": member.name})
            return redirect("alliances:organization", pk=organization.pk)
    return render(
        request,
        "alliances/member_form.html",
        {"organization": organization, "form": form, "member": member},
    )


# --- import -----------------------------------------------------------------------------


def _staged(request, organization) -> dict | None:
    staged = request.session.get(IMPORT_SESSION_KEY)
    if not staged or staged.get("organization") != organization.pk:
        return None
    return staged


@login_required
@require_http_methods(["GET", "POST"])
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: upload a file. A wrong file or a wrong row is reported here, row by row,
    and nothing is kept; a good file is kept for the preview (step 2)."""
    organization = _organization(request, pk, manage=True)
    form = RosterUploadForm(_data(request), _data(request, files=True))
    errors: list[str] = []
    numbers_note = ""
    if request.method == "POST" and form.is_valid():
        language = form.roster_file.language
        checked = roster.check_rows(organization, form.roster_file.rows, language=language)
        errors = checked.errors
        numbers_note = roster.numbers_note(language)
        if not form.roster_file.rows:
            form.add_error("file", _("The file has no member rows."))
        elif not errors:
            request.session[IMPORT_SESSION_KEY] = {
                "organization": organization.pk,
                "token": uuid.uuid4().hex,
                "filename": form.cleaned_data["file"].name[:200],
                "rows": form.roster_file.rows,
                "ignored_columns": form.roster_file.ignored_columns,
                "numbers_language": language,
            }
            return redirect("alliances:roster-preview", pk=organization.pk)
    return render(
        request,
        "alliances/roster_upload.html",
        {
            "organization": organization,
            "form": form,
            "errors": errors[:MAX_ERRORS_SHOWN],
            "more_errors": max(len(errors) - MAX_ERRORS_SHOWN, 0),
            "numbers_note": numbers_note,
            "birth_years": roster.birth_year_range(),
        },
    )


@login_required
@require_http_methods(["GET"])
def roster_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the members about to be added, checked again, and a button to add them."""
    organization = _organization(request, pk, manage=True)
    staged = _staged(request, organization)
    if staged is None:
        messages.info(request, _("Choose a roster file first."))
        return redirect("alliances:roster-upload", pk=organization.pk)
    language = staged.get("numbers_language")
    checked = roster.check_rows(organization, staged["rows"], language=language)
    return render(
        request,
        "alliances/roster_preview.html",
        {
            "organization": organization,
            "staged": staged,
            "members": checked.members,
            "errors": checked.errors[:MAX_ERRORS_SHOWN],
            "counts": _counts(checked.members),
            "numbers_note": roster.numbers_note(language),
        },
    )


def _counts(members: list[Member]) -> dict[str, int]:
    """The §5 figures of the members about to be added (as `Member.objects.counts()`)."""
    return roster.members_counts(members)


@login_required
@require_POST
def roster_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: add the previewed members, all or none."""
    organization = _organization(request, pk, manage=True)
    staged = _staged(request, organization)
    if staged is None or request.POST.get("token") != staged["token"]:
        messages.error(
            request, _("This preview is no longer current: choose the roster file again.")
        )
        return redirect("alliances:roster-upload", pk=organization.pk)
    try:
        added = roster.roster_import(
            organization=organization,
            by=request.user,
            rows=staged["rows"],
            language=staged.get("numbers_language"),
        )
    except ActionRefused as refusal:
        if refusal.code in (NOT_FOUND, FORBIDDEN):
            _enforce(Decision(False, refusal.reasons, refusal.code))
        # The roster changed since the preview: the preview now lists the rows in error.
        messages.error(request, _("Nothing was added: some rows are no longer right."))
        return redirect("alliances:roster-preview", pk=organization.pk)
    del request.session[IMPORT_SESSION_KEY]
    count = len(added)
    messages.success(
        request,
        ngettext(
            "%(count)s member was added to the roster.",
            "%(count)s members were added to the roster.",
            count,
        )
        % {"count": count},
    )
    return redirect("alliances:organization", pk=organization.pk)
