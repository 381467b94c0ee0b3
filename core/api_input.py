"""What the REST API accepts from any client before a view runs: JSON bodies, their size
and nesting capped before they are parsed, and OPTIONS answers that never fail.

Named in REST_FRAMEWORK's DEFAULT_PARSER_CLASSES and DEFAULT_METADATA_CLASS, so this
module must not import `rest_framework.views` (whose class body reads those settings).
"""

from __future__ import annotations

import itertools
import logging
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request
from rest_framework.utils import json

from core.errors import ActionRefused

logger = logging.getLogger(__name__)

MAX_JSON_DEPTH = 32  # levels of arrays and objects; the API's own bodies need 3

# A JSON string, escapes honoured. An unterminated one runs to the end of the text, so
# that the scan stays linear in the size of any input.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_NESTING_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text, found without parsing it.

    Exact for a valid document; for an invalid one, at least the depth that a parser
    reaches before it meets the first error."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(itertools.accumulate(map(_NESTING_STEP.__getitem__, brackets), initial=0))


def max_body_bytes() -> int:
    """The largest body accepted: API_MAX_BODY_BYTES, or Django's own cap if smaller."""
    django_cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return min(settings.API_MAX_BODY_BYTES, django_cap if django_cap is not None else 2**63)


class BodyTooLarge(exceptions.ParseError):
    def __init__(self):
        super().__init__(
            _("The request body is too large: at most %(limit)s bytes are accepted.")
            % {"limit": max_body_bytes()}
        )


class TooDeep(exceptions.ParseError):
    def __init__(self):
        super().__init__(
            _(
                "The request body is nested too deeply: at most %(limit)s levels of arrays "
                "and objects are accepted."
            )
            % {"limit": MAX_JSON_DEPTH}
        )


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with the body's size and nesting checked before parsing.

    `json.loads` recurses once per level: a deep enough document exhausts the stack (a
    RecursionError, so a 500), even unauthenticated on the token endpoint. Both refusals
    are a 400 in the API's error shape, like any other body that cannot be read."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        limit = max_body_bytes()
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise BodyTooLarge()
        try:
            text = body.decode(encoding)
            # Fewer brackets than the limit cannot nest deeper: no scan needed.
            brackets = text.count("[") + text.count("{")
            if brackets > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
                raise TooDeep()
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:  # as DRF's own parser words it
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc


class Metadata(SimpleMetadata):
    """OPTIONS never answers with a server error.

    DRF describes the body of POST and PUT to a user allowed to send them, fetching the
    object first for PUT. A PUT on a collection (no object id in the URL) has no object to
    fetch; a refusal leaves the method out, as in DRF, and so does anything else that
    fails, logged as the bug it is."""

    def determine_actions(self, request, view):
        actions = {}
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                if method == "PUT" and hasattr(view, "get_object") and lookup in view.kwargs:
                    view.get_object()
                actions[method] = self.get_serializer_info(view.get_serializer())
            except (exceptions.APIException, PermissionDenied, Http404, ActionRefused):
                pass
            except Exception:
                logger.exception("OPTIONS could not describe %s %s", method, request.path)
            finally:
                view.request = request
        return actions
