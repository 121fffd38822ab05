"""`freeassoc export SURVEY --format csv|xlsx|sav|dta [--output FILE] [--codebook]`

Writes one survey's microdata (or, with --codebook, its codebook as CSV or JSON). CSV and the
codebook may go to standard output; the binary formats need --output. Every export of
microdata is written to the organisation's audit log as done from the command line.
"""

from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError

from freeassoc.findings import exports
from freeassoc.surveys.models import Survey


class Command(BaseCommand):
    help = "Export a survey's responses as CSV, XLSX, SPSS .sav or Stata .dta, or its codebook."

    def add_arguments(self, parser):
        parser.add_argument("survey", type=int, help="The survey's number.")
        parser.add_argument(
            "--format",
            dest="fmt",
            default="csv",
            choices=[*exports.FORMATS, "json"],
            help="csv (default), xlsx, sav or dta; with --codebook: csv or json.",
        )
        parser.add_argument(
            "--output", "-o", help="The file to write. Without it, CSV goes to standard output."
        )
        parser.add_argument(
            "--codebook",
            action="store_true",
            help="Write the codebook (every column's name, label, codes) instead of the data.",
        )
        parser.add_argument(
            "--bom",
            action="store_true",
            help="Start a CSV with a UTF-8 byte-order mark, for old versions of Excel.",
        )

    def handle(self, *args, survey, fmt, output, codebook, bom, **options):
        found = Survey.objects.select_related("organisation").filter(pk=survey).first()
        if found is None:
            raise CommandError(f"There is no survey {survey}.")
        if codebook:
            self._codebook(found, fmt, output)
            return
        if fmt not in exports.FORMATS:
            raise CommandError("JSON is for the codebook: add --codebook, or choose a format.")
        if fmt != "csv" and not output:
            raise CommandError(
                f"A {fmt} file is binary: give a file to write with --output FILE.{fmt}."
            )
        try:
            if output:
                rows = exports.export_to_path(survey=found, fmt=fmt, path=output, bom=bom)
            else:
                # Through self.stdout (call_command's stdout=...), adding no line ends.
                out = SimpleNamespace(write=lambda text: self.stdout.write(text, ending=""))
                rows = exports.write_csv(found, out, bom=bom)
        except exports.ExportError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        exports.export_audit(survey=found, user=None, fmt=fmt, rows=rows)
        message = f"Wrote {rows:,} responses of survey {found.pk} to {output or 'standard output'}."
        (self.stdout if output else self.stderr).write(message)

    def _codebook(self, survey, fmt, output):
        if fmt not in exports.CODEBOOK_FORMATS:
            raise CommandError("The codebook is written as csv or json.")
        text = exports.codebook_csv(survey) if fmt == "csv" else exports.codebook_json(survey)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            self.stdout.write(f"Wrote the codebook of survey {survey.pk} to {output}.")
        else:
            self.stdout.write(text, ending="")
