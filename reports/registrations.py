"""What reports registers with the layers below it, once Django has loaded every model
(`ReportsConfig.ready`): the words and colours of a job's states.
"""

from core import labels

from .models import ReportJob


def register() -> None:
    # A job's status moves in `reports.services` and is not journaled: states only.
    labels.register(
        ReportJob,
        states=ReportJob.Status,
        tones={
            "queued": labels.NEUTRAL,
            "running": labels.INFO,
            "succeeded": labels.SUCCESS,
            "failed": labels.DANGER,
        },
    )
