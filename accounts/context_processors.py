from django.utils.functional import SimpleLazyObject

from .models import Role
from .notifications import unread_count
from .policy import has_role


def notifications(request):
    """For the navigation, computed only when shown: `unread_notifications` (one count,
    kept briefly: `notifications.unread_count`) and `show_organizations` (does the user
    see any producer organization's page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(lambda: unread_count(user)),
        "show_organizations": SimpleLazyObject(
            lambda: (
                user.is_superuser
                or has_role(user, Role.PRODUCER, Role.TA_PROVIDER, Role.PROGRAMME_OFFICER)
            )
        ),
    }
