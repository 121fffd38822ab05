from django.urls import path

from . import views, views_export

app_name = "findings"
urlpatterns = [
    path("org/surveys/<int:pk>/export/<str:fmt>/", views_export.export, name="export"),
    path(
        "org/surveys/<int:pk>/exports/<int:export_id>/",
        views_export.export_file,
        name="export_file",
    ),
    path(
        "org/surveys/<int:pk>/exports/<int:export_id>/download/",
        views_export.download,
        name="export_download",
    ),
    path("org/surveys/<int:pk>/codebook/", views_export.codebook, name="codebook"),
    path("findings/", views.index, name="index"),
    path("findings/rules/", views.rules, name="rules"),
    path("findings/<int:pk>/", views.survey_page, name="survey"),
    path("findings/<int:pk>/publish/", views.publish, name="publish"),
    path("findings/<int:pk>/findings.<str:fmt>", views.download, name="download"),
    path("findings/<int:pk>/<slug:ident>/", views.indicator_page, name="indicator"),
]
