from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_transition(log_id: int) -> int:
    """Notify the people concerned by a transition. Idempotent: a retry adds nothing."""
    from plans.models import TransitionLog

    from .notifications import notify

    log = TransitionLog.objects.select_related("alliance", "content_type").filter(pk=log_id).first()
    if log is None:
        return 0
    return len(notify(log))
