"""`manage.py restore`: a backup made by `backup`, into an empty installation.

An empty installation is a database without tables (not even migrated) and a media folder
without files. Anything else is refused unless --force-overwrite is given, so that a
restore never mixes two installations' data by accident.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import backups

# The restoring user owns what it restores, whoever owned it where the backup was made
# (e.g. `postgres` on a server, `alliances` in Docker Compose).
PG_RESTORE_OPTIONS = "--no-owner --no-privileges"


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` (the latest, or --name) from BACKUP_DIR into an "
        "empty installation: the database and the private media files."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", help="the backup to restore, e.g. 2025-06-01-031500 (default: the latest)"
        )
        parser.add_argument(
            "--list", action="store_true", help="list the backups in BACKUP_DIR and stop"
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )
        parser.add_argument(
            "--force-overwrite",
            action="store_true",
            help=(
                "restore even though the database has tables or the media folder has files: "
                "what the backup holds replaces them (tables and files it does not hold stay)"
            ),
        )

    def handle(self, *args, **options):
        available = backups.complete_backups(backups.backup_storage())
        if options["list"]:
            for backup in available:
                self.stdout.write(f"{backup.name}  {backup.database_file}  {backup.media_file}")
            return
        backup = self.chosen_backup(available, options["name"])

        database = connection.settings_dict["NAME"]
        tables = len(connection.introspection.table_names())
        files = backups.media_file_count()
        if (tables or files) and not options["force_overwrite"]:
            raise CommandError(
                "This installation is not empty, so nothing was restored: the database "
                f"{database} has {counted(tables, 'table')} and the media folder "
                f"{settings.MEDIA_ROOT} holds {counted(files, 'file')}. Restore into a new, "
                "empty database (not migrated) and an empty media folder, or give "
                "--force-overwrite to replace what is there."
            )
        if options["interactive"] and not self.confirmed(backup, database):
            self.stdout.write("Nothing was restored.")
            return

        connection.close()  # SQLite: the database file is replaced
        try:
            call_command(
                "dbrestore",
                input_filename=backup.database_file,
                pg_options=PG_RESTORE_OPTIONS,
                interactive=False,
                verbosity=0,
            )
        except Exception as error:
            raise CommandError(
                f"Restoring the database from {backup.database_file} failed: {error}"
            ) from error
        try:
            call_command(
                "mediarestore",
                input_filename=backup.media_file,
                uncompress=True,
                replace=options["force_overwrite"],
                interactive=False,
                verbosity=0,
            )
        except Exception as error:
            raise CommandError(
                f"The database was restored, but restoring the media files from "
                f"{backup.media_file} failed: {error}"
            ) from error

        self.stdout.write(
            f"Backup {backup.name} restored: the database {database} from "
            f"{backup.database_file}, {counted(backups.media_file_count(), 'media file')} into "
            f"{settings.MEDIA_ROOT} from {backup.media_file}. Run `python manage.py migrate` "
            "next if this installation's code is newer than the backup."
        )

    def chosen_backup(self, available: list[backups.Backup], name: str | None) -> backups.Backup:
        where = settings.BACKUP_DIR
        if not available:
            raise CommandError(
                f"There is no backup in {where} (BACKUP_DIR): make one with "
                "`python manage.py backup`, or copy both files of one into that folder."
            )
        if name is None:
            return available[-1]
        backup = backups.find_backup(available, name)
        if backup is None:
            names = ", ".join(backup.name for backup in available)
            raise CommandError(f"There is no backup named {name} in {where}. Backups: {names}.")
        return backup

    def confirmed(self, backup: backups.Backup, database: str) -> bool:
        answer = input(
            f"Restore backup {backup.name} into the database {database} and the media folder "
            f"{settings.MEDIA_ROOT}? Type 'yes' to continue: "
        )
        return answer.strip().lower() == "yes"


def counted(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"
