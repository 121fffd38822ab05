from django.core.management.base import BaseCommand

from freeassoc.groups.services import directory_load


class Command(BaseCommand):
    help = (
        "Add the networks the essay names to the directory of Find a group (or refresh them). "
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        created, updated = directory_load()
        self.stdout.write(f"Directory: {created} added, {updated} updated.")
