"""A plan's documents in the API: list, upload, download (§5, §10).

The same doors as the documents page: the plan comes from `plans_visible_to` (another
organization's plan is a 404), its documents from `plan_documents_visible_to` (a
monitoring report's evidence only for those who read monitoring), and an upload goes
through `plans.documents.document_upload`, which checks who may add a document now and
types the file from its content (`core.uploads`), never from its name.

Routes (config/api_urls.py): `plans/{id}/documents/` (GET, POST),
`plans/{id}/documents/{document_id}/` (GET) and `.../download/` (GET).
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.policy import plan_documents_visible_to, plans_visible_to
from core.api import IdFilter, file_accepted, file_responses, object_or_404
from core.api_input import JSONParser
from core.api_serializers import ModelSerializer
from core.uploads import EXTENSIONS

from ..documents import document_upload
from ..models import BusinessPlan, PlanDocument

logger = logging.getLogger(__name__)

PLAN_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Plan id.")
DOCUMENT_ID = OpenApiParameter(
    "document_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Document id."
)


class PlanDocumentSerializer(ModelSerializer):
    version = serializers.IntegerField(
        source="version.number", read_only=True, allow_null=True, default=None
    )
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = PlanDocument
        fields = [
            "id",
            "plan",
            "version",
            "kind",
            "title",
            "original_name",
            "content_type",
            "size",
            "tranche",
            "contribution",
            "monitoring_report",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        url = reverse("api:plan-document-download", args=[document.plan_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


def document_file_field() -> serializers.FileField:
    """The file of every document upload of the API. An empty file reaches the one upload
    check (`plans.documents`), which says so as the page does."""
    return serializers.FileField(
        allow_empty_file=True,
        help_text=gettext_lazy("PDF, image or spreadsheet; the type is checked."),
    )


class PlanDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PlanDocument.Kind.choices)
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Default: the file's name.",
    )
    file = document_file_field()


class EvidenceUploadSerializer(serializers.Serializer):
    """Evidence attached to a record (a tranche request, a monitoring report)."""

    title = serializers.CharField(
        max_length=200, help_text=gettext_lazy("What the document shows.")
    )
    file = document_file_field()


class DocumentFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=PlanDocument.Kind.choices)
    tranche = IdFilter(field_name="tranche_id", help_text="Evidence of this tranche.")
    contribution = IdFilter(
        field_name="contribution_id", help_text="Evidence of this contribution."
    )
    monitoring_report = IdFilter(
        field_name="monitoring_report_id", help_text="Evidence of this monitoring report."
    )

    class Meta:
        model = PlanDocument
        fields = []


def document_file(document: PlanDocument):
    """The document's file, opened; a 404 that says so when it is gone from the server."""
    try:
        return document.file.open("rb")
    except FileNotFoundError:
        logger.error("plan %s: the file of document %s is missing", document.plan_id, document.pk)
        raise NotFound(
            _(
                "The file of “%(name)s” is no longer on the server. Ask the person who "
                "uploaded it to upload it again."
            )
            % {"name": document.download_name}
        ) from None


class PlanDocumentViewSet(viewsets.GenericViewSet):
    """Documents of a plan the user may see: supporting documents, and the evidence of its
    tranches, contributions and monitoring reports."""

    serializer_class = PlanDocumentSerializer
    filterset_class = DocumentFilter
    ordering_fields = ["uploaded_at", "id"]
    ordering = ["-uploaded_at", "-id"]
    parser_classes = [MultiPartParser, JSONParser]
    lookup_url_kwarg = "document_id"

    def plan(self) -> BusinessPlan:
        if not hasattr(self, "_plan"):
            self._plan = object_or_404(
                plans_visible_to(self.request.user).select_related("alliance"),
                self.kwargs["id"],
                _("No such business plan."),
            )
        return self._plan

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no plan
            return PlanDocument.objects.none()
        return plan_documents_visible_to(self.request.user, self.plan()).select_related(
            "uploaded_by", "version"
        )

    def get_object(self):
        try:
            return super().get_object()
        except Http404 as exc:
            raise NotFound(_("No such document.")) from exc

    @extend_schema(summary="Documents of the plan", parameters=[PLAN_ID])
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a document to the plan",
        description=(
            "A `multipart/form-data` upload, as on the documents page: the producer "
            "organization's side while the plan is a draft or returned for revision, a "
            "programme officer at any stage (403 otherwise). PDF, PNG, JPEG, XLSX or CSV, up "
            "to 10 MB, typed from the content, never the name: anything else is a 400 with "
            "a message on `file`, and nothing is stored."
        ),
        parameters=[PLAN_ID],
        request={"multipart/form-data": PlanDocumentUploadSerializer},
        responses={201: PlanDocumentSerializer},
    )
    def create(self, request, *args, **kwargs):
        plan = self.plan()
        body = PlanDocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = document_upload(
            plan=plan,
            by=request.user,
            kind=body.validated_data["kind"],
            title=body.validated_data["title"],
            upload=body.validated_data["file"],
        )
        document = self.get_queryset().get(pk=document.pk)
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="A document of the plan", parameters=[PLAN_ID, DOCUMENT_ID])
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Download a document of the plan",
        description=(
            "The file as an attachment, with the type read from its content when it was "
            "uploaded (the document's `content_type`). `Accept` may name that type, a "
            "wildcard, or nothing; any other is a 406. A file gone from the server is a 404 "
            "that says so."
        ),
        parameters=[PLAN_ID, DOCUMENT_ID],
        responses=file_responses(*EXTENSIONS),
    )
    def download(self, request, *args, **kwargs):
        document = self.get_object()
        file_accepted(request, document.content_type)
        response = FileResponse(
            document_file(document),
            as_attachment=True,
            filename=document.download_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
