"""A partial index on the tranche requests waiting for the officer's verification, in the
order the home's "to verify" reads them (issue 17): its first rows come from the index
instead of joining and sorting every requested tranche (10.9 ms to 0.2 ms at 10,000
alliances)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0012_tranche_finance_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="tranche",
            index=models.Index(
                condition=models.Q(("status", "requested")),
                fields=["requested_at", "id"],
                name="tranche_to_verify_idx",
            ),
        ),
    ]
