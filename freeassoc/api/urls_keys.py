"""Owners' pages for API keys, mounted under org/."""

from django.urls import path

from . import views

app_name = "apikeys"
urlpatterns = [
    path("organisations/<slug:slug>/api-keys/", views.keys, name="keys"),
    path("organisations/<slug:slug>/api-keys/<int:pk>/revoke/", views.revoke, name="revoke"),
]
