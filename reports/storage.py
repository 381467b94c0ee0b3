"""Where report files live: private storage under MEDIA_ROOT/reports/, never a public URL.

A run writes to a temporary "part" file named after the job and the run, then moves it
atomically onto the job's deterministic final name. A rerun (retry, or redelivery after
a worker died) therefore replaces the file, never adds a second one, and a reader never
sees a half-written file.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

FOLDER = "reports"


@deconstructible
class PrivateReportStorage(FileSystemStorage):
    """MEDIA_ROOT (read lazily, so tests can point it elsewhere) without any public URL."""

    def url(self, name):
        raise NotImplementedError("Report files are served by the download view only.")


_storage = PrivateReportStorage()


def report_storage() -> PrivateReportStorage:
    return _storage


def folder() -> Path:
    path = Path(_storage.path(FOLDER))
    path.mkdir(parents=True, exist_ok=True)
    return path


def final_name(job_id: int, kind: str, extension: str) -> str:
    return f"{FOLDER}/{job_id}-{kind}.{extension}"


def part_path(job_id: int, token: str) -> Path:
    return folder() / f".{job_id}-{token}.part"


def remove_parts(job_id: int, keep: Path | None = None) -> int:
    """Delete the part files a killed run of this job left behind."""
    removed = 0
    for part in folder().glob(f".{job_id}-*.part"):
        if part != keep:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def publish(part: Path, name: str) -> None:
    """Move a finished part file onto its final name in one step (same filesystem)."""
    os.replace(part, _storage.path(name))


def delete(name: str) -> None:
    if name:
        _storage.delete(name)
