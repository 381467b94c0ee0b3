import time

from django.core.management.base import BaseCommand

from monitoring.figures import portfolio_figures_rebuild


class Command(BaseCommand):
    help = (
        "Recompute every figure of the portfolio dashboard (per programme, region, value "
        "chain and stage) from the rows. Steps refresh their own slice after commit; run "
        "this after writing rows directly (it also runs hourly in Celery beat)."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        slices = portfolio_figures_rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the portfolio figures of {slices:,} slices in {elapsed:.1f} s."
            )
        )
