from django.urls import path

from . import views

app_name = "alliances"

urlpatterns = [
    path("", views.organization_list, name="organizations"),
    path("<int:pk>/", views.organization_detail, name="organization"),
    path("<int:pk>/edit/", views.organization_edit, name="organization-edit"),
    path("<int:pk>/members/add/", views.member_add, name="member-add"),
    path("<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member-edit"),
    path("<int:pk>/members/import/", views.roster_upload, name="roster-upload"),
    path("<int:pk>/members/import/preview/", views.roster_preview, name="roster-preview"),
    path("<int:pk>/members/import/confirm/", views.roster_import, name="roster-import"),
]
