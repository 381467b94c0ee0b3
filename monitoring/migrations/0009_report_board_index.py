"""An index on monitoring reports by status, due date and id: the status board's columns
(a status, often with a date bound) read their page and count from it instead of every
report (issue 17)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0008_portfolio_figures"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="monitoringreport",
            index=models.Index(fields=["status", "due_on", "id"], name="report_board_idx"),
        ),
    ]
