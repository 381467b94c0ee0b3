"""Where report files live: the private media storage (MEDIA_ROOT, or an S3-compatible
bucket when MEDIA_S3_BUCKET is set) under reports/, never a public URL: only the
permission-checked download view reads them.

A run writes to a "part" file on the worker's own disk, named after the job and the run,
then publishes it in one step under its final name: what the report is, about what and
when (the name the download gets), the job and a suffix unique to the run, e.g.
`reports/portfolio-bj-agri-2026-12-04-j17-3f9c2a1b.xlsx`. A reader never sees a
half-written file. On a local disk, part files sit next to the reports (a rename
publishes them); with a bucket they sit in REPORT_WORK_DIR and are uploaded. A run's own
temporary files (those of the XLSX writer) go to a folder of the run, removed when it
ends; what a killed run left behind is removed by the next run of its job and by the
recovery sweep.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage, storages

FOLDER = "reports"


def is_local() -> bool:
    """Are media files on this machine's disk (rather than in a bucket)?"""
    return isinstance(storages["default"], FileSystemStorage)


def folder() -> Path:
    """Where this process writes part files and temporary folders of runs."""
    path = Path(default_storage.path(FOLDER) if is_local() else settings.REPORT_WORK_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def final_name(job_id: int, filename: str, token: str) -> str:
    """The stored name: the download's name (kind, subject, date: safe characters only),
    then the job and the run, so that no two files ever share a name."""
    stem, _, extension = filename.rpartition(".")
    return f"{FOLDER}/{stem[:150]}-j{job_id}-{token[:8]}.{extension}"


def part_path(job_id: int, token: str) -> Path:
    return folder() / f".{job_id}-{token}.part"


def temp_folder(job_id: int, token: str) -> Path:
    return folder() / f".{job_id}-{token}.tmp"


def remove_parts(job_id: int, keep: Path | None = None) -> int:
    """Delete the part files and temporary folders that killed runs of this job left
    behind (all but `keep`, the current run's part file, and its folder)."""
    removed = 0
    keep_folder = keep.with_suffix(".tmp") if keep else None
    for leftover in folder().glob(f".{job_id}-*"):
        if leftover in (keep, keep_folder):
            continue
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        removed += 1
    return removed


@contextlib.contextmanager
def run_temp_files(job_id: int, token: str, *, isolate: bool):
    """Within the block, temporary files (the XLSX writer's) go to the run's own folder,
    which is removed at the end, or by `remove_parts` if the process is killed.

    Python's temporary folder is one per process: a worker process runs one job at a
    time, so it may redirect it; a run inside a web process (`isolate=False`, the
    embedded default of `make run`) leaves it alone."""
    if not isolate:
        yield
        return
    path = temp_folder(job_id, token)
    path.mkdir(parents=True, exist_ok=True)
    previous = tempfile.tempdir
    tempfile.tempdir = str(path)
    try:
        yield
    finally:
        tempfile.tempdir = previous
        shutil.rmtree(path, ignore_errors=True)


def exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def publish(part: Path, name: str) -> None:
    """Put a finished part file under its final name in one step: a rename on the same
    disk, or an upload to the bucket (the part file is then removed)."""
    if is_local():
        target = Path(default_storage.path(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(part, target)
        return
    with part.open("rb") as handle:
        saved = default_storage.save(name, File(handle, name=name))
    if saved != name:  # the names are unique to the run: a clash is a bug, not a retry
        default_storage.delete(saved)
        raise FileExistsError(f"report file {name} exists already")
    part.unlink(missing_ok=True)


def delete(name: str) -> None:
    if name:
        default_storage.delete(name)


def report_storage():
    """Named by migration 0001 (the field's own storage then): the media storage now."""
    return default_storage
