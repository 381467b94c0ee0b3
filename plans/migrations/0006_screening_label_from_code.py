"""A screening check keeps only its code: its label is read, in the reader's language,
from `plans.models.ScreeningItem`."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('plans', '0005_document_monitoring_report'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='screeningcheck',
            name='label',
        ),
        migrations.AlterField(
            model_name='screeningcheck',
            name='code',
            field=models.CharField(choices=[('legal_status', 'The organization is legally registered.'), ('roster_verified', 'The member roster was verified.'), ('buyer_intent', "The buyer's letter of intent is on file."), ('field_visit', "A field visit confirmed the plan's premises."), ('eligible_region', 'The region is eligible for the programme.'), ('eligible_value_chain', 'The value chain is eligible for the programme.'), ('money_rules', "The plan meets the programme's money rules.")], max_length=40, verbose_name='code'),
        ),
    ]
