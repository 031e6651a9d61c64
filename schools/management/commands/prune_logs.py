from datetime import timedelta
from io import StringIO

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from schools.models import AuditEntry


class Command(BaseCommand):
    help = ("Delete audit entries older than AUDIT_RETENTION_DAYS and login records older than "
            "ACCESS_LOG_RETENTION_DAYS, expired OpenID Connect tokens and sign-on records, records "
            "of pupils' data released to publishers older than AUDIT_RETENTION_DAYS, expired "
            "import files, and finished tasks older than TASK_RESULT_RETENTION_DAYS. Run it daily.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run, **options):
        now = timezone.now()
        audit_before = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
        access_before = now - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
        old = {
            "audit entries": AuditEntry.objects.filter(created_at__lt=audit_before),
            "access logs": AccessLog.objects.filter(attempt_time__lt=access_before),
            "failure logs": AccessFailureLog.objects.filter(attempt_time__lt=access_before),
            "failed attempts": AccessAttempt.objects.filter(attempt_time__lt=access_before),
        }
        counts = {name: queryset.count() if dry_run else queryset.delete()[0]
                  for name, queryset in old.items()}
        if not dry_run:
            call_command("cleartokens", stdout=StringIO(), stderr=StringIO())
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: {summary}.")
        call_command("prune_sign_ons", dry_run=dry_run, stdout=self.stdout)
        call_command("prune_releases", dry_run=dry_run, stdout=self.stdout)
        # Uploaded files wait a day for their one click; a finished task's arguments may name
        # the people a mail went to.
        call_command("prune_imports", dry_run=dry_run, stdout=self.stdout)
        call_command("prune_db_task_results", queue_name="*", dry_run=dry_run, verbosity=0,
                     min_age_days=settings.TASK_RESULT_RETENTION_DAYS)
