"""A URL configuration without plan pages (for `alliance_path`)."""

from django.http import HttpResponse
from django.urls import path


def page(request):
    return HttpResponse()


urlpatterns = [path("", page, name="home")]
