from django.core.management.base import BaseCommand

from freeassoc.surgeries.services import surgeries_purge_due


class Command(BaseCommand):
    help = (
        "Delete the content of every Survival Surgery whose deletion date has come, keeping "
        "only anonymous theme counts. Run it daily (cron or a systemd timer)."
    )

    def handle(self, *args, **options):
        count = surgeries_purge_due()
        self.stdout.write(f"Deleted {count} surger{'y' if count == 1 else 'ies'}.")
