from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError
from tqdm import tqdm

from basispoort.taskworker import in_process_worker
from schools.models import School
from teachers.importing import ImportFileError, import_school


class Command(BaseCommand):
    help = ("Sync a school's groups, teachers and pupils from an EDEX-XML or CSV file. "
            "Writes everything in one transaction, or nothing when a row is wrong.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="show what would change, write nothing")
        parser.add_argument("--school", help="BRIN + vestiging, e.g. 99XX00 (required for CSV files)")

    def handle(self, *args, **options):
        try:
            self._import(**options)
        except (OperationalError, InterfaceError) as error:
            # The database is down or went away mid-import: the transaction is rolled back.
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise CommandError(f"The database cannot be reached ({reason}). Nothing was written; "
                               "run the import again when the database is back.") from None

    def _import(self, *, file, dry_run, school, **options):
        target = None
        if school:
            target = School.objects.filter(brin=school[:4].upper(), vestiging=school[4:] or "00").first()
            if target is None:
                raise CommandError(f"No school {school}.")
        try:
            with open(file, "rb") as source:
                data = source.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        with tqdm(total=0, unit=" leerlingen", disable=options["verbosity"] == 0) as bar:
            def progress(status):
                if status.stage == status.WRITING:
                    bar.total = status.total
                    bar.update(status.pupils - bar.n)

            try:
                report = import_school(data, filename=file, school=target, dry_run=dry_run,
                                       progress=progress)
            except ImportFileError as error:
                raise CommandError(str(error)) from None
        # Skipped groups and pupils, teachers who cannot be invited: what the operator may act on.
        for line, message in report.notes:
            self.stdout.write(f"regel {line}: {message}")
        for line, message in report.errors:
            self.stderr.write(f"regel {line}: {message}")
        for title, change in [("nieuw", report.new), ("gewijzigd", report.changed),
                              ("andere groep", report.moved), ("gedeactiveerd", report.deactivated)]:
            if change.count and options["verbosity"] > 1:
                self.stdout.write(f"{title}: {', '.join(change.examples)}")
        self.stdout.write(report.summary())
        if report.errors:
            raise CommandError("Nothing was written: fix the rows above and run again.")
        if not dry_run and settings.TASKS_IN_PROCESS_WORKER and in_process_worker.running:
            # The new staff's invitations are a task; on the embedded default a thread of this
            # process sends them, so the command waits for it instead of ending it mid-mail.
            in_process_worker.wait_until_idle(timeout=600)
        self.stdout.write(self.style.SUCCESS(
            "Dry run: nothing was written." if dry_run else f"Imported into {report.school}."
        ))
