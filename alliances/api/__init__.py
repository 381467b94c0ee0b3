"""REST API of the parties, alliances and deliveries (DESIGN.md §10), split by topic."""

from .alliances import AllianceSerializer, AllianceViewSet
from .deliveries import DeliveryViewSet
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
    "RegionSerializer",
]
