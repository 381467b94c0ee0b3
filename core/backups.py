"""Named backups of the database and the private media, taken together (README "Backups").

django-dbbackup does the work: `pg_dump`/`pg_restore` (or SQLite's backup API) for the
database, a tar of PRIVATE_MEDIA_ROOT for the files, both kept in BACKUP_DIR (the
"dbbackup" storage). This module gives the two files of one backup the same name, the UTC
time at which it was taken (`2025-06-01-031500`), and finds them again; the `backup` and
`restore` commands use it.
"""

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dbbackup import settings as dbbackup_settings
from dbbackup import utils as dbbackup_utils
from dbbackup.db.base import get_connector
from dbbackup.storage import Storage, get_storage
from django.conf import settings

MEDIA_EXTENSION = "tar.gz"


@dataclass(frozen=True)
class Backup:
    name: str  # the UTC time it was taken, e.g. 2025-06-01-031500
    database_file: str  # file names in the backup storage (BACKUP_DIR)
    media_file: str


def backup_storage() -> Storage:
    return get_storage()


def new_backup_name() -> str:
    return datetime.now(UTC).strftime(dbbackup_settings.DATE_FORMAT)


def backup_files(name: str) -> Backup:
    """The files a backup of this database engine, named `name`, is written to."""
    extension = get_connector().extension
    return Backup(
        name=name,
        database_file=dbbackup_utils.filename_generate(extension, wildcard=name),
        media_file=dbbackup_utils.filename_generate(
            MEDIA_EXTENSION, content_type="media", wildcard=name
        ),
    )


def complete_backups(storage: Storage) -> list[Backup]:
    """The backups in the storage that have both their files, oldest first.

    A database file is one whose name starts as the template makes it for its time (any
    engine's extension: restoring another engine's dump is refused by dbbackup itself).
    """
    try:
        files = set(storage.list_directory())
    except FileNotFoundError:  # BACKUP_DIR not made yet: no backup
        return []
    found = []
    for database_file in storage.list_backups(content_type="db"):
        name = dbbackup_utils.filename_to_datestring(database_file)
        database_prefix = dbbackup_utils.filename_generate("", wildcard=name)
        media_file = backup_files(name).media_file
        if database_file.startswith(database_prefix) and media_file in files:
            found.append(Backup(name=name, database_file=database_file, media_file=media_file))
    return sorted(found, key=lambda backup: backup.name)


def find_backup(backups: list[Backup], name: str) -> Backup | None:
    """The backup called `name`: its time, or the name of one of its files."""
    wanted = dbbackup_utils.filename_to_datestring(name) or name
    return next((backup for backup in backups if backup.name == wanted), None)


def media_file_count() -> int:
    """Files under PRIVATE_MEDIA_ROOT (empty folders do not count)."""
    root = Path(settings.MEDIA_ROOT)
    return sum(len(files) for _, _, files in os.walk(root))
