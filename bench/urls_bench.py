"""The site's URLs, plus the floor view at /bench/floor/."""

from django.urls import include, path

from bench.floorapp.views import floor

urlpatterns = [
    path("bench/floor/", floor, name="bench-floor"),
    path("", include("freeassoc.urls")),
]
