"""API of producer organizations' revolving funds (§8): the balance of each fund
(`revolving-funds`) and its movements, repayments in and loans out, with the balance
after each (`revolving-fund-entries`); an entry is recorded through
`services.revolving_fund_record`, as on the revolving-fund page.

Reads follow the page's door: the organizations of `organizations_visible_to` (its
representatives, its TA provider, the programme officers of its region).
"""

from __future__ import annotations

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from accounts.policy import organizations_visible_to
from alliances.models import Member
from core.api import MAX_ID, IdFilter, NotFoundMixin
from core.api_serializers import ModelSerializer
from core.dates import validate_typed_date
from core.money import ZERO

from . import services
from .models import RevolvingFund, RevolvingFundEntry

MONEY = {"max_digits": 18, "decimal_places": 2}
TOTAL = {"max_digits": 24, "decimal_places": 2}  # sums of many entries
SUM_FIELD = DecimalField(**TOTAL)

SIGNED = Case(
    When(kind=RevolvingFundEntry.Kind.REPAYMENT, then=F("amount")),
    default=-F("amount"),
    output_field=SUM_FIELD,
)


# --- funds ---------------------------------------------------------------------------------


class RevolvingFundSerializer(ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    repaid = serializers.DecimalField(**TOTAL, read_only=True, help_text="Repayments in.")
    lent = serializers.DecimalField(**TOTAL, read_only=True, help_text="Loans out.")
    balance = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="Repayments in minus loans out."
    )

    class Meta:
        model = RevolvingFund
        fields = [
            "id",
            "organization",
            "organization_name",
            "currency",
            "opened_on",
            "repaid",
            "lent",
            "balance",
        ]
        read_only_fields = fields


class RevolvingFundFilter(filters.FilterSet):
    organization = IdFilter(field_name="organization_id", help_text="Producer organization id.")
    region = IdFilter(field_name="organization__region_id", help_text="Region id.")

    class Meta:
        model = RevolvingFund
        fields = []


def _kind_total(kind: str) -> Coalesce:
    entries = RevolvingFundEntry.objects.filter(fund=OuterRef("pk"), kind=kind)
    return Coalesce(
        Subquery(entries.order_by().values("fund").annotate(t=Sum("amount")).values("t")),
        ZERO,
        output_field=SUM_FIELD,
    )


@extend_schema_view(
    list=extend_schema(summary="List revolving funds, with their balance"),
    retrieve=extend_schema(summary="A revolving fund, with its balance"),
)
class RevolvingFundViewSet(NotFoundMixin, viewsets.ReadOnlyModelViewSet):
    """Revolving funds of the producer organizations the user may see (§8): members repay
    part of the grant to their organization, which lends it on. A fund opens with its
    first entry, in the currency of the organization's programme."""

    serializer_class = RevolvingFundSerializer
    filterset_class = RevolvingFundFilter
    ordering_fields = ["opened_on", "id"]
    ordering = ["organization__name", "id"]
    not_found_message = gettext_lazy("No such revolving fund.")

    def get_queryset(self):
        return (
            RevolvingFund.objects.filter(
                organization__in=organizations_visible_to(self.request.user)
            )
            .select_related("organization")
            .annotate(
                repaid=_kind_total(RevolvingFundEntry.Kind.REPAYMENT),
                lent=_kind_total(RevolvingFundEntry.Kind.LOAN),
            )
            .annotate(balance=F("repaid") - F("lent"))
        )


# --- entries -------------------------------------------------------------------------------


def _balance_after() -> Coalesce:
    """The fund's balance once this entry is counted, entries taken in the order they
    happened (date, then the order they were recorded), whatever the list's filters."""
    earlier = RevolvingFundEntry.objects.filter(fund=OuterRef("fund")).filter(
        Q(occurred_on__lt=OuterRef("occurred_on"))
        | Q(occurred_on=OuterRef("occurred_on"), pk__lte=OuterRef("pk"))
    )
    return Coalesce(
        Subquery(earlier.order_by().values("fund").annotate(t=Sum(SIGNED)).values("t")),
        ZERO,
        output_field=SUM_FIELD,
    )


