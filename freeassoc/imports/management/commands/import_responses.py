"""`freeassoc import-responses FILE --survey SURVEY --mapping MAP [--dry-run]`."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from freeassoc.imports import services
from freeassoc.surveys.selectors import survey_by_number_or_title

SHOWN = 1000  # problems printed by row; the rest are counted (and written by --problems)


class Command(BaseCommand):
    help = (
        "Import responses exported by another survey tool (CSV, XLSX or SPSS .sav) through a "
        "mapping file. Checks everything first; imports every row or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the data file: .csv, .xlsx or .sav")
        parser.add_argument("--survey", required=True, help="the survey's number or exact title")
        parser.add_argument("--mapping", required=True, help="the mapping file (YAML)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report by row; write nothing"
        )
        parser.add_argument(
            "--problems", metavar="CSV", help="also write every problem found to this CSV file"
        )

    def handle(self, *args, file, survey, mapping, dry_run, problems, **options):
        path, mapping_path = Path(file), Path(mapping)
        for p in (path, mapping_path):
            if not p.is_file():
                raise CommandError(f"There is no file '{p}'.")
        try:
            chosen = survey_by_number_or_title(survey)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        mapping_text = mapping_path.read_text(encoding="utf-8")
        self.stderr.write(f"Checking {path.name} against {mapping_path.name} ...")
        try:
            report = services.dry_run(chosen, path, mapping_text, filename=path.name)
        except (services.MappingError, services.ReadError) as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            Path(problems).write_text(report.to_csv(), encoding="utf-8")
        self._print_report(report)
        if not report.ok:
            raise CommandError(
                f"{report.problem_count:,} problem(s) in {report.rows_with_problems:,} "
                f"{report.row_word}(s); nothing was imported. Fix the file or the mapping "
                "and run again."
            )
        if dry_run:
            self.stdout.write(
                f"Dry run: all {report.rows:,} {report.row_word}s can be imported into "
                f"survey {chosen.pk} ({chosen.title}). Nothing was written."
            )
            return
        bar = _ProgressBar(self.stderr)
        try:
            batch = services.run_import(
                chosen, path, mapping_text, user=None, filename=path.name, progress=bar
            )
        except (services.ImportRefused, services.MappingError, services.ReadError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.end()
        self.stdout.write(
            f"Imported {batch.row_count:,} responses into survey {chosen.pk} ({chosen.title}) "
            f"as batch {batch.pk}. To take them out again: withdraw the batch on the survey's "
            "Imports page."
        )

    def _print_report(self, report):
        self.stdout.write(
            f"{report.rows:,} {report.row_word}s of answers"
            + (f" ({report.blank_rows:,} blank rows skipped)" if report.blank_rows else "")
            + "."
        )
        if report.ok:
            self.stdout.write("No problems found.")
            return
        for kind, count in report.counts():
            self.stdout.write(f"  {count:,} × {kind}")
        for line in report.lines(SHOWN):
            self.stdout.write(line)
        if report.problem_count > SHOWN:
            self.stdout.write(
                f"... and {report.problem_count - SHOWN:,} more (use --problems FILE.csv to "
                "write them all)."
            )


class _ProgressBar:
    """rows done / total, per cent and rate, redrawn in place on a terminal."""

    def __init__(self, out):
        self.out = out  # the command's stderr wrapper
        self.started = time.perf_counter()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        width = 30
        filled = int(width * done / total) if total else width
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,} / {total:,} rows "
            f"({100 * done // max(total, 1)}%) · {done / elapsed:,.0f} rows/s"
        )
        self.out.write(line, ending="")
        self.out.flush()
        self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.out.write("")
