"""A URL configuration where plan pages exist (for `alliance_path`)."""

from django.http import HttpResponse
from django.urls import path


def page(request, pk=None):
    return HttpResponse()


urlpatterns = [
    path("", page, name="home"),
    path("plans/<int:pk>/", page, name="plan-detail"),
]
