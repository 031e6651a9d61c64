from django.core.management.base import BaseCommand
from django.utils import timezone

from software.models import ISSUED_CODE_RETENTION, PUBLISHER_SESSION_RETENTION, IssuedCode, PublisherSession


class Command(BaseCommand):
    help = ("Delete what single sign-on remembers past its use: authorization codes' records older "
            "than a day and the publishers a session opened, older than a week. prune_logs runs it.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, dry_run, **options):
        now = timezone.now()
        old = {
            "authorization code records":
                IssuedCode.objects.filter(created_at__lt=now - ISSUED_CODE_RETENTION),
            "publisher sessions":
                PublisherSession.objects.filter(created_at__lt=now - PUBLISHER_SESSION_RETENTION),
        }
        counts = {name: queryset.count() if dry_run else queryset.delete()[0]
                  for name, queryset in old.items()}
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(f"{'Would delete' if dry_run else 'Deleted'}: {summary}.")
