from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticToken

from basispoort.hashing import hash_key_id, hash_key_ids, short_hash_key_id
from homelogin.models import DeviceGrant, HomeLoginCode
from pupils.models import Pupil


class Command(BaseCommand):
    help = ("Key rotation: count, per kind of secret, how many use each key of SECRET_HASH_KEYS. "
            "A secret moves to the newest key when it is next used; an older key can be removed "
            "once nothing uses it. Reads only.")

    def add_arguments(self, parser):
        parser.add_argument("--report", action="store_true", help="print the counts (required)")

    def handle(self, *args, report, **options):
        if not report:
            raise CommandError("Nothing to do: run with --report. Secrets are re-hashed when used.")
        configured = hash_key_ids()
        newest = configured[0]
        # Revoked codes and devices never work again, so only live ones count.
        kinds = {
            "PIN": Pupil.objects.filter(secret_kind=Pupil.SecretKind.PIN)
            .values_list("secret_hash", flat=True),
            "picture password": Pupil.objects.filter(secret_kind=Pupil.SecretKind.PICTURE)
            .values_list("secret_hash", flat=True),
            "home login code": HomeLoginCode.objects.current().values_list("verifier_hash", flat=True),
            "device token": DeviceGrant.objects.filter(revoked_at__isnull=True)
            .values_list("token_hash", flat=True),
        }
        old = Counter()
        for kind, counts in [
            *((kind, Counter(hash_key_id(value) for value in hashes.iterator() if value))
              for kind, hashes in kinds.items()),
            # Staff's unused recovery codes (teachers/second_step.py): used once, never moved to
            # a new key; "unknown" ones were made before their key's id was kept.
            ("recovery code", Counter(short_hash_key_id(value) or "unknown" for value in
                                      StaticToken.objects.values_list("token", flat=True).iterator())),
        ]:
            # Newest key first, then the older configured ones, then any the setting has lost.
            order = [k for k in configured if k in counts] + sorted(
                k for k in counts if k not in configured and k is not None)
            parts = []
            for key_id in order:
                gone = ("" if key_id in configured
                        else " (made before their key's id was kept)" if key_id == "unknown"
                        else " (not in SECRET_HASH_KEYS: these no longer work)")
                parts.append(f"{key_id} {counts[key_id]}{gone}")
                if key_id != newest:
                    old[key_id] += counts[key_id]
            self.stdout.write(f"{kind}: {', '.join(parts) or 'none'}")
            if kind == "recovery code" and (stuck := sum(n for k, n in counts.items() if k != newest)):
                self.stdout.write(f"{stuck} recovery codes use an older key and never move to {newest}: "
                                  "those staff make new recovery codes (Account, 'Nieuwe "
                                  "herstelcodes maken') before the old key is removed.")
        total = sum(old.values())
        if total:
            keep = ", ".join(k for k in old if k in configured)
            advice = f"; keep {keep} in SECRET_HASH_KEYS." if keep else "."
            self.stdout.write(f"{total} secrets still use an older key than {newest}{advice}")
        else:
            older = ", ".join(configured[1:])
            removable = f": {older} can be removed from SECRET_HASH_KEYS." if older else "."
            self.stdout.write(self.style.SUCCESS(f"Every secret uses {newest}{removable}"))