class RevolvingFundEntrySerializer(ModelSerializer):
    organization = serializers.IntegerField(source="fund.organization_id", read_only=True)
    currency = serializers.CharField(source="fund.currency", read_only=True)
    member_name = serializers.SerializerMethodField()
    balance_after = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="The fund's balance once this entry is counted."
    )
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = RevolvingFundEntry
        fields = [
            "id",
            "fund",
            "organization",
            "kind",
            "occurred_on",
            "amount",
            "currency",
            "member",
            "member_name",
            "note",
            "balance_after",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_member_name(self, entry) -> str | None:
        return entry.member.name if entry.member is not None else None


class RevolvingFundEntryRecordSerializer(serializers.Serializer):
    organization = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="Producer organization id."
    )
    kind = serializers.ChoiceField(choices=RevolvingFundEntry.Kind.choices)
    amount = serializers.DecimalField(
        **MONEY,
        help_text="In the fund's currency, no finer than its minor unit; a loan never "
        "exceeds the balance.",
    )
    occurred_on = serializers.DateField(
        validators=[validate_typed_date], help_text="Not in the future."
    )
    member = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the member who repaid or borrowed, of this organization.",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RevolvingFundEntryFilter(filters.FilterSet):
    organization = IdFilter(
        field_name="fund__organization_id", help_text="Producer organization id."
    )
    fund = IdFilter(field_name="fund_id", help_text="Revolving fund id.")
    kind = filters.ChoiceFilter(choices=RevolvingFundEntry.Kind.choices)
    member = IdFilter(field_name="member_id", help_text="Member id.")
    occurred_after = filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_before = filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = RevolvingFundEntry
        fields = []


@extend_schema_view(
    list=extend_schema(summary="List revolving-fund entries, newest first"),
    retrieve=extend_schema(summary="A revolving-fund entry"),
    create=extend_schema(
        summary="Record a repayment into, or a loan out of, a revolving fund",
        description=(
            "By the organization's representatives or its technical assistance provider "
            "(403 for others who see the organization, 404 for those who do not). An entry "
            "is never edited: a mistake is put right by an entry of the other kind. A loan "
            "over the balance, or an organization without an alliance (so without a "
            "currency), is a 409."
        ),
        request=RevolvingFundEntryRecordSerializer,
        responses={201: RevolvingFundEntrySerializer},
    ),
)
class RevolvingFundEntryViewSet(
    NotFoundMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Movements of the revolving funds the user may see: repayments in, loans out, each
    with the fund's balance after it."""

    serializer_class = RevolvingFundEntrySerializer
    filterset_class = RevolvingFundEntryFilter
    ordering_fields = ["occurred_on", "id"]
    ordering = ["-occurred_on", "-id"]
    not_found_message = gettext_lazy("No such revolving-fund entry.")

    def get_queryset(self):
        return (
            RevolvingFundEntry.objects.filter(
                fund__organization__in=organizations_visible_to(self.request.user)
            )
            .select_related("fund", "member", "recorded_by")
            .annotate(balance_after=_balance_after())
        )

    def create(self, request, *args, **kwargs):
        body = RevolvingFundEntryRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        organization = (
            organizations_visible_to(request.user).filter(pk=data.pop("organization")).first()
        )
        if organization is None:
            raise NotFound(_("No such producer organization."))
        member_id = data.pop("member")
        member = None
        if member_id is not None:
            member = Member.objects.filter(pk=member_id).first()
            if member is None:  # as for another organization's member: nothing revealed
                raise ValidationError({"member": [_("Choose a member of this organization.")]})
        entry = services.revolving_fund_record(
            organization=organization, by=request.user, member=member, **data
        )
        entry = self.get_queryset().get(pk=entry.pk)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)
