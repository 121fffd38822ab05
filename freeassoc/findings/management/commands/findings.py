import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from freeassoc.findings.reports import as_csv, survey_findings
from freeassoc.surveys.models import Survey
from freeassoc.surveys.selectors import survey_by_number_or_title

FORMATS = ("json", "csv", "html", "pdf")


class Command(BaseCommand):
    help = (
        "Print a survey's findings, after disclosure control, as JSON, CSV, a self-contained "
        "HTML page or a PDF report."
    )

    def add_arguments(self, parser):
        parser.add_argument("survey", help="the survey's number, or its exact title")
        parser.add_argument("--format", default="json", help="json (the default), csv, html or pdf")
        parser.add_argument(
            "--output", "-o", default="", help="write to this file instead of standard output"
        )

    def handle(self, *args, survey: str, format: str, output: str, **options):
        fmt = format.lower()
        if fmt not in FORMATS:
            raise CommandError(f"Unknown format '{format}'. Use --format json, csv, html or pdf.")
        if fmt == "pdf" and not output and _is_terminal(self.stdout):
            raise CommandError(
                "A PDF is binary and would garble your terminal. Name a file with "
                "--output report.pdf, or redirect: > report.pdf"
            )
        chosen = _find_survey(survey)
        findings = survey_findings(chosen)
        if fmt == "pdf":
            from freeassoc.findings.pdf import findings_pdf

            data = findings_pdf(chosen, findings, rules_url="/findings/rules/")
            if output:
                _write(output, data)
            else:
                binary = getattr(self.stdout._out, "buffer", None)
                if binary is None:
                    raise CommandError("This output takes text only: use --output FILE.")
                self.stdout.flush()
                binary.write(data)
                binary.flush()
            return
        if fmt == "json":
            text = json.dumps(findings, indent=2, ensure_ascii=False) + "\n"
        elif fmt == "csv":
            text = as_csv(findings)
        else:
            from freeassoc.findings.views import standalone_html

            text = standalone_html(chosen, findings)
        if output:
            _write(output, text.encode("utf-8"))
        else:
            self.stdout.write(text, ending="")


def _is_terminal(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise CommandError(f"Could not write {path}: {exc.strerror or exc}.") from exc


def _find_survey(key: str) -> Survey:
    try:
        return survey_by_number_or_title(key)
    except LookupError as exc:
        raise CommandError(str(exc)) from exc
