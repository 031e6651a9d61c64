from django.core.management.base import BaseCommand

from teachers.models import KEEP, ImportJob


class Command(BaseCommand):
    help = (f"Delete uploaded import files older than {KEEP.total_seconds() // 3600:.0f} hours, with "
            "their progress and reports. prune_logs runs it daily.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run, **options):
        expired = ImportJob.objects.expired()
        count = expired.count() if dry_run else expired.delete()[0]
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: {count} expired import files.")
