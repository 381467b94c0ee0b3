"""What every endpoint of the REST API v1 (DESIGN.md §10) shares.

The API adds no rule of its own: objects come from the policy's scopers (an object the
user may not see is a 404), and every change calls the service that pages call. This
module turns the platform's one domain error, `ActionRefused`, into the HTTP answer its
code names, and gives every error the same shape:

    {"detail": "...", "reasons": ["..."], "fields": {"field": ["..."]}}
"""

from __future__ import annotations

from functools import partial

from django import forms
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import (
    CONFLICT,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    WRONG_STATE,
    ActionRefused,
)

from .api_input import BodyTooLarge
from .pagination import IdsFirstPaginator

STATUS_BY_CODE = {
    NOT_FOUND: status.HTTP_404_NOT_FOUND,
    FORBIDDEN: status.HTTP_403_FORBIDDEN,
    WRONG_STATE: status.HTTP_409_CONFLICT,
    CONFLICT: status.HTTP_409_CONFLICT,
    INVALID: status.HTTP_400_BAD_REQUEST,
}
MAX_ID = 2**63 - 1  # primary keys are 64-bit


# --- errors ------------------------------------------------------------------------------


def _messages(detail) -> list[str]:
    """Flatten DRF error details (lists, dicts, nested) into readable messages."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list | tuple):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    return {}


def error_body(detail: str, reasons=None, fields=None) -> dict:
    return {
        "detail": str(detail),
        "reasons": [str(r) for r in (reasons if reasons is not None else [detail])],
        "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
    }


def exception_handler(exc, context):
    """Every refusal and every bad input as a JSON error; nothing a client sends is a 500."""
    if isinstance(exc, ActionRefused):
        return Response(
            error_body(" ".join(exc.reasons), exc.reasons, exc.fields),
            status=STATUS_BY_CODE.get(exc.code, status.HTTP_409_CONFLICT),
        )
    if isinstance(exc, RequestDataTooBig):  # Django's own cap, DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = BodyTooLarge()
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, IntegrityError | DataError):
        # A constraint the input broke that no validator caught first: still the client's
        # input, so a 400 (the service's transaction has been rolled back).
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("The request breaks a rule of the data on record.")]}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(data) or {"non_field_errors": _messages(data)}
        response.data = error_body(
            _("Some of the data sent is not valid."), _messages(data), fields
        )
    elif isinstance(data, dict) and "detail" in data:
        response.data = error_body(data["detail"])
    return response


class ErrorSerializer(serializers.Serializer):
    """The shape of every error answer (documented in the schema)."""

    detail = serializers.CharField(help_text=gettext_lazy("What went wrong, in one sentence."))
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text=gettext_lazy("Every reason, one per item.")
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=gettext_lazy("Messages for the fields of the request that are not valid."),
    )


ERROR_RESPONSES = {
    "400": "Bad input: `fields` holds a message per field that is not valid.",
    "401": "Not signed in: send `Authorization: Token <token>` or a session cookie.",
    "403": "The user may not do this to this object (wrong role).",
    "404": "No such object, or one the user may not see.",
    "409": "Not possible in the object's current state (e.g. a transition not allowed "
    "from the plan's status), or a money rule refuses it.",
    "429": "Too many requests: wait the number of seconds in `Retry-After`.",
}
# Only operations that take a body can be sent one of the wrong media type.
BODY_ERROR_RESPONSES = {
    "415": "The body's `Content-Type` is missing or not one this operation accepts "
    "(see its request body's media types).",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the error shape."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["detail", "reasons", "fields"],
        "example": {
            "detail": "“Approve” is not possible for a plan at the “Draft” stage.",
            "reasons": ["“Approve” is not possible for a plan at the “Draft” stage."],
            "fields": {},
        },
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_RESPONSES.items():
                if code == "409" and method == "get":
                    continue
                responses.setdefault(code, {"description": description, "content": error})
            if "requestBody" in operation:
                for code, description in BODY_ERROR_RESPONSES.items():
                    responses.setdefault(code, {"description": description, "content": error})
            if _answers_a_file(responses):
                responses.setdefault("406", {"description": FILE_NOT_ACCEPTABLE, "content": error})
    return result


def _answers_a_file(responses: dict) -> bool:
    return any(
        media != "application/json"
        for code, response in responses.items()
        if code.startswith("2")
        for media in (response.get("content") or {})
    )


# --- files -------------------------------------------------------------------------------

FILE_NOT_ACCEPTABLE = (
    "`Accept` names only types the file is not: send the file's type (see the 200 "
    "answer's media types), a wildcard such as `*/*` or `application/*`, or no `Accept`."
)


class FileNegotiation(BaseContentNegotiation):
    """Negotiation of an endpoint that answers a file: nothing is refused before the view
    knows the file's type (`file_accepted` checks `Accept` then), and errors are the API's
    JSON whatever `Accept` asks for."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_accepted(request, content_type: str) -> None:
    """A 406 in the error shape unless the client accepts a file of `content_type`: its
    own type, a wildcard (`*/*`, `application/*`) or no `Accept` at all will do."""
    if not request.headers.get("Accept", "").strip():
        return
    main, _slash, sub = content_type.split(";")[0].strip().partition("/")
    # Parameters such as `charset` do not make another type; `q=0` ranges are left out.
    if any(
        accepted.main_type in ("*", main) and accepted.sub_type in ("*", sub)
        for accepted in request.accepted_types
    ):
        return
    raise exceptions.NotAcceptable(
        _("This file is %(type)s, which the request's Accept header does not accept.")
        % {"type": f"{main}/{sub}"}
    )


