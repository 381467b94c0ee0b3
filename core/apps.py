from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Holds the `formats` template library; no models."""

    name = "core"
    verbose_name = "Core"
