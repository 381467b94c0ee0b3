"""The purchase agreement moves to funding: state only, the tables keep their names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('alliances', '0005_translated_value_chains_products'),
    ]

    # The purchase agreement moved to funding (its pages, the legalization checklist and
    # the signing live there). The tables stay as they are: only the models' state moves
    # (funding 0009 takes them over, with their content types).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.RemoveField(
            model_name='purchaseagreementversion',
            name='agreement',
        ),
        migrations.RemoveField(
            model_name='purchaseagreementversion',
            name='created_by',
        ),
        migrations.RemoveField(
            model_name='purchaseagreementversion',
            name='product',
        ),
        migrations.DeleteModel(
            name='PurchaseAgreement',
        ),
        migrations.DeleteModel(
            name='PurchaseAgreementVersion',
        ),
            ],
            database_operations=[],
        ),
    ]
