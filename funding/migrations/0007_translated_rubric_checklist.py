"""Rubric criteria names and legalization checklist items get an English, French and
Spanish column (django-modeltranslation, funding/translation.py); what the single
columns held goes to the English ones."""

from django.db import migrations, models


def to_language_columns(apps, schema_editor):
    RubricCriterion = apps.get_model("funding", "RubricCriterion")
    LegalizationRequirement = apps.get_model("funding", "LegalizationRequirement")
    for criterion in RubricCriterion.objects.all():
        criterion.name_en = criterion.name
        criterion.save(update_fields=["name_en"])
    for requirement in LegalizationRequirement.objects.all():
        requirement.label_en = requirement.label
        requirement.save(update_fields=["label_en"])


def to_single_columns(apps, schema_editor):
    RubricCriterion = apps.get_model("funding", "RubricCriterion")
    LegalizationRequirement = apps.get_model("funding", "LegalizationRequirement")
    for criterion in RubricCriterion.objects.exclude(name_en=None).exclude(name_en=""):
        criterion.name = criterion.name_en
        criterion.save(update_fields=["name"])
    for requirement in LegalizationRequirement.objects.exclude(label_en=None).exclude(label_en=""):
        requirement.label = requirement.label_en
        requirement.save(update_fields=["label"])


class Migration(migrations.Migration):

    dependencies = [
        ('funding', '0006_program_monitoring'),
    ]

    operations = [
        migrations.AddField(
            model_name='legalizationrequirement',
            name='label_en',
            field=models.CharField(max_length=255, null=True, verbose_name='label'),
        ),
        migrations.AddField(
            model_name='legalizationrequirement',
            name='label_es',
            field=models.CharField(max_length=255, null=True, verbose_name='label'),
        ),
        migrations.AddField(
            model_name='legalizationrequirement',
            name='label_fr',
            field=models.CharField(max_length=255, null=True, verbose_name='label'),
        ),
        migrations.AddField(
            model_name='rubriccriterion',
            name='name_en',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='rubriccriterion',
            name='name_es',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.AddField(
            model_name='rubriccriterion',
            name='name_fr',
            field=models.CharField(max_length=200, null=True, verbose_name='name'),
        ),
        migrations.RunPython(to_language_columns, to_single_columns),
    ]
