from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "bench.floorapp"
    label = "floorapp"
    verbose_name = "Benchmark floor"
    default_auto_field = "django.db.models.BigAutoField"
