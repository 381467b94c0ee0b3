from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlliancesConfig(AppConfig):
    name = "alliances"
    verbose_name = _("Alliances")

    def ready(self):
        # Registrations need every model loaded: they run here, not at import.
        from . import registrations

        registrations.register()
