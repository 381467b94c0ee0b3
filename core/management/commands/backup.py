"""`manage.py backup`: the database and the private media, as one named backup.

The database first, then the files: a document uploaded in between leaves a file no row
names (harmless) rather than a row without its file.
"""

from dbbackup.utils import bytes_to_str
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backups


class Command(BaseCommand):
    help = (
        "Back up the database and the private media files (PRIVATE_MEDIA_ROOT) together, "
        "as two files named after the UTC time in BACKUP_DIR; `restore` reads them back."
    )

    def handle(self, *args, **options):
        storage = backups.backup_storage()
        backup = backups.backup_files(backups.new_backup_name())
        parts = [backup.database_file, f"{backup.database_file}.metadata", backup.media_file]
        if any(storage.storage.exists(part) for part in parts):
            raise CommandError(
                f"A backup named {backup.name} already exists in {settings.BACKUP_DIR}; "
                "run the command again in a second."
            )
        try:
            # dbbackup's own messages are left at warnings; this command says what it wrote.
            call_command("dbbackup", output_filename=backup.database_file, verbosity=0)
            call_command(
                "mediabackup", output_filename=backup.media_file, compress=True, verbosity=0
            )
        except Exception as error:
            for part in parts:  # never leave half a backup behind
                if storage.storage.exists(part):
                    storage.delete_file(part)
            raise CommandError(f"The backup failed and nothing was kept: {error}") from error

        self.stdout.write(f"Backup {backup.name} written to {settings.BACKUP_DIR}:")
        database = connection.settings_dict["NAME"]
        for part, what in (
            (backup.database_file, f"database {database}"),
            (backup.media_file, f"media files of {settings.MEDIA_ROOT}"),
        ):
            size = bytes_to_str(storage.storage.size(part))
            self.stdout.write(f"  {part}  ({what}, {size})")
        self.stdout.write(
            "Copy both files off this machine. Restore them into an empty installation with: "
            f"python manage.py restore --name {backup.name}"
        )
