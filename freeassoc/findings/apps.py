from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "freeassoc.findings"
    verbose_name = "Findings"
