"""The error pages (`handler404`, `handler500` in config/urls.py).

A 404 shows its message only when it was written for the user (`core.errors.NotFound`);
a 500 page is plain HTML that needs no database, no request context and shows nothing of
the server (no path, no exception).
"""

from django.http import HttpResponseNotFound, HttpResponseServerError
from django.template import loader

from .errors import NotFound


def page_not_found(request, exception=None):
    message = str(exception) if isinstance(exception, NotFound) else ""
    body = loader.render_to_string("404.html", {"message": message}, request)
    return HttpResponseNotFound(body)


def server_error(request):
    return HttpResponseServerError(loader.render_to_string("500.html"))
