from django.conf import settings
from django.core.management.base import BaseCommand

from software.models import Release


class Command(BaseCommand):
    help = ("Delete the records of pupils' data released to publishers that are older than "
            "AUDIT_RETENTION_DAYS. The daily prune_logs runs it.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run, **options):
        old = Release.objects.older_than(settings.AUDIT_RETENTION_DAYS)
        count = old.count() if dry_run else old.delete()[0]
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: {count} releases to publishers.")
