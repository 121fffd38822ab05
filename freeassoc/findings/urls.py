from django.urls import path

from . import views_export

app_name = "findings"
urlpatterns = [
    path("org/surveys/<int:pk>/export/<str:fmt>/", views_export.export, name="export"),
    path("org/surveys/<int:pk>/codebook/", views_export.codebook, name="codebook"),
]
