"""Structured logs: on every log record, the ids of what the process is doing.

Three ids say where a line comes from: `request_id` (the web request: a sane incoming
`X-Request-ID`, or a new one, sent back in the response), `user_id` (the signed-in user)
and `job_id` (the Celery task's id, with `task_name` beside it). A task asked for during a
request carries the request's id in its message, so its lines have the same `request_id`.
Code binds more for a block, and every record logged inside it carries them:

    with log_context(report_job=job.pk):
        ...

They live in context variables: each thread (and each asyncio task) sees its own, and the
middleware and the task signals put back what was there before, so nothing leaks from one
request or task into the next. `ContextFilter`, on the handler in settings.LOGGING, copies
them onto each record (None when unset); the JSON formatter (production) writes them as
fields, `TextFormatter` (development) in brackets.

The module is `log_context`, not `logging`: `from core import logging` would hide the
standard module in the importing file.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

from celery import signals
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message header that carries the request id to the task it asked for.
REQUEST_ID_FIELD = "request_id"
# An incoming id is kept only if it is short and plain (no spaces, newlines or quotes that
# could forge or break a log line); otherwise the request gets a new one.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
job_id_var: ContextVar[str | None] = ContextVar("job_id", default=None)
_extra_var: ContextVar[Mapping[str, Any]] = ContextVar("log_extra", default=MappingProxyType({}))
# The request being served, read when a record is made: who is signed in may change during
# the request (sign-in, an API token), and reading it then needs no database query.
_request_var: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)

_ID_VARS: dict[str, ContextVar] = {
    "request_id": request_id_var,
    "user_id": user_id_var,
    "job_id": job_id_var,
}
# Names a bound field may not take: the LogRecord's own attributes.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

Bound = list[tuple[ContextVar, Token]]


# --- binding -----------------------------------------------------------------------------


def bind(**fields: Any) -> Bound:
    """Set fields for the current context; give the result to `unbind` to put back what
    was there before. `log_context` does both around a block."""
    clashing = sorted(name for name in fields if name in _RESERVED or name.startswith("_"))
    if clashing:
        raise ValueError(f"log fields may not be named {', '.join(clashing)}")
    bound: Bound = []
    extra = {}
    for name, value in fields.items():
        if name in _ID_VARS:
            bound.append((_ID_VARS[name], _ID_VARS[name].set(value)))
        else:
            extra[name] = value
    if extra:
        merged = MappingProxyType({**_extra_var.get(), **extra})
        bound.append((_extra_var, _extra_var.set(merged)))
    return bound


def unbind(bound: Bound) -> None:
    for var, token in reversed(bound):
        var.reset(token)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Every record logged inside the block carries these fields, e.g.
    `with log_context(report_job=job.pk): ...`; nested blocks add to the outer ones."""
    bound = bind(**fields)
    try:
        yield
    finally:
        unbind(bound)


def current_fields(request: HttpRequest | None = None) -> dict[str, Any]:
    """The fields a record made now carries: the three ids (None when unset) and the
    bound extras. `request` is the record's own (django.request logs a 404 once the
    middleware has returned), used when no request is being served in this context."""
    served = _request_var.get()
    if served is None:
        served = request
    request_id = request_id_var.get()
    if request_id is None and served is not None:
        request_id = getattr(served, "request_id", None)
    user_id = user_id_var.get()
    if user_id is None and served is not None:
        user_id = _signed_in_user_id(served)
    return {
        "request_id": request_id,
        "user_id": user_id,
        "job_id": job_id_var.get(),
        **_extra_var.get(),
    }


def _signed_in_user_id(request: HttpRequest) -> int | None:
    """The id of the request's user if it is already known. AuthenticationMiddleware's
    lazy user is never evaluated here: that would query the database from inside a log
    call (perhaps in a broken transaction, or logging the query itself)."""
    user = request.__dict__.get("user")
    while isinstance(user, LazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


# --- on every record ---------------------------------------------------------------------


class ContextFilter(logging.Filter):
    """Puts the context's fields on each record (an `extra=` of the same name wins).
    On the handler, so that records of every logger get them."""

    def filter(self, record: logging.LogRecord) -> bool:
        own_request = getattr(record, "request", None)
        fields = current_fields(own_request if isinstance(own_request, HttpRequest) else None)
        for name, value in fields.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        record._context_fields = tuple(fields)
        return True


class TextFormatter(logging.Formatter):
    """The development format: `%(_ids)s` is the fields that are set, in brackets."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{name}={value}"
            for name in getattr(record, "_context_fields", ())
            if (value := getattr(record, name, None)) is not None
        )
        record._ids = f"[{ids}] " if ids else ""
        return super().format(record)


# --- web requests ------------------------------------------------------------------------


def incoming_request_id(value: str | None) -> str:
    """The client's (or proxy's) X-Request-ID if it is sane, else a new one."""
    if value and SANE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """First in MIDDLEWARE, so that every response has an `X-Request-ID` and every record
    logged by the middleware below and the view has the request's id. The user id is
    read from `request.user` when a record is made, so its place before
    AuthenticationMiddleware does not matter, and a sign-in during the request (or an
    API token) counts from then on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.request_id = incoming_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        bound = bind(request_id=request.request_id)
        served = _request_var.set(request)
        try:
            response = self.get_response(request)
        finally:
            _request_var.reset(served)
            unbind(bound)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


# --- Celery tasks ------------------------------------------------------------------------

# Bindings of the running tasks by task id; a list, since an eager retry runs the same id
# again inside the first run.
_task_bindings: dict[str, list[Bound]] = {}


def _task_started(task_id: str, task, **_signal) -> None:
    fields = {"job_id": task_id, "task_name": task.name}
    asked_by = _request_id_of(task.request)
    if asked_by:
        fields["request_id"] = asked_by
    _task_bindings.setdefault(task_id, []).append(bind(**fields))


def _request_id_of(task_request) -> str | None:
    """The request id a task message carries: a custom header is an attribute of the
    task's request in a worker, and among its `headers` when the task runs eagerly."""
    value = getattr(task_request, REQUEST_ID_FIELD, None)
    if value is None:
        value = (getattr(task_request, "headers", None) or {}).get(REQUEST_ID_FIELD)
    return value if isinstance(value, str) and SANE_REQUEST_ID.fullmatch(value) else None


def _task_published(headers=None, **_signal) -> None:
    """A task sent while serving a request (or running a task that has one) carries the
    request's id, unless its sender gave one (the outbox gives the id it stored)."""
    request_id = request_id_var.get()
    if headers is not None and request_id and not headers.get(REQUEST_ID_FIELD):
        headers[REQUEST_ID_FIELD] = request_id


def _task_finished(task_id: str, **_signal) -> None:
    stack = _task_bindings.get(task_id)
    if not stack:
        return
    bound = stack.pop()
    if not stack:
        del _task_bindings[task_id]
    unbind(bound)


def connect_celery_signals() -> None:
    """Bind job_id and task_name (and the request id the message carries) while a task
    runs, in a worker or eagerly; put the request id on the messages sent (core/apps.py)."""
    signals.before_task_publish.connect(_task_published, dispatch_uid="core.log_context.publish")
    signals.task_prerun.connect(_task_started, dispatch_uid="core.log_context.prerun")
    signals.task_postrun.connect(_task_finished, dispatch_uid="core.log_context.postrun")
