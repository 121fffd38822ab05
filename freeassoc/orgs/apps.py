from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "freeassoc.orgs"
    verbose_name = "Organisations"
