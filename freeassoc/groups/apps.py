from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "freeassoc.groups"
    verbose_name = "Find a group"
