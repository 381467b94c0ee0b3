"""Funding takes over the purchase agreement's models from alliances (tables unchanged)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ("purchaseagreement", "purchaseagreementversion")


def _relabel(apps, source: str, target: str) -> None:
    """The content types follow the models, so that the transition log, the audit history
    and the permissions that name them keep pointing at them."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=source, model__in=MODELS).update(app_label=target)


def move_content_types(apps, schema_editor):
    _relabel(apps, "alliances", "funding")


def move_content_types_back(apps, schema_editor):
    _relabel(apps, "funding", "alliances")


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0006_purchase_agreement_moves_to_funding'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('funding', '0008_verbose_names_of_actors'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='PurchaseAgreement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('sent', 'Sent to the buyer'), ('confirmed', 'Confirmed by the buyer'), ('declined', 'Declined by the buyer')], db_index=True, default='draft', max_length=20, verbose_name='status')),
                ('decline_reason', models.TextField(blank=True, verbose_name='reason for declining')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('alliance', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='purchase_agreement', to='alliances.alliance')),
            ],
            options={
                'verbose_name': 'purchase agreement',
                'verbose_name_plural': 'purchase agreements',
                'db_table': 'alliances_purchaseagreement',
            },
        ),
        migrations.CreateModel(
            name='PurchaseAgreementVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveSmallIntegerField(verbose_name='version')),
                ('unit', models.CharField(max_length=20, verbose_name='unit')),
                ('annual_volume', models.DecimalField(decimal_places=3, max_digits=14, verbose_name='annual volume')),
                ('quality_specification', models.TextField(blank=True, verbose_name='quality specification')),
                ('price_type', models.CharField(choices=[('fixed', 'Fixed price'), ('market_premium', 'Market reference plus premium')], default='fixed', max_length=20, verbose_name='price terms')),
                ('unit_price', models.DecimalField(decimal_places=2, max_digits=18, verbose_name='unit price (fixed price or premium)')),
                ('market_reference', models.CharField(blank=True, max_length=200, verbose_name='market reference')),
                ('delivery_schedule', models.TextField(blank=True, verbose_name='delivery schedule')),
                ('payment_terms', models.TextField(blank=True, verbose_name='payment terms')),
                ('duration_months', models.PositiveSmallIntegerField(verbose_name='duration (months)')),
                ('buyer_support', models.TextField(blank=True, help_text='Technical assistance, inputs, pre-financing.', verbose_name="buyer's support")),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('agreement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='funding.purchaseagreement')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='alliances.product')),
            ],
            options={
                'verbose_name': 'purchase agreement version',
                'verbose_name_plural': 'purchase agreement versions',
                'db_table': 'alliances_purchaseagreementversion',
                'ordering': ['agreement', 'number'],
                'constraints': [models.UniqueConstraint(fields=('agreement', 'number'), name='agreement_version_unique'), models.CheckConstraint(condition=models.Q(('annual_volume__gt', 0)), name='agreement_volume_pos'), models.CheckConstraint(condition=models.Q(('unit_price__gte', 0)), name='agreement_price_nonneg'), models.CheckConstraint(condition=models.Q(('duration_months__gt', 0)), name='agreement_duration')],
            },
        ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
