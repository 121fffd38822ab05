import secrets
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from freeassoc.orgs.models import Membership, Organisation
from freeassoc.surveys.models import Collector, Response, Survey

DEMO_ORG = "Surviving Work demo network (synthetic)"
DEMO_SLUG = "demo"
DEMO_USER = "organiser"


class Command(BaseCommand):
    help = "Load the synthetic demo data set, then serve (unless --no-serve)."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Only load the demo data.")
        parser.add_argument("--responses", type=int, default=1500)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, no_serve, responses, host, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        password = secrets.token_urlsafe(9)
        survey, created = self.load(responses=responses, password=password)
        codes = self.second_factor()
        base = f"http://{host}:{port}"
        self.stdout.write(
            f"\nDemo data loaded: {survey.responses.count()} synthetic responses"
            f"{'' if created else ' (already there)'}.\n"
            f"  The demo survey, as a respondent sees it:  {base}/s/{DEMO_SLUG}/\n"
            f"  Its published findings (synthetic):  {base}/findings/{survey.pk}/\n"
            f"  Find a group:  {base}/groups/\n"
            f"  Collective grievances from Survival Surgeries:  {base}/surgeries/grievances/\n"
            f"  The demo Survival Surgery (signed in):  {base}/surgeries/{self.surgery.pk}/\n"
            f"  Organisers sign in at {base}/accounts/login/\n"
            f"      username: {DEMO_USER}\n      password: {password}\n"
            f"      second step (every account signs in with one):\n"
            f"      enter one of these backup codes, each works once: {', '.join(codes)}\n"
        )
        if not no_serve:
            self.serve_with_worker(host=host, port=port)

    def serve_with_worker(self, *, host: str, port: int) -> None:
        """Serve, with a background worker beside the server (imports, exports, purges) as a
        child process that stops when the server does."""
        from django.db import connections

        connections.close_all()  # nothing of this process's connections goes to the child
        worker = subprocess.Popen(  # noqa: S603 - our own command, with our own interpreter
            [sys.executable, "-m", "freeassoc.cli", "worker"],
        )
        self.stdout.write(f"Background worker started (process {worker.pid}).")
        try:
            call_command("serve", host=host, port=port)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()

    @transaction.atomic
    def second_factor(self) -> list[str]:
        """The demo owner (the demo's only account) must confirm sign-in like anyone. Their
        authenticator's key is never shown, so they get fresh single-use backup codes each run
        instead (or can set up their own app from "Your organisations")."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from freeassoc.orgs.services import backup_codes_replace

        user = get_user_model().objects.get(username=DEMO_USER)
        TOTPDevice.objects.get_or_create(
            user=user, confirmed=True, defaults={"name": "Authenticator app"}
        )
        return backup_codes_replace(user=user)[:3]

    @transaction.atomic
    def load(self, *, responses: int, password: str) -> tuple[Survey, bool]:
        org, _ = Organisation.objects.get_or_create(
            slug="demo-network",
            defaults={"name": DEMO_ORG, "kind": Organisation.Kind.WORKERS_GROUP, "approved": True},
        )
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USER)
        user.set_password(password)  # a fresh password each run, printed once
        user.save()
        Membership.objects.get_or_create(
            organisation=org, user=user, defaults={"role": Membership.Role.OWNER}
        )
        from freeassoc.groups.demo import load_demo_groups
        from freeassoc.surgeries.demo import load_demo

        load_demo_groups()
        self.surgery = load_demo(organisation=org)
        collector = Collector.objects.filter(slug=DEMO_SLUG).select_related("survey").first()
        if collector:
            return collector.survey, False
        survey = Survey.objects.create(
            organisation=org,
            title="Surviving Work Survey (synthetic demo)",
            instrument_slug="surviving-work",
            instrument_version=1,
            status=Survey.Status.OPEN,
            opened_on=timezone.localdate(),
            is_synthetic=True,
            published=True,
        )
        Collector.objects.create(
            survey=survey, kind=Collector.Kind.OPEN_LINK, name="Demo open link", slug=DEMO_SLUG
        )
        from freeassoc.findings.synthetic import generate_answers

        today = timezone.localdate()
        Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    collector_kind=Collector.Kind.OPEN_LINK,
                    instrument_version=1,
                    submitted_on=today - timezone.timedelta(days=i % 28),
                    source=Response.Source.SYNTHETIC,
                    answers=answers,
                )
                for i, answers in enumerate(generate_answers(n=responses))
            ],
            batch_size=1000,
        )
        return survey, True
