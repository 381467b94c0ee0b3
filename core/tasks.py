from celery import shared_task

from . import outbox


@shared_task
def deliver_outbox() -> int:
    """Every minute (beat): deliver what the broker could not take at commit time."""
    return outbox.deliver_pending()
