from django.core.management.base import BaseCommand

from freeassoc.groups.services import join_request_days, join_requests_purge_expired


class Command(BaseCommand):
    help = (
        "Delete join requests nobody answered in time, with the addresses they hold. The site "
        "also does this once a day on its own; run it from cron to be certain."
    )

    def handle(self, *args, **options):
        deleted = join_requests_purge_expired()
        self.stdout.write(
            f"Deleted {deleted} join request{'s' if deleted != 1 else ''} older than "
            f"{join_request_days()} days."
        )
