"""API of the parties: producer organizations, buyers and public funders, and the small
shapes other resources nest."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from accounts.policy import organizations_known_to
from core.api import IdFilter, IdsFirstMixin, NotFoundMixin
from core.api_serializers import ModelSerializer

from .. import roster
from ..models import (
    YOUTH_AGE_LIMIT,
    Buyer,
    Funder,
    Member,
    ProducerOrganization,
    Product,
    Region,
    ValueChain,
)

# --- small nested shapes -----------------------------------------------------------------


class RegionSerializer(ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "country"]


class ValueChainSerializer(ModelSerializer):
    class Meta:
        model = ValueChain
        fields = ["id", "code", "name"]


class ProductSerializer(ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "unit", "value_chain"]


class PartySerializer(serializers.Serializer):
    """A party of an alliance (organization, buyer) by id and name. Written directly, as
    its two fields write themselves: it is on every row of the plans and alliances lists
    (tests/api/test_serializers.py compares it with DRF's writing)."""

    id = serializers.IntegerField()
    name = serializers.CharField()

    def to_representation(self, party):
        return {"id": party.pk, "name": str(party.name)}


class ProgramRefSerializer(serializers.Serializer):
    """A programme by id, code and currency, written directly (see `PartySerializer`)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    currency = serializers.CharField()

    def to_representation(self, program):
        return {"id": program.pk, "code": str(program.code), "currency": str(program.currency)}


# --- producer organizations, buyers, funders --------------------------------------------


class ProducerOrganizationSerializer(ModelSerializer):
    region = RegionSerializer(read_only=True)
    # Annotations of the view's queryset (named *_count to stay clear of `members`).
    members = serializers.IntegerField(
        source="members_count", read_only=True, help_text=_("Active members.")
    )
    women = serializers.IntegerField(
        source="women_count", read_only=True, help_text=_("Active women members.")
    )
    youth = serializers.IntegerField(
        source="youth_count", read_only=True, help_text=_("Active members under 35 this year.")
    )

    class Meta:
        model = ProducerOrganization
        fields = [
            "id",
            "name",
            "registration_number",
            "legal_form",
            "region",
            "founded_year",
            "address",
            "email",
            "phone",
            "members",
            "women",
            "youth",
            "created_at",
        ]


class ProducerOrganizationFilter(filters.FilterSet):
    region = IdFilter(field_name="region_id", help_text="Region id.")
    legal_form = filters.ChoiceFilter(choices=ProducerOrganization.LegalForm.choices)

    class Meta:
        model = ProducerOrganization
        fields = ["region", "legal_form"]


class OrganizationWriteSerializer(ModelSerializer):
    """The profile fields of the organization's edit page (`alliances.roster`)."""

    class Meta:
        model = ProducerOrganization
        fields = list(roster.ORGANIZATION_FIELDS)
        extra_kwargs = {"founded_year": {"min_value": 1900, "max_value": 2100}}


@extend_schema_view(
    list=extend_schema(summary="List producer organizations"),
    retrieve=extend_schema(summary="A producer organization"),
    partial_update=extend_schema(
        summary="Change the organization's profile",
        description=(
            "Name, legal form, year founded and contacts, by the organization's "
            "representatives and its TA provider (403 for others who see it)."
        ),
        request=OrganizationWriteSerializer,
        responses={200: ProducerOrganizationSerializer},
    ),
)
class ProducerOrganizationViewSet(
    IdsFirstMixin, NotFoundMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Producer organizations: the user's own, and those of the alliances they may see.
    Member figures are counted from the active roster (§5)."""

    serializer_class = ProducerOrganizationSerializer
    filterset_class = ProducerOrganizationFilter
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]
    not_found_message = _("No such producer organization.")
    http_method_names = ["get", "patch", "head", "options"]

    def partial_update(self, request, *args, **kwargs):
        organization = self.get_object()
        body = OrganizationWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        roster.organization_update(
            organization=organization, by=request.user, changes=body.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=organization.pk)).data)

    def visible(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no user
            return ProducerOrganization.objects.none()
        return organizations_known_to(self.request.user)

    def with_rows(self, queryset):
        return with_member_counts(queryset)  # their members counted


def with_member_counts(organizations):
    """With the region, and the active members, women and youth counted."""
    youth_born_after = datetime.date.today().year - YOUTH_AGE_LIMIT
    active = Q(members__active=True)
    return organizations.select_related("region").annotate(
        members_count=Count("members", filter=active),
        women_count=Count("members", filter=active & Q(members__sex=Member.Sex.FEMALE)),
        youth_count=Count("members", filter=active & Q(members__birth_year__gt=youth_born_after)),
    )


class BuyerSerializer(ModelSerializer):
    class Meta:
        model = Buyer
        fields = ["id", "name", "kind", "country", "registration_number", "email"]


class BuyerFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Buyer.Kind.choices)
    country = filters.CharFilter(max_length=2, help_text="ISO 3166 country code.")

    class Meta:
        model = Buyer
        fields = ["kind", "country"]


@extend_schema_view(
    list=extend_schema(summary="List buyers"), retrieve=extend_schema(summary="A buyer")
)
class BuyerViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """The buyers directory (a producer organization chooses its buyer from it)."""

    queryset = Buyer.objects.all()
    serializer_class = BuyerSerializer
    filterset_class = BuyerFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    not_found_message = _("No such buyer.")


class FunderSerializer(ModelSerializer):
    class Meta:
        model = Funder
        fields = ["id", "name", "kind", "country"]


class FunderFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Funder.Kind.choices)
    country = filters.CharFilter(max_length=2, help_text="ISO 3166 country code.")

    class Meta:
        model = Funder
        fields = ["kind", "country"]


@extend_schema_view(
    list=extend_schema(summary="List public funders"),
    retrieve=extend_schema(summary="A public funder"),
)
class FunderViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """The public funders of the programmes."""

    queryset = Funder.objects.all()
    serializer_class = FunderSerializer
    filterset_class = FunderFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]
    not_found_message = _("No such funder.")