def file_responses(*content_types: str, description: str = "") -> dict:
    """The schema of a file answer, one media type per type the file may have (the 406 of
    a refused `Accept` is added to every such operation by `add_error_responses`)."""
    return {
        (200, content_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for content_type in content_types
    }


# --- lists -------------------------------------------------------------------------------


def nested(parent: serializers.BaseSerializer, serializer_class, **kwargs):
    """One `serializer_class(**kwargs)` per `parent` (a list's row serializer serves every
    row), for a method field that writes a record through another serializer:
    `nested(self, TermsSerializer).to_representation(terms)`. Building a serializer's
    fields costs more than writing a row with them; built per row, a list of 50 paid it
    50 times."""
    kept = parent.__dict__.setdefault("_nested_serializers", {})
    key = (serializer_class, tuple(sorted(kwargs.items())))
    if key not in kept:
        kept[key] = serializer_class(**kwargs)
    return kept[key]


class IdsFirstMixin:
    """A viewset whose list is read ids first (`Pagination`): `visible()` gives the records
    the user may read, which the list filters, sorts and counts alone; `with_rows(queryset)`
    adds what the serializer reads (joins, counts, sums), for the page's ids in the list
    and for the record in every other action."""

    def visible(self) -> QuerySet:
        raise NotImplementedError

    def with_rows(self, queryset: QuerySet) -> QuerySet:
        return queryset

    def get_queryset(self):
        records = self.visible()
        return records if self.action == "list" else self.with_rows(records)

    def page_rows(self) -> QuerySet:
        """The rows of a page of the list (`Pagination`)."""
        return self.with_rows(self.visible().model._default_manager.all())


class Pagination(PageNumberPagination):
    """Pages of `page_size` (up to 200). A view with a `page_rows()` method, the rows
    queryset with what its serializer reads, is read ids first: its list queryset gives
    the page's ids and count, `page_rows()` the rows of those ids (core/pagination.py)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        page_rows = getattr(view, "page_rows", None)
        if page_rows is not None and isinstance(queryset, QuerySet):
            self.django_paginator_class = partial(IdsFirstPaginator, rows=page_rows())
        return super().paginate_queryset(queryset, request, view)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """A filter on an object id: whole numbers only, no lookup of the object (so a list
    never tells whether another organization's object exists)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def alliance_filters(prefix: str, *, updated: str | None = None):
    """The filters of §10 for a model reached from an alliance through `prefix`."""
    p = f"{prefix}__" if prefix else ""
    declared = {
        "program": IdFilter(field_name=f"{p}program_id", help_text="Programme id."),
        "region": IdFilter(field_name=f"{p}region_id", help_text="Region id."),
        "value_chain": IdFilter(field_name=f"{p}value_chain_id", help_text="Value chain id."),
        "organization": IdFilter(
            field_name=f"{p}producer_organization_id", help_text="Producer organization id."
        ),
        "buyer": IdFilter(field_name=f"{p}buyer_id", help_text="Buyer id."),
    }
    if prefix:
        declared["alliance"] = IdFilter(field_name=f"{prefix}_id", help_text="Alliance id.")
    if updated:
        declared["updated_since"] = filters.IsoDateTimeFilter(
            field_name=updated,
            lookup_expr="gte",
            help_text="Only objects changed at or after this time (ISO 8601).",
        )
    return declared


def alliance_filterset(prefix: str, *, updated: str | None = None) -> type[filters.FilterSet]:
    """A FilterSet base class with the filters of `alliance_filters`."""
    return type(
        "AllianceFilterSet", (filters.FilterSet,), alliance_filters(prefix, updated=updated)
    )


# --- request bodies ----------------------------------------------------------------------

MAX_COMMENT = 5000


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_COMMENT,
        default="",
        help_text=gettext_lazy("Why; required for actions that need a reason."),
    )


def action_examples(
    name: str,
    *,
    request: dict | None = None,
    response: dict | None = None,
    status_code=200,
    media_type="application/json",
) -> list[OpenApiExample]:
    """A request and the answer it gets, as examples of an action in the schema
    (tests/api/test_schema.py validates every example against its schema)."""
    examples = []
    if request is not None:
        examples.append(
            OpenApiExample(name, value=request, request_only=True, media_type=media_type)
        )
    if response is not None:
        examples.append(
            OpenApiExample(
                name, value=response, response_only=True, status_codes=[str(status_code)]
            )
        )
    return examples


def object_or_404(queryset, pk, message) -> object:
    """The object `pk` of `queryset` (a scope selector's), or a 404 in the error shape
    saying `message`, also for an id that is not a number: the parent of a nested route."""
    try:
        return get_object_or_404(queryset, pk=pk)
    except (Http404, TypeError, ValueError, DjangoValidationError) as exc:
        raise exceptions.NotFound(message) from exc


class NotFoundMixin:
    """A clear 404 message instead of the model's name in DRF's default."""

    not_found_message = gettext_lazy("No such object.")

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as exc:
            raise exceptions.NotFound(self.not_found_message) from exc
