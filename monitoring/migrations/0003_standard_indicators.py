"""The standard indicators of DESIGN.md §8 (monitoring/catalogue.py)."""

from django.db import migrations

from monitoring.catalogue import catalogue_seed


def seed(apps, schema_editor):
    catalogue_seed(apps.get_model("monitoring", "Indicator"))


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_indicators_values_revolving_fund")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
