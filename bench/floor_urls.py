"""The floor's one URL."""

from django.urls import path

from bench.floorapp.views import floor

urlpatterns = [path("bench/floor/", floor)]
