from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "freeassoc.api"
