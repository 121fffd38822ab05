from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "freeassoc.surveys"
