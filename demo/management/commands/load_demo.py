from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.data import load


class Command(BaseCommand):
    help = (
        "Load the demo programmes (Benin in XOF, Colombia in COP), their parties, plans in "
        "every workflow state and one user per role. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off (never on a production database).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: demo users with a known password would be created. "
                "Use --force if this really is a demonstration database."
            )
        created = load(password=settings.DEMO_PASSWORD, log=self.stdout.write)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
