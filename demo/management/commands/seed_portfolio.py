import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seeding import seed_portfolio


class Command(BaseCommand):
    help = (
        "Seed a realistic portfolio of N alliances over every plan state, with members, "
        "budget lines, cash flows, agreements, tranches, payments and deliveries, in three "
        "seeded programmes (XOF, COP, KES). A seeding tool: it writes consistent rows "
        "directly (bulk inserts), not through the workflow services. Run again to add more."
    )

    def add_arguments(self, parser):
        parser.add_argument("--alliances", type=int, required=True, help="How many to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off (never on a production database).",
        )

    def handle(self, *args, alliances: int, seed: int, force: bool, **options):
        if alliances < 1:
            raise CommandError("--alliances must be at least 1.")
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: seeded data would mix with real data. Use --force if this "
                "really is a test or benchmark database."
            )
        self.verbosity = options.get("verbosity", 1)
        started = time.perf_counter()
        counts = seed_portfolio(alliances, seed=seed, log=self._progress)
        elapsed = time.perf_counter() - started
        for label, count in sorted(counts.items()):
            self.stdout.write(f"  {count:>9,} {label}")
        self.stdout.write(self.style.SUCCESS(f"Seeded {alliances:,} alliances in {elapsed:.1f} s."))

    def _progress(self, message: str) -> None:
        if self.verbosity > 1:
            self.stdout.write(message)
