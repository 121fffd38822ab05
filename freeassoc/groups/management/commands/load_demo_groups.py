from django.core.management.base import BaseCommand

from freeassoc.groups.demo import load_demo_groups


class Command(BaseCommand):
    help = "Add the synthetic demo local groups (each labelled “(demo)”) and the directory."

    def handle(self, *args, **options):
        groups = load_demo_groups()
        self.stdout.write(f"Demo groups: {len(groups)} listed (synthetic, labelled “(demo)”).")
