"""Indicator names, units and descriptions get an English, French and Spanish column
(django-modeltranslation, monitoring/translation.py). What the single columns held goes
to the English ones; the standard indicators that keep their standard English name and
unit also get their French and Spanish texts (monitoring/catalogue.py)."""

from django.db import migrations, models

from monitoring.catalogue import standard_texts


def to_language_columns(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    for indicator in Indicator.objects.all():
        indicator.name_en = indicator.name
        indicator.unit_en = indicator.unit
        indicator.description_en = indicator.description
        standard = standard_texts(indicator.code)
        if standard is not None:
            name, unit = standard
            if indicator.name == name["en"]:
                indicator.name_fr, indicator.name_es = name["fr"], name["es"]
            if indicator.unit == unit["en"]:
                indicator.unit_fr, indicator.unit_es = unit["fr"], unit["es"]
        indicator.save()


def to_single_columns(apps, schema_editor):
    Indicator = apps.get_model("monitoring", "Indicator")
    for indicator in Indicator.objects.all():
        indicator.name = indicator.name_en or indicator.name
        indicator.unit = indicator.unit_en or ""
        indicator.description = indicator.description_en or ""
        indicator.save()


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0004_accepted_reports_locked'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicator',
            name='description_en',
            field=models.TextField(blank=True, null=True, verbose_name='how it is measured'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='description_es',
            field=models.TextField(blank=True, null=True, verbose_name='how it is measured'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='description_fr',
            field=models.TextField(blank=True, null=True, verbose_name='how it is measured'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='name_en',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='name_es',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='name_fr',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='unit_en',
            field=models.CharField(blank=True, help_text="Leave empty for money (the programme's currency) and delivered volumes (the purchase agreement's unit).", max_length=40, null=True, verbose_name='unit'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='unit_es',
            field=models.CharField(blank=True, help_text="Leave empty for money (the programme's currency) and delivered volumes (the purchase agreement's unit).", max_length=40, null=True, verbose_name='unit'),
        ),
        migrations.AddField(
            model_name='indicator',
            name='unit_fr',
            field=models.CharField(blank=True, help_text="Leave empty for money (the programme's currency) and delivered volumes (the purchase agreement's unit).", max_length=40, null=True, verbose_name='unit'),
        ),
        migrations.RunPython(to_language_columns, to_single_columns),
    ]
