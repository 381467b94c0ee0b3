from django.utils.functional import SimpleLazyObject

from accounts.models import STAFF_ROLES, Role
from accounts.policy import user_scope
from accounts.worklist import tasks_of_request


def tasks(request):
    """`my_tasks` and `my_task_count` for the navigation, computed only when shown."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    queue = SimpleLazyObject(lambda: tasks_of_request(request))
    roles = user_scope(request.user).roles
    return {
        "my_tasks": queue,
        "my_task_count": SimpleLazyObject(lambda: sum(t.count for t in queue)),
        # Which lists the navigation offers (the pages themselves ask the policy).
        "nav_agreements": bool(
            roles & {Role.BUYER, Role.PRODUCER, Role.TA_PROVIDER, Role.PROGRAMME_OFFICER}
        ),
        "nav_finance": Role.FINANCE_OFFICER in roles,
        # Monitoring (§8) is the PO side's, the ministry's and the funders' business; the
        # portfolio dashboard is for ministry staff and funders.
        "nav_monitoring": bool(roles - {Role.BUYER}) or request.user.is_superuser,
        "nav_portfolio": bool(roles & (STAFF_ROLES | {Role.FUNDER})) or request.user.is_superuser,
        "nav_programmes": bool(
            roles
            & {
                Role.PROGRAMME_OFFICER,
                Role.FINANCE_OFFICER,
                Role.ME_OFFICER,
                Role.COMMITTEE_MEMBER,
                Role.FUNDER,
            }
        ),
    }
