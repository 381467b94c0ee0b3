"""`GET /api/v1/iati/activities/?program=<id>` (DESIGN §10): the IATI activity XML 2.03 of
a programme's funded alliances, made in the request for one programme.

It is the report kind `iati_activities_xml` without the job: the same checks of the
parameter and of the requester's scope (`reports.services`, as a report request and a
download are checked: ministry staff and the programme's funders; 403 for others, 404
for a programme one cannot see, 400 without a valid `program`), then the same generator,
writing the same bytes into a spooled temporary file (memory stays bounded; a large
file goes to disk) that the response streams.
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.views import APIView

from core.api import FileNegotiation, file_accepted, file_responses

from . import services
from .generators import KINDS
from .generators.base import Context, Progress
from .models import ReportJob, ReportKind

KIND = ReportKind.IATI_ACTIVITIES_XML
IN_MEMORY_BYTES = 4 * 1024 * 1024  # larger files are spooled to disk


class IatiActivitiesView(APIView):
    content_negotiation_class = FileNegotiation  # XML, or a 406; errors in JSON

    @extend_schema(
        operation_id="iati_activities",
        summary="IATI activity XML 2.03 of a programme's funded alliances",
        description=(
            "The alliances of the programme that have a grant commitment, as one "
            "`iati-activities` file (IATI Standard 2.03): identifiers, participating "
            "organisations, status and dates, budgets, the commitment and disbursements "
            "as transactions (a reversal is a negative disbursement), results from the "
            "monitoring indicators. The same file as the report kind "
            "`iati_activities_xml`. For ministry staff and the programme's funders."
        ),
        parameters=[
            OpenApiParameter(
                "program",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                required=True,
                description="Id of the programme.",
            )
        ],
        responses=file_responses(KINDS[KIND].content_type),
    )
    def get(self, request):
        spec = KINDS[KIND]
        file_accepted(request, spec.content_type)
        given = request.query_params.get("program")
        parameters, _title, filename = services.report_scope(
            KIND, {} if given is None else {"program": given}, request.user
        )
        job = ReportJob(
            kind=KIND,
            parameters=parameters,
            requester=request.user,
            language=translation.get_language() or "en",
        )
        ctx = Context(job, request.user, Progress(lambda percent: None), job.language, parameters)
        # Closed by the response once sent (or below, if writing fails).
        output = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
        try:
            spec.generate(ctx, output)
            output.seek(0)
        except BaseException:
            output.close()
            raise
        response = FileResponse(output, content_type=spec.content_type, filename=filename)
        response["Cache-Control"] = "private, no-store"
        return response
