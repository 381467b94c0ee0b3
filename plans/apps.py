from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Business plans")

    def ready(self):
        # Registrations need every model loaded: they run here, not at import.
        from . import registrations

        registrations.register()
