from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Write a development signing key for OpenID Connect to var/oidc-signing-key.pem (once; "
            "an existing key is kept). Production sets OIDC_RSA_PRIVATE_KEY instead.")
    requires_system_checks = []

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Only for development (DJANGO_DEBUG=1); production sets OIDC_RSA_PRIVATE_KEY.")
        path = settings.DEV_OIDC_KEY_FILE
        if path.exists():
            self.stdout.write(f"Kept the existing development key in {path.name}.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
        )
        try:
            with open(path, "xb") as new:  # another process may be writing it right now
                new.write(pem)
            path.chmod(0o600)
        except FileExistsError:
            pass
        self.stdout.write(f"Wrote a development signing key to {path.name}.")
