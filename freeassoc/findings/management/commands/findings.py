import json

from django.core.management.base import BaseCommand, CommandError

from freeassoc.findings.reports import as_csv, survey_findings
from freeassoc.surveys.models import Survey


class Command(BaseCommand):
    help = "Print a survey's findings, after disclosure control, as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("survey", help="the survey's number, or its exact title")
        parser.add_argument("--format", default="json", help="json (the default) or csv")

    def handle(self, *args, survey: str, format: str, **options):
        fmt = format.lower()
        if fmt in {"html", "pdf"}:
            raise CommandError(
                f"{fmt.upper()} reports are not available yet. Use --format json or --format csv."
            )
        if fmt not in {"json", "csv"}:
            raise CommandError(f"Unknown format '{format}'. Use --format json or --format csv.")
        chosen = _find_survey(survey)
        findings = survey_findings(chosen)
        if fmt == "json":
            self.stdout.write(json.dumps(findings, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(as_csv(findings), ending="")


def _find_survey(key: str) -> Survey:
    if key.isdigit() and (found := Survey.objects.filter(pk=int(key)).first()):
        return found
    matches = list(Survey.objects.filter(title__iexact=key))
    if not matches:
        raise CommandError(f"No survey has the number or title '{key}'.")
    if len(matches) > 1:
        numbers = ", ".join(str(s.pk) for s in matches)
        raise CommandError(
            f"{len(matches)} surveys are called '{key}'; name one by number: {numbers}."
        )
    return matches[0]
