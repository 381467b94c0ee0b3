"""REST API of business plans (DESIGN.md §10), split by topic."""

from .appraisal import AppraisalViewSet
from .content import BudgetLineViewSet, CashFlowViewSet
from .plans import PlanViewSet

__all__ = ["AppraisalViewSet", "BudgetLineViewSet", "CashFlowViewSet", "PlanViewSet"]
