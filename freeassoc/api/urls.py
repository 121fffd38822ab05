from django.urls import path

from . import views
from .api import api

app_name = "api"
urlpatterns = [
    path("", views.reference, name="reference"),
    path("", api.urls),
]
