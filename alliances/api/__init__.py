"""REST API of the parties, alliances and agreements (DESIGN.md §10), split by topic."""

from .agreements import DeliveryViewSet, PurchaseAgreementViewSet
from .alliances import AllianceSerializer, AllianceViewSet
from .parties import (
    BuyerViewSet,
    FunderViewSet,
    ProducerOrganizationViewSet,
    RegionSerializer,
)

__all__ = [
    "AllianceSerializer",
    "AllianceViewSet",
    "BuyerViewSet",
    "DeliveryViewSet",
    "FunderViewSet",
    "ProducerOrganizationViewSet",
    "PurchaseAgreementViewSet",
    "RegionSerializer",
]
