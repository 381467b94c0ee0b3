"""A producer organization's member roster in the API (§5, issue 19): the members listed,
added and changed, and a roster file imported (checked and previewed with `dry_run`, then
added all or none).

The doors of the organization pages: the organization from `organizations_visible_to`
(the page's scope: another organization is a 404), every change through
`alliances.roster` (which asks the policy who may change the roster: 403 otherwise), and
national ID numbers shown only where `can_see_personal_data` allows, masked elsewhere.

Routes (config/api_urls.py): `producer-organizations/{id}/members/` (GET, POST),
`.../members/{member_id}/` (GET, PATCH) and `.../members/import/` (POST, multipart).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.policy import (
    can_manage_roster,
    can_see_personal_data,
    organizations_visible_to,
)
from core.api import object_or_404
from core.api_input import JSONParser
from core.api_serializers import ModelSerializer

from .. import roster
from ..models import Member, ProducerOrganization
from ..personal_data import mask

ORGANIZATION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Producer organization id."
)
MEMBER_ID = OpenApiParameter(
    "member_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Member id."
)


class MemberSerializer(ModelSerializer):
    national_id = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "Masked (all but its last two characters) for those who may not see members' "
            "personal data."
        )
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "name",
            "national_id",
            "sex",
            "birth_year",
            "land_area_ha",
            "role",
            "active",
            "joined_on",
        ]
        read_only_fields = fields

    def get_national_id(self, member) -> str:
        return member.national_id if self.context.get("personal") else mask(member.national_id)


class MemberWriteSerializer(serializers.Serializer):
    """The fields of the roster page's member form; `alliances.roster` checks the rules
    (plausible birth year, land area) and names the field of each message."""

    name = serializers.CharField(max_length=200)
    sex = serializers.ChoiceField(choices=Member.Sex.choices)
    birth_year = serializers.IntegerField(min_value=1900, max_value=2100)
    land_area_ha = serializers.DecimalField(
        max_digits=9, decimal_places=2, required=False, help_text=gettext_lazy("Hectares.")
    )
    role = serializers.ChoiceField(choices=Member.MemberRole.choices, required=False)
    active = serializers.BooleanField(required=False)


class RosterImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text=gettext_lazy(
            "CSV or XLSX, at most 2 MB: a header row (name, sex, birth year, land area, "
            "role, in English, French or Spanish), then one member per row."
        ),
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Check and preview only: nothing is added."),
    )


class RosterCountsSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    women = serializers.IntegerField()
    youth = serializers.IntegerField()


class RosterImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    members = MemberSerializer(many=True, help_text=gettext_lazy("Added, or to be added."))
    counts = RosterCountsSerializer()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class MemberViewSet(viewsets.GenericViewSet):
    """The members of an organization the user may see, by name."""

    serializer_class = MemberSerializer
    lookup_url_kwarg = "member_id"
    parser_classes = [JSONParser, MultiPartParser]
    filter_backends: list = []

    def organization(self) -> ProducerOrganization:
        if not hasattr(self, "_organization"):
            self._organization = object_or_404(
                organizations_visible_to(self.request.user),
                self.kwargs["id"],
                _("No such producer organization."),
            )
        return self._organization

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no organization
            return Member.objects.none()
        return self.organization().members.order_by("name", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["personal"] = can_see_personal_data(self.request.user, self.organization())
        return context

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as exc:
            raise NotFound(_("No such member.")) from exc

    def _answer(self, member, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(member).data, status=status_code)

    @extend_schema(summary="Members of the organization", parameters=[ORGANIZATION_ID])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a member to the roster",
        description=(
            "The organization's representatives and its TA provider (403 for others who "
            "see it). A birth year or land area that is not plausible is a 400 naming the "
            "field."
        ),
        parameters=[ORGANIZATION_ID],
        request=MemberWriteSerializer,
        responses={201: MemberSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = MemberWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        member = roster.member_add(
            organization=self.organization(), by=request.user, **body.validated_data
        )
        return self._answer(member, status.HTTP_201_CREATED)

    @extend_schema(summary="A member", parameters=[ORGANIZATION_ID, MEMBER_ID])
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(
        summary="Change a member",
        description="Any of the member's fields; `active: false` takes them off the counts.",
        parameters=[ORGANIZATION_ID, MEMBER_ID],
        request=MemberWriteSerializer(partial=True),
        responses={200: MemberSerializer},
    )
    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        body = MemberWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        member = roster.member_update(member=member, by=request.user, changes=body.validated_data)
        return self._answer(member)

    @extend_schema(
        summary="Import a roster file",
        description=(
            "A `multipart/form-data` upload of a CSV or XLSX roster, read as the roster "
            "import page reads it. With `dry_run`, the members that would be added and "
            "their counts (200, nothing added); without, they are added all or none (201). "
            "A file that cannot be read, or any row in error, is a 400 with one message per "
            "row under `file`, and nothing is added."
        ),
        parameters=[ORGANIZATION_ID],
        request={"multipart/form-data": RosterImportSerializer},
        responses={200: RosterImportResultSerializer, 201: RosterImportResultSerializer},
    )
    def roster_import(self, request, *args, **kwargs):
        organization = self.organization()
        body = RosterImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            roster_file = roster.read_roster_file(body.validated_data["file"])
        except roster.RosterFileError as error:
            raise ValidationError({"file": [str(error)]}) from error
        if not roster_file.rows:
            raise ValidationError({"file": [_("The file has no member rows.")]})
        dry_run = body.validated_data["dry_run"]
        can_manage_roster(request.user, organization).raise_if_refused()
        checked = roster.check_rows(organization, roster_file.rows, language=roster_file.language)
        if checked.errors:
            raise ValidationError({"file": checked.errors})
        members = checked.members
        if not dry_run:  # checked again under a lock, and added all or none
            members = roster.roster_import(
                organization=organization,
                by=request.user,
                rows=roster_file.rows,
                language=roster_file.language,
            )
        result = {
            "dry_run": dry_run,
            "members": members,
            "counts": roster.members_counts(members),
            "ignored_columns": roster_file.ignored_columns,
        }
        data = RosterImportResultSerializer(result, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)
