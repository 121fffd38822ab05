from django.urls import path

from . import views_organiser as views

app_name = "surveys"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("surveys/new/", views.survey_create, name="create"),
    path("surveys/<int:pk>/", views.survey_detail, name="detail"),
    path("surveys/<int:pk>/status/", views.survey_status, name="status"),
    path("surveys/<int:pk>/delete-data/", views.survey_data_delete, name="delete_data"),
    path("surveys/<int:pk>/collectors/new/", views.collector_create, name="collector_create"),
    path(
        "surveys/<int:pk>/collectors/<int:collector_id>/invitations/",
        views.invitations_create,
        name="invitations",
    ),
]
