"""Celery tasks of the webhooks: the fan-out of a step, one delivery attempt, the sweep.
Each takes ids (or nothing), calls a service and is safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def fan_out(log_id: int) -> int:
    return services.fan_out(log_id)


@shared_task(acks_late=True)
def deliver(delivery_id: int) -> str:
    return services.delivery_attempt(delivery_id)


@shared_task(acks_late=True)
def deliver_due() -> int:
    """Beat, every minute: deliveries whose retry is due (their message may be lost)."""
    return services.deliveries_due()
