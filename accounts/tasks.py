import smtplib

from celery import shared_task

from .emails import deliver_notification
from .notifications import notify, schedule_emails
from .steps import journal_model


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def notify_transition(log_id: int) -> int:
    """Notify the people concerned by a transition, in the app and then by e-mail.
    Idempotent: a retry adds no notification and e-mails none twice."""

    log = (
        journal_model().objects.select_related("alliance", "content_type").filter(pk=log_id).first()
    )
    if log is None:
        return 0
    created = notify(log)
    schedule_emails(log)
    return len(created)


# SMTP errors, refused or dropped connections and time-outs (all OSError) are worth a
# retry; the mail server may be back a little later.
@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification to its recipient, in their language. Idempotent: sent at
    most once (`Notification.emailed_at`), never to a user who opted out."""

    return deliver_notification(notification_id)
